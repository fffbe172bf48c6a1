"""The scheduler's one port to the outside (kubelab/scheduler/port.py): everything it does
to the world — bind, PodScheduled=False, nominate, preempt, record an event — goes through
it, whether the port is in memory or an API server."""

import pytest
from helpers import make_node, make_pod

import kubelab as kl
from kubelab.api.coordination import PodDisruptionBudget
from kubelab.scheduler import APIServerPort, InMemoryPort, Scheduler, SchedulerPort
from kubelab.sim.kernel import Simulator


class RecordingPort(InMemoryPort):
    """The in-memory port, with a log of every call the scheduler made on it."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def bind(self, pinfo, node_name):
        self.calls.append(("bind", pinfo.key, node_name))
        return super().bind(pinfo, node_name)

    def update_pod_scheduled(self, pinfo, reason, message, nominated_node_name):
        self.calls.append(("update_pod_scheduled", pinfo.key, reason, nominated_node_name))
        super().update_pod_scheduled(pinfo, reason, message, nominated_node_name)

    def preempt_pod(self, victim, message):
        self.calls.append(("preempt_pod", victim.key, message))
        super().preempt_pod(victim, message)

    def event(self, obj, type_, reason, message):
        self.calls.append(("event", obj.metadata.name, reason))


def node(name, cpu):
    return make_node(name, {"cpu": cpu, "memory": "8Gi"}, labels={"kubernetes.io/hostname": name})


def test_a_scheduler_given_a_port_does_everything_through_it():
    port = RecordingPort()
    s = Scheduler(Simulator(seed=0), port)
    assert s.port is port and isinstance(port, SchedulerPort)
    s.add_node(node("n1", "2"))
    s.add_pod(make_pod("low", reqs=[{"cpu": "2"}], node="n1", priority=1))
    s.add_pod(make_pod("web", reqs=[{"cpu": "1"}], priority=0))
    s.add_pod(make_pod("vip", reqs=[{"cpu": "2"}], priority=100))
    s.run_until_idle()
    assert port.calls == [
        # vip (priority 100) goes first: it preempts low — Preempted event, the victim deleted —
        # and is nominated to n1
        ("event", "low", "Preempted"),
        ("preempt_pod", "default/low", "kube-scheduler: preempting to accommodate a higher priority pod"),
        ("event", "vip", "FailedScheduling"),
        ("update_pod_scheduled", "default/vip", "Unschedulable", "n1"),
        # web does not fit beside vip's nomination and has nobody to preempt: its nomination
        # is cleared (upstream's NominatingInfo{"", ModeOverride})
        ("event", "web", "FailedScheduling"),
        ("update_pod_scheduled", "default/web", "Unschedulable", ""),
    ]
    assert s.explain("vip").nominated_node == "n1"
    port.calls.clear()
    s.sim.run_for(2)
    s.queue.flush_backoff_completed()
    s.run_until_idle()
    assert ("bind", "default/vip", "n1") in port.calls
    assert ("event", "vip", "Scheduled") in port.calls


def test_in_memory_bind_takes_effect_at_once():
    s = Scheduler(Simulator(seed=0))
    assert isinstance(s.port, InMemoryPort)
    s.add_node(node("n1", "2"))
    pod = make_pod("web", reqs=[{"cpu": "1"}])
    s.add_pod(pod)
    s.run_until_idle()
    assert pod.spec.node_name == "n1"
    assert s.cache.get_pod(pod.metadata.uid).node_name == "n1"


def test_the_scheduler_refuses_what_is_neither_a_client_nor_a_port():
    with pytest.raises(TypeError, match="needs an APIClient or a SchedulerPort, not dict"):
        Scheduler(Simulator(), {"host": "master-1"})


def test_on_a_cluster_the_port_is_the_api_server_and_objects_come_from_it():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(seconds=5)
    assert isinstance(c.scheduler.port, APIServerPort)
    pdb = PodDisruptionBudget.model_validate({"metadata": {"name": "db", "namespace": "default"},
                                              "spec": {"selector": {"matchLabels": {"app": "db"}}}})
    with pytest.raises(TypeError, match="lists PodDisruptionBudget objects from the API server"):
        c.scheduler.add_object(pdb)
    assert [n.metadata.name for n in c.scheduler.port.list("Node")] == ["master-1", "vm-1"]

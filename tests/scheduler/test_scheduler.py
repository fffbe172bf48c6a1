"""The scheduler as a whole: the cycle, percentageOfNodesToScore, selectHost, the queue,
preemption, explain, FailedScheduling wording, custom plugins, configuration."""

import sys

import numpy as np
import pytest
from helpers import make_node, make_pod, scheduler_with

from kubelab.api.coordination import PodDisruptionBudget
from kubelab.scheduler import Scheduler
from kubelab.scheduler.config import ConfigError
from kubelab.scheduler.explain import fit_error_message
from kubelab.scheduler.queue import SchedulingQueue
from kubelab.scheduler.schedule_one import num_feasible_nodes_to_find
from kubelab.sim.kernel import Simulator


def node(name, cpu="4", mem="8Gi", pods="110", **kw):
    return make_node(name, {"cpu": cpu, "memory": mem, "pods": pods}, labels={"kubernetes.io/hostname": name, **kw.pop("labels", {})}, **kw)


def cpu_pod(name, cpu, **kw):
    return make_pod(name, reqs=[{"cpu": cpu}], **kw)


# -- FailedScheduling wording (framework/types.go FitError.Error) ------------------------------

def test_failed_scheduling_message_as_upstream_words_it():
    nodes = [node("n1", cpu="1"), node("n2", cpu="1")] + [
        node(f"g{i}", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]) for i in range(3)]
    s = scheduler_with(nodes, [cpu_pod("big", "2")])
    s.run_until_idle()
    d = s.explain("big")
    assert d.result == "Unschedulable"
    assert d.message == ("0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {dedicated: gpu}. "
                         "preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, "
                         "3 Preemption is not helpful for scheduling.")
    assert d.filtered_out["n1"] == "Insufficient cpu" and d.filter_plugin["n1"] == "NodeResourcesFit"
    assert d.filter_plugin["g0"] == "TaintToleration"
    assert s.events[-1][2:4] == ("Warning", "FailedScheduling")
    assert s.events[-1][4] == d.message


def test_reason_histogram_sorts_as_strings():
    # sort.Strings on "<count> <reason>": "10 ..." sorts before "2 ..."
    assert fit_error_message(12, {"Insufficient cpu": 2, "node(s) were unschedulable": 10}) == \
        "0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu."


def test_multiple_reasons_of_one_node_all_count():
    s = scheduler_with([node("n1", cpu="1", mem="1Gi")], [make_pod("p", reqs=[{"cpu": "2", "memory": "2Gi"}])])
    s.run_until_idle()
    assert s.explain("p").message.startswith("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.")


def test_no_nodes():
    s = scheduler_with([], [cpu_pod("p", "1")])
    s.run_until_idle()
    assert s.explain("p").message == "no nodes available to schedule pods"


# -- explain of a scheduled pod -------------------------------------------------------------------

def test_explain_scheduled_pod_scores_and_totals():
    s = scheduler_with([node("small", cpu="2"), node("large", cpu="8")], [cpu_pod("web", "500m")])
    s.run_until_idle()
    d = s.explain("web")
    assert d.selected_node == "large" and d.result == "Scheduled"
    assert d.weights == {"TaintToleration": 3, "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1}
    for n, per in d.scores.items():
        assert d.total[n] == sum(per[p] * d.weights[p] for p in per)
        assert all(0 <= v <= 100 for v in per.values())
    assert d.total["large"] > d.total["small"]
    assert "small" in d.why_not("small") and "less than large" in d.why_not("small")
    assert s.events[-1][4] == "Successfully assigned default/web to large"
    assert repr(d) == repr(s.explain("default/web"))  # deterministic repr


def test_explain_history_and_unknown_pod():
    s = scheduler_with([node("n1", cpu="1")], [cpu_pod("p", "2")])
    s.run_until_idle()
    s.add_node(node("n2", cpu="4"))
    s.sim.run_for(2)  # backoff flush
    s.queue.flush_backoff_completed()
    s.run_until_idle()
    d = s.explain("p")
    assert [a.result for a in d.attempts] == ["Unschedulable", "Scheduled"]
    assert d.selected_node == "n2"
    with pytest.raises(KeyError):
        s.explain("nope")


def test_explain_does_not_import_the_view_layer():
    sys.modules.pop("kubelab.viz.scheduler", None)
    s = scheduler_with([node("n1")], [cpu_pod("p", "1")])
    s.run_until_idle()
    repr(s.explain("p"))
    assert "kubelab.viz.scheduler" not in sys.modules


# -- percentageOfNodesToScore ---------------------------------------------------------------------

@pytest.mark.parametrize("n,pct,want", [(5, 0, 5), (99, 0, 99), (100, 0, 100), (1000, 0, 420), (5000, 0, 500),
                                         (6000, 0, 300), (1000, 10, 100), (1000, 50, 500), (150, 10, 100)])
def test_num_feasible_nodes_to_find(n, pct, want):
    assert num_feasible_nodes_to_find(pct, n) == want


def test_percentage_stops_early_and_rotates_start():
    nodes = [node(f"n{i:03d}") for i in range(200)]
    s = scheduler_with(nodes, [cpu_pod("a", "100m"), cpu_pod("b", "100m")],
                       config={"percentageOfNodesToScore": 10})
    s.schedule_one()
    d = s.explain("a")
    assert d.feasible_nodes == 100 and len(d.total) == 100
    assert s.next_start_node_index == 100
    s.schedule_one()
    assert set(s.explain("b").total) == {f"n{i:03d}" for i in range(100, 200)}
    assert s.next_start_node_index == 0


# -- selectHost: seeded ties ------------------------------------------------------------------------

def placements(seed):
    s = Scheduler(Simulator(seed=seed))
    for i in range(10):
        s.add_node(node(f"n{i}"))
    for i in range(10):
        s.add_pod(make_pod(f"p{i}"))  # best-effort: every node ties
    s.run_until_idle()
    return [s.explain(f"p{i}").selected_node for i in range(10)]


def test_ties_broken_by_the_seeded_stream():
    assert placements(1) == placements(1)
    assert placements(1) != placements(2) or placements(1) != placements(3)


# -- the queue ------------------------------------------------------------------------------------

def test_backoff_durations():
    q = SchedulingQueue(lambda: 0.0)
    assert [q.backoff_duration(a) for a in range(1, 8)] == [1, 2, 4, 8, 10, 10, 10]


def test_priority_sort_then_arrival():
    s = scheduler_with([node("n1", cpu="100")])
    s.add_pod(cpu_pod("low", "1", priority=0))
    s.sim.run_for(1)
    s.add_pod(cpu_pod("high", "1", priority=100))
    s.add_pod(cpu_pod("low2", "1", priority=0))
    order = [s.schedule_one().pod for _ in range(3)]
    assert order == ["default/high", "default/low", "default/low2"]


def test_unschedulable_pod_waits_for_a_cluster_event_or_five_minutes():
    s = scheduler_with([node("n1", cpu="1")], [cpu_pod("p", "2")])
    s.run_until_idle()
    assert s.queue.pending_pods()["unschedulable"] == ["default/p"]
    s.sim.run_for(100)
    s.queue.flush_backoff_completed()
    assert s.queue.pending_pods()["unschedulable"] == ["default/p"]
    s.sim.run_for(201)
    s.queue.flush_unschedulable_leftover()
    assert s.queue.pending_pods()["active"] == ["default/p"]


def test_node_taint_change_does_not_move_a_pod_rejected_for_cpu_only_if_irrelevant():
    s = scheduler_with([node("n1", cpu="1")], [cpu_pod("p", "2")])
    s.run_until_idle()
    s.queue.move_all_to_active_or_backoff("AssignedPodAdd")  # NodeResourcesFit does not care
    assert s.queue.pending_pods()["unschedulable"] == ["default/p"]
    s.queue.move_all_to_active_or_backoff("NodeAdd")
    assert s.queue.pending_pods()["unschedulable"] == []


# -- preemption ------------------------------------------------------------------------------------

def test_preemption_evicts_lowest_priority_and_nominates():
    s = scheduler_with([node("n1", cpu="2"), node("n2", cpu="2")])
    for i, (n, prio) in enumerate([("n1", 10), ("n1", 10), ("n2", 1), ("n2", 5)]):
        s.add_pod(cpu_pod(f"v{i}", "1", node=n, priority=prio))
    s.add_pod(cpu_pod("vip", "1", priority=1000))
    s.run_until_idle()
    d = s.explain("vip")
    assert d.result == "Unschedulable"
    assert d.nominated_node == "n2" and d.victims == ["default/v2"]
    assert d.message == "0/2 nodes are available: 2 Insufficient cpu."
    assert any(e[3] == "Preempted" and e[1] == "default/v2" for e in s.events)
    s.sim.run_for(2)
    s.queue.flush_backoff_completed()
    s.run_until_idle()
    assert s.explain("vip").selected_node == "n2"


def test_preemption_respects_pdbs():
    s = scheduler_with([node("n1", cpu="1"), node("n2", cpu="1")])
    s.add_pod(cpu_pod("guarded", "1", node="n1", priority=1, labels={"app": "db"}))
    s.add_pod(cpu_pod("free", "1", node="n2", priority=1, labels={"app": "web"}))
    s.add_object(PodDisruptionBudget.model_validate({"metadata": {"name": "db", "namespace": "default"},
                                                     "spec": {"selector": {"matchLabels": {"app": "db"}}},
                                                     "status": {"disruptionsAllowed": 0}}))
    s.add_pod(cpu_pod("vip", "1", priority=100))
    s.run_until_idle()
    assert s.explain("vip").victims == ["default/free"]


def test_preemption_policy_never():
    s = scheduler_with([node("n1", cpu="1")], [cpu_pod("low", "1", node="n1", priority=1)])
    s.add_pod(cpu_pod("p", "1", priority=100, preemptionPolicy="Never"))
    s.run_until_idle()
    assert s.explain("p").message == ("0/1 nodes are available: 1 Insufficient cpu. "
                                      "preemption: not eligible due to preemptionPolicy=Never.")


# -- custom plugins ----------------------------------------------------------------------------------

def test_function_filter_and_score_show_in_explain():
    s = scheduler_with([node("a", labels={"gpu": "true", "cost": "low"}), node("b"), node("c", labels={"gpu": "true"})])

    def gpu_only(pod, node):
        return True if node.metadata.labels.get("gpu") == "true" else "node has no GPU"

    def prefer_cheap(pod, node):
        return 100 if node.metadata.labels.get("cost") == "low" else 0

    s.register_plugin(gpu_only, point="filter")
    s.register_plugin(prefer_cheap, point="score", weight=5)
    s.add_pod(make_pod("train"))
    s.run_until_idle()
    d = s.explain("train")
    assert d.filtered_out == {"b": "node has no GPU"} and d.filter_plugin == {"b": "gpu_only"}
    assert d.weights["prefer_cheap"] == 5 and d.scores["a"]["prefer_cheap"] == 100
    assert d.selected_node == "a"


def test_class_plugin_and_errors_become_error_status():
    class Boom:
        name = "Boom"

        def filter(self, pod, node):
            raise RuntimeError("kaboom")

    s = scheduler_with([node("a")])
    s.register_plugin(Boom, point="filter")
    s.add_pod(make_pod("p"))
    s.run_until_idle()
    d = s.explain("p")
    assert d.result == "Error" and "kaboom" in d.message
    assert s.queue.pending_pods()["backoff"] == ["default/p"]


def test_score_plugin_out_of_range_is_an_error_as_upstream():
    s = scheduler_with([node("a"), node("b")])
    s.register_plugin(lambda pod, node: 1000, point="score", name="TooBig")
    s.add_pod(make_pod("p"))
    s.run_until_idle()
    assert 'plugin "TooBig" returns an invalid score 1000' in s.explain("p").message


# -- configuration ------------------------------------------------------------------------------------

def test_yaml_configuration_most_allocated_and_disabled_plugin():
    cfg = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}, {name: ImageLocality}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
- schedulerName: spread
"""
    s = Scheduler(Simulator(seed=0), config=cfg)
    assert set(s.profiles) == {"default-scheduler", "spread"}
    for n in (node("small", cpu="2"), node("large", cpu="8")):
        s.add_node(n)
    s.add_pod(cpu_pod("pack", "1"))
    s.add_pod(cpu_pod("spread-me", "1", schedulerName="spread"))
    s.run_until_idle()
    assert s.explain("pack").selected_node == "small"  # bin packing
    assert "NodeResourcesBalancedAllocation" not in s.explain("pack").weights
    assert s.explain("spread-me").selected_node == "large"


def test_bad_configuration_is_refused():
    with pytest.raises(ConfigError, match='plugin "NoSuchPlugin" does not exist'):
        Scheduler(Simulator(), config={"profiles": [{"plugins": {"filter": {"enabled": [{"name": "NoSuchPlugin"}]}}}]})
    with pytest.raises(ConfigError, match="percentageOfNodesToScore"):
        Scheduler(Simulator(), config={"percentageOfNodesToScore": 120})
    with pytest.raises(ConfigError, match="Duplicate"):
        Scheduler(Simulator(), config={"profiles": [{}, {}]})


def test_pods_for_other_schedulers_are_ignored():
    s = scheduler_with([node("a")], [make_pod("p", schedulerName="my-scheduler")])
    assert s.run_until_idle() == 0


# -- the vector and the per-node filter paths give the same verdicts ------------------------------------

def test_vector_and_per_node_filter_paths_agree():
    rng = np.random.default_rng(0)
    nodes = []
    for i in range(60):
        taints = [{"key": "t", "value": str(i % 3), "effect": "NoSchedule"}] if i % 4 == 0 else []
        nodes.append(node(f"n{i}", cpu=str(int(rng.integers(1, 4))), taints=taints, unschedulable=(i % 7 == 0)))
    s = scheduler_with(nodes, [cpu_pod(f"e{i}", "1", node=f"n{i}") for i in range(0, 60, 2)])
    fwk = s.framework
    from kubelab.scheduler.framework.cycle_state import CycleState
    from kubelab.scheduler.framework.types import PodInfo

    p = PodInfo(cpu_pod("x", "2", tolerations=[{"key": "t", "value": "1", "effect": "NoSchedule"}]))
    st = CycleState()
    fwk.run_pre_filter(st, p, s.cache.snapshot)
    ok, fi, fs = fwk.run_filter_nodes(st, p, s.cache.snapshot, np.arange(60))
    vec = {int(i): fwk.status_table[int(k)].message() for i, k in zip(fi, fs)}
    for ni in s.cache.node_list:
        per = fwk.run_filter(st, p, ni)
        if per.is_success():
            assert ni.idx in ok.tolist()
        else:
            assert vec[ni.idx] == per.message()


def test_html_views():
    s = scheduler_with([node("a", cpu="1"), node("b", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}]), node("c")],
                       [cpu_pod("p", "2")])
    s.run_until_idle()
    from kubelab.viz import scheduler as view  # what the registered formatters show

    h = view.decision_html(s.explain("p"))
    assert "has the taint k=v and the pod has no toleration for it" in h
    assert "not enough unrequested CPU" in h and "chosen" in h
    assert view.decision_html(s.explain("p")) == h  # deterministic
    assert "kube-scheduler" in view.scheduler_html(s)


def test_nominated_pod_keeps_the_room_it_preempted_for():
    s = scheduler_with([node("n1", cpu="2")])
    s.add_pod(cpu_pod("low", "2", node="n1", priority=1))
    s.add_pod(cpu_pod("vip", "2", priority=100))
    s.run_until_idle()
    assert s.explain("vip").nominated_node == "n1"
    # the victim is gone; a lower-priority newcomer must not take the nominated room
    s.add_pod(cpu_pod("sneaky", "1", priority=50))
    s.run_until_idle()
    d = s.explain("sneaky")
    assert d.result == "Unschedulable" and d.filtered_out == {"n1": "Insufficient cpu"}
    s.sim.run_for(2)
    s.queue.flush_backoff_completed()
    s.run_until_idle()
    assert s.explain("vip").selected_node == "n1"


def test_permit_wait_then_allow():
    class Gate:
        name = "Gate"

        def permit(self, state, pod, node_name):
            from kubelab.scheduler import Code, Status
            return Status(Code.Wait), 30.0

    s = scheduler_with([node("a")])
    s.register_plugin(Gate(), point="permit")
    s.add_pod(make_pod("p"))
    s.run_until_idle()
    assert s.explain("p").result == "Pending" and s.waiting_pods() == [s.explain("p").uid]
    s.allow(s.explain("p").uid)
    s.sim.run_for(1)
    assert s.explain("p").result == "Scheduled"


def test_permit_wait_times_out():
    class Gate:
        name = "Gate"

        def permit(self, state, pod, node_name):
            from kubelab.scheduler import Code, Status
            return Status(Code.Wait), 5.0

    s = scheduler_with([node("a")])
    s.register_plugin(Gate(), point="permit")
    s.add_pod(make_pod("p"))
    s.run_until_idle()
    s.sim.run_for(6)
    d = s.explain("p")
    assert d.result == "Unschedulable" and "rejected due to timeout after waiting 5s at plugin Gate" in d.message
    assert s.cache.pod_count() == 0  # the assumed pod was forgotten


def test_explain_keeps_the_newest_deleted_pods_decisions_only():
    """kubelab's explain() (not upstream: kube-scheduler keeps nothing once a pod is gone)
    forgets the decisions of deleted pods beyond the newest ``detail_limit``, so churn
    (Jobs, rollouts) does not grow the scheduler's memory for ever; a new pod reusing a
    name keeps its own decision; live pods are always explainable; the attempts chain works."""
    s = Scheduler(Simulator(seed=0), detail_limit=3)
    s.add_node(node("n1", cpu="64"))
    pods = [cpu_pod(f"p{i}", "100m") for i in range(8)]
    for p in pods:
        s.add_pod(p)
    s.run_until_idle()
    for p in pods[:6]:
        s.delete_pod(p)
    assert sorted(s.decisions) == ["default/p3", "default/p4", "default/p5", "default/p6", "default/p7"]
    again = cpu_pod("p3", "100m")
    again.metadata.uid = "p3-second"
    s.add_pod(again)
    s.run_until_idle()
    for p in pods[6:]:
        s.delete_pod(p)  # pushes the first p3 out: its name now belongs to the new pod
    assert s.explain("p3").uid == "p3-second" and s.explain("p3").attempts == [s.explain("p3")]
    assert sorted(s.decisions) == ["default/p3", "default/p5", "default/p6", "default/p7"]

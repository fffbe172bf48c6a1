"""The scheduler inside a simulated cluster: informers, binding through the API server,
events, the PodScheduled condition, leader election among several masters."""


import kubelab as kl

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27, resources: {requests: {cpu: 500m}}}]
"""

BIG = """
apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers: [{name: c, image: nginx:1.27, resources: {requests: {cpu: "64"}}}]
"""


def test_deployment_pods_are_scheduled_bound_and_explained():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.add_node(kl.VM("vm-2", cpu="2", memory="8Gi"))
    c.apply(WEB)
    c.run(seconds=60)
    pods = c.list("Pod", namespace="default")
    assert len(pods) == 3 and all(p.spec.node_name for p in pods)
    msgs = [e.message for e in c.api.events() if e.reason == "Scheduled"]
    for p in pods:
        assert f"Successfully assigned default/{p.metadata.name} to {p.spec.node_name}" in msgs
        d = c.scheduler.explain(p.metadata.name)
        assert d.selected_node == p.spec.node_name and d.bound
        cond = p.status.condition("PodScheduled")
        assert cond is not None and cond.status == "True"


def test_unschedulable_pod_gets_condition_and_event():
    c = kl.Cluster(masters=1, seed=4)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.apply(BIG)
    c.run(seconds=30)
    p = c.get("Pod", "big")
    cond = p.status.condition("PodScheduled")
    assert cond.status == "False" and cond.reason == "Unschedulable"
    # the master is a Node too, tainted NoSchedule: preemption cannot help there
    assert cond.message == ("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
                            "{node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: "
                            "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.")
    fs = [e for e in c.api.events() if e.reason == "FailedScheduling"]
    assert fs and fs[-1].type == "Warning" and fs[-1].message == cond.message


def test_one_leader_among_three_masters_and_failover():
    c = kl.Cluster(masters=3, seed=5)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(seconds=20)
    leaders = [m for m in c.masters if m.scheduler is not None and m.scheduler.is_leader]
    assert len(leaders) == 1
    old = leaders[0]
    c.faults.stop(old.name)
    c.run(seconds=40)
    leaders = [m for m in c.masters if m.running and m.scheduler is not None and m.scheduler.is_leader]
    assert len(leaders) == 1 and leaders[0] is not old
    c.apply(WEB)
    c.run(seconds=40)
    pods = c.list("Pod", namespace="default")
    assert len(pods) == 3 and all(p.spec.node_name == "vm-1" for p in pods)
    assert leaders[0].scheduler.explain(pods[0].metadata.name).bound


def test_same_seed_same_placements_and_decisions():
    def run():
        c = kl.Cluster(masters=1, seed=11)
        for i in range(4):
            c.add_node(kl.VM(f"vm-{i}", cpu="2", memory="8Gi"))
        c.apply(WEB.replace("replicas: 3", "replicas: 6"))
        c.run(seconds=40)
        pods = sorted(c.list("Pod", namespace="default"), key=lambda p: p.metadata.name)
        return [(p.metadata.name, p.spec.node_name) for p in pods], [repr(c.scheduler.explain(p.metadata.name)) for p in pods]

    assert run() == run()

"""History is part of the model: every public action is journaled where it is declared, and a
fork taken after any of them lives the same history as the original (same digest of etcd's
/registry keys, the trace and the clock) when both run on."""

import pytest

import kubelab as kl
from kubelab.cluster import ForkError

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "1"}}


def base(masters=1, etcd="stacked"):
    c = kl.Cluster(masters=masters, etcd=etcd, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.add_node(kl.BareMetal("metal-1", cpu="8", memory="32Gi"))
    c.apply(WEB)
    c.run(20)
    return c


def prefers_metal(pod, node):  # a notebook-cell plugin
    return 10 if node.name.startswith("metal") else 0


# every public action that changes a cluster, by where it is declared
ACTIONS = {
    "apply": lambda c: c.apply(CM),
    "kubectl": lambda c: c.kubectl("scale deployment web --replicas=3"),
    "add_node": lambda c: c.add_node(kl.CloudInstance("cloud-1", instance_type="m5.large", zone="eu-west-1a")),
    "add_master": lambda c: c.add_master(),
    "remove_master": lambda c: c.remove_master("master-3"),
    "register_scheduler_plugin": lambda c: c.register_scheduler_plugin(prefers_metal, point="score", weight=2),
    "add_apiserver_replica": lambda c: c.add_apiserver_replica(),
    "remove_apiserver_replica": lambda c: (c.add_apiserver_replica(), c.run(5), c.remove_apiserver_replica()),
    "generate_load": lambda c: c.generate_load(qps=50),
    "load.stop": lambda c: (c.generate_load(qps=50), c.run(3), c.history.load_generators[0].stop()),
    "autoscale_apiservers": lambda c: c.autoscale_apiservers(),
    "api.create": lambda c: c.api.create(kl.cluster.parse_manifests(CM) and __import__("kubelab").api.decode(CM)),
    "api.update": lambda c: (lambda d: (setattr(d.spec, "replicas", 4), c.api.update(d)))(c.get("Deployment", "web")),
    "api.patch": lambda c: c.api.patch("Deployment", "web", {"spec": {"replicas": 1}}, patch_type="merge"),
    "api.json_patch": lambda c: c.api.patch("Deployment", "web", [{"op": "replace", "path": "/spec/replicas",
                                                                   "value": 3}], patch_type="json"),
    "api.delete": lambda c: c.api.delete("Deployment", "web"),
    "api.scale": lambda c: c.api.scale("Deployment", "web", 5),
    "api.evict": lambda c: c.api.evict(c.list("Pod")[0].metadata.name),
    "api.watch": lambda c: c.api.watch("Pod", resource_version=c.api.list("Pod").resource_version),
    "watch.stop": lambda c: (c.api.watch("Pod"), c.run(2), c.history.watches[0].stop()),
    "faults.stop worker": lambda c: c.faults.stop("vm-1"),
    "faults.start worker": lambda c: (c.faults.stop("vm-1"), c.run(5), c.faults.start("vm-1")),
    "faults.stop master": lambda c: c.faults.stop("master-2"),
    "faults.partition": lambda c: c.faults.partition(["master-1"], ["master-2", "master-3"]),
    "faults.cut": lambda c: c.faults.cut("vm-1", "lb"),
    "faults.heal": lambda c: (c.faults.cut("vm-1", "lb"), c.run(3), c.faults.heal()),
    "faults.hang": lambda c: c.faults.hang("vm-1"),
    "faults.slow_disk": lambda c: c.faults.slow_disk(c.etcd.members[0].name, 0.05),
    "machine.power_off": lambda c: c.machine("metal-1").power_off(),
    "kubelet.hang": lambda c: c.workers["vm-1"].kubelet.hang(),
    "etcd member stop": lambda c: c.etcd.members[1].stop(),
    "etcd.move_leader": lambda c: c.etcd.move_leader(next(m for m in c.etcd.members if m is not c.etcd.leader)),
    "scheduler.register_plugin": lambda c: c.masters[0].scheduler.register_plugin(prefers_metal, point="score"),
    "apiserver.stop": lambda c: c.apiservers[1].stop(),
}
THREE_MASTERS = {"add_master", "remove_master", "faults.stop master", "faults.partition", "etcd.move_leader",
                 "apiserver.stop", "faults.slow_disk", "etcd member stop"}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_fork_after_any_action_lives_the_same_history(name):
    c = base(masters=3 if name in THREE_MASTERS else 1)
    ACTIONS[name](c)
    c.run(7)
    assert c.history.actions, "the action was journaled"
    twin = c.history.fork()
    assert twin.history.digest() == c.history.digest()
    c.run(20)
    twin.run(20)
    assert twin.history.digest() == c.history.digest()
    assert [m.name for m in twin.masters] == [m.name for m in c.masters]


def test_a_fork_of_an_earlier_moment_is_that_moment():
    c = base()
    c.run(10)
    at = c.now
    digest_then = c.history.fork(at=at).history.digest()
    c.api.scale("Deployment", "web", 4)
    c.run(30)
    twin = c.history.fork(at=at)
    assert twin.now == pytest.approx(at) and twin.history.digest() == digest_then
    assert twin.get("Deployment", "web").spec.replicas == 2


def test_the_journal_records_what_the_user_did_not_what_components_did():
    c = base()
    verbs = [a.verb for a in c.history.actions]
    assert verbs == ["add_node", "add_node", "apply"]  # the kubelets' own starts are not actions
    c.kubectl("scale deployment web --replicas=3")  # nested calls are one action
    assert [a.verb for a in c.history.actions][-1] == "kubectl" and len(c.history.actions) == 4


def test_an_action_on_an_object_the_cluster_cannot_find_makes_fork_refuse():
    from kubelab.sim import journaled

    class Gadget:  # made outside the cluster, on its clock
        def __init__(self, sim):
            self.sim = sim

        @journaled
        def poke(self):
            self.sim.trace.record("gadget", "Poked")

    c = base()
    Gadget(c.sim).poke()
    with pytest.raises(ForkError, match="cannot be replayed"):
        c.history.fork()


def test_every_public_verb_that_changes_the_cluster_is_journaled():
    from kubelab.cluster import ClusterAPI, Faults, Host

    for cls, names in ((kl.Cluster, ["add_node", "add_master", "remove_master", "apply", "kubectl",
                                     "register_scheduler_plugin", "add_apiserver_replica",
                                     "remove_apiserver_replica", "generate_load", "autoscale_apiservers"]),
                       (ClusterAPI, ["create", "update", "patch", "delete", "scale", "evict", "apply", "watch"]),
                       (Faults, ["stop", "start", "partition", "cut", "heal", "hang", "unhang", "slow_disk"]),
                       (Host, ["power_off", "power_on"])):
        for n in names:
            assert getattr(getattr(cls, n), "__kubelab_journaled__", False), f"{cls.__name__}.{n}"

"""Troubleshooting exercises in the style of the CKA exam: each puts a cluster into a broken
or unfinished state, and ``check`` says in plain words what is still wrong.

    import kubelab as kl
    ex = kl.exercises.get("pending-taint")
    cluster = ex.new_cluster()        # a fresh cluster, already broken
    print(ex.task)                    # what the learner must do
    ex.check(cluster)                 # ["pod app is Pending: ..."]; [] when solved
    ex.hints                          # one hint at a time
    ex.solution(cluster)              # the instructor's answer (public API only)

Instructors add their own with :func:`register` (or the ``@exercise`` decorator form of
:class:`Exercise`): a ``setup(cluster)`` that breaks a cluster, a ``check(cluster)`` that
returns a list of problems, hints and a solution. Everything here uses only the public face
of :class:`kubelab.Cluster` (``apply``, ``run``, ``kubectl``, ``api``, ``faults``), so an
exercise reads like what a learner would type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from kubelab.cluster import Cluster
from kubelab.node import VM

Problems = list  # list[str]: what is still wrong, in plain words; empty when solved


@dataclass
class Exercise:
    """One exercise. ``setup`` breaks a cluster made by ``make_cluster`` (a small one by
    default); ``check`` lists what is still wrong; ``solution`` fixes it using public API."""

    name: str
    title: str
    task: str
    setup: Callable[[Cluster], None]
    check: Callable[[Cluster], Problems]
    solution: Callable[[Cluster], None]
    hints: list = field(default_factory=list)
    make_cluster: Optional[Callable[[], Cluster]] = None

    def new_cluster(self) -> Cluster:
        """A fresh cluster with the exercise set up (broken)."""
        cluster = (self.make_cluster or _small_cluster)()
        self.setup(cluster)
        return cluster

    def solved(self, cluster: Cluster) -> bool:
        return not self.check(cluster)

    def report(self, cluster: Cluster) -> str:
        """``check`` in words: "Solved." or the list of what is still wrong."""
        problems = self.check(cluster)
        if not problems:
            return f"✔ {self.title}: solved."
        return f"✘ {self.title}: not yet.\n" + "\n".join(f"  - {p}" for p in problems)

    def __repr__(self) -> str:
        return f"<Exercise {self.name}: {self.title}>"


_REGISTRY: dict[str, Exercise] = {}


def register(ex: Exercise, replace: bool = False) -> Exercise:
    """Add an exercise to the catalogue (``replace=True`` to redefine one)."""
    if not isinstance(ex, Exercise):
        raise TypeError(f"register takes an Exercise, not {type(ex).__name__}")
    if ex.name in _REGISTRY and not replace:
        raise ValueError(f"an exercise named {ex.name!r} is already registered (pass replace=True)")
    _REGISTRY[ex.name] = ex
    return ex


def unregister(name: str) -> None:
    """Remove an exercise from the catalogue."""
    get(name)
    del _REGISTRY[name]


def get(name: str) -> Exercise:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no exercise named {name!r}; there are: {', '.join(_REGISTRY)}") from None


def names() -> list[str]:
    return list(_REGISTRY)


def catalogue() -> list[Exercise]:
    return list(_REGISTRY.values())


# -- helpers the checks share -----------------------------------------------------------------
def _small_cluster() -> Cluster:
    cluster = Cluster(masters=1, seed=1)
    cluster.add_node(VM("vm-1", cpu="2", memory="4Gi"))
    cluster.add_node(VM("vm-2", cpu="2", memory="4Gi"))
    cluster.run(20)
    return cluster


def _ha_cluster() -> Cluster:
    cluster = Cluster(masters=3, seed=1)
    cluster.add_node(VM("vm-1", cpu="2", memory="4Gi"))
    cluster.run(20)
    return cluster


def _pod(name: str, **spec) -> dict:
    container = {"name": name, "image": "nginx:1.27"}
    container.update(spec.pop("container", {}))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [container], **spec}}


def _deployment(name: str, replicas: int, annotations: Optional[dict] = None, **container) -> dict:
    meta = {"labels": {"app": name}}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": meta,
                                  "spec": {"containers": [{"name": name, "image": "nginx:1.27", **container}]}}}}


def _pod_running(cluster: Cluster, name: str) -> Problems:
    try:
        pod = cluster.api.get("Pod", name)
    except Exception:  # noqa: BLE001 - NotFound: the learner deleted it and has not recreated it
        return [f"there is no pod {name!r} in namespace default"]
    phase = pod.status.phase if pod.status else None
    if not pod.spec.node_name:
        why = ""
        for c in (pod.status.conditions or []) if pod.status else []:
            if c.type == "PodScheduled" and c.status == "False":
                why = f": {c.message}"
        return [f"pod {name} is not scheduled (Pending){why}"]
    if phase != "Running":
        return [f"pod {name} is {phase} on {pod.spec.node_name}, not Running"]
    return []


def _deployment_healthy(cluster: Cluster, name: str) -> Problems:
    try:
        d = cluster.api.get("Deployment", name)
    except Exception:  # noqa: BLE001
        return [f"there is no deployment {name!r}"]
    want = d.spec.replicas if d.spec.replicas is not None else 1
    st = d.status
    updated, available = (st.updated_replicas or 0), (st.available_replicas or 0)
    problems = []
    if updated < want:
        problems.append(f"deployment {name}: only {updated}/{want} replicas run the current template")
    if available < want:
        problems.append(f"deployment {name}: only {available}/{want} replicas are available")
    if (st.replicas or 0) > want:
        problems.append(f"deployment {name}: {st.replicas} pods exist for {want} replicas (a rollout is unfinished)")
    return problems


def _node_ready(cluster: Cluster, name: str) -> Problems:
    node = cluster.api.get("Node", name)
    for c in node.status.conditions or []:
        if c.type == "Ready":
            if c.status == "True":
                return []
            return [f"node {name} is not Ready (Ready={c.status}: {c.message})"]
    return [f"node {name} reports no Ready condition"]


def _etcd_problems(cluster: Cluster) -> Problems:
    problems = [f"etcd member {m.name} is not running" for m in cluster.etcd.members if not m.running]
    if cluster.etcd.leader is None:
        problems.append("etcd has no leader: the cluster has lost its quorum, writes cannot commit")
    return problems


# -- the catalogue ----------------------------------------------------------------------------
def _setup_taint(c: Cluster) -> None:
    c.kubectl("taint nodes vm-1 dedicated=db:NoSchedule")
    c.kubectl("taint nodes vm-2 dedicated=db:NoSchedule")
    c.apply(_pod("app"))
    c.run(10)


def _solve_taint(cluster: Cluster) -> None:
    cluster.kubectl("taint nodes vm-2 dedicated:NoSchedule-")
    cluster.run(15)


register(Exercise(
    "pending-taint", "A Pending pod (taints)",
    "Pod `app` stays Pending. Find out why with `kubectl describe pod app` and get it Running "
    "on vm-2 (vm-1 is reserved for the database: leave its taint).",
    _setup_taint, lambda c: _pod_running(c, "app"), _solve_taint,
    hints=["The scheduler says why in the pod's events: `kubectl describe pod app`.",
           "`kubectl describe node vm-2` lists its Taints.",
           "Remove a taint with a trailing minus: `kubectl taint nodes vm-2 dedicated:NoSchedule-`."]))


def _setup_resources(c: Cluster) -> None:
    c.apply(_pod("report", container={"resources": {"requests": {"cpu": "3", "memory": "1Gi"}}}))
    c.run(10)


def _solve_resources(cluster: Cluster) -> None:
    cluster.kubectl("delete pod report")
    cluster.run(35)  # the default grace period
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "report", "labels": {"app": "report"}},
                   "spec": {"containers": [{"name": "report", "image": "nginx:1.27",
                                            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}})
    cluster.run(15)


register(Exercise(
    "pending-resources", "A Pending pod (resources)",
    "Pod `report` stays Pending. It only needs half a CPU: fix its requests so it runs. "
    "(A pod's resources cannot be changed in place: delete it and create it again.)",
    _setup_resources, lambda c: _pod_running(c, "report"), _solve_resources,
    hints=["`kubectl describe pod report` shows the scheduler's message: Insufficient cpu.",
           "`kubectl describe node vm-1` shows Allocatable and Allocated resources.",
           "Delete the pod, then apply it again with `requests: {cpu: 500m}`."]))


def _setup_affinity(c: Cluster) -> None:
    c.apply(_pod("cache", nodeSelector={"disktype": "ssd"}))
    c.run(10)


def _solve_affinity(cluster: Cluster) -> None:
    cluster.kubectl("label nodes vm-2 disktype=ssd")
    cluster.run(15)


register(Exercise(
    "pending-affinity", "A Pending pod (node selector)",
    "Pod `cache` must run on a node with an SSD. vm-2 has one, but nobody said so. "
    "Make the pod run without changing the pod.",
    _setup_affinity, lambda c: _pod_running(c, "cache"), _solve_affinity,
    hints=["`kubectl get pod cache -o yaml` shows its nodeSelector.",
           "`kubectl get nodes --show-labels`.",
           "`kubectl label nodes vm-2 disktype=ssd`."]))


CRASH = {"sim.kubelab.io/run-seconds": "2", "sim.kubelab.io/exit-code": "1"}


def _setup_crash(c: Cluster) -> None:
    c.apply(_deployment("worker", 2, annotations=CRASH))
    c.run(60)


def _solve_crash(cluster: Cluster) -> None:
    # the simulated "bug" is in the pod template's annotations: a new template fixes every pod
    cluster.api.patch("Deployment", "worker", {"spec": {"template": {"metadata": {"annotations": {
        "sim.kubelab.io/run-seconds": None, "sim.kubelab.io/exit-code": None}}}}})
    cluster.run(40)


def _check_crash(c: Cluster) -> Problems:
    problems = _deployment_healthy(c, "worker")
    for pod in c.api.list("Pod", namespace="default"):
        if (pod.metadata.labels or {}).get("app") != "worker" or pod.metadata.deletion_timestamp:
            continue
        for cs in (pod.status.container_statuses or []) if pod.status else []:
            waiting = cs.state.waiting if cs.state else None
            if waiting is not None and waiting.reason == "CrashLoopBackOff":
                problems.append(f"pod {pod.metadata.name}: container {cs.name} is in CrashLoopBackOff")
    return problems


register(Exercise(
    "crashloop", "A crash-looping container",
    "Deployment `worker`'s pods keep restarting. Its containers exit after 2 seconds with code 1 "
    "because of two annotations in the pod template (`sim.kubelab.io/run-seconds`, "
    "`sim.kubelab.io/exit-code`): this simulation's stand-in for a bad command. Fix the Deployment.",
    _setup_crash, _check_crash, _solve_crash,
    hints=["`kubectl get pods` shows CrashLoopBackOff and RESTARTS; `kubectl describe pod` the exit code.",
           "Fix the template, not the pods: the ReplicaSet would recreate them as they were.",
           "A strategic merge patch with `null` removes a key: "
           "`cluster.api.patch('Deployment', 'worker', {...annotations: {key: None}})`."]))


def _setup_rollout(c: Cluster) -> None:
    probe = {"readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}}
    c.apply(_deployment("web", 3, **probe))
    c.run(30)
    c.apply(_deployment("web", 3, annotations={"sim.kubelab.io/failing-probes": "readiness"},
                        image="nginx:1.28", **probe))
    c.run(60)


def _solve_rollout(cluster: Cluster) -> None:
    cluster.kubectl("rollout undo deployment/web")
    cluster.run(60)


register(Exercise(
    "stuck-rollout", "A stuck rollout",
    "Someone updated Deployment `web` to nginx:1.28 and the rollout never finishes: the new pods "
    "never become Ready. Bring the Deployment back to a healthy, finished state.",
    _setup_rollout, lambda c: _deployment_healthy(c, "web"), _solve_rollout,
    hints=["`kubectl rollout status deployment/web` and `kubectl get rs`.",
           "`kubectl describe pod` on a new pod: Readiness probe failed.",
           "`kubectl rollout undo deployment/web` goes back to the previous template."]))


def _setup_notready(c: Cluster) -> None:
    c.faults.hang("vm-2")  # the kubelet stops: its process alive, its node silent
    c.run(60)


def _solve_notready(cluster: Cluster) -> None:
    cluster.faults.unhang("vm-2")  # on a real node: systemctl restart kubelet
    cluster.run(20)


register(Exercise(
    "notready-node", "A NotReady node",
    "Node vm-2 is NotReady: its kubelet stopped posting status. Bring it back "
    "(`cluster.faults` is your ssh + systemctl).",
    _setup_notready, lambda c: _node_ready(c, "vm-2"), _solve_notready,
    hints=["`kubectl describe node vm-2`: 'Kubelet stopped posting node status.'",
           "The machine is up; the kubelet is not answering.",
           "`cluster.faults.unhang('vm-2')` is this simulation's `systemctl restart kubelet`."]))


def _setup_drain(c: Cluster) -> None:
    c.apply(_deployment("web", 4))
    c.run(30)
    c.kubectl("cordon vm-1")
    c.run(5)


def _solve_drain(cluster: Cluster) -> None:
    cluster.kubectl("drain vm-1 --ignore-daemonsets")
    cluster.run(60)


def _check_drain(c: Cluster) -> Problems:
    problems = []
    node = c.api.get("Node", "vm-1")
    if not node.spec.unschedulable:
        problems.append("node vm-1 is schedulable again: it must stay cordoned for its maintenance")
    left = [p.metadata.name for p in c.api.list("Pod", namespace="default")
            if p.spec.node_name == "vm-1" and not p.metadata.deletion_timestamp]
    if left:
        problems.append(f"pods still on vm-1: {', '.join(sorted(left))}")
    return problems + _deployment_healthy(c, "web")


register(Exercise(
    "drain-node", "A cordoned node to drain",
    "vm-1 goes down for maintenance. It has been cordoned, but the pods of Deployment `web` still "
    "run on it. Empty it safely: every replica of `web` must keep running elsewhere.",
    _setup_drain, _check_drain, _solve_drain,
    hints=["`kubectl get pods -o wide` shows which pods run on vm-1.",
           "Cordoning only stops new pods from landing; it evicts nothing.",
           "`kubectl drain vm-1 --ignore-daemonsets`."]))


def _setup_service(c: Cluster) -> None:
    c.apply(_deployment("web", 2))
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "wbe"}, "ports": [{"port": 80, "targetPort": 80}]}})
    c.run(30)


def _solve_service(cluster: Cluster) -> None:
    cluster.api.patch("Service", "web", {"spec": {"selector": {"app": "web"}}})
    cluster.run(10)


def _check_service(c: Cluster) -> Problems:
    try:
        ep = c.api.get("Endpoints", "web")
    except Exception:  # noqa: BLE001
        return ["Service web has no Endpoints object"]
    ready = [a for s in (ep.subsets or []) for a in (s.addresses or [])]
    if len(ready) < 2:
        return [f"Service web has {len(ready)} ready endpoints; the 2 pods of Deployment web should be behind it"]
    return []


register(Exercise(
    "service-no-endpoints", "A Service with no endpoints (wrong selector)",
    "Service `web` answers nothing: it has no endpoints, though Deployment `web` runs 2 pods. "
    "Fix the Service.",
    _setup_service, _check_service, _solve_service,
    hints=["`kubectl get endpoints web` is empty.",
           "Compare `kubectl describe service web` (Selector) with `kubectl get pods --show-labels`.",
           "Patch the Service's selector to `app: web`."]))


def _external_etcd_cluster() -> Cluster:
    cluster = Cluster(masters=1, etcd="external", etcd_members=3, seed=1)
    cluster.add_node(VM("vm-1", cpu="2", memory="4Gi"))
    cluster.run(20)
    return cluster


def _setup_member(c: Cluster) -> None:
    c.faults.stop("etcd-2")
    c.run(10)


def _solve_member(cluster: Cluster) -> None:
    cluster.faults.start("etcd-2")
    cluster.run(10)


register(Exercise(
    "etcd-member-down", "An etcd member to bring back",
    "One of the three etcd members is down: the cluster works, but one more failure would stop it. "
    "Find the member and bring it back.",
    _setup_member, _etcd_problems, _solve_member,
    hints=["`cluster.etcd` shows the members and who leads.",
           "`kubectl get pods -n kube-system` lists the etcd static pods.",
           "`cluster.faults.start(<member>)`."],
    make_cluster=_external_etcd_cluster))


def _setup_quorum(c: Cluster) -> None:
    c.faults.stop("master-2")
    c.faults.stop("master-3")
    c.run(20)


def _solve_quorum(cluster: Cluster) -> None:
    cluster.faults.start("master-3")
    cluster.run(30)


def _check_quorum(c: Cluster) -> Problems:
    problems = [] if c.etcd.leader is not None else [
        "etcd has no leader: the cluster has lost its quorum, writes cannot commit"]
    up = sum(m.running for m in c.etcd.members)
    if up * 2 <= len(c.etcd.members):
        problems.append(f"only {up} of {len(c.etcd.members)} etcd members run: a majority is needed")
    return problems


register(Exercise(
    "lost-quorum", "A lost quorum",
    "Two of the three masters lost power. `kubectl` answers with timeouts. Bring back the "
    "smallest number of machines that makes the cluster work again.",
    _setup_quorum, _check_quorum, _solve_quorum,
    hints=["`cluster.etcd`: how many members are up? How many does Raft need?",
           "A majority of 3 is 2: one more master is enough.",
           "`cluster.faults.start('master-3')`."],
    make_cluster=_ha_cluster))

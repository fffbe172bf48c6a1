"""A cluster autoscaler for cloud node groups (kubernetes/autoscaler, cluster-autoscaler).

Every ``scan_interval`` (10 s, the upstream default) it lists the pods the scheduler marked
unschedulable (PodScheduled=False, reason Unschedulable). Each is checked against a *template
node* of each group — an instance of the group's type, not yet built — for what the scheduler
would check first: its resource requests against the template's allocatable and its
nodeSelector against the template's labels. Pods that fit are bin-packed onto the group's
upcoming instances first, then onto new ones (core/scaleup, BinpackingNodeEstimator); the group
grows by what is needed, up to ``max_size``.

A new instance is not a node at once. RunInstances leaves it ``pending`` while the cloud
places it on a host and attaches its volume and network interface; it is ``running`` some
15-45 s later; then the OS boots and cloud-init runs the node bootstrap (containerd, the
kubelet, ``kubeadm join``'s TLS bootstrap) and the kubelet registers its Node another
40-75 s later: about one to two minutes in all, drawn per instance from the seed (see
``PENDING_SECONDS``). Until its Node is Ready an instance counts as *upcoming*: pending
pods are packed onto it rather than growing the group again. An instance whose kubelet has
not registered within max-node-provision-time (15 min) is given up: terminated and removed
from the group. The cloud-controller-manager initialises a registered Node.

Events on the pods use upstream's wording (core/scaleup/orchestrator, utils/events):
``TriggeredScaleUp`` "pod triggered scale-up: [{workers 1->2 (max: 5)}]" and
``NotTriggerScaleUp`` "pod didn't trigger scale-up: ...".

Scale-down (core/scaledown, FAQ defaults): an instance above the group's ``min_size`` whose
utilisation — the larger of its pods' CPU and memory requests over allocatable, DaemonSet
pods left out — stays below 0.5 for scale-down-unneeded-time (10 min), at least
scale-down-delay-after-add (10 min) after the last scale-up, and whose pods fit the free
requests of the other nodes, is tainted ``ToBeDeletedByClusterAutoscaler``, drained by
eviction and terminated; the cloud-controller-manager then deletes its Node.

``NodeGroup.timeline`` lists what happened to each instance (``RunInstances``, ``running``,
``registered``, ``terminated``), ``NodeGroup.describe()`` shows it as a table.

Not modelled yet: affinity and taints in the template check, the per-pod "fits elsewhere"
simulation (a sum of free requests stands in), several node groups competing (the first that fits wins,
upstream's expander default is "random").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.core import Pod
from kubelab.api.resourcehelper import pod_requests
from kubelab.api.quantity import parse_quantity
from kubelab.client import EventRecorder
from kubelab.node.machines import INSTANCE_TYPES, CloudInstance

if TYPE_CHECKING:
    from kubelab.cluster import Cluster

SCAN_INTERVAL = 10.0  # --scan-interval
UTILIZATION_THRESHOLD = 0.5  # --scale-down-utilization-threshold
UNNEEDED_TIME = 600.0  # --scale-down-unneeded-time
DELAY_AFTER_ADD = 600.0  # --scale-down-delay-after-add
MAX_NODE_PROVISION_TIME = 900.0  # --max-node-provision-time
# (cluster-autoscaler FAQ.md "What are the parameters to CA?": scan-interval 10s,
# scale-down-unneeded-time 10m, scale-down-delay-after-add 10m, max-node-provision-time 15m)

# Instance boot, in simulated seconds, each drawn uniformly per instance from the seed:
# RunInstances -> "running": ec2-boot-bench (daemonology.net/blog/2021-08-12-EC2-boot-time-
# benchmarking.html) measures ~5-20 s pending->running; depot.dev/blog/faster-ec2-boot-time
# ~40 s from RunInstances to a booted machine with an EBS-backed AMI; 15-45 s covers both.
PENDING_SECONDS = (15.0, 45.0)
# "running" -> Node registered: OS boot (~20 s to sshd in ec2-boot-bench), cloud-init and
# the node bootstrap (containerd, kubelet, kubeadm join TLS bootstrap): 40-75 s, so that
# RunInstances -> Node is ~1-2 minutes, as node groups show (EKS/GKE node creation).
BOOT_TO_REGISTER_SECONDS = (40.0, 75.0)
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"


class NodeGroup:
    """A cloud node group (an AWS auto scaling group, a GCE managed instance group)."""

    def __init__(self, cluster: "Cluster", name: str, instance_type: str, zone: str, min_size: int, max_size: int):
        if instance_type not in INSTANCE_TYPES:
            raise ValueError(f"unknown instance type {instance_type!r}: one of {', '.join(sorted(INSTANCE_TYPES))}")
        if not (isinstance(min_size, int) and isinstance(max_size, int) and 0 <= min_size <= max_size and max_size >= 1):
            raise ValueError(f"need 0 <= min_size <= max_size and max_size >= 1, not {min_size}, {max_size}")
        self.cluster = cluster
        self.name = name
        self.instance_type = instance_type
        self.zone = zone
        self.min_size = min_size
        self.max_size = max_size
        self.instances: list[str] = []
        self.launched: dict[str, float] = {}  # instance -> time of RunInstances
        self.timeline: list[tuple[float, str, str]] = []  # (time, instance, what happened)
        self._seq = 0
        self.template = CloudInstance(f"template-node-for-{name}", instance_type=instance_type, zone=zone)

    def __repr__(self) -> str:
        return f"<NodeGroup {self.name} {self.instance_type} size={self.size} ({self.min_size}..{self.max_size})>"

    @property
    def size(self) -> int:
        return len(self.instances)

    def template_labels(self) -> dict[str, str]:
        t = self.template
        return {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": self.instance_type,
                "topology.kubernetes.io/zone": self.zone, "topology.kubernetes.io/region": t.region}

    def _note(self, name: str, what: str) -> None:
        sim = self.cluster.sim
        self.timeline.append((sim.now, name, what))
        sim.trace.record("cloud", what, f"{self.name}: {name}")

    def _cloud(self):
        cloud = self.cluster.cloud_provider
        if cloud is None and self.cluster.cloud == "auto":
            cloud = self.cluster._make_cloud(self.template.provider, self.template.region)
        return cloud

    def grow(self, n: int) -> list[str]:
        """RunInstances ``n`` times: each instance is ``pending``, then ``running``, then
        its kubelet registers the Node (``PENDING_SECONDS``, ``BOOT_TO_REGISTER_SECONDS``)."""
        sim = self.cluster.sim
        rng = sim.rng(f"cloud-boot/{self.name}")
        cloud = self._cloud()
        names = []
        for _ in range(n):
            self._seq += 1
            name = f"{self.name}-{self._seq}"
            while name in self.cluster.machines:
                self._seq += 1
                name = f"{self.name}-{self._seq}"
            machine = CloudInstance(name, instance_type=self.instance_type, zone=self.zone)
            pending = round(rng.uniform(*PENDING_SECONDS), 1)
            booting = round(rng.uniform(*BOOT_TO_REGISTER_SECONDS), 1)
            if cloud is not None:
                cloud.add_instance(name, self.instance_type, self.zone, "", state="pending", launch_time=sim.now)
            self.instances.append(name)
            self.launched[name] = sim.now
            self._note(name, "RunInstances")
            sim.call_later(pending, self._running, name)
            sim.call_later(pending + booting, self._join, name, machine)
            names.append(name)
        return names

    def _running(self, name: str) -> None:
        if name not in self.instances:
            return
        cloud = self._cloud()
        if cloud is not None:
            inst = cloud.instances.get(name)
            if inst is None or inst.state != "pending":  # stopped or terminated while it was placed
                return
            cloud.set_state(name, "running")
        self._note(name, "running")

    def _join(self, name: str, machine: CloudInstance) -> None:
        if name not in self.instances or name in self.cluster.machines:
            return
        cloud = self._cloud()
        inst = cloud.instances.get(name) if cloud is not None else None
        if cloud is not None and (inst is None or inst.state != "running"):
            return  # a stopped instance never boots its kubelet: max-node-provision-time gives up on it
        self.cluster.add_node(machine)
        self._note(name, "registered")

    def terminate(self, name: str) -> None:
        """TerminateInstances: the instance leaves the group and the cloud."""
        if name in self.instances:
            self.instances.remove(name)
        self.launched.pop(name, None)
        cloud = self._cloud()
        if cloud is not None:
            cloud.terminate_instance(name)
        self._note(name, "terminated")

    def describe(self) -> str:
        """The group's instances and when each moved on (seconds after RunInstances)."""
        rows = [("INSTANCE", "STATE", "LAUNCHED", "RUNNING", "REGISTERED")]
        cloud = self.cluster.cloud_provider
        seen: dict[str, dict[str, float]] = {}
        for t, name, what in self.timeline:
            seen.setdefault(name, {})[what] = t
        for name, ev in seen.items():
            start = ev.get("RunInstances", 0.0)
            inst = cloud.instances.get(name) if cloud is not None else None
            state = "terminated" if "terminated" in ev else (inst.state if inst is not None else "running")
            rel = lambda what: f"+{ev[what] - start:.0f}s" if what in ev else "-"  # noqa: E731
            rows.append((name, state, f"{start:.0f}s", rel("running"), rel("registered")))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _unschedulable(pod: Pod) -> bool:
    if pod.spec.node_name or pod.status.phase != "Pending" or pod.metadata.deletion_timestamp is not None:
        return False
    return any(c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable"
               for c in pod.status.conditions or ())


class ClusterAutoscaler:
    def __init__(self, cluster: "Cluster"):
        self.cluster = cluster
        self.sim = cluster.sim
        self.groups: list[NodeGroup] = []
        client = cluster.api.client_for("cluster-autoscaler", "cluster-autoscaler")
        self.recorder = EventRecorder(client, "cluster-autoscaler")
        self._timer = self.sim.every(SCAN_INTERVAL, self.run_once)
        self._told: dict[str, str] = {}  # pod uid -> last message, not to repeat it every scan
        self.last_scale_up = -1e18
        self.unneeded_since: dict[str, float] = {}

    def _event(self, pod: Pod, type_: str, reason: str, message: str) -> None:
        if self._told.get(pod.metadata.uid) != message:
            self._told[pod.metadata.uid] = message
            self.recorder.event(pod, type_, reason, message)

    def _fits(self, pod: Pod, group: NodeGroup) -> Optional[str]:
        """None if the pod fits an empty template node of the group, else the reason."""
        labels = group.template_labels()
        for k, v in (pod.spec.node_selector or {}).items():
            if labels.get(k) != v:
                return "1 node(s) didn't match Pod's node affinity/selector"
        alloc = group.template.allocatable()
        req = pod_requests(pod)
        for res in ("cpu", "memory"):
            have = parse_quantity(alloc[res]).milli_value()
            if req.get(res, 0) > have:
                return f"1 Insufficient {res}"
        return None

    def _upcoming(self, group: NodeGroup) -> int:
        nodes = {n.metadata.name: n for n in self.cluster.api.list("Node")}
        up = 0
        for name in group.instances:
            node = nodes.get(name)
            ready = node is not None and any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or ())
            if not ready:
                up += 1
        return up

    def run_once(self) -> None:
        if not self.groups:
            return
        self._give_up_on_unregistered()
        pending = sorted((p for p in self.cluster.api.list("Pod", namespace=None) if _unschedulable(p)),
                         key=lambda p: (p.metadata.creation_timestamp or "", p.metadata.namespace, p.metadata.name))
        if not pending:
            self._scale_down()
            return
        pending = self._filter_out_schedulable(pending)
        if not pending:
            return
        for group in self.groups:
            alloc = group.template.allocatable()
            cap = {r: parse_quantity(alloc[r]).milli_value() for r in ("cpu", "memory")}
            cap["pods"] = int(alloc.get("pods", "110"))
            bins: list[dict[str, int]] = [dict(cap) for _ in range(self._upcoming(group))]
            n_upcoming = len(bins)
            placed: list[Pod] = []
            for pod in pending:
                if self._fits(pod, group) is not None:
                    continue
                req = pod_requests(pod)
                need = {"cpu": req.get("cpu", 0), "memory": req.get("memory", 0), "pods": 1}
                for b in bins:
                    if all(b[r] >= need[r] for r in need):
                        break
                else:
                    if group.size + len(bins) - n_upcoming >= group.max_size:
                        self._event(pod, "Normal", "NotTriggerScaleUp",
                                    "pod didn't trigger scale-up: 1 max node group size reached")
                        continue
                    b = dict(cap)
                    bins.append(b)
                for r in need:
                    b[r] -= need[r]
                placed.append(pod)
            new = len(bins) - n_upcoming
            if new > 0:
                before = group.size
                group.grow(new)
                msg = f"pod triggered scale-up: [{{{group.name} {before}->{group.size} (max: {group.max_size})}}]"
                self.sim.trace.record("cluster-autoscaler", "ScaleUp", f"{group.name} {before}->{group.size}")
                self.last_scale_up = self.sim.now
                for pod in placed:
                    self._event(pod, "Normal", "TriggeredScaleUp", msg)
            pending = [p for p in pending if p not in placed]
        for pod in pending:
            reasons = [r for g in self.groups if (r := self._fits(pod, g))]
            if reasons:
                self._event(pod, "Normal", "NotTriggerScaleUp",
                            f"pod didn't trigger scale-up: {', '.join(sorted(set(reasons)))}")

    def _filter_out_schedulable(self, pending: list[Pod]) -> list[Pod]:
        """core/podlistprocessor FilterOutSchedulable: pods that fit the free requests of a
        Ready node (one that just joined, say, and the scheduler has not retried them yet)
        trigger no scale-up; the scheduler will place them."""
        pods = self.cluster.api.list("Pod", namespace=None)
        free: list[dict[str, int]] = []
        for node in self.cluster.api.list("Node"):
            if not node.is_ready() or node.spec.unschedulable or any(
                    t.effect in ("NoSchedule", "NoExecute") for t in node.spec.taints or ()):
                continue
            alloc = node.status.allocatable or {}
            room = {r: parse_quantity(alloc.get(r, "0")).milli_value() for r in ("cpu", "memory")}
            room["pods"] = int(alloc.get("pods", "110"))
            for p in pods:
                if p.spec.node_name == node.metadata.name and p.status.phase in ("Pending", "Running"):
                    req = pod_requests(p)
                    room["cpu"] -= req.get("cpu", 0)
                    room["memory"] -= req.get("memory", 0)
                    room["pods"] -= 1
            free.append((room, node.metadata.labels or {}))
        left = []
        for pod in pending:
            req = pod_requests(pod)
            need = {"cpu": req.get("cpu", 0), "memory": req.get("memory", 0), "pods": 1}
            selector = pod.spec.node_selector or {}
            for room, labels in free:
                if all(room[r] >= need[r] for r in need) and all(labels.get(k) == v for k, v in selector.items()):
                    for r in need:
                        room[r] -= need[r]
                    break
            else:
                left.append(pod)
        return left

    def _give_up_on_unregistered(self) -> None:
        """clusterstate: an instance whose Node has not registered within
        max-node-provision-time is deleted (``Scale-up timed out for node group``)."""
        registered = {n.metadata.name for n in self.cluster.api.list("Node")}
        for group in self.groups:
            for name in list(group.instances):
                since = group.launched.get(name)
                if name in registered or since is None or self.sim.now - since < MAX_NODE_PROVISION_TIME:
                    continue
                self.sim.trace.record("cluster-autoscaler", "ScaleUpTimedOut",
                                      f"Scale-up timed out for node group {group.name} after "
                                      f"{int(MAX_NODE_PROVISION_TIME // 60)}m0s: removing {name}")
                group.terminate(name)

    # -- scale-down -------------------------------------------------------------------------
    def _node_pods(self, pods, node: str) -> list[Pod]:
        return [p for p in pods if p.spec.node_name == node and p.status.phase in ("Pending", "Running")
                and not any(r.kind == "DaemonSet" for r in p.metadata.owner_references or ())]

    def _scale_down(self) -> None:
        nodes = {n.metadata.name: n for n in self.cluster.api.list("Node")}
        pods = self.cluster.api.list("Pod", namespace=None)
        free: dict[str, dict[str, int]] = {}
        util: dict[str, float] = {}
        for name, node in nodes.items():
            alloc = {r: parse_quantity(node.status.allocatable[r]).milli_value() for r in ("cpu", "memory")}
            used = {"cpu": 0, "memory": 0}
            for p in self._node_pods(pods, name):
                req = pod_requests(p)
                for r in used:
                    used[r] += req.get(r, 0)
            free[name] = {r: alloc[r] - used[r] for r in used}
            util[name] = max(used[r] / alloc[r] for r in used if alloc[r]) if any(alloc.values()) else 0.0
        now = self.sim.now
        for group in self.groups:
            for name in list(group.instances):
                if name not in nodes or util.get(name, 1.0) >= UTILIZATION_THRESHOLD:
                    self.unneeded_since.pop(name, None)
                    continue
                self.unneeded_since.setdefault(name, now)
            for name in list(group.instances):
                since = self.unneeded_since.get(name)
                if since is None or group.size <= group.min_size:
                    continue
                if now - since < UNNEEDED_TIME or now - self.last_scale_up < DELAY_AFTER_ADD:
                    continue
                moving = self._node_pods(pods, name)
                need = {r: sum(pod_requests(p).get(r, 0) for p in moving) for r in ("cpu", "memory")}
                others = [n for n in nodes if n != name and not nodes[n].spec.unschedulable]
                if any(need[r] > sum(free[o][r] for o in others) for r in need):
                    continue
                self._remove(group, name, nodes[name], moving)
                return  # one node per scan, as --max-empty-bulk-delete / drain parallelism allow

    def _remove(self, group: NodeGroup, name: str, node, moving: list[Pod]) -> None:
        api = self.cluster.api
        taints = list(node.spec.taints or ())
        from kubelab.api.core import Taint

        taints.append(Taint(key=TO_BE_DELETED_TAINT, value=str(int(self.sim.now)), effect="NoSchedule"))
        api.patch("Node", name, {"spec": {"taints": [t.to_dict() if hasattr(t, "to_dict") else t for t in taints]}},
                  namespace=None, patch_type="merge")
        self.recorder.event(node, "Normal", "ScaleDown", "marked the node as toBeDeleted/unschedulable")
        for p in moving:
            self.recorder.event(p, "Normal", "ScaleDown", "deleting pod for node scale down")
            try:
                api.evict(p.metadata.name, p.metadata.namespace)
            except Exception:  # noqa: BLE001 — a PDB refusal: the pod stays, upstream retries the drain
                pass
        group.instances.remove(name)
        self.unneeded_since.pop(name, None)
        self.sim.trace.record("cluster-autoscaler", "ScaleDown", f"{group.name} removes {name}")

        def terminate() -> None:
            group.terminate(name)
            self.cluster.workers[name].power_off()

        self.sim.call_later(30.0, terminate)  # the drain's grace, then the instance goes

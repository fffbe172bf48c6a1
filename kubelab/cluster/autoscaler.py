"""A cluster autoscaler for cloud node groups (kubernetes/autoscaler, cluster-autoscaler).

Every ``scan_interval`` (10 s, the upstream default) it lists the pods the scheduler marked
unschedulable (PodScheduled=False, reason Unschedulable). Each is checked against a *template
node* of each group — an instance of the group's type, not yet built — for what the scheduler
would check first: its resource requests against the template's allocatable and its
nodeSelector against the template's labels. Pods that fit are bin-packed onto the group's
upcoming instances first, then onto new ones (core/scaleup, BinpackingNodeEstimator); the group
grows by what is needed, up to ``max_size``. A new instance boots and joins as ``add_node``
joins any machine, and the cloud-controller-manager initialises its Node.

Events on the pods use upstream's wording (core/scaleup/orchestrator, utils/events):
``TriggeredScaleUp`` "pod triggered scale-up: [{workers 1->2 (max: 5)}]" and
``NotTriggerScaleUp`` "pod didn't trigger scale-up: ...".

Scale-down (core/scaledown, FAQ defaults): an instance above the group's ``min_size`` whose
utilisation — the larger of its pods' CPU and memory requests over allocatable, DaemonSet
pods left out — stays below 0.5 for scale-down-unneeded-time (10 min), at least
scale-down-delay-after-add (10 min) after the last scale-up, and whose pods fit the free
requests of the other nodes, is tainted ``ToBeDeletedByClusterAutoscaler``, drained by
eviction and terminated; the cloud-controller-manager then deletes its Node.

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

    def grow(self, n: int) -> list[str]:
        """Launch ``n`` instances; they boot and join the cluster."""
        names = []
        for _ in range(n):
            self._seq += 1
            name = f"{self.name}-{self._seq}"
            while name in self.cluster.machines:
                self._seq += 1
                name = f"{self.name}-{self._seq}"
            self.cluster.add_node(CloudInstance(name, instance_type=self.instance_type, zone=self.zone))
            self.instances.append(name)
            names.append(name)
        return names


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
        pending = sorted((p for p in self.cluster.api.list("Pod", namespace=None) if _unschedulable(p)),
                         key=lambda p: (p.metadata.creation_timestamp or "", p.metadata.namespace, p.metadata.name))
        if not pending:
            self._scale_down()
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
            cloud = self.cluster.cloud_provider
            if cloud is not None:
                cloud.terminate_instance(name)
            self.cluster.workers[name].power_off()

        self.sim.call_later(30.0, terminate)  # the drain's grace, then the instance goes

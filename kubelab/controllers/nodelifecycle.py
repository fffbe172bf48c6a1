"""Node lifecycle (pkg/controller/nodelifecycle/node_lifecycle_controller.go) and taint
eviction (pkg/controller/tainteviction/taint_eviction.go). Pods of a Node that no longer
exists are the pod GC's (podgc.py), as upstream.

Every ``node-monitor-period`` (5 s) the monitor looks at each node's heartbeat — the
Ready condition's lastHeartbeatTime and its Lease in kube-node-lease — measured on the
controller's own clock (probeTimestamp). A node silent for ``node-monitor-grace-period``
(50 s since v1.32) gets Ready (and the pressure conditions) set to Unknown with reason
``NodeStatusUnknown`` / "Kubelet stopped posting node status.", its pods are marked
Ready=False, and it is tainted ``node.kubernetes.io/unreachable`` (NoExecute and
NoSchedule); a node reporting Ready=False gets ``node.kubernetes.io/not-ready``. The
taint eviction controller then deletes pods on NoExecute-tainted nodes once their
tolerationSeconds have passed (300 s from the DefaultTolerationSeconds admission).
Its NoSchedule pass (doNoScheduleTaintingPass, TaintNodesByCondition) also maps the pressure
conditions to their taints and a cordoned node (spec.unschedulable) to
``node.kubernetes.io/unschedulable:NoSchedule``.
"""

from __future__ import annotations

import math
from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.base import rfc3339
from kubelab.api.coordination import Lease
from kubelab.api.core import Node, NodeCondition, Pod, PodCondition, Taint
from kubelab.api.podutil import POD_READY, get_pod_ready_condition, update_pod_condition

from .base import Controller, ControllerContext

NODE_MONITOR_PERIOD = 5.0
# 50 s since v1.32 (was 40 s): pkg/controller/nodelifecycle/config/v1alpha1/defaults.go
NODE_MONITOR_GRACE_PERIOD = 50.0
NODE_STARTUP_GRACE_PERIOD = 60.0
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
# nodeConditionToTaintKeyStatusMap: the NoSchedule taint each condition status maps to
CONDITION_TAINTS = {
    ("Ready", "False"): NOT_READY, ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
}
# the taints this controller owns (taintKeyToNodeConditionMap plus the unschedulable one)
MANAGED_KEYS = frozenset(CONDITION_TAINTS.values()) | {UNSCHEDULABLE}
_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


def _lease_renew(lease: Optional[Lease]) -> Optional[str]:
    return lease.spec.renew_time if lease is not None else None


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"
    workers = 1

    def __init__(self, ctx: ControllerContext, grace_period: float = NODE_MONITOR_GRACE_PERIOD,
                 monitor_period: float = NODE_MONITOR_PERIOD):
        super().__init__(ctx)
        self.grace_period = grace_period
        self.monitor_period = monitor_period
        self.node_informer = ctx.informers.informer(Node)
        self.lease_informer = ctx.informers.informer(Lease)
        self.pod_informer = ctx.informers.informer(Pod)
        if "node" not in self.pod_informer._indexers:
            self.pod_informer.add_indexer("node", lambda p: [p.spec.node_name] if p.spec.node_name else [])
        self.recorder = ctx.recorder("node-controller")
        # nodeHealthData: probe timestamp (our clock), last heartbeat seen, last lease renew seen
        self.health: dict[str, dict] = {}
        self._ticker = None
        self.node_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self._node_deleted)

    def on_start(self) -> None:
        self._ticker = self.sim.every(self.monitor_period, self.monitor)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    def _node_deleted(self, node) -> None:
        node = tombstone_object(node)
        self.health.pop(node.name, None)

    # -- monitor -------------------------------------------------------------------------
    def _observe(self, node: Node) -> dict:
        now = self.sim.now
        ready = node.status.condition("Ready")
        # a changed heartbeat time or a status the kubelet posted counts as a sign of life
        # (tryUpdateNodeHealth compares the saved status); our own Unknown does not
        hb = (ready.status, ready.last_heartbeat_time) if ready is not None and ready.status != "Unknown" else None
        lease = self.lease_informer.get(f"kube-node-lease/{node.name}")
        renew = _lease_renew(lease)
        h = self.health.get(node.name)
        if h is None:
            h = {"probe": now, "hb": hb, "renew": renew}
            self.health[node.name] = h
        else:
            if hb is not None and hb != h["hb"]:
                h["hb"], h["probe"] = hb, now
            if renew != h["renew"]:
                h["renew"], h["probe"] = renew, now
        return h

    def monitor(self) -> None:
        """monitorNodeHealth: decide which nodes need a status or taint change."""
        if not self.node_informer.has_synced():
            return
        now = self.sim.now
        for node in self.node_informer.list():
            h = self._observe(node)
            ready = node.status.condition("Ready")
            if now - h["probe"] > self.grace_period and (ready is None or ready.status != "Unknown"):
                self.queue.add(node.name)
            elif self._desired_taints(node) != self._current_taints(node):
                self.queue.add(node.name)

    @staticmethod
    def _desired_taints(node: Node) -> set[tuple[str, str]]:
        """doNoScheduleTaintingPass (conditions and cordon -> NoSchedule taints) and
        doNoExecuteTaintingPass (Ready False / Unknown -> NoExecute)."""
        want = set()
        for c in node.status.conditions or ():
            key = CONDITION_TAINTS.get((c.type, c.status))
            if key is not None:
                want.add((key, "NoSchedule"))
        if node.spec.unschedulable:
            want.add((UNSCHEDULABLE, "NoSchedule"))
        ready = node.status.condition("Ready")
        status = ready.status if ready else "Unknown"
        if status != "True":
            want.add((NOT_READY if status == "False" else UNREACHABLE, "NoExecute"))
        return want

    @staticmethod
    def _current_taints(node: Node) -> set[tuple[str, str]]:
        return {(t.key, t.effect) for t in node.spec.taints or () if t.key in MANAGED_KEYS
                and (t.effect == "NoSchedule" or t.key in (NOT_READY, UNREACHABLE))}

    def sync(self, name: str):
        node = self.node_informer.get(name)
        if node is None:
            return
        h = self._observe(node)
        now = self.sim.now
        ready = node.status.condition("Ready")
        if now - h["probe"] > self.grace_period and (ready is None or ready.status != "Unknown"):
            node = yield from self._mark_unknown(node)
            yield from self._mark_pods_not_ready(name)
        want = self._desired_taints(node)
        if want != self._current_taints(node):
            yield from self._swap_taints(node, want)

    def _mark_unknown(self, node: Node):
        """tryUpdateNodeHealth: every condition the kubelet owns goes Unknown."""
        new = node.copy_deep()
        now = rfc3339(self.sim.now)
        conds = list(new.status.conditions or [])
        have = {c.type for c in conds}
        for c in conds:
            if c.type in _CONDITIONS and c.status != "Unknown":
                c.status = "Unknown"
                c.reason = "NodeStatusUnknown"
                c.message = "Kubelet stopped posting node status."
                c.last_transition_time = now
        for t in _CONDITIONS:
            if t not in have:
                conds.append(NodeCondition(type=t, status="Unknown", reason="NodeStatusNeverUpdated",
                                           message="Kubelet never posted node status.",
                                           last_heartbeat_time=new.metadata.creation_timestamp,
                                           last_transition_time=now))
        new.status.conditions = conds
        updated = yield self.client.update_status(new)
        self.recorder.event(node, "Normal", "NodeNotReady", f"Node {node.name} status is now: NodeNotReady")
        self.sim.trace.record(self.name, "NodeStatusUnknown", f"{node.name}: Kubelet stopped posting node status.")
        return updated

    def _mark_pods_not_ready(self, node_name: str):
        """nodeutil.MarkPodsNotReady."""
        for pod in self.pod_informer.by_index("node", node_name):
            c = get_pod_ready_condition(pod.status)
            if c is None or c.status == "False":
                continue
            new = pod.copy_deep()
            update_pod_condition(new, POD_READY, "False", self.sim.now, c.reason, c.message)
            try:
                yield self.client.update_status(new)
            except errors.StatusError as exc:
                if not (errors.is_not_found(exc) or errors.is_conflict(exc)):
                    raise
            self.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready")

    def _swap_taints(self, node: Node, want: set):
        """controller.SwapNodeControllerTaint / RemoveTaintOffNode."""
        fresh = (yield self.client.get(Node, node.name, None)).copy_deep()  # responses share the server's cache: copy
        want = self._desired_taints(fresh)  # of the node as it is now (a cordon may have raced us)
        keep = [t for t in fresh.spec.taints or [] if (t.key, t.effect) not in self._current_taints(fresh)
                or (t.key, t.effect) in want]
        have = {(t.key, t.effect) for t in keep}
        now = rfc3339(self.sim.now)
        for key, effect in sorted(want - have):
            keep.append(Taint(key=key, effect=effect, time_added=now if effect == "NoExecute" else None))
        fresh.spec.taints = keep or None
        yield self.client.update(fresh)
        self.sim.trace.record(self.name, "NodeTaints", f"{node.name}: {', '.join(f'{k}:{e}' for k, e in sorted(want)) or 'none'}")


class TaintEvictionController(Controller):
    """taint_eviction.go: delete pods on NoExecute-tainted nodes unless they tolerate
    the taints; a toleration with tolerationSeconds delays the eviction that long."""

    name = "taint-eviction-controller"
    workers = 1

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.node_informer = ctx.informers.informer(Node)
        self.pod_informer = ctx.informers.informer(Pod)
        if "node" not in self.pod_informer._indexers:
            self.pod_informer.add_indexer("node", lambda p: [p.spec.node_name] if p.spec.node_name else [])
        self.recorder = ctx.recorder("taint-eviction-controller")
        self.first_seen: dict[str, float] = {}  # pod key -> when its node's taints were first seen
        self.node_informer.add_event_handler(self._node_changed, lambda o, n: self._node_changed(n, o), None)
        self.pod_informer.add_event_handler(self._pod_changed, lambda o, n: self._pod_changed(n), None)

    @staticmethod
    def no_execute(node: Optional[Node]) -> list[Taint]:
        return [t for t in (node.spec.taints or []) if t.effect == "NoExecute"] if node is not None else []

    def _node_changed(self, node, old=None) -> None:
        if old is not None and self.no_execute(old) == self.no_execute(node):
            return
        for pod in self.pod_informer.by_index("node", node.name):
            self.queue.add(pod.key())

    def _pod_changed(self, pod) -> None:
        if pod.spec.node_name and self.no_execute(self.node_informer.get(pod.spec.node_name)):
            self.queue.add(pod.key())

    def sync(self, key: str):
        pod = self.pod_informer.get(key)
        if pod is None or pod.metadata.deletion_timestamp is not None or not pod.spec.node_name:
            self.first_seen.pop(key, None)
            return
        taints = self.no_execute(self.node_informer.get(pod.spec.node_name))
        if not taints:
            self.first_seen.pop(key, None)
            return
        now = self.sim.now
        min_seconds = math.inf
        for taint in taints:
            used = [t for t in pod.spec.tolerations or [] if (t.effect in (None, "", "NoExecute")) and t.tolerates(taint)]
            if not used:
                min_seconds = 0  # an untolerated NoExecute taint: evict now
                break
            for t in used:
                if t.toleration_seconds is not None:
                    min_seconds = min(min_seconds, max(0, t.toleration_seconds))
        if min_seconds == math.inf:
            return
        start = self.first_seen.setdefault(key, now)
        due = start + min_seconds
        if now < due:
            self.enqueue_after(key, due - now)
            return
        self.recorder.event(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}")
        self.sim.trace.record(self.name, "TaintManagerEviction", f"Marking for deletion Pod {key}")
        new = pod.copy_deep()
        conds = [c for c in new.status.conditions or [] if c.type != "DisruptionTarget"]
        conds.append(PodCondition(type="DisruptionTarget", status="True", reason="DeletionByTaintManager",
                                  message="Taint manager: deleting due to NoExecute taint",
                                  last_transition_time=rfc3339(now)))
        new.status.conditions = conds
        try:
            yield self.client.update_status(new)
        except errors.StatusError:
            pass
        try:
            yield self.client.delete(Pod, pod.name, pod.namespace, preconditions={"uid": pod.uid})
        except errors.StatusError as exc:
            if not errors.is_not_found(exc):
                raise
        self.first_seen.pop(key, None)

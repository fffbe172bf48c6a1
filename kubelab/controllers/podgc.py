"""The pod garbage collector (pkg/controller/podgc/gc_controller.go), its orphan part:
every ``gcCheckPeriod`` (20 s) a pod bound to a Node that no longer exists — and is still
absent after the 40 s quarantine, checked against the API server — is marked Failed with
a ``DisruptionTarget`` condition (reason ``DeletionByPodGC``, "PodGC: node no longer
exists") and force-deleted: no kubelet is left to finish a graceful deletion. This is how
the mirror pods of a removed control-plane node go away. (The terminated-pod threshold and
the unscheduled-terminating part are not modelled.)"""

from __future__ import annotations

from kubelab.api import errors
from kubelab.api.core import Node, Pod
from kubelab.api.podutil import update_pod_condition

from .base import Controller, ControllerContext

GC_CHECK_PERIOD = 20.0  # gcCheckPeriod
QUARANTINE_TIME = 40.0  # quarantineTime


class PodGCController(Controller):
    name = "pod-garbage-collector-controller"

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.pods = ctx.informers.informer(Pod)
        self.nodes = ctx.informers.informer(Node)
        self._ticker = None
        self._suspect: dict[str, float] = {}  # node name -> when first seen missing (nodeQueue)

    def on_start(self) -> None:
        self._ticker = self.sim.every(GC_CHECK_PERIOD, self._gc)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    def _gc(self) -> None:
        if not self.running or not (self.pods.has_synced() and self.nodes.has_synced()):
            return
        now = self.sim.now
        missing = set()
        for pod in self.pods.list():
            node = pod.spec.node_name
            if node and self.nodes.get(node) is None:
                missing.add(node)
                self._suspect.setdefault(node, now)
        for node in list(self._suspect):
            if node not in missing:
                self._suspect.pop(node)
        due = sorted(n for n, t in self._suspect.items() if now - t >= QUARANTINE_TIME)
        if due:
            self.sim.spawn(self._gc_orphaned(due), name=f"{self.name}/orphaned")

    def _gc_orphaned(self, nodes: list[str]):
        for name in nodes:
            try:
                yield self.client.get(Node, name, None)
                self._suspect.pop(name, None)  # it exists after all
                continue
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    return
            except Exception:  # noqa: BLE001 — unreachable: next period
                return
            for pod in [p for p in self.pods.list() if p.spec.node_name == name]:
                yield from self._mark_failed_and_delete(pod)

    def _mark_failed_and_delete(self, pod: Pod):
        """gc_controller.go markFailedAndDeletePodWithCondition: the status goes to Failed by
        utilpod.PatchPodStatus — a strategic merge patch of pods/status with the pod's uid as a
        precondition (the role grants patch on pods/status, not update) — then a delete with
        grace period 0."""
        try:
            if pod.status.phase not in ("Succeeded", "Failed"):
                new = pod.copy_deep()  # where UpdatePodCondition computes the condition
                status: dict = {"phase": "Failed"}
                if update_pod_condition(new, "DisruptionTarget", "True", self.sim.now, "DeletionByPodGC",
                                        "PodGC: node no longer exists"):
                    status["conditions"] = [new.status.condition("DisruptionTarget").model_dump(
                        by_alias=True, exclude_none=True)]
                yield self.client.patch(Pod, pod.metadata.name, pod.metadata.namespace,
                                        {"metadata": {"uid": pod.uid}, "status": status}, "strategic",
                                        subresource="status")
            yield self.client.delete(Pod, pod.metadata.name, pod.metadata.namespace, grace_period_seconds=0)
            self.sim.trace.record(self.name, "PodGCDeleted", f"{pod.key()}: node {pod.spec.node_name} no longer exists")
        except Exception:  # noqa: BLE001 — gone already, or retried next period
            pass


__all__ = ["PodGCController"]

"""Namespace controller (pkg/controller/namespace/namespace_controller.go,
deletion/namespaced_resources_deleter.go, deletion/status_condition_utils.go).

When a namespace is being deleted (deletionTimestamp set) the controller, on every pass:

1. makes sure its phase is ``Terminating`` (updateNamespaceStatusFunc);
2. deletes every namespaced resource in it, kind by kind (deleteEachItem, background
   propagation), then lists each kind again (deleteAllContentForGroupVersionResource): pods
   give an estimate — the longest terminationGracePeriodSeconds of the pods not yet finished
   (estimateGracefulTerminationForPods) — and objects held by finalizers one of 15 s
   (finalizerEstimateSeconds); anything else left over is an error;
3. writes the five deletion conditions on ``status.conditions`` (True with the failure, or
   False with the "ok" reason and message) when they changed;
4. while content remains, comes back after estimate/2 seconds (ResourcesRemainingError);
   once it is all gone, removes its ``kubernetes`` token from ``spec.finalizers`` through the
   ``finalize`` subresource, which lets the namespace go.
"""

from __future__ import annotations

from typing import Any, Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.base import rfc3339
from kubelab.api.core import Namespace, Pod
from kubelab.api.scheme import KINDS

from .base import Controller, ControllerContext

FINALIZER_TOKEN = "kubernetes"  # v1.FinalizerKubernetes
FINALIZER_ESTIMATE_SECONDS = 15  # finalizerEstimateSeconds
RECHECK = 5.0  # a namespace already gone whose content is still being removed

# status_condition_utils.go: the condition types in the order the controller adds them
DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure"
GV_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure"
CONTENT_FAILURE = "NamespaceDeletionContentFailure"
CONTENT_REMAINING = "NamespaceContentRemaining"
FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"
CONDITION_TYPES = (DISCOVERY_FAILURE, GV_PARSING_FAILURE, CONTENT_FAILURE, CONTENT_REMAINING, FINALIZERS_REMAINING)
OK_MESSAGES = {
    DISCOVERY_FAILURE: "All resources successfully discovered",
    GV_PARSING_FAILURE: "All legacy kube types successfully parsed",
    CONTENT_FAILURE: "All content successfully deleted, may be waiting on finalization",
    CONTENT_REMAINING: "All content successfully removed",
    FINALIZERS_REMAINING: "All content-preserving finalizers finished",
}
OK_REASONS = {
    DISCOVERY_FAILURE: "ResourcesDiscovered",
    GV_PARSING_FAILURE: "ParsedGroupVersions",
    CONTENT_FAILURE: "ContentDeleted",
    CONTENT_REMAINING: "ContentRemoved",
    FINALIZERS_REMAINING: "ContentHasNoFinalizers",
}


class ResourcesRemainingError(Exception):
    """deletion.ResourcesRemainingError."""

    def __init__(self, estimate: int):
        self.estimate = estimate
        super().__init__(f"some content remains in the namespace, estimate {estimate} seconds before it is removed")


def _gvr(cls) -> str:
    """schema.GroupVersionResource's String(): ``<group>/<version>, Resource=<resource>``."""
    version = cls.api_version_str().rsplit("/", 1)[-1]
    return f"{cls.GROUP}/{version}, Resource={cls.RESOURCE}"


def content_conditions(gvr_remaining: dict[tuple[str, str], int], finalizers_remaining: dict[str, int],
                       content_errors: list[str], now: float) -> list[dict[str, Any]]:
    """namespaceConditionUpdater: ProcessContentTotals + makeDeleteContentCondition (the failures)."""
    t = rfc3339(now)
    out = []
    if content_errors:
        msgs = sorted(content_errors)
        out.append({"type": CONTENT_FAILURE, "status": "True", "lastTransitionTime": t, "reason": "ContentDeletionFailed",
                    "message": f"Failed to delete all resource types, {len(msgs)} remaining: {', '.join(msgs)}"})
    if gvr_remaining:
        rem = sorted(f"{res}.{group} has {n} resource instances" for (res, group), n in gvr_remaining.items() if n)
        out.append({"type": CONTENT_REMAINING, "status": "True", "lastTransitionTime": t, "reason": "SomeResourcesRemain",
                    "message": f"Some resources are remaining: {', '.join(rem)}"})
    if finalizers_remaining:
        rem = sorted(f"{f} in {n} resource instances" for f, n in finalizers_remaining.items() if n)
        out.append({"type": FINALIZERS_REMAINING, "status": "True", "lastTransitionTime": t,
                    "reason": "SomeFinalizersRemain",
                    "message": f"Some content in the namespace has finalizers remaining: {', '.join(rem)}"})
    return out


def update_conditions(conditions: Optional[list], new: list[dict[str, Any]], now: float) -> tuple[list, bool]:
    """status_condition_utils.go updateConditions: every maintained type present — the new
    failure, else the "ok" variant; lastTransitionTime moves only when the status flips."""
    conds = [dict(c) for c in conditions or ()]
    changed = False
    for ctype in CONDITION_TYPES:
        want = next((c for c in new if c["type"] == ctype), None) or {
            "type": ctype, "status": "False", "lastTransitionTime": rfc3339(now),
            "reason": OK_REASONS[ctype], "message": OK_MESSAGES[ctype]}
        old = next((c for c in conds if c.get("type") == ctype), None)
        if old is None:
            conds.append(want)
            changed = True
        elif (old.get("status"), old.get("message"), old.get("reason")) != (want["status"], want["message"], want["reason"]):
            if old.get("status") != want["status"]:
                old["lastTransitionTime"] = rfc3339(now)
            old.update(status=want["status"], reason=want["reason"], message=want["message"])
            changed = True
    return conds, changed


class NamespaceController(Controller):
    name = "namespace-controller"
    workers = 2  # --concurrent-namespace-syncs 10

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.ns_informer = ctx.informers.informer(Namespace)
        self._gone: set[str] = set()
        self.ns_informer.add_event_handler(self._maybe, lambda o, n: self._maybe(n), self._deleted)

    def _maybe(self, ns) -> None:
        if ns.metadata.deletion_timestamp is not None:
            self.queue.add(ns.name)

    def _deleted(self, ns) -> None:
        ns = tombstone_object(ns)
        self._gone.add(ns.name)
        self.queue.add(ns.name)

    def sync(self, key: str):
        ns = self.ns_informer.get(key)
        if ns is not None and ns.metadata.deletion_timestamp is None:
            self._gone.discard(key)
            return
        if ns is None:
            if key not in self._gone:
                return
            # kubelab: a namespace removed outright still has its content collected
            _, remaining, _, errs = yield from self._delete_all_content(key)
            if remaining or errs:
                self.enqueue_after(key, RECHECK)
            else:
                self._gone.discard(key)
            return
        # Delete(): multiple controllers edit a terminating namespace, start from its latest state
        try:
            ns = yield self.client.get(Namespace, key, None)
        except errors.StatusError as exc:
            if errors.is_not_found(exc):
                return
            raise
        if ns.metadata.deletion_timestamp is None:
            return
        if ns.status.phase != "Terminating":  # updateNamespaceStatusFunc
            new = ns.copy_deep()
            new.status.phase = "Terminating"
            ns = yield self.client.update_status(new)
        try:
            yield from self._delete_all_content_with_conditions(ns)
        except ResourcesRemainingError as rre:
            # namespace_controller.go: queue.AddAfter(key, estimate/2 seconds)
            self.enqueue_after(key, rre.estimate // 2)
            return
        self._gone.discard(key)
        # finalizeNamespace: our token off spec.finalizers, through the finalize subresource
        if FINALIZER_TOKEN in (ns.spec.finalizers or []):
            latest = (yield self.client.get(Namespace, key, None)).copy_deep()
            latest.spec.finalizers = sorted({f for f in latest.spec.finalizers or [] if f != FINALIZER_TOKEN})
            try:
                yield self.client.finalize_namespace(latest)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise
            self.sim.trace.record(self.name, "NamespaceFinalized", key)

    def _delete_all_content_with_conditions(self, ns: Namespace):
        """deleteAllContent: delete, count what remains, write the conditions."""
        estimate, remaining, finalizers, errs = yield from self._delete_all_content(ns.name)
        gvr_remaining = {k: v for k, v in remaining.items() if v}
        conds, changed = update_conditions(ns.status.conditions,
                                           content_conditions(gvr_remaining, finalizers, errs, self.sim.now), self.sim.now)
        if changed:
            new = ns.copy_deep()
            new.status.conditions = conds
            try:
                yield self.client.update_status(new)
            except errors.StatusError as exc:  # utilruntime.HandleError: logged, not fatal
                self.sim.trace.record(self.name, "NamespaceStatusUpdateFailed", f"{ns.name}: {exc}")
        if errs:
            raise RuntimeError("; ".join(errs))
        if estimate > 0:
            raise ResourcesRemainingError(estimate)

    def _delete_all_content(self, namespace: str):
        """Every namespaced kind: (estimate, remaining per (resource, group), finalizers, errors)."""
        estimate = 0
        remaining: dict[tuple[str, str], int] = {}
        finalizers: dict[str, int] = {}
        errs: list[str] = []
        for cls in KINDS:
            if not cls.NAMESPACED:
                continue
            try:
                est, left, fins = yield from self._delete_all_of(cls, namespace)
            except errors.StatusError as exc:
                errs.append(str(exc))
                continue
            estimate = max(estimate, est)
            if left:
                remaining[(cls.RESOURCE, cls.GROUP)] = left
                for f, n in fins.items():
                    finalizers[f] = finalizers.get(f, 0) + n
                if not est:
                    # nothing reported a finalizer or a grace period: it should have gone
                    errs.append(f"unexpected items still remain in namespace: {namespace} for gvr: {_gvr(cls)}")
        return estimate, remaining, finalizers, errs

    def _delete_all_of(self, cls, namespace: str):
        """deleteAllContentForGroupVersionResource."""
        estimate = 0
        if cls is Pod:
            estimate = yield from self._estimate_graceful_termination_for_pods(namespace)
        lst = yield self.client.list(cls, namespace)
        for obj in lst.items:  # deleteEachItem
            if obj.metadata.deletion_timestamp is not None:
                continue  # already on its way out
            try:
                yield self.client.delete(cls, obj.name, namespace, propagation_policy="Background")
            except errors.StatusError as exc:
                if not (errors.is_not_found(exc) or exc.code == 405):
                    raise
        lst = yield self.client.list(cls, namespace)
        fins: dict[str, int] = {}
        for obj in lst.items:
            for f in obj.metadata.finalizers or ():
                fins[f] = fins.get(f, 0) + 1
        left = len(lst.items)
        if left and not estimate and fins:
            estimate = FINALIZER_ESTIMATE_SECONDS
        return estimate, left, fins

    def _estimate_graceful_termination_for_pods(self, namespace: str):
        """estimateGracefulTerminationForPods: the longest grace period of unfinished pods."""
        lst = yield self.client.list(Pod, namespace)
        estimate = 0
        for pod in lst.items:
            if pod.status.phase in ("Succeeded", "Failed"):
                continue
            grace = pod.spec.termination_grace_period_seconds
            if grace is not None and grace > estimate:
                estimate = grace
        return estimate

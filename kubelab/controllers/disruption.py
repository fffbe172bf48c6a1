"""Disruption controller (pkg/controller/disruption/disruption.go): the status of every
PodDisruptionBudget, which the eviction subresource (and so ``kubectl drain``) and the
scheduler's preemption read.

For each budget: the pods its selector picks in its namespace; ``expectedPods`` (with
``maxUnavailable`` or a percentage ``minAvailable``: the summed scale of the pods'
controllers — a ReplicaSet owned by a Deployment counts the Deployment's replicas; with an
integer ``minAvailable``: the number of pods); ``desiredHealthy``; ``currentHealthy`` (ready
pods not being deleted and not recently evicted: ``disruptedPods`` entries younger than
2 minutes); ``disruptionsAllowed = currentHealthy - desiredHealthy`` (0 when negative or when
no pod is expected); ``observedGeneration``; and the ``DisruptionAllowed`` condition
(SufficientPods / InsufficientPods). A budget whose expected count cannot be computed
fails safe (``SyncFailed``, nothing allowed).
"""

from __future__ import annotations

from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.apps import Deployment, ReplicaSet, StatefulSet
from kubelab.api.base import parse_time
from kubelab.api.coordination import PodDisruptionBudget
from kubelab.api.core import Pod
from kubelab.api.labels import Selector
from kubelab.api.pdbhelper import DISRUPTION_ALLOWED, SYNC_FAILED, set_status_condition, update_disruption_allowed_condition
from kubelab.api.podutil import is_pod_ready

from .base import Controller, ControllerContext, resolve_int_or_percent

DELETION_TIMEOUT = 120.0  # disruption.go DeletionTimeout


class DisruptionController(Controller):
    name = "disruption-controller"
    workers = 1

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.pdb_informer = ctx.informers.informer(PodDisruptionBudget)
        self.pod_informer = ctx.informers.informer(Pod)
        self.rs_informer = ctx.informers.informer(ReplicaSet)
        self.deploy_informer = ctx.informers.informer(Deployment)
        self.sts_informer = ctx.informers.informer(StatefulSet)
        self.recorder = ctx.recorder(self.name)
        self.pdb_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), None)
        self.pod_informer.add_event_handler(self._pod, lambda o, n: self._pod(n), self._pod)

    def _pod(self, pod) -> None:
        pod = tombstone_object(pod)
        for pdb in self.pdb_informer.list(pod.metadata.namespace):
            if Selector.from_label_selector(pdb.spec.selector).matches(pod.metadata.labels or {}):
                self.enqueue(pdb)

    # -- expected scale -----------------------------------------------------------------------
    def _controller_scale(self, ref, namespace: str) -> Optional[tuple[str, int]]:
        """The finders: (uid, scale) of the pod's controller, or None if none is known."""
        if ref.kind == "ReplicaSet":
            rs = self.rs_informer.get(f"{namespace}/{ref.name}")
            if rs is None or rs.uid != ref.uid:
                return None
            owner = rs.metadata.controller_ref()
            if owner is not None and owner.kind == "Deployment":  # getPodDeployment
                d = self.deploy_informer.get(f"{namespace}/{owner.name}")
                if d is None or d.uid != owner.uid:
                    return None
                return d.uid, d.spec.replicas if d.spec.replicas is not None else 1
            return rs.uid, rs.spec.replicas if rs.spec.replicas is not None else 1
        if ref.kind == "StatefulSet":
            ss = self.sts_informer.get(f"{namespace}/{ref.name}")
            if ss is None or ss.uid != ref.uid:
                return None
            return ss.uid, ss.spec.replicas if ss.spec.replicas is not None else 1
        return None

    def _expected_scale(self, pods) -> tuple[int, list[str]]:
        scale: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            ref = pod.metadata.controller_ref()
            if ref is None:
                unmanaged.append(pod.name)
                continue
            if ref.uid in scale:
                continue
            found = self._controller_scale(ref, pod.metadata.namespace)
            if found is None:
                raise ValueError(f'found no controllers for pod "{pod.name}"')
            scale[found[0]] = found[1]
        return sum(scale.values()), unmanaged

    def _expected_pod_count(self, pdb, pods) -> tuple[int, int, list[str]]:
        """getExpectedPodCount: (expectedCount, desiredHealthy, unmanaged pods)."""
        sp = pdb.spec
        expected, desired, unmanaged = 0, 0, []
        if sp.max_unavailable is not None:
            expected, unmanaged = self._expected_scale(pods)
            desired = max(0, expected - resolve_int_or_percent(sp.max_unavailable, expected, True))
        elif sp.min_available is not None:
            if isinstance(sp.min_available, int):
                desired, expected = sp.min_available, len(pods)
            else:
                expected, unmanaged = self._expected_scale(pods)
                desired = resolve_int_or_percent(sp.min_available, expected, True)
        return expected, desired, unmanaged

    # -- sync ---------------------------------------------------------------------------------
    def sync(self, key: str):
        cached = self.pdb_informer.get(key)
        if cached is None:
            return
        pdb = cached.copy_deep()
        now = self.sim.now
        pods = [p for p in self.pod_informer.list(pdb.metadata.namespace)
                if Selector.from_label_selector(pdb.spec.selector).matches(p.metadata.labels or {})]
        if not pods:
            self.recorder.event(pdb, "Normal", "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = self._expected_pod_count(pdb, pods)
        except ValueError as exc:
            self.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed",
                                f"Failed to calculate the number of expected pods: {exc}")
            yield from self._fail_safe(cached, now, str(exc))
            return
        if unmanaged:
            self.recorder.event(pdb, "Warning", "UnmanagedPods",
                                f"Pods selected by this PodDisruptionBudget (selector: {_selector_str(pdb.spec.selector)}) "
                                "were found to be unmanaged. As a result, the status of the PDB cannot be calculated "
                                "correctly, which may result in undefined behavior. To account for these pods please set "
                                "\".spec.minAvailable\" field of the PDB to an integer value.")
        disrupted, recheck = self._disrupted_pod_map(pods, pdb, now)
        healthy = 0
        for p in pods:
            if p.metadata.deletion_timestamp is not None:
                continue
            if p.name in disrupted and parse_time(disrupted[p.name]) + DELETION_TIMEOUT > now:
                continue
            if is_pod_ready(p):
                healthy += 1
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        st = pdb.status
        st.current_healthy, st.desired_healthy, st.expected_pods = healthy, desired, expected
        st.disruptions_allowed = allowed
        st.disrupted_pods = disrupted or None
        st.observed_generation = pdb.metadata.generation
        update_disruption_allowed_condition(st, now)
        if st != cached.status:
            yield from self._write(cached, st)
        if recheck is not None:
            self.enqueue_after(key, max(0.001, recheck - now))

    def _disrupted_pod_map(self, pods, pdb, now: float) -> tuple[dict[str, str], Optional[float]]:
        """buildDisruptedPodMap: evictions not yet confirmed by a deletion, for 2 minutes."""
        result: dict[str, str] = {}
        recheck: Optional[float] = None
        have = pdb.status.disrupted_pods or {}
        for p in pods:
            if p.metadata.deletion_timestamp is not None or p.name not in have:
                continue
            expected_deletion = parse_time(have[p.name]) + DELETION_TIMEOUT
            if expected_deletion < now:
                self.recorder.event(p, "Warning", "NotDeleted",
                                    f"Pod was expected by PDB {pdb.metadata.namespace}/{pdb.metadata.namespace} "
                                    "to be deleted but it wasn't")  # sic: upstream prints the namespace twice
            else:
                recheck = expected_deletion if recheck is None else min(recheck, expected_deletion)
                result[p.name] = have[p.name]
        return result, recheck

    def _fail_safe(self, cached, now: float, message: str):
        """failSafe: nothing allowed, condition SyncFailed."""
        st = cached.status.model_copy(deep=True)
        st.disruptions_allowed = 0
        st.observed_generation = cached.metadata.generation
        set_status_condition(st, {"type": DISRUPTION_ALLOWED, "status": "False", "reason": SYNC_FAILED,
                           "message": message}, now)
        if st != cached.status:
            yield from self._write(cached, st)

    def _write(self, cached, status):
        new = cached.copy_deep()
        new.status = status
        try:
            yield self.client.update_status(new)
        except errors.StatusError as exc:
            if not errors.is_conflict(exc) and not errors.is_not_found(exc):
                raise
            if errors.is_conflict(exc):
                self.enqueue_after(cached.key(), 1.0)


def _selector_str(sel) -> str:
    """The selector as Go's %v prints a *metav1.LabelSelector."""
    if sel is None:
        return "nil"
    ml = " ".join(f"{k}:{v}" for k, v in sorted((sel.match_labels or {}).items()))
    me = " ".join(f"{{{e.key} {e.operator} [{' '.join(e.values or ())}]}}" for e in sel.match_expressions or ())
    return f"&LabelSelector{{MatchLabels:map[string]string{{{ml}}},MatchExpressions:[]LabelSelectorRequirement{{{me}}},}}"

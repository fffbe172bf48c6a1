"""ReplicaSet controller (pkg/controller/replicaset/replica_set.go).

Keeps ``spec.replicas`` active pods for every ReplicaSet: adopts orphans that match its
selector and releases pods that stop matching (ClaimPods, controller_ref_manager.go),
creates in slow-start batches of 1, 2, 4, ... (slowStartBatch), deletes the pods that
rank first by ActivePodsWithRanks (controller_utils.go), waits on expectations so it
never acts on a stale cache, and writes status (replicas, fullyLabeledReplicas,
readyReplicas, availableReplicas with minReadySeconds).
"""

from __future__ import annotations

import math
import os
from bisect import bisect_left, insort
from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.apps import ReplicaSet, ReplicaSetCondition
from kubelab.api.base import parse_time, rfc3339
from kubelab.api.core import Pod
from kubelab.api.labels import Selector
from kubelab.api.podutil import get_pod_ready_condition, is_pod_ready, pod_ready_since

from .base import (Controller, ControllerContext, ControllerExpectations, is_pod_active, owner_ref,
                   pod_from_template, slow_start_batch, settle)

BURST_REPLICAS = 500  # replica_set.go BurstReplicas
SLOW_START_INITIAL_BATCH_SIZE = 1  # controller_utils.go SlowStartInitialBatchSize
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


def orphan_index_key(namespace: Optional[str]) -> str:
    """controller_utils.go OrphanPodIndexKeyForNamespace."""
    return f"_ORPHAN_POD/{namespace or ''}"


def controller_uid_index(obj) -> list[str]:
    """controller_utils.go AddPodControllerUIDIndexer: an object under its controller's uid, an
    orphan under its namespace's orphan key (what a controller may adopt)."""
    ref = obj.metadata.controller_ref()
    return [ref.uid] if ref is not None else [orphan_index_key(obj.metadata.namespace)]


def filter_by_owner(informer, owner, include_orphans: bool = True) -> list:
    """controller_utils.go FilterPodsByOwner: what the owner controls, and the orphans of its
    namespace it could adopt, from the index rather than every pod of the namespace."""
    out = list(informer.by_index("controller-uid", owner.uid))
    if include_orphans:
        out += informer.by_index("controller-uid", orphan_index_key(owner.metadata.namespace))
    return out


def ensure_index(informer, name: str, fn) -> None:
    if name not in informer._indexers:
        informer.add_indexer(name, fn)


# ----------------------------------------------------------------------------- ranking
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _log2_bucket(seconds: float) -> int:
    ns = max(seconds, 0) * 1e9
    return int(math.log2(ns)) if ns >= 1 else 0


def _deletion_cost(pod: Pod) -> int:
    try:
        return int((pod.metadata.annotations or {}).get(POD_DELETION_COST, "0"))
    except ValueError:
        return 0


def pod_deletion_rank_key(pod: Pod, rank: int, now: float) -> tuple:
    """ActivePodsWithRanks.Less as a sort key (smaller sorts first, is deleted first):
    1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
    4. lower pod-deletion-cost first; 5. more pods of the same owner on its node first;
    6. ready for less time first (log2 buckets, LogarithmicScaleDown); 7. more container
    restarts first; 8. newer first (log2 buckets)."""
    since = pod_ready_since(pod)
    ready = since is not None
    ready_bucket = _log2_bucket(now - since) if ready else 0
    restarts = max((c.restart_count for c in pod.status.container_statuses or ()), default=0)
    created = parse_time(pod.metadata.creation_timestamp) if pod.metadata.creation_timestamp else None
    created_bucket = -1 if created is None else _log2_bucket(now - created)
    return (
        1 if pod.spec.node_name else 0,
        _PHASE_ORDINAL.get(pod.status.phase or "", 0),
        1 if ready else 0,
        _deletion_cost(pod),
        -rank,
        ready_bucket,
        -restarts,
        created_bucket,
    )


def pods_to_delete(filtered: list[Pod], related: list[Pod], diff: int, now: float) -> list[Pod]:
    """replica_set.go getPodsToDelete + getPodsRankedByRelatedPodsOnSameNode."""
    if diff >= len(filtered):
        return list(filtered)
    on_node: dict[str, int] = {}
    for p in related:
        if is_pod_active(p):
            on_node[p.spec.node_name or ""] = on_node.get(p.spec.node_name or "", 0) + 1
    ranked = sorted(filtered, key=lambda p: pod_deletion_rank_key(p, on_node.get(p.spec.node_name or "", 0), now))
    return ranked[:diff]


def _first(t: tuple):
    return t[0]


def _name(pod) -> str:
    return pod.metadata.name


# ----------------------------------------------------------------------------- claiming
def claim_objects(ctrl: Controller, owner, selector: Selector, candidates: list, kind_update):
    """controller_ref_manager.go ClaimObject, for pods or replica sets: returns what the
    owner owns after adopting matching orphans and releasing owned ones that no longer
    match. Generator (adoption and release are API writes)."""
    claimed = []
    fresh_checked = [None]

    def can_adopt():
        # RecheckDeletionTimestamp: read the owner live before adopting
        if fresh_checked[0] is None:
            try:
                fresh = yield ctrl.client.get(type(owner), owner.name, owner.namespace)
                fresh_checked[0] = fresh.uid == owner.uid and fresh.metadata.deletion_timestamp is None
            except errors.StatusError:
                fresh_checked[0] = False
        return fresh_checked[0]

    for obj in candidates:
        ref = obj.metadata.controller_ref()
        match = selector.matches(obj.metadata.labels)
        if ref is not None:
            if ref.uid != owner.uid:
                continue
            if match:
                claimed.append(obj)
                continue
            if owner.metadata.deletion_timestamp is not None:
                continue
            # release (ReleasePod): a strategic merge patch deleting our ownerReference, with
            # the object's uid as a precondition (GenerateDeleteOwnerRefStrategicMergeBytes)
            patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": owner.uid}], "uid": obj.uid}}
            try:
                yield ctrl.client.patch(type(obj), obj.name, obj.metadata.namespace, patch, "strategic")
            except errors.StatusError as exc:
                # gone, or recreated under another uid (the uid change is Invalid): nothing to release
                if not (errors.is_not_found(exc) or errors.is_invalid(exc)):
                    raise
            continue
        if owner.metadata.deletion_timestamp is not None or not match:
            continue
        if obj.metadata.deletion_timestamp is not None:
            continue
        ok = yield from can_adopt()
        if not ok:
            continue
        # adopt (AdoptPod / AdoptReplicaSet / AdoptControllerRevision): a strategic merge
        # patch adding our controller reference, the uid as a precondition
        # (ownerRefControllerPatch); the controllers' roles grant patch, not update
        patch = {"metadata": {"ownerReferences": [owner_ref(owner).model_dump(by_alias=True, exclude_none=True)],
                              "uid": obj.uid}}
        try:
            yield ctrl.client.patch(type(obj), obj.name, obj.metadata.namespace, patch, "strategic")
        except errors.StatusError as exc:
            if errors.is_not_found(exc):
                continue
            raise
        claimed.append(obj)  # ClaimPods appends the object as listed
    return claimed


def update_status_with_retry(client, obj, status, retries: int = 1):
    """updateReplicaSetStatus: write status; on a conflict read the object fresh and try
    again (statusUpdateRetries = 1)."""
    new = obj.copy_deep()
    new.status = status
    for attempt in range(retries + 1):
        try:
            return (yield client.update_status(new))
        except errors.StatusError as exc:
            if not errors.is_conflict(exc) or attempt == retries:
                raise
            fresh = yield client.get(type(obj), obj.name, obj.namespace)
            if fresh.uid != obj.uid:
                raise
            new = fresh.copy_deep()
            new.status = status
    return new


# ----------------------------------------------------------------------------- controller
class ReplicaSetController(Controller):
    name = "replicaset-controller"
    workers = 5  # --concurrent-replicaset-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.rs_informer = ctx.informers.informer(ReplicaSet)
        self.pod_informer = ctx.informers.informer(Pod)
        ensure_index(self.pod_informer, "controller-uid", controller_uid_index)
        ensure_index(self.rs_informer, "controller-uid", controller_uid_index)
        self.expectations = ControllerExpectations(ctx.sim)
        self.recorder = ctx.recorder(self.name)
        # id(pod) -> what a sync asks of that pod object (see _pod_facts)
        self._facts: dict[int, tuple] = {}
        # the active pods of the cache, counted per owner (see _account and _counts)
        self._pod_classes: dict[str, dict[frozenset, list]] = {}
        self._pod_class_of: dict[str, tuple] = {}
        # debug: compare the counts with the walk over the pods on every sync (_check_counts)
        self.self_check = bool(os.environ.get("KUBELAB_RS_SELF_CHECK"))
        self.self_check_failures: list[str] = []
        self.rs_informer.add_event_handler(self.enqueue, self._update_rs, self._delete_rs)
        self.pod_informer.add_event_handler(self._add_pod, self._update_pod, self._delete_pod)

    # -- handlers ------------------------------------------------------------------------
    def _update_rs(self, old, new) -> None:
        self.enqueue(new)

    def _delete_rs(self, obj) -> None:
        obj = tombstone_object(obj)
        self.expectations.delete(obj.key())
        self.enqueue(obj)

    def _resolve(self, namespace, ref) -> Optional[ReplicaSet]:
        if ref is None or ref.kind != "ReplicaSet":
            return None
        rs = self.rs_informer.get(f"{namespace}/{ref.name}")
        if rs is None or rs.uid != ref.uid:
            return None
        return rs

    def _matching_rs(self, pod: Pod) -> list[ReplicaSet]:
        """getPodReplicaSets: the ReplicaSets whose selector matches an orphan."""
        out = []
        for rs in self.rs_informer.list(pod.metadata.namespace):
            sel = Selector.from_label_selector(rs.spec.selector)
            if not sel.empty() and sel.matches(pod.metadata.labels):
                out.append(rs)
        return out

    def _add_pod(self, pod: Pod) -> None:
        self._account(pod.key())
        if pod.metadata.deletion_timestamp is not None:
            self._pod_deleted(pod)
            return
        ref = pod.metadata.controller_ref()
        if ref is not None:
            rs = self._resolve(pod.metadata.namespace, ref)
            if rs is not None:
                self.expectations.creation_observed(rs.key())
                self.enqueue(rs)
            return
        for rs in self._matching_rs(pod):
            self.enqueue(rs)

    def _update_pod(self, old: Pod, new: Pod) -> None:
        if old is not new:  # a resync hands the same object twice
            self._facts.pop(id(old), None)
            self._account(new.key())
        if old.metadata.resource_version == new.metadata.resource_version:
            return
        labels_changed = old.metadata.labels != new.metadata.labels
        if new.metadata.deletion_timestamp is not None and old.metadata.deletion_timestamp is None:
            self._pod_deleted(new)
            if labels_changed:
                self._pod_deleted(old)
            return
        cur, prev = new.metadata.controller_ref(), old.metadata.controller_ref()
        if prev is not None and (cur is None or cur.uid != prev.uid):
            rs = self._resolve(old.metadata.namespace, prev)
            if rs is not None:
                self.enqueue(rs)
        if cur is not None:
            rs = self._resolve(new.metadata.namespace, cur)
            if rs is not None:
                self.enqueue(rs)
                # a pod that just turned ready becomes available after minReadySeconds
                mrs = rs.spec.min_ready_seconds or 0
                if mrs > 0 and not is_pod_ready(old) and is_pod_ready(new):
                    self.enqueue_after(rs, mrs + 1)
            return
        if labels_changed or (prev is not None and cur is None):
            for rs in self._matching_rs(new):
                self.enqueue(rs)

    def _delete_pod(self, pod) -> None:
        pod = tombstone_object(pod)
        self._facts.pop(id(pod), None)
        self._account(pod.key())
        self._pod_deleted(pod)

    def _pod_deleted(self, pod: Pod) -> None:
        ref = pod.metadata.controller_ref()
        rs = self._resolve(pod.metadata.namespace, ref)
        if rs is not None:
            self.expectations.deletion_observed(rs.key())
            self.enqueue(rs)

    # -- the counts a sync reads ------------------------------------------------------------
    def _account(self, key: str) -> None:
        """Count the pod at ``key`` as the cache now holds it, in place of how it was counted.

        Every sync of a ReplicaSet asks the same of its pods (getRSPods, ClaimPods,
        calculateStatus); a ReplicaSet of thousands is synced on nearly every pod event, and a
        walk over all its pods each time is quadratic in its size. The pod handlers call this
        for every change of the pod cache (a relist's too: adds, updates and tombstones), so the
        counts always describe the cache. Active pods only (FilterActivePods), grouped by the
        index's bucket (controller uid, or the namespace's orphans) and then by label set:
        ``[count, ready count, labels, sorted ready-since times]``."""
        prev = self._pod_class_of.pop(key, None)
        if prev is not None:
            bucket, fs, ready, since = prev
            classes = self._pod_classes[bucket]
            cls = classes[fs]
            cls[0] -= 1
            if ready:
                cls[1] -= 1
                if since is not None:
                    sinces = cls[3]
                    del sinces[bisect_left(sinces, since)]
            if not cls[0]:
                del classes[fs]
                if not classes:
                    del self._pod_classes[bucket]
        pod = self.pod_informer.store.get(key)
        if pod is None:
            return
        f = self._pod_facts(pod)
        if not f[2]:
            return
        bucket = f[3] if f[3] is not None else orphan_index_key(pod.metadata.namespace)
        fs, ready, since = f[5], f[6], f[7]
        cls = self._pod_classes.setdefault(bucket, {}).get(fs)
        if cls is None:
            cls = self._pod_classes[bucket][fs] = [0, 0, f[4], []]
        cls[0] += 1
        if ready:
            cls[1] += 1
            if since is not None:
                insort(cls[3], since)
        self._pod_class_of[key] = (bucket, fs, ready, since)

    @staticmethod
    def _selects(selector: Selector, fs: frozenset, labels) -> bool:
        eq = selector.equality_pairs
        return eq <= fs if eq is not None else selector.matches(labels)

    def _counts(self, rs: ReplicaSet, selector: Selector) -> Optional[tuple]:
        """(replicas, fullyLabeledReplicas, readyReplicas, the sorted lists of ready-since
        times for :meth:`_available`) of the pods a sync would keep, from :meth:`_account`, when ClaimPods would change
        nothing: every active pod this ReplicaSet controls matches its selector (none to
        release) and no active orphan of its namespace matches it (none to adopt). Else None:
        the sync walks the pods and claims (controller_ref_manager.go ClaimPods)."""
        owned = self._pod_classes.get(rs.uid, {})
        for fs, cls in owned.items():
            if not self._selects(selector, fs, cls[2]):
                return None
        for fs, cls in self._pod_classes.get(orphan_index_key(rs.metadata.namespace), {}).items():
            if self._selects(selector, fs, cls[2]):
                return None
        # replica_set_utils.go calculateStatus
        template_eq = Selector.from_set(rs.spec.template.metadata.labels or {}).equality_pairs
        replicas = fully = ready = 0
        sinces = []
        for fs, (count, n_ready, _, times) in owned.items():
            replicas += count
            if template_eq <= fs:
                fully += count
            ready += n_ready
            sinces.append(times)
        return replicas, fully, ready, sinces

    def _walk_counts(self, rs: ReplicaSet, facts: list) -> tuple:
        """What :meth:`_counts` gives, from the kept pods' facts (_facts_of) one by one."""
        template_eq = Selector.from_set(rs.spec.template.metadata.labels or {}).equality_pairs  # key=value pairs only
        return (len(facts), sum(1 for f in facts if template_eq <= f[5]), sum(1 for f in facts if f[6]),
                [sorted(f[7] for f in facts if f[6] and f[7] is not None)])

    @staticmethod
    def _available(counts: tuple, mrs, now: float) -> int:
        """IsPodAvailable: ready, and for longer than minReadySeconds (a ready pod without a
        lastTransitionTime is available only when minReadySeconds is 0). ``since + mrs < now``
        holds for a prefix of each sorted list of ready-since times."""
        if not mrs:
            return counts[2]
        return sum(bisect_left(times, now, key=lambda t: t + mrs) for times in counts[3])

    def _check_counts(self, rs: ReplicaSet, selector: Selector, counts: Optional[tuple]) -> None:
        """Debug (``self_check``, env KUBELAB_RS_SELF_CHECK=1): the walk :meth:`_counts` saves, done
        anyway and compared. A mismatch is kept in ``self_check_failures`` and fails the sync."""
        active = [f for f in self._facts_of(filter_by_owner(self.pod_informer, rs)) if f[2]]
        # an owned pod that does not match is released, an orphan that matches adopted
        claims = any((f[3] == rs.uid) != selector.matches(f[4]) for f in active)
        want = None if claims else self._walk_counts(rs, [f for f in active if f[3] == rs.uid])
        mrs, now = rs.spec.min_ready_seconds or 0, self.sim.now
        if counts is not None:
            counts = counts[:3] + (self._available(counts, mrs, now),)
        if want is not None:
            want = want[:3] + (self._available(want, mrs, now),)
        if counts != want:
            msg = f"{rs.key()}: counted {counts}, the walk over the pods gives {want}"
            self.self_check_failures.append(msg)
            raise AssertionError(f"replicaset self-check: {msg}")

    def _owned_active(self, rs: ReplicaSet) -> list[Pod]:
        """The kept pods when no claim was needed: every active pod this ReplicaSet controls."""
        return [f[1] for f in self._facts_of(self.pod_informer.by_index("controller-uid", rs.uid)) if f[2]]

    # -- sync ----------------------------------------------------------------------------
    def sync(self, key: str):
        """replica_set.go syncReplicaSet."""
        rs = self.rs_informer.get(key)
        if rs is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        selector = Selector.from_label_selector(rs.spec.selector)
        # getRSPods + FilterActivePods + ClaimPods, counted (_counts) when no claim is needed
        counts = self._counts(rs, selector)
        if self.self_check:
            self._check_counts(rs, selector, counts)
        filtered = None  # the kept pods, listed only when a claim or a scale-down needs them
        if counts is None:
            # the pods this ReplicaSet controls and the namespace's orphans (the index)
            active = [f for f in self._facts_of(filter_by_owner(self.pod_informer, rs)) if f[2]]
            active.sort(key=_first)
            claimed = self._facts_of((yield from claim_objects(self, rs, selector, [f[1] for f in active], None)))
            counts = self._walk_counts(rs, claimed)
            filtered = [f[1] for f in claimed]
        err = None
        if needs_sync and rs.metadata.deletion_timestamp is None:
            if filtered is None and rs.spec.min_ready_seconds and counts[0] != (
                    rs.spec.replicas if rs.spec.replicas is not None else 1):
                # the status counts the pods as they were before creating or deleting, when
                # manageReplicas waits on the API: keep the ready-since times of now
                counts = counts[:3] + ([list(t) for t in counts[3]],)
            err = yield from self.manage_replicas(filtered, rs, counts[0])
        status = self.calculate_status(rs, counts, err)
        updated = yield from self.update_status(rs, status)
        mrs = rs.spec.min_ready_seconds or 0
        if err is None and mrs > 0 and updated.status.ready_replicas == rs.spec.replicas and \
                updated.status.available_replicas != rs.spec.replicas:
            self.enqueue_after(key, mrs)
        if err is not None:
            raise err

    def _pod_facts(self, pod: Pod) -> tuple:
        """(name, pod, active, controller uid, labels, label pairs, ready, ready since) of one pod object.

        A sync walks every pod of its ReplicaSet, and a ReplicaSet of thousands is synced on
        nearly every pod update: the answers are kept per object, as informer objects never
        change (client-go's rule) and a newer version is a new object."""
        f = self._facts.get(id(pod))
        if f is not None and f[1] is pod:
            return f
        if len(self._facts) > 2 * len(self.pod_informer.store) + 1000:
            self._facts.clear()  # objects a relist replaced without an update
        md = pod.metadata
        ref = md.controller_ref()
        c = get_pod_ready_condition(pod.status)
        ready = c is not None and c.status == "True"
        since = (parse_time(c.last_transition_time) if c.last_transition_time else None) if ready else None
        labels = md.labels or {}
        f = (md.name, pod, is_pod_active(pod), ref.uid if ref is not None else None, labels,
             frozenset(labels.items()), ready, since)
        self._facts[id(pod)] = f
        return f

    def _facts_of(self, pods) -> list[tuple]:
        memo, out = self._facts, []
        for p in pods:
            f = memo.get(id(p))
            out.append(f if f is not None and f[1] is p else self._pod_facts(p))
        return out

    def _related_pods(self, rs: ReplicaSet, filtered: list[Pod]) -> list[Pod]:
        """getIndirectlyRelatedPods: pods of every ReplicaSet with the same controller."""
        ref = rs.metadata.controller_ref()
        if ref is None:
            return filtered
        out = {p.key(): p for p in filtered}
        for sib in self.rs_informer.by_index("controller-uid", ref.uid):
            for p in self.pod_informer.by_index("controller-uid", sib.uid):
                out[p.key()] = p
        return list(out.values())

    def manage_replicas(self, filtered: Optional[list[Pod]], rs: ReplicaSet, count: Optional[int] = None):
        """replica_set.go manageReplicas. ``filtered`` None: the pods are the active pods the
        ReplicaSet controls (no claim was needed), ``count`` of them, listed if some must go."""
        key = rs.key()
        want = rs.spec.replicas if rs.spec.replicas is not None else 1
        diff = (len(filtered) if count is None else count) - want
        if diff < 0:
            diff = min(-diff, BURST_REPLICAS)
            self.expectations.expect_creations(key, diff)

            def create_one():
                return self.create_pod(rs, pod_from_template(rs.spec.template, rs))

            successes, err = yield from slow_start_batch(self.sim, diff, SLOW_START_INITIAL_BATCH_SIZE, create_one)
            for _ in range(diff - successes):
                self.expectations.creation_observed(key)
            return err
        if diff > 0:
            diff = min(diff, BURST_REPLICAS)
            if filtered is None:
                filtered = self._owned_active(rs)
            # in name order, as the pods were listed: the ranking's sort is stable, ties keep it
            filtered = sorted(filtered, key=_name)
            victims = pods_to_delete(filtered, self._related_pods(rs, filtered), diff, self.sim.now)
            self.expectations.expect_deletions(key, len(victims))
            results = yield settle(self.sim, [self.client.delete(Pod, p.name, p.metadata.namespace) for p in victims])
            first_err = None
            for pod, (ok, val) in zip(victims, results):
                if ok:
                    self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod.name}")
                    continue
                self.expectations.deletion_observed(key)
                if isinstance(val, errors.StatusError) and errors.is_not_found(val):
                    continue
                self.recorder.event(rs, "Warning", "FailedDelete", f"Error deleting: {val}")
                first_err = first_err or val
            return first_err
        return None

    def calculate_status(self, rs: ReplicaSet, counts: tuple, err) -> "ReplicaSetStatus":
        """replica_set_utils.go calculateStatus, from the kept pods' counts (_counts or
        _walk_counts): replicas, fullyLabeledReplicas, readyReplicas, and availableReplicas
        at this moment."""
        st = rs.status.copy_deep()
        now = self.sim.now
        st.replicas, st.fully_labeled_replicas, st.ready_replicas = counts[:3]
        st.available_replicas = self._available(counts, rs.spec.min_ready_seconds or 0, now)
        st.observed_generation = rs.metadata.generation
        conds = [c for c in st.conditions or [] if c.type != "ReplicaFailure"]
        if err is not None:
            want = rs.spec.replicas or 0
            reason = "FailedCreate" if counts[0] < want else "FailedDelete"
            conds.append(ReplicaSetCondition(type="ReplicaFailure", status="True", reason=reason,
                                             message=str(err), last_transition_time=rfc3339(now)))
        elif st.conditions and any(c.type == "ReplicaFailure" for c in st.conditions):
            pass  # cleared: the failure is gone
        st.conditions = conds or None
        return st

    def update_status(self, rs: ReplicaSet, status):
        if rs.status == status:
            return rs
        return (yield from update_status_with_retry(self.client, rs, status))


from kubelab.api.apps import ReplicaSetStatus  # noqa: E402  (annotation only)

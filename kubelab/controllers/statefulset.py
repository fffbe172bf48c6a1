"""StatefulSet controller (pkg/controller/statefulset: stateful_set_control.go,
stateful_set_utils.go, stateful_pod_control.go).

Pods are named ``<set>-<ordinal>`` and keep that identity (hostname = pod name,
subdomain = spec.serviceName, labels ``statefulset.kubernetes.io/pod-name`` and
``apps.kubernetes.io/pod-index``). OrderedReady creates ordinals in order, each only
once every lower ordinal is Running and Ready, and removes them highest first, one at
a time; Parallel creates and deletes them all at once. A failed pod is deleted and
recreated with the same name. RollingUpdate replaces pods from the highest ordinal down
to ``partition``, one at a time, each once the others are ready.

Revisions (stateful_set_control.go getStatefulSetRevisions, truncateHistory): each template
is a ControllerRevision ``<set>-<HashControllerRevision>``; pods carry the revision's name in
``controller-revision-hash``; status.currentRevision / updateRevision name the revisions the
set rolls from and to, and a pod below the partition is (re)made at the current revision.

Storage (stateful_set_utils.go getPersistentVolumeClaims / updateStorage,
stateful_pod_control.go createPersistentVolumeClaims): each ``volumeClaimTemplates`` entry
gives every pod a claim named ``<template>-<set>-<ordinal>``, created before the pod and
kept across its restarts; the pod's volume of the template's name points at it.
``persistentVolumeClaimRetentionPolicy`` (updateClaimOwnerRefForSetAndPod): whenDeleted
Delete makes the set the claims' owner (the garbage collector deletes them with the set),
whenScaled Delete makes a condemned pod its claims' owner (they go with the pod).
"""

from __future__ import annotations

import re
from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.apps import ControllerRevision, StatefulSet
from kubelab.api.core import PersistentVolumeClaim, Pod
from kubelab.api.meta import OwnerReference
from kubelab.api.labels import Selector
from kubelab.api.podutil import is_pod_available, is_pod_ready

from . import history
from .base import Controller, ControllerContext, pod_from_template
from .replicaset import claim_objects, controller_uid_index, ensure_index, update_status_with_retry

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"  # apps.StatefulSetRevisionLabel: the revision's name


def new_revision(s: StatefulSet, revision: int, collision_count: Optional[int]) -> ControllerRevision:
    """stateful_set_utils.go newRevision: the template as a patch (getPatch), named
    ``<set>-<HashControllerRevision>``, with the template's labels and the set's annotations."""
    cr = history.new_controller_revision(s, s.spec.template.metadata.labels, history.get_patch(s), revision,
                                         collision_count)
    if s.metadata.annotations:
        cr.metadata.annotations = dict(s.metadata.annotations)
    return cr


def apply_revision(s: StatefulSet, revision: ControllerRevision) -> StatefulSet:
    """ApplyRevision: the set with the revision's template restored."""
    out = s.copy_deep()
    out.spec.template = history.template_of(revision)
    return out


def ordinal_of(set_name: str, pod_name: str) -> int:
    """stateful_set_utils.go getParentNameAndOrdinal."""
    m = re.fullmatch(re.escape(set_name) + r"-(\d+)", pod_name)
    return int(m.group(1)) if m else -1


def _claim_from_template(s: StatefulSet, template: dict, pod_name: str) -> PersistentVolumeClaim:
    """getPersistentVolumeClaims: the template's claim for one pod, named
    ``<template>-<pod>``, labelled with the set's selector labels."""
    t = {k: v for k, v in template.items() if k != "status"}
    meta = dict(t.get("metadata") or {})
    name = f"{meta.get('name', '')}-{pod_name}"
    labels = dict(meta.get("labels") or {})
    labels.update((s.spec.selector.match_labels or {}) if s.spec.selector else {})
    meta.update(name=name, namespace=s.metadata.namespace, labels=labels or None)
    t.update(apiVersion="v1", kind="PersistentVolumeClaim", metadata={k: v for k, v in meta.items() if v is not None})
    return PersistentVolumeClaim.model_validate(t)


def _update_storage(s: StatefulSet, pod: Pod) -> None:
    """updateStorage: the pod's volume of each template's name points at its claim."""
    from kubelab.api.core import Volume

    templates = s.spec.volume_claim_templates or ()
    if not templates:
        return
    names = {(t.get("metadata") or {}).get("name", "") for t in templates}
    vols = []
    for t in templates:
        tname = (t.get("metadata") or {}).get("name", "")
        vols.append(Volume(name=tname, persistent_volume_claim={"claimName": f"{tname}-{pod.name}"}))
    pod.spec.volumes = vols + [v for v in pod.spec.volumes or () if v.name not in names]


def _running_ready(pod: Pod) -> bool:
    """stateful_set_utils.go isRunningAndReady: phase Running and podutil.IsPodReady."""
    return pod.status.phase == "Running" and is_pod_ready(pod)


class StatefulSetController(Controller):
    name = "statefulset-controller"
    workers = 2

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.set_informer = ctx.informers.informer(StatefulSet)
        self.pod_informer = ctx.informers.informer(Pod)
        self.claim_informer = ctx.informers.informer(PersistentVolumeClaim)
        ensure_index(self.pod_informer, "controller-uid", controller_uid_index)
        self.recorder = ctx.recorder("statefulset-controller")
        self.set_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.pod_informer.add_event_handler(self._pod, lambda o, n: self._pod(n), self._pod)
        # a lister only: upstream's StatefulSet controller has no revision event handlers
        self.history_informer = ctx.informers.informer(ControllerRevision)

    def _pod(self, pod) -> None:
        pod = tombstone_object(pod)
        ref = pod.metadata.controller_ref()
        if ref is not None and ref.kind == "StatefulSet":
            self.queue.add(f"{pod.metadata.namespace}/{ref.name}")

    def _new_versioned_pod(self, current_set: StatefulSet, update_set: StatefulSet, current: str, update: str,
                           ordinal: int) -> Pod:
        """newVersionedStatefulSetPod: below the partition a pod is made at the current
        revision, else at the update revision."""
        strat = current_set.spec.update_strategy
        start = int((current_set.spec.ordinals or {}).get("start", 0) or 0)
        if strat is not None and strat.type == "RollingUpdate" and (
                (strat.rolling_update is None and ordinal < start + (current_set.status.current_replicas or 0))
                or (strat.rolling_update is not None
                    and ordinal < start + (strat.rolling_update.partition or 0))):
            return self._new_pod(current_set, ordinal, current)
        return self._new_pod(update_set, ordinal, update)

    def _new_pod(self, s: StatefulSet, ordinal: int, revision: str) -> Pod:
        name = f"{s.name}-{ordinal}"
        pod = pod_from_template(s.spec.template, s, {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal),
                                                     REVISION_LABEL: revision}, name=name)
        pod.spec.hostname = name
        if s.spec.service_name:
            pod.spec.subdomain = s.spec.service_name
        _update_storage(s, pod)
        return pod

    def _claims_for(self, s: StatefulSet, pod_name: str) -> list[PersistentVolumeClaim]:
        return [_claim_from_template(s, t, pod_name) for t in s.spec.volume_claim_templates or ()]

    def _create_claims(self, s: StatefulSet, pod_name: str):
        """createPersistentVolumeClaims: the pod's claims that do not exist yet."""
        for claim in self._claims_for(s, pod_name):
            existing = self.claim_informer.get(claim.key())
            if existing is not None:
                if existing.metadata.deletion_timestamp is not None:
                    raise RuntimeError(f"pvc {claim.name} is being deleted")
                continue
            try:
                yield self.client.create(claim)
                self.recorder.event(s, "Normal", "SuccessfulCreate",
                                    f"create Claim {claim.name} Pod {pod_name} in StatefulSet {s.name} success")
            except errors.StatusError as exc:
                if not errors.is_already_exists(exc):
                    self.recorder.event(s, "Warning", "FailedCreate",
                                        f"create Claim {claim.name} for Pod {pod_name} in StatefulSet {s.name} "
                                        f"failed error: {exc}")
                    raise

    def _claim_owners(self, s: StatefulSet, pods: list, start: int, replicas: int):
        """updateClaimOwnerRefForSetAndPod, for every pod's claims."""
        policy = s.spec.persistent_volume_claim_retention_policy or {}
        when_deleted = policy.get("whenDeleted", "Retain")
        when_scaled = policy.get("whenScaled", "Retain")
        set_ref = OwnerReference(api_version="apps/v1", kind="StatefulSet", name=s.name, uid=s.uid,
                                 controller=True, block_owner_deletion=True)
        for pod in pods:
            o = ordinal_of(s.name, pod.name)
            condemned = not (start <= o < start + replicas)
            for want in self._claims_for(s, pod.name):
                claim = self.claim_informer.get(want.key())
                if claim is None:
                    continue
                refs = [r for r in claim.metadata.owner_references or ()
                        if not (r.uid == s.uid or (r.kind == "Pod" and r.name == pod.name))]
                if when_deleted == "Delete":
                    refs.append(set_ref)
                if when_scaled == "Delete" and condemned:
                    refs.append(OwnerReference(api_version="v1", kind="Pod", name=pod.name, uid=pod.uid,
                                               block_owner_deletion=True))
                old = claim.metadata.owner_references or []
                if [r.uid for r in refs] == [r.uid for r in old]:
                    continue
                new = claim.copy_deep()
                new.metadata.owner_references = refs or None
                try:
                    yield self.client.update(new)
                except errors.StatusError as exc:
                    if not (errors.is_conflict(exc) or errors.is_not_found(exc)):
                        raise

    def sync(self, key: str):
        s = self.set_informer.get(key)
        if s is None:
            return
        selector = Selector.from_label_selector(s.spec.selector)
        candidates = sorted(self.pod_informer.list(s.metadata.namespace), key=lambda p: p.name)
        pods = yield from claim_objects(self, s, selector, candidates, None)
        # adoptOrphanRevisions + ListRevisions, sorted (history.SortControllerRevisions)
        revs = sorted(self.history_informer.list(s.metadata.namespace), key=lambda r: r.name)
        revisions = history.sort_controller_revisions((yield from claim_objects(self, s, selector, revs, None)))
        current, update, collision_count = yield from self._revisions(s, revisions)
        current_set, update_set = apply_revision(s, current), apply_revision(s, update)
        replicas = s.spec.replicas if s.spec.replicas is not None else 1
        start = int((s.spec.ordinals or {}).get("start", 0) or 0)
        parallel = s.spec.pod_management_policy == "Parallel"
        by_ord = {}
        condemned = []
        for p in pods:
            o = ordinal_of(s.name, p.name)
            if start <= o < start + replicas:
                by_ord[o] = p
            elif o >= 0:
                condemned.append(p)
        condemned.sort(key=lambda p: -ordinal_of(s.name, p.name))
        if s.metadata.deletion_timestamp is None and s.spec.volume_claim_templates:
            yield from self._claim_owners(s, [p for p in pods if p.metadata.deletion_timestamp is None],
                                          start, replicas)

        def new_pod(o):
            return self._new_versioned_pod(current_set, update_set, current.name, update.name, o)

        if s.metadata.deletion_timestamp is None:
            yield from self._reconcile(s, by_ord, condemned, start, replicas, parallel, update.name, new_pod)
        yield from self._status(s, pods, current, update, collision_count)
        yield from self._truncate_history(s, pods, revisions, current, update)

    def _revisions(self, s: StatefulSet, revisions: list):
        """getStatefulSetRevisions: the update revision is the set's template (an equal older
        revision is reused and renumbered, as a rollback); the current one is the revision
        named by status.currentRevision, else the update revision."""
        collision_count = s.status.collision_count or 0
        update = new_revision(s, history.next_revision(revisions), collision_count)
        equal = history.find_equal_revisions(revisions, update)
        if equal and history.equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]  # the revision immediately prior: nothing changed
        elif equal:
            upd = equal[-1].copy_deep()  # UpdateControllerRevision: a rollback gets a new number
            upd.revision = update.revision
            update = yield self.client.update(upd)
        else:
            update, collision_count = yield from self._create_revision(s, update, collision_count)
        current = next((r for r in revisions if r.name == s.status.current_revision), None) or update
        return current, update, collision_count

    def _create_revision(self, s: StatefulSet, revision: ControllerRevision, collision_count: int):
        """realHistory.CreateControllerRevision: on a name taken by different data, bump the
        collision count and try the next name."""
        while True:
            clone = revision.copy_deep()
            clone.metadata.name = history.controller_revision_name(
                s.name, history.hash_controller_revision(revision, collision_count))
            try:
                return (yield self.client.create(clone)), collision_count
            except errors.StatusError as exc:
                if not errors.is_already_exists(exc):
                    raise
                exists = yield self.client.get(ControllerRevision, clone.name, s.metadata.namespace)
                if history.raw(exists) == history.raw(clone):
                    return exists, collision_count
                collision_count += 1

    def _truncate_history(self, s: StatefulSet, pods, revisions, current, update):
        """truncateHistory: beyond revisionHistoryLimit, delete the oldest revisions that are
        neither current, nor update, nor any pod's."""
        live = {current.name, update.name} | {(p.metadata.labels or {}).get(REVISION_LABEL) for p in pods}
        old = [r for r in revisions if r.name not in live]
        limit = s.spec.revision_history_limit if s.spec.revision_history_limit is not None else 10
        for r in old[:max(0, len(old) - limit)]:
            try:
                yield self.client.delete(ControllerRevision, r.name, r.metadata.namespace)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise

    def _reconcile(self, s, by_ord, condemned, start, replicas, parallel, revision, new_pod):
        for o in range(start, start + replicas):
            pod = by_ord.get(o)
            if pod is not None and pod.status.phase == "Failed" and pod.metadata.deletion_timestamp is None:
                yield from self._delete(s, pod)
                if not parallel:
                    return False
                continue
            if pod is None:
                yield from self._create_claims(s, f"{s.name}-{o}")
                try:
                    created = yield self.client.create(new_pod(o))
                    self.recorder.event(s, "Normal", "SuccessfulCreate",
                                        f"create Pod {created.name} in StatefulSet {s.name} successful")
                except errors.StatusError as exc:
                    if not errors.is_already_exists(exc):
                        self.recorder.event(s, "Warning", "FailedCreate",
                                            f"create Pod {s.name}-{o} in StatefulSet {s.name} failed error: {exc}")
                        raise
                if not parallel:
                    return False  # OrderedReady: one at a time, wait for it to be Running and Ready
                continue
            if not parallel and (pod.metadata.deletion_timestamp is not None or not _running_ready(pod)):
                return False
        # scale down: highest ordinal first
        for pod in condemned:
            if pod.metadata.deletion_timestamp is not None:
                if not parallel:
                    return False
                continue
            if not parallel and not all(_running_ready(p) for p in by_ord.values()):
                return False
            yield from self._delete(s, pod)
            if not parallel:
                return False
        # rolling update, from the highest ordinal down to the partition
        strat = s.spec.update_strategy
        if strat is None or strat.type != "RollingUpdate":
            return True
        partition = (strat.rolling_update.partition if strat.rolling_update else 0) or 0
        for o in range(start + replicas - 1, start + partition - 1, -1):
            pod = by_ord.get(o)
            if pod is None:
                continue
            if (pod.metadata.labels or {}).get(REVISION_LABEL) != revision and pod.metadata.deletion_timestamp is None:
                if not all(_running_ready(p) for p in by_ord.values()):
                    return False
                yield from self._delete(s, pod)
                return False
            if not _running_ready(pod):
                return False
        return True

    def _delete(self, s, pod):
        try:
            yield self.client.delete(Pod, pod.name, pod.metadata.namespace, preconditions={"uid": pod.uid})
            self.recorder.event(s, "Normal", "SuccessfulDelete", f"delete Pod {pod.name} in StatefulSet {s.name} successful")
        except errors.StatusError as exc:
            if not (errors.is_not_found(exc) or errors.is_conflict(exc)):
                raise

    def _status(self, s, pods, current, update, collision_count):
        """updateStatefulSet's status (computeReplicaStatus) and completeRollingUpdate: pods
        counted by phase, readiness and revision label; once every replica is updated and
        ready, the update revision becomes the current one."""
        mrs = s.spec.min_ready_seconds or 0
        st = s.status.copy_deep()
        st.observed_generation = s.metadata.generation
        st.current_revision, st.update_revision = current.name, update.name
        st.collision_count = collision_count
        st.replicas = st.ready_replicas = st.available_replicas = st.current_replicas = st.updated_replicas = 0
        for p in pods:
            created = bool(p.status.phase)
            if created:
                st.replicas += 1
            if _running_ready(p):
                st.ready_replicas += 1
                if is_pod_available(p, mrs, self.sim.now):
                    st.available_replicas += 1
            if created and p.metadata.deletion_timestamp is None:
                rev = (p.metadata.labels or {}).get(REVISION_LABEL)
                st.current_replicas += rev == current.name
                st.updated_replicas += rev == update.name
        want = s.spec.replicas if s.spec.replicas is not None else 1
        strat = s.spec.update_strategy
        if (strat is None or strat.type == "RollingUpdate") and \
                st.updated_replicas == want and st.ready_replicas == want and st.replicas == want:
            st.current_replicas = st.updated_replicas
            st.current_revision = st.update_revision
        if st != s.status:
            yield from update_status_with_retry(self.client, s, st)
        if mrs > 0 and st.ready_replicas != st.available_replicas:
            self.enqueue_after(s, mrs)

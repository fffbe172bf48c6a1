"""StatefulSet controller (pkg/controller/statefulset: stateful_set_control.go,
stateful_set_utils.go, stateful_pod_control.go).

Pods are named ``<set>-<ordinal>`` and keep that identity (hostname = pod name,
subdomain = spec.serviceName, labels ``statefulset.kubernetes.io/pod-name`` and
``apps.kubernetes.io/pod-index``). OrderedReady creates ordinals in order, each only
once every lower ordinal is Running and Ready, and removes them highest first, one at
a time; Parallel creates and deletes them all at once. A failed pod is deleted and
recreated with the same name. RollingUpdate replaces pods from the highest ordinal down
to ``partition``, one at a time, each once the others are ready.
"""

from __future__ import annotations

import re

from kubelab.api import errors
from kubelab.api.apps import StatefulSet
from kubelab.api.core import Pod
from kubelab.api.labels import Selector
from kubelab.api.podutil import is_pod_available, is_pod_ready

from .base import Controller, ControllerContext, pod_from_template
from .deployment import compute_hash
from .replicaset import claim_objects, controller_uid_index, ensure_index, update_status_with_retry

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"


def ordinal_of(set_name: str, pod_name: str) -> int:
    """stateful_set_utils.go getParentNameAndOrdinal."""
    m = re.fullmatch(re.escape(set_name) + r"-(\d+)", pod_name)
    return int(m.group(1)) if m else -1


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
        ensure_index(self.pod_informer, "controller-uid", controller_uid_index)
        self.recorder = ctx.recorder("statefulset-controller")
        self.set_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.pod_informer.add_event_handler(self._pod, lambda o, n: self._pod(n), self._pod)

    def _pod(self, pod) -> None:
        pod = getattr(pod, "obj", pod)
        ref = pod.metadata.controller_ref()
        if ref is not None and ref.kind == "StatefulSet":
            self.queue.add(f"{pod.metadata.namespace}/{ref.name}")

    def _new_pod(self, s: StatefulSet, ordinal: int, revision: str) -> Pod:
        name = f"{s.name}-{ordinal}"
        pod = pod_from_template(s.spec.template, s, {POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal),
                                                     REVISION_LABEL: revision}, name=name)
        pod.spec.hostname = name
        if s.spec.service_name:
            pod.spec.subdomain = s.spec.service_name
        return pod

    def sync(self, key: str):
        s = self.set_informer.get(key)
        if s is None:
            return
        selector = Selector.from_label_selector(s.spec.selector)
        candidates = sorted(self.pod_informer.list(s.metadata.namespace), key=lambda p: p.name)
        pods = yield from claim_objects(self, s, selector, candidates, None)
        revision = f"{s.name}-{compute_hash(s.spec.template, s.status.collision_count)}"
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
        if s.metadata.deletion_timestamp is None:
            yield from self._reconcile(s, by_ord, condemned, start, replicas, parallel, revision)
        status_pods = [p for p in pods if p.metadata.deletion_timestamp is None]
        yield from self._status(s, status_pods, revision)

    def _reconcile(self, s, by_ord, condemned, start, replicas, parallel, revision):
        for o in range(start, start + replicas):
            pod = by_ord.get(o)
            if pod is not None and pod.status.phase == "Failed" and pod.metadata.deletion_timestamp is None:
                yield from self._delete(s, pod)
                if not parallel:
                    return False
                continue
            if pod is None:
                try:
                    created = yield self.client.create(self._new_pod(s, o, revision))
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

    def _status(self, s, pods, revision):
        st = s.status.copy_deep()
        mrs = s.spec.min_ready_seconds or 0
        st.replicas = len(pods)
        st.ready_replicas = sum(1 for p in pods if is_pod_ready(p))
        st.available_replicas = sum(1 for p in pods if is_pod_available(p, mrs, self.sim.now))
        st.updated_replicas = sum(1 for p in pods if (p.metadata.labels or {}).get(REVISION_LABEL) == revision)
        st.update_revision = revision
        if st.updated_replicas == st.replicas and st.replicas == (s.spec.replicas or 0):
            st.current_revision = revision
        st.current_revision = st.current_revision or revision
        st.current_replicas = sum(1 for p in pods if (p.metadata.labels or {}).get(REVISION_LABEL) == st.current_revision)
        st.observed_generation = s.metadata.generation
        if st != s.status:
            yield from update_status_with_retry(self.client, s, st)

"""Resource quota controller (pkg/controller/resourcequota/resource_quota_controller.go).

Keeps each ResourceQuota's ``status``: ``hard`` is the spec's, ``used`` the namespace's real
usage of every limited resource, counted from the informers with the same evaluators the
ResourceQuota admission plugin charges with (:mod:`kubelab.api.quota`). A quota is
recalculated when it is created or its spec changes, when something it counts goes away
(replenishment: an object deleted, a pod finished), and every ``--resource-quota-sync-period``
(5m). Admission adds to ``used`` as it admits; this controller is what gives it back.
"""

from __future__ import annotations

from kubelab.api import quota
from kubelab.client.informer import tombstone_object
from kubelab.api.apps import DaemonSet, Deployment, ReplicaSet, StatefulSet
from kubelab.api.batch import CronJob, Job
from kubelab.api.core import ConfigMap, PersistentVolumeClaim, Pod, ResourceQuota, Secret, Service, ServiceAccount
from kubelab.api.meta import KubeObject

from .base import Controller, ControllerContext

SYNC_PERIOD = 300.0  # --resource-quota-sync-period=5m0s
# the kinds whose usage is counted (the quota monitor watches every resource but events)
COUNTED = (Pod, Service, PersistentVolumeClaim, ConfigMap, Secret, ServiceAccount, ResourceQuota,
           Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob)


class ResourceQuotaController(Controller):
    name = "resourcequota-controller"
    workers = 5  # --concurrent-resource-quota-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.quota_informer = ctx.informers.informer(ResourceQuota)
        self.quota_informer.add_event_handler(self.enqueue, self._quota_updated, None)
        self.informers = {k: ctx.informers.informer(k) for k in COUNTED}
        for kind, inf in self.informers.items():
            inf.add_event_handler(None, self._updated if kind is Pod else None, self._deleted)
        self._resync = None

    def on_start(self) -> None:
        self._resync = self.sim.every(SYNC_PERIOD, self._enqueue_all)

    def on_stop(self) -> None:
        if self._resync is not None:
            self._resync.cancel()
            self._resync = None

    def _enqueue_all(self) -> None:
        for rq in self.quota_informer.list():
            self.enqueue(rq)

    def _quota_updated(self, old: ResourceQuota, new: ResourceQuota) -> None:
        # updateQuota: a changed spec (or a status that lost its usage) is recalculated
        if old.spec.hard != new.spec.hard or new.status.hard != new.spec.hard or new.status.used is None:
            self.enqueue(new)

    def _replenish(self, kind: type, namespace: str) -> None:
        """replenishQuota: every quota of the namespace that limits something of this kind."""
        if not self.quota_informer.store:
            return
        for rq in self.quota_informer.list(namespace):
            if quota.matching_resources(kind, (rq.status.hard or {})):
                self.enqueue(rq)

    def _deleted(self, obj) -> None:
        obj = tombstone_object(obj)
        self._replenish(type(obj), obj.metadata.namespace)

    def _updated(self, old: KubeObject, new: KubeObject) -> None:
        # pods: a pod that stops being charged (finished, or past its grace period) frees quota
        if self.quota_informer.store and quota.is_pod_charged(old, self.sim.now) and \
                not quota.is_pod_charged(new, self.sim.now):
            self._replenish(Pod, new.metadata.namespace)

    def sync(self, key: str):
        rq = self.quota_informer.get(key)
        if rq is None:
            return
        hard = dict(rq.spec.hard or {})
        ns = rq.metadata.namespace
        objects = {kind: [o for o in inf.list(ns)] for kind, inf in self.informers.items()}
        used = quota.calculate_usage(hard, objects, self.sim.now, rq)
        new_used = quota.to_raw(quota.mask(used, hard))
        if rq.status.hard == hard and rq.status.used == new_used:
            return
        rq = rq.copy_deep()
        rq.status.hard = hard
        rq.status.used = new_used
        yield self.client.update_status(rq)

"""TTL-after-finished controller (pkg/controller/ttlafterfinished/ttlafterfinished_controller.go).

A Job with ``spec.ttlSecondsAfterFinished`` that has finished (condition Complete or Failed
True) is deleted ``ttlSecondsAfterFinished`` seconds after that condition's
lastTransitionTime, with foreground propagation (its pods go first) and a UID
precondition. Before deleting, the controller reads the Job again from the API server:
a TTL changed in the meantime is honoured. A Job whose TTL has not yet run out is
requeued for the moment it will.
"""

from __future__ import annotations

from typing import Optional

from kubelab.api import errors
from kubelab.api.base import parse_time
from kubelab.api.batch import Job

from .base import Controller, ControllerContext


def needs_cleanup(job: Job) -> bool:
    """needsCleanup: a TTL is set and the Job has finished."""
    return job.spec.ttl_seconds_after_finished is not None and finish_time(job) is not None


def finish_time(job: Job) -> Optional[float]:
    """jobFinishTime: the lastTransitionTime of the Complete or Failed condition."""
    for c in job.status.conditions or ():
        if c.type in ("Complete", "Failed") and c.status == "True":
            return parse_time(c.last_transition_time)
    return None


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished-controller"
    workers = 5  # --concurrent-ttl-after-finished-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.job_informer = ctx.informers.informer(Job)
        self.job_informer.add_event_handler(self._job, lambda o, n: self._job(n), None)

    def _job(self, job: Job) -> None:
        if job.metadata.deletion_timestamp is None and needs_cleanup(job):
            self.enqueue(job)

    def _time_left(self, job: Job) -> Optional[float]:
        """processTTL: None when there is nothing to do, else the seconds until expiry
        (<= 0: expired); a Job not yet expired is requeued for then."""
        if job.metadata.deletion_timestamp is not None or not needs_cleanup(job):
            return None
        left = finish_time(job) + job.spec.ttl_seconds_after_finished - self.sim.now
        if left > 0:
            self.enqueue_after(job, left)
        return left

    def sync(self, key: str):
        cached = self.job_informer.get(key)
        if cached is None:
            return
        left = self._time_left(cached)
        if left is None or left > 0:
            return
        # the cached TTL may be stale: check the Job as the API server has it
        try:
            fresh = yield self.client.get(Job, cached.name, cached.metadata.namespace)
        except errors.StatusError as exc:
            if errors.is_not_found(exc):
                return
            raise
        left = self._time_left(fresh)
        if left is None or left > 0:
            return
        try:
            yield self.client.delete(Job, fresh.name, fresh.metadata.namespace, propagation_policy="Foreground",
                                     preconditions={"uid": fresh.metadata.uid})
        except errors.StatusError as exc:
            if not errors.is_not_found(exc):
                raise

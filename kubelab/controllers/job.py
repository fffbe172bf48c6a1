"""Job controller (pkg/controller/job/job_controller.go) and CronJob controller
(pkg/controller/cronjob/cronjob_controllerv2.go, utils.go).

Job: keeps ``min(parallelism, completions - succeeded)`` pods active (``parallelism``
until the first success when completions is unset), counts succeeded and failed pods,
recreates failed ones after the pod failure backoff (10 s doubling, capped at 6 min),
fails with ``BackoffLimitExceeded`` once failures exceed ``backoffLimit`` (6) or with
``DeadlineExceeded`` after ``activeDeadlineSeconds``, and completes when ``completions``
pods have succeeded (events ``Completed`` / ``BackoffLimitExceeded``).

CronJob: creates a Job named ``<cronjob>-<scheduled time in unix minutes>`` at every
schedule time of its five-field cron expression (simulated wall clock), honouring
suspend, startingDeadlineSeconds and concurrencyPolicy (Allow / Forbid / Replace), and
keeps successfulJobsHistoryLimit / failedJobsHistoryLimit finished jobs.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional

from kubelab.api import errors
from kubelab.api.base import SIM_EPOCH, parse_time, rfc3339
from kubelab.api.batch import CronJob, Job, JobCondition
from kubelab.api.cron import CronError, CronSchedule, load_location, parse_standard
from kubelab.api.core import Pod
from kubelab.api.meta import ObjectMeta
from kubelab.api.podutil import is_pod_ready

from .base import Controller, ControllerContext, ControllerExpectations, owner_ref, pod_from_template, settle, slow_start_batch
from .replicaset import controller_uid_index, ensure_index, update_status_with_retry

DEFAULT_BACKOFF = 10.0   # job_controller.go DefaultJobPodFailureBackOff
MAX_BACKOFF = 360.0      # MaxJobPodFailureBackOff
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"


def _cond(job: Job, type_: str) -> Optional[JobCondition]:
    return next((c for c in job.status.conditions or () if c.type == type_), None)


def job_finished(job: Job) -> Optional[str]:
    for c in job.status.conditions or ():
        if c.type in ("Complete", "Failed") and c.status == "True":
            return c.type
    return None


class JobController(Controller):
    name = "job-controller"
    workers = 5  # --concurrent-job-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.job_informer = ctx.informers.informer(Job)
        self.pod_informer = ctx.informers.informer(Pod)
        ensure_index(self.pod_informer, "controller-uid", controller_uid_index)
        self.expectations = ControllerExpectations(ctx.sim)
        self.recorder = ctx.recorder(self.name)
        self.job_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.pod_informer.add_event_handler(self._pod_add, lambda o, n: self._pod(n), self._pod_del)

    def _owner(self, pod):
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "Job":
            return None
        job = self.job_informer.get(f"{pod.metadata.namespace}/{ref.name}")
        return job if job is not None and job.uid == ref.uid else None

    def _pod_add(self, pod) -> None:
        job = self._owner(pod)
        if job is not None:
            self.expectations.creation_observed(job.key())
            self.enqueue(job)

    def _pod(self, pod) -> None:
        job = self._owner(pod)
        if job is not None:
            self.enqueue(job)

    def _pod_del(self, pod) -> None:
        pod = getattr(pod, "obj", pod)
        job = self._owner(pod)
        if job is not None:
            self.expectations.deletion_observed(job.key())
            self.enqueue(job)

    def sync(self, key: str):
        cached = self.job_informer.get(key)
        if cached is None:
            self.expectations.delete(key)
            return
        job = cached.copy_deep()
        if job_finished(job) or job.spec.suspend:
            return
        now = self.sim.now
        pods = sorted(self.pod_informer.by_index("controller-uid", job.uid), key=lambda p: p.name)
        active = [p for p in pods if p.status.phase not in ("Succeeded", "Failed") and p.metadata.deletion_timestamp is None]
        succeeded_pods = [p for p in pods if p.status.phase == "Succeeded"]
        failed_pods = [p for p in pods if p.status.phase == "Failed"]
        st = job.status
        succeeded = max(st.succeeded or 0, len(succeeded_pods))
        failed = max(st.failed or 0, len(failed_pods))
        if st.start_time is None:
            st.start_time = rfc3339(now)
        start = parse_time(st.start_time) or now
        completions = job.spec.completions
        parallelism = job.spec.parallelism if job.spec.parallelism is not None else 1
        backoff_limit = job.spec.backoff_limit if job.spec.backoff_limit is not None else 6
        finished: Optional[tuple] = None
        if failed > backoff_limit or past_backoff_limit_on_failure(job, active, backoff_limit):
            finished = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif job.spec.active_deadline_seconds is not None and now - start >= job.spec.active_deadline_seconds:
            finished = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        elif (completions is not None and succeeded >= completions) or (completions is None and succeeded > 0 and not active):
            finished = ("Complete", None, None)
        if finished is not None:
            if active:
                yield settle(self.sim, [self.client.delete(Pod, p.name, p.metadata.namespace) for p in active])
            type_, reason, message = finished
            ts = rfc3339(now)
            conds = list(st.conditions or [])
            if type_ == "Complete":
                conds.append(JobCondition(type="SuccessCriteriaMet", status="True", reason="CompletionsReached",
                                          message="Reached expected number of succeeded pods",
                                          last_probe_time=ts, last_transition_time=ts))
                conds.append(JobCondition(type="Complete", status="True", reason="CompletionsReached",
                                          message="Reached expected number of succeeded pods",
                                          last_probe_time=ts, last_transition_time=ts))
                st.completion_time = ts
                self.recorder.event(job, "Normal", "Completed", "Job completed")
            else:
                conds.append(JobCondition(type="FailureTarget", status="True", reason=reason, message=message,
                                          last_probe_time=ts, last_transition_time=ts))
                conds.append(JobCondition(type="Failed", status="True", reason=reason, message=message,
                                          last_probe_time=ts, last_transition_time=ts))
                self.recorder.event(job, "Warning", reason, message)
            st.conditions = conds
            st.active, st.ready = 0, 0
            st.succeeded, st.failed = succeeded, failed
            yield from update_status_with_retry(self.client, cached, st)
            return
        if job.spec.active_deadline_seconds is not None:
            self.enqueue_after(key, max(0.0, start + job.spec.active_deadline_seconds - now) + 0.001)
        if completions is None:
            want = parallelism if succeeded == 0 else 0
        else:
            want = min(parallelism, completions - succeeded)
        diff = want - len(active)
        if self.expectations.satisfied(key):
            if diff > 0:
                # pod failure backoff: 10 s * 2^(failures-1), from the last failure
                if failed_pods:
                    delay = min(DEFAULT_BACKOFF * 2 ** (len(failed_pods) - 1), MAX_BACKOFF)
                    due = self._failure_seen.setdefault((job.uid, len(failed_pods)), now) + delay
                    if now < due:
                        self.enqueue_after(key, due - now)
                        diff = 0
                if diff > 0:
                    self.expectations.expect_creations(key, diff)

                    def create_one():
                        pod = pod_from_template(job.spec.template, job, {JOB_NAME_LABEL: job.name,
                                                                         CONTROLLER_UID_LABEL: job.uid,
                                                                         "job-name": job.name,
                                                                         "controller-uid": job.uid})
                        ev, out = self.client.create(pod), self.sim.event()

                        def done(e):
                            e.defused = True
                            if e.ok:
                                self.recorder.event(job, "Normal", "SuccessfulCreate", f"Created pod: {e.value.name}")
                                out.succeed(e.value)
                            else:
                                self.recorder.event(job, "Warning", "FailedCreate", f"Error creating: {e.exception}")
                                out.fail(e.exception)
                        ev.add_callback(done)
                        return out

                    ok, err = yield from slow_start_batch(self.sim, diff, 1, create_one)
                    for _ in range(diff - ok):
                        self.expectations.creation_observed(key)
            elif diff < 0:
                extra = active[: -diff]
                self.expectations.expect_deletions(key, len(extra))
                yield settle(self.sim, [self.client.delete(Pod, p.name, p.metadata.namespace) for p in extra])
        st.active = len(active) if diff <= 0 else len(active) + max(diff, 0)
        st.ready = sum(1 for p in active if is_pod_ready(p))
        st.succeeded, st.failed = succeeded, failed
        if st != cached.status:
            yield from update_status_with_retry(self.client, cached, st)

    @property
    def _failure_seen(self) -> dict:
        d = getattr(self, "_fs", None)
        if d is None:
            d = self._fs = {}
        return d


# ----------------------------------------------------------------------------- cron
# the schedule parser is robfig/cron's (kubelab/api/cron.py), shared with validation
NEXT_SCHEDULE_DELTA = 0.1  # cronjob_controllerv2.go nextScheduleDelta


def sim_to_dt(seconds: float) -> _dt.datetime:
    return SIM_EPOCH + _dt.timedelta(seconds=seconds)


def dt_to_sim(t: _dt.datetime) -> float:
    return (t - SIM_EPOCH).total_seconds()


class CronJobController(Controller):
    name = "cronjob-controller"
    workers = 1

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.cj_informer = ctx.informers.informer(CronJob)
        self.job_informer = ctx.informers.informer(Job)
        ensure_index(self.job_informer, "controller-uid", controller_uid_index)
        self.recorder = ctx.recorder("cronjob-controller")
        self.cj_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), None)
        self.job_informer.add_event_handler(self._job, lambda o, n: self._job(n), self._job)

    def _job(self, job) -> None:
        job = getattr(job, "obj", job)
        ref = job.metadata.controller_ref()
        if ref is not None and ref.kind == "CronJob":
            self.queue.add(f"{job.metadata.namespace}/{ref.name}")

    def _requeue_at_next(self, key: str, cj: CronJob, sched: CronSchedule, now: float) -> None:
        """nextScheduleTimeDuration: the next schedule time after the most recent one
        (or after lastScheduleTime / creation), plus 100 ms."""
        st = cj.status
        earliest = parse_time(st.last_schedule_time) if st.last_schedule_time else (parse_time(cj.metadata.creation_timestamp) or 0.0)
        recent, _ = _most_recent_schedule_time(earliest, now, sched)
        base = recent if recent is not None else earliest
        at = dt_to_sim(sched.next(sim_to_dt(base))) + NEXT_SCHEDULE_DELTA
        self.enqueue_after(key, max(0.001, at - now))

    def sync(self, key: str):
        """syncCronJob (cronjob_controllerv2.go): reconcile the active list with the Jobs,
        then start the Job of the most recent unmet schedule time, if any, and requeue for
        the next schedule time."""
        cached = self.cj_informer.get(key)
        if cached is None:
            return
        cj = cached.copy_deep()
        now = self.sim.now
        st = cj.status
        jobs = sorted(self.job_informer.by_index("controller-uid", cj.uid), key=lambda j: j.metadata.creation_timestamp or "")
        active = list(st.active or [])
        active_uids = {a["uid"] for a in active}
        for j in jobs:
            fin = job_finished(j)
            if j.uid not in active_uids and fin is None:
                # the status update naming it may not have reached the cache yet: ask the API server
                fresh = yield self.client.get(CronJob, cj.name, cj.metadata.namespace)
                ref = next((a for a in fresh.status.active or () if a["uid"] == j.uid), None)
                if ref is not None:
                    active.append(ref)
                    active_uids.add(j.uid)
                    continue
                self.recorder.event(cj, "Warning", "UnexpectedJob",
                                    f"Saw a job that the controller did not create or forgot: {j.name}")
            elif j.uid in active_uids and fin is not None:
                active = [a for a in active if a["uid"] != j.uid]
                self.recorder.event(cj, "Normal", "SawCompletedJob", f"Saw completed job: {j.name}, condition: {fin}")
            if fin == "Complete":
                done_at = j.status.completion_time or (_cond(j, "Complete").last_transition_time if _cond(j, "Complete") else None)
                if done_at and (st.last_successful_time is None or (parse_time(done_at) or 0) > (parse_time(st.last_successful_time) or 0)):
                    st.last_successful_time = done_at
        children = {j.uid for j in jobs}
        for a in list(active):
            if a["uid"] in children:
                continue
            try:  # a slow watch must not make a running Job look missing: ask the API server
                yield self.client.get(Job, a["name"], a["namespace"])
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise
                self.recorder.event(cj, "Normal", "MissingJob", f"Active job went missing: {a['name']}")
                active = [x for x in active if x["uid"] != a["uid"]]
        st.active = active or None
        yield from self._clean_up_finished_jobs(cj, jobs)
        if cj.metadata.deletion_timestamp is None:
            yield from self._maybe_start(key, cj, now)
        if st != cached.status:
            yield from update_status_with_retry(self.client, cached, st)

    def _maybe_start(self, key: str, cj: CronJob, now: float):
        st = cj.status
        loc = None
        if cj.spec.time_zone is not None:
            try:
                loc = load_location(cj.spec.time_zone)
            except CronError as exc:
                self.recorder.event(cj, "Warning", "UnknownTimeZone", f"invalid timeZone: \"{cj.spec.time_zone}\": {exc}")
                return
        if cj.spec.suspend:
            return
        schedule = cj.spec.schedule
        if cj.spec.time_zone is not None:
            schedule = f"TZ={cj.spec.time_zone} {schedule}"  # formatSchedule
        try:
            sched = parse_standard(schedule, loc)
        except CronError as exc:
            self.recorder.event(cj, "Warning", "UnparseableSchedule", f"unparseable schedule: \"{cj.spec.schedule}\" : {exc}")
            return
        earliest = parse_time(st.last_schedule_time) if st.last_schedule_time else (parse_time(cj.metadata.creation_timestamp) or 0.0)
        due, missed = _most_recent_schedule_time(earliest, now, sched)
        if due is None:
            self._requeue_at_next(key, cj, sched, now)
            return
        if missed > 100:
            self.recorder.event(cj, "Warning", "TooManyMissedTimes",
                                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        if cj.spec.starting_deadline_seconds is not None and due + cj.spec.starting_deadline_seconds < now:
            self.recorder.event(cj, "Warning", "MissSchedule",
                                f"Missed scheduled time to start a job: {_rfc1123z(due)}")
            self._requeue_at_next(key, cj, sched, now)
            return
        name = f"{cj.name}-{int((sim_to_dt(due).timestamp()) // 60)}"  # getJobName: unix minutes
        if any(a["name"] == name for a in st.active or ()) or (st.last_schedule_time and parse_time(st.last_schedule_time) == due):
            self._requeue_at_next(key, cj, sched, now)
            return
        if cj.spec.concurrency_policy == "Forbid" and st.active:
            self.recorder.event(cj, "Normal", "JobAlreadyActive",
                                "Not starting job because prior execution is running and concurrency policy is Forbid")
            self._requeue_at_next(key, cj, sched, now)  # not every second: the next schedule time
            return
        if cj.spec.concurrency_policy == "Replace":
            for a in list(st.active or ()):
                try:
                    yield self.client.delete(Job, a["name"], a["namespace"], propagation_policy="Background")
                    self.recorder.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {a['name']}")
                except errors.StatusError as exc:
                    if not errors.is_not_found(exc):
                        self.recorder.event(cj, "Warning", "FailedDelete", f"Deleted job: {exc}")
                        raise
                st.active = [x for x in st.active or () if x["uid"] != a["uid"]] or None
        tmpl = cj.spec.job_template
        job = Job(metadata=ObjectMeta(
            name=name, namespace=cj.metadata.namespace, labels=dict(tmpl.metadata.labels or {}) or None,
            annotations=dict(tmpl.metadata.annotations or {}, **{
                # scheduledTime.In(timeZone).Format(time.RFC3339)
                "batch.kubernetes.io/cronjob-scheduled-timestamp": _rfc3339_in(due, loc)}),
            owner_references=[owner_ref(cj)]), spec=tmpl.spec.model_copy(deep=True))
        try:
            created = yield self.client.create(job)
            self.recorder.event(cj, "Normal", "SuccessfulCreate", f"Created job {created.name}")
        except errors.StatusError as exc:
            if not errors.is_already_exists(exc):
                self.recorder.event(cj, "Warning", "FailedCreate", f"Error creating job: {exc}")
                raise
            created = yield self.client.get(Job, name, cj.metadata.namespace)
            ref = created.metadata.controller_ref()
            if ref is None or ref.uid != cj.uid or any(a["uid"] == created.uid for a in st.active or ()):
                return
        st.active = list(st.active or ()) + [{
            "kind": "Job", "namespace": created.metadata.namespace, "name": created.name, "uid": created.uid,
            "apiVersion": "batch/v1", "resourceVersion": created.metadata.resource_version}]
        st.last_schedule_time = rfc3339(due)
        self._requeue_at_next(key, cj, sched, now)

    def _clean_up_finished_jobs(self, cj: CronJob, jobs):
        """cleanupFinishedJobs: keep successfulJobsHistoryLimit / failedJobsHistoryLimit."""
        for fin, limit in (("Complete", cj.spec.successful_jobs_history_limit), ("Failed", cj.spec.failed_jobs_history_limit)):
            done = [j for j in jobs if job_finished(j) == fin]
            if limit is not None and len(done) > limit:
                for j in done[: len(done) - limit]:
                    try:
                        yield self.client.delete(Job, j.name, j.metadata.namespace, propagation_policy="Background")
                        self.recorder.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {j.name}")
                    except errors.StatusError as exc:
                        if not errors.is_not_found(exc):
                            raise


def _most_recent_schedule_time(earliest: float, now: float, sched: CronSchedule) -> tuple[Optional[float], int]:
    """mostRecentScheduleTime (utils.go): the latest schedule time in (earliest, now], and
    how many were missed (counted up to 101)."""
    t = sched.next(sim_to_dt(earliest))
    recent, missed = None, 0
    while dt_to_sim(t) <= now:
        recent, missed = dt_to_sim(t), missed + 1
        if missed > 100 and sched.every is None:
            # jump close to now: the count only matters as "more than 100"
            t = sched.next(sim_to_dt(max(dt_to_sim(t), now - 3600 * 24 * 400)))
            while dt_to_sim(t) <= now:
                recent = dt_to_sim(t)
                t = sched.next(t)
            break
        t = sched.next(t)
    return recent, missed


def _rfc3339_in(seconds: float, loc) -> str:
    if loc is None:
        return rfc3339(seconds)
    t = sim_to_dt(seconds).astimezone(loc)
    out = t.strftime("%Y-%m-%dT%H:%M:%S%z")
    return out[:-2] + ":" + out[-2:] if not out.endswith("+0000") else out[:-5] + "Z"


def _rfc1123z(seconds: float) -> str:
    """Go's time.RFC1123Z of a UTC time: "Mon, 02 Jan 2006 15:04:05 -0700"."""
    return sim_to_dt(seconds).strftime("%a, %d %b %Y %H:%M:%S +0000")


def past_backoff_limit_on_failure(job, pods, backoff_limit: int) -> bool:
    """pastBackoffLimitOnFailure (pkg/controller/job/job_controller.go): with restartPolicy
    OnFailure the kubelet restarts containers in place, so the restarts of the running and
    pending pods are what count against backoffLimit."""
    if job.spec.template.spec.restart_policy != "OnFailure":
        return False
    restarts = 0
    for p in pods:
        if p.status.phase in ("Running", "Pending"):
            for cs in (p.status.init_container_statuses or []) + (p.status.container_statuses or []):
                restarts += cs.restart_count
    if backoff_limit == 0:
        return restarts > 0
    return restarts >= backoff_limit

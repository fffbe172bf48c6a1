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
_ALIASES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
            "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_NAMES = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
          "nov": 11, "dec": 12, "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


def _field(text: str, lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = int(s)
            if step <= 0:
                raise ValueError(f"step must be positive: {text}")
        if part in ("*", "?"):
            a, b = lo, hi
        elif "-" in part:
            x, y = part.split("-", 1)
            a, b = int(_NAMES.get(x.lower(), x)), int(_NAMES.get(y.lower(), y))
        else:
            a = int(_NAMES.get(part.lower(), part))
            b = hi if step != 1 else a
        if a < lo or b > hi or a > b:
            raise ValueError(f"value out of range ({lo}-{hi}): {text}")
        out.update(range(a, b + 1, step))
    return out


class CronSchedule:
    """robfig/cron's standard five-field parser (minute hour dom month dow) and Next."""

    def __init__(self, spec: str):
        spec = _ALIASES.get(spec.strip(), spec.strip())
        fields = spec.split()
        if len(fields) != 5:
            raise ValueError(f"expected exactly 5 fields, found {len(fields)}: {spec}")
        self.minute = _field(fields[0], 0, 59)
        self.hour = _field(fields[1], 0, 23)
        self.dom = _field(fields[2], 1, 31)
        self.month = _field(fields[3], 1, 12)
        self.dow = {d % 7 for d in _field(fields[4], 0, 7)}
        self.dom_star = fields[2] in ("*", "?")
        self.dow_star = fields[4] in ("*", "?")

    def _day_ok(self, t: _dt.datetime) -> bool:
        dom_ok = t.day in self.dom
        dow_ok = (t.isoweekday() % 7) in self.dow
        if self.dom_star or self.dow_star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def next(self, after: _dt.datetime) -> _dt.datetime:
        t = after.replace(second=0, microsecond=0) + _dt.timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            if t.month in self.month and self._day_ok(t) and t.hour in self.hour and t.minute in self.minute:
                return t
            if t.month not in self.month or not self._day_ok(t):
                t = (t + _dt.timedelta(days=1)).replace(hour=0, minute=0)
            elif t.hour not in self.hour:
                t = (t + _dt.timedelta(hours=1)).replace(minute=0)
            else:
                t += _dt.timedelta(minutes=1)
        raise ValueError("schedule never fires")


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

    def sync(self, key: str):
        cached = self.cj_informer.get(key)
        if cached is None:
            return
        cj = cached.copy_deep()
        now = self.sim.now
        try:
            sched = CronSchedule(cj.spec.schedule)
        except ValueError as exc:
            self.recorder.event(cj, "Warning", "UnparseableSchedule", f"unparseable schedule: {cj.spec.schedule!r} : {exc}")
            return
        jobs = sorted(self.job_informer.by_index("controller-uid", cj.uid), key=lambda j: j.metadata.creation_timestamp or "")
        active_refs = []
        st = cj.status
        for j in jobs:
            fin = job_finished(j)
            if fin is None:
                active_refs.append({"kind": "Job", "namespace": j.metadata.namespace, "name": j.name,
                                    "uid": j.uid, "apiVersion": "batch/v1", "resourceVersion": j.metadata.resource_version})
            elif fin == "Complete":
                ct = _cond(j, "Complete")
                if ct and (st.last_successful_time is None or (parse_time(ct.last_transition_time) or 0) > (parse_time(st.last_successful_time) or 0)):
                    st.last_successful_time = ct.last_transition_time
        was_active = {a["uid"] for a in st.active or []}
        for j in jobs:
            if j.uid in was_active and job_finished(j):
                self.recorder.event(cj, "Normal", "SawCompletedJob", f"Saw completed job: {j.name}, status: {job_finished(j)}")
        st.active = active_refs or None
        # history limits
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
        # the most recent unmet schedule time (getMostRecentScheduleTime)
        since = parse_time(st.last_schedule_time) if st.last_schedule_time else parse_time(cj.metadata.creation_timestamp) or 0.0
        t = sched.next(sim_to_dt(since))
        due = None
        while dt_to_sim(t) <= now:
            due = t
            t = sched.next(t)
        next_at = dt_to_sim(t)
        if due is not None and not cj.spec.suspend:
            late = now - dt_to_sim(due)
            if cj.spec.starting_deadline_seconds is not None and late > cj.spec.starting_deadline_seconds:
                self.recorder.event(cj, "Warning", "MissSchedule",
                                    f"Missed scheduled time to start a job: {rfc3339(dt_to_sim(due))}")
            elif cj.spec.concurrency_policy == "Forbid" and active_refs:
                self.recorder.event(cj, "Normal", "JobAlreadyActive",
                                    "Not starting job because prior execution is running and concurrency policy is Forbid")
                next_at = now + 1  # retried until the running job finishes
            else:
                if cj.spec.concurrency_policy == "Replace":
                    for a in active_refs:
                        try:
                            yield self.client.delete(Job, a["name"], a["namespace"], propagation_policy="Background")
                            self.recorder.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {a['name']}")
                        except errors.StatusError as exc:
                            if not errors.is_not_found(exc):
                                raise
                    active_refs = []
                name = f"{cj.name}-{int(dt_to_sim(due) // 60 + SIM_EPOCH.timestamp() // 60)}"
                tmpl = cj.spec.job_template
                job = Job(metadata=ObjectMeta(
                    name=name, namespace=cj.metadata.namespace, labels=dict(tmpl.metadata.labels or {}) or None,
                    annotations=dict(tmpl.metadata.annotations or {}, **{
                        "batch.kubernetes.io/cronjob-scheduled-timestamp": due.strftime("%Y-%m-%dT%H:%M:%SZ")}),
                    owner_references=[owner_ref(cj)]), spec=tmpl.spec.copy_deep())
                try:
                    created = yield self.client.create(job)
                    self.recorder.event(cj, "Normal", "SuccessfulCreate", f"Created job {created.name}")
                    active_refs.append({"kind": "Job", "namespace": created.metadata.namespace, "name": created.name,
                                        "uid": created.uid, "apiVersion": "batch/v1",
                                        "resourceVersion": created.metadata.resource_version})
                except errors.StatusError as exc:
                    if not errors.is_already_exists(exc):
                        self.recorder.event(cj, "Warning", "FailedCreate", f"Error creating job: {exc}")
                        raise
                st.last_schedule_time = rfc3339(dt_to_sim(due))
                st.active = active_refs or None
        if st != cached.status:
            yield from update_status_with_retry(self.client, cached, st)
        self.enqueue_after(key, max(0.001, next_at - now + 0.001))


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

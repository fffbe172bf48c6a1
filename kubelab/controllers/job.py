"""Job controller (pkg/controller/job/job_controller.go) and CronJob controller
(pkg/controller/cronjob/cronjob_controllerv2.go, utils.go).

Job: keeps ``min(parallelism, completions - succeeded)`` pods active (``parallelism``
until the first success when completions is unset), counts succeeded and failed pods,
recreates failed ones after the pod failure backoff (10 s doubling, capped at 10 min:
backoff_utils.go), fails with ``BackoffLimitExceeded`` once failures exceed
``backoffLimit`` (6) or with ``DeadlineExceeded`` after ``activeDeadlineSeconds``, and
completes when ``completions`` pods have succeeded (events ``Completed`` /
``BackoffLimitExceeded``). As in v1.31+, the interim ``FailureTarget`` /
``SuccessCriteriaMet`` condition comes first and ``Failed`` / ``Complete`` once no pod is
terminating. Indexed Jobs (indexed_job_utils.go): one pod per index with the
``batch.kubernetes.io/job-completion-index`` annotation and label, ``JOB_COMPLETION_INDEX``,
hostname ``<job>-<index>``, ``completedIndexes`` / ``failedIndexes`` (backoffLimitPerIndex,
maxFailedIndexes) and successPolicy (success_policy.go). podFailurePolicy
(pod_failure_policy.go): FailJob / FailIndex / Ignore / Count on exit codes or pod
conditions. Suspend deletes the active pods (not counted as failures); resuming restarts
``startTime``.

CronJob: creates a Job named ``<cronjob>-<scheduled time in unix minutes>`` at every
schedule time of its five-field cron expression (simulated wall clock), honouring
suspend, startingDeadlineSeconds and concurrencyPolicy (Allow / Forbid / Replace), and
keeps successfulJobsHistoryLimit / failedJobsHistoryLimit finished jobs.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.base import SIM_EPOCH, parse_time, rfc3339
from kubelab.api.batch import CronJob, Job, JobCondition
from kubelab.api.cron import CronError, CronSchedule, load_location, parse_standard
from kubelab.api.field import go_quote as _go_quote
from kubelab.api.core import Pod
from kubelab.api.meta import ObjectMeta
from kubelab.api.podutil import is_pod_ready

from .base import Controller, ControllerContext, ControllerExpectations, owner_ref, pod_from_template, settle, slow_start_batch
from .replicaset import controller_uid_index, ensure_index, update_status_with_retry

DEFAULT_BACKOFF = 10.0   # job_controller.go DefaultJobPodFailureBackOff
MAX_BACKOFF = 600.0      # MaxJobPodFailureBackOff (10 min)
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
        self._backoff: dict = {}   # job key -> BackoffRecord (backoff_utils.go backoffStore)
        self._counted: dict = {}   # job uid -> uids of finished pods already in status
        self._removed: dict = {}   # job uid -> uids of pods the controller deleted (never counted)

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
        pod = tombstone_object(pod)
        job = self._owner(pod)
        if job is not None:
            self.expectations.deletion_observed(job.key())
            self.enqueue(job)

    def sync(self, key: str):
        """syncJob (pkg/controller/job/job_controller.go). kubelab keeps no
        batch.kubernetes.io/job-tracking finalizers: the controller remembers which pods it
        has counted (and which it deleted itself, whose finalizer upstream removes before
        the delete, so they are never counted), on top of the counters in status."""
        cached = self.job_informer.get(key)
        if cached is None:
            self.expectations.delete(key)
            self._backoff.pop(key, None)
            return
        if cached.spec.managed_by not in (None, "kubernetes.io/job-controller"):
            return  # managedByExternalController: another controller syncs this Job
        job = cached.copy_deep()
        if job_finished(job):
            self._backoff.pop(key, None)
            self._counted.pop(job.uid, None)
            self._removed.pop(job.uid, None)
            return
        now = self.sim.now
        spec, st = job.spec, job.status
        satisfied = self.expectations.satisfied(key)
        pods = sorted(self.pod_informer.by_index("controller-uid", job.uid), key=lambda p: p.name)
        removed = self._removed.setdefault(job.uid, set())
        mem = self._counted.get(job.uid)
        if mem is None:  # first sight (a restarted controller): status already counts the finished pods
            mem = self._counted[job.uid] = {
                "uids": {p.uid for p in pods if _terminal(p) and (st.succeeded or st.failed)},
                "succeeded": st.succeeded or 0, "failed": st.failed or 0}
        # the controller is the only writer of the counters: what it last wrote, not the
        # (possibly stale) cached status, is the base
        counted = set(mem["uids"])
        indexed = is_indexed_job(job)
        completions = spec.completions
        active = [p for p in pods if not _terminal(p) and p.metadata.deletion_timestamp is None]  # FilterActivePods
        terminating = sum(1 for p in pods if p.metadata.deletion_timestamp is not None and not _terminal(p))

        def valid(p) -> bool:  # getValidPodsWithFilter
            if p.uid in removed:
                return False
            if indexed:
                ix = completion_index(p)
                return ix is not None and ix < completions
            return True
        new_succeeded = [p for p in pods if p.uid not in counted and valid(p) and p.status.phase == "Succeeded"]
        new_failed = [p for p in pods if p.uid not in counted and valid(p) and is_pod_failed(p, job)]
        succeeded = mem["succeeded"] + len(new_succeeded)
        failed = mem["failed"] + sum(1 for p in new_failed if match_pod_failure_policy(spec.pod_failure_policy, p)[1])
        suspended = bool(spec.suspend)
        if st.start_time is None and not suspended:
            st.start_time = rfc3339(now)
        backoff = self._new_backoff_record(key, new_succeeded, new_failed)
        backoff_limit = spec.backoff_limit if spec.backoff_limit is not None else 6
        # finished: (interim condition type, reason, message)
        finished: Optional[tuple] = None
        scm = _cond(job, "SuccessCriteriaMet")
        if scm is not None and scm.status == "True":
            finished = ("SuccessCriteriaMet", scm.reason, scm.message)
        else:
            ft = _cond(job, "FailureTarget")
            if ft is not None and ft.status == "True":
                finished = ("FailureTarget", ft.reason, ft.message)
            else:
                msg = get_fail_job_message(job, pods)
                if msg is not None:
                    finished = ("FailureTarget", "PodFailurePolicy", msg)
        if finished is None:
            if failed > backoff_limit or past_backoff_limit_on_failure(job, pods, backoff_limit):
                finished = ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
            elif self._past_active_deadline(job):
                finished = ("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline")
            elif spec.active_deadline_seconds is not None and not suspended:
                start = parse_time(st.start_time) or now
                if _cond(job, "Suspended") is not None and _cond(job, "Suspended").status == "True":
                    start = now
                self.enqueue_after(key, max(0.0, start + spec.active_deadline_seconds - now) + 0.001)
        succeeded_ix: Intervals = []
        failed_ix: Optional[Intervals] = None
        delayed: dict = {}
        if indexed:
            succeeded_ix = with_ordered_indexes(parse_indexes(st.completed_indexes or "", completions),
                                                sorted({completion_index(p) for p in pods if valid(p) and p.status.phase == "Succeeded"}))
            succeeded = intervals_total(succeeded_ix)
            if spec.backoff_limit_per_index is not None:
                failed_ix = with_ordered_indexes(parse_indexes(st.failed_indexes or "", completions),
                                                 sorted({completion_index(p) for p in pods if valid(p) and is_index_failed(job, p)}))
                if finished is None:
                    if spec.max_failed_indexes is not None and intervals_total(failed_ix) > spec.max_failed_indexes:
                        finished = ("FailureTarget", "MaxFailedIndexesExceeded",
                                    "Job has exceeded the specified maximal number of failed indexes")
                    elif intervals_total(failed_ix) > 0 and intervals_total(failed_ix) + intervals_total(succeeded_ix) >= completions:
                        finished = ("FailureTarget", "FailedIndexes", "Job has failed indexes")
                delayed = pods_with_delayed_deletion_per_index(job, pods, active, succeeded_ix, failed_ix, valid)
            if finished is None:
                met = match_success_policy(spec.success_policy, completions, succeeded_ix)
                if met is not None:
                    finished = ("SuccessCriteriaMet", "SuccessPolicy", met)
        n_active = len(active)
        ready = sum(1 for p in active if is_pod_ready(p))
        suspend_changed = False
        if finished is not None:
            doomed = [p for p in pods if p.uid not in counted and valid(p) and not _terminal(p)
                      and p.uid not in {q.uid for q in new_failed}]
            deleted, deleted_ready = yield from self._delete_pods(key, job, active, expect=False)
            if deleted != n_active or not satisfied:
                finished = None  # pods may still show up in the cache
            elif finished[0] == "FailureTarget":
                # when the Job fails, every pod not yet terminated counts as failed
                failed += len(doomed)
                new_failed = new_failed + doomed
            else:  # success: their tracking finalizers go, uncounted
                removed.update(p.uid for p in doomed)
            n_active -= deleted
            terminating += deleted
            ready -= deleted_ready
        else:
            manage_called = False
            if satisfied and job.metadata.deletion_timestamp is None:
                n_active, terminating, ready = yield from self._manage_job(
                    key, job, active, terminating, ready, succeeded, succeeded_ix, failed_ix, delayed, backoff, pods)
                manage_called = True
            if completions is None:
                complete = succeeded > 0 and n_active == 0
            else:
                complete = succeeded >= completions and n_active == 0
            if complete:
                finished = ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")
            elif manage_called:
                if suspended:
                    changed = _ensure_condition(st, "Suspended", "True", "JobSuspended", "Job suspended", now)
                    if changed:
                        suspend_changed = True
                        self.recorder.event(job, "Normal", "Suspended", "Job suspended")
                else:
                    changed = _ensure_condition(st, "Suspended", "False", "JobResumed", "Job resumed", now)
                    if changed:
                        suspend_changed = True
                        self.recorder.event(job, "Normal", "Resumed", "Job resumed")
                        # resumed Jobs reset startTime: activeDeadlineSeconds counts continuous activity
                        st.start_time = rfc3339(now)
        # trackJobStatusAndRemoveFinalizers
        # active / succeeded / failed are omitempty int32s; ready and terminating are pointers
        st.active, st.ready, st.terminating = n_active or None, ready, terminating
        st.succeeded, st.failed = succeeded or None, failed or None
        if indexed:
            st.completed_indexes = intervals_string(succeeded_ix)
            st.failed_indexes = intervals_string(failed_ix) if failed_ix is not None else None
        counted.update(p.uid for p in new_succeeded + new_failed)
        done = None
        if finished is not None:
            type_, reason, message = finished
            ts = rfc3339(now)
            if _cond(job, type_) is None:  # the interim condition, before the pods are gone
                st.conditions = list(st.conditions or []) + [JobCondition(
                    type=type_, status="True", reason=reason, message=message, last_probe_time=ts, last_transition_time=ts)]
            final = "Complete" if type_ == "SuccessCriteriaMet" else "Failed"
            if terminating == 0:  # enactJobFinished: only once no pod is terminating
                _ensure_condition(st, final, "True", reason, message, now)
                if final == "Complete":
                    st.completion_time = ts
                done = (final, reason, message)
        if st != cached.status or suspend_changed:
            yield from update_status_with_retry(self.client, cached, st, retries=0)  # UpdateStatus, no retry: a conflict requeues
        self._counted[job.uid] = {"uids": counted, "succeeded": 0 if indexed else succeeded, "failed": failed}
        self._backoff[key] = backoff  # updateBackoffRecord, once the status is written
        if done is not None:  # recordJobFinished
            final, reason, message = done
            if final == "Complete":
                if completions is not None and succeeded > completions:
                    self.recorder.event(job, "Warning", "TooManySucceededPods",
                                        "Too many succeeded pods running after completion count reached")
                self.recorder.event(job, "Normal", "Completed", "Job completed")
            else:
                self.recorder.event(job, "Warning", reason, message)
            self._backoff.pop(key, None)

    def _past_active_deadline(self, job: Job) -> bool:
        spec = job.spec
        if spec.active_deadline_seconds is None or job.status.start_time is None or spec.suspend:
            return False
        resuming = _cond(job, "Suspended")
        if resuming is not None and resuming.status == "True":
            return False  # this sync resumes the Job and restarts startTime (see the docs on suspend)
        return self.sim.now - (parse_time(job.status.start_time) or 0.0) >= spec.active_deadline_seconds

    def _delete_pods(self, key: str, job: Job, pods: list, expect: bool = True):
        """deleteJobPods (``expect``: with expectations, and the tracking finalizer removed
        first, so the pods are never counted) / deleteActivePods (a finishing Job: the pods
        stay tracked and count as failed). Returns (deleted, deleted ready)."""
        if not pods:
            return 0, 0
        if expect:
            self.expectations.expect_deletions(key, len(pods))
            self._removed.setdefault(job.uid, set()).update(p.uid for p in pods)
        results = yield settle(self.sim, [self.client.delete(Pod, p.name, p.metadata.namespace) for p in pods])
        deleted = ready = 0
        for p, (ok, val) in zip(pods, results):
            if ok or (isinstance(val, errors.StatusError) and errors.is_not_found(val)):
                deleted += 1
                ready += 1 if is_pod_ready(p) else 0
                if ok:
                    self.recorder.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {p.name}")
            else:
                if expect:
                    self.expectations.deletion_observed(key)
                    self._removed[job.uid].discard(p.uid)
        return deleted, ready

    def _manage_job(self, key, job, active, terminating, ready, succeeded, succeeded_ix, failed_ix, delayed, backoff, pods):
        """manageJob: returns (active, terminating, ready)."""
        spec = job.spec
        n_active = len(active)
        parallelism = spec.parallelism if spec.parallelism is not None else 1
        if spec.suspend:
            removed, removed_ready = yield from self._delete_pods(key, job, active_pods_for_removal(job, active, n_active))
            return n_active - removed, terminating + removed, ready - removed_ready
        if spec.completions is None:
            want = n_active if succeeded > 0 else parallelism
        else:
            want = max(0, min(spec.completions - succeeded, parallelism))
        rm_at_least = max(0, n_active - want)
        to_delete = active_pods_for_removal(job, active, rm_at_least)[:MAX_POD_CREATE_DELETE_PER_SYNC]
        if to_delete:
            removed, removed_ready = yield from self._delete_pods(key, job, to_delete)
            return n_active - removed, terminating + removed, ready - removed_ready
        blocking = terminating if only_replace_failed_pods(job) else 0
        diff = want - blocking - n_active
        if diff <= 0:
            return n_active, terminating, ready
        if spec.backoff_limit_per_index is None:
            remaining = backoff.remaining(self.sim.now)
            if remaining > 0:
                self.enqueue_after(key, remaining)
                return 0, terminating, ready  # upstream reports 0 active while backing off
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list[int] = []
        if is_indexed_job(job):
            indexes = first_pending_indexes(job, active, pods, succeeded_ix, failed_ix, diff, spec.completions)
            if spec.backoff_limit_per_index is not None:
                now_ix, wait = [], None
                for ix in indexes:
                    r = remaining_time_per_index(self.sim.now, delayed.get(ix))
                    if r == 0:
                        now_ix.append(ix)
                    elif wait is None or r < wait:
                        wait = r
                if not now_ix and wait:
                    self.enqueue_after(key, wait)
                    return 0, terminating, ready
                indexes = now_ix
            diff = len(indexes)
            if diff == 0:
                return n_active, terminating, ready
        self.expectations.expect_creations(key, diff)
        template = job.spec.template.copy_deep()
        if is_indexed_job(job):
            add_completion_index_env_variables(template)
        todo = iter(indexes)

        def create_one():
            ix = next(todo, None)
            generate_name = None
            tmpl = template
            if ix is not None:
                tmpl = template.copy_deep()
                tmpl.metadata.annotations = dict(tmpl.metadata.annotations or {}, **{COMPLETION_INDEX: str(ix)})
                tmpl.metadata.labels = dict(tmpl.metadata.labels or {}, **{COMPLETION_INDEX: str(ix)})
                tmpl.spec.hostname = f"{job.name}-{ix}"
                generate_name = pod_generate_name_with_index(job.name, ix)
                if spec.backoff_limit_per_index is not None:
                    count, ignored = new_index_failure_counts(job, delayed.get(ix))
                    tmpl.metadata.annotations[INDEX_FAILURE_COUNT] = str(count)
                    if ignored > 0:
                        tmpl.metadata.annotations[INDEX_IGNORED_FAILURE_COUNT] = str(ignored)
            pod = pod_from_template(tmpl, job, {JOB_NAME_LABEL: job.name, CONTROLLER_UID_LABEL: job.uid,
                                                "job-name": job.name, "controller-uid": job.uid},
                                    generate_name=generate_name)
            return self.create_pod(job, pod)

        ok, err = yield from slow_start_batch(self.sim, diff, 1, create_one)
        for _ in range(diff - ok):
            self.expectations.creation_observed(key)
        return n_active + ok, terminating, ready

    def _new_backoff_record(self, key: str, new_succeeded: list, new_failed: list) -> "BackoffRecord":
        """backoff_utils.go newBackoffRecord: failures since the last success, and when the
        latest of them finished."""
        old = self._backoff.get(key) or BackoffRecord()
        rec = BackoffRecord(old.failures_after_last_success, old.last_failure_time)
        succ = sorted(finished_time(p) for p in new_succeeded)
        fail = sorted(finished_time(p) for p in new_failed)
        if not succ:
            if fail:
                rec.failures_after_last_success += len(fail)
                rec.last_failure_time = fail[-1]
        else:
            rec.failures_after_last_success, rec.last_failure_time = 0, None
            for t in reversed(fail):
                if not t > succ[-1]:
                    break
                if rec.last_failure_time is None:
                    rec.last_failure_time = t
                rec.failures_after_last_success += 1
        return rec


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
        job = tombstone_object(job)
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
            yield from update_status_with_retry(self.client, cached, st, retries=0)  # UpdateStatus, no retry: a conflict requeues

    def _maybe_start(self, key: str, cj: CronJob, now: float):
        st = cj.status
        loc = None
        if cj.spec.time_zone is not None:
            try:
                loc = load_location(cj.spec.time_zone)
            except CronError as exc:
                self.recorder.event(cj, "Warning", "UnknownTimeZone", f"invalid timeZone: {_go_quote(cj.spec.time_zone)}: {exc}")
                return
        if cj.spec.suspend:
            return
        schedule = self._format_schedule(cj)
        try:
            sched = parse_standard(schedule)
        except CronError as exc:
            self.recorder.event(cj, "Warning", "UnparseableSchedule", f"unparseable schedule: {_go_quote(cj.spec.schedule)} : {exc}")
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

    def _format_schedule(self, cj: CronJob) -> str:
        """formatSchedule (cronjob_controllerv2.go): a legacy TZ= / CRON_TZ= in the schedule
        wins (with a warning); otherwise spec.timeZone becomes a TZ= prefix."""
        if "TZ" in cj.spec.schedule:
            self.recorder.event(cj, "Warning", "UnsupportedSchedule",
                                f"CRON_TZ or TZ used in schedule {_go_quote(cj.spec.schedule)} is not officially supported, "
                                "see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details")
            return cj.spec.schedule
        if cj.spec.time_zone is not None:
            try:
                load_location(cj.spec.time_zone)
            except CronError:
                return cj.spec.schedule
            return f"TZ={cj.spec.time_zone} {cj.spec.schedule}"
        return cj.spec.schedule

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


# ----------------------------------------------------------------------------- job helpers
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"  # annotation and label
INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
MAX_POD_CREATE_DELETE_PER_SYNC = 500  # MaxPodCreateDeletePerSync
MAX_GENERATED_NAME_LENGTH = 58  # names.MaxGeneratedNameLength (63 - 5 random characters)

Intervals = list  # [[first, last], ...] in order: indexed_job_utils.go orderedIntervals


def _terminal(p) -> bool:
    return p.status.phase in ("Succeeded", "Failed")


def is_indexed_job(job) -> bool:
    return job.spec.completion_mode == "Indexed"


def completion_index(pod) -> Optional[int]:
    """getCompletionIndex: the annotation as a non-negative int, else unknown (None)."""
    v = (pod.metadata.annotations or {}).get(COMPLETION_INDEX)
    try:
        i = int(v) if v is not None and v.strip() == v else -1
    except ValueError:
        return None
    return i if i >= 0 else None


def with_ordered_indexes(oi: Intervals, new: list) -> Intervals:
    """orderedIntervals.withOrderedIndexes / merge."""
    merged = sorted([list(x) for x in oi] + [[i, i] for i in new])
    out: Intervals = []
    for first, last in merged:
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out


def intervals_total(oi: Optional[Intervals]) -> int:
    return sum(last - first + 1 for first, last in oi or ())


def intervals_has(oi: Optional[Intervals], ix: int) -> bool:
    return any(first <= ix <= last for first, last in oi or ())


def intervals_string(oi: Intervals) -> str:
    """orderedIntervals.String: "1,3-5,7" (two neighbours as "1,2")."""
    parts = []
    for first, last in oi:
        if last == first:
            parts.append(str(first))
        elif last == first + 1:
            parts.append(f"{first},{last}")
        else:
            parts.append(f"{first}-{last}")
    return ",".join(parts)


def parse_indexes(s: str, completions: int) -> Intervals:
    """parseIndexesFromString: corrupted intervals are skipped, indexes >= completions dropped."""
    out: Intervals = []
    if not s:
        return out
    for part in s.split(","):
        limits = part.split("-")
        try:
            first = int(limits[0])
        except ValueError:
            continue
        if first >= completions:
            break
        if len(limits) > 1:
            try:
                last = min(int(limits[1]), completions - 1)
            except ValueError:
                continue
        else:
            last = first
        if out and out[-1][1] == first - 1:
            out[-1][1] = last
        else:
            out.append([first, last])
    return out


def first_pending_indexes(job, active, pods, succeeded_ix, failed_ix, count: int, completions: int) -> list:
    """firstPendingIndexes: the lowest ``count`` indexes below completions not active,
    succeeded or failed (nor terminating, when only failed pods are replaced)."""
    taken = {completion_index(p) for p in active}
    if only_replace_failed_pods(job):
        taken |= {completion_index(p) for p in pods if p.metadata.deletion_timestamp is not None and not _terminal(p)}
    taken.discard(None)
    out = []
    for ix in range(completions):
        if len(out) >= count:
            break
        if ix in taken or intervals_has(succeeded_ix, ix) or intervals_has(failed_ix, ix):
            continue
        out.append(ix)
    return out


def _active_rank(p):
    """controller.ActivePods ordering, the pods to delete first: unassigned < assigned,
    Pending < Unknown < Running, not ready < ready, then the youngest first."""
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(p.status.phase, 0)
    created = parse_time(p.metadata.creation_timestamp) or 0.0
    return (1 if p.spec.node_name else 0, phase_rank, 1 if is_pod_ready(p) else 0, -created)


def active_pods_for_removal(job, pods: list, rm_at_least: int) -> list:
    """activePodsForRemoval + appendDuplicatedIndexPodsForRemoval: for Indexed Jobs, pods
    without a valid index and all but one pod of a repeated index go first."""
    rm, left = [], list(pods)
    if is_indexed_job(job):
        left = []
        by_ix: dict = {}
        for p in pods:
            ix = completion_index(p)
            if ix is None or ix >= job.spec.completions:
                rm.append(p)
            else:
                by_ix.setdefault(ix, []).append(p)
        for ix in sorted(by_ix):
            group = sorted(by_ix[ix], key=_active_rank)
            rm.extend(group[:-1])
            left.append(group[-1])
    if len(rm) < rm_at_least:
        left.sort(key=_active_rank)
        rm.extend(left[: rm_at_least - len(rm)])
    return rm


def pod_generate_name_with_index(job_name: str, index: int) -> str:
    """podGenerateNameWithIndex: ``<job>-<index>-``, the job name cut to fit."""
    append = f"-{index}-"
    prefix = job_name + append
    if len(prefix) > MAX_GENERATED_NAME_LENGTH:
        prefix = prefix[: MAX_GENERATED_NAME_LENGTH - len(append)] + append
    return prefix


def add_completion_index_env_variables(template) -> None:
    """addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the index label (PodIndexLabel, GA)."""
    from kubelab.api.core import EnvVar

    for c in list(template.spec.init_containers or []) + list(template.spec.containers or []):
        if any(e.name == COMPLETION_INDEX_ENV for e in c.env or ()):
            continue
        c.env = list(c.env or []) + [EnvVar(name=COMPLETION_INDEX_ENV, value_from={
            "fieldRef": {"fieldPath": f"metadata.labels['{COMPLETION_INDEX}']"}})]


def only_replace_failed_pods(job) -> bool:
    """onlyReplaceFailedPods: podReplacementPolicy Failed, or a podFailurePolicy."""
    return job.spec.pod_replacement_policy == "Failed" or job.spec.pod_failure_policy is not None


def is_pod_failed(p, job) -> bool:
    """isPodFailed: Failed, or (unless only failed pods are replaced) being deleted without
    having succeeded."""
    if p.status.phase == "Failed":
        return True
    if only_replace_failed_pods(job):
        return False
    return p.metadata.deletion_timestamp is not None and p.status.phase != "Succeeded"


def finished_time(p) -> float:
    """getFinishedTime: the containers' latest finishedAt, else the Ready=False transition,
    else the deletion timestamp, else the creation timestamp."""
    css = p.status.container_statuses or []
    if css and all(cs.state and cs.state.terminated and cs.state.terminated.finished_at for cs in css):
        return max(parse_time(cs.state.terminated.finished_at) or 0.0 for cs in css)
    for c in p.status.conditions or ():
        if c.type == "Ready" and c.status == "False" and c.last_transition_time:
            return parse_time(c.last_transition_time) or 0.0
    if p.metadata.deletion_timestamp:
        return (parse_time(p.metadata.deletion_timestamp) or 0.0) - (p.metadata.deletion_grace_period_seconds or 0)
    return parse_time(p.metadata.creation_timestamp) or 0.0


def remaining_for_failures(now: float, failures: int, last_failure: Optional[float]) -> float:
    """getRemainingTimeForFailuresCount: 10 s doubling per failure, capped at 10 min, from
    the last failure."""
    if failures == 0 or last_failure is None:
        return 0.0
    delay = DEFAULT_BACKOFF
    for _ in range(1, failures):
        delay *= 2
        if delay >= MAX_BACKOFF:
            delay = MAX_BACKOFF
            break
    elapsed = now - last_failure
    return 0.0 if delay < elapsed else delay - elapsed


class BackoffRecord:
    """backoff_utils.go backoffRecord."""

    def __init__(self, failures_after_last_success: int = 0, last_failure_time: Optional[float] = None):
        self.failures_after_last_success = failures_after_last_success
        self.last_failure_time = last_failure_time

    def remaining(self, now: float) -> float:
        return remaining_for_failures(now, self.failures_after_last_success, self.last_failure_time)


def _annotation_int(p, key: str) -> int:
    v = (p.metadata.annotations or {}).get(key)
    try:
        i = int(v) if v is not None else 0
    except ValueError:
        return 0
    return i if 0 <= i <= 2**31 - 1 else 0


def is_index_failed(job, p) -> bool:
    """isIndexFailed (indexed_job_utils.go): FailIndex matched, or a counted failure with the
    index's failure count already at backoffLimitPerIndex."""
    counted = False
    if is_pod_failed(p, job):
        if job.spec.pod_failure_policy is not None:
            _, count, action = match_pod_failure_policy(job.spec.pod_failure_policy, p)
            if action == "FailIndex":
                return True
            counted = count
        else:
            counted = True
    return counted and _annotation_int(p, INDEX_FAILURE_COUNT) >= job.spec.backoff_limit_per_index


def pods_with_delayed_deletion_per_index(job, pods, active, succeeded_ix, failed_ix, valid) -> dict:
    """getPodsWithDelayedDeletionPerIndex: per pending index, the failed pod whose
    replacement inherits its failure counts."""
    active_ix = {completion_index(p) for p in active}
    out: dict = {}
    for p in pods:
        if not valid(p) or not is_pod_failed(p, job):
            continue
        ix = completion_index(p)
        if intervals_has(succeeded_ix, ix) or intervals_has(failed_ix, ix) or ix in active_ix:
            continue
        last = out.get(ix)
        if last is None or (_absolute_failures(last) <= _absolute_failures(p) and not finished_time(p) < finished_time(last)):
            out[ix] = p
    return out


def _absolute_failures(p) -> int:
    return _annotation_int(p, INDEX_FAILURE_COUNT) + _annotation_int(p, INDEX_IGNORED_FAILURE_COUNT)


def new_index_failure_counts(job, replaced) -> tuple[int, int]:
    """getNewIndexFailureCounts: the replaced pod's counts plus its own failure."""
    if replaced is None:
        return 0, 0
    count, ignored = _annotation_int(replaced, INDEX_FAILURE_COUNT), _annotation_int(replaced, INDEX_IGNORED_FAILURE_COUNT)
    if job.spec.pod_failure_policy is not None and not match_pod_failure_policy(job.spec.pod_failure_policy, replaced)[1]:
        ignored += 1
    else:
        count += 1
    return count, ignored


def remaining_time_per_index(now: float, last_failed) -> float:
    """getRemainingTimePerIndex."""
    if last_failed is None:
        return 0.0
    return remaining_for_failures(now, _absolute_failures(last_failed) + 1, finished_time(last_failed))


def _ensure_condition(st, type_: str, status: str, reason: str, message: str, now: float) -> bool:
    """ensureJobConditionStatus: update in place when anything differs; a new condition only
    when it is not False."""
    ts = rfc3339(now)
    conds = list(st.conditions or [])
    for i, c in enumerate(conds):
        if c.type == type_:
            if c.status != status or c.reason != reason or c.message != message:
                conds[i] = JobCondition(type=type_, status=status, reason=reason, message=message,
                                        last_probe_time=ts, last_transition_time=ts)
                st.conditions = conds
                return True
            return False
    if status != "False":
        st.conditions = conds + [JobCondition(type=type_, status=status, reason=reason, message=message,
                                              last_probe_time=ts, last_transition_time=ts)]
        return True
    return False


# pod_failure_policy.go
def _matching_container(statuses, req: dict):
    for cs in statuses or ():
        term = cs.state.terminated if cs.state else None
        if term is None:
            continue
        if req.container_name in (None, cs.name) and term.exit_code != 0:
            values = req.values or []
            op = req.operator
            if (op == "In" and term.exit_code in values) or (op == "NotIn" and term.exit_code not in values):
                return cs
    return None


def match_pod_failure_policy(policy, pod) -> tuple[Optional[str], bool, Optional[str]]:
    """matchPodFailurePolicy: (FailJob message, count the failure?, matched action)."""
    if policy is None:
        return None, True, None
    for index, rule in enumerate(policy.rules or ()):
        action = rule.action
        failjob = None  # the FailJob message, when this rule matches the pod
        if rule.on_exit_codes is not None:
            req = rule.on_exit_codes
            cs = _matching_container(pod.status.container_statuses, req) or \
                _matching_container(pod.status.init_container_statuses, req)
            if cs is not None:
                failjob = (f"Container {cs.name} for pod {pod.metadata.namespace}/{pod.name} failed with exit code "
                           f"{cs.state.terminated.exit_code} matching FailJob rule at index {index}")
        elif rule.on_pod_conditions is not None:
            cond = next((c for c in pod.status.conditions or () for pat in rule.on_pod_conditions
                         if c.type == pat.type and c.status == (pat.status or "True")), None)
            if cond is not None:
                failjob = (f"Pod {pod.metadata.namespace}/{pod.name} has condition {cond.type} matching FailJob "
                           f"rule at index {index}")
        if failjob is None:
            continue
        if action == "Ignore":
            return None, False, "Ignore"
        if action in ("FailIndex", "Count"):
            return None, True, action
        if action == "FailJob":
            return failjob, True, "FailJob"
    return None, True, None


def get_fail_job_message(job, pods) -> Optional[str]:
    """getFailJobMessage: the first failed pod that matches a FailJob rule."""
    if job.spec.pod_failure_policy is None:
        return None
    for p in pods:
        if is_pod_failed(p, job):
            msg, _, _ = match_pod_failure_policy(job.spec.pod_failure_policy, p)
            if msg is not None:
                return msg
    return None


# success_policy.go
def match_success_policy(policy, completions: int, succeeded_ix: Intervals) -> Optional[str]:
    """matchSuccessPolicy: the message of the first rule the succeeded indexes satisfy."""
    if policy is None or not succeeded_ix:
        return None
    for index, rule in enumerate(policy.rules or ()):
        count = rule.succeeded_count
        if rule.succeeded_indexes is not None:
            required = parse_indexes(rule.succeeded_indexes, completions)
            if not required:
                continue
            if _match_succeeded_indexes_rule(required, succeeded_ix, count):
                return f"Matched rules at index {index}"
        elif count is not None and intervals_total(succeeded_ix) >= count:
            return f"Matched rules at index {index}"
    return None


def _match_succeeded_indexes_rule(rule_ix: Intervals, succeeded_ix: Intervals, count: Optional[int]) -> bool:
    contains = sum(max(0, min(r[1], s[1]) - max(r[0], s[0]) + 1) for r in rule_ix for s in succeeded_ix)
    return contains == intervals_total(rule_ix) or (count is not None and contains >= count)

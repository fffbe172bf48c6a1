"""The Job controller as Kubernetes v1.34 runs it: Indexed Jobs, suspend / resume, pod failure
policies (upstream: pkg/controller/job/job_controller.go, indexed_job_utils.go,
pod_failure_policy.go, backoff_utils.go; pkg/apis/batch/validation/validation.go).

Most cases use the small World (fake scheduler and kubelet, pods succeed or fail by name
prefix); the exit-code cases use a whole cluster, whose kubelet makes containers exit with
``sim.kubelab.io/exit-code``."""

import json

import kubelab as kl
from kubelab.api.core import Pod
from kubelab.controllers.job import JobController, intervals_string, parse_indexes, with_ordered_indexes

from .test_workloads import active, no_sync_crashes
from .world import World

INDEX = "batch.kubernetes.io/job-completion-index"


def _job(name, **spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": dict({"template": {"spec": {"restartPolicy": "Never",
                                                "containers": [{"name": "main", "image": "busybox"}]}}}, **spec)}


def _conds(job):
    return {c.type: c for c in job.status.conditions or ()}


def _update(w, name, **spec):
    job = w.get("Job", name).copy_deep()
    for k, v in spec.items():
        setattr(job.spec, k, v)
    return w.call(w.client.update(job))


# ----------------------------------------------------------------------------- Indexed Jobs
def test_completed_indexes_are_written_as_compressed_intervals():
    """upstream: indexed_job_utils.go orderedIntervals.String / parseIndexesFromString."""
    assert intervals_string(with_ordered_indexes([], [0, 1, 2, 4])) == "0-2,4"
    assert intervals_string(with_ordered_indexes([], [1, 2, 5, 6, 7])) == "1,2,5-7"
    assert intervals_string(with_ordered_indexes(parse_indexes("0-2,7", 8), [3, 5])) == "0-3,5,7"
    assert parse_indexes("0-9", 4) == [[0, 3]]  # indexes past completions are dropped


def test_indexed_job_pods_carry_their_index_and_the_job_completes_when_all_succeed():
    """upstream: job_controller.go manageJob + indexed_job_utils.go: annotation and label
    batch.kubernetes.io/job-completion-index, JOB_COMPLETION_INDEX from the label, hostname
    <job>-<index>, generateName <job>-<index>-, lowest missing indexes first."""
    w = World()
    w.succeed_after["idx-"] = 5
    w.start(JobController)
    w.create(_job("idx", completions=5, parallelism=2, completionMode="Indexed",
                  template={"spec": {"restartPolicy": "Never", "subdomain": "workers",
                                     "containers": [{"name": "main", "image": "busybox"}]}}))
    w.run(2)
    pods = sorted(active(w.list(Pod)), key=lambda p: p.metadata.annotations[INDEX])
    assert [p.metadata.annotations[INDEX] for p in pods] == ["0", "1"]
    for i, p in enumerate(pods):
        assert p.metadata.labels[INDEX] == str(i)
        assert p.metadata.name.startswith(f"idx-{i}-") and len(p.metadata.name) == len(f"idx-{i}-") + 5
        assert p.spec.hostname == f"idx-{i}" and p.spec.subdomain == "workers"
        env = {e.name: e.value_from for e in p.spec.containers[0].env}
        assert env["JOB_COMPLETION_INDEX"] == {"fieldRef": {"apiVersion": "v1", "fieldPath": f"metadata.labels['{INDEX}']"}} \
            or env["JOB_COMPLETION_INDEX"]["fieldRef"]["fieldPath"] == f"metadata.labels['{INDEX}']"
    w.run(6)  # indexes 0 and 1 have succeeded, 2 and 3 run
    job = w.get("Job", "idx")
    assert job.status.completed_indexes == "0,1" and job.status.succeeded == 2
    assert sorted(p.metadata.annotations[INDEX] for p in active(w.list(Pod))) == ["2", "3"]
    w.run(30)
    job = w.get("Job", "idx")
    assert job.status.completed_indexes == "0-4" and job.status.succeeded == 5
    assert _conds(job)["SuccessCriteriaMet"].reason == "CompletionsReached"
    assert _conds(job)["Complete"].status == "True"
    assert job.status.failed_indexes is None
    no_sync_crashes(w)


def test_an_index_that_keeps_failing_becomes_a_failed_index():
    """upstream: job_controller.go syncJob (FailedIndexes), indexed_job_utils.go
    calculateFailedIndexes / isIndexFailed, the index-failure-count annotation."""
    w = World()
    for ix in (0, 1, 3):
        w.succeed_after[f"fi-{ix}-"] = 3
    w.fail_pods.add("fi-2-")
    w.start(JobController)
    w.create(_job("fi", completions=4, parallelism=4, completionMode="Indexed", backoffLimitPerIndex=1))
    w.run(120)
    job = w.get("Job", "fi")
    assert job.spec.backoff_limit == 2147483647  # defaults.go: MaxInt32 with backoffLimitPerIndex
    assert job.status.failed_indexes == "2" and job.status.completed_indexes == "0,1,3"
    assert job.status.failed == 2  # the first pod of index 2 and its replacement
    failed = _conds(job)["Failed"]
    assert (failed.reason, failed.message) == ("FailedIndexes", "Job has failed indexes")
    assert _conds(job)["FailureTarget"].reason == "FailedIndexes"
    idx2 = sorted((p for p in w.list(Pod) if p.metadata.annotations[INDEX] == "2"),
                  key=lambda p: p.metadata.creation_timestamp)
    assert [p.metadata.annotations["batch.kubernetes.io/job-index-failure-count"] for p in idx2] == ["0", "1"]


def test_max_failed_indexes_exceeded_fails_the_job_early():
    """upstream: job_controller.go syncJob (MaxFailedIndexesExceeded)."""
    w = World()
    w.fail_pods.add("mf-")
    w.start(JobController)
    w.create(_job("mf", completions=3, parallelism=3, completionMode="Indexed",
                  backoffLimitPerIndex=0, maxFailedIndexes=1))
    w.run(30)
    job = w.get("Job", "mf")
    failed = _conds(job)["Failed"]
    assert failed.reason == "MaxFailedIndexesExceeded"
    assert failed.message == "Job has exceeded the specified maximal number of failed indexes"
    assert [e.reason for e in w.events("MaxFailedIndexesExceeded")] == ["MaxFailedIndexesExceeded"]


# ----------------------------------------------------------------------------- suspend
def test_a_job_created_suspended_makes_no_pods_until_resumed():
    """upstream: job_controller.go syncJob: Suspended=True JobSuspended "Job suspended", no
    startTime while suspended; on resume Suspended=False JobResumed and a fresh startTime."""
    w = World()
    w.succeed_after["s-"] = 5
    w.start(JobController)
    w.create(_job("s", suspend=True))
    w.run(10)
    job = w.get("Job", "s")
    assert w.list(Pod) == [] and job.status.start_time is None
    c = _conds(job)["Suspended"]
    assert (c.status, c.reason, c.message) == ("True", "JobSuspended", "Job suspended")
    assert [e.message for e in w.events("Suspended")] == ["Job suspended"]
    _update(w, "s", suspend=False)
    w.run(1)
    job = w.get("Job", "s")
    c = _conds(job)["Suspended"]
    assert (c.status, c.reason, c.message) == ("False", "JobResumed", "Job resumed")
    assert [e.message for e in w.events("Resumed")] == ["Job resumed"]
    assert job.status.start_time == _conds(job)["Suspended"].last_transition_time  # startTime restarts on resume
    assert len(active(w.list(Pod))) == 1
    w.run(20)
    assert _conds(w.get("Job", "s"))["Complete"].status == "True"


def test_suspending_a_running_job_deletes_its_pods_without_counting_them_failed():
    """upstream: job_controller.go manageJob (suspended: delete all active pods, their
    tracking finalizer removed first, so they are not failures)."""
    w = World()
    w.start(JobController)
    w.create(_job("r", parallelism=2, completions=4))
    w.run(5)
    assert len(active(w.list(Pod))) == 2
    _update(w, "r", suspend=True)
    w.run(5)
    job = w.get("Job", "r")
    assert w.list(Pod) == [] and job.status.active == 0
    assert job.status.failed in (None, 0)
    assert _conds(job)["Suspended"].status == "True"
    assert len(w.events("SuccessfulDelete")) == 2


def test_active_deadline_restarts_when_a_suspended_job_resumes():
    """upstream: job_controller.go pastActiveDeadline (never while suspended) and the
    startTime reset on resume."""
    w = World()
    w.start(JobController)
    w.create(_job("d", activeDeadlineSeconds=30))
    w.run(20)
    _update(w, "d", suspend=True)
    w.run(80)  # well past 30 s since the first start
    assert "Failed" not in _conds(w.get("Job", "d"))
    _update(w, "d", suspend=False)
    w.run(20)
    assert "Failed" not in _conds(w.get("Job", "d"))
    w.run(15)
    failed = _conds(w.get("Job", "d"))["Failed"]
    assert (failed.reason, failed.message) == ("DeadlineExceeded", "Job was active longer than specified deadline")

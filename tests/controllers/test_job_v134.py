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
    assert w.list(Pod) == [] and not job.status.active  # omitempty: 0 is left out
    assert job.status.failed is None
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
    job = w.get("Job", "d")
    failed = _conds(job)["Failed"]
    assert (failed.reason, failed.message) == ("DeadlineExceeded", "Job was active longer than specified deadline")
    # the running pod was deleted and counted failed (trackJobStatusAndRemoveFinalizers); the
    # one deleted on suspend was not
    assert job.status.failed == 1 and [x.type for x in job.status.conditions][-2:] == ["FailureTarget", "Failed"]


# ----------------------------------------------------------------------------- podFailurePolicy
def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(5)
    return c


def _exiting_job(name, exit_code, policy, **spec):
    """A Job whose container ``main`` exits after 2 s with ``exit_code`` (the simulated
    kubelet's sim.kubelab.io/exit-code)."""
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": dict({"podFailurePolicy": policy, "template": {
                "metadata": {"annotations": {"sim.kubelab.io/run-seconds": "2",
                                             "sim.kubelab.io/exit-code": str(exit_code)}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}}, **spec)}


def test_a_fail_job_rule_fails_the_job_through_failure_target_with_upstreams_message():
    """upstream: pod_failure_policy.go matchPodFailurePolicy (the FailJob message) and
    job_controller.go syncJob / trackJobStatusAndRemoveFinalizers: the interim FailureTarget
    condition first, then Failed with the same reason and message."""
    c = cluster()
    c.apply(_exiting_job("x", 42, {"rules": [
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
        {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}}]}))
    c.run(30)
    job = c.get("Job", "x")
    assert job.spec.pod_replacement_policy == "Failed"  # defaults.go, with a podFailurePolicy
    assert job.spec.pod_failure_policy.rules[0].on_pod_conditions[0].status == "True"
    pod = c.list("Pod")[0]
    message = f"Container main for pod default/{pod.metadata.name} failed with exit code 42 matching FailJob rule at index 1"
    conds = _conds(job)
    assert [x.type for x in job.status.conditions] == ["FailureTarget", "Failed"]
    assert (conds["FailureTarget"].reason, conds["FailureTarget"].message) == ("PodFailurePolicy", message)
    assert (conds["Failed"].reason, conds["Failed"].message) == ("PodFailurePolicy", message)
    assert job.status.failed == 1 and len(c.list("Pod")) == 1  # no replacement
    assert [e.message for e in c.api.events(job) if e.reason == "PodFailurePolicy"] == [message]


def test_not_in_matches_every_other_non_zero_exit_code():
    """upstream: pod_failure_policy.go isOnExitCodesOperatorMatching (NotIn)."""
    c = cluster()
    c.apply(_exiting_job("y", 3, {"rules": [
        {"action": "FailJob", "onExitCodes": {"operator": "NotIn", "values": [1, 2]}}]}))
    c.run(30)
    failed = _conds(c.get("Job", "y"))["Failed"]
    assert failed.reason == "PodFailurePolicy" and "failed with exit code 3 matching FailJob rule at index 0" in failed.message


def test_ignored_failures_do_not_count_toward_the_backoff_limit():
    """upstream: job_controller.go nonIgnoredFailedPodsCount: an Ignore rule's failures are
    not counted, so backoffLimit 0 does not fail the Job; Count rules count."""
    c = cluster()
    c.apply(_exiting_job("ign", 1, {"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}]},
                         backoffLimit=0))
    c.apply(_exiting_job("cnt", 1, {"rules": [{"action": "Count", "onExitCodes": {"operator": "In", "values": [1]}}]},
                         backoffLimit=0))
    c.run(60)
    ign, cnt = c.get("Job", "ign"), c.get("Job", "cnt")
    assert "Failed" not in _conds(ign) and not ign.status.failed
    assert len([p for p in c.list("Pod") if p.metadata.name.startswith("ign-")]) >= 3  # replaced after each failure
    assert _conds(cnt)["Failed"].reason == "BackoffLimitExceeded" and cnt.status.failed == 1


def _fail_with_condition(w, pod, ctype):
    from kubelab.api.core import PodCondition

    p = w.get(Pod, pod.metadata.name).copy_deep()
    p.status.phase = "Failed"
    p.status.conditions = [PodCondition(type=ctype, status="True", reason="PreemptionByScheduler")]
    w.call(w.client.update_status(p))


def test_on_pod_conditions_rules_match_a_disruption_target():
    """upstream: pod_failure_policy.go matchOnPodConditions: a pod that failed with
    DisruptionTarget=True is ignored by one Job and fails the other."""
    w = World()
    w.start(JobController)
    w.create(_job("ign", backoffLimit=0, podFailurePolicy={"rules": [
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}))
    w.create(_job("fj", backoffLimit=6, podFailurePolicy={"rules": [
        {"action": "FailJob", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}))
    w.run(5)
    victims = {p.metadata.name.split("-")[0]: p for p in w.list(Pod)}
    for p in victims.values():
        _fail_with_condition(w, p, "DisruptionTarget")
    w.run(30)
    ign, fj = w.get("Job", "ign"), w.get("Job", "fj")
    assert "Failed" not in _conds(ign) and not ign.status.failed and ign.status.active == 1
    failed = _conds(fj)["Failed"]
    assert failed.message == f"Pod default/{victims['fj'].metadata.name} has condition DisruptionTarget matching FailJob rule at index 0"


# ----------------------------------------------------------------------------- validation
def _apply(c, obj):
    return str(c.kubectl("apply -f -", stdin=json.dumps(obj))).strip()


def test_validation_of_indexed_jobs_and_pod_failure_policies():
    """upstream: pkg/apis/batch/validation/validation.go validateJobSpec,
    validatePodFailurePolicyRule(OnExitCodes), ValidateJob (the indexed hostname)."""
    c = kl.Cluster(masters=1, seed=1)
    bad = {
        "spec.completions: Required value: when completion mode is Indexed":
            _job("a", completionMode="Indexed", parallelism=2),
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when '
        "podFailurePolicy is specified":
            _job("b", podFailurePolicy={"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}]},
                 template={"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "main", "image": "a"}]}}),
        "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator":
            _job("c", podFailurePolicy={"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [0]}}]}),
        'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "other": must be one of the '
        "container or initContainer names in the pod template":
            _job("d", podFailurePolicy={"rules": [{"action": "FailJob", "onExitCodes": {
                "containerName": "other", "operator": "In", "values": [1]}}]}),
        'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set':
            _job("e", podFailurePolicy={"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [1]}}]}),
        "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode":
            _job("f", backoffLimitPerIndex=1),
        "spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions":
            _job("g", completionMode="Indexed", completions=3, backoffLimitPerIndex=1, maxFailedIndexes=5),
        "metadata.name: Invalid value: \"" + "n" * 60 + "\": will not able to create pod with invalid DNS label: "
        + "n" * 60 + "-999":
            _job("n" * 60, completionMode="Indexed", completions=1000),
    }
    for message, obj in bad.items():
        out = _apply(c, obj)
        assert out.endswith(f'Job.batch "{obj["metadata"]["name"]}" is invalid: {message}'), out
    assert c.kubectl("get jobs -o name").strip() == ""


def test_kubectl_describe_shows_completed_indexes_and_suspend():
    """upstream: kubectl describe.go describeJob (Completion Mode, Suspend, Completed
    Indexes through capIndexesListOrNone)."""
    c = cluster()
    c.apply(_job("idx", completions=3, parallelism=3, completionMode="Indexed",
                 template={"metadata": {"annotations": {"sim.kubelab.io/run-seconds": "2"}},
                           "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}))
    c.run(30)
    lines = {}
    for line in str(c.kubectl("describe job idx")).splitlines():
        if ":" in line and not line.startswith(" "):
            lines.setdefault(*line.split(":", 1))
    assert lines["Completion Mode"].strip() == "Indexed" and lines["Suspend"].strip() == "false"
    assert lines["Completed Indexes"] == "  0-2"  # the longest key sets the column
    assert str(c.kubectl("get job idx")).splitlines()[1].split()[1:3] == ["Complete", "3/3"]


# ----------------------------------------------------------------------------- CronJob time zones
def _cronjob(name, schedule, time_zone=None):
    spec = {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
        "restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}}}}
    if time_zone is not None:
        spec["timeZone"] = time_zone
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": spec}


def test_nine_in_tokyo_is_midnight_utc():
    """upstream: cronjob_controllerv2.go formatSchedule (timeZone becomes a TZ= prefix) and
    getJobFromTemplate2 (the scheduled-timestamp annotation in the CronJob's zone)."""
    from kubelab.controllers.job import CronJobController

    w = World(kubelet=False)
    w.start(CronJobController)
    w.create(_cronjob("tokyo", "0 9 * * *", "Asia/Tokyo"))
    w.run(86399)  # the clock starts at 2025-01-01T00:00:00Z: 09:00 in Tokyo has just passed
    assert w.list("Job") == []
    w.run(2)
    [job] = w.list("Job")
    assert job.metadata.name == f"tokyo-{(1735689600 + 86400) // 60}"  # 2025-01-02T00:00:00Z in unix minutes
    assert job.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2025-01-02T09:00:00+09:00"
    assert w.get("CronJob", "tokyo").status.last_schedule_time == "2025-01-02T00:00:00Z"


def test_a_legacy_tz_in_the_schedule_wins_with_a_warning():
    """upstream: cronjob_controllerv2.go formatSchedule (UnsupportedSchedule)."""
    from kubelab.api import decode
    from kubelab.controllers.job import CronJobController

    w = World(kubelet=False)
    [ctl] = w.start(CronJobController)
    cj = decode(_cronjob("old", "CRON_TZ=Europe/Paris 0 9 * * *", "Asia/Tokyo"))
    cj.metadata.namespace = "default"
    assert ctl._format_schedule(cj) == "CRON_TZ=Europe/Paris 0 9 * * *"
    ok = decode(_cronjob("new", "0 9 * * *", "Asia/Tokyo"))
    assert ctl._format_schedule(ok) == "TZ=Asia/Tokyo 0 9 * * *"
    w.run(1)
    assert [e.message for e in w.events("UnsupportedSchedule")] == [
        'CRON_TZ or TZ used in schedule "CRON_TZ=Europe/Paris 0 9 * * *" is not officially supported, '
        "see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"]


def test_cronjob_validation_of_time_zones_and_names():
    """upstream: pkg/apis/batch/validation/validation.go validateScheduleFormat (a TZ in a new
    schedule is refused even with timeZone set), validateTimeZone, ValidateCronJobCreate (52
    characters), ValidateJobTemplateSpec."""
    c = kl.Cluster(masters=1, seed=1)
    cases = {
        'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead':
            _cronjob("a", "TZ=UTC 0 * * * *", "UTC"),
        'spec.timeZone: Invalid value: "Asia/Nowhere": unknown time zone Asia/Nowhere':
            _cronjob("b", "0 9 * * *", "Asia/Nowhere"),
        'metadata.name: Invalid value: "' + "c" * 53 + '": must be no more than 52 characters':
            _cronjob("c" * 53, "0 9 * * *"),
    }
    for message, obj in cases.items():
        out = _apply(c, obj)
        assert out.endswith(f'CronJob.batch "{obj["metadata"]["name"]}" is invalid: {message}'), out
    assert _apply(c, _cronjob("c" * 52, "0 9 * * *")) == f"cronjob.batch/{'c' * 52} created"


# ----------------------------------------------------------------------------- successPolicy, updates
def test_a_success_policy_completes_the_job_early_and_stops_the_rest():
    """upstream: success_policy.go matchSuccessPolicy, job_controller.go (SuccessCriteriaMet
    reason SuccessPolicy, the remaining pods deleted, Complete once none is terminating)."""
    w = World()
    w.succeed_after["sp-0-"] = 3
    w.start(JobController)
    w.create(_job("sp", completions=3, parallelism=3, completionMode="Indexed",
                  successPolicy={"rules": [{"succeededIndexes": "0"}]}))
    w.run(5.5)  # index 0 has succeeded (at 5 s); the others are being deleted (the kubelet takes 1 s)
    job = w.get("Job", "sp")
    met = _conds(job)["SuccessCriteriaMet"]
    assert (met.reason, met.message) == ("SuccessPolicy", "Matched rules at index 0")
    assert "Complete" not in _conds(job) and job.status.terminating == 2
    w.run(5)
    job = w.get("Job", "sp")
    assert (_conds(job)["Complete"].reason, _conds(job)["Complete"].message) == ("SuccessPolicy", "Matched rules at index 0")
    assert job.status.completed_indexes == "0" and job.status.succeeded == 1 and not job.status.failed
    assert job.status.terminating == 0 and w.list(Pod)[0].metadata.annotations[INDEX] == "0"


def test_job_updates_keep_the_immutable_fields():
    """upstream: validation.go ValidateJobSpecUpdate, validateCompletions (elastic Indexed
    Jobs), validatePodTemplateUpdate (scheduling directives of a suspended, unstarted Job)."""
    c = kl.Cluster(masters=1, seed=1)
    _apply(c, _job("el", completionMode="Indexed", completions=2, parallelism=2, suspend=True))
    out = _apply(c, _job("el", completionMode="Indexed", completions=3, parallelism=2, suspend=True))
    assert out.endswith('Job.batch "el" is invalid: spec.completions: Invalid value: 3: '
                        "can only be modified in tandem with spec.parallelism"), out
    assert _apply(c, _job("el", completionMode="Indexed", completions=3, parallelism=3, suspend=True)) == "job.batch/el configured"
    moved = _job("el", completionMode="Indexed", completions=3, parallelism=3, suspend=True)
    moved["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    assert _apply(c, moved) == "job.batch/el configured"  # suspended and never started
    moved["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2"
    assert "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable" in _apply(c, moved)
    out = _apply(c, _job("el", completionMode="Indexed", completions=3, parallelism=3, suspend=True, backoffLimitPerIndex=1))
    assert out.endswith('Job.batch "el" is invalid: spec.backoffLimitPerIndex: Invalid value: 1: field is immutable'), out
    out = _apply(c, _job("sp", completionMode="NonIndexed", successPolicy={"rules": [{"succeededCount": 1}]}))
    assert "spec.successPolicy: Invalid value: batch.SuccessPolicy{...}: requires indexed completion mode" in out, out
    out = _apply(c, _job("sq", completionMode="Indexed", completions=3, successPolicy={"rules": [{"succeededIndexes": "2-1"}]}))
    assert out.endswith('spec.successPolicy.rules[0].succeededIndexes: Invalid value: "2-1": error parsing succeededIndexes: '
                        "non-increasing order, previous: 2, current: 1"), out


def test_a_job_managed_by_another_controller_is_left_alone():
    """upstream: job_controller.go syncJob (managedByExternalController)."""
    w = World()
    w.start(JobController)
    w.create(_job("ext", managedBy="example.com/batch-operator"))
    w.create(_job("own", managedBy="kubernetes.io/job-controller"))
    w.run(5)
    assert sorted(p.metadata.name.split("-")[0] for p in w.list(Pod)) == ["own"]
    assert w.get("Job", "ext").status.start_time is None

"""CronJobs as v1.34 treats them: schedules parsed by robfig/cron's standard parser and refused
with its words (pkg/apis/batch/validation/validation.go validateScheduleFormat,
validateTimeZone; github.com/robfig/cron/v3 parser.go), schedule times in spec.timeZone, and a
controller that wakes at the next schedule time — with concurrencyPolicy Forbid it skips,
it does not poll (pkg/controller/cronjob/cronjob_controllerv2.go, utils.go)."""

import pytest

import kubelab as kl
from kubelab.api.base import parse_time


def cronjob(name, schedule, policy=None, run_seconds=5, time_zone=None):
    spec = {"schedule": schedule, "jobTemplate": {"spec": {"template": {
        "metadata": {"annotations": {"sim.kubelab.io/run-seconds": str(run_seconds)}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}}
    if policy:
        spec["concurrencyPolicy"] = policy
    if time_zone is not None:
        spec["timeZone"] = time_zone
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": spec}


def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    return c


def apply(c, obj):
    import json
    return str(c.kubectl("apply -f -", stdin=json.dumps(obj))).strip()


@pytest.mark.parametrize("schedule, message", [
    ("61 * * * *", 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
    ("every minute", 'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'),
    ("0 0 * * 7", 'spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7'),
    ("*/0 * * * *", 'spec.schedule: Invalid value: "*/0 * * * *": step of range should be a positive number: */0'),
    ("@fortnightly", 'spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly'),
    ("x * * * *", 'spec.schedule: Invalid value: "x * * * *": failed to parse int from x: '
                  'strconv.Atoi: parsing "x": invalid syntax'),
    ("TZ=UTC 0 * * * *", 'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, '
                         "use timeZone field instead"),
])
def test_a_schedule_robfig_cron_refuses_is_refused_and_nothing_is_created(schedule, message):
    c = cluster()
    out = apply(c, cronjob("c", schedule))
    assert out.endswith('CronJob.batch "c" is invalid: ' + message), out
    assert c.kubectl("get cronjobs -o name").strip() == ""


@pytest.mark.parametrize("schedule", ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly",
                                      "@annually", "@every 90s", "*/15 9-17 * * mon-fri", "0 0 1,15 jan-jun ?"])
def test_descriptors_names_and_steps_are_accepted(schedule):
    c = cluster()
    assert apply(c, cronjob("c", schedule)) == "cronjob.batch/c created"


def test_time_zone_must_be_a_known_iana_name():
    c = cluster()
    out = apply(c, cronjob("c", "0 * * * *", time_zone="Mars/Olympus"))
    assert out.endswith('CronJob.batch "c" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": '
                        "unknown time zone Mars/Olympus"), out
    out = apply(c, cronjob("c", "0 * * * *", time_zone="Local"))
    assert "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" in out
    assert apply(c, cronjob("c", "0 * * * *", time_zone="Europe/Paris")) == "cronjob.batch/c created"


def test_the_schedule_runs_in_its_time_zone():
    # the simulated clock starts at 2025-01-01T00:00:00Z, which is 09:00 in Tokyo
    c = cluster()
    apply(c, cronjob("tokyo", "5 9 * * *", time_zone="Asia/Tokyo"))
    apply(c, cronjob("utc", "5 9 * * *"))
    c.run(310)
    jobs = {j.metadata.name: j for j in c.list("Job")}
    assert list(jobs) == ["tokyo-28928165"]  # 2025-01-01T00:05:00Z in unix minutes
    assert jobs["tokyo-28928165"].metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2025-01-01T09:05:00+09:00"
    assert c.get("CronJob", "tokyo").status.last_schedule_time == "2025-01-01T00:05:00Z"
    assert c.get("CronJob", "utc").status.last_schedule_time is None


def test_forbid_skips_while_a_job_runs_and_does_not_poll():
    c = cluster()
    apply(c, cronjob("slow", "*/1 * * * *", policy="Forbid", run_seconds=150))
    c.run(200)
    cj = c.get("CronJob", "slow")
    assert [a["name"] for a in cj.status.active] == ["slow-28928161"]  # 00:01, still running
    skipped = [e for e in c.api.events(cj) if e.reason == "JobAlreadyActive"]
    assert skipped and skipped[0].message == \
        "Not starting job because prior execution is running and concurrency policy is Forbid"
    # one skip per schedule time reached (00:02, 00:03), not one a second (kubelab used to
    # record it 82 times here): the controller is woken at the next schedule time
    assert sum(e.count or 1 for e in skipped) == 2
    assert cj.status.last_schedule_time == "2025-01-01T00:01:00Z"
    c.run(100)
    # the first Job finished at 00:03:31: the most recent missed time (00:03) starts at once
    jobs = sorted((j.metadata.name, j.metadata.creation_timestamp) for j in c.list("Job"))
    assert jobs == [("slow-28928161", "2025-01-01T00:01:00Z"), ("slow-28928163", "2025-01-01T00:03:31Z")]
    assert "Saw completed job: slow-28928161, condition: Complete" in [e.message for e in c.api.events(cj)]


def test_replace_deletes_the_running_job_at_the_next_schedule_time():
    c = cluster()
    apply(c, cronjob("fresh", "*/1 * * * *", policy="Replace", run_seconds=1000))
    c.run(130)
    cj = c.get("CronJob", "fresh")
    assert [a["name"] for a in cj.status.active] == ["fresh-28928162"]
    assert [e.message for e in c.api.events(cj) if e.reason == "SuccessfulDelete"] == ["Deleted job fresh-28928161"]

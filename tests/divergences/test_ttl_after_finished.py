"""ttlSecondsAfterFinished: the TTL-after-finished controller deletes a finished Job that
many seconds after it finished, its pods with it (foreground deletion), and leaves Jobs
without a TTL alone (pkg/controller/ttlafterfinished/ttlafterfinished_controller.go)."""

import kubelab as kl
from kubelab.api.base import parse_time


def job(name, ttl=None, exit_code="0"):
    spec = {"backoffLimit": 0, "template": {
        "metadata": {"annotations": {"sim.kubelab.io/run-seconds": "5", "sim.kubelab.io/exit-code": exit_code}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}
    if ttl is not None:
        spec["ttlSecondsAfterFinished"] = ttl
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}


def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    return c


def finished_at(c, name):
    j = c.get("Job", name)
    return next(parse_time(x.last_transition_time) for x in j.status.conditions or ()
                if x.type in ("Complete", "Failed") and x.status == "True")


def test_a_finished_job_is_deleted_with_its_pods_once_its_ttl_runs_out():
    c = cluster()
    c.apply(job("once", ttl=60))
    c.apply(job("kept"))  # no TTL: kept forever
    c.run(40)
    done = finished_at(c, "once")
    assert "once" in c.kubectl("get jobs") and "Completed" in c.kubectl("get pods")
    c.run(done + 55 - c.sim.now)
    assert c.get("Job", "once") is not None  # not before its TTL
    c.run(15)
    assert "once" not in c.kubectl("get jobs")
    assert [p.metadata.name for p in c.list("Pod") if p.metadata.name.startswith("once-")] == []
    assert "kept" in c.kubectl("get jobs")


def test_a_failed_job_is_cleaned_up_too_and_a_ttl_of_zero_means_at_once():
    c = cluster()
    c.apply(job("broken", ttl=0, exit_code="1"))
    c.run(40)
    assert "broken" not in c.kubectl("get jobs")
    assert c.kubectl("get jobs -o name").strip() == ""


def test_a_ttl_raised_before_it_runs_out_is_honoured():
    c = cluster()
    c.apply(job("once", ttl=30))
    c.run(20)
    c.kubectl("patch job once -p '{\"spec\":{\"ttlSecondsAfterFinished\":300}}'")
    c.run(60)
    assert "once" in c.kubectl("get jobs")
    c.run(300)
    assert "once" not in c.kubectl("get jobs")

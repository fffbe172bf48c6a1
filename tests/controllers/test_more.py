"""DaemonSet, StatefulSet, Job, CronJob, the controller managers and the cloud."""

from __future__ import annotations


from kubelab.api.core import Pod, Taint
from kubelab.controllers.cloud import SimulatedCloud
from kubelab.controllers.daemonset import DaemonSetController
from kubelab.controllers.job import CronJobController, CronSchedule, JobController, sim_to_dt
from kubelab.controllers.manager import CloudControllerManager, ControllerManager
from kubelab.controllers.statefulset import StatefulSetController

from .test_workloads import DEPLOY, active, no_sync_crashes
from .world import World

TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.0"}]}}


def test_daemonset_one_pod_per_eligible_node_and_rolling_update():
    w = World(nodes=("n1", "n2", "n3"))
    # n3 carries a taint the daemon does not tolerate
    n3 = w.get("Node", "n3", None).copy_deep()
    n3.spec.taints = [Taint(key="dedicated", value="gpu", effect="NoSchedule")]
    w.call(w.client.update(n3))
    w.start(DaemonSetController)
    w.create({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
              "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}})
    w.run(20)
    pods = w.list(Pod)
    assert sorted(p.spec.node_name for p in pods) == ["n1", "n2"]
    st = w.get("DaemonSet", "agent").status
    assert (st.desired_number_scheduled, st.current_number_scheduled, st.number_ready, st.number_available) == (2, 2, 2, 2)
    assert all(t.key != "dedicated" for p in pods for t in p.spec.tolerations or ())
    assert any(t.key == "node.kubernetes.io/unreachable" and t.toleration_seconds is None for t in pods[0].spec.tolerations)
    # rolling update: never more than maxUnavailable (1) node without an available pod
    ds = w.get("DaemonSet", "agent").copy_deep()
    ds.spec.template.spec.containers[0].image = "busybox:2.0"
    w.call(w.client.update(ds))
    end = w.sim.now + 60
    worst = 0
    while w.sim.now < end and w.sim.step():
        ready_nodes = {p.spec.node_name for p in active(w.pods.store.values()) if p.is_ready()}
        worst = max(worst, 2 - len(ready_nodes & {"n1", "n2"}))
    assert worst <= 1
    pods = active(w.list(Pod))
    assert sorted(p.spec.node_name for p in pods) == ["n1", "n2"]
    assert {p.spec.containers[0].image for p in pods} == {"busybox:2.0"}
    no_sync_crashes(w)


def _sts(policy="OrderedReady", replicas=3):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
            "spec": {"replicas": replicas, "serviceName": "db", "podManagementPolicy": policy,
                     "selector": {"matchLabels": {"app": "x"}}, "template": TEMPLATE}}


def test_statefulset_ordered_ready_creates_in_order_and_scales_down_from_the_top():
    w = World(start_delay=3)
    w.start(StatefulSetController)
    w.create(_sts())
    seen = []
    end = w.sim.now + 30
    while w.sim.now < end and w.sim.step():
        names = sorted(p.name for p in w.pods.store.values())
        if not seen or seen[-1] != names:
            seen.append(names)
    assert seen[-1] == ["db-0", "db-1", "db-2"]
    assert ["db-0"] in seen and ["db-0", "db-1"] in seen  # one at a time
    pod = w.get(Pod, "db-1")
    assert pod.spec.hostname == "db-1" and pod.spec.subdomain == "db"
    assert pod.metadata.labels["statefulset.kubernetes.io/pod-name"] == "db-1"
    assert pod.metadata.labels["apps.kubernetes.io/pod-index"] == "1"
    msgs = [e.message for e in w.events("SuccessfulCreate")]
    assert msgs == [f"create Pod db-{i} in StatefulSet db successful" for i in range(3)]
    s = w.get("StatefulSet", "db").copy_deep()
    s.spec.replicas = 1
    w.call(w.client.update(s))
    w.run(30)
    assert [p.name for p in w.list(Pod)] == ["db-0"]
    assert [e.message for e in w.events("SuccessfulDelete")] == [
        "delete Pod db-2 in StatefulSet db successful", "delete Pod db-1 in StatefulSet db successful"]
    # a deleted pod comes back with the same name
    w.call(w.client.delete(Pod, "db-0", "default"))
    w.run(20)
    assert [p.name for p in w.list(Pod)] == ["db-0"]


def test_statefulset_parallel_creates_all_at_once():
    w = World(start_delay=3)
    w.start(StatefulSetController)
    w.create(_sts("Parallel", 4))
    w.run(1)
    assert sorted(p.name for p in w.list(Pod)) == ["db-0", "db-1", "db-2", "db-3"]


def _job(name="pi", **spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": dict({"template": {"spec": {"restartPolicy": "Never",
                                                "containers": [{"name": "c", "image": "perl"}]}}}, **spec)}


def test_job_runs_to_completion_with_parallelism():
    w = World()
    w.succeed_after["pi-"] = 5
    w.start(JobController)
    w.create(_job(completions=4, parallelism=2))
    w.run(2)
    assert len(active(w.list(Pod))) == 2
    w.run(60)
    job = w.get("Job", "pi")
    assert job.status.succeeded == 4 and not job.status.active  # omitempty: 0 is left out
    assert {c.type for c in job.status.conditions} >= {"Complete"}
    assert job.status.completion_time
    assert [e.message for e in w.events("Completed")] == ["Job completed"]
    assert len(w.events("SuccessfulCreate")) == 4
    no_sync_crashes(w)


def test_job_fails_after_backoff_limit_with_growing_backoff():
    w = World()
    w.fail_pods.add("bad-")
    w.start(JobController)
    w.create(_job("bad", backoffLimit=2))
    w.run(200)
    job = w.get("Job", "bad")
    failed = {c.type: c for c in job.status.conditions}["Failed"]
    assert failed.reason == "BackoffLimitExceeded"
    assert failed.message == "Job has reached the specified backoff limit"
    assert job.status.failed == 3
    created = [e for e in w.events("SuccessfulCreate")]
    assert len(created) == 3
    assert [e.message for e in w.events("BackoffLimitExceeded")] == ["Job has reached the specified backoff limit"]


def test_cron_schedule_parser():
    s = CronSchedule("*/15 * * * *")
    t = sim_to_dt(0)
    assert [s.next(t).minute, s.next(s.next(t)).minute] == [15, 30]
    assert CronSchedule("@hourly").next(t).hour == 1
    assert CronSchedule("0 9 * * mon-fri").next(t).isoweekday() in range(1, 6)


def test_cronjob_creates_jobs_on_schedule_and_keeps_history():
    w = World()
    w.succeed_after["every-"] = 5
    w.start(JobController, CronJobController)
    w.create({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "every"},
              "spec": {"schedule": "*/1 * * * *", "successfulJobsHistoryLimit": 2,
                       "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                                                                      "containers": [{"name": "c", "image": "x"}]}}}}}})
    w.run(5 * 60 + 30)
    created = [e.message for e in w.events("SuccessfulCreate") if e.involved_object.kind == "CronJob"]
    assert len(created) == 5
    base = int(sim_to_dt(0).timestamp() // 60)
    assert created[0] == f"Created job every-{base + 1}"
    jobs = w.list("Job")
    assert len(jobs) <= 3  # two kept finished + maybe the running one
    assert w.get("CronJob", "every").status.last_schedule_time == "2025-01-01T00:05:00Z"


def test_controller_manager_leader_election_failover():
    w = World()
    m1 = ControllerManager(w.sim, w.client, "master-1", "master-1_abc", controllers=["replicaset-controller", "deployment-controller"])
    m2 = ControllerManager(w.sim, w.client, "master-2", "master-2_def", controllers=["replicaset-controller", "deployment-controller"])
    m1.start()
    w.run(1)
    m2.start()
    w.run(10)
    assert m1.leading and not m2.leading
    lease = w.get("Lease", "kube-controller-manager", "kube-system")
    assert lease.spec.holder_identity == "master-1_abc"
    w.create(DEPLOY)
    w.run(20)
    assert len(w.list(Pod)) == 4
    stopped = w.sim.now
    m1.stop()  # the master dies (its elector stops renewing)
    while not m2.leading:
        w.sim.step()
    # the new leader takes over within leaseDuration + retryPeriod (with jitter)
    assert w.sim.now - stopped <= 15 + 2 * 2.2 + 1
    assert w.get("Lease", "kube-controller-manager", "kube-system").spec.holder_identity == "master-2_def"
    dep = w.get("Deployment", "web").copy_deep()
    dep.spec.replicas = 6
    w.call(w.client.update(dep))
    w.run(20)
    assert len(active(w.list(Pod))) == 6


def test_unknown_controller_name_is_refused():
    w = World(kubelet=False)
    try:
        ControllerManager(w.sim, w.client, "m", "m", controllers=["nope"])
    except ValueError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def _cloud_world():
    w = World(nodes=("cloud-1", "metal-1"))
    cloud = SimulatedCloud(region="eu-west-1")
    cloud.add_instance("cloud-1", "m5.large", "eu-west-1a", "10.1.0.5", "54.1.2.3")
    node = w.get("Node", "cloud-1", None).copy_deep()
    node = type(node).model_validate(dict(node.model_dump(by_alias=True), spec={
        "taints": [{"key": "node.cloudprovider.kubernetes.io/uninitialized", "value": "true", "effect": "NoSchedule"}],
        "podCIDR": "10.244.1.0/24"}))
    w.call(w.client.update(node))
    return w, cloud


LB = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "front"},
      "spec": {"type": "LoadBalancer", "selector": {"app": "x"}, "ports": [{"port": 80}]}}


def test_cloud_controller_manager_labels_nodes_routes_and_provisions_load_balancers():
    w, cloud = _cloud_world()
    ccm = CloudControllerManager(w.sim, w.client, "master-1", "master-1_ccm", cloud)
    ccm.start()
    w.create(LB)
    w.run(30)
    node = w.get("Node", "cloud-1", None)
    assert node.metadata.labels["node.kubernetes.io/instance-type"] == "m5.large"
    assert node.metadata.labels["topology.kubernetes.io/zone"] == "eu-west-1a"
    assert node.metadata.labels["topology.kubernetes.io/region"] == "eu-west-1"
    assert not node.spec.taints
    assert node.spec.provider_id == "kubelab://eu-west-1a/cloud-1"
    assert ("ExternalIP", "54.1.2.3") in [(a.type, a.address) for a in node.status.addresses]
    assert node.status.condition("NetworkUnavailable").reason == "RouteCreated"
    assert cloud.routes == {"cloud-1": "10.244.1.0/24"}
    metal = w.get("Node", "metal-1", None)
    assert "node.kubernetes.io/instance-type" not in (metal.metadata.labels or {})
    svc = w.get("Service", "front")
    assert svc.status.load_balancer.ingress[0].ip == "203.0.113.1"
    assert "service.kubernetes.io/load-balancer-cleanup" in svc.metadata.finalizers
    assert [e.reason for e in w.events() if e.involved_object.name == "front"] == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]
    # deleting the Service tears the balancer down, then the finalizer lets it go
    w.call(w.client.delete("Service", "front", "default"))
    w.run(10)
    assert w.list("Service") == [] and cloud.load_balancers == {}
    # the instance is terminated: once the node is not ready, it is deleted
    cloud.terminate_instance("cloud-1")
    node = w.get("Node", "cloud-1", None).copy_deep()
    node.status.conditions[0].status = "Unknown"
    w.call(w.client.update_status(node))
    w.run(10)
    assert [n.name for n in w.list("Node")] == ["metal-1"]
    assert any(e.reason == "DeletingNode" for e in w.events())


def test_without_a_cloud_a_load_balancer_stays_pending():
    w = World()
    m = ControllerManager(w.sim, w.client, "master-1", "master-1_x")
    m.start()
    w.create(LB)
    w.run(30)
    svc = w.get("Service", "front")
    assert svc.status.load_balancer is None or not svc.status.load_balancer.ingress


def test_all_default_controllers_together_reconcile_a_small_app():
    w = World(start_delay=2)
    m = ControllerManager(w.sim, w.client, "master-1", "master-1_all", leader_elect=False)
    m.start()
    w.create(DEPLOY)
    w.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
              "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    w.run(30)
    assert len(active(w.list(Pod))) == 4
    assert len(w.get("Endpoints", "web").subsets[0].addresses) == 4
    w.call(w.client.delete("Deployment", "web", "default"))
    w.run(30)
    assert w.list(Pod) == [] and w.list("ReplicaSet") == []
    no_sync_crashes(w)
    # conflicts and the EndpointSlice controller's stale-cache requeues (metric label "stale") are routine
    errors_ = [r for r in w.sim.trace.records if r.reason == "SyncError" and "has been modified" not in r.message
               and "informer cache is out of date" not in r.message]
    assert errors_ == []

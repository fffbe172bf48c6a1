"""Control-plane views and the load plot, on a real cluster.

One small HA cluster (3 masters, 2 workers, a Deployment behind a Service) lives through
a failover and a rollout; the views are captured at each stage and checked for what a
learner should read in them: who holds each Lease, which backend is down, which
controller acts and on which master, how far the rollout got.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

import kubelab as kl
from kubelab.cluster.load import LoadSample
from kubelab.viz import controlplane as cp
from kubelab.viz.plots import LinePlot, Panel, Series, load_plot, nice_ticks

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: IMAGE, resources: {requests: {cpu: 100m}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def _snap(cluster) -> dict:
    return {
        "t": cluster.now,
        "routed": sum(cluster.load_balancer.routed.values()),
        "leases_text": cp.leases_text(cluster),
        "leases_html": cp.leases_html(cluster),
        "leases": cp.read_leases(cluster),
        "lb": cp.read_load_balancer(cluster),
        "lb_text": cp.load_balancer_text(cluster),
        "lb_html": cp.load_balancer_html(cluster),
        "cp_text": cp.control_plane_text(cluster),
        "cp_html": cp.control_plane_html(cluster),
        "rec": cp.read_reconciliation(cluster),
        "rec_text": cp.reconciliation_text(cluster),
        "rec_html": cp.reconciliation_html(cluster),
        "graph": cp.reconciliation_graph(cluster).source,
        "rollout": cp.read_rollout(cluster, "web"),
        "rollout_text": cp.rollout_text(cluster, "web"),
        "rollout_html": cp.rollout_html(cluster, "web"),
    }


@pytest.fixture(scope="module")
def story():
    cluster = kl.Cluster(masters=3, seed=1)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.VM("vm-2", cpu="4", memory="16Gi"))
    cluster.apply(WEB.replace("IMAGE", "nginx:1.27"))
    cluster.run(20)
    s = {"cluster": cluster, "before": _snap(cluster)}
    old = cluster.get("Lease", "kube-controller-manager", "kube-system").spec.holder_identity.split("_")[0]
    s["old"] = old
    cluster.faults.stop(old)
    cluster.run(2)
    s["just_after"] = _snap(cluster)
    cluster.run(28)  # leaseDuration 15 s + retry: a new holder by now
    s["after"] = _snap(cluster)
    s["new"] = cluster.get("Lease", "kube-controller-manager", "kube-system").spec.holder_identity.split("_")[0]
    s["new_scheduler"] = cluster.get("Lease", "kube-scheduler", "kube-system").spec.holder_identity.split("_")[0]
    cluster.apply(WEB.replace("IMAGE", "nginx:1.28"))
    cluster.run(1.5)
    s["rolling"] = _snap(cluster)
    cluster.run(40)
    s["rolled"] = _snap(cluster)
    return s


# ----------------------------------------------------------------------------- leases


def test_leases_name_the_first_holder(story):
    infos, nodes = story["before"]["leases"]
    by = {i.name: i for i in infos}
    assert by["kube-controller-manager"].master == story["old"]
    assert by["kube-scheduler"].state == "held"
    assert by["kube-controller-manager"].transitions == 0
    assert "cloud-controller-manager" not in by  # no cloud: no cloud-controller-manager campaigns
    assert nodes.total == 5 and nodes.fresh == 5 and not nodes.stale  # 3 masters and 2 workers are Nodes
    leader = [c for c in by["kube-controller-manager"].candidates if c.state == "leader"]
    assert [c.master for c in leader] == [story["old"]]


def test_leases_show_the_holder_down_before_the_lease_expires(story):
    infos, _ = story["just_after"]["leases"]
    kcm = {i.name: i for i in infos}["kube-controller-manager"]
    assert kcm.master == story["old"] and kcm.state == "holder down" and not kcm.expired
    assert f"{story['old']} stopped" in story["just_after"]["leases_text"]
    assert "holder down" in story["just_after"]["leases_html"]


def test_views_name_the_new_holder_after_failover(story):
    old, new = story["old"], story["new"]
    after = story["after"]
    assert new != old
    infos, nodes = after["leases"]
    by = {i.name: i for i in infos}
    assert by["kube-controller-manager"].master == new
    assert by["kube-controller-manager"].transitions == 1
    assert by["kube-controller-manager"].state == "held"
    assert by["kube-scheduler"].master == story["new_scheduler"] != old
    assert f"kube-controller-manager: held by {new} ({new}_kube-controller-manager)" in after["leases_text"]
    assert f"<b>{new}</b>" in after["leases_html"]
    # the combined view: the old master stopped, the new one's components lead
    assert f"{old} stopped" in after["cp_text"]
    line = next(x for x in after["cp_text"].splitlines() if x.startswith(f"  {new} running"))
    assert "kube-controller-manager [leader]" in line
    assert "2/3 masters up" in after["cp_text"] and "2/3 masters up" in after["cp_html"]
    # reconciliation says where the controllers now run
    assert f"controllers on {new}" in after["rec_text"]
    assert f"kube-controller-manager on {new}" in after["graph"]
    # the workers' kubelets reach the API through the load balancer: still renewing; the
    # stopped master's kubelet renews no more, its lease (40 s) not yet expired
    assert nodes.total == 5 and nodes.fresh == 5 and nodes.oldest_age > 25


def test_load_balancer_view_marks_the_dead_masters_backend(story):
    host, rows = story["after"]["lb"]
    assert host == "lb"
    by = {r.master: r for r in rows}
    assert not by[story["old"]].healthy and not by[story["old"]].running
    assert all(r.healthy for m, r in by.items() if m != story["old"])
    assert f"kube-apiserver-{story['old']} on {story['old']}: down" in story["after"]["lb_text"]
    assert "2/3 backends healthy" in story["after"]["lb_text"]
    assert sum(r.routed for r in rows) == story["after"]["routed"]


def test_reading_the_views_moves_nothing_on_the_load_balancer(story):
    cluster = story["cluster"]
    before = (dict(cluster.load_balancer.routed), cluster.load_balancer._next)
    first = cp.control_plane_html(cluster) + cp.reconciliation_html(cluster) + cp.rollout_html(cluster, "web")
    second = cp.control_plane_html(cluster) + cp.reconciliation_html(cluster) + cp.rollout_html(cluster, "web")
    assert (dict(cluster.load_balancer.routed), cluster.load_balancer._next) == before
    assert first == second  # deterministic


# ----------------------------------------------------------------------------- reconciliation


def test_reconciliation_in_sync_before_the_fault(story):
    rows = {(r.kind, r.name.split("-")[0]): r for r in story["before"]["rec"]}
    d = rows[("Deployment", "web")]
    assert (d.desired, d.actual, d.in_sync, d.controller) == (3, 3, True, "deployment-controller")
    assert d.action is not None and d.action.reason == "ScalingReplicaSet"
    assert d.manager == story["old"]
    rs = rows[("ReplicaSet", "web")]
    assert rs.action.reason == "SuccessfulCreate" and rs.owner == ("Deployment", "web")
    svc = rows[("Service", "web")]
    assert (svc.desired, svc.actual, svc.measure, svc.controller) == (3, 3, "endpoints", "endpoints-controller")
    assert all(r.kind != "Service" or r.name != "kubernetes" for r in story["before"]["rec"])  # no selector: no controller
    # every object in sync: the user's and kubeadm's add-ons in kube-system (CoreDNS, kube-proxy)
    assert re.search(r"\b(\d+)/\1 in sync", story["before"]["rec_html"])
    assert ("DaemonSet", "kube") in rows and ("Deployment", "coredns") in rows


def test_reconciliation_during_the_rollout_names_the_gap_and_the_acting_controller(story):
    rec = story["rolling"]["rec"]
    dep = next(r for r in rec if r.kind == "Deployment")
    assert not dep.in_sync and dep.next_step.startswith("rolling out")
    assert dep.manager == story["new"]  # reconciliation carries on, on the new leader
    assert dep.action.reason == "ScalingReplicaSet" and dep.action.age < 5
    new_rs = [r for r in rec if r.kind == "ReplicaSet" and r.action and r.action.age is not None and r.action.age < 5]
    assert new_rs, "the new ReplicaSet's pods were created just now"
    graph = story["rolling"]["graph"]
    assert "ctrl_deployment_controller -> obj_Deployment_default_web" in graph
    assert "ScalingReplicaSet" in graph and "owns" in graph
    assert "#9a6700" in graph  # an out-of-sync object is outlined in the warning colour
    assert "rolling out" in story["rolling"]["rec_text"]


def test_reconciliation_settles_after_the_rollout(story):
    rows = story["rolled"]["rec"]
    assert all(r.in_sync for r in rows), story["rolled"]["rec_text"]
    assert sum(1 for r in rows if r.kind == "ReplicaSet" and r.namespace == "default") == 2


# ----------------------------------------------------------------------------- rollout


def test_rollout_view_mid_rollout(story):
    info = story["rolling"]["rollout"]
    assert info.revision == 2 and info.strategy == "RollingUpdate"
    assert (info.max_surge, info.max_unavailable) == (1, 0)  # 25% of 3: surge rounds up, unavailable down
    new, old = info.replicasets
    assert new.new and new.revision == 2 and "nginx:1.28" in new.images
    assert not old.new and old.revision == 1 and "nginx:1.27" in old.images
    assert info.status_line.startswith('Waiting for deployment "web" rollout to finish')
    assert {c.type for c in info.conditions} == {"Progressing", "Available"}
    assert not info.complete
    html = story["rolling"]["rollout_html"]
    assert "ReplicaSetUpdated" in html and "at least 3 available, at most 4 pods" in html
    assert "new web-" in story["rolling"]["rollout_text"] and "old web-" in story["rolling"]["rollout_text"]


def test_rollout_view_when_complete(story):
    info = story["rolled"]["rollout"]
    assert info.complete and info.status_line == 'deployment "web" successfully rolled out'
    new, old = info.replicasets
    assert (new.desired, new.ready) == (3, 3) and (old.desired, old.current) == (0, 0)
    prog = next(c for c in info.conditions if c.type == "Progressing")
    assert prog.reason == "NewReplicaSetAvailable"
    assert "complete" in story["rolled"]["rollout_html"]


def test_rollout_of_a_missing_deployment_raises_not_found(story):
    with pytest.raises(KeyError, match='deployments.apps "nope" not found'):
        cp.rollout_html(story["cluster"], "nope")


def test_views_are_displayable(story):
    cluster = story["cluster"]
    for view in (cp.control_plane(cluster), cp.leases(cluster), cp.load_balancer(cluster),
                 cp.reconciliation(cluster), cp.rollout(cluster, "web")):
        assert view._repr_html_().startswith("<style>")
        assert repr(view) == view.text and "<" not in view.text.splitlines()[0]
    assert "--jp-" in cp.control_plane_html(cluster)


# ----------------------------------------------------------------------------- the load plot


@pytest.fixture(scope="module")
def loaded():
    cluster = kl.Cluster(masters=3, seed=1)
    # a low target so that a modest load (and a short, fast test) is enough to scale out
    scaler = cluster.autoscale_apiservers(target_utilization=0.06, period=3)
    load = cluster.generate_load(qps=300)
    cluster.run(10)
    load.stop()
    return cluster, load, scaler


def test_load_plot_has_one_point_per_sample(loaded):
    _, load, scaler = loaded
    plot = load_plot(load, scaler)
    n = len(load.samples)
    assert n >= 8
    for name in ("offered", "p50", "p99", "replicas"):
        assert len(plot.series[name]) == n
    assert [y for _, y in plot.series["offered"]] == [float(s.sent) for s in load.samples]
    svg = plot.to_svg()
    root = ET.fromstring(svg)  # well-formed
    ns = {"s": "http://www.w3.org/2000/svg"}
    offered = [p for p in root.iter("{http://www.w3.org/2000/svg}polyline") if p.get("data-series") == "offered"]
    assert len(offered) == 1 and len(offered[0].get("points").split()) == n
    assert root.find("s:title", ns).text == "API server under load"


def test_load_plot_replicas_step_up_when_the_autoscaler_scales_out(loaded):
    cluster, load, scaler = loaded
    plot = load_plot(load, scaler)
    reps = [y for _, y in plot.series["replicas"]]
    assert reps[0] == 3 and reps[-1] > 3
    assert all(b >= a for a, b in zip(reps, reps[1:]))
    scaled = [r for r in cluster.trace if r.reason == "APIServerScaledOut"]
    assert scaled
    assert any(m.label.startswith("+") for m in plot.markers)
    assert 'data-marker="+' in plot.to_svg()
    assert "API server replicas: 3 -> " in repr(plot)
    assert "autoscaler: target 6% busy" in plot.to_svg()


def test_load_plot_is_deterministic_and_displayable(loaded):
    _, load, scaler = loaded
    a, b = load_plot(load, scaler), load_plot(load, scaler)
    assert a.to_svg() == b.to_svg() == a._repr_svg_()
    assert a._repr_html_().startswith('<div class="kl-plot-wrap"') and "max-width:100%" in a._repr_html_()
    assert "var(--jp-ui-font-color1" in a.to_svg()


def test_load_plot_without_samples():
    plot = load_plot(SimpleNamespace(samples=[], sim=None))
    ET.fromstring(plot.to_svg())
    assert "no samples yet" in repr(plot)


def test_a_second_without_answers_is_a_gap_in_the_latency_line():
    samples = [LoadSample(0.0, sent=10, ok=10, latencies=[0.003] * 10, replicas=3),
               LoadSample(1.0, sent=10, ok=0, failed=10, replicas=3),
               LoadSample(2.0, sent=10, ok=10, latencies=[0.004] * 10, replicas=2)]
    plot = load_plot(SimpleNamespace(samples=samples, sim=None))
    assert plot.series["p50"][1][1] is None
    root = ET.fromstring(plot.to_svg())
    p50 = [p for p in root.iter("{http://www.w3.org/2000/svg}polyline") if p.get("data-series") == "p50"]
    assert len(p50) == 2  # two segments either side of the gap
    assert "failed" in plot.series  # failures appear as their own series when there are any


@pytest.mark.parametrize("lo,hi,n,integer,expected", [
    (0, 1, 5, False, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0, 616, 4, False, [0, 200, 400, 600, 800]),
    (0, 10, 4, True, [0, 5, 10]),
    (2.06, 13.06, 8, False, [2, 4, 6, 8, 10, 12, 14]),
    (0, 0, 4, False, [0, 0.5, 1.0]),
])
def test_nice_ticks(lo, hi, n, integer, expected):
    assert nice_ticks(lo, hi, n, integer) == pytest.approx(expected)


def test_line_plot_draws_a_step_series_to_the_end_of_the_axis():
    plot = LinePlot([Panel("p", "y", "n", [Series("a", "a", [(0, 1.0), (5, 2.0), (10, 2.0)]),
                                           Series("n", "n", [(0, 1.0), (5, 3.0)], axis="right", step=True)])])
    segs = plot._segments(plot.panels[0].series[1])
    assert segs == [[(0, 1.0), (5, 1.0), (5, 3.0), (10, 3.0)]]


# ----------------------------------------------------------------------------- other kinds


OTHERS = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: busybox}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: j, image: busybox}]
"""


def test_daemonset_statefulset_job_and_the_cloud_controller_managers_lease():
    cluster = kl.Cluster(masters=1, seed=3)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.CloudInstance("cloud-1", instance_type="m5.large", zone="eu-west-1a"))
    cluster.apply(OTHERS)
    cluster.run(2)
    early = {r.kind: r for r in cp.read_reconciliation(cluster) if r.namespace == "default"}
    ss = early["StatefulSet"]
    assert ss.controller == "statefulset-controller" and not ss.in_sync
    assert ss.next_step == "create db-1"  # OrderedReady: one ordinal at a time
    job = early["Job"]
    assert (job.desired, job.measure, job.in_sync) == (2, "succeeded", False)
    cluster.run(60)
    rows = {r.kind: r for r in cp.read_reconciliation(cluster) if r.namespace == "default"}
    ds = rows["DaemonSet"]
    assert (ds.desired, ds.actual, ds.measure, ds.controller) == (2, 2, "scheduled", "daemonset-controller")
    assert rows["StatefulSet"].in_sync and rows["StatefulSet"].actual == 2
    job = rows["Job"]
    assert job.in_sync and job.next_step == "complete" and job.action.reason == "Completed"
    assert "complete" in cp.reconciliation_html(cluster)
    infos, _ = cp.read_leases(cluster)
    ccm = {i.name: i for i in infos}["cloud-controller-manager"]
    assert ccm.master == "master-1" and ccm.state == "held"
    assert "cloud-controller-manager: held by master-1" in cp.leases_text(cluster)
    assert "cloud-controller-manager" in cp.control_plane_text(cluster)


def test_views_with_every_master_down_say_what_cannot_be_read():
    cluster = kl.Cluster(masters=1, seed=2)
    cluster.faults.stop("master-1")
    text = cp.control_plane_text(cluster)
    assert "0/1 masters up" in text and "master-1 stopped" in text and "no API server answers" in text
    assert "0/1 healthy" in cp.control_plane_html(cluster) and "unreadable" in cp.leases_html(cluster)
    assert cp.read_reconciliation(cluster) == []

"""The dashboard driven by its traits and buttons, with no browser (the ipywidgets idiom).

Play ticks, Step, the time slider (rewind), fork, fault buttons, the progress bar.
"""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import kubelab as kl  # noqa: E402
from kubelab.viz.timeline import ForkError, record  # noqa: E402
from kubelab.viz.widgets import Dashboard  # noqa: E402

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
      containers: [{name: nginx, image: nginx:1.27, resources: {requests: {cpu: 500m}}}]
"""


# what kube-system runs on one master and two workers: the control plane's four static pods,
# kube-proxy on each of the three nodes, CoreDNS's two replicas (kubeadm's add-ons)
SYSTEM_PODS = 4 + 3 + 2


def make(seed: int = 1, masters: int = 1) -> tuple[kl.Cluster, Dashboard]:
    cluster = kl.Cluster(masters=masters, seed=seed)
    dash = Dashboard(cluster, every=5.0, speed=5.0, show_topology=False)
    cluster.add_node(kl.BareMetal("metal-1", cpu="32", memory="128Gi"))
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(WEB)
    return cluster, dash


def test_step_button_advances_time_by_speed():
    cluster, dash = make()
    t0 = cluster.sim.now
    dash.step_button.click()
    assert cluster.sim.now == pytest.approx(t0 + 5.0)
    assert dash.time == pytest.approx(cluster.sim.now)
    assert dash.live and dash.view_time == dash.time
    dash.speed_select.value = 30.0  # the dropdown is linked to the trait
    assert dash.speed == 30.0
    dash.step_button.click()
    assert cluster.sim.now == pytest.approx(t0 + 35.0)


def test_play_ticks_advance_the_simulation():
    cluster, dash = make()
    t0 = cluster.sim.now
    for _ in range(3):  # what the browser's Play widget does: bump its value
        dash.play.value += 1
    assert dash.tick == 3
    assert cluster.sim.now == pytest.approx(t0 + 15.0)
    assert "live" in dash.clock.value


def test_tables_follow_the_cluster():
    cluster, dash = make()
    dash.run(60)
    assert dash.shown.running_pods == 3 + SYSTEM_PODS
    assert "web-" in dash.pods_view.value and "Running" in dash.pods_view.value
    assert "metal-1" in dash.nodes_view.value and "vm-1" in dash.nodes_view.value
    assert "leader" in dash.etcd_view.value
    assert "Scheduled" in dash.events_view.value or "Started" in dash.events_view.value
    assert dash.progress.value == pytest.approx(100.0)


def test_rewind_shows_an_earlier_pod_count():
    cluster, dash = make()
    dash.run(60)
    early = cluster.sim.now
    cluster.api.scale("Deployment", "web", 6)
    dash.run(60)
    assert dash.shown.running_pods == 6 + SYSTEM_PODS
    dash.slider.value = early  # drag the slider back
    assert not dash.live
    assert dash.view_time == pytest.approx(early)
    assert dash.shown.time <= early
    assert dash.shown.running_pods == 3 + SYSTEM_PODS
    assert dash.pods_view.value.count("Running") == 3 + SYSTEM_PODS
    assert "rewound" in dash.clock.value
    assert cluster.sim.now > early  # looking back changes nothing in the model
    dash.live_button.click()
    assert dash.live and dash.shown.running_pods == 6 + SYSTEM_PODS


def test_fork_reproduces_the_same_state():
    cluster, dash = make()
    dash.run(40)
    cluster.api.scale("Deployment", "web", 5)
    dash.run(30)
    cluster.faults.stop("vm-1")
    dash.run(30)
    at = 75.0
    twin = dash.fork(at=at)
    assert twin is not cluster and twin.sim.now == pytest.approx(at)
    tl = record(twin)
    assert tl.snapshots[-1] == dash.timeline.at(at)  # nodes, pods, etcd, leases, events: equal
    # and so is every moment on the way there
    original = {s.time: s for s in dash.timeline.snapshots}
    shared = [s for s in tl.snapshots if s.time in original]
    assert len(shared) >= 10
    assert all(s == original[s.time] for s in shared)
    # and the fork at "now" reproduces the present, fault included
    twin2 = dash.fork(at=cluster.sim.now)
    assert record(twin2).snapshots[-1] == dash.timeline.snapshots[-1]
    assert [p.metadata.name for p in twin2.list("Pod")] == [p.metadata.name for p in cluster.list("Pod")]


def test_a_dashboard_made_late_still_forks_the_whole_history():
    # the history is the model's (cluster.history), kept from the cluster's creation
    cluster = kl.Cluster(masters=1, seed=2)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.run(10)
    dash = Dashboard(cluster, show_topology=False)
    twin = dash.fork()
    assert list(twin.nodes) == ["vm-1"] and twin.history.digest() == cluster.history.digest()


def test_fault_buttons_stop_and_start_a_worker():
    cluster, dash = make()
    dash.run(20)
    dash.machine.value = "vm-1"
    dash.stop_button.click()
    assert not cluster.kubelets["vm-1"].running
    assert any(a.verb == "stop" and a.args == ("vm-1",) for a in dash.timeline.journal)
    dash.run(60)  # the node lifecycle controller marks it after the grace period
    assert any(n[0] == "vm-1" and n[2] != "Ready" for n in dash.shown.nodes)
    dash.start_button.click()
    dash.run(30)
    assert any(n[0] == "vm-1" and n[2] == "Ready" for n in dash.shown.nodes)


def test_cut_and_heal_buttons():
    cluster, dash = make()
    dash.link_a.value = "lb"
    dash.link_b.value = "vm-1"
    dash.cut_button.click()
    assert not cluster.network.can_reach("vm-1", "lb")
    dash.heal_button.click()
    assert cluster.network.can_reach("vm-1", "lb")
    assert [a.verb for a in dash.timeline.journal][-2:] == ["cut", "heal"]


def test_fault_errors_are_shown_not_raised():
    cluster, dash = make()
    dash.machine.options = ["nope"]
    dash.stop_button.click()
    assert "error: no machine named &#x27;nope&#x27;" in dash.message.value


def test_fork_button_makes_a_twin():
    cluster, dash = make()
    dash.run(30)
    dash.slider.value = 20.0
    dash.fork_button.click()
    assert len(dash.forks) == 1 and dash.forks[0].sim.now == pytest.approx(20.0)
    assert "fork of seed=1 at t=20.0s" in dash.message.value


def test_stopping_a_master_moves_etcd_leadership():
    cluster, dash = make(masters=3)
    dash.run(20)
    leader = cluster.etcd.leader.host
    dash.machine.value = leader
    dash.stop_button.click()
    dash.run(20)
    roles = {m[1]: m[2] for m in dash.shown.etcd}
    assert roles[leader] == "stopped"
    assert "leader" in roles.values()


def test_text_repr_is_deterministic():
    _, a = make(seed=3)
    _, b = make(seed=3)
    a.run(30)
    b.run(30)
    assert repr(a) == repr(b)
    assert repr(a).startswith("Dashboard(t=")
    assert "0x" not in repr(a)


def test_topology_is_an_svg_image():
    from kubelab.viz import graphs

    cluster, _ = make()
    dash = Dashboard(cluster)
    dash.run(30)
    if graphs.find_dot() is None:
        assert "Graphviz is not installed" in dash.topology.value
    else:
        assert dash.topology.value.startswith('<img class="kl-topology"')
        assert "data:image/svg+xml;base64," in dash.topology.value


def test_dropdown_choices_survive_new_nodes():
    cluster, dash = make()
    dash.link_b.value = "master-1"
    dash.machine.value = "vm-1"
    cluster.add_node(kl.VM("vm-2", cpu="2", memory="8Gi"))
    assert "vm-2" in dash.machine.options and dash.machine.value == "vm-1"
    assert dash.link_b.value == "master-1"


def test_static_html_fallback():
    cluster, dash = make()
    dash.run(30)
    data = dash._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("Dashboard(")
    assert "kubelab-dashboard-static" in data["text/html"] and "web-" in data["text/html"]


def test_fork_repeats_a_notebook_plugin():
    cluster, dash = make()

    def only_vms(pod, node):
        return node.metadata.labels.get("kubelab.io/machine-kind") == "VM"

    cluster.scheduler.register_plugin(only_vms, point="filter")
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
                   "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    dash.run(20)
    assert cluster.get("Pod", "solo").spec.node_name == "vm-1"
    twin = dash.fork()
    assert twin.get("Pod", "solo").spec.node_name == "vm-1"
    assert record(twin).snapshots[-1] == dash.timeline.snapshots[-1]

"""The dashboard answers every click: a message and a visible change for each fault, a
worker selected first, Fork forks the moment on screen and labels the twin, Events show
ages, and every tab says a node's status in kubectl's words."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("ipywidgets")

import kubelab as kl  # noqa: E402
from kubelab.viz import widgets  # noqa: E402
from kubelab.viz.widgets import Dashboard  # noqa: E402

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27}]
"""


def make(masters: int = 1) -> tuple[kl.Cluster, Dashboard]:
    cluster = kl.Cluster(masters=masters, seed=1)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(WEB)
    dash = Dashboard(cluster, every=5.0, speed=5.0)
    dash.run(20)
    return cluster, dash


def test_a_worker_is_selected_first():
    cluster, dash = make(masters=3)
    assert dash.machine.options[0] == "master-1" and dash.machine.value == "vm-1"


def test_a_worker_joining_an_empty_cluster_becomes_the_choice():
    cluster = kl.Cluster(seed=1)
    dash = Dashboard(cluster, show_topology=False)
    assert dash.machine.value == "master-1"  # nothing else to choose yet
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    assert dash.machine.value == "vm-1"


def test_stop_says_what_happened_and_what_comes_next_and_the_picture_changes():
    cluster, dash = make()
    before = dash.topology.value
    dash.stop_button.click()
    assert re.match(r"t=\d+\.\ds: stopped worker vm-1 - ", dash.said) and "NotReady after 50 s" in dash.said
    assert "stopped worker vm-1" in dash.message.value
    assert dash.topology.value != before and "powered off" in dash.topology.value  # redrawn at once
    assert dash.shown.topology.workers[0].state == "Ready"  # the API does not know yet
    assert "<td style=\"text-align:left;padding:1px 10px 1px 0;border-bottom:1px solid rgba(128,128,128,.15)\"><span style=\"color:var(--jp-error-color1,#cf222e);font-weight:600\">stopped</span>" in dash.nodes_view.value
    dash.run(60)
    on_vm1 = len(cluster.list("Pod", None, field_selector="spec.nodeName=vm-1"))  # web's and kube-system's
    assert ("vm-1", "VM", "NotReady", on_vm1) in dash.shown.nodes
    worker = dash.shown.topology.workers[0]
    assert worker.state == "NotReady"  # the same word in the Nodes tab and the picture
    dash.start_button.click()
    assert "started worker vm-1" in dash.said


def test_cut_and_heal_say_so_and_the_cut_is_drawn():
    cluster, dash = make()
    dash.link_a.value, dash.link_b.value = "lb", "vm-1"
    dash.cut_button.click()
    assert "cut the link lb <-> vm-1" in dash.said
    assert dash.shown.topology.cuts == [("lb", "vm-1"), ("vm-1", "lb")]
    dash.heal_button.click()
    assert "healed 1 cut link" in dash.said and dash.shown.topology.cuts == []
    dash.heal_button.click()
    assert dash.said == "no link is cut: nothing to heal"


def test_fork_forks_the_moment_on_screen_and_labels_the_twin():
    cluster, dash = make()
    dash.run(30)  # snapshots every 5 s
    assert 35.0 in dash.timeline.times and 40.0 in dash.timeline.times
    dash.slider.value = 37.3  # the screen shows the snapshot taken at 35.0
    assert dash.shown.time == pytest.approx(35.0)
    dash.fork_button.click()
    twin = dash.forks[-1]
    assert twin.sim.now == pytest.approx(35.0)
    assert dash.said.startswith("fork of seed=1 at t=35.0s")
    child = dash.fork_dashboard
    assert child.title == "fork of seed=1 at t=35.0s"
    assert "fork of seed=1 at t=35.0s" in child.clock.value and repr(child).startswith("Dashboard(fork of seed=1")


def test_events_show_ages_not_timestamps():
    cluster, dash = make()
    table = widgets.events_table(dash.shown)
    assert not re.search(r"\d{4}-\d\d-\d\dT", table)
    assert re.search(r"<td[^>]*>\d+s</td>", table)


def test_an_unregistered_node_says_so_in_every_tab():
    cluster, dash = make()
    cluster.faults.stop("master-1")  # nothing can be read: no API server answers
    snap = dash.timeline.snapshot()
    assert not snap.api_available and snap.nodes == (("vm-1", "VM", "Unknown", 0),)
    assert snap.topology.workers[0].state == "Unknown"

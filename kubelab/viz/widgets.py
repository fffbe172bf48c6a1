"""The live dashboard: play, pause, step, rewind, fork and break a cluster with widgets.

    from kubelab.viz.widgets import Dashboard
    dash = Dashboard(cluster)      # or cluster.views.dashboard()
    dash                           # in a cell: controls, tables and the topology

Time only moves when something asks it to (the simulation has one clock and no
threads): the **Play** widget ticks a counter in the browser, and every tick advances
the cluster by ``speed`` simulated seconds; **Step** advances one tick's worth. The
**time slider** moves over the recorded history (:mod:`kubelab.viz.timeline`): drag it
back to look at an earlier moment (the tables and the picture show the snapshot taken
then), press **Live** to come back, or **Fork** to build a second cluster that has lived
the same history up to that moment and can take another turn.

Every piece of state is a traitlet (``time``, ``view_time``, ``speed``, ``tick``,
``live``), so tests drive the dashboard by setting traits and pressing buttons with no
browser at all.
"""

from __future__ import annotations

import base64
import html as _html
from typing import Any, Optional

import ipywidgets as W
import traitlets as T

from kubelab.viz.timeline import Snapshot, Timeline, record

SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # simulated seconds per tick


def _e(x: Any) -> str:
    return _html.escape(str(x), quote=True)


_TABLE = ('<table style="border-collapse:collapse;font-size:12px;font-family:var(--jp-code-font-family,monospace);'
          'color:inherit">')
_TH = '<th style="text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid rgba(128,128,128,.5)">'
_TD = '<td style="text-align:left;padding:1px 10px 1px 0;border-bottom:1px solid rgba(128,128,128,.15)">'
# the theme's own status colours (JupyterLab's light and dark themes each define them), with
# fallbacks for front ends without them
_TONE = {"ok": "var(--jp-success-color1,#1a7f37)", "warn": "var(--jp-warn-color1,#9a6700)",
         "bad": "var(--jp-error-color1,#cf222e)", "none": "inherit"}


def _tone(text: str) -> str:
    if text in ("Running", "running", "Ready", "leader", "follower", "up", "Succeeded", "Completed", "Normal"):
        return "ok"
    if text in ("Pending", "ContainerCreating", "Terminating", "candidate", "pre-candidate", "Unknown",
                "NotRegistered") or text.endswith("SchedulingDisabled"):
        return "warn"
    if text in ("", "-"):
        return "none"
    return "bad"


def _cell(text: Any, colour: bool = False) -> str:
    s = _e(text)
    if colour:
        s = f'<span style="color:{_TONE[_tone(str(text))]};font-weight:600">{s}</span>'
    return _TD + s + "</td>"


def html_table(headers: list[str], rows: list[tuple], colour_cols: tuple = ()) -> str:
    head = "".join(_TH + _e(h) + "</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v, i in colour_cols) for i, v in enumerate(r)) + "</tr>" for r in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}" style="opacity:.6;padding:2px 0">(none)</td></tr>'
    return _TABLE + "<thead><tr>" + head + "</tr></thead><tbody>" + body + "</tbody></table>"


def nodes_table(s: Snapshot) -> str:
    """Machines (powered on or off) and, for workers, kubectl get nodes' STATUS: right
    after a Stop the machine is off while the API still says Ready."""
    running = {w.name: w.running for w in s.topology.workers} if s.topology is not None else {}
    masters = [(name, "master", "running" if up else "stopped", "-", "-") for name, up in s.masters]
    rows = masters + [(n[0], n[1], "running" if running.get(n[0], True) else "stopped", n[2], n[3]) for n in s.nodes]
    return html_table(["NAME", "KIND", "MACHINE", "STATUS", "PODS"], rows, colour_cols=(2, 3))


def pods_table(s: Snapshot) -> str:
    rows = [(p[0], p[1], p[4], p[2], p[3] or "<none>") for p in s.pods]
    return html_table(["NAMESPACE", "NAME", "READY", "STATUS", "NODE"], rows, colour_cols=(3,))


def etcd_table(s: Snapshot) -> str:
    rows = [(m[0], m[1], m[2], m[3], m[4]) for m in s.etcd]
    out = html_table(["MEMBER", "HOST", "ROLE", "TERM", "COMMIT"], rows, colour_cols=(2,))
    if s.leases:
        out += "<div style='margin-top:6px;font-size:12px'>Leader-election Leases in kube-system:</div>"
        out += html_table(["LEASE", "HOLDER"], list(s.leases))
    return out


def _age(timestamp: str, now: float) -> str:
    """An Event's LAST SEEN as ``kubectl get events`` shows it (translateTimestampSince:
    ``5s``, ``3m``), measured at the moment shown."""
    from kubelab.api.base import parse_time
    from kubelab.kubectl.duration import human_duration

    t = parse_time(timestamp) if timestamp else None
    return "<unknown>" if t is None else human_duration(max(0.0, now - t))


def events_table(s: Snapshot) -> str:
    rows = [(_age(e[0], s.time), e[1], e[2], e[3], e[4]) for e in s.events_tail]
    return html_table(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows, colour_cols=(1,))


def topology_html(s: Snapshot, title: Optional[str] = None) -> str:
    """The topology picture for a snapshot: Graphviz SVG as an <img> (as JupyterLab shows
    SVG outputs), or the text view when no ``dot`` is available. ``title`` names the
    cluster (a fork's label) in place of its seed."""
    import dataclasses

    topo = s.topology
    if topo is None:
        return "<pre>(no topology)</pre>"
    from kubelab.viz import graphs

    if title:
        topo = dataclasses.replace(topo, name=title)

    view = graphs.GraphView(graphs.topology_graph(topo), graphs.topology_text(topo))
    svg = view.svg()
    if svg is None:
        return f"<div>{_e(graphs.DOT_MISSING_MESSAGE)}</div><pre>{_e(view.text)}</pre>"
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img class="kl-topology" alt="{_e(view.text)}" style="max-width:100%" '
            f'src="data:image/svg+xml;base64,{data}"/>')


class Dashboard(W.VBox):
    """Play / pause / step, speed, a time slider with rewind and fork, fault buttons, live
    tables (nodes, pods, etcd, events) and the topology, for one cluster."""

    time = T.Float(0.0, help="the cluster's simulated time (s)").tag(sync=False)
    view_time = T.Float(0.0, help="the moment shown (s); equal to time when live").tag(sync=False)
    speed = T.Float(5.0, help="simulated seconds per tick").tag(sync=False)
    tick = T.Int(0, help="ticks seen from the Play widget").tag(sync=False)
    live = T.Bool(True, help="showing the present (not a rewound moment)").tag(sync=False)

    def __init__(self, cluster, every: float = 5.0, speed: float = 5.0, interval_ms: int = 700,
                 show_topology: bool = True, title: Optional[str] = None, **kwargs):
        self.cluster = cluster
        self.title = title  # e.g. "fork of seed=1 at t=45.0s"; shown beside the clock
        self.timeline: Timeline = record(cluster, every=every)
        self.show_topology = show_topology
        self.forks: list[Any] = []
        self._syncing = False
        self._shown: Optional[Snapshot] = None

        # -- controls --------------------------------------------------------------------
        self.play = W.Play(value=0, min=0, max=10**9, step=1, interval=interval_ms, description="Play",
                           show_repeat=False, layout=W.Layout(width="auto"))
        self.step_button = W.Button(description="Step", icon="step-forward", tooltip="advance one tick",
                                    layout=W.Layout(width="auto"))
        self.speed_select = W.Dropdown(options=[(f"{s:g} s/tick", s) for s in SPEEDS], value=speed,
                                       description="Speed", layout=W.Layout(width="190px"))
        self.clock = W.HTML()
        self.slider = W.FloatSlider(value=0.0, min=0.0, max=max(cluster.sim.now, 1e-9), step=0.1,
                                    description="History", continuous_update=False, readout_format=".1f",
                                    layout=W.Layout(width="420px"))
        self.live_button = W.Button(description="Live", icon="forward", tooltip="back to the present",
                                    layout=W.Layout(width="auto"))
        self.fork_button = W.Button(description="Fork here", icon="code-branch",
                                    tooltip="a new cluster with the same history up to the moment shown",
                                    layout=W.Layout(width="auto"))
        self.progress = W.FloatProgress(value=100.0, min=0.0, max=100.0, description="Run",
                                        bar_style="success", layout=W.Layout(width="300px"))

        # -- faults ----------------------------------------------------------------------
        # a worker is selected first: a learner's first Stop should not take the control plane down
        machines = self._machines()
        self.machine = W.Dropdown(options=machines, value=self._default_machine(machines), description="Machine",
                                  layout=W.Layout(width="260px"))
        self.stop_button = W.Button(description="Stop", icon="power-off", button_style="danger",
                                    tooltip="power off the machine (master, worker or etcd member)")
        self.start_button = W.Button(description="Start", icon="play", button_style="success",
                                     tooltip="power it back on")
        hosts = self._hosts()
        self.link_a = W.Dropdown(options=hosts, description="Link", layout=W.Layout(width="260px"))
        self.link_b = W.Dropdown(options=hosts, value=hosts[1] if len(hosts) > 1 else None,
                                 description="to", layout=W.Layout(width="200px"))
        self.cut_button = W.Button(description="Cut", icon="cut", button_style="warning")
        self.heal_button = W.Button(description="Heal all", icon="medkit", tooltip="heal every cut link")

        # -- views -----------------------------------------------------------------------
        self.topology = W.HTML()
        self.nodes_view = W.HTML()
        self.pods_view = W.HTML()
        self.etcd_view = W.HTML()
        self.events_view = W.HTML()
        tabs = [("Topology", self.topology), ("Nodes", self.nodes_view), ("Pods", self.pods_view),
                ("etcd", self.etcd_view), ("Events", self.events_view)]
        if not show_topology:
            tabs = tabs[1:]
        self.tabs = W.Tab(children=[w for _, w in tabs], titles=[t for t, _ in tabs])
        self.message = W.HTML()  # the last fault's error, or what a fork produced
        self.output = W.Output()  # where a forked cluster's dashboard appears

        super().__init__(children=[
            W.HBox([self.play, self.step_button, self.speed_select, self.clock]),
            W.HBox([self.slider, self.live_button, self.fork_button, self.progress]),
            W.HBox([self.machine, self.stop_button, self.start_button]),
            W.HBox([self.link_a, self.link_b, self.cut_button, self.heal_button]),
            self.message,
            self.tabs,
            self.output,
        ], **kwargs)
        self.add_class("kubelab-dashboard")
        self.speed = speed

        # -- wiring ----------------------------------------------------------------------
        T.link((self.play, "value"), (self, "tick"))
        T.link((self.speed_select, "value"), (self, "speed"))
        self.observe(self._on_tick, names="tick")
        self.observe(self._on_view_time, names="view_time")
        self.slider.observe(self._on_slider, names="value")
        self.step_button.on_click(lambda _: self.step())
        self.live_button.on_click(lambda _: self.go_live())
        self.fork_button.on_click(lambda _: self._fork_clicked())
        self.stop_button.on_click(lambda _: self.stop(self.machine.value))
        self.start_button.on_click(lambda _: self.start(self.machine.value))
        self.cut_button.on_click(lambda _: self.cut(self.link_a.value, self.link_b.value))
        self.heal_button.on_click(lambda _: self.heal())
        self.timeline.on_progress(self._on_progress)
        self.timeline.after_action(self._after_action)
        self.refresh()

    # -- what the user can call --------------------------------------------------------------
    def step(self, ticks: int = 1) -> "Dashboard":
        """Advance ``ticks`` × ``speed`` simulated seconds, then show the present."""
        self.cluster.run(self.speed * ticks)
        self.go_live()
        return self

    def run(self, seconds: float) -> "Dashboard":
        """Advance ``seconds`` of simulated time, with the progress bar following along."""
        self._span = (self.cluster.sim.now, self.cluster.sim.now + seconds)
        try:
            self.cluster.run(seconds)
        finally:
            self._span = None
        self._on_progress(self.cluster.sim.now)
        self.go_live()
        return self

    def go_live(self) -> None:
        self.live = True
        self.refresh()

    def show(self, t: float) -> Snapshot:
        """Rewind the view to the snapshot in force at time ``t`` (the model stays where it is)."""
        self.view_time = min(max(float(t), 0.0), self.cluster.sim.now)
        return self.shown

    @property
    def shown(self) -> Snapshot:
        """The snapshot on screen."""
        return self._shown if self._shown is not None else self.timeline.at(self.view_time)

    def fork(self, at: Optional[float] = None):
        """A new Cluster that has lived this one's history up to ``at`` (default: the moment
        on screen, the time of the snapshot shown). See :meth:`kubelab.viz.timeline.Timeline.fork`."""
        twin = self.timeline.fork(at=self.shown.time if at is None else at)
        self.forks.append(twin)
        return twin

    def fork_label(self, twin) -> str:
        """``fork of seed=1 at t=45.0s`` (of a fork: ``fork of fork of ...``)."""
        origin = self.title or f"seed={self.cluster.seed}"
        return f"fork of {origin} at t={twin.sim.now:.1f}s"

    # -- faults, with a message saying what changed and what comes next ----------------------
    def stop(self, name: str) -> None:
        """Power a machine off (``cluster.faults.stop``)."""
        what = self._role(name)
        consequence = {
            "worker": "its kubelet stops renewing the node's Lease: the node lifecycle controller marks it "
                      "NotReady after 50 s (node-monitor-grace-period) and evicts its pods once their not-ready toleration (300 s) runs out",
            "master": "its API server leaves the load balancer; the Leases it holds pass to another master "
                      "once they expire (15 s); its etcd member stops",
            "etcd member": "the etcd cluster keeps a quorum while a majority of members run",
        }.get(what, "")
        self._fault(f"stopped {what} {name}", consequence, self.cluster.faults.stop, name)

    def start(self, name: str) -> None:
        """Power a machine back on (``cluster.faults.start``)."""
        self._fault(f"started {self._role(name)} {name}", "its processes start again from their durable state",
                    self.cluster.faults.start, name)

    def cut(self, a: str, b: str) -> None:
        """Cut the link between two hosts (``cluster.faults.cut``)."""
        self._fault(f"cut the link {a} <-> {b}", "messages between them are dropped (dashed red in Topology)",
                    self.cluster.faults.cut, a, b)

    def heal(self) -> None:
        """Mend every cut link (``cluster.faults.heal``)."""
        n = len({frozenset(p) for p in self.cluster.network.cuts()})
        if n == 0:
            self._say("no link is cut: nothing to heal")
            return
        self._fault(f"healed {n} cut link{'s' if n != 1 else ''}", "messages flow again", self.cluster.faults.heal)

    # -- internals ---------------------------------------------------------------------------
    def _default_machine(self, names: list[str]) -> Optional[str]:
        """The first worker (a learner's first Stop should not take the control plane down)."""
        return next((n for n in names if n in self.cluster.workers), names[0] if names else None)

    def _role(self, name: str) -> str:
        c = self.cluster
        if name in c.workers:
            return "worker"
        if any(m.name == name for m in c.masters):
            return "master"
        return "etcd member"

    def _machines(self) -> list[str]:
        c = self.cluster
        names = [m.name for m in c.masters] + list(c.nodes)
        names += [m.name for m in c.etcd.members if m.host not in {x.host for x in c.masters}]
        return names

    def _hosts(self) -> list[str]:
        c = self.cluster
        hosts = [c.load_balancer.host] + [m.host for m in c.masters]
        hosts += [m.host for m in c.etcd.members if m.host not in hosts]
        return hosts + list(c.nodes)

    def _on_tick(self, change) -> None:
        if change["new"] > change["old"]:
            self.step()

    _span: Optional[tuple[float, float]] = None  # (start, end) of the run in progress

    def _on_progress(self, now: float) -> None:
        start, end = self._span or (now, now)
        self.progress.value = 100.0 if end <= start else 100.0 * (now - start) / (end - start)
        self.progress.bar_style = "success" if now >= end else "info"
        self.time = now
        self.clock.value = self._clock_html(now, live=True)

    def _after_action(self) -> None:
        machines = self._machines()
        had_worker = any(n in self.cluster.workers for n in self.machine.options)
        _set_options(self.machine, machines, default=self._default_machine(machines))
        if not had_worker and self.machine.value not in self.cluster.workers:
            self.machine.value = self._default_machine(machines)  # the first worker has joined
        hosts = self._hosts()
        _set_options(self.link_a, hosts)
        _set_options(self.link_b, hosts, default=hosts[1] if len(hosts) > 1 else None)
        self.go_live()

    def _say(self, text: str, error: bool = False) -> None:
        self.said = text
        colour = _TONE["bad"] if error else "inherit"
        self.message.value = f'<span style="color:{colour}">{_e(text)}</span>'

    said = ""  # the last message shown (what a test reads)

    def _fault(self, done: str, consequence: str, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - shown to the user, not raised into the front end
            msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            self._say(f"error: {msg}", error=True)
            return
        self._say(f"t={self.cluster.sim.now:.1f}s: {done}" + (f" - {consequence}" if consequence else "")
                  + ". Press Play or Step to watch what follows.")

    def _fork_clicked(self) -> None:
        try:
            twin = self.fork()
        except Exception as exc:  # noqa: BLE001
            self._say(f"error: {exc}", error=True)
            return
        label = self.fork_label(twin)
        self._say(f"{label}: dashboard.forks[{len(self.forks) - 1}] (its dashboard is below)")
        self.output.clear_output()
        self.fork_dashboard = Dashboard(twin, every=self.timeline.every, speed=self.speed,
                                        show_topology=self.show_topology, title=label)
        with self.output:
            from IPython.display import display

            display(self.fork_dashboard)

    def _on_slider(self, change) -> None:
        if self._syncing:
            return
        self.view_time = change["new"]

    def _on_view_time(self, change) -> None:
        if self._syncing:
            return
        self.live = change["new"] >= self.cluster.sim.now - 1e-9
        self.refresh()

    def _clock_html(self, t: float, live: bool, at: Optional[float] = None) -> str:
        title = f"<b>{_e(self.title)}</b> · " if self.title else ""
        if live:
            return f"{title}<b>t = {t:.1f} s</b> · live"
        return f"{title}<b>t = {at:.1f} s</b> · <span style='color:{_TONE['warn']}'>rewound</span> (now {t:.1f} s)"

    def refresh(self) -> None:
        """Redraw from the snapshot for ``view_time`` (the present when live)."""
        now = self.cluster.sim.now
        self._syncing = True
        try:
            self.time = now
            if self.live:
                self.view_time = now
                snap = self.timeline.snapshot() if self.timeline.snapshots[-1].time != now else self.timeline.snapshots[-1]
            else:
                snap = self.timeline.at(self.view_time)
            self.slider.max = max(now, 1e-9)
            self.slider.value = self.view_time
        finally:
            self._syncing = False
        self._shown = snap
        self.clock.value = self._clock_html(now, self.live, snap.time)
        if self.show_topology:
            self.topology.value = topology_html(snap, self.title)
        self.nodes_view.value = nodes_table(snap)
        self.pods_view.value = pods_table(snap)
        self.etcd_view.value = etcd_table(snap)
        self.events_view.value = events_table(snap)

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a static HTML view (the tables at this moment) for
        places where no widget runs: nbconvert HTML, GitHub's notebook viewer."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):  # (data, metadata)
            data = bundle[0]
        else:
            data = bundle
        if isinstance(data, dict):
            data["text/html"] = self.static_html()
        return bundle

    def static_html(self) -> str:
        s = self.shown
        return ('<div class="kubelab-dashboard-static">'
                f'<div><b>kubelab dashboard</b> · {self._clock_html(self.cluster.sim.now, self.live, s.time)} '
                '<i>(static view: run the notebook for the live dashboard)</i></div>'
                f'{nodes_table(s)}<br/>{pods_table(s)}<br/>{etcd_table(s)}</div>')

    def __repr__(self) -> str:
        s = self.shown
        state = "live" if self.live else f"rewound to t={s.time:.1f}s"
        title = f"{self.title}, " if self.title else ""
        return (f"Dashboard({title}t={self.cluster.sim.now:.1f}s, {state}, {len(s.nodes)} nodes, "
                f"{s.running_pods}/{len(s.pods)} pods Running)")


def _set_options(dropdown: W.Dropdown, options: list[str], default: Optional[str] = None) -> None:
    """New options for a dropdown, keeping its choice when it is still there."""
    if list(dropdown.options) == options:
        return
    keep = dropdown.value
    dropdown.options = options
    if keep in options:
        dropdown.value = keep
    elif default in options:
        dropdown.value = default


def dashboard(cluster, **kwargs) -> Dashboard:
    """``cluster.views.dashboard()``."""
    return Dashboard(cluster, **kwargs)


__all__ = ["Dashboard", "dashboard", "events_table", "nodes_table", "pods_table", "topology_html"]

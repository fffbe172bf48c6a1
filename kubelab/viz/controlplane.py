"""Views of the control plane at work: who leads, where requests go, what reconciles.

- :func:`leases_html` — which master holds the ``kube-scheduler``,
  ``kube-controller-manager`` and ``cloud-controller-manager`` Leases in ``kube-system``
  (client-go leaderelection), how old the last renewal is, how often the lease changed
  hands, and the node Leases in ``kube-node-lease`` summarised (the kubelets' heartbeats);
- :func:`load_balancer_html` — the load balancer in front of the API servers
  (kubeadm's ``controlPlaneEndpoint``): backends, health (``/readyz``), requests routed;
- :func:`reconciliation_html` / :func:`reconciliation_graph` — for every workload object,
  desired against actual, and the controller that closes the gap with its latest action
  (its newest Event);
- :func:`rollout_html` — one Deployment's rollout: old and new ReplicaSets, revisions,
  the maxSurge / maxUnavailable bounds, the Progressing and Available conditions, and
  ``kubectl rollout status``'s line;
- :func:`control_plane_html` — masters (components up or down, leader badges), the load
  balancer and the leases, plus the control plane's recent history from the trace.

Every ``*_html`` has a ``*_text`` twin for ``text/plain``, both fed from the same plain
records (``read_*`` functions), and a displayable :class:`View` from the functions
without suffix (``control_plane(cluster)``...).

Reading changes nothing: the views read an API server's watch cache directly (as
:mod:`kubelab.viz.timeline` does) rather than through the load balancer, whose
round-robin position and ``routed`` counters a read through it would move. Output is
deterministic: ages are measured on the simulated clock, rows are sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from kubelab.cluster.readmodel import LEADER_LEASES, Backend
from kubelab.controllers import status as workload

from . import html as H
from .html import esc, pill

__all__ = [
    "View",
    "LeaseInfo",
    "NodeLeaseSummary",
    "BackendInfo",
    "MasterRow",
    "ReconcileRow",
    "ReplicaSetRow",
    "RolloutInfo",
    "read_leases",
    "read_load_balancer",
    "read_masters",
    "read_reconciliation",
    "read_rollout",
    "leases_html",
    "leases_text",
    "load_balancer_html",
    "load_balancer_text",
    "reconciliation_html",
    "reconciliation_text",
    "reconciliation_graph",
    "rollout_html",
    "rollout_text",
    "control_plane_html",
    "control_plane_text",
    "leases",
    "load_balancer",
    "reconciliation",
    "rollout",
    "control_plane",
]

CONTROL_PLANE_LEASES = LEADER_LEASES  # (Lease name, Master attribute of each candidate)
NODE_LEASE_NAMESPACE = "kube-node-lease"

# Trace reasons that tell the control plane's story (faults, elections, scaling).
HISTORY_REASONS = ("MachineStopped", "MachineStarted", "MasterStarted", "LeaderElection", "APIServerScaledOut",
                   "APIServerScaledIn", "Partition", "LinkCut", "Healed", "LoadStarted", "LoadStopped", "LoadChanged")


class View:
    """A view for a notebook cell: HTML, with the same content as plain text."""

    def __init__(self, html: str, text: str):
        self.html = html
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


# ----------------------------------------------------------------------------- reading
#
# Everything here reads ``cluster.state`` (kubelab.cluster.readmodel), the one read model:
# a ready API server's cache read directly, the machines, the leases, the backends.


def _state(cluster: Any) -> Any:
    return cluster.state


def _list(cluster: Any, kind: str, namespace: Optional[str] = None) -> list[Any]:
    return _state(cluster).list(kind, namespace)


def _readable(cluster: Any) -> bool:
    return _state(cluster).readable


def _now(cluster: Any) -> float:
    return float(cluster.now)


def _age(ts: Optional[str], now: float) -> Optional[float]:
    from kubelab.api.base import parse_time

    if not ts:
        return None
    t = parse_time(ts)
    return None if t is None else max(0.0, now - t)


def _since(t: Optional[float], now: float) -> Optional[float]:
    return None if t is None else max(0.0, now - t)


def fmt_age(seconds: Optional[float]) -> str:
    """Sub-minute ages with a decimal (leases renew every 2 s), longer ones as kubectl's."""
    if seconds is None:
        return "<unknown>"
    if seconds < 60:
        return f"{seconds:.1f}s"
    from kubelab.kubectl.duration import human_duration

    return human_duration(seconds)


@dataclass
class Candidate:
    master: str
    state: str  # leader | standby | stopped


@dataclass
class LeaseInfo:
    name: str
    namespace: str = "kube-system"
    present: bool = True
    holder: Optional[str] = None  # holderIdentity
    master: Optional[str] = None  # the master that identity names
    holder_running: bool = True
    renew_age: Optional[float] = None
    acquire_age: Optional[float] = None
    duration: Optional[int] = None
    transitions: int = 0
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def expired(self) -> bool:
        return self.renew_age is not None and self.duration is not None and self.renew_age > self.duration

    @property
    def state(self) -> str:
        if not self.present:
            return "absent"
        if self.expired:
            return "expired"
        if not self.holder_running:
            return "holder down"
        return "held"


@dataclass
class NodeLeaseSummary:
    total: int = 0
    fresh: int = 0
    stale: list[tuple[str, float]] = field(default_factory=list)  # (node, age of the last renewal)
    newest_age: Optional[float] = None
    oldest_age: Optional[float] = None
    duration: Optional[int] = None


def read_leases(cluster: Any) -> tuple[list[LeaseInfo], NodeLeaseSummary]:
    """The control plane's leader-election Leases and a summary of the node Leases. A
    candidate leads when the Lease names its master (the one rule: the holder)."""
    state = _state(cluster)
    now = _now(cluster)
    masters = list(cluster.masters)
    running = {m.name: bool(m.running) for m in masters}
    held = state.leases()
    holders = state.lease_masters()
    out: list[LeaseInfo] = []
    for lease_name, attr in CONTROL_PLANE_LEASES:
        candidates = []
        for m in masters:
            comp = getattr(m, attr, None)
            if comp is None:
                continue
            if not running[m.name] or not getattr(comp, "running", True):
                cstate = "stopped"
            else:
                cstate = "leader" if holders.get(lease_name) == m.name else "standby"
            candidates.append(Candidate(m.name, cstate))
        lease = held.get(lease_name)
        if lease is None:
            if candidates:  # candidates campaign, no Lease yet
                out.append(LeaseInfo(lease_name, present=False, candidates=candidates))
            continue
        sp = lease.spec
        master = holders.get(lease_name)
        out.append(LeaseInfo(
            lease_name, present=True, holder=sp.holder_identity, master=master,
            holder_running=running.get(master or "", True),
            renew_age=_age(sp.renew_time, now), acquire_age=_age(sp.acquire_time, now),
            duration=sp.lease_duration_seconds, transitions=int(sp.lease_transitions or 0), candidates=candidates))
    summary = NodeLeaseSummary()
    ages: list[float] = []
    for lease in sorted(state.list("Lease", NODE_LEASE_NAMESPACE), key=lambda x: _natural(x.metadata.name or "")):
        summary.total += 1
        age = _age(lease.spec.renew_time, now)
        duration = lease.spec.lease_duration_seconds or 40
        summary.duration = duration
        if age is None or age > duration:
            summary.stale.append((lease.metadata.name or "", age if age is not None else float("inf")))
        else:
            summary.fresh += 1
        if age is not None:
            ages.append(age)
    if ages:
        summary.newest_age, summary.oldest_age = min(ages), max(ages)
    return out, summary


def _natural(s: str) -> list:
    """Sort key putting vm-2 before vm-10."""
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


BackendInfo = Backend  # the read model's record of one load balancer backend


def read_load_balancer(cluster: Any) -> tuple[str, list[Backend]]:
    return cluster.load_balancer.host, _state(cluster).backends()


@dataclass
class ComponentRow:
    name: str
    running: bool
    leader: Optional[bool] = None  # None: not leader-elected (the API server is active-active)
    detail: str = ""


@dataclass
class MasterRow:
    name: str
    running: bool
    components: list[ComponentRow] = field(default_factory=list)
    etcd_role: Optional[str] = None
    etcd_name: str = ""


def read_masters(cluster: Any) -> list[MasterRow]:
    """The masters as the topology has them (``cluster.state.topology()``)."""
    rows = []
    for m in _state(cluster).topology().masters:
        row = MasterRow(m.name, m.running)
        for c in m.components:
            if c.name == "kube-apiserver":
                detail = f"+{c.replicas} replica{'s' if c.replicas != 1 else ''}" if c.replicas else ""
                row.components.append(ComponentRow(c.name, c.running, None, detail))
            else:
                row.components.append(ComponentRow(c.name, c.running, c.leader))
        if m.etcd is not None:
            row.etcd_role, row.etcd_name = m.etcd.role, m.etcd.name
        rows.append(row)
    return rows


def _history(cluster: Any, limit: int = 8) -> list[Any]:
    recs = [r for r in cluster.trace if r.reason in HISTORY_REASONS]
    # "became leader" and "started leading" say the same thing: keep the first
    recs = [r for r in recs if not (r.reason == "LeaderElection" and r.message.endswith("started leading"))]
    return recs[-limit:]


# ----------------------------------------------------------------------------- shared pieces


def _progress(done: float, total: float, label: str) -> str:
    """A progress bar (not a usage bar: full is good, so no hot colours): blue while
    under way, green when complete."""
    frac = 0.0 if total <= 0 else max(0.0, min(1.0, done / total))
    colour = "background:rgba(46,160,67,.75);" if frac >= 1.0 else ""
    return (f'<div style="display:flex;gap:8px;align-items:center"><div class="kl-bar" title="{esc(label)}">'
            f'<span style="{colour}width:{int(frac * 100)}%"></span></div><span>{esc(label)}</span></div>')


def _lease_state_pill(info: LeaseInfo) -> str:
    tone = {"held": "ok", "holder down": "warn", "expired": "bad", "absent": "warn"}[info.state]
    return pill(info.state, tone)


def _candidates_html(cands: list[Candidate]) -> str:
    tones = {"leader": "info", "standby": "", "stopped": "bad"}
    return " ".join(pill(f"{c.master} {c.state}", tones[c.state] or None) if c.state != "standby"
                    else f'<span class="kl-pill">{esc(c.master)} standby</span>' for c in cands) or \
        '<span class="kl-muted">none</span>'


NO_API = "no API server answers: the Leases cannot be read (the API server is the only way to etcd)"


def _leases_body(infos: list[LeaseInfo], nodes: NodeLeaseSummary, readable: bool = True) -> str:
    if not readable:
        return f'<div>{pill("unreadable", "bad")} <span class="kl-muted">{esc(NO_API)}</span></div>'
    rows = []
    for i in infos:
        if not i.present:
            rows.append([f"<code>{esc(i.name)}</code>", '<span class="kl-muted">no Lease yet</span>', "", "", "",
                         _lease_state_pill(i), _candidates_html(i.candidates)])
            continue
        holder = f"<b>{esc(i.master)}</b>" if i.master else '<span class="kl-muted">&lt;none&gt;</span>'
        if i.holder:
            holder += f' <span class="kl-muted"><code>{esc(i.holder)}</code></span>'
        renew = esc(fmt_age(i.renew_age)) + ' <span class="kl-muted">ago</span>'
        if i.duration is not None and i.renew_age is not None and not i.expired:
            renew += f' <span class="kl-muted">(expires in {esc(fmt_age(i.duration - i.renew_age))})</span>'
        rows.append([f"<code>{esc(i.name)}</code>", holder, renew, esc(f"{i.duration}s" if i.duration else ""),
                     esc(i.transitions), _lease_state_pill(i), _candidates_html(i.candidates)])
    body = H._table(["Lease", "Holder", "Renewed", "Duration", "Transitions", "State", "Candidates"], rows, raw=True) \
        if rows else '<div class="kl-muted">no leader-elected components</div>'
    body += "<h5>Node leases <span class=\"kl-muted\">(kube-node-lease: kubelet heartbeats)</span></h5>"
    body += _node_leases_html(nodes)
    return body


def _node_leases_html(n: NodeLeaseSummary) -> str:
    if n.total == 0:
        return '<div class="kl-muted">no node Leases: no worker has joined</div>'
    tone = "ok" if not n.stale else "bad"
    parts = [pill(f"{n.fresh}/{n.total} renewing", tone)]
    if n.newest_age is not None:
        parts.append(f'<span class="kl-muted">last renewals {esc(fmt_age(n.newest_age))} to '
                     f'{esc(fmt_age(n.oldest_age))} ago, lease {esc(n.duration)}s</span>')
    if n.stale:
        stale = ", ".join(f"{name} ({fmt_age(age) if age != float('inf') else 'never'})" for name, age in n.stale)
        parts.append(f'<div>{pill("stale", "bad")} <code>{esc(stale)}</code> '
                     f'<span class="kl-muted">— the node lifecycle controller marks these Ready=Unknown</span></div>')
    return " ".join(parts)


def _lb_body(host: str, rows: list[BackendInfo]) -> str:
    if not rows:
        return '<div class="kl-muted">no backends</div>'
    healthy = sum(1 for r in rows if r.healthy)
    total = sum(r.routed for r in rows)
    head = (f'<div>{pill(f"{healthy}/{len(rows)} healthy", "ok" if healthy == len(rows) else ("bad" if healthy == 0 else "warn"))} '
            f'<span class="kl-muted"><code>{esc(host)}:6443</code> round robin over backends passing /readyz; '
            f'{esc(total)} requests routed</span></div>')
    trows = []
    for r in rows:
        state = pill("healthy", "ok") if r.healthy else pill("down" if not r.running else "unhealthy", "bad")
        kind = "replica" if r.replica else "master's own"
        trows.append([f"<code>{esc(r.name)}</code>", esc(r.master), esc(kind), state,
                      _progress(r.share, 1.0, f"{r.routed} ({r.share:.0%})"), esc(r.inflight)])
    return head + H._table(["Backend", "Master", "Kind", "Health", "Routed", "In flight"], trows, raw=True)


def _masters_body(rows: list[MasterRow]) -> str:
    trows = []
    for m in rows:
        comps = []
        for c in m.components:
            tone = "ok" if c.running else "bad"
            label = c.name + (f" {c.detail}" if c.detail else "")
            s = pill(label, tone)
            if c.leader:
                s += " " + pill("leader", "info")
            comps.append(s)
        if m.etcd_role is not None:
            etone = "info" if m.etcd_role == "leader" else ("bad" if m.etcd_role == "stopped" else "ok")
            comps.append(pill(f"etcd {m.etcd_role}", etone))
        trows.append([f"<b>{esc(m.name)}</b>", pill("running" if m.running else "stopped", "ok" if m.running else "bad"),
                      " ".join(comps)])
    return H._table(["Master", "Machine", "Components"], trows, raw=True)


def _history_html(recs: list[Any]) -> str:
    if not recs:
        return '<div class="kl-muted">nothing yet</div>'
    rows = [[esc(f"{r.time:.1f}s"), esc(r.source), pill(r.reason, "bad" if r.reason in ("MachineStopped", "Partition", "LinkCut")
                                                           else "info" if r.reason == "LeaderElection" else None),
             esc(r.message)] for r in recs]
    return H._table(["Time", "Source", "Reason", "Message"], rows, raw=True)


def _title(kind: str, name: str, extra: str = "") -> str:
    return f'<span class="kl-kind">{esc(kind)}</span><span>{esc(name)}</span>{extra}'


# ----------------------------------------------------------------------------- leases


def leases_html(cluster: Any) -> str:
    infos, nodes = read_leases(cluster)
    t = f'<span class="kl-muted">t={_now(cluster):.1f}s</span>'
    return H._card(_title("Leases", "leader election", t), _leases_body(infos, nodes, _readable(cluster)))


def leases_text(cluster: Any) -> str:
    infos, nodes = read_leases(cluster)
    if not _readable(cluster):
        return f"Leases in kube-system (t={_now(cluster):.1f}s): {NO_API}"
    return _leases_text(infos, nodes, _now(cluster))


def _leases_text(infos: list[LeaseInfo], nodes: NodeLeaseSummary, now: float) -> str:
    lines = [f"Leases in kube-system (t={now:.1f}s)"]
    for i in infos:
        cands = ", ".join(f"{c.master} {c.state}" for c in i.candidates)
        if not i.present:
            lines.append(f"  {i.name}: no Lease yet (candidates: {cands})")
            continue
        lines.append(f"  {i.name}: held by {i.master or '<none>'} ({i.holder}), renewed {fmt_age(i.renew_age)} ago, "
                     f"{i.transitions} transition{'s' if i.transitions != 1 else ''}, {i.state} (candidates: {cands})")
    if nodes.total:
        stale = f"; stale: {', '.join(n for n, _ in nodes.stale)}" if nodes.stale else ""
        lines.append(f"  node leases: {nodes.fresh}/{nodes.total} renewing{stale}")
    else:
        lines.append("  node leases: none")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- load balancer


def load_balancer_html(cluster: Any) -> str:
    host, rows = read_load_balancer(cluster)
    return H._card(_title("LoadBalancer", host or "lb"), _lb_body(host, rows))


def load_balancer_text(cluster: Any) -> str:
    host, rows = read_load_balancer(cluster)
    return _lb_text(host, rows)


def _lb_text(host: str, rows: list[BackendInfo]) -> str:
    healthy = sum(1 for r in rows if r.healthy)
    lines = [f"LoadBalancer {host or 'lb'}:6443: {healthy}/{len(rows)} backends healthy, "
             f"{sum(r.routed for r in rows)} requests routed"]
    for r in rows:
        state = "healthy" if r.healthy else ("down" if not r.running else "unhealthy")
        lines.append(f"  {r.name} on {r.master}{' (replica)' if r.replica else ''}: {state}, routed {r.routed} ({r.share:.0%})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- control plane


def control_plane_html(cluster: Any) -> str:
    masters = read_masters(cluster)
    infos, nodes = read_leases(cluster)
    host, backends = read_load_balancer(cluster)
    up = sum(1 for m in masters if m.running)
    head = pill(f"{up}/{len(masters)} masters up", "ok" if up == len(masters) else ("bad" if up == 0 else "warn"))
    body = _masters_body(masters)
    body += f"<h5>Load balancer <code>{esc(host or 'lb')}</code></h5>" + _lb_body(host, backends)
    body += "<h5>Leader election (Leases in kube-system)</h5>" + _leases_body(infos, nodes, _readable(cluster))
    body += "<h5>Recent control-plane history</h5>" + _history_html(_history(cluster))
    t = f'<span class="kl-muted">t={_now(cluster):.1f}s</span>'
    return H._card(_title("Control plane", "", head + " " + t), body)


def control_plane_text(cluster: Any) -> str:
    masters = read_masters(cluster)
    infos, nodes = read_leases(cluster)
    host, backends = read_load_balancer(cluster)
    now = _now(cluster)
    up = sum(1 for m in masters if m.running)
    lines = [f"Control plane (t={now:.1f}s): {up}/{len(masters)} masters up"]
    for m in masters:
        comps = []
        for c in m.components:
            s = c.name + ("" if c.running else " (down)") + (" [leader]" if c.leader else "")
            comps.append(s + (f" {c.detail}" if c.detail else ""))
        if m.etcd_role is not None:
            comps.append(f"etcd {m.etcd_role}")
        lines.append(f"  {m.name} {'running' if m.running else 'stopped'}: {', '.join(comps)}")
    lines.append(_lb_text(host, backends))
    lines.append(_leases_text(infos, nodes, now) if _readable(cluster)
                 else f"Leases in kube-system: {NO_API}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- reconciliation
#
# Desired against actual per kind, the controller that closes the gap and its next step
# are the controllers' reading (kubelab.controllers.status); this module renders them.

CONTROLLERS = workload.CONTROLLERS
WORKLOAD_KINDS = workload.WORKLOAD_KINDS


@dataclass
class Action:
    reason: str
    message: str
    age: Optional[float]
    component: str = ""
    count: int = 1
    warning: bool = False


def _action(a: Optional[workload.ControllerAction], now: float) -> Optional[Action]:
    if a is None:
        return None
    return Action(a.reason, a.message, _since(a.time, now), a.component, a.count, a.warning)


@dataclass
class ReconcileRow(workload.WorkloadStatus):
    """A workload's desired against actual (kubelab.controllers.status), with where its
    controller runs and its newest action: what the view shows."""

    manager: Optional[str] = None  # the master whose kube-controller-manager holds the Lease
    action: Optional[Action] = None

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


def _leader_master(cluster: Any) -> Optional[str]:
    """The master holding the kube-controller-manager Lease."""
    return _state(cluster).leader("kube-controller-manager")


def read_reconciliation(cluster: Any, namespace: Optional[str] = None) -> list[ReconcileRow]:
    """Desired against actual for every workload object (all namespaces unless one is
    given), with the controller that closes the gap and its newest action."""
    now = _now(cluster)
    leader = _leader_master(cluster)
    objs = [o for k in WORKLOAD_KINDS for o in _list(cluster, k, namespace)]
    statuses = workload.reconcile_status(objs, _list(cluster, "Pod", namespace), _list(cluster, "Endpoints", namespace))
    events = workload.events_by_object(_list(cluster, "Event", namespace))
    return [ReconcileRow(**vars(s), manager=leader,
                         action=_action(workload.latest_action(events.get((s.kind, s.namespace, s.name), []),
                                                               s.controller), now))
            for s in statuses]


def _gap_html(r: ReconcileRow) -> str:
    if r.kind == "Job" and r.in_sync:
        return pill("complete", "ok") if r.next_step == "complete" else pill("failed", "bad")
    if r.in_sync:
        return pill("in sync", "ok")
    if r.kind == "Job":
        return pill(f"{r.actual}/{r.desired}", "warn")
    diff = r.actual - r.desired
    return pill(f"{diff:+d}" if diff else "converging", "warn")


def _action_html(a: Optional[Action]) -> str:
    if a is None:
        return '<span class="kl-muted">no event yet</span>'
    count = f" (x{a.count})" if a.count > 1 else ""
    return (f'{pill(a.reason, "bad" if a.warning else "info")} <span class="kl-muted">{esc(fmt_age(a.age))} ago{esc(count)}</span>'
            f'<br><span>{esc(a.message)}</span>')


def reconciliation_html(cluster: Any, namespace: Optional[str] = None) -> str:
    rows = read_reconciliation(cluster, namespace)
    leader = _leader_master(cluster)
    where = (f'<span class="kl-muted">controllers run in the kube-controller-manager on</span> '
             f'{pill(leader, "info")}' if leader else pill("no kube-controller-manager leads", "bad"))
    out_of_sync = sum(1 for r in rows if not r.in_sync)
    head = pill(f"{len(rows) - out_of_sync}/{len(rows)} in sync", "ok" if not out_of_sync else "warn")
    if not rows:
        body = '<div class="kl-muted">no workloads: apply a Deployment, DaemonSet, StatefulSet, Job or Service</div>'
    else:
        trows = []
        multi_ns = len({r.namespace for r in rows}) > 1
        for r in rows:
            name = f"<code>{esc(r.name)}</code>" + (f' <span class="kl-muted">in {esc(r.namespace)}</span>' if multi_ns else "")
            trows.append([esc(r.kind), name, esc(r.desired), f"{esc(r.actual)} <span class=\"kl-muted\">{esc(r.measure)}</span>",
                          _gap_html(r), f"<code>{esc(r.controller)}</code>", _action_html(r.action),
                          esc(r.next_step) + (f'<br><span class="kl-muted">{esc(r.detail)}</span>' if r.detail else "")])
        body = H._table(["Kind", "Name", "Desired", "Actual", "Gap", "Controller", "Latest action", "Next step"],
                        trows, raw=True)
    return H._card(_title("Reconciliation", namespace or "all namespaces", head), f"<div>{where}</div>" + body)


def reconciliation_text(cluster: Any, namespace: Optional[str] = None) -> str:
    rows = read_reconciliation(cluster, namespace)
    leader = _leader_master(cluster)
    lines = [f"Reconciliation (t={_now(cluster):.1f}s), controllers on {leader or '<no leader>'}:"]
    for r in rows:
        act = f"{r.action.reason} {fmt_age(r.action.age)} ago" if r.action else "no event yet"
        state = r.next_step  # "in sync" when in sync; a Job says "complete" or "failed"
        lines.append(f"  {r.kind} {r.namespace}/{r.name}: desired {r.desired}, {r.measure} {r.actual} — {state} "
                     f"[{r.controller}: {act}]")
    if not rows:
        lines.append("  no workloads")
    return "\n".join(lines)


def reconciliation_graph(cluster: Any, namespace: Optional[str] = None):
    """Controllers → the objects they reconcile (edge: the latest action), each object
    with desired vs actual, owners → what they own. A :class:`~kubelab.viz.graphs.GraphView`."""
    import graphviz

    from .graphs import GraphView, _id, _STATUS_COLOR, _EDGE

    rows = read_reconciliation(cluster, namespace)
    leader = _leader_master(cluster)
    g = graphviz.Digraph("reconciliation")
    g.attr(rankdir="LR", bgcolor="transparent", fontname="Helvetica", fontsize="11", nodesep="0.2", ranksep="0.7")
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10", color="#57606a",
           fontcolor="#1f2328", fillcolor="#ffffff")
    g.attr("edge", color=_EDGE, arrowsize="0.6", fontname="Helvetica", fontsize="9", fontcolor="#6e7781")
    used = [c for c in dict.fromkeys(CONTROLLERS[k] for k in WORKLOAD_KINDS) if any(r.controller == c for r in rows)]
    with g.subgraph(name="cluster_kcm") as cm:
        cm.attr(label=f"kube-controller-manager on {leader}" if leader else "kube-controller-manager (no leader)",
                style="rounded,filled" + ("" if leader else ",dashed"), fillcolor="#e8eefc", color="#8c959f",
                fontcolor="#1f2328")
        for c in used:
            cm.node(_id("ctrl", c), c, shape="ellipse", fillcolor="#ffffff")
    keys = {(r.kind, r.namespace, r.name) for r in rows}
    multi_ns = len({r.namespace for r in rows}) > 1
    for r in rows:
        nid = _id("obj", r.kind, r.namespace, r.name)
        name = f"{r.namespace}/{r.name}" if multi_ns else r.name
        state = r.next_step
        label = f"{r.kind}\\n{name}\\ndesired {r.desired} · {r.measure} {r.actual}\\n{state}"
        tone = "ok" if r.in_sync else "warn"
        g.node(nid, label, color=_STATUS_COLOR[tone], penwidth="1.6" if not r.in_sync else "1.0")
        elabel = f"{r.action.reason}\\n{fmt_age(r.action.age)} ago" if r.action else ""
        g.edge(_id("ctrl", r.controller), nid, label=elabel, style="solid" if r.action else "dashed")
    for r in rows:
        if r.owner and (r.owner[0], r.namespace, r.owner[1]) in keys:
            g.edge(_id("obj", r.owner[0], r.namespace, r.owner[1]), _id("obj", r.kind, r.namespace, r.name),
                   label="owns", style="dotted", constraint="false")
    return GraphView(g, reconciliation_text(cluster, namespace))


# ----------------------------------------------------------------------------- rollout


@dataclass
class ReplicaSetRow:
    name: str
    revision: int
    new: bool
    images: str
    desired: int
    current: int
    ready: int
    available: int
    age: Optional[float]


@dataclass
class ConditionRow:
    type: str
    status: str
    reason: str
    message: str
    age: Optional[float]


@dataclass
class RolloutInfo(workload.RolloutStatus):
    """A Deployment's rollout (kubelab.controllers.status.RolloutStatus) with what the view
    shows besides: kubectl's status line, the conditions, the ReplicaSets' rows, the events."""

    replicasets: list[ReplicaSetRow] = field(default_factory=list)  # newest revision first
    status_line: str = ""
    conditions: list[ConditionRow] = field(default_factory=list)
    events: list[Action] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.status_line.endswith("successfully rolled out")


from kubelab.kubectl.polymorphichelpers import status_line as _status_line  # noqa: E402 - one rollout-status reader


def rollout_status_line(d: Any) -> str:
    """``kubectl rollout status``' line for a Deployment: the one place the views ask for
    it (to be answered by kubelab.kubectl's rollout-status reader once it exists)."""
    return _status_line(d)


def read_rollout(cluster: Any, deployment_name: str, namespace: str = "default") -> RolloutInfo:
    d = _state(cluster).get("Deployment", deployment_name, namespace)
    if d is None:
        raise KeyError(f'deployments.apps "{deployment_name}" not found in namespace "{namespace}"')
    now = _now(cluster)
    ro = workload.rollout_status(d, _list(cluster, "ReplicaSet", namespace))
    rss = [ReplicaSetRow(r.name, r.revision, r.new, r.images, r.desired, r.current, r.ready, r.available,
                         _since(r.created, now)) for r in ro.replicasets]
    conds = [ConditionRow(c.type, c.status, c.reason or "", c.message or "",
                          _age(c.last_update_time or c.last_transition_time, now))
             for c in sorted(d.status.conditions or (), key=lambda c: c.type != "Progressing")]
    evs = workload.events_by_object(e for e in _list(cluster, "Event", namespace)
                                    if e.involved_object.kind == "Deployment" and e.involved_object.name == deployment_name)
    actions = [_action(workload.action_of(e), now)
               for e in evs.get(("Deployment", namespace or "", deployment_name), [])[-6:]]
    return RolloutInfo(**{**vars(ro), "replicasets": rss}, status_line=rollout_status_line(d), conditions=conds,
                       events=actions)


def _pods_strip(info: RolloutInfo) -> str:
    """One square per pod: the new ReplicaSet's (ready green, starting amber), then the old
    ones' (grey), against the bounds a rolling update keeps."""
    cells = []
    for rs in info.replicasets:
        for i in range(rs.current):
            if rs.new:
                tone = "ok" if i < rs.ready else "warn"
                title = f"{rs.name} (new, {'ready' if i < rs.ready else 'starting'})"
            else:
                tone = ""
                title = f"{rs.name} (old, revision {rs.revision})"
            cls = f"kl-pill kl-{tone}" if tone else "kl-pill"
            cells.append(f'<span class="{cls}" style="padding:0 5px;margin-right:2px" title="{esc(title)}">&nbsp;</span>')
    if len(cells) > 60:
        return esc(f"{info.total} pods")
    return "".join(cells) or '<span class="kl-muted">no pods</span>'


def rollout_html(cluster: Any, deployment_name: str, namespace: str = "default") -> str:
    info = read_rollout(cluster, deployment_name, namespace)
    line_tone = "ok" if info.complete else ("bad" if info.status_line.startswith("error") else "warn")
    facts = [
        ("Status", f'{pill("complete" if info.complete else ("paused" if info.paused else "progressing"), line_tone)} '
                   f'<code>{esc(info.status_line)}</code>'),
        ("Revision", esc(info.revision)),
        ("Strategy", esc(info.strategy) + (f' <span class="kl-muted">maxSurge {esc(info.max_surge)}, maxUnavailable '
                                            f'{esc(info.max_unavailable)}</span>' if info.max_surge is not None else "")),
        ("Updated", _progress(info.updated, max(1, info.desired), f"{info.updated}/{info.desired} up-to-date")),
        ("Available", _progress(info.available, max(1, info.desired), f"{info.available}/{info.desired} available")),
        ("Pods", _pods_strip(info) + f' <span class="kl-muted">{esc(info.total)} total</span>'),
    ]
    if info.max_surge is not None:
        facts.append(("Bounds", esc(f"at least {info.desired - info.max_unavailable} available, "
                                    f"at most {info.desired + info.max_surge} pods")))
    body = H._kv(facts)
    rows = []
    for rs in info.replicasets:
        role = pill("new", "info") if rs.new else '<span class="kl-pill">old</span>'
        rows.append([f"<code>{esc(rs.name)}</code>", role, esc(rs.revision), f"<code>{esc(rs.images)}</code>",
                     esc(rs.desired), esc(rs.current), esc(rs.ready), esc(rs.available), esc(fmt_age(rs.age))])
    body += "<h5>ReplicaSets</h5>" + (H._table(["Name", "", "Revision", "Images", "Desired", "Current", "Ready",
                                                "Available", "Age"], rows, raw=True)
                                      if rows else '<div class="kl-muted">none yet</div>')
    if info.conditions:
        body += "<h5>Conditions</h5>" + H._table(
            ["Type", "Status", "Reason", "Message", "Updated"],
            [[esc(c.type), pill(c.status), esc(c.reason), esc(c.message), esc(fmt_age(c.age)) + " ago"]
             for c in info.conditions], raw=True)
    if info.events:
        body += "<h5>Latest deployment-controller actions</h5>" + H._table(
            ["Reason", "Age", "Message"],
            [[pill(a.reason, "bad" if a.warning else "info"), esc(fmt_age(a.age)), esc(a.message)] for a in info.events],
            raw=True)
    return H._card(_title("Rollout", f"deployment/{info.name}", f' <span class="kl-ns">in {esc(info.namespace)}</span>'), body)


def rollout_text(cluster: Any, deployment_name: str, namespace: str = "default") -> str:
    info = read_rollout(cluster, deployment_name, namespace)
    lines = [f"Rollout deployment/{info.name} (revision {info.revision}, {info.strategy}): {info.status_line}",
             f"  replicas {info.desired}: {info.updated} up-to-date, {info.ready} ready, {info.available} available, "
             f"{info.total} total"]
    for rs in info.replicasets:
        lines.append(f"  {'new' if rs.new else 'old'} {rs.name} rev {rs.revision}: desired {rs.desired}, "
                     f"current {rs.current}, ready {rs.ready} ({rs.images})")
    for c in info.conditions:
        lines.append(f"  {c.type}={c.status} {c.reason}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- displayables


def control_plane(cluster: Any) -> View:
    return View(control_plane_html(cluster), control_plane_text(cluster))


def leases(cluster: Any) -> View:
    return View(leases_html(cluster), leases_text(cluster))


def load_balancer(cluster: Any) -> View:
    return View(load_balancer_html(cluster), load_balancer_text(cluster))


def reconciliation(cluster: Any, namespace: Optional[str] = None) -> View:
    return View(reconciliation_html(cluster, namespace), reconciliation_text(cluster, namespace))


def rollout(cluster: Any, deployment_name: str, namespace: str = "default") -> View:
    return View(rollout_html(cluster, deployment_name, namespace), rollout_text(cluster, deployment_name, namespace))

"""Graphviz pictures of a cluster: the topology and the ownership tree.

Both take plain data — a :class:`Topology` dataclass, or a list of API objects — so they
are testable without a running cluster and checkable as DOT text. ``topology_from_cluster``
reads a ``kubelab.Cluster`` into a :class:`Topology`.

Readability at scale (100 nodes, thousands of pods): workers are grouped by machine
kind (bare metal / VM / cloud instance); each worker is ONE graph node whose label lists
at most ``max_pods`` pods and summarises the rest (``+ 38 more: 36 Running, 2 Pending``);
past ``compact_after`` workers, pods are only counted. The kubelets' connections to the
load balancer are drawn once per group (a compound edge from the group's box).

Rendering needs Graphviz's ``dot``: the system one on PATH, else the ``graphviz-pure``
executable from PyPI (looked up next to this Python, as a notebook kernel's PATH often
lacks the venv's ``bin``). Without either, :class:`GraphView` says so in one line and shows
a text view instead.
"""

from __future__ import annotations

import html as _html
import os
import shutil
import sysconfig
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

import graphviz

__all__ = [
    "Component",
    "EtcdMemberInfo",
    "MasterInfo",
    "PodInfo",
    "WorkerInfo",
    "Topology",
    "topology_from_cluster",
    "topology_graph",
    "topology_text",
    "ownership_graph",
    "ownership_text",
    "GraphView",
    "find_dot",
    "DOT_MISSING_MESSAGE",
]

# ----------------------------------------------------------------------------- plain data


@dataclass
class Component:
    name: str  # kube-apiserver, kube-scheduler, kube-controller-manager, cloud-controller-manager
    running: bool = True
    leader: bool = False  # holds its leader-election Lease


@dataclass
class EtcdMemberInfo:
    name: str
    host: str = ""
    role: str = "follower"  # leader | follower | candidate | pre-candidate | stopped
    term: Optional[int] = None


@dataclass
class MasterInfo:
    name: str
    running: bool = True
    components: list[Component] = field(default_factory=list)
    etcd: Optional[EtcdMemberInfo] = None  # stacked etcd: the member on this master


@dataclass
class PodInfo:
    name: str
    namespace: str = "default"
    status: str = "Running"  # kubectl's STATUS column


@dataclass
class WorkerInfo:
    name: str
    kind: str = "VM"  # BareMetal | VM | CloudInstance
    ready: bool = True
    unschedulable: bool = False
    detail: str = ""  # e.g. "4 cpu, 16Gi" or "m5.xlarge, eu-west-1a"
    pods: list[PodInfo] = field(default_factory=list)


@dataclass
class Topology:
    name: str = "kubelab"
    time: float = 0.0
    load_balancer: Optional[str] = "lb"
    masters: list[MasterInfo] = field(default_factory=list)
    external_etcd: list[EtcdMemberInfo] = field(default_factory=list)
    workers: list[WorkerInfo] = field(default_factory=list)

    @property
    def etcd_members(self) -> list[EtcdMemberInfo]:
        return [m.etcd for m in self.masters if m.etcd is not None] + list(self.external_etcd)

    @property
    def etcd_summary(self) -> str:
        members = self.etcd_members
        if not members:
            return "no members"
        leader = next((m for m in members if m.role == "leader"), None)
        kind = "external" if self.external_etcd else "stacked"
        lead = f"leader {leader.name}" + (f" (term {leader.term})" if leader.term is not None else "") if leader else "no leader"
        return f"{len(members)} members ({kind}), {lead}"


KIND_TITLES = {"BareMetal": "Bare metal", "VM": "Virtual machines", "CloudInstance": "Cloud instances"}
KIND_ORDER = ("BareMetal", "VM", "CloudInstance")

# Colours chosen to read on light and dark notebook backgrounds: filled boxes with dark
# text, grey edges (an SVG in an <img> cannot follow the notebook's CSS theme).
_FILL = {
    "control": "#e8eefc", "master": "#f5f8ff", "etcd": "#fff4e0", "lb": "#eef6ee", "user": "#f4f4f4",
    "BareMetal": "#f3ecfa", "VM": "#eaf4fb", "CloudInstance": "#fdf1e7", "worker": "#ffffff",
}
_STATUS_COLOR = {"ok": "#1a7f37", "warn": "#9a6700", "bad": "#cf222e", "none": "#57606a"}
_EDGE = "#8c959f"


def _natural(s: str) -> list:
    """Sort key putting web-2 before web-10."""
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def _status_tone(status: str) -> str:
    if status in ("Running", "Completed", "Succeeded"):
        return "ok"
    if status in ("Pending", "ContainerCreating", "Terminating", "PodInitializing", "Unknown") or status.startswith("Init:"):
        return "warn"
    return "bad"


def _e(s: Any) -> str:
    return _html.escape(str(s), quote=True)


def _id(*parts: str) -> str:
    return "_".join(p.replace("-", "_").replace(".", "_").replace("/", "_") for p in parts)


# ----------------------------------------------------------------------------- topology


def topology_graph(topo: Topology, max_pods: int = 10, compact_after: int = 40,
                   max_workers: int = 60) -> graphviz.Digraph:
    """The cluster as a Graphviz graph (DOT via ``.source``).

    ``max_pods`` pods are listed per worker (the rest summarised); past ``compact_after``
    workers pods are only counted; past ``max_workers`` workers of one kind, the rest of
    that group is one summary box (a 5,000-node cluster stays a picture, not a wall)."""
    g = graphviz.Digraph("cluster_topology")
    g.attr(rankdir="TB", compound="true", bgcolor="transparent", fontname="Helvetica", fontsize="11",
           nodesep="0.25", ranksep="0.45", newrank="true")
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10", color="#57606a",
           fontcolor="#1f2328", fillcolor="#ffffff")
    g.attr("edge", color=_EDGE, arrowsize="0.6", fontname="Helvetica", fontsize="9", fontcolor="#57606a")

    g.node("user", "kubectl", shape="oval", fillcolor=_FILL["user"])
    if topo.load_balancer:
        g.node("lb", f"load balancer\\n{topo.load_balancer}:6443", fillcolor=_FILL["lb"])
        g.edge("user", "lb")

    # control plane
    apiservers: list[str] = []
    with g.subgraph(name="cluster_control_plane") as cp:
        cp.attr(label="control plane", style="rounded,filled", fillcolor=_FILL["control"], color="#8c959f",
                fontcolor="#1f2328")
        # Graphviz's dot lays sibling clusters out right to left in the order they are
        # defined: define the masters last-first so master-1 comes out on the left.
        for m in reversed(topo.masters):
            mid = _id("m", m.name)
            with cp.subgraph(name=f"cluster_{mid}") as ms:
                state = "" if m.running else " (stopped)"
                ms.attr(label=f"{m.name}{state}", style="rounded,filled" + ("" if m.running else ",dashed"),
                        fillcolor=_FILL["master"], color="#8c959f", fontcolor="#1f2328")
                for c in m.components:
                    cid = _id(mid, c.name)
                    label = c.name + ("\\n(leader)" if c.leader else "")
                    attrs = {"fillcolor": "#ffffff"}
                    if not (c.running and m.running):
                        attrs.update(style="rounded,filled,dashed", fontcolor="#8c959f")
                    ms.node(cid, label, **attrs)
                    if c.name == "kube-apiserver":
                        apiservers.append(cid)
                if m.etcd is not None:
                    ms.node(_id(mid, "etcd"), _etcd_label(m.etcd), **_etcd_attrs(m.etcd))
            # the scheduler and controller managers reach the API server on their own master
            api = _id(mid, "kube-apiserver")
            for c in m.components:
                if c.name != "kube-apiserver" and any(x.name == "kube-apiserver" for x in m.components):
                    g.edge(_id(mid, c.name), api, style="dashed", arrowsize="0.5")
            if m.etcd is not None and any(x.name == "kube-apiserver" for x in m.components):
                g.edge(api, _id(mid, "etcd"), label="gRPC")
        if topo.external_etcd:
            with cp.subgraph(name="cluster_external_etcd") as es:
                es.attr(label="etcd cluster (external)", style="rounded,filled", fillcolor=_FILL["etcd"], color="#8c959f",
                        fontcolor="#1f2328")
                for em in topo.external_etcd:
                    es.node(_id("etcd", em.name), _etcd_label(em), **_etcd_attrs(em))
            for api in apiservers:
                for em in topo.external_etcd:
                    g.edge(api, _id("etcd", em.name))
    if topo.load_balancer:
        for api in apiservers:
            g.edge("lb", api)

    # workers, grouped by kind, drawn below the control plane
    anchor: Optional[str] = None
    for m in topo.masters:
        if m.etcd is not None:
            anchor = _id("m", m.name, "etcd")
            break
    if anchor is None and topo.external_etcd:
        anchor = _id("etcd", topo.external_etcd[0].name)
    if anchor is None and apiservers:
        anchor = apiservers[0]
    compact = len(topo.workers) > compact_after
    groups: dict[str, list[WorkerInfo]] = {}
    for w in topo.workers:
        groups.setdefault(w.kind, []).append(w)
    order = [k for k in KIND_ORDER if k in groups] + sorted(k for k in groups if k not in KIND_ORDER)
    for kind in order:
        group = groups[kind]
        ws = group if len(group) <= max_workers else group[: max_workers - 1]
        hidden = group[len(ws):]
        gid = f"cluster_workers_{_id(kind)}"
        with g.subgraph(name=gid) as sg:
            sg.attr(label=f"{KIND_TITLES.get(kind, kind)} ({len(group)})", style="rounded,filled",
                    fillcolor=_FILL.get(kind, "#f6f8fa"), color="#8c959f", fontcolor="#1f2328")
            for w in ws:
                sg.node(_id("w", w.name), "<" + _worker_label(w, max_pods, compact) + ">", shape="plain", style="")
            if hidden:
                # the rest of the group as one box, appended to the grid
                summary = WorkerInfo(f"more_{kind}", kind)
                ready = sum(1 for w in hidden if w.ready)
                pods = [p for w in hidden for p in w.pods]
                label = (f"+ {len(hidden)} more {KIND_TITLES.get(kind, kind).lower()}\\n"
                         f"{ready} Ready, {len(hidden) - ready} NotReady\\n{len(pods)} pods"
                         + (f": {_pod_counts(pods)}" if pods else ""))
                sg.node(_id("w", summary.name), label, style="rounded,filled,dashed", fillcolor="#f6f8fa")
                ws = ws + [summary]
            # lay a big group out as a grid: rows of `columns` workers kept in order, each
            # worker above the one a row later (invisible edges only steer the layout)
            columns = _columns(len(ws), compact)
            rows = [ws[i:i + columns] for i in range(0, len(ws), columns)]
            for r, row in enumerate(rows):
                if len(row) > 1:
                    with sg.subgraph(name=f"row_{_id(kind)}_{r}") as rs:
                        rs.attr(rank="same")
                        for a, b in zip(row, row[1:]):
                            rs.edge(_id("w", a.name), _id("w", b.name), style="invis")
            for i in range(len(ws) - columns):
                sg.edge(_id("w", ws[i].name), _id("w", ws[i + columns].name), style="invis")
        if topo.load_balancer and ws:
            # one edge per group: the kubelets there talk to the API servers through the LB
            # (constraint=false: it must not pull the workers above the control plane)
            g.edge(_id("w", ws[0].name), "lb", ltail=gid, label=f"kubelet x{len(group)}", style="dashed",
                   constraint="false")
        if anchor is not None and ws:
            # workers rank below the control plane (the whole first row, so rows stay aligned)
            for w in ws[: _columns(len(ws), compact)]:
                g.edge(anchor, _id("w", w.name), style="invis")
    return g


def _columns(n: int, compact: bool) -> int:
    """Workers per row in a group's grid: a near-square block, wider when labels are small."""
    import math

    if n <= 4:
        return max(n, 1)
    return max(4, min(8 if compact else 6, math.ceil(math.sqrt(n * (1.2 if compact else 1.5)))))


def _etcd_label(m: EtcdMemberInfo) -> str:
    lead = "LEADER" if m.role == "leader" else m.role
    term = f", term {m.term}" if m.term is not None else ""
    return f"etcd {m.name}\\n{lead}{term}"


def _etcd_attrs(m: EtcdMemberInfo) -> dict[str, str]:
    if m.role == "leader":
        return {"fillcolor": _FILL["etcd"], "penwidth": "2.2", "color": "#9a6700", "shape": "cylinder", "style": "filled"}
    if m.role == "stopped":
        return {"fillcolor": "#f6f8fa", "style": "filled,dashed", "fontcolor": "#8c959f", "shape": "cylinder"}
    return {"fillcolor": _FILL["etcd"], "shape": "cylinder", "style": "filled"}


def _pod_counts(pods: Sequence[PodInfo]) -> str:
    counts: dict[str, int] = {}
    for p in pods:
        counts[p.status] = counts.get(p.status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _worker_label(w: WorkerInfo, max_pods: int, compact: bool) -> str:
    """An HTML-like label: name and state, the machine, then pods (or their summary)."""
    tone = "ok" if w.ready and not w.unschedulable else ("warn" if w.ready else "bad")
    state = ("Ready" if w.ready else "NotReady") + (",SchedulingDisabled" if w.unschedulable else "")
    border = _STATUS_COLOR[tone]
    rows = [
        f'<TR><TD ALIGN="LEFT" COLSPAN="2"><B>{_e(w.name)}</B></TD><TD ALIGN="RIGHT"><FONT COLOR="{border}" POINT-SIZE="9">{_e(state)}</FONT></TD></TR>'
    ]
    if w.detail:
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT COLOR="#57606a" POINT-SIZE="9">{_e(w.detail)}</FONT></TD></TR>')
    pods = sorted(w.pods, key=lambda p: (p.namespace, _natural(p.name)))
    if compact:
        if pods:
            rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="9">{len(pods)} pods: {_e(_pod_counts(pods))}</FONT></TD></TR>')
    else:
        shown = pods if len(pods) <= max_pods else pods[: max_pods - 1]
        for p in shown:
            color = _STATUS_COLOR[_status_tone(p.status)]
            # the pod's name in its status colour, the status spelled out unless Running
            # (ASCII only: dot warns about glyph widths of symbols without the fonts)
            suffix = "" if p.status == "Running" else f" ({p.status})"
            rows.append(
                f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="9" COLOR="{color}">{_e(p.name + suffix)}</FONT></TD></TR>'
            )
        rest = pods[len(shown):]
        if rest:
            rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="9">+ {len(rest)} more: {_e(_pod_counts(rest))}</FONT></TD></TR>')
        if not pods:
            rows.append('<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT COLOR="#57606a" POINT-SIZE="9">no pods</FONT></TD></TR>')
    style = ' STYLE="DASHED"' if not w.ready else ""
    return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{_FILL["worker"]}" '
            f'COLOR="{border}"{style}>' + "".join(rows) + "</TABLE>")


def topology_text(topo: Topology, max_pods: int = 10, max_workers: int = 60) -> str:
    """A deterministic text view of the same topology (the fallback and text/plain)."""
    lines = [f"Cluster {topo.name} (t={topo.time:.1f}s)"]
    if topo.load_balancer:
        apis = [m.name for m in topo.masters if any(c.name == "kube-apiserver" for c in m.components)]
        lines.append(f"load balancer {topo.load_balancer} -> kube-apiserver on {', '.join(apis) or 'none'}")
    for m in topo.masters:
        lines.append(f"master {m.name}{'' if m.running else ' (stopped)'}")
        comps = ", ".join(c.name + (" (leader)" if c.leader else "") + ("" if c.running else " (stopped)") for c in m.components)
        if comps:
            lines.append(f"  {comps}")
        if m.etcd is not None:
            lines.append(f"  etcd {m.etcd.name}: {m.etcd.role}" + (f" (term {m.etcd.term})" if m.etcd.term is not None else ""))
    for em in topo.external_etcd:
        lines.append(f"etcd {em.name} on {em.host or em.name}: {em.role}" + (f" (term {em.term})" if em.term is not None else ""))
    if topo.workers:
        lines.append("workers")
    groups: dict[str, list[WorkerInfo]] = {}
    for w in topo.workers:
        groups.setdefault(w.kind, []).append(w)
    for kind in [k for k in KIND_ORDER if k in groups] + sorted(k for k in groups if k not in KIND_ORDER):
        lines.append(f"  {KIND_TITLES.get(kind, kind)}")
        group = groups[kind]
        shown = group if len(group) <= max_workers else group[: max_workers - 1]
        for w in shown:
            state = ("Ready" if w.ready else "NotReady") + (",SchedulingDisabled" if w.unschedulable else "")
            pods = sorted(w.pods, key=lambda p: (p.namespace, _natural(p.name)))
            summary = f"{len(pods)} pods" + (f" ({_pod_counts(pods)})" if pods else "")
            lines.append(f"    {w.name} {state}{' ' + w.detail if w.detail else ''}: {summary}")
            for p in pods[:max_pods]:
                lines.append(f"      {p.namespace}/{p.name} {p.status}")
            if len(pods) > max_pods:
                lines.append(f"      + {len(pods) - max_pods} more")
        hidden = group[len(shown):]
        if hidden:
            ready = sum(1 for w in hidden if w.ready)
            npods = sum(len(w.pods) for w in hidden)
            lines.append(f"    + {len(hidden)} more: {ready} Ready, {len(hidden) - ready} NotReady, {npods} pods")
    return "\n".join(lines)


def topology_from_cluster(cluster: Any) -> Topology:
    """Read a ``kubelab.Cluster`` (duck-typed) into a :class:`Topology`."""
    from kubelab.kubectl.printers import pod_status_reason

    topo = Topology(name=f"seed={getattr(cluster, 'seed', '')}", time=float(getattr(cluster, "now", 0.0) or 0.0))
    lb = getattr(cluster, "load_balancer", None)
    topo.load_balancer = getattr(lb, "host", None) or getattr(lb, "name", None) or ("lb" if lb is not None else None)
    master_hosts = set()
    for m in getattr(cluster, "masters", []) or []:
        info = MasterInfo(name=m.name, running=bool(getattr(m, "running", True)))
        master_hosts.add(getattr(m, "host", m.name))
        for attr, cname in (("apiserver", "kube-apiserver"), ("scheduler", "kube-scheduler"),
                            ("controller_manager", "kube-controller-manager"),
                            ("cloud_controller_manager", "cloud-controller-manager")):
            comp = getattr(m, attr, None)
            if comp is None:
                continue
            running = bool(getattr(comp, "running", True))
            leader = bool(getattr(comp, "is_leader", False)) and cname != "kube-apiserver"
            info.components.append(Component(cname, running, leader))
        member = getattr(m, "etcd_member", None)
        if member is not None:
            info.etcd = _member_info(member)
        topo.masters.append(info)
    etcd = getattr(cluster, "etcd", None)
    for member in getattr(etcd, "members", []) or []:
        if getattr(member, "host", None) not in master_hosts:
            topo.external_etcd.append(_member_info(member))
    pods_by_node: dict[str, list[PodInfo]] = {}
    try:
        pods = cluster.list("Pod")
    except Exception:  # noqa: BLE001 - a picture of what can be read
        pods = []
    for p in pods:
        if p.spec.node_name:
            pods_by_node.setdefault(p.spec.node_name, []).append(
                PodInfo(p.metadata.name or "", p.metadata.namespace or "", pod_status_reason(p)[0]))
    try:
        nodes = {n.metadata.name: n for n in cluster.list("Node")}
    except Exception:  # noqa: BLE001
        nodes = {}
    machines = getattr(cluster, "nodes", {}) or {}
    names = list(machines) + sorted(n for n in nodes if n not in machines)
    for name in names:
        mach = machines.get(name)
        node = nodes.get(name)
        kind = getattr(mach, "KIND", None) or ((node.metadata.labels or {}).get("kubelab.io/machine-kind") if node else None) or "VM"
        detail = ""
        if mach is not None:
            itype = getattr(mach, "instance_type", None)
            zone = getattr(mach, "zone", None)
            detail = ", ".join(x for x in (itype, zone) if x) or f"{getattr(mach, 'cpu', '?')} cpu, {getattr(mach, 'memory', '?')}"
        ready = node.is_ready() if node is not None else False
        unsched = bool(node.spec.unschedulable) if node is not None else False
        topo.workers.append(WorkerInfo(name, kind, ready, unsched, detail, pods_by_node.get(name, [])))
    return topo


def _member_info(member: Any) -> EtcdMemberInfo:
    role = str(getattr(member, "role", "") or "")
    if not getattr(member, "running", True):
        role = "stopped"
    role = role.lower().replace("state", "") or "follower"
    term = getattr(member, "term", None)
    try:
        term = int(term) if term is not None else None
    except (TypeError, ValueError):
        term = None
    return EtcdMemberInfo(getattr(member, "name", ""), getattr(member, "host", ""), role, term)


# ----------------------------------------------------------------------------- ownership


def _owner_uid(obj: Any) -> Optional[str]:
    ref = obj.metadata.controller_ref()
    return ref.uid if ref is not None else None


def ownership_graph(objs: Iterable[Any], max_pods: int = 10) -> graphviz.Digraph:
    """Deployment → ReplicaSet → Pods (controller ownerReferences), and Service → its pods
    (label selector) with its Endpoints. Pods beyond ``max_pods`` per owner are summarised."""
    from kubelab.api.labels import Selector
    from kubelab.kubectl.printers import pod_status_reason

    objs = list(objs)
    g = graphviz.Digraph("ownership")
    g.attr(rankdir="LR", bgcolor="transparent", fontname="Helvetica", fontsize="11", nodesep="0.15", ranksep="0.6")
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10", color="#57606a",
           fontcolor="#1f2328", fillcolor="#ffffff")
    g.attr("edge", color=_EDGE, arrowsize="0.6", fontname="Helvetica", fontsize="9", fontcolor="#57606a")
    by_uid = {o.metadata.uid: o for o in objs if o.metadata.uid}
    fills = {"Deployment": "#e8eefc", "ReplicaSet": "#eaf4fb", "StatefulSet": "#e8eefc", "DaemonSet": "#e8eefc",
             "Job": "#e8eefc", "Service": "#eef6ee", "Endpoints": "#f4f4f4", "Pod": "#ffffff"}

    def nid(o: Any) -> str:
        return _id(o.KIND, o.metadata.namespace or "", o.metadata.name or "")

    children: dict[str, list[Any]] = {}
    for o in objs:
        uid = _owner_uid(o)
        if uid and uid in by_uid:
            children.setdefault(uid, []).append(o)
    for o in sorted(objs, key=lambda o: (o.KIND, o.metadata.namespace or "", o.metadata.name or "")):
        if o.KIND == "Pod" and _owner_uid(o) in by_uid:
            continue  # drawn under its owner (maybe summarised)
        label = f"{o.KIND}\\n{o.metadata.name}"
        if o.KIND in ("Deployment", "ReplicaSet", "StatefulSet"):
            desired = o.spec.replicas if o.spec.replicas is not None else 1
            label += f"\\n{int(o.status.ready_replicas or 0)}/{desired} ready"
            rev = (o.metadata.annotations or {}).get("deployment.kubernetes.io/revision")
            if rev:
                label += f", rev {rev}"
        if o.KIND == "Pod":
            label += f"\\n{pod_status_reason(o)[0]}"
        g.node(nid(o), label, fillcolor=fills.get(o.KIND, "#ffffff"))
    for o in objs:
        kids = sorted(children.get(o.metadata.uid or "", []), key=lambda k: k.metadata.name or "")
        pods = [k for k in kids if k.KIND == "Pod"]
        for k in kids:
            if k.KIND != "Pod":
                g.edge(nid(o), nid(k), label="owns")
        shown = pods if len(pods) <= max_pods else pods[: max_pods - 1]
        for p in shown:
            status = pod_status_reason(p)[0]
            g.node(nid(p), f"Pod\\n{p.metadata.name}\\n{status}", fillcolor=fills["Pod"],
                   color=_STATUS_COLOR[_status_tone(status)])
            g.edge(nid(o), nid(p))
        rest = pods[len(shown):]
        if rest:
            counts: dict[str, int] = {}
            for p in rest:
                s = pod_status_reason(p)[0]
                counts[s] = counts.get(s, 0) + 1
            summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            more = _id("more", nid(o))
            g.node(more, f"+ {len(rest)} more pods\\n{summary}", style="rounded,filled,dashed", fillcolor="#f6f8fa")
            g.edge(nid(o), more)
    # services select pods by labels; their Endpoints list the ready ones
    pods_all = [o for o in objs if o.KIND == "Pod"]
    for svc in (o for o in objs if o.KIND == "Service"):
        if not svc.spec.selector:
            continue
        sel = Selector.from_set(svc.spec.selector)
        matched = [p for p in pods_all if p.metadata.namespace == svc.metadata.namespace and sel.matches(p.metadata.labels)]
        drawn = set()
        for p in matched:
            owner = by_uid.get(_owner_uid(p) or "")
            if owner is not None:
                target = owner  # one edge to the owner rather than one per pod
            else:
                target = p
            key = nid(target)
            if key in drawn:
                continue
            drawn.add(key)
            g.edge(nid(svc), key, style="dashed", label="selects", constraint="false")
        for ep in (o for o in objs if o.KIND == "Endpoints"):
            if ep.metadata.name == svc.metadata.name and ep.metadata.namespace == svc.metadata.namespace:
                g.edge(nid(svc), nid(ep), style="dotted", label="endpoints")
    return g


def ownership_text(objs: Iterable[Any], max_pods: int = 10) -> str:
    from kubelab.kubectl.printers import pod_status_reason

    objs = list(objs)
    by_uid = {o.metadata.uid: o for o in objs if o.metadata.uid}
    children: dict[str, list[Any]] = {}
    for o in objs:
        uid = _owner_uid(o)
        if uid and uid in by_uid:
            children.setdefault(uid, []).append(o)
    lines: list[str] = []

    def walk(o: Any, depth: int) -> None:
        extra = f" ({pod_status_reason(o)[0]})" if o.KIND == "Pod" else ""
        lines.append("  " * depth + f"{o.KIND}/{o.metadata.name}{extra}")
        kids = sorted(children.get(o.metadata.uid or "", []), key=lambda k: (k.KIND, k.metadata.name or ""))
        for i, k in enumerate(kids):
            if k.KIND == "Pod" and i >= max_pods:
                lines.append("  " * (depth + 1) + f"+ {len(kids) - i} more")
                break
            walk(k, depth + 1)

    for o in sorted(objs, key=lambda o: (o.KIND, o.metadata.name or "")):
        if _owner_uid(o) not in by_uid:
            walk(o, 0)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- rendering

DOT_MISSING_MESSAGE = (
    "Graphviz is not installed (no `dot` on PATH and no `graphviz-pure` next to Python): "
    "run `make workshop`, `apt-get install graphviz` or `pip install graphviz-pure`; showing a text view."
)

_dot_cache: dict[str, Optional[str]] = {}


def find_dot(refresh: bool = False) -> Optional[str]:
    """The ``dot`` executable to use: ``$KUBELAB_DOT``, the system ``dot`` on PATH, else the
    PyPI ``graphviz-pure`` executable in this interpreter's scripts directory. Configures the
    ``graphviz`` package to use it. None when there is none."""
    if not refresh and "dot" in _dot_cache:
        return _dot_cache["dot"]
    found: Optional[str] = None
    env = os.environ.get("KUBELAB_DOT")
    if env and shutil.which(env):
        found = shutil.which(env)
    if found is None:
        found = shutil.which("dot")
    if found is None:
        scripts = sysconfig.get_path("scripts")
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            cand = os.path.join(scripts, name) if scripts else ""
            if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
                found = cand
                break
    if found is None:
        found = shutil.which("graphviz-pure")
    if found is not None:
        import graphviz.backend.dot_command as dot_command

        dot_command.DOT_BINARY = found  # type: ignore[assignment]
    _dot_cache["dot"] = found
    return found


class GraphView:
    """A graph for a notebook cell: SVG when a ``dot`` is available, text otherwise.

    ``source`` is the DOT text (what tests check); the SVG is never compared, as it
    differs between dot versions.
    """

    def __init__(self, graph: graphviz.Digraph, text: str):
        self.graph = graph
        self.text = text

    @property
    def source(self) -> str:
        return self.graph.source

    def svg(self) -> Optional[str]:
        if find_dot() is None:
            return None
        try:
            return self.graph.pipe(format="svg", encoding="utf-8")
        except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError):
            return None

    def html(self) -> str:
        svg = self.svg()
        if svg is None:
            return (f'<div class="kl-muted">{_e(DOT_MISSING_MESSAGE)}</div>'
                    f'<div class="kl-pre">{_e(self.text)}</div>')
        start = svg.find("<svg")
        svg = svg[start:] if start >= 0 else svg
        # scale down to the cell's width, never up (the viewBox keeps the aspect ratio)
        svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        return f'<div style="overflow-x:auto">{svg}</div>'

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        svg = self.svg()
        if svg is None:
            return {"text/plain": f"{DOT_MISSING_MESSAGE}\n{self.text}",
                    "text/html": f'<div>{_e(DOT_MISSING_MESSAGE)}</div><pre>{_e(self.text)}</pre>'}
        return {"image/svg+xml": svg, "text/plain": self.text}

    def __repr__(self) -> str:
        return self.text

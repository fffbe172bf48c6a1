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

# The plain data: the one topology builder lives on the model side
# (kubelab.cluster.topology, reached as ``cluster.state.topology()``).
from kubelab.cluster.topology import Component, EtcdMemberInfo, MasterInfo, PodInfo, Topology, WorkerInfo  # noqa: E402

KIND_TITLES = {"BareMetal": "Bare metal", "VM": "Virtual machines", "CloudInstance": "Cloud instances",
               "Node": "Nodes"}  # Node: a cluster's node whose labels name no machine kind (kl.connect)
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
                   max_workers: Optional[int] = None, masters_per_row: int = 3) -> graphviz.Digraph:
    """The cluster as a Graphviz graph (DOT via ``.source``), laid out to keep its text
    legible at a notebook's width (~900 px):

    - each master is ONE box listing its components (leader badges from the Leases) and
      its etcd member; at most ``masters_per_row`` masters side by side, the rest on rows
      below (1 to 5 masters stay narrow); past 3 masters component names are shortened;
    - the load balancer routes only to API servers that pass its health check: a dead or
      unreachable one gets no edge;
    - cut links (the network's cut set) are drawn dashed red;
    - workers are grouped by machine kind, each group a grid stacked below the previous
      one; ``max_pods`` pods are listed per worker (the rest summarised); past
      ``compact_after`` workers pods are only counted; past ``max_workers`` workers of one
      kind (default 60, or 20 once pods are only counted) the rest of the group is one
      summary box (5,000 nodes stay a picture)."""
    g = graphviz.Digraph("cluster_topology")
    g.attr(rankdir="TB", compound="true", bgcolor="transparent", fontname="Helvetica", fontsize="11",
           nodesep="0.25", ranksep="0.45", newrank="true")
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10", color="#57606a",
           fontcolor="#1f2328", fillcolor="#ffffff")
    g.attr("edge", color=_EDGE, arrowsize="0.6", fontname="Helvetica", fontsize="9", fontcolor="#6e7781")

    hosts: dict[str, str] = {}  # network host -> graph node (for cut links)
    g.node("user", topo.user, shape="oval", fillcolor=_FILL["user"])
    hosts[topo.user] = "user"
    if topo.load_balancer:
        # ordering=out: the edges to the API servers leave in the masters' order (master-1 left)
        g.node("lb", f"{'API endpoint' if topo.endpoint else 'load balancer'}\\n{topo.endpoint_label}",
               fillcolor=_FILL["lb"], ordering="out")
        g.edge("user", "lb")
        hosts[topo.load_balancer] = "lb"

    # control plane: one box per master, in rows of `masters_per_row`
    short = len(topo.masters) > 3
    rows = [topo.masters[i:i + masters_per_row] for i in range(0, len(topo.masters), masters_per_row)]
    with g.subgraph(name="cluster_control_plane") as cp:
        cp.attr(label="control plane", style="rounded,filled", fillcolor=_FILL["control"], color="#8c959f",
                fontcolor="#1f2328")
        for r, row in enumerate(rows):
            with cp.subgraph(name=f"masters_row_{r}") as rs:
                rs.attr(rank="same")
                for m in row:
                    rs.node(_id("m", m.name), "<" + _master_label(m, short) + ">", shape="plain", style="")
                for a, b in zip(row, row[1:]):
                    rs.edge(_id("m", a.name), _id("m", b.name), style="invis", weight="10")
            hosts.update({m.host: _id("m", m.name) for m in row})
        for upper, lower in zip(rows, rows[1:]):
            cp.edge(_id("m", upper[0].name), _id("m", lower[0].name), style="invis")
        if topo.external_etcd:
            with cp.subgraph(name="cluster_external_etcd") as es:
                es.attr(label="etcd cluster (external)", style="rounded,filled", fillcolor=_FILL["etcd"],
                        color="#8c959f", fontcolor="#1f2328")
                for em in topo.external_etcd:
                    es.node(_id("etcd", em.name), _etcd_label(em), **_etcd_attrs(em))
                    hosts[em.host or em.name] = _id("etcd", em.name)
            first = _id("etcd", topo.external_etcd[0].name)
            for m in topo.masters:
                if m.component("kube-apiserver") is not None:
                    # one edge per master to the etcd cluster (not one per member)
                    g.edge(f"{_id('m', m.name)}:api", first, lhead="cluster_external_etcd", label="gRPC")
    if topo.load_balancer:
        first_row = {m.name for m in rows[0]} if rows else set()
        for m in topo.masters:
            api = m.component("kube-apiserver")
            if api is not None and api.serving and api.running and m.running:
                # edges to the rows below do not rank (else dot reorders the first row)
                g.edge("lb", f"{_id('m', m.name)}:api:n",
                       **({} if m.name in first_row else {"constraint": "false"}))

    # workers, grouped by kind, each group's grid below the control plane and the one before
    anchor: list[str] = [_id("m", m.name) for m in rows[-1]] if rows else []
    if topo.external_etcd:
        anchor = [_id("etcd", em.name) for em in topo.external_etcd]
    compact = len(topo.workers) > compact_after
    if max_workers is None:
        max_workers = 20 if compact else 60
    groups: dict[str, list[WorkerInfo]] = {}
    for w in topo.workers:
        groups.setdefault(w.kind, []).append(w)
    order = [k for k in KIND_ORDER if k in groups] + sorted(k for k in groups if k not in KIND_ORDER)
    # side by side when the groups' grids fit in one row of 4 boxes, else stacked
    stacked = sum(_columns(min(len(groups[k]), max_workers), compact) for k in order) > 4
    top = list(anchor)
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
                hosts[w.name] = _id("w", w.name)
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
            wrows = [ws[i:i + columns] for i in range(0, len(ws), columns)]
            for r, row in enumerate(wrows):
                if len(row) > 1:
                    with sg.subgraph(name=f"row_{_id(kind)}_{r}") as rs:
                        rs.attr(rank="same")
                        for a, b in zip(row, row[1:]):
                            rs.edge(_id("w", a.name), _id("w", b.name), style="invis")
            for i in range(len(ws) - columns):
                sg.edge(_id("w", ws[i].name), _id("w", ws[i + columns].name), style="invis")
        # the group ranks below the control plane (stacked: below the group before), its
        # whole first row, so rows stay aligned
        above = anchor if stacked else top
        for a in above[len(above) // 2:][:1]:  # the middle box above: the picture stays centred
            for w in ws[:columns]:
                g.edge(a, _id("w", w.name), style="invis")
        if ws:
            anchor = [_id("w", w.name) for w in wrows[-1]]

    if topo.workers and topo.load_balancer:
        # the kubelets talk to the API servers through the load balancer: said once, under
        # the picture, rather than drawn (edges back up to the lb would cross everything)
        g.attr(label=f"kubelets reach the API servers through {topo.endpoint_label}"
                     + ("; red dashed: cut links" if topo.cuts else ""), labelloc="b", fontsize="10",
               fontcolor="#6e7781")

    # cut links: a message between these hosts is dropped
    drawn: set[tuple[str, str]] = set()
    cut = set(topo.cuts)
    for a, b in sorted(cut):
        if (a, b) in drawn or a not in hosts or b not in hosts:
            continue
        both = (b, a) in cut
        drawn.update({(a, b), (b, a)} if both else {(a, b)})
        g.edge(hosts[a], hosts[b], label="cut", color=_STATUS_COLOR["bad"], fontcolor=_STATUS_COLOR["bad"],
               style="dashed", penwidth="1.6", constraint="false", dir="both" if both else "forward",
               arrowhead="tee", arrowtail="tee" if both else "none")
    return g


def _columns(n: int, compact: bool) -> int:
    """Workers per row in a group's grid: at most 4 (5 small boxes when compact), so a row
    keeps its text at a notebook's width."""
    return max(1, min(n, 5 if compact else 4))


_SHORT = {"kube-apiserver": "apiserver", "kube-scheduler": "scheduler",
          "kube-controller-manager": "controller-manager", "cloud-controller-manager": "cloud-controller-mgr"}


def _master_label(m: MasterInfo, short: bool = False) -> str:
    """A master as one HTML-like table: name and state, a row per component (leader
    badge from the Leases, struck when down), its etcd member. Port ``api`` is the API
    server's row, ``etcd`` the member's."""
    down = "#8c959f"
    border = _STATUS_COLOR["ok"] if m.running else _STATUS_COLOR["bad"]
    rows = [f'<TR><TD ALIGN="LEFT"><B>{_e(m.name)}</B></TD><TD ALIGN="RIGHT"><FONT POINT-SIZE="9" COLOR="{border}">'
            f'{"running" if m.running else "stopped"}</FONT></TD></TR>']
    for c in m.components:
        name = _SHORT.get(c.name, c.name) if short else c.name
        if c.name == "kube-apiserver" and c.replicas:
            name += f" +{c.replicas}"
        badge = ""
        if c.leader:
            badge = f'<FONT COLOR="{_STATUS_COLOR["ok"] if c.running else down}"><B>leader</B></FONT>'
        elif c.name == "kube-apiserver" and c.running and not c.serving:
            badge = f'<FONT COLOR="{_STATUS_COLOR["bad"]}">no route</FONT>'
        text = f"<S>{_e(name)}</S>" if not c.running else _e(name)
        color = down if not c.running else "#1f2328"
        port = ' PORT="api"' if c.name == "kube-apiserver" else ""
        rows.append(f'<TR><TD ALIGN="LEFT"{port}><FONT POINT-SIZE="9" COLOR="{color}">{text}</FONT></TD>'
                    f'<TD ALIGN="RIGHT">' + (f'<FONT POINT-SIZE="9">{badge}</FONT>' if badge else "") + '</TD></TR>')
    if m.etcd is not None:
        e = m.etcd
        role = "LEADER" if e.role == "leader" else e.role
        term = f", term {e.term}" if e.term is not None else ""
        colour = "#9a6700" if e.role == "leader" else (down if e.role == "stopped" else "#57606a")
        rows.append(f'<TR><TD ALIGN="LEFT" PORT="etcd" BGCOLOR="{_FILL["etcd"]}"><FONT POINT-SIZE="9">etcd {_e(e.name)}</FONT></TD>'
                    f'<TD ALIGN="RIGHT" BGCOLOR="{_FILL["etcd"]}"><FONT POINT-SIZE="9" COLOR="{colour}">'
                    f'{"<B>" if e.role == "leader" else ""}{_e(role + term)}{"</B>" if e.role == "leader" else ""}'
                    f'</FONT></TD></TR>')
    style = "" if m.running else ' STYLE="DASHED"'
    return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{_FILL["master"]}" '
            f'COLOR="{border}"{style}>' + "".join(rows) + "</TABLE>")


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
    state = w.state  # kubectl get nodes' STATUS column
    if not w.running:  # powered off: the API server says what it last heard
        tone, state = "bad", f"powered off · API: {state}"
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
    style = ' STYLE="DASHED"' if not (w.ready and w.running) else ""
    return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{_FILL["worker"]}" '
            f'COLOR="{border}"{style}>' + "".join(rows) + "</TABLE>")


def topology_text(topo: Topology, max_pods: int = 10, max_workers: int = 60) -> str:
    """A deterministic text view of the same topology (the fallback and text/plain)."""
    lines = [f"Cluster {topo.name} (t={topo.time:.1f}s)"]
    if topo.load_balancer:
        apis = [m.name for m in topo.masters if m.running and any(c.name == "kube-apiserver" and c.serving and c.running for c in m.components)]
        where = f"API endpoint {topo.endpoint}" if topo.endpoint else f"load balancer {topo.load_balancer}"
        lines.append(f"{where} -> kube-apiserver on {', '.join(apis) or 'none'}")
    for m in topo.masters:
        lines.append(f"master {m.name}{'' if m.running else ' (stopped)'}")
        comps = ", ".join(c.name + (" (leader)" if c.leader else "") + ("" if c.running else " (stopped)") for c in m.components)
        if comps:
            lines.append(f"  {comps}")
        if m.etcd is not None:
            lines.append(f"  etcd {m.etcd.name}: {m.etcd.role}" + (f" (term {m.etcd.term})" if m.etcd.term is not None else ""))
    for em in topo.external_etcd:
        lines.append(f"etcd {em.name} on {em.host or em.name}: {em.role}" + (f" (term {em.term})" if em.term is not None else ""))
    cut = set(topo.cuts)
    links = [f"{a} <-> {b}" if (b, a) in cut else f"{a} -> {b}" for a, b in sorted(cut) if (b, a) not in cut or a < b]
    if links:
        lines.append("cut links: " + ", ".join(links))
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
            state = w.state + ("" if w.running else " (powered off)")
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
    """``cluster.state.topology()``: the one topology builder, on the model side."""
    return cluster.state.topology()


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
    g.attr("edge", color=_EDGE, arrowsize="0.6", fontname="Helvetica", fontsize="9", fontcolor="#6e7781")
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

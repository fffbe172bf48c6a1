"""The path of one request, drawn from the simulation's trace.

A user's write (``cluster.apply``, ``cluster.kubectl("create ...")``) is *followed*: the
API server gives it a span (``req-7``) and records each step of its handler chain
(authentication, authorization, mutating admission, validation, validating admission,
the etcd transaction, the response); etcd records the Raft proposal and each member's
apply (index, term, the revision it made); every API server's watch cache and every
informer that received the object record that they did. This module reads those records
back — nothing is computed a second time — and draws them top to bottom with the time
of each step since the request arrived.

    path = request_path(cluster, "web")        # the newest followed write of an object named web
    path.steps                                  # [Step(time, source, reason, detail), ...]
    path                                        # in a cell: the Graphviz picture
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import graphviz

from .graphs import GraphView, _e, _id

__all__ = ["Step", "RequestPath", "request_path", "request_spans"]

# what the API server records, in its handler chain's order, and what the picture calls it
API_STEPS = (
    ("RequestReceived", "request received"),
    ("Authenticated", "authentication"),
    ("Authorized", "authorization"),
    ("MutatingAdmission", "mutating admission"),
    ("Validated", "validation"),
    ("ValidatingAdmission", "validating admission"),
    ("EtcdTxn", "etcd transaction sent"),
    ("Stored", "stored in etcd"),
    ("ResponseSent", "response sent"),
)

# colours that read on a light and a dark notebook: filled boxes carry dark text, what sits
# on the (transparent) background is a mid grey
_TEXT = "#1f2328"
_MID = "#8c959f"  # lines
_LABEL = "#6e7781"  # text on the background: contrast above 4:1 on white and on a dark theme
_FILL = {"api": "#e8eefc", "etcd": "#fff4e0", "leader": "#ffe2b8", "watch": "#eef6ee", "informer": "#f3ecfa",
         "user": "#f4f4f4", "bad": "#ffe0e0"}


@dataclass(frozen=True)
class Step:
    """One record of a followed request: when, who, what (``detail`` without the span)."""

    time: float
    source: str
    reason: str
    detail: str

    def field(self, name: str) -> Optional[str]:
        """``revision`` from ``"... revision=65 ..."``, or None."""
        for word in self.detail.split():
            if word.startswith(name + "="):
                return word[len(name) + 1:]
        return None


def request_spans(trace: Any) -> list[tuple[str, str]]:
    """The followed requests on ``trace``, oldest first: ``(span, "CREATE deployments default/web")``."""
    out = []
    for r in trace:
        if r.reason == "RequestReceived":
            span, _, what = r.message.partition(" ")
            out.append((span, what.rsplit(" (", 1)[0]))
    return out


class RequestPath(GraphView):
    """One followed request's steps, as a picture (``GraphView``) and as data (``steps``)."""

    def __init__(self, span: str, what: str, steps: list[Step]):
        self.span = span
        self.what = what
        self.steps = steps
        super().__init__(_graph(self), _text(self))

    def first(self, reason: str, source_prefix: str = "") -> Optional[Step]:
        return next((s for s in self.steps if s.reason == reason and s.source.startswith(source_prefix)), None)

    @property
    def start(self) -> float:
        return self.steps[0].time if self.steps else 0.0

    @property
    def revision(self) -> Optional[int]:
        """The etcd revision the write made (None when it was refused before etcd)."""
        s = self.first("Stored")
        return int(s.field("revision")) if s is not None else None

    @property
    def refused_at(self) -> Optional[str]:
        """The step of the handler chain that refused the request ("validation"), or None."""
        done = self.first("ResponseSent")
        if done is None or done.detail.startswith(("200", "201")):
            return None
        have = {s.reason for s in self.steps}
        return next((title for reason, title in API_STEPS[1:-1] if reason not in have), "etcd")

    def relevant(self) -> list[Step]:
        """The steps of the stored revision (etcd and watch steps of a later change to the
        same object are dropped; before the revision is known, all are kept)."""
        rev = self.revision
        keep = []
        for s in self.steps:
            r = s.field("revision")
            if rev is not None and r is not None and s.reason != "Stored" and int(r) != rev:
                continue
            keep.append(s)
        return keep

    def ms(self, s: Step) -> str:
        return f"+{(s.time - self.start) * 1000:.1f} ms"


def request_path(cluster: Any, name: Optional[str] = None, kind: Optional[str] = None,
                 namespace: Optional[str] = None, span: Optional[str] = None) -> RequestPath:
    """The newest followed write (a user's create, update, patch or apply) of an object
    called ``name`` (of ``kind``, in ``namespace``), or of any object; ``span`` ("req-3")
    picks one. Raises ValueError when there is none."""
    trace = cluster.trace
    spans = request_spans(trace)
    if span is None:
        for sp, what in reversed(spans):
            words = what.split()  # CREATE deployments default/web
            obj = words[2] if len(words) > 2 else ""
            ns, _, nm = obj.rpartition("/")
            if name is not None and nm != name:
                continue
            if namespace is not None and ns != namespace:
                continue
            if kind is not None and words[1] not in (kind.lower(), kind.lower() + "s", kind.lower() + "es") and \
                    not words[1].startswith(kind.lower()):
                continue
            span = sp
            break
        if span is None:
            which = " ".join(x for x in (kind, namespace and f"in {namespace}", name) if x) or "any object"
            raise ValueError(f"no followed request for {which}: apply a manifest first "
                             f"(a user's writes are followed; {len(spans)} so far)")
    what = dict(spans).get(span)
    if what is None:
        raise ValueError(f"no request {span!r} on the trace")
    prefix = span + " "
    steps = [Step(r.time, r.source, r.reason, r.message[len(prefix):]) for r in trace
             if r.message.startswith(prefix) or r.message == span]
    return RequestPath(span, what, steps)


# ----------------------------------------------------------------------------- drawing


def _graph(p: RequestPath) -> graphviz.Digraph:
    g = graphviz.Digraph("request_path")
    g.attr(rankdir="TB", bgcolor="transparent", fontname="Helvetica", fontsize="11", nodesep="0.3",
           ranksep="0.4", fontcolor=_LABEL, labelloc="t", label=f"{p.span}: {p.what}")
    g.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10", color="#57606a",
           fontcolor=_TEXT, fillcolor="#ffffff")
    g.attr("edge", color=_MID, arrowsize="0.6", fontname="Helvetica", fontsize="9", fontcolor=_LABEL)
    steps = p.relevant()
    g.node("user", "kubectl (kubernetes-admin)", shape="oval", fillcolor=_FILL["user"])

    # the API server's handler chain: one table, a row per step with its time
    api = [s for s in steps if s.source.startswith("kube-apiserver") and s.reason in dict(API_STEPS)]
    server = api[0].source if api else "kube-apiserver"
    rows = []
    for reason, title in API_STEPS:
        s = next((x for x in api if x.reason == reason), None)
        if s is None:
            continue
        detail = s.detail
        if reason == "RequestReceived":
            detail = detail.rsplit(" (", 1)[0]
        if len(detail) > 64:
            detail = detail[:61] + "…"
        bad = reason == "ResponseSent" and not detail.startswith(("200", "201"))
        colour = ' BGCOLOR="#ffe0e0"' if bad else ""
        if bad:
            rows.append(f'<TR><TD ALIGN="LEFT"{colour}><B>{_e(p.refused_at)}</B></TD><TD{colour}></TD>'
                        f'<TD ALIGN="LEFT"{colour}>refused here: nothing was written</TD></TR>')
        rows.append(f'<TR><TD ALIGN="LEFT"{colour}><B>{_e(title)}</B></TD><TD ALIGN="RIGHT"{colour}>{_e(p.ms(s))}</TD>'
                    f'<TD ALIGN="LEFT"{colour}>{_e(detail)}</TD></TR>')
    table = (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="{_FILL["api"]}">'
             f'<TR><TD COLSPAN="3"><B>{_e(server)}</B></TD></TR>{"".join(rows)}</TABLE>>')
    g.node("api", table, shape="plain", style="", fontcolor=_TEXT)
    g.edge("user", "api", label=f" {p.what.split()[0]}")

    # etcd: where the entry entered Raft, the leader's log index, each member's apply
    proposed = [s for s in steps if s.reason == "RaftProposed"]
    applied = [s for s in steps if s.reason == "RaftApplied"]
    if proposed or applied:
        with g.subgraph(name="cluster_etcd") as e:
            e.attr(label="etcd (Raft)", style="rounded", color=_MID, fontcolor=_LABEL)
            last = "api"
            for s in proposed:
                nid = _id("prop", s.source)
                where = s.source.removeprefix("etcd/")
                if s.detail.startswith("forwarded"):
                    label = f"{where} (follower)\\nforwards the proposal\\nto the leader  {p.ms(s)}"
                    fill = _FILL["etcd"]
                else:
                    label = (f"{where} (leader)\\nproposes: log index {s.field('index')}, term {s.field('term')}"
                             f"\\n{p.ms(s)}")
                    fill = _FILL["leader"]
                e.node(nid, label, fillcolor=fill)
                g.edge(last, nid, **({"label": " txn"} if last == "api" else {}))
                last = nid
            for s in applied:
                nid = _id("apply", s.source)
                who = s.source.removeprefix("etcd/")
                role = "leader: committed, applied" if s.detail.endswith("leader") else "follower: applied"
                e.node(nid, f"{who} ({role})\\nindex {s.field('index')} · revision {s.field('revision')}\\n{p.ms(s)}",
                       fillcolor=_FILL["leader"] if s.detail.endswith("leader") else _FILL["etcd"])
                g.edge(last, nid)
            etcd_last = [_id("apply", s.source) for s in applied] or [last]
    else:
        etcd_last = ["api"]

    # the watch: each API server's cache, then the informers that got the object
    caches = [s for s in steps if s.reason == "WatchCacheUpdated"]
    informers = [s for s in steps if s.reason == "InformerNotified"]
    if caches:
        with g.subgraph(name="cluster_watch") as w:
            w.attr(label="watch caches (one per API server)", style="rounded", color=_MID, fontcolor=_LABEL)
            for s in caches:
                w.node(_id("cache", s.source), f"{s.source}\\n{s.detail.split()[0]} · {p.ms(s)}",
                       fillcolor=_FILL["watch"])
        src = _leader_apply(applied) or etcd_last[0]
        for s in caches:
            g.edge(src, _id("cache", s.source), label=" watch")
    if informers:
        with g.subgraph(name="cluster_informers") as inf:
            inf.attr(label="informers that saw it", style="rounded", color=_MID, fontcolor=_LABEL)
            seen: dict[str, Step] = {}
            for s in informers:
                seen.setdefault(s.source, s)
            for who, s in seen.items():
                words = s.detail.split()
                inf.node(_id("inf", who), f"{who}\\n{words[1] if len(words) > 1 else ''} informer · {p.ms(s)}",
                         fillcolor=_FILL["informer"])
        cache_src = _id("cache", server) if any(c.source == server for c in caches) else (
            _id("cache", caches[0].source) if caches else "api")
        for who in seen:
            g.edge(cache_src, _id("inf", who), label=" watch event")
    done = p.first("ResponseSent")
    if done is not None:
        g.edge("api", "user", label=f" {done.detail.split(' after ')[0]}", style="dashed", constraint="false")
    return g


def _leader_apply(applied: list[Step]) -> Optional[str]:
    s = next((s for s in applied if s.detail.endswith("leader")), None)
    return _id("apply", s.source) if s is not None else None


def _text(p: RequestPath) -> str:
    lines = [f"{p.span}: {p.what}"]
    for s in p.relevant():
        lines.append(f"  {p.ms(s):>11}  {s.source:<28} {s.reason:<20} {s.detail}")
    if p.refused_at is not None:
        lines.append(f"  refused at {p.refused_at}: it never reached etcd" if p.refused_at != "etcd"
                     else "  etcd did not store it")
    return "\n".join(lines)

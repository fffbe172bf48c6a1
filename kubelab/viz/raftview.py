"""Raft as a timeline (the idea of RaftScope, raft.github.io): one lane per etcd member
showing its role — follower, candidate, leader, or stopped — and its term over simulated
time, the elections and the member stops and starts marked on it, and under the lanes
each member's log tail (entries coloured by term) with its commit index.

Everything comes from the etcd members' own trace records (``RoleChanged`` on every
change of role or leader, ``ElectedLeader``, ``MemberStopped``, ``MemberStarted``) and,
for the logs, from the members as they are now; nothing is simulated a second time.

The picture is inline SVG in HTML: its colours are JupyterLab's theme variables (with
fallbacks), so it reads on a light and on a dark theme.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass
from typing import Any, Optional

__all__ = ["Segment", "Lane", "RaftTimeline", "raft_timeline", "lanes_from_trace"]

# role fills: translucent, so they sit on any background; text uses the theme's colour
_ROLE_FILL = {"leader": "rgba(56,139,253,.55)", "candidate": "rgba(212,167,44,.65)",
              "pre-candidate": "rgba(212,167,44,.4)", "follower": "rgba(46,160,67,.35)",
              "stopped": "rgba(128,128,128,.12)"}
_FG = "var(--jp-ui-font-color1,#1f2328)"
_FG2 = "var(--jp-ui-font-color2,#57606a)"
_LINE = "var(--jp-border-color1,#8c959f)"
# term colours for the log (a term's entries share one), translucent like the roles
_TERM_FILLS = ("rgba(56,139,253,.35)", "rgba(212,167,44,.45)", "rgba(46,160,67,.4)", "rgba(163,113,247,.4)",
               "rgba(248,81,73,.35)", "rgba(27,182,193,.4)")


def _e(s: Any) -> str:
    return _html.escape(str(s), quote=True)


@dataclass
class Segment:
    """A member in one role and term from ``start`` to ``end`` (simulated seconds)."""

    start: float
    end: float
    role: str
    term: Optional[int]


@dataclass
class Lane:
    member: str
    segments: list[Segment]
    marks: list[tuple[float, str]]  # (time, "elected" | "stopped" | "started")


def _word(message: str, name: str) -> Optional[str]:
    for w in message.replace("(", " ").replace(")", " ").replace(",", " ").split():
        if w.startswith(name + "="):
            return w[len(name) + 1:]
    return None


def lanes_from_trace(trace: Any, members: list[str], until: float) -> list[Lane]:
    """Each member's role and term over time, from its trace records (plain data)."""
    lanes = {m: Lane(m, [], []) for m in members}
    state: dict[str, tuple[float, str, Optional[int]]] = {}

    def switch(m: str, t: float, role: str, term: Optional[int]) -> None:
        cur = state.get(m)
        if cur is not None:
            if cur[1] == role and cur[2] == term:
                return
            if t > cur[0]:
                lanes[m].segments.append(Segment(cur[0], t, cur[1], cur[2]))
        state[m] = (t, role, term)

    for r in trace:
        if not r.source.startswith("etcd/"):
            continue
        m = r.source[5:]
        if m not in lanes:
            continue
        if r.reason == "MemberStarted":
            # "… started (term 3, commit 120)": a member starts as a follower
            term = None
            words = r.message.replace("(", " ").replace(",", " ").split()
            if "term" in words:
                term = int(words[words.index("term") + 1])
            switch(m, r.time, "follower", term)
            lanes[m].marks.append((r.time, "started"))
        elif r.reason == "RoleChanged":
            role = r.message.split()[0]
            term = _word(r.message, "term")
            switch(m, r.time, role, int(term) if term else None)
        elif r.reason == "ElectedLeader":
            lanes[m].marks.append((r.time, "elected"))
        elif r.reason in ("MemberStopped", "MemberRemoved"):
            term = state.get(m, (0, "", None))[2]
            switch(m, r.time, "stopped", term)
            lanes[m].marks.append((r.time, "stopped" if r.reason == "MemberStopped" else "removed"))
    for m, cur in state.items():
        if until > cur[0]:
            lanes[m].segments.append(Segment(cur[0], until, cur[1], cur[2]))
    return [lanes[m] for m in members]


class RaftTimeline:
    """The picture (``_repr_html_``) and its data (``lanes``, ``logs``)."""

    WIDTH = 860
    LEFT = 118
    LANE = 30
    CELL = 30

    def __init__(self, etcd: Any, since: Optional[float] = None, until: Optional[float] = None,
                 entries: int = 20):
        self.etcd = etcd
        now = etcd.sim.now
        self.until = now if until is None else min(float(until), now)
        if since is None:
            stops = [r.time for r in etcd.trace if r.source.startswith("etcd/") and r.reason == "MemberStopped"
                     and r.time <= self.until]
            since = max(0.0, stops[-1] - 2.0) if stops else 0.0
        self.since = float(since)
        if self.since >= self.until:
            raise ValueError(f"since ({self.since:g}s) must be before until ({self.until:g}s)")
        names = [m.name for m in etcd.members]
        self.lanes = [self._clip(lane) for lane in lanes_from_trace(etcd.trace, names, self.until)]
        self.logs = []  # (member, [(index, term)], commit index, running)
        for m in etcd.members:
            ents = [(e.index, e.term) for e in m.log_entries()[-entries:]]
            self.logs.append((m.name, ents, m.commit_index, m.running))

    def _clip(self, lane: Lane) -> Lane:
        segs = [Segment(max(s.start, self.since), min(s.end, self.until), s.role, s.term)
                for s in lane.segments if s.end > self.since and s.start < self.until]
        marks = [(t, k) for t, k in lane.marks if self.since <= t <= self.until]
        return Lane(lane.member, segs, marks)

    # -- text ----------------------------------------------------------------------------
    def text(self) -> str:
        lines = [f"Raft timeline, t={self.since:.3f}s … {self.until:.3f}s"]
        for lane in self.lanes:
            parts = [f"{s.role}{'' if s.term is None else f'@{s.term}'} {s.start:.3f}-{s.end:.3f}" for s in lane.segments]
            lines.append(f"  {lane.member:<10} " + " | ".join(parts))
            for t, k in lane.marks:
                lines.append(f"  {'':<10}   {k} at {t:.3f}s")
        for name, ents, commit, running in self.logs:
            last = ents[-1][0] if ents else 0
            lines.append(f"  log {name:<10} last index {last}, commit {commit}" + ("" if running else " (stopped)"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    # -- picture -------------------------------------------------------------------------
    def _x(self, t: float) -> float:
        span = self.until - self.since
        return self.LEFT + (t - self.since) / span * (self.WIDTH - self.LEFT - 12)

    def svg(self) -> str:
        W, L, H = self.WIDTH, self.LEFT, self.LANE
        top = 34
        out: list[str] = []
        # lanes
        for i, lane in enumerate(self.lanes):
            y = top + i * (H + 16)
            out.append(f'<text x="{L - 8}" y="{y + H / 2 + 4}" text-anchor="end" style="fill:{_FG};font-weight:600">'
                       f'{_e(lane.member)}</text>')
            out.append(f'<rect x="{L}" y="{y}" width="{W - L - 12}" height="{H}" rx="3" '
                       f'style="fill:none;stroke:{_LINE};stroke-width:.5"/>')
            for s in lane.segments:
                x0, x1 = self._x(s.start), self._x(s.end)
                if s.role in ("candidate", "pre-candidate") and x1 - x0 < 5:
                    x1 = x0 + 5  # an election lasts milliseconds: keep it visible
                dash = ";stroke-dasharray:3 2" if s.role == "stopped" else ""
                out.append(f'<rect x="{x0:.1f}" y="{y + 1}" width="{max(x1 - x0, 1):.1f}" height="{H - 2}" '
                           f'style="fill:{_ROLE_FILL.get(s.role, _ROLE_FILL["follower"])};stroke:{_LINE};'
                           f'stroke-width:.5{dash}"><title>{_e(s.role)} term {_e(s.term)} '
                           f'{s.start:.3f}s–{s.end:.3f}s</title></rect>')
                label = s.role if s.role != "pre-candidate" else "pre-cand."
                if s.role != "stopped" and s.term is not None:
                    label += f" · term {s.term}"
                if x1 - x0 > 7.2 * len(label):
                    out.append(f'<text x="{x0 + 5:.1f}" y="{y + H / 2 + 4}" style="fill:{_FG}">{_e(label)}</text>')
                elif s.role in ("leader", "candidate") and x1 - x0 > 18:
                    out.append(f'<text x="{x0 + 3:.1f}" y="{y + H / 2 + 4}" style="fill:{_FG}">'
                               f'{"L" if s.role == "leader" else "C"}{_e(s.term or "")}</text>')
            for t, kind in lane.marks:
                x = self._x(t)
                if kind == "elected":
                    term = next((s.term for s in lane.segments if s.role == "leader" and s.start >= t - 1e-9), None)
                    out.append(f'<path d="M{x:.1f},{y - 1} l-5,-8 h10 z" style="fill:rgba(56,139,253,.95)">'
                               f'<title>elected leader at {t:.3f}s</title></path>'
                               f'<text x="{x + 8:.1f}" y="{y - 3}" style="fill:{_FG};font-size:10px">'
                               f'elected at {t:.3f}s{"" if term is None else f", term {term}"}</text>')
                elif kind in ("stopped", "removed"):
                    out.append(f'<line x1="{x:.1f}" y1="{y - 3}" x2="{x:.1f}" y2="{y + H + 3}" '
                               f'style="stroke:rgba(248,81,73,.95);stroke-width:2.5"><title>{kind} at {t:.3f}s</title></line>')
                else:
                    out.append(f'<line x1="{x:.1f}" y1="{y - 3}" x2="{x:.1f}" y2="{y + H + 3}" '
                               f'style="stroke:rgba(46,160,67,.95);stroke-width:2.5"><title>started at {t:.3f}s</title></line>')
        # time axis
        y = top + len(self.lanes) * (H + 16)
        out.append(f'<line x1="{L}" y1="{y}" x2="{W - 12}" y2="{y}" style="stroke:{_LINE}"/>')
        for t in _ticks(self.since, self.until):
            x = self._x(t)
            out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" style="stroke:{_LINE}"/>'
                       f'<text x="{x:.1f}" y="{y + 16}" text-anchor="middle" style="fill:{_FG2}">{t:g}s</text>')
        # legend
        lx = L
        y += 32
        for role in ("follower", "candidate", "leader", "stopped"):
            out.append(f'<rect x="{lx}" y="{y - 10}" width="14" height="12" style="fill:{_ROLE_FILL[role]};stroke:{_LINE}"/>'
                       f'<text x="{lx + 18}" y="{y}" style="fill:{_FG}">{role}</text>')
            lx += 30 + 7 * len(role)
        out.append(f'<path d="M{lx + 6},{y + 1} l-5,-8 h10 z" style="fill:rgba(56,139,253,.95)"/>'
                   f'<text x="{lx + 14}" y="{y}" style="fill:{_FG}">elected</text>')
        lx += 80
        out.append(f'<line x1="{lx}" y1="{y - 11}" x2="{lx}" y2="{y + 2}" style="stroke:rgba(248,81,73,.95);stroke-width:2.5"/>'
                   f'<text x="{lx + 6}" y="{y}" style="fill:{_FG}">stopped</text>')
        lx += 70
        out.append(f'<line x1="{lx}" y1="{y - 11}" x2="{lx}" y2="{y + 2}" style="stroke:rgba(46,160,67,.95);stroke-width:2.5"/>'
                   f'<text x="{lx + 6}" y="{y}" style="fill:{_FG}">started</text>')
        # logs: the newest entries, coloured by term; the commit index marked
        y += 28
        out.append(f'<text x="{L - 8}" y="{y}" text-anchor="end" style="fill:{_FG2};font-weight:600">log</text>'
                   f'<text x="{L}" y="{y}" style="fill:{_FG2}">newest entries (number = term), '
                   f'▌ = commit index</text>')
        lo = min((ents[0][0] for _, ents, _, _ in self.logs if ents), default=0)
        hi = max((ents[-1][0] for _, ents, _, _ in self.logs if ents), default=0)
        width = max(1, hi - lo + 1)
        cell = min(self.CELL, (W - L - 130) / width)
        y += 10
        for name, ents, commit, running in self.logs:
            out.append(f'<text x="{L - 8}" y="{y + 15}" text-anchor="end" style="fill:{_FG}">{_e(name)}</text>')
            for idx, term in ents:
                x = L + (idx - lo) * cell
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{cell - 2:.1f}" height="20" rx="2" '
                           f'style="fill:{_TERM_FILLS[term % len(_TERM_FILLS)]};stroke:{_LINE};stroke-width:.5'
                           f'{"" if idx <= commit else ";stroke-dasharray:2 2"}"><title>index {idx}, term {term}'
                           f'{"" if idx <= commit else " (not committed)"}</title></rect>')
                if cell >= 16:
                    out.append(f'<text x="{x + (cell - 2) / 2:.1f}" y="{y + 14}" text-anchor="middle" '
                               f'style="fill:{_FG};font-size:10px">{term}</text>')
            if ents and lo <= commit:
                cx = L + (min(commit, hi) - lo + 1) * cell - 1
                out.append(f'<line x1="{cx:.1f}" y1="{y - 3}" x2="{cx:.1f}" y2="{y + 23}" '
                           f'style="stroke:{_FG};stroke-width:2.5"/>')
            note = f"commit {commit}" + ("" if running else " · stopped")
            out.append(f'<text x="{L + width * cell + 6:.1f}" y="{y + 15}" style="fill:{_FG2};font-size:10px">'
                       f'{_e(note)}</text>')
            y += 26
        y += 6
        out.append(f'<text x="{L}" y="{y}" style="fill:{_FG2};font-size:10px">index {lo} … {hi}</text>')
        h = y + 8
        head = (f'<text x="{L}" y="14" style="fill:{_FG2}">Raft timeline · t = {self.since:.3f}s … '
                f'{self.until:.3f}s · role and term per member</text>')
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="{W}" height="{h}" '
                f'style="max-width:100%;height:auto;font-family:var(--jp-ui-font-family,system-ui,sans-serif);'
                f'font-size:11px" role="img" aria-label="Raft timeline">{head}{"".join(out)}</svg>')

    def _repr_html_(self) -> str:
        return f'<div class="kl-raft-timeline" style="overflow-x:auto">{self.svg()}</div>'


def _ticks(a: float, b: float) -> list[float]:
    span = b - a
    step = next((s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)
                 if span / s <= 10), 7200)
    first = (int(a / step) + (0 if a % step == 0 else 1)) * step
    out, t = [], first
    while t <= b + 1e-9:
        out.append(round(t, 6))
        t += step
    return out


def raft_timeline(source: Any, since: Optional[float] = None, until: Optional[float] = None,
                  entries: int = 20) -> RaftTimeline:
    """Each etcd member's role and term over time, elections and stops marked, and the
    members' log tails with the commit index, for a ``kl.Cluster`` or a ``kl.EtcdCluster``.
    By default the picture starts 2 s before the newest member stop (or at 0)."""
    etcd = getattr(source, "etcd", source)
    if not hasattr(etcd, "members"):
        raise TypeError(f"raft_timeline needs a Cluster or an EtcdCluster, not {type(source).__name__}")
    return RaftTimeline(etcd, since, until, entries)

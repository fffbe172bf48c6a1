"""Line charts as hand-written SVG: no plotting library, deterministic bytes.

:func:`load_plot` draws what :class:`kubelab.cluster.load.LoadGenerator` measured, one
point per one-second sample: the offered load (requests sent per second, and the 429s
and failures when there are any) and the p50 / p99 latency, each against the number of
kube-apiserver replicas behind the load balancer on a second y axis — so the picture
shows latency climbing with load and falling back when the autoscaler adds replicas.
Scale-out / scale-in and machine stops from the trace are drawn as vertical markers.

The chart is a :class:`LinePlot`: panels stacked on one time axis, each with a left and
a right y axis, ticks at 1-2-5 steps, a legend, and series that may be drawn as steps.
It shows as inline SVG (``_repr_html_``, theme-aware through ``--jp-*`` variables with
fallbacks that read on light and dark backgrounds), as ``image/svg+xml``
(``_repr_svg_``, ``to_svg()``), and as a text summary for ``text/plain``. The same data
always gives the same bytes: coordinates are rounded, nothing is random or timed.
"""

from __future__ import annotations

import html as _html
import math
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

__all__ = ["Series", "Panel", "Marker", "LinePlot", "nice_ticks", "load_plot"]

Point = tuple[float, Optional[float]]  # y None: no value (a gap in the line)

# Mid-tone colours that read on white and on JupyterLab's dark background.
COLOURS = {
    "offered": "#388bfd",
    "throttled": "#d29922",
    "failed": "#f85149",
    "p50": "#1b9e77",
    "p99": "#a371f7",
    "replicas": "#e8702a",
    "marker": "#8c959f",
}
TEXT_FALLBACK = "#6e7781"  # readable on both backgrounds where the theme's variables are absent
GRID_FALLBACK = "#8c959f"


def _e(s: Any) -> str:
    return _html.escape(str(s), quote=True)


def _f(v: float) -> str:
    """A coordinate: one decimal, no ``-0.0``."""
    s = f"{v:.1f}"
    return "0.0" if s == "-0.0" else s


def nice_ticks(lo: float, hi: float, n: int = 5, integer: bool = False) -> list[float]:
    """Tick values covering ``[lo, hi]`` at a 1, 2 or 5 × 10^k step, about ``n`` of them
    (Heckbert's "nice numbers"); the last tick is at or above ``hi``."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw - 1e-12)
    if integer:
        step = max(1.0, round(step))
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    t = start
    while True:
        ticks.append(round(t, 10))
        if t >= hi - 1e-9:
            break
        t += step
    return ticks


def _tick_label(v: float, step: float) -> str:
    if step >= 1 or v == 0:
        return f"{v:.0f}"
    decimals = min(6, max(0, -math.floor(math.log10(step))))
    return f"{v:.{decimals}f}"


@dataclass
class Series:
    name: str  # the key in LinePlot.series
    label: str  # the legend's words
    points: list[Point]
    axis: str = "left"  # left | right
    colour: str = "#388bfd"
    step: bool = False  # hold each value until the next point (a count such as replicas)
    dash: Optional[str] = None
    width: float = 1.6


@dataclass
class Panel:
    title: str
    left_label: str
    right_label: str = ""
    series: list[Series] = field(default_factory=list)
    right_integer: bool = True


@dataclass
class Marker:
    x: float
    label: str
    colour: str = COLOURS["marker"]


class LinePlot:
    """Stacked panels sharing one x axis; see the module docstring."""

    def __init__(self, panels: Sequence[Panel], title: str = "", x_label: str = "simulated time (s)",
                 markers: Sequence[Marker] = (), caption: str = "", text: str = "", width: int = 760,
                 panel_height: int = 170, x_range: Optional[tuple[float, float]] = None):
        self.panels = list(panels)
        self.title = title
        self.x_label = x_label
        self.markers = list(markers)
        self.caption = caption
        self.text = text or title
        self.width = width
        self.panel_height = panel_height
        self._x_range = x_range

    # -- data ---------------------------------------------------------------------------------
    @property
    def series(self) -> dict[str, list[Point]]:
        """Every series' points by name (the first panel's, when a name repeats)."""
        out: dict[str, list[Point]] = {}
        for p in self.panels:
            for s in p.series:
                out.setdefault(s.name, list(s.points))
        return out

    def x_range(self) -> tuple[float, float]:
        if self._x_range is not None:
            return self._x_range
        xs = [x for p in self.panels for s in p.series for x, _ in s.points]
        if not xs:
            return 0.0, 1.0
        lo, hi = min(xs), max(xs)
        return (lo, hi if hi > lo else lo + 1.0)

    # -- drawing ------------------------------------------------------------------------------
    ML, MR, MT, MB = 64, 64, 34, 20  # margins around each panel's plot area
    GAP = 18

    def to_svg(self) -> str:
        W = self.width
        top = 24 if self.title else 6
        ph = self.panel_height
        panel_total = self.MT + ph + self.MB
        axis_h = 34
        cap_h = 18 if self.caption else 0
        H = top + len(self.panels) * panel_total + (len(self.panels) - 1) * self.GAP + axis_h + cap_h
        x0, x1 = self.x_range()
        xticks = nice_ticks(x0, x1, max(3, (W - self.ML - self.MR) // 90))
        xstep = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
        x0, x1 = min(x0, xticks[0]), max(x1, xticks[-1])
        pw = W - self.ML - self.MR

        def X(x: float) -> float:
            return self.ML + (x - x0) / (x1 - x0) * pw

        out: list[str] = []
        aria = _e(self.title or "line chart")
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="kl-plot" viewBox="0 0 {W} {H}" width="{W}" '
                   f'height="{H}" role="img" aria-label="{aria}" font-family="Helvetica, Arial, sans-serif" font-size="11">')
        out.append(f"<title>{aria}</title>")
        if self.text:
            out.append(f"<desc>{_e(self.text)}</desc>")
        # theme-aware colours inline; the presentation attributes below are the fallback
        out.append("<style>.kl-plot text{fill:var(--jp-ui-font-color1," + TEXT_FALLBACK + ")}"
                   ".kl-plot .kl-plot-muted{fill:var(--jp-ui-font-color2," + TEXT_FALLBACK + ")}"
                   ".kl-plot .kl-plot-axis{stroke:var(--jp-ui-font-color2," + GRID_FALLBACK + ")}"
                   ".kl-plot .kl-plot-grid{stroke:var(--jp-border-color2," + GRID_FALLBACK + ")}</style>")
        if self.title:
            out.append(f'<text x="{self.ML}" y="16" font-size="13" font-weight="600" fill="{TEXT_FALLBACK}">{_e(self.title)}</text>')
        y = top
        plot_tops = []
        for panel in self.panels:
            py0 = y + self.MT
            plot_tops.append(py0)
            out.extend(self._panel(panel, X, py0, ph, xticks))
            y += panel_total + self.GAP
        last_bottom = plot_tops[-1] + ph
        # the shared x axis under the last panel
        for t in xticks:
            out.append(f'<text x="{_f(X(t))}" y="{_f(last_bottom + 14)}" text-anchor="middle" class="kl-plot-muted" '
                       f'fill="{TEXT_FALLBACK}">{_e(_tick_label(t, xstep))}</text>')
        out.append(f'<text x="{_f(self.ML + pw / 2)}" y="{_f(last_bottom + 30)}" text-anchor="middle" '
                   f'fill="{TEXT_FALLBACK}">{_e(self.x_label)}</text>')
        # markers across every panel
        for i, m in enumerate(sorted(self.markers, key=lambda m: (m.x, m.label))):
            if not (x0 <= m.x <= x1):
                continue
            mx = _f(X(m.x))
            for pt in plot_tops:
                out.append(f'<line x1="{mx}" y1="{_f(pt)}" x2="{mx}" y2="{_f(pt + ph)}" stroke="{m.colour}" '
                           f'stroke-width="1" stroke-dasharray="4 3" data-marker="{_e(m.label)}"/>')
            out.append(f'<text x="{_f(X(m.x) + 3)}" y="{_f(plot_tops[0] + 10 + 11 * (i % 3))}" font-size="10" '
                       f'class="kl-plot-muted" fill="{TEXT_FALLBACK}">{_e(m.label)}</text>')
        if self.caption:
            out.append(f'<text x="{self.ML}" y="{_f(H - 5)}" font-size="10" class="kl-plot-muted" '
                       f'fill="{TEXT_FALLBACK}">{_e(self.caption)}</text>')
        out.append("</svg>")
        return "\n".join(out)

    def _panel(self, panel: Panel, X, py0: float, ph: float, xticks: list[float]) -> list[str]:
        out: list[str] = []
        pw = self.width - self.ML - self.MR
        px0, px1 = self.ML, self.ML + pw

        def yrange(axis: str, integer: bool) -> tuple[list[float], float, float]:
            ys = [v for s in panel.series if s.axis == axis for _, v in s.points if v is not None]
            hi = max(ys) if ys else 1.0
            if integer:
                hi = max(hi + 1, 2)
            ticks = nice_ticks(0.0, hi * (1.0 if integer else 1.08), 4, integer)
            return ticks, ticks[0], ticks[-1]

        lt, l0, l1 = yrange("left", False)
        rt, r0, r1 = yrange("right", panel.right_integer)

        def Y(v: float, axis: str) -> float:
            lo, hi = (l0, l1) if axis == "left" else (r0, r1)
            return py0 + ph - (v - lo) / ((hi - lo) or 1.0) * ph

        # title and legend
        out.append(f'<text x="{px0}" y="{_f(py0 - 20)}" font-weight="600" fill="{TEXT_FALLBACK}">{_e(panel.title)}</text>')
        lx = px0 + 8 + 7 * len(panel.title)
        for s in panel.series:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            ly = py0 - 24
            out.append(f'<line x1="{_f(lx)}" y1="{_f(ly)}" x2="{_f(lx + 18)}" y2="{_f(ly)}" stroke="{s.colour}" '
                       f'stroke-width="{s.width + 0.6}"{dash}/>')
            label = s.label + (" (right axis)" if s.axis == "right" else "")
            out.append(f'<text x="{_f(lx + 22)}" y="{_f(ly + 4)}" fill="{TEXT_FALLBACK}">{_e(label)}</text>')
            lx += 30 + 6.2 * len(label)
        # grid and axes
        lstep = lt[1] - lt[0] if len(lt) > 1 else 1.0
        for t in lt:
            yy = _f(Y(t, "left"))
            out.append(f'<line x1="{px0}" y1="{yy}" x2="{px1}" y2="{yy}" class="kl-plot-grid" stroke="{GRID_FALLBACK}" '
                       f'stroke-opacity="0.3" stroke-width="1"/>')
            out.append(f'<text x="{px0 - 6}" y="{_f(Y(t, "left") + 4)}" text-anchor="end" class="kl-plot-muted" '
                       f'fill="{TEXT_FALLBACK}">{_e(_tick_label(t, lstep))}</text>')
        for t in xticks:
            xx = _f(X(t))
            out.append(f'<line x1="{xx}" y1="{_f(py0 + ph)}" x2="{xx}" y2="{_f(py0 + ph + 4)}" class="kl-plot-axis" '
                       f'stroke="{GRID_FALLBACK}"/>')
        out.append(f'<line x1="{px0}" y1="{_f(py0)}" x2="{px0}" y2="{_f(py0 + ph)}" class="kl-plot-axis" stroke="{GRID_FALLBACK}"/>')
        out.append(f'<line x1="{px0}" y1="{_f(py0 + ph)}" x2="{px1}" y2="{_f(py0 + ph)}" class="kl-plot-axis" stroke="{GRID_FALLBACK}"/>')
        mid = py0 + ph / 2
        out.append(f'<text transform="translate({px0 - 46},{_f(mid)}) rotate(-90)" text-anchor="middle" '
                   f'fill="{TEXT_FALLBACK}">{_e(panel.left_label)}</text>')
        if any(s.axis == "right" for s in panel.series):
            rstep = rt[1] - rt[0] if len(rt) > 1 else 1.0
            out.append(f'<line x1="{px1}" y1="{_f(py0)}" x2="{px1}" y2="{_f(py0 + ph)}" class="kl-plot-axis" '
                       f'stroke="{GRID_FALLBACK}"/>')
            rcol = next((s.colour for s in panel.series if s.axis == "right"), TEXT_FALLBACK)
            for t in rt:
                out.append(f'<text x="{px1 + 6}" y="{_f(Y(t, "right") + 4)}" fill="{rcol}">{_e(_tick_label(t, rstep))}</text>')
            out.append(f'<text transform="translate({px1 + 40},{_f(mid)}) rotate(90)" text-anchor="middle" '
                       f'fill="{rcol}">{_e(panel.right_label)}</text>')
        # the series: right-axis ones (replicas) first, under the lines they explain
        for s in sorted(panel.series, key=lambda s: s.axis != "right"):
            for seg in self._segments(s):
                pts = " ".join(f"{_f(X(x))},{_f(Y(v, s.axis))}" for x, v in seg)
                dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
                out.append(f'<polyline data-series="{_e(s.name)}" fill="none" stroke="{s.colour}" '
                           f'stroke-width="{s.width}" stroke-linejoin="round"{dash} points="{pts}"/>')
        return out

    def _segments(self, s: Series) -> list[list[tuple[float, float]]]:
        segs: list[list[tuple[float, float]]] = []
        cur: list[tuple[float, float]] = []
        x_end = self.x_range()[1]
        pts = s.points
        for i, (x, v) in enumerate(pts):
            if v is None:
                if cur:
                    segs.append(cur)
                cur = []
                continue
            if s.step and cur:
                cur.append((x, cur[-1][1]))
            cur.append((x, v))
            if s.step and i == len(pts) - 1 and x < x_end:
                cur.append((x_end, v))
        if cur:
            segs.append(cur)
        return segs

    # -- display ------------------------------------------------------------------------------
    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_html_(self) -> str:
        svg = self.to_svg().replace('<svg ', '<svg style="max-width:100%;height:auto" ', 1)
        return f'<div class="kl-plot-wrap" style="overflow-x:auto">{svg}</div>'

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)

    def __repr__(self) -> str:
        return self.text


# ----------------------------------------------------------------------------- load


def _scale_markers(trace: Any, lo: float, hi: float) -> list[Marker]:
    """Replica changes and stopped machines from the trace, one marker per instant."""
    by_time: dict[tuple[float, str], int] = {}
    stops: list[Marker] = []
    for r in trace or ():
        if not (lo <= r.time <= hi):
            continue
        if r.reason in ("APIServerScaledOut", "APIServerScaledIn"):
            key = (round(r.time, 3), r.reason)
            by_time[key] = by_time.get(key, 0) + 1
        elif r.reason == "MachineStopped":
            stops.append(Marker(r.time, f"{r.source} stopped", COLOURS["failed"]))
    marks = [Marker(t, f"{'+' if reason.endswith('Out') else '-'}{n} replica{'s' if n != 1 else ''}", COLOURS["replicas"])
             for (t, reason), n in sorted(by_time.items())]
    return marks + stops


def load_plot(load_generator: Any, autoscaler: Any = None, title: Optional[str] = None) -> LinePlot:
    """Offered load, p50 / p99 latency and API server replicas over time, from a
    :class:`~kubelab.cluster.load.LoadGenerator`'s samples (one point per sample, at the
    end of the second it covers). ``autoscaler`` (an
    :class:`~kubelab.cluster.load.APIServerAutoscaler`) adds its target to the caption;
    scale events and stopped machines in the trace are marked either way."""
    samples = list(getattr(load_generator, "samples", []) or [])
    # a sample covers [time, time + 1): its requests finished and its replica count was
    # taken by the end of that second, so that is where its point goes
    xs = [float(s.time) + 1.0 for s in samples]
    offered = [(x, float(s.sent)) for x, s in zip(xs, samples)]
    throttled = [(x, float(s.throttled)) for x, s in zip(xs, samples)]
    failed = [(x, float(s.failed)) for x, s in zip(xs, samples)]
    # latency only where requests came back; a second with none is a gap, not a zero
    p50 = [(x, (s.p50 * 1000.0 if s.latencies else None)) for x, s in zip(xs, samples)]
    p99 = [(x, (s.p99 * 1000.0 if s.latencies else None)) for x, s in zip(xs, samples)]
    replicas = [(x, float(s.replicas)) for x, s in zip(xs, samples)]

    def rep() -> Series:
        return Series("replicas", "API server replicas", replicas, "right", COLOURS["replicas"], step=True, width=2.2)

    load_series = [Series("offered", "offered load (requests/s)", offered, "left", COLOURS["offered"])]
    if any(v for _, v in throttled):
        load_series.append(Series("throttled", "429 Too Many Requests", throttled, "left", COLOURS["throttled"], dash="5 3"))
    if any(v for _, v in failed):
        load_series.append(Series("failed", "failed", failed, "left", COLOURS["failed"], dash="2 2"))
    load_series.append(rep())
    lat_series = [Series("p50", "p50 latency", p50, "left", COLOURS["p50"]),
                  Series("p99", "p99 latency", p99, "left", COLOURS["p99"]), rep()]
    panels = [Panel("Load", "requests per second", "replicas", load_series),
              Panel("Latency", "milliseconds", "replicas", lat_series)]
    lo, hi = (xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1.0) if xs else (0.0, 1.0)
    sim = getattr(load_generator, "sim", None)
    markers = _scale_markers(getattr(sim, "trace", None), lo, hi)
    caption = "one point per simulated second"
    if autoscaler is not None:
        caption += (f"; autoscaler: target {getattr(autoscaler, 'target', 0):.0%} busy, every "
                    f"{getattr(autoscaler, 'period', 0):g}s, {getattr(autoscaler, 'min_replicas', '?')}"
                    f"-{getattr(autoscaler, 'max_replicas', '?')} replicas")
    text = _load_text(samples, markers, autoscaler)
    return LinePlot(panels, title or "API server under load", markers=markers, caption=caption, text=text,
                    x_range=(lo, hi))


def _load_text(samples: list[Any], markers: list[Marker], autoscaler: Any) -> str:
    if not samples:
        return "API server under load: no samples yet (run the cluster with the load generator started)"
    sent = [s.sent for s in samples]
    lat = [s for s in samples if s.latencies]
    reps = [s.replicas for s in samples]
    lines = [f"API server under load: {len(samples)} samples, t={samples[0].time:.1f}s..{samples[-1].time + 1:.1f}s",
             f"  offered load: {sum(sent) / len(sent):.0f} requests/s on average (max {max(sent)}), "
             f"{sum(s.throttled for s in samples)} throttled (429), {sum(s.failed for s in samples)} failed"]
    if lat:
        lines.append(f"  latency: p50 {sum(s.p50 for s in lat) / len(lat) * 1000:.1f} ms on average, "
                     f"p99 max {max(s.p99 for s in lat) * 1000:.1f} ms")
    change = " -> ".join(str(r) for i, r in enumerate(reps) if i == 0 or r != reps[i - 1])
    lines.append(f"  API server replicas: {change}")
    for m in markers:
        lines.append(f"  t={m.x:.1f}s {m.label}")
    if autoscaler is not None:
        lines.append(f"  autoscaler target {getattr(autoscaler, 'target', 0):.0%} busy")
    return "\n".join(lines)

"""A progress bar for long ``cluster.run`` calls, in notebooks only.

The model announces how a run advances (``History.on_progress``, in simulated time and
kernel events); this view measures wall time — the model keeps no clock but the
simulated one — and, once a run has taken more than ``DELAY`` seconds of it, shows an
ipywidgets bar with the simulated time reached and the kernel's events per second of
wall time. Nothing is shown in plain scripts, under pytest, or when nbval runs the
notebook (no one is watching there, and the saved outputs must stay the same).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Optional

DELAY = 1.0  # seconds of wall time before a bar appears

# None: decide from the environment (an IPython kernel with a frontend, not under pytest);
# True / False: always / never (``kubelab.viz.progress.enabled = False`` in a notebook)
enabled: Optional[bool] = None


def _under_pytest() -> bool:
    if "pytest" in sys.modules or os.environ.get("PYTEST_CURRENT_TEST"):
        return True
    # nbval runs the notebook in a kernel that pytest started: look at the parent process
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ")
    except OSError:
        return False
    return b"pytest" in cmd or b"nbval" in cmd


def interactive() -> bool:
    """True in a Jupyter kernel that a person is looking at."""
    if enabled is not None:
        return enabled
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None or getattr(ip, "kernel", None) is None:
        return False  # plain python, terminal IPython
    return not _under_pytest()


class ProgressView:
    """One listener for every cluster's runs; one bar per run that lasts long enough."""

    def __init__(self, delay: float = DELAY, clock=time.perf_counter, show=None):
        self.delay, self.clock = delay, clock
        self._show = show  # for tests: a callable that receives the widget instead of display()
        self._t0 = 0.0
        self.bar: Any = None
        self.shown = 0

    def __call__(self, p) -> None:
        if p.phase == "start":
            self._t0, self.bar = self.clock(), None
            return
        if self.bar is None:
            if p.phase == "end" or self.clock() - self._t0 < self.delay:
                return
            if self._show is None and not interactive():
                return
            self._open()
        self._update(p)
        if p.phase == "end":
            self.bar.bar_style = "success"

    def _open(self) -> None:
        import ipywidgets as w

        bar = w.FloatProgress(min=0.0, max=1.0, value=0.0, description="cluster.run",
                              layout=w.Layout(width="50%"))
        label = w.Label("")
        self.bar = bar
        self._label = label
        box = w.HBox([bar, label])
        self.shown += 1
        if self._show is not None:
            self._show(box)
        else:
            from IPython.display import display

            display(box)

    def _update(self, p) -> None:
        wall = max(self.clock() - self._t0, 1e-9)
        self.bar.value = p.fraction
        self._label.value = (f"t={p.now:.1f}s of {p.end:.1f}s simulated · {p.events:,} events · "
                             f"{p.events / wall:,.0f} events/s · {(p.now - p.start) / wall:.1f}× real time")


_view: Optional[ProgressView] = None


def install() -> None:
    """Listen to every cluster's runs (idempotent)."""
    global _view
    from kubelab.cluster import History

    if _view is None:
        _view = ProgressView()
        History.on_progress(_view)

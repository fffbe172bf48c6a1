"""Tracebacks for learners: kubelab's own frames hidden in notebooks.

A learner's mistake (``Cluster(masters=0)``, ``memory: 5GB``, a write without quorum)
raises from deep inside kubelab; the traceback a notebook prints would start in the
simulator's internals and bury the one line that matters. Under IPython,
:func:`install` (called by ``kubelab.viz.install``) registers a handler that drops
kubelab's frames from the traceback — the learner's cell and the error's message
remain — and says how many were hidden. A chained cause raised entirely inside kubelab
(``During handling of the above exception...``) is dropped too.

``show_internal_frames(True)`` brings the full tracebacks back (for kubelab's
developers); an error whose traceback has no kubelab frame is shown as usual.
"""

from __future__ import annotations

import os
import types
from typing import Any, Optional

__all__ = ["install", "learner_traceback", "show_internal_frames", "strip_internal_frames"]

# the kubelab package's folder (this file is kubelab/viz/errors.py)
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_settings = {"full": False}


def show_internal_frames(on: bool = True) -> None:
    """Show (True) or hide (False, the default) kubelab's frames in notebook tracebacks."""
    _settings["full"] = bool(on)


def _internal(tb: types.TracebackType) -> bool:
    return os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_ROOT)


def strip_internal_frames(tb: Optional[types.TracebackType]) -> tuple[Optional[types.TracebackType], int]:
    """The traceback without kubelab's frames, and how many were dropped."""
    frames = []
    hidden = 0
    while tb is not None:
        if _internal(tb):
            hidden += 1
        else:
            frames.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(frames):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out, hidden


def _all_internal(exc: Optional[BaseException]) -> bool:
    tb = exc.__traceback__ if exc is not None else None
    if tb is None:
        return False
    while tb is not None:
        if not _internal(tb):
            return False
        tb = tb.tb_next
    return True


def learner_traceback(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
    """IPython custom exception handler (``shell.set_custom_exc``): shows the traceback
    without kubelab's frames (through the shell's ``_showtraceback``, which a kernel
    sends to the front end as an ``error`` output)."""
    stripped, hidden = strip_internal_frames(tb)
    if _settings["full"] or not hidden:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    for attr in ("__cause__", "__context__"):
        if _all_internal(getattr(value, attr)):
            setattr(value, attr, None)
            value.__suppress_context__ = True
    stb = shell.InteractiveTB.structured_traceback(etype, value, stripped, tb_offset=tb_offset)
    stb = list(stb) + [f"({hidden} kubelab frame{'s' if hidden != 1 else ''} hidden: "
                       "kubelab.viz.show_internal_frames() shows them)"]
    import sys

    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # %debug still works
    shell._showtraceback(etype, value, stb)
    return None


def install(shell: Any) -> None:
    """Register :func:`learner_traceback` for every exception in ``shell``."""
    shell.set_custom_exc((Exception,), learner_traceback)

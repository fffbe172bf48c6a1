"""Ages and durations exactly as kubectl prints them.

``human_duration`` is ``k8s.io/apimachinery/pkg/util/duration.HumanDuration`` and
``short_human_duration`` its ``ShortHumanDuration``; ``translate_timestamp_since`` is
``translateTimestampSince`` from kubernetes/pkg/printers/internalversion/printers.go
(an empty timestamp prints ``<unknown>``). Time here is simulated: "now" is passed in,
never read from a wall clock.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional

from kubelab.api.base import SIM_EPOCH, parse_time

__all__ = [
    "human_duration",
    "short_human_duration",
    "translate_timestamp_since",
    "rfc1123z",
]


def _go_int(x: float) -> int:
    # Go's int(d.Seconds()) and integer division of time.Duration truncate toward zero.
    return int(x)


def short_human_duration(seconds: float) -> str:
    s = _go_int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60:
        return f"{s}s"
    minutes = _go_int(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = _go_int(seconds / 3600)
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{_go_int(seconds / 3600 / 24 / 365)}y"


def human_duration(seconds: float) -> str:
    """~2-3 significant figures: ``5s``, ``119s``, ``2m3s``, ``10m``, ``3h``, ``7h59m``, ``5d``..."""
    s = _go_int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return f"{s}s"
    minutes = _go_int(seconds / 60)
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = _go_int(seconds / 3600)
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def translate_timestamp_since(timestamp: Optional[str], now: float) -> str:
    """printers.go translateTimestampSince: the age of an RFC 3339 timestamp at ``now``."""
    if not timestamp:
        return "<unknown>"
    t = parse_time(timestamp)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def rfc1123z(timestamp: Optional[str]) -> str:
    """Go's time.RFC1123Z layout (``Mon, 02 Jan 2006 15:04:05 -0700``), as describe prints times."""
    if not timestamp:
        return "<unset>"
    t = parse_time(timestamp)
    if t is None:
        return "<unset>"
    dt = SIM_EPOCH + _dt.timedelta(seconds=t)
    return dt.strftime("%a, %d %b %Y %H:%M:%S +0000")

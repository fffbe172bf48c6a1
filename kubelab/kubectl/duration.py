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
    "DurationError",
    "parse_go_duration",
    "parse_timeout",
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


# ----------------------------------------------------------------------------- parsing

_UNITS_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
             "m": 60_000_000_000, "h": 3_600_000_000_000}
_MAX_NS = (1 << 63) - 1  # time.Duration is an int64 of nanoseconds: at most 2562047h47m16.854775807s


class DurationError(ValueError):
    """``time: invalid duration "..."`` (Go's time.ParseDuration)."""


def parse_go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` in seconds: ``300ms``, ``-1.5h``, ``2h45m``; units ns, us
    (µs), ms, s, m, h; a bare ``0`` is allowed. A value past int64 nanoseconds (over
    2562047h) is invalid, as in Go."""
    import re

    orig = text
    quoted = '"' + orig.replace("\\", "\\\\").replace('"', '\\"') + '"'
    s = orig
    neg = False
    if s[:1] in ("-", "+"):
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise DurationError(f"time: invalid duration {quoted}")
    total = 0
    pos = 0
    part = re.compile(r"([0-9]*)(?:\.([0-9]*))?([a-zµμ]*)")
    while pos < len(s):
        m = part.match(s, pos)
        whole, frac, unit = m.group(1), m.group(2), m.group(3)
        if (not whole and not frac) or m.end() == pos:
            raise DurationError(f"time: invalid duration {quoted}")
        if not unit:
            raise DurationError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS_NS:
            raise DurationError(f'time: unknown unit "{unit}" in duration {quoted}')
        scale = _UNITS_NS[unit]
        value = int(whole or "0") * scale
        if frac:
            value += int(frac) * scale // (10 ** len(frac))
        total += value
        if total > _MAX_NS:
            raise DurationError(f"time: invalid duration {quoted}")
        pos = m.end()
    return (-total if neg else total) / 1e9


def parse_timeout(text: str) -> float:
    """client-go's clientcmd ParseTimeout (``--request-timeout``): a non-negative integer is
    seconds, otherwise a Go duration; anything else is refused with its message."""
    text = str(text)
    import re

    if re.fullmatch(r"[+-]?[0-9]+", text):
        n = int(text)
        if 0 <= n <= _MAX_NS:  # strconv.ParseInt(…, 10, 64)
            return float(n)  # time.Duration(i) * time.Second (Go would wrap; nobody waits that long)
    try:
        return parse_go_duration(text)
    except DurationError:
        raise DurationError(
            "invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a "
            "corresponding time unit (e.g. 1s | 2m | 3h)") from None

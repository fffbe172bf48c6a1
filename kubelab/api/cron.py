"""CronJob schedules as Kubernetes reads them: robfig/cron v3's standard parser
(``cron.ParseStandard``: minute hour day-of-month month day-of-week, the ``@hourly``
family of descriptors and ``@every <duration>``, an optional ``TZ=``/``CRON_TZ=``
prefix) with its exact error strings (github.com/robfig/cron/v3 parser.go), and
``Next`` as spec.go computes it in the schedule's time zone (constantdelay.go for
``@every``).

Time zones are IANA names looked up in the system's zoneinfo (Go's time.LoadLocation):
an unknown name is ``unknown time zone <name>``.
"""

from __future__ import annotations

import datetime as _dt
import re
import zoneinfo
from typing import Optional

__all__ = ["CronSchedule", "CronError", "parse_standard", "load_location", "go_duration"]


class CronError(ValueError):
    """A schedule robfig/cron refuses; ``str()`` is the Go error text."""


# parser.go bounds: minutes 0-59, hours 0-23, dom 1-31, months 1-12 (names), dow 0-6 (names)
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "oct": 10, "nov": 11, "dec": 12}
_DOWS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DOWS))
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


def load_location(name: str) -> _dt.tzinfo:
    """time.LoadLocation: "" and "UTC" are UTC; otherwise an IANA zone name."""
    if name in ("", "UTC"):
        return _dt.timezone.utc
    if name == "Local":
        return _dt.timezone.utc  # the controller manager's local zone: UTC in a kubeadm static pod
    try:
        if name.startswith("/") or ".." in name.split("/"):
            raise ValueError(name)
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise CronError(f"unknown time zone {name}") from None


def _atoi(expr: str) -> int:
    """mustParseInt: strconv.Atoi, then no negatives."""
    if not re.fullmatch(r"[+-]?\d+", expr):
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    num = int(expr)
    if num < 0:
        raise CronError(f"negative number ({num}) not allowed: {expr}")
    return num


def _int_or_name(expr: str, names: Optional[dict]) -> int:
    if names is not None and expr.lower() in names:
        return names[expr.lower()]
    return _atoi(expr)


def _get_range(expr: str, lo: int, hi: int, names: Optional[dict]) -> tuple[set[int], bool]:
    """getRange: the values one comma-separated part selects, and its star bit."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    star = False
    if low_and_high[0] in ("*", "?"):
        start, end, star = lo, hi, True
    else:
        start = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if single:  # "N/step" means "N-max/step"
            end = hi
        if step > 1:
            star = False
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < lo:
        raise CronError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise CronError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _get_field(field: str, lo: int, hi: int, names: Optional[dict]) -> tuple[set[int], bool]:
    values: set[int] = set()
    star = False
    for part in [p for p in field.split(",") if p]:
        v, s = _get_range(part, lo, hi, names)
        values |= v
        star = star or s
    return values, star


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(text: str) -> float:
    """time.ParseDuration, in seconds (ValueError with Go's message)."""
    orig, s = text, text
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f'time: invalid duration "{orig}"')
    total = 0.0
    while s:
        m = re.match(r"(\d*\.?\d*)", s)
        num = m.group(1)
        if num in ("", "."):
            raise ValueError(f'time: invalid duration "{orig}"')
        s = s[len(num):]
        u = re.match(r"[^\d.]*", s).group(0)
        if not u:
            raise ValueError(f'time: missing unit in duration "{orig}"')
        if u not in _DURATION_UNITS:
            raise ValueError(f'time: unknown unit "{u}" in duration "{orig}"')
        s = s[len(u):]
        total += float(num) * _DURATION_UNITS[u]
    return sign * total


class CronSchedule:
    """A parsed schedule: ``next(t)`` is the first activation strictly after ``t``."""

    def __init__(self, spec: str, location: Optional[_dt.tzinfo] = None):
        s = parse_standard(spec, location)
        self.__dict__.update(s.__dict__)

    @classmethod
    def _make(cls) -> "CronSchedule":
        return cls.__new__(cls)

    def _day_ok(self, t: _dt.datetime) -> bool:
        dom_ok = t.day in self.dom
        dow_ok = (t.isoweekday() % 7) in self.dow
        if self.dom_star or self.dow_star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def next(self, after: _dt.datetime) -> _dt.datetime:
        """spec.go SpecSchedule.Next (or ConstantDelaySchedule.Next), in UTC."""
        if self.every is not None:
            # constantdelay.go: t.Add(Delay - nanoseconds), truncated to the second
            return after.replace(microsecond=0) + _dt.timedelta(seconds=self.every)
        loc = self.location
        t = after.astimezone(loc).replace(second=0, microsecond=0, tzinfo=None) + _dt.timedelta(minutes=1)
        for _ in range(5 * 366 * 24):
            if t.month not in self.month:
                t = (t.replace(day=1) + _dt.timedelta(days=32)).replace(day=1, hour=0, minute=0)
                continue
            if not self._day_ok(t):
                t = (t + _dt.timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if t.hour not in self.hour:
                t = (t + _dt.timedelta(hours=1)).replace(minute=0)
                continue
            if t.minute not in self.minute:
                t += _dt.timedelta(minutes=1)
                continue
            return t.replace(tzinfo=loc).astimezone(_dt.timezone.utc)
        return _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)  # spec.go: zero time, never fires


def parse_standard(spec: str, location: Optional[_dt.tzinfo] = None) -> CronSchedule:
    """cron.ParseStandard(spec); raises CronError with robfig/cron's message."""
    if not spec:
        raise CronError("empty spec string")
    loc = location or _dt.timezone.utc
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        i, eq = spec.find(" "), spec.index("=")
        name = spec[eq + 1:i] if i >= 0 else spec[eq + 1:]
        try:
            loc = load_location(name)
        except CronError as exc:
            raise CronError(f"provided bad location {name}: {exc}") from None
        spec = spec[i:].strip() if i >= 0 else ""
    s = CronSchedule._make()
    s.location, s.every = loc, None
    if spec.startswith("@"):
        if spec.startswith("@every "):
            dur = spec[len("@every "):]
            try:
                secs = go_duration(dur)
            except ValueError as exc:
                raise CronError(f"failed to parse duration {spec}: {exc}") from None
            s.every = max(1.0, float(int(secs)))  # Every(): at least a second, whole seconds
            return s
        if spec not in _DESCRIPTORS:
            raise CronError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_get_field(f, lo, hi, names) for f, (lo, hi, names) in zip(fields, _BOUNDS)]
    (s.minute, _), (s.hour, _), (s.dom, s.dom_star), (s.month, _), (s.dow, s.dow_star) = parsed
    return s

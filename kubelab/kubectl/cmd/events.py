"""kubectl events (k8s.io/kubectl/pkg/cmd/events/events.go, event_printer.go): core/v1 Events,
oldest first, ``LAST SEEN TYPE REASON OBJECT MESSAGE``; ``--for TYPE/NAME``, ``--types``,
``-A``, ``--no-headers``, ``-o json|yaml``. Ages are measured at the simulated clock's now
(upstream measures them with the client's wall clock, which is what the real kubectl
against ``cluster.serve()`` does). ``-w`` is bounded here: it prints what exists, in the
watch's order (unsorted), and returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from kubelab.api.base import parse_time

from ..duration import human_duration
from ..gosort import go_sort
from ..tabwriter import GET_SETTINGS, tabulate
from .util import Args, KubectlError, list_objects, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl


def _since(ts: Optional[str], now: float) -> str:
    # translateTimestampSince / translateMicroTimestampSince: "<unknown>" for a zero time
    t = parse_time(ts) if ts else None
    return "<unknown>" if t is None else human_duration(now - t)


def _series(e: Any) -> Optional[dict]:
    s = e.series
    return s if isinstance(s, dict) and s else None


def interval(e: Any, now: float) -> str:
    """getInterval: the age, with ``(xN over AGE)`` for a repeated event."""
    first = _since(e.event_time, now) if e.event_time else _since(e.first_timestamp, now)
    s = _series(e)
    if s is not None:
        return f"{_since(s.get('lastObservedTime'), now)} (x{s.get('count', 0)} over {first})"
    if (e.count or 0) > 1:
        return f"{_since(e.last_timestamp, now)} (x{e.count} over {first})"
    return first


def _event_time(e: Any) -> float:
    """eventTime(): series.lastObservedTime, else lastTimestamp, else eventTime."""
    s = _series(e)
    ts = (s or {}).get("lastObservedTime") if s else (e.last_timestamp or e.event_time)
    t = parse_time(ts) if ts else None
    return float("-inf") if t is None else t


def _cell(text: str) -> str:
    for i, ch in enumerate(text):
        if ch in "\f\n\r":
            return text[:i] + "..."
    return text


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if a.positional:
        raise KubectlError(f'error: unknown command "{a.positional[0]}" for "kubectl events"')
    types = sorted({t for v in a.all("types") for t in str(v).split(",") if t})
    for t in types:
        if t.lower() not in ("normal", "warning"):
            raise KubectlError("error: valid --types are Normal or Warning")
    all_ns = bool(a.get("all-namespaces"))
    ns = k.ns(a)
    fsel = None
    target = a.get("for")
    if target:
        if "/" not in target:
            raise KubectlError("error: --for must be in resource/name form")
        if target.count("/") > 1:
            raise KubectlError("error: arguments in resource/name form may not have more than one slash")
        res, name = target.split("/")
        cls = resolve_kind(res)
        fsel = f"involvedObject.kind={cls.KIND},involvedObject.name={name}"
    evs = list_objects(k, resolve_kind("Event"), None if all_ns else ns, None, fsel)
    if types:
        evs = [e for e in evs if any((e.type or "").lower() == t.lower() for t in types)]
    if not evs:
        if a.get("watch"):
            return ""  # a watch with nothing yet prints nothing and waits
        return "No events found.\n" if all_ns else f"No events found in {ns} namespace.\n"
    if not a.get("watch"):
        # sort.Sort(SortableEvents) by eventTime(): Go's unstable sort, so ties come out as the
        # real kubectl prints them. A watch prints its initial ADDED events as they come.
        evs = go_sort(evs, lambda x, y: _event_time(x) < _event_time(y))
    out_fmt = a.get("output")
    if out_fmt:
        import json

        import yaml

        from ..output import _Dumper

        if out_fmt not in ("json", "yaml"):
            raise KubectlError(
                f'error: unable to match a printer suitable for the output format "{out_fmt}", allowed formats are: '
                "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml")
        items = []
        for e in evs:
            items.append(e.to_dict())
        doc = {"apiVersion": "v1", "items": items, "kind": "EventList", "metadata": {}}
        if out_fmt == "json":
            return json.dumps(doc, indent=4, sort_keys=True, ensure_ascii=False) + "\n"
        return yaml.dump(doc, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=10**9)
    now = k.now
    rows: list[list[str]] = []
    if not a.get("no-headers"):
        rows.append((["NAMESPACE"] if all_ns else []) + ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
    for e in evs:
        io = e.involved_object
        rows.append(([e.metadata.namespace or ""] if all_ns else []) +
                    [interval(e, now), _cell(e.type or ""), _cell(e.reason or ""),
                     f"{_cell(io.kind or '')}/{_cell(io.name or '')}", _cell((e.message or "").strip())])
    return tabulate(rows, **GET_SETTINGS)

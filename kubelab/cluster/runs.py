"""What ``cluster.run(seconds)`` returns: what changed while time ran, in one line.

A cell ending in ``cluster.run(30)`` shows

    t=20.0s → t=50.0s: 14 events; pods: 3 Running (+3), 0 Pending (-3)

rather than the whole cluster card: the Kubernetes Events recorded meanwhile (each
occurrence, as an Event's ``count`` grows) and the pods by kubectl's STATUS column, with
the change. Both are read through ``cluster.state`` (looking changes nothing).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cluster import Cluster
    from .readmodel import ClusterState

__all__ = ["RunSummary"]


# watch cache -> {kind: (revision, size, tally)}; weak, so a cache that goes takes its tallies
_TALLIES: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


def _tally(state: "ClusterState", kind: str, count: Any) -> dict:
    """``count(state.list(kind))``, read again only when the watch cache it reads from has
    changed: a run's closing tally is the next run's opening one (a cache at a revision
    holds one set of objects, which nobody mutates)."""
    server = state.server()
    cache = server.caches.get(kind) if server is not None else None
    memo = _TALLIES.setdefault(cache, {}) if cache is not None else {}
    hit = memo.get(kind)
    if hit is not None and hit[0] == cache.revision and hit[1] == len(cache.objects):
        return dict(hit[2])
    out = count(state.list(kind))
    if cache is not None:
        memo[kind] = (cache.revision, len(cache.objects), out)
    return dict(out)


def _count_pod_statuses(pods: list) -> dict[str, int]:
    from kubelab.kubectl.printers import pod_status_reason

    out: dict[str, int] = {}
    for p in pods:
        s = pod_status_reason(p)[0]
        out[s] = out.get(s, 0) + 1
    return out


def _pod_statuses(state: "ClusterState") -> dict[str, int]:
    return _tally(state, "Pod", _count_pod_statuses)


def _event_counts(state: "ClusterState") -> dict[str, int]:
    return _tally(state, "Event", lambda events: {e.metadata.uid or e.metadata.name: int(e.count or 1) for e in events})


class RunSummary:
    """Simulated time from ``start`` to ``end``, the Events recorded meanwhile (``events``)
    and pods by status before and after (``pods_before``, ``pods``)."""

    def __init__(self, cluster: "Cluster", start: float, pods_before: dict[str, int], events_before: dict[str, int]):
        self.cluster = cluster
        self.start = start
        self.end = cluster.now
        state = cluster.state
        self.pods_before = pods_before
        self.pods = _pod_statuses(state)
        after = _event_counts(state)
        self.events = sum(max(0, n - events_before.get(uid, 0)) for uid, n in after.items())

    @classmethod
    def before(cls, cluster: "Cluster") -> tuple[float, dict[str, int], dict[str, int]]:
        state = cluster.state
        return cluster.now, _pod_statuses(state), _event_counts(state)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def __repr__(self) -> str:
        parts = []
        for status in sorted(set(self.pods) | set(self.pods_before),
                             key=lambda s: (-self.pods.get(s, 0), s)):
            n, d = self.pods.get(status, 0), self.pods.get(status, 0) - self.pods_before.get(status, 0)
            parts.append(f"{n} {status}" + (f" ({d:+d})" if d else ""))
        pods = ", ".join(parts) or "none"
        return (f"t={self.start:.1f}s \u2192 t={self.end:.1f}s: {self.events} event{'s' if self.events != 1 else ''}; "
                f"pods: {pods}")

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

"""The scheduling queue (pkg/scheduler/backend/queue/scheduling_queue.go).

Three places a pending pod can be:
  activeQ        ready to be scheduled, in QueueSort order (PrioritySort: priority, then
                 the time it entered the queue)
  backoffQ       failed recently; waits 1 s, 2 s, 4 s ... up to 10 s (per pod, by attempts)
  unschedulable  failed for a reason only a cluster event can change; moved back when a
                 node is added or changed, or a pod is deleted (if a plugin that rejected
                 it cares about that event), or after 5 minutes regardless

The owner calls ``flush_backoff_completed`` every second and
``flush_unschedulable_leftover`` every 30 seconds, as upstream's Run() does.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from typing import Callable, Optional

from .framework import interface as ep
from .framework.types import PodInfo

DEFAULT_POD_INITIAL_BACKOFF = 1.0
DEFAULT_POD_MAX_BACKOFF = 10.0
DEFAULT_POD_MAX_IN_UNSCHEDULABLE_DURATION = 300.0  # podMaxInUnschedulablePodsDuration


class QueuedPodInfo:
    __slots__ = ("pinfo", "timestamp", "initial_attempt_timestamp", "attempts", "unschedulable_plugins",
                 "backoff_expiry", "where", "_entry")

    def __init__(self, pinfo: PodInfo, now: float):
        self.pinfo = pinfo
        self.timestamp = now
        self.initial_attempt_timestamp: Optional[float] = None
        self.attempts = 0
        self.unschedulable_plugins: set[str] = set()
        self.backoff_expiry = 0.0
        self.where = ""
        self._entry = None

    def __repr__(self) -> str:
        return f"QueuedPodInfo({self.pinfo.key}, attempts={self.attempts}, in={self.where})"


class SchedulingQueue:
    def __init__(self, now: Callable[[], float], queue_sort=None,
                 initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF, max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
                 max_in_unschedulable: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE_DURATION,
                 plugin_events: Optional[dict[str, set]] = None):
        self.now = now
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self.plugin_events = plugin_events or {}
        if queue_sort is None or hasattr(queue_sort, "sort_key"):
            sk = queue_sort.sort_key if queue_sort is not None else (lambda q: (-q.pinfo.priority, q.timestamp))
            self._key = sk
        else:  # a custom QueueSort with only less(a, b)
            cmp = functools.cmp_to_key(lambda a, b: -1 if queue_sort.less(a, b) else (1 if queue_sort.less(b, a) else 0))
            self._key = cmp
        self._seq = itertools.count()
        self._active: list = []
        self._backoff: list = []
        self.unschedulable: dict[str, QueuedPodInfo] = {}
        self.pods: dict[str, QueuedPodInfo] = {}  # every pod the queue holds, by uid
        self.in_flight: dict[str, QueuedPodInfo] = {}
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self.on_active: Optional[Callable[[], None]] = None  # wakes the scheduler loop
        self.nominated: dict[str, dict[str, PodInfo]] = {}  # node -> uid -> pod (the nominator)

    # -- internals -------------------------------------------------------------------------
    def _push_active(self, q: QueuedPodInfo) -> None:
        entry = [self._key(q), next(self._seq), q]
        q._entry = entry
        q.where = "active"
        heapq.heappush(self._active, entry)
        if self.on_active is not None:
            self.on_active()

    def _push_backoff(self, q: QueuedPodInfo) -> None:
        entry = [q.backoff_expiry, next(self._seq), q]
        q._entry = entry
        q.where = "backoff"
        heapq.heappush(self._backoff, entry)

    def _unlink(self, q: QueuedPodInfo) -> None:
        if q._entry is not None:
            q._entry[2] = None  # lazy deletion
            q._entry = None
        if q.where == "unschedulable":
            self.unschedulable.pop(q.pinfo.uid, None)
        q.where = ""

    def backoff_duration(self, attempts: int) -> float:
        """calculateBackoffDuration: initial * 2^(attempts-1), capped at max."""
        d = self.initial_backoff
        for _ in range(1, attempts):
            if d > self.max_backoff - d:
                return self.max_backoff
            d += d
        return d

    def _backing_off(self, q: QueuedPodInfo) -> bool:
        return q.backoff_expiry > self.now()

    # -- API ---------------------------------------------------------------------------------
    def add(self, pinfo: PodInfo) -> None:
        q = self.pods.get(pinfo.uid)
        if q is not None:
            self.update(pinfo)
            return
        q = QueuedPodInfo(pinfo, self.now())
        self.pods[pinfo.uid] = q
        self._push_active(q)

    def update(self, pinfo: PodInfo) -> None:
        q = self.pods.get(pinfo.uid) or self.in_flight.get(pinfo.uid)
        if q is None:
            self.add(pinfo)
            return
        q.pinfo = pinfo
        if q.where == "unschedulable":
            # a changed pod may fit now: back to active (or backoff if still backing off)
            self._unlink(q)
            if self._backing_off(q):
                self._push_backoff(q)
            else:
                self._push_active(q)
        elif q.where == "active":
            self._unlink(q)
            self._push_active(q)

    def delete(self, uid: str) -> None:
        q = self.pods.pop(uid, None)
        if q is not None:
            self._unlink(q)
        self.in_flight.pop(uid, None)
        self.delete_nominated(uid)

    def __contains__(self, uid: str) -> bool:
        return uid in self.pods

    def __len__(self) -> int:
        return len(self.pods)

    def pop(self) -> Optional[QueuedPodInfo]:
        while self._active:
            entry = heapq.heappop(self._active)
            q = entry[2]
            if q is None:
                continue
            q._entry = None
            q.where = ""
            del self.pods[q.pinfo.uid]
            self.in_flight[q.pinfo.uid] = q
            self.scheduling_cycle += 1
            q.attempts += 1
            if q.initial_attempt_timestamp is None:
                q.initial_attempt_timestamp = self.now()
            return q
        return None

    def done(self, uid: str) -> None:
        self.in_flight.pop(uid, None)

    def add_unschedulable_if_not_present(self, q: QueuedPodInfo, pod_scheduling_cycle: int, error: bool = False) -> None:
        """After a failed attempt: backoffQ if an event may have changed things meanwhile (or
        the failure was an error), the unschedulable set otherwise."""
        uid = q.pinfo.uid
        self.in_flight.pop(uid, None)
        if uid in self.pods:
            return
        q.timestamp = self.now()
        q.backoff_expiry = self.now() + self.backoff_duration(q.attempts)
        self.pods[uid] = q
        if error or self.move_request_cycle >= pod_scheduling_cycle:
            self._push_backoff(q)
        else:
            q.where = "unschedulable"
            self.unschedulable[uid] = q

    def requeue_after_bind_failure(self, q: QueuedPodInfo) -> None:
        self.add_unschedulable_if_not_present(q, self.scheduling_cycle, error=True)

    def activate(self, uid: str) -> None:
        q = self.pods.get(uid)
        if q is not None and q.where in ("unschedulable", "backoff"):
            self._unlink(q)
            self._push_active(q)

    def move_all_to_active_or_backoff(self, event: str) -> int:
        """MoveAllToActiveOrBackoffQueue for a cluster event: the pods some rejecting plugin
        of which registered for the event (or that no plugin in particular rejected)."""
        moved = 0
        for uid, q in list(self.unschedulable.items()):
            if event not in (ep.UNSCHEDULABLE_TIMEOUT, ep.FORCE_ACTIVATE) and q.unschedulable_plugins:
                if not any(event in self.plugin_events.get(p, ()) for p in q.unschedulable_plugins):
                    continue
            self._unlink(q)
            if self._backing_off(q):
                self._push_backoff(q)
            else:
                self._push_active(q)
            moved += 1
        self.move_request_cycle = self.scheduling_cycle
        return moved

    def flush_backoff_completed(self) -> int:
        now = self.now()
        n = 0
        while self._backoff and (self._backoff[0][2] is None or self._backoff[0][0] <= now):
            entry = heapq.heappop(self._backoff)
            q = entry[2]
            if q is None:
                continue
            q._entry = None
            self._push_active(q)
            n += 1
        return n

    def flush_unschedulable_leftover(self) -> int:
        now = self.now()
        n = 0
        for uid, q in list(self.unschedulable.items()):
            if now - q.timestamp > self.max_in_unschedulable:
                self._unlink(q)
                if self._backing_off(q):
                    self._push_backoff(q)
                else:
                    self._push_active(q)
                n += 1
        return n

    # -- nominator (pods that preempted and wait for their victims to go) -------------------
    def add_nominated(self, pinfo: PodInfo, node: str) -> None:
        self.delete_nominated(pinfo.uid)
        self.nominated.setdefault(node, {})[pinfo.uid] = pinfo

    def delete_nominated(self, uid: str) -> None:
        for node, d in list(self.nominated.items()):
            if d.pop(uid, None) is not None and not d:
                del self.nominated[node]

    def nominated_pods_for_node(self, node: str) -> list[PodInfo]:
        return list(self.nominated.get(node, {}).values())

    # -- views -------------------------------------------------------------------------------
    def pending_pods(self) -> dict[str, list[str]]:
        out = {"active": [], "backoff": [], "unschedulable": []}
        for q in self.pods.values():
            if q.where in out:
                out[q.where].append(q.pinfo.key)
        for v in out.values():
            v.sort()
        return out

    def __repr__(self) -> str:
        p = self.pending_pods()
        return f"SchedulingQueue(active={len(p['active'])}, backoff={len(p['backoff'])}, unschedulable={len(p['unschedulable'])})"

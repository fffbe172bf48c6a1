"""Work queues (k8s.io/client-go/util/workqueue): a key is never processed by two workers
at once, a key added while processing is processed again after ``done``, and failures
are retried with per-item exponential backoff capped by an overall token bucket."""

from __future__ import annotations

from collections import deque
from typing import Hashable

from kubelab.sim import Event, Simulator


class RateLimitingQueue:
    def __init__(self, sim: Simulator, name: str = "", base_delay: float = 0.005, max_delay: float = 1000.0,
                 qps: float = 10.0, burst: int = 100):
        # DefaultControllerRateLimiter: ItemExponentialFailureRateLimiter(5ms, 1000s) max'd
        # with a BucketRateLimiter(10 qps, burst 100)
        self.sim = sim
        self.name = name
        self.base_delay, self.max_delay = base_delay, max_delay
        self.qps, self.burst = qps, burst
        self._tokens = float(burst)
        self._last = 0.0
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._failures: dict[Hashable, int] = {}
        self._waiters: deque[Event] = deque()
        self._delayed: dict[Hashable, float] = {}
        self.shutting_down = False
        self.adds = 0

    def __len__(self) -> int:
        return len(self._queue)

    def __repr__(self) -> str:
        return f"<RateLimitingQueue {self.name} depth={len(self._queue)} processing={len(self._processing)}>"

    def add(self, key: Hashable) -> None:
        if self.shutting_down or key in self._dirty:
            return
        self.adds += 1
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._queue:
            ev = self._waiters.popleft()
            if ev.triggered:
                continue
            key = self._queue.popleft()
            self._processing.add(key)
            self._dirty.discard(key)
            ev.succeed(key)

    def get(self) -> Event:
        """An event that fires with the next key (the caller must call ``done(key)``)."""
        ev = self.sim.event()
        self._waiters.append(ev)
        self._wake()
        return ev

    def done(self, key: Hashable) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._wake()

    def add_after(self, key: Hashable, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        when = self.sim.now + delay
        # delaying_queue.go: keep the earliest time for a key waiting already
        if key in self._delayed and self._delayed[key] <= when:
            return
        self._delayed[key] = when
        self.sim.call_at(when, self._fire_delayed, key, when)

    def _fire_delayed(self, key: Hashable, when: float) -> None:
        if self._delayed.get(key) == when:
            del self._delayed[key]
            self.add(key)

    def when(self, key: Hashable) -> float:
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        item = min(self.base_delay * (2 ** n), self.max_delay)
        # token bucket
        now = self.sim.now
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1
        bucket = 0.0 if self._tokens >= 0 else -self._tokens / self.qps
        return max(item, bucket)

    def add_rate_limited(self, key: Hashable) -> None:
        self.add_after(key, self.when(key))

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)

    def shut_down(self) -> None:
        self.shutting_down = True

"""The deterministic discrete-event kernel every kubelab component runs on.

One clock, one heap, no threads, no wall-clock time (the simpy idiom): the heap holds
``(time, priority, sequence, callback)``; the sequence number makes ties deterministic,
so the same seed and the same inputs give the same history, event for event.

Two ways to run code on the clock:

* callbacks: ``sim.call_later(delay, fn, *args)`` returns a :class:`Timer` you can cancel;
* processes: generators that ``yield`` an :class:`Event` (a timeout, an API response,
  another process) and are resumed with its value, or have its exception thrown in::

      def loop(sim):
          while True:
              yield sim.timeout(10)
              ...
      sim.spawn(loop(sim), name="kubelet/vm-1")
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import itertools
import random
from typing import Any, Callable, Generator, Iterable

# Priorities for events due at the same instant: urgent work (resuming a process whose
# event fired) runs before ordinary timers scheduled for that time.
URGENT = 0
NORMAL = 1


class Interrupt(Exception):
    """Thrown into a process that is interrupted (e.g. its host was stopped)."""

    def __init__(self, cause: Any = None):
        super().__init__(cause)
        self.cause = cause


class Timer:
    """A cancellable handle on a scheduled callback."""

    __slots__ = ("when", "fn", "args", "cancelled")

    def __init__(self, when: float, fn: Callable, args: tuple):
        self.when = when
        self.fn = fn
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        # the heap keeps the entry until its time comes: drop what it would keep alive
        # (a request's timeout timer holds the request and its answer for 60 s otherwise)
        self.cancelled = True
        self.args = ()

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled else "pending"
        return f"Timer(at={self.when:.3f}, {getattr(self.fn, '__qualname__', self.fn)}, {state})"


_PENDING = object()


class Event:
    """A future on the simulated clock: triggered once with a value or an exception.

    Callbacks added with :meth:`add_callback` run (on the clock, at the instant the event
    fires) with the event as their only argument.
    """

    __slots__ = ("sim", "_value", "_exc", "_callbacks", "defused")

    def __init__(self, sim: "Simulator"):
        self.sim = sim
        self._value: Any = _PENDING
        self._exc: BaseException | None = None
        self._callbacks: list[Callable[["Event"], None]] | None = []
        self.defused = False

    @property
    def triggered(self) -> bool:
        return self._value is not _PENDING or self._exc is not None

    @property
    def ok(self) -> bool:
        return self._exc is None

    @property
    def value(self) -> Any:
        if self._exc is not None:
            raise self._exc
        if self._value is _PENDING:
            raise RuntimeError("event has not been triggered yet")
        return self._value

    @property
    def exception(self) -> BaseException | None:
        return self._exc

    def succeed(self, value: Any = None) -> "Event":
        if self.triggered:
            raise RuntimeError("event already triggered")
        self._value = value
        self._schedule_callbacks()
        return self

    def fail(self, exc: BaseException) -> "Event":
        if self.triggered:
            raise RuntimeError("event already triggered")
        self._exc = exc
        self._schedule_callbacks()
        return self

    def add_callback(self, cb: Callable[["Event"], None]) -> None:
        if self._callbacks is None:  # already fired: run at once, on the clock
            self.sim._push(self.sim.now, URGENT, cb, (self,))
        else:
            self._callbacks.append(cb)

    def _schedule_callbacks(self) -> None:
        cbs, self._callbacks = self._callbacks, None
        for cb in cbs or ():
            self.sim._push(self.sim.now, URGENT, cb, (self,))


class Process(Event):
    """A generator driven by the events it yields; itself an event that fires when it returns."""

    __slots__ = ("name", "_gen", "_waiting", "alive")

    def __init__(self, sim: "Simulator", gen: Generator, name: str):
        super().__init__(sim)
        self.name = name
        self._gen = gen
        self._waiting: Event | None = None
        self.alive = True
        sim._push(sim.now, URGENT, self._resume, (None,))

    def interrupt(self, cause: Any = None) -> None:
        """Throw :class:`Interrupt` into the process at the current instant."""
        if not self.alive:
            return
        self.sim._push(self.sim.now, URGENT, self._resume, (None, Interrupt(cause)))

    def kill(self) -> None:
        """Stop the process for good, without running any more of its code."""
        if not self.alive:
            return
        self.alive = False
        self._waiting = None
        self._gen.close()
        if not self.triggered:
            self.succeed(None)

    def _resume(self, event: Event | None, throw: BaseException | None = None) -> None:
        if not self.alive:
            return
        if event is not None and event is not self._waiting:
            return  # a stale wake-up (the process was interrupted while waiting)
        self._waiting = None
        try:
            if throw is not None:
                target = self._gen.throw(throw)
            elif event is None:
                target = next(self._gen)
            elif event.ok:
                target = self._gen.send(event._value)
            else:
                event.defused = True
                target = self._gen.throw(event._exc)
        except StopIteration as stop:
            self.alive = False
            self.succeed(stop.value)
            return
        except Interrupt:
            self.alive = False
            self.succeed(None)
            return
        except BaseException as exc:  # the process died: record it on the trace, fail the event
            self.alive = False
            self.sim.trace.record(self.name, "ProcessCrashed", f"{type(exc).__name__}: {exc}")
            self.fail(exc)
            if self.sim.strict:
                raise
            return
        if not isinstance(target, Event):
            self.alive = False
            exc = TypeError(f"process {self.name!r} yielded {target!r}, not an Event")
            self.fail(exc)
            raise exc
        self._waiting = target
        target.add_callback(self._resume)

    def __repr__(self) -> str:
        return f"Process({self.name!r}, {'alive' if self.alive else 'done'})"


class TraceRecord(tuple):
    """``(time, source, reason, message)`` — one line of the simulation's history."""

    __slots__ = ()

    def __new__(cls, time: float, source: str, reason: str, message: str):
        return super().__new__(cls, (time, source, reason, message))

    time = property(lambda self: self[0])
    source = property(lambda self: self[1])
    reason = property(lambda self: self[2])
    message = property(lambda self: self[3])

    def __repr__(self) -> str:
        return f"[{self[0]:9.3f}] {self[1]}: {self[2]} {self[3]}"


class Trace:
    """The recorded history: faults, elections, component actions (bounded)."""

    def __init__(self, sim: "Simulator", limit: int = 200_000):
        self.sim = sim
        self.records: list[TraceRecord] = []
        self.limit = limit
        self.dropped = 0
        # The objects of followed requests (a user's writes): key -> [span, revision]. The
        # layers a request crosses (API server, etcd, informers) record their step when it
        # concerns a followed key, so one request's path can be drawn from the trace.
        # Keys are an etcd key (bytes) and "Kind namespace/name"; revision is 0 until the
        # write is stored, then only the events of that revision are recorded.
        self.followed: dict = {}
        self._spans = 0

    FOLLOW_LIMIT = 96  # the newest followed keys are kept (three per request)

    def new_span(self) -> str:
        """A new request id ("req-1", "req-2", ...), in order."""
        self._spans += 1
        return f"req-{self._spans}"

    def follow(self, key, span: str, revision: int = 0) -> None:
        """Record the steps that concern ``key`` (an etcd key as bytes, or "Kind ns/name")
        under ``span``; with ``revision``, only the steps of that revision."""
        f = self.followed
        f.pop(key, None)
        f[key] = [span, revision]
        while len(f) > self.FOLLOW_LIMIT:
            del f[next(iter(f))]

    def followed_span(self, key, revision: int) -> str | None:
        """The span following ``key`` at ``revision``, or None."""
        got = self.followed.get(key)
        if got is None or (got[1] and revision and got[1] != revision):
            return None
        return got[0]

    def record(self, source: str, reason: str, message: str = "") -> None:
        if len(self.records) >= self.limit:
            # keep the newest history; the oldest half goes
            half = self.limit // 2
            self.dropped += half
            del self.records[:half]
        self.records.append(TraceRecord(self.sim.now, source, reason, message))

    def filter(self, source: str | None = None, reason: str | None = None) -> list[TraceRecord]:
        return [
            r
            for r in self.records
            if (source is None or r.source.startswith(source)) and (reason is None or r.reason == reason)
        ]

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


class Simulator:
    """The clock. ``run(until=...)`` / ``run_for(seconds)`` advance it; nothing else does."""

    def __init__(self, seed: int = 0, strict: bool = False):
        self.seed = seed
        self.now: float = 0.0
        self._heap: list = []
        self._seq = itertools.count()
        self._rngs: dict[str, random.Random] = {}
        self.trace = Trace(self)
        # strict: an exception in a process propagates out of run() (useful in tests)
        self.strict = strict
        self.events_processed = 0
        # > 0 while the kernel runs events: a call made then is a component acting, not the user
        self.running = 0
        from .journal import Journal

        self.journal = Journal(self)

    # -- randomness: one named, seeded stream per component ------------------------------
    def rng(self, name: str) -> random.Random:
        """A random stream for ``name``, derived from the seed (stable across runs and
        independent of how many other streams exist or were used)."""
        r = self._rngs.get(name)
        if r is None:
            digest = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
            r = random.Random(int.from_bytes(digest[:8], "big"))
            self._rngs[name] = r
        return r

    # -- scheduling ------------------------------------------------------------------------
    def _push(self, when: float, priority: int, fn: Callable, args: tuple) -> Timer:
        t = Timer(when, fn, args)
        heapq.heappush(self._heap, (when, priority, next(self._seq), t))
        return t

    def call_at(self, when: float, fn: Callable, *args: Any) -> Timer:
        if when < self.now:
            raise ValueError(f"cannot schedule in the past ({when} < {self.now})")
        return self._push(when, NORMAL, fn, args)

    def call_later(self, delay: float, fn: Callable, *args: Any) -> Timer:
        if delay < 0:
            raise ValueError("delay must be >= 0")
        return self._push(self.now + delay, NORMAL, fn, args)

    def call_soon(self, fn: Callable, *args: Any) -> Timer:
        return self._push(self.now, NORMAL, fn, args)

    def every(self, period: float, fn: Callable, *args: Any, jitter: float = 0.0, rng: str | None = None):
        """Call ``fn`` every ``period`` seconds (first call after one period); returns a
        handle whose ``cancel()`` stops the loop. ``jitter`` adds up to that fraction."""
        handle = _Repeater(self, period, fn, args, jitter, self.rng(rng or f"every/{fn}") if jitter else None)
        return handle

    # -- events and processes --------------------------------------------------------------
    def event(self) -> Event:
        return Event(self)

    def timeout(self, delay: float, value: Any = None) -> Event:
        ev = Event(self)
        self.call_later(delay, ev.succeed, value)
        return ev

    def spawn(self, gen: Generator, name: str = "process") -> Process:
        return Process(self, gen, name)

    def all_of(self, events: Iterable[Event]) -> Event:
        """Fires with the list of values when every event has fired (fails on the first failure)."""
        events = list(events)
        done = Event(self)
        remaining = [len(events)]
        if not events:
            done.succeed([])
            return done

        def on_fire(ev: Event) -> None:
            if done.triggered:
                return
            if not ev.ok:
                ev.defused = True
                done.fail(ev.exception)
                return
            remaining[0] -= 1
            if remaining[0] == 0:
                done.succeed([e._value for e in events])

        for ev in events:
            ev.add_callback(on_fire)
        return done

    # -- running ---------------------------------------------------------------------------
    def peek(self) -> float:
        """Time of the next live event, or ``inf``."""
        while self._heap and self._heap[0][3].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else float("inf")

    def step(self) -> bool:
        """Run the next event. Returns False when nothing is left."""
        while self._heap:
            when, _, _, timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            self.now = when
            self.events_processed += 1
            self.running += 1
            try:
                timer.fn(*timer.args)
            finally:
                self.running -= 1
            return True
        return False

    def run(self, until: float | None = None, max_events: int | None = None) -> None:
        """Run events up to and including time ``until`` (absolute), then set the clock to it."""
        self.running += 1
        try:
            with _collector_tuned():
                self._run(until, max_events)
        finally:
            self.running -= 1

    def _run(self, until: float | None, max_events: int | None) -> None:
        n = 0
        heap = self._heap
        while heap:
            when, _, _, timer = heap[0]
            if until is not None and when > until:
                break
            heapq.heappop(heap)
            if timer.cancelled:
                continue
            self.now = when
            self.events_processed += 1
            timer.fn(*timer.args)
            n += 1
            if max_events is not None and n >= max_events:
                return
        if until is not None and until > self.now:
            self.now = until

    def run_for(self, seconds: float) -> None:
        self.run(until=self.now + seconds)

    def run_until(self, event: Event, limit: float | None = None) -> Any:
        """Run until ``event`` fires (or the clock passes ``now + limit``); return its value."""
        deadline = None if limit is None else self.now + limit
        self.running += 1
        try:
            with _collector_tuned():
                return self._run_until(event, deadline, limit)
        finally:
            self.running -= 1

    def _run_until(self, event: Event, deadline: float | None, limit: float | None) -> Any:
        while not event.triggered:
            nxt = self.peek()
            if nxt == float("inf") or (deadline is not None and nxt > deadline):
                if deadline is not None:
                    self.now = max(self.now, deadline)
                raise TimeoutError(f"event did not fire within {limit} simulated seconds")
            self.step()
        event.defused = True
        return event.value


# The loop allocates millions of short-lived objects (events, timers, messages) while
# holding a large long-lived state (etcd's history, caches). With CPython's default
# thresholds (700, 10, 10) the cyclic collector rescans that state again and again: about
# 40 % of a busy run. From the first run on, young garbage is collected less often and full
# collections rarely, for the rest of the process: putting the defaults back when run()
# returned made the next allocation pay for a collection of everything the run had
# allocated (issue 12: 2.4 ms per `apply`, 160 ms per busy `run`). Thresholds a user set
# higher are kept.
_RUN_GC_THRESHOLD = (200_000, 50, 1000)


@contextlib.contextmanager
def _collector_tuned():
    old = gc.get_threshold()
    new = tuple(max(a, b) for a, b in zip(old, _RUN_GC_THRESHOLD))
    if new != old:
        gc.set_threshold(*new)
    yield


class _Repeater:
    """Periodic callback (a ticker), cancellable; used for heartbeats, resyncs, lease renewals."""

    def __init__(self, sim: Simulator, period: float, fn: Callable, args: tuple, jitter: float, rng):
        self.sim, self.period, self.fn, self.args, self.jitter, self.rng = sim, period, fn, args, jitter, rng
        self.cancelled = False
        self._timer = sim.call_later(self._next_delay(), self._fire)

    def _next_delay(self) -> float:
        if self.rng is None:
            return self.period
        return self.period * (1 + self.jitter * self.rng.random())

    def _fire(self) -> None:
        if self.cancelled:
            return
        self.fn(*self.args)
        if not self.cancelled:
            self._timer = self.sim.call_later(self._next_delay(), self._fire)

    def cancel(self) -> None:
        self.cancelled = True
        self._timer.cancel()

"""Event recording (k8s.io/client-go/tools/record): components tell the story of what they
did as core/v1 Events.

Every event goes through an EventCorrelator (tools/record/events_cache.go) before it reaches
the API server:

- EventAggregator: more than ``maxEvents`` (10) events that differ only by message, about
  the same object from the same source within ``maxIntervalInSeconds`` (600 s) are
  combined into one event, "(combined from similar events): <the latest message>";
- eventLogger: an event seen before (same source, object, type, reason, message) is not
  created again but patched, with ``count`` + 1, a new ``lastTimestamp`` and its
  ``firstTimestamp`` kept;
- EventSourceObjectSpamFilter: a token bucket per source + object (burst 25, refilled at
  1 every 300 s); an event that finds it empty is dropped.

recordToSink / recordEvent (tools/record/event.go): a patch that finds the event gone turns
into a create; an answer from the server (a Status) is final; a request that did not reach it
is tried again after 10 s (the first wait randomised), 12 tries at most. The recorder sets
``reportingComponent`` / ``reportingInstance`` from its source, as generateEvent does.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from kubelab.api import errors
from kubelab.api.base import rfc3339
from kubelab.api.core import Event, EventSource, ObjectReference
from kubelab.api.meta import KubeObject, ObjectMeta

from .rest import APIClient

MAX_LRU_CACHE_ENTRIES = 4096  # maxLruCacheEntries
DEFAULT_AGGREGATE_MAX_EVENTS = 10  # defaultAggregateMaxEvents
DEFAULT_AGGREGATE_INTERVAL_SECONDS = 600  # defaultAggregateIntervalInSeconds
DEFAULT_SPAM_BURST = 25  # defaultSpamBurst
DEFAULT_SPAM_QPS = 1.0 / 300.0  # defaultSpamQPS
MAX_TRIES_PER_EVENT = 12  # event.go maxTriesPerEvent
SLEEP_DURATION = 10.0  # event.go defaultSleepDuration
_EPOCH_NANOS = 1_735_689_600 * 10**9  # the simulation's t=0 (2025-01-01T00:00:00Z) in Unix nanoseconds


def object_reference(obj: KubeObject, field_path: Optional[str] = None) -> ObjectReference:
    return ObjectReference(kind=obj.KIND, namespace=obj.metadata.namespace, name=obj.metadata.name,
                           uid=obj.metadata.uid, api_version=obj.api_version_str(),
                           resource_version=obj.metadata.resource_version, field_path=field_path)


def _src(ev: Event) -> tuple[str, str]:
    return (ev.source.component or "", ev.source.host or "") if ev.source else ("", "")


def _obj(ev: Event, field_path: bool = False) -> tuple:
    o = ev.involved_object
    base = (o.kind or "", o.namespace or "", o.name or "")
    return base + ((o.field_path or "",) if field_path else ()) + (o.uid or "", o.api_version or "")


def get_event_key(ev: Event) -> tuple:
    """getEventKey: source, involvedObject (with fieldPath), type, reason, message."""
    return _src(ev) + _obj(ev, field_path=True) + (ev.type or "", ev.reason or "", ev.message or "")


def get_spam_key(ev: Event) -> tuple:
    """getSpamKey: source and involvedObject."""
    return _src(ev) + _obj(ev)


def aggregator_by_reason(ev: Event) -> tuple[tuple, str]:
    """EventAggregatorByReasonFunc: (aggregate key, local key = the message)."""
    return (_src(ev) + _obj(ev) + (ev.type or "", ev.reason or "", ev.reporting_component or "",
                                   ev.reporting_instance or "")), ev.message or ""


def aggregator_message(ev: Event) -> str:
    """EventAggregatorByReasonMessageFunc."""
    return "(combined from similar events): " + (ev.message or "")


class _LRU(OrderedDict):
    """github.com/golang/groupcache/lru (k8s.io/utils/lru): the least recently used entry goes."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_(self, key):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None

    def add(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class TokenBucket:
    """flowcontrol.NewTokenBucketPassiveRateLimiterWithClock (golang.org/x/time/rate): starts
    full with ``burst`` tokens, refills at ``qps``; TryAccept takes one if there is one."""

    __slots__ = ("qps", "burst", "tokens", "last")  # one per source + object in every recorder

    def __init__(self, qps: float, burst: int, now: float):
        self.qps, self.burst = qps, burst
        self.tokens = float(burst)
        self.last = now

    def try_accept(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class EventSourceObjectSpamFilter:
    """events_cache.go EventSourceObjectSpamFilter: a token bucket per source + object."""

    def __init__(self, clock, burst: int = DEFAULT_SPAM_BURST, qps: float = DEFAULT_SPAM_QPS,
                 size: int = MAX_LRU_CACHE_ENTRIES):
        self.clock, self.burst, self.qps = clock, burst, qps
        self.cache = _LRU(size)

    def filter(self, ev: Event) -> bool:
        """True: drop the event."""
        key = get_spam_key(ev)
        bucket = self.cache.get_(key)
        if bucket is None:
            bucket = TokenBucket(self.qps, self.burst, self.clock())
        drop = not bucket.try_accept(self.clock())
        self.cache.add(key, bucket)
        return drop


class EventAggregator:
    """events_cache.go EventAggregator: similar events (differing only by message) within the
    interval are counted by message; at ``max_events`` distinct messages the event becomes the
    combined one, correlated under the aggregate key."""

    def __init__(self, clock, max_events: int = DEFAULT_AGGREGATE_MAX_EVENTS,
                 max_interval: float = DEFAULT_AGGREGATE_INTERVAL_SECONDS, size: int = MAX_LRU_CACHE_ENTRIES):
        self.clock, self.max_events, self.max_interval = clock, max_events, max_interval
        # aggregate key -> (local keys, last timestamp): aggregateRecord. The local keys are
        # one str while there is one (most records: every kubelet keeps one per pod and
        # reason, and an empty set alone is 216 bytes), a set from the second on.
        self.cache = _LRU(size)
        self.names = 0  # keeps names of events made in one instant apart

    def aggregate(self, ev: Event) -> tuple[Event, tuple]:
        now = self.clock()
        event_key = get_event_key(ev)
        agg_key, local_key = aggregator_by_reason(ev)
        record = self.cache.get_(agg_key)
        if record is None or now - record[1] > self.max_interval:
            keys = local_key
        else:
            keys = record[0]
            if type(keys) is str:
                keys = keys if keys == local_key else {keys, local_key}
            else:
                keys.add(local_key)
        self.cache.add(agg_key, (keys, now))
        if (1 if type(keys) is str else len(keys)) < self.max_events:
            return ev, event_key
        # do not grow the local key set any larger than max (PopAny: here the smallest, to stay deterministic)
        if type(keys) is str:  # (max_events 1: the one key goes)
            self.cache.add(agg_key, (set(), now))
        else:
            keys.discard(min(keys))
        self.names += 1
        combined = Event(
            metadata=ObjectMeta(name=f"{ev.involved_object.name}.{_EPOCH_NANOS + int(now * 1e9) + self.names:x}",
                                namespace=ev.metadata.namespace),
            count=1, first_timestamp=rfc3339(now), last_timestamp=rfc3339(now),
            involved_object=ev.involved_object, message=aggregator_message(ev), type=ev.type, reason=ev.reason,
            source=ev.source)  # as upstream: no reportingComponent/Instance on the combined event
        return combined, agg_key


class EventLogger:
    """events_cache.go eventLogger: an event seen before becomes a patch of the first one."""

    def __init__(self, clock, size: int = MAX_LRU_CACHE_ENTRIES):
        self.clock = clock
        self.cache = _LRU(size)  # key -> (count, firstTimestamp, name, resourceVersion)

    def observe(self, ev: Event, key: tuple) -> tuple[Event, Optional[dict[str, Any]]]:
        event = ev.copy_deep()
        patch = None
        last = self.cache.get_(key)
        if last is not None and last[0] > 0:
            count, first, name, rv = last
            event.metadata.name, event.metadata.resource_version = name, rv
            event.first_timestamp, event.count = first, count + 1
            # CreateTwoWayMergePatch against a copy with count 0, lastTimestamp 1970, message ""
            patch = {"count": event.count, "lastTimestamp": event.last_timestamp, "message": event.message}
        self.cache.add(key, (event.count or 0, event.first_timestamp, event.metadata.name,
                             event.metadata.resource_version))
        return event, patch

    def update_state(self, ev: Event) -> None:
        self.cache.add(get_event_key(ev), (ev.count or 0, ev.first_timestamp, ev.metadata.name,
                                           ev.metadata.resource_version))


class EventCorrelator:
    """events_cache.go EventCorrelator: aggregate, count, then filter spam."""

    def __init__(self, clock, burst: int = DEFAULT_SPAM_BURST, qps: float = DEFAULT_SPAM_QPS,
                 max_events: int = DEFAULT_AGGREGATE_MAX_EVENTS,
                 max_interval: float = DEFAULT_AGGREGATE_INTERVAL_SECONDS):
        self.aggregator = EventAggregator(clock, max_events, max_interval)
        self.logger = EventLogger(clock)
        self.spam_filter = EventSourceObjectSpamFilter(clock, burst, qps)

    def correlate(self, ev: Event) -> tuple[Optional[Event], Optional[dict[str, Any]]]:
        """EventCorrelate: (event to write, patch or None); (None, None) when it is dropped."""
        aggregated, key = self.aggregator.aggregate(ev)
        observed, patch = self.logger.observe(aggregated, key)
        if self.spam_filter.filter(observed):
            return None, None
        return observed, patch

    def update_state(self, ev: Event) -> None:
        self.logger.update_state(ev)


class EventRecorder:
    def __init__(self, client: APIClient, component: str, host: Optional[str] = None,
                 correlator: Optional[EventCorrelator] = None):
        self.client = client
        self.component = component
        self.host = host
        sim = client.sim
        self.correlator = correlator or EventCorrelator(lambda: sim.now)
        self._rng = sim.rng(f"record/{component}/{host or ''}")
        self.recorded = 0  # events handed to the recorder
        self.dropped = 0  # ...of which the spam filter dropped

    def event(self, obj: KubeObject, type_: str, reason: str, message: str, field_path: Optional[str] = None) -> None:
        """Record an event about ``obj`` (fire and forget, as client-go's recorder)."""
        self.recorded += 1
        now = self.client.sim.now
        ref = object_reference(obj, field_path)
        # record/event.go makeEvent: name "<object name>.<unix nanos in hex>", namespace default
        # for cluster-scoped objects; generateEvent sets the source and the reporting fields
        nanos = int(now * 1e9) + self.recorded  # the counter keeps names unique within a tick
        ev = Event(
            metadata=ObjectMeta(name=f"{ref.name}.{(nanos + _EPOCH_NANOS):x}", namespace=ref.namespace or "default"),
            involved_object=ref, reason=reason, message=message,
            source=EventSource(component=self.component, host=self.host),
            first_timestamp=rfc3339(now), last_timestamp=rfc3339(now), count=1, type=type_,
            reporting_component=self.component, reporting_instance=self.host or "",
        )
        out, patch = self.correlator.correlate(ev)
        if out is None:
            self.dropped += 1
            return
        self._record(out, patch, 0)

    # -- event.go recordToSink / recordEvent ------------------------------------------------------
    def _record(self, ev: Event, patch: Optional[dict], tries: int) -> None:
        ns = ev.metadata.namespace
        if (ev.count or 0) > 1 and patch is not None:
            req = self.client.patch("events", ev.metadata.name, ns, patch, patch_type="strategic")
            req.add_callback(lambda e: self._answered(e, ev, patch, tries, True))
        else:
            self._create(ev, patch, tries)

    def _create(self, ev: Event, patch: Optional[dict], tries: int) -> None:
        new = ev.copy_deep()
        new.metadata.resource_version = None  # "Making sure that ResourceVersion is empty on creation"
        req = self.client.create(new, new.metadata.namespace)
        req.add_callback(lambda e: self._answered(e, ev, patch, tries, False))

    def _answered(self, e, ev: Event, patch: Optional[dict], tries: int, patched: bool) -> None:
        e.defused = True
        if e.ok:
            self.correlator.update_state(e.value)
            return
        exc = e.exception
        if isinstance(exc, errors.StatusError):
            if patched and errors.is_not_found(exc):
                self._create(ev, patch, tries)  # the event was removed: create it again
            return  # the server answered: "will not retry"
        tries += 1
        if tries >= MAX_TRIES_PER_EVENT:
            return  # "retry limit exceeded"
        delay = SLEEP_DURATION * (self._rng.random() if tries == 1 else 1.0)
        self.client.sim.call_later(delay, self._record, ev, patch, tries)


# ----------------------------------------------------------------------------- tools/events

FINISH_TIME = 6 * 60.0  # tools/events/event_broadcaster.go finishTime
REFRESH_TIME = 30 * 60.0  # refreshTime


def _ref_key(ref: Optional[ObjectReference]) -> tuple:
    if ref is None:
        return ()
    return (ref.kind, ref.namespace, ref.name, ref.uid, ref.api_version, ref.resource_version, ref.field_path)


def _ref(key: tuple) -> ObjectReference:
    """The ObjectReference ``_ref_key`` was made from (object_reference sets all seven fields)."""
    kind, namespace, name, uid, api_version, resource_version, field_path = key
    return ObjectReference(kind=kind, namespace=namespace, name=name, uid=uid, api_version=api_version,
                           resource_version=resource_version, field_path=field_path)


class EventsRecorder:
    """k8s.io/client-go/tools/events: the events.k8s.io/v1 recorder (kube-scheduler's). An event
    has ``eventTime``, ``reportingController``, ``reportingInstance`` (``<controller>-<hostname>``,
    NewRecorder), ``action``, ``regarding``/``related`` and a ``note``; no source, count or
    first/last timestamps. The API server stores it as the core/v1 Event it converts to.

    An isomorphic event (same action, reason, reportingController, regarding, related, note)
    seen again becomes a series: the second occurrence patches ``series: {count: 2,
    lastObservedTime}``; later ones only count in the recorder's cache, written every 30 min
    (refreshExistingEventSeries) and once more when the series has been quiet for 6 min
    (finishSeries), which also forgets singletons older than 6 min."""

    def __init__(self, client: APIClient, reporting_controller: str, hostname: Optional[str] = None):
        self.client = client
        self.reporting_controller = reporting_controller
        self.reporting_instance = f"{reporting_controller}-{hostname or ''}"
        sim = client.sim
        self._rng = sim.rng(f"events/{self.reporting_instance}")
        self._cache: dict[tuple, list] = {}  # isomorphic key -> [name, namespace, eventTime, type, series]
        self.recorded = 0
        self._timers = [sim.every(REFRESH_TIME, self._refresh_existing_event_series),
                        sim.every(FINISH_TIME, self._finish_series)]

    def stop(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers = []

    def eventf(self, regarding: KubeObject, related: Optional[KubeObject], type_: str, reason: str, action: str,
               note: str) -> None:
        """recorder.go Eventf / makeEvent."""
        from kubelab.api.base import rfc3339_micro

        self.recorded += 1
        now = self.client.sim.now
        ref = object_reference(regarding)
        rel = object_reference(related) if related is not None else None
        nanos = int(now * 1e9) + self.recorded
        ev = Event(metadata=ObjectMeta(name=f"{ref.name}.{(nanos + _EPOCH_NANOS):x}", namespace=ref.namespace or "default"),
                   event_time=rfc3339_micro(now), reporting_component=self.reporting_controller,
                   reporting_instance=self.reporting_instance, action=action, reason=reason, involved_object=ref,
                   related=rel, message=note, type=type_, source=EventSource())
        # event_broadcaster.go recordToSink
        key = (action, reason, self.reporting_controller, _ref_key(ref), note, _ref_key(rel))
        cached = self._cache.get(key)
        if cached is not None:
            if cached[4] is not None:
                cached[4] = {"count": int(cached[4]["count"]) + 1, "lastObservedTime": rfc3339_micro(now)}
                return
            cached[4] = {"count": 2, "lastObservedTime": rfc3339_micro(now)}
            self._attempt(self._event(key, cached), 0)
            return
        self._cache[key] = [ev.metadata.name, ev.metadata.namespace, ev.event_time, type_, None]
        self._attempt(ev, 0)

    def _event(self, key: tuple, cached: list) -> Event:
        """The cached event, made again from its key and [name, namespace, eventTime, type,
        series]: the cache holds those plain values, not an Event (the scheduler writes one
        event per pod, kept 6 minutes)."""
        action, reason, controller, regarding, note, related = key
        ev = Event(metadata=ObjectMeta(name=cached[0], namespace=cached[1]), event_time=cached[2],
                   reporting_component=controller, reporting_instance=self.reporting_instance, action=action,
                   reason=reason, involved_object=_ref(regarding), related=_ref(related) if related else None,
                   message=note, type=cached[3], source=EventSource())
        if cached[4] is not None:
            ev.series = dict(cached[4])
        return ev

    # -- recordEvent / attemptRecording ------------------------------------------------------------
    def _attempt(self, ev: Event, tries: int) -> None:
        if ev.series is not None:
            # createPatchBytesForSeries: only the series differs from the event without one
            req = self.client.patch("events", ev.metadata.name, ev.metadata.namespace, {"series": dict(ev.series)},
                                    patch_type="strategic")
            req.add_callback(lambda e: self._answered(e, ev, tries, True))
        else:
            self._create(ev, tries)

    def _create(self, ev: Event, tries: int) -> None:
        new = ev.copy_deep()
        new.metadata.resource_version = None  # "Making sure that ResourceVersion is empty on creation"
        self.client.create(new, new.metadata.namespace).add_callback(lambda e: self._answered(e, ev, tries, False))

    def _answered(self, e, ev: Event, tries: int, patched: bool) -> None:
        e.defused = True
        if e.ok:
            return
        exc = e.exception
        if isinstance(exc, errors.StatusError):
            if patched and errors.is_not_found(exc):
                self._create(ev, tries)  # the event was removed: create it again
            return  # the server answered: no retry
        tries += 1
        if tries >= MAX_TRIES_PER_EVENT:
            return
        delay = SLEEP_DURATION * (self._rng.random() if tries == 1 else 1.0)
        self.client.sim.call_later(delay, self._attempt, ev, tries)

    def _refresh_existing_event_series(self) -> None:
        """Every 30 min: write the current count of every series."""
        for key, cached in list(self._cache.items()):
            if cached[4] is not None:
                self._attempt(self._event(key, cached), MAX_TRIES_PER_EVENT - 1)  # one attempt each time

    def _finish_series(self) -> None:
        """Every 6 min: a series quiet for 6 min is written a last time and forgotten; so is a
        singleton older than 6 min."""
        from kubelab.api.base import parse_time

        now = self.client.sim.now
        for key, cached in list(self._cache.items()):
            series = cached[4]
            if series is not None:
                last = parse_time(series.get("lastObservedTime"))
                if last is not None and last < now - FINISH_TIME:
                    self._cache.pop(key, None)
                    self._attempt(self._event(key, cached), MAX_TRIES_PER_EVENT - 1)
            elif (parse_time(cached[2]) or 0.0) < now - FINISH_TIME:
                self._cache.pop(key, None)

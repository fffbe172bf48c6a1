"""The event recorder components write core/v1 Events with.

upstream: staging/src/k8s.io/client-go/tools/record/events_cache.go (EventCorrelator:
EventAggregator, eventLogger, EventSourceObjectSpamFilter) and tools/record/event.go
(makeEvent, generateEvent's reportingController/reportingInstance, recordToSink/recordEvent),
pkg/apis/events/v1/conversion.go for the events.k8s.io/v1 view.
"""

from __future__ import annotations

from kubelab.api.base import parse_time
from kubelab.api.events import to_v1
from kubelab.client.record import EventCorrelator, EventRecorder, EventsRecorder, TokenBucket

from .world import World


def cm(w, name="cfg"):
    return w.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})


def recorder(w, component="test-controller", host=None):
    return EventRecorder(w.client, component, host)


def test_the_same_event_again_is_a_patch_with_count_and_last_timestamp():
    """upstream: events_cache.go eventLogger.eventObserve — name and firstTimestamp of the first,
    count + 1, lastTimestamp now; event.go recordEvent patches instead of creating."""
    w = World()
    obj = cm(w)
    rec = recorder(w)
    rec.event(obj, "Normal", "Synced", "config synced")
    w.run(5)
    rec.event(obj, "Normal", "Synced", "config synced")
    w.run(5)
    rec.event(obj, "Normal", "Synced", "config synced")
    w.run(1)
    [ev] = w.events("Synced")
    assert ev.count == 3
    assert parse_time(ev.first_timestamp) < parse_time(ev.last_timestamp)
    assert parse_time(ev.last_timestamp) - parse_time(ev.first_timestamp) == 10
    assert ev.metadata.name.startswith("cfg.")
    # a different message is a different event
    rec.event(obj, "Normal", "Synced", "config synced again")
    w.run(1)
    assert sorted(e.count for e in w.events("Synced")) == [1, 3]


def test_reporting_component_and_instance_come_from_the_source():
    """upstream: tools/record/event.go generateEvent (ReportingController = source.Component,
    ReportingInstance = source.Host), makeEvent (namespace default for cluster-scoped objects)."""
    w = World()
    node = w.get("Node", "n1", None)
    EventRecorder(w.client, "kubelet", "n1").event(node, "Normal", "Starting", "Starting kubelet.")
    w.run(1)
    [ev] = w.events("Starting")
    assert (ev.source.component, ev.source.host) == ("kubelet", "n1")
    assert (ev.reporting_component, ev.reporting_instance) == ("kubelet", "n1")
    assert ev.metadata.namespace == "default" and ev.involved_object.kind == "Node"
    # the events.k8s.io/v1 view of the same stored Event
    v1 = to_v1(ev.model_dump(by_alias=True, exclude_none=True))
    assert v1["reportingController"] == "kubelet" and v1["reportingInstance"] == "n1"
    assert v1["note"] == "Starting kubelet." and v1["regarding"]["name"] == "n1"
    assert v1["deprecatedCount"] == 1 and v1["deprecatedSource"] == {"component": "kubelet", "host": "n1"}


def test_more_than_ten_similar_messages_are_combined():
    """upstream: events_cache.go EventAggregator — the 10th distinct message within 10 minutes
    (same source, object, type, reason) becomes "(combined from similar events): <msg>", and
    later ones count on that combined event."""
    w = World()
    obj = cm(w)
    rec = recorder(w)
    for i in range(12):
        rec.event(obj, "Warning", "FailedSync", f"attempt {i} failed")
        w.run(1)
    evs = w.events("FailedSync")
    plain = [e for e in evs if not e.message.startswith("(combined")]
    combined = [e for e in evs if e.message.startswith("(combined")]
    assert [e.message for e in plain] == [f"attempt {i} failed" for i in range(9)]
    assert len(combined) == 1
    assert combined[0].message == "(combined from similar events): attempt 11 failed"
    assert combined[0].count == 3
    assert combined[0].reporting_component is None  # the combined copy does not carry them


def test_aggregation_restarts_after_ten_quiet_minutes():
    """upstream: events_cache.go EventAggregate — a record older than maxIntervalInSeconds (600)
    starts afresh."""
    w = World()
    obj = cm(w)
    rec = recorder(w)
    for i in range(9):
        rec.event(obj, "Warning", "FailedSync", f"attempt {i}")
    w.run(601)
    rec.event(obj, "Warning", "FailedSync", "attempt 9")
    w.run(1)
    assert not [e for e in w.events("FailedSync") if e.message.startswith("(combined")]


def test_spam_filter_allows_a_burst_of_25_then_one_every_5_minutes():
    """upstream: events_cache.go EventSourceObjectSpamFilter (defaultSpamBurst 25,
    defaultSpamQPS 1/300) keyed by source + object."""
    w = World()
    obj, other = cm(w), cm(w, "other")
    rec = recorder(w)
    for i in range(30):
        rec.event(obj, "Normal", f"Reason{i}", "x")  # distinct reasons: no aggregation
    w.run(1)
    assert rec.dropped == 5
    assert len([e for e in w.events() if e.involved_object.name == "cfg"]) == 25
    rec.event(other, "Normal", "Reason0", "x")  # another object has its own bucket
    w.run(298)
    rec.event(obj, "Normal", "Late", "x")  # 299 s on: not yet a whole token
    assert rec.dropped == 6
    w.run(2)  # 301 s on: one token
    rec.event(obj, "Normal", "Later", "x")
    rec.event(obj, "Normal", "TooSoon", "x")
    w.run(1)
    assert rec.dropped == 7
    names = {e.reason for e in w.events() if e.involved_object.name in ("cfg", "other")}
    assert "Later" in names and "Late" not in names and "TooSoon" not in names and "Reason0" in names


def test_token_bucket_refills_at_qps_up_to_burst():
    """upstream: client-go/util/flowcontrol NewTokenBucketPassiveRateLimiterWithClock."""
    b = TokenBucket(qps=1.0, burst=2, now=0.0)
    assert [b.try_accept(0.0) for _ in range(3)] == [True, True, False]
    assert b.try_accept(0.5) is False and b.try_accept(1.0) is True
    assert [b.try_accept(100.0) for _ in range(3)] == [True, True, False]


def test_a_patch_that_finds_the_event_gone_creates_it_again():
    """upstream: tools/record/event.go recordEvent — IsKeyNotFoundError on the patch: create."""
    w = World()
    obj = cm(w)
    rec = recorder(w)
    rec.event(obj, "Normal", "Synced", "ok")
    w.run(1)
    [ev] = w.events("Synced")
    w.call(w.client.delete("Event", ev.metadata.name, "default"))
    rec.event(obj, "Normal", "Synced", "ok")
    w.run(1)
    [again] = w.events("Synced")
    assert again.metadata.name == ev.metadata.name and again.count == 2


def test_correlator_defaults():
    """upstream: events_cache.go NewEventCorrelator defaults."""
    c = EventCorrelator(lambda: 0.0)
    assert (c.aggregator.max_events, c.aggregator.max_interval) == (10, 600)
    assert (c.spam_filter.burst, c.spam_filter.qps) == (25, 1 / 300)


def test_events_v1_recorder_series_patch_then_counts_then_finishes():
    """upstream: staging/src/k8s.io/client-go/tools/events/event_broadcaster.go (recordToSink:
    an isomorphic event makes a series, count 2 patched, later ones only cached;
    finishSeries every 6 min writes the final count) and recorder.go makeEvent."""
    w = World()
    obj = cm(w)
    rec = EventsRecorder(w.client, "default-scheduler", "master-1")
    rec.eventf(obj, None, "Warning", "FailedScheduling", "Scheduling", "0/3 nodes are available")
    w.run(1)
    [ev] = w.events("FailedScheduling")
    assert (ev.reporting_component, ev.reporting_instance, ev.action) == (
        "default-scheduler", "default-scheduler-master-1", "Scheduling")
    assert ev.event_time and ev.first_timestamp is None and ev.count is None and ev.series is None
    assert not (ev.source.component or ev.source.host)
    v1 = to_v1(ev.model_dump(by_alias=True, exclude_none=True))
    assert v1["note"] == "0/3 nodes are available" and v1["regarding"]["name"] == "cfg"
    for _ in range(3):
        rec.eventf(obj, None, "Warning", "FailedScheduling", "Scheduling", "0/3 nodes are available")
        w.run(10)
    [ev] = w.events("FailedScheduling")
    assert ev.series["count"] == 2  # the 3rd and 4th only counted in the recorder
    w.run(12 * 60)  # quiet for 6 min, then the next finishSeries pass writes the final count
    [ev] = w.events("FailedScheduling")
    assert ev.series["count"] == 4
    assert round(parse_time(ev.series["lastObservedTime"]) - parse_time(ev.event_time)) == 21  # the 4th, 1 + 10 + 10 s on


def test_the_scheduler_writes_events_k8s_io_events():
    """upstream: pkg/scheduler/schedule_one.go (FailedScheduling with action Scheduling) through
    tools/events NewRecorder (reportingInstance ``default-scheduler-<hostname>``)."""
    import kubelab as kl

    c = kl.Cluster(masters=1, seed=4)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
             "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "resources": {"requests": {"cpu": "64"}}}]}})
    c.run(seconds=30)
    [ev] = [e for e in c.api.events() if e.reason == "FailedScheduling"]
    assert (ev.action, ev.reporting_component) == ("Scheduling", "default-scheduler")
    assert ev.reporting_instance.startswith("default-scheduler-") and ev.event_time and ev.count is None
    out = str(c.kubectl("describe pod big"))
    assert "Warning  FailedScheduling  " in out and "  default-scheduler  0/2 nodes are available" in out


def test_events_v1_series_event_is_the_first_one_again_with_its_series():
    """upstream: client-go tools/events/event_broadcaster.go recordToSink keeps the event in its
    eventCache and patches that event's series. kubelab's cache holds the event's plain values
    (the scheduler writes one per pod, cached 6 min): the series patch must still reach the
    same event, unchanged but for the series."""
    w = World()
    obj = cm(w)
    rec = EventsRecorder(w.client, "default-scheduler", "master-1")
    rec.eventf(obj, None, "Normal", "Scheduled", "Binding", "Successfully assigned default/cfg")
    w.run(1)
    [first] = w.events("Scheduled")
    assert all(type(v) is list for v in rec._cache.values())  # no Event models kept
    rec.eventf(obj, None, "Normal", "Scheduled", "Binding", "Successfully assigned default/cfg")
    w.run(1)
    [again] = w.events("Scheduled")
    assert again.series["count"] == 2 and first.series is None
    skip = {"series", "metadata"}
    assert again.model_dump(exclude=skip) == first.model_dump(exclude=skip)
    assert (again.metadata.name, again.metadata.uid) == (first.metadata.name, first.metadata.uid)

"""events.k8s.io/v1 Event: the same stored objects as core/v1 Events, in the newer shape
(k8s.io/api/events/v1/types.go). kube-apiserver stores one internal Event and converts on the
way in and out (pkg/apis/events/v1/conversion.go):

====================  ==========================
events.k8s.io/v1      core/v1
====================  ==========================
regarding             involvedObject
note                  message
reportingController   reportingComponent
reportingInstance     reportingInstance
deprecatedSource      source
deprecatedFirstTimestamp  firstTimestamp
deprecatedLastTimestamp   lastTimestamp
deprecatedCount       count
====================  ==========================

``eventTime``, ``series``, ``action``, ``reason``, ``related`` and ``type`` keep their names.
The kind is not in the scheme's storage: the API server keeps core/v1 Events, and the HTTPS
front door converts.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from pydantic import Field

from .base import K8sModel
from .core import EventSource, ObjectReference
from .meta import KubeObject

__all__ = ["EventsV1Event", "EventSeries", "to_v1", "from_v1", "V1_FIELD_LABELS"]


class EventSeries(K8sModel):
    count: Optional[int] = None
    last_observed_time: Optional[str] = None


class EventsV1Event(KubeObject):
    """events.k8s.io/v1 Event."""

    GROUP: ClassVar[str] = "events.k8s.io"
    VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "Event"
    RESOURCE: ClassVar[str] = "events"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("ev",)

    event_time: Optional[str] = None
    series: Optional[EventSeries] = None
    reporting_controller: Optional[str] = None
    reporting_instance: Optional[str] = None
    action: Optional[str] = None
    reason: Optional[str] = None
    regarding: ObjectReference = Field(default_factory=ObjectReference)
    related: Optional[ObjectReference] = None
    note: Optional[str] = None
    type: Optional[str] = None
    deprecated_source: Optional[EventSource] = None
    deprecated_first_timestamp: Optional[str] = None
    deprecated_last_timestamp: Optional[str] = None
    deprecated_count: Optional[int] = None


# (v1 name, core name): the renamed fields; the rest keep their names
_RENAMED = (("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
            ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"))
_SAME = ("metadata", "eventTime", "series", "reportingInstance", "action", "reason", "related", "type")
# field selectors events.k8s.io/v1 accepts, and the core labels they mean
# (AddFieldLabelConversionsForEvent in pkg/apis/events/v1/conversion.go)
V1_FIELD_LABELS = {
    "metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace", "reason": "reason",
    "regarding.kind": "involvedObject.kind", "regarding.namespace": "involvedObject.namespace",
    "regarding.name": "involvedObject.name", "regarding.uid": "involvedObject.uid",
    "regarding.apiVersion": "involvedObject.apiVersion", "regarding.resourceVersion": "involvedObject.resourceVersion",
    "regarding.fieldPath": "involvedObject.fieldPath", "reportingController": "reportingComponent", "type": "type",
}


def to_v1(core: dict[str, Any]) -> dict[str, Any]:
    """A core/v1 Event (as a dict) in the events.k8s.io/v1 shape."""
    out: dict[str, Any] = {"kind": "Event", "apiVersion": "events.k8s.io/v1"}
    for k in _SAME:
        if core.get(k) is not None:
            out[k] = core[k]
    for v1, c in _RENAMED:
        if core.get(c) is not None:
            out[v1] = core[c]
    if isinstance(out.get("series"), dict):
        out["series"] = {k: v for k, v in out["series"].items() if k in ("count", "lastObservedTime")}
    out.setdefault("eventTime", None)  # MicroTime without omitempty: null when unset
    return out


def from_v1(v1: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 Event (as a dict) as the core/v1 Event the API server stores."""
    out: dict[str, Any] = {"kind": "Event", "apiVersion": "v1"}
    for k in _SAME:
        if v1.get(k) is not None:
            out[k] = v1[k]
    for new, c in _RENAMED:
        if v1.get(new) is not None:
            out[c] = v1[new]
    return out

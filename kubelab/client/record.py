"""Event recording (k8s.io/client-go/tools/record): components tell the story of what they
did as core/v1 Events; repeats of the same event are aggregated into a count, as the
EventCorrelator does."""

from __future__ import annotations

from typing import Optional

from kubelab.api.base import rfc3339
from kubelab.api.core import Event, EventSource, ObjectReference
from kubelab.api.meta import KubeObject, ObjectMeta

from .rest import APIClient


def object_reference(obj: KubeObject, field_path: Optional[str] = None) -> ObjectReference:
    return ObjectReference(kind=obj.KIND, namespace=obj.metadata.namespace, name=obj.metadata.name,
                           uid=obj.metadata.uid, api_version=obj.api_version_str(),
                           resource_version=obj.metadata.resource_version, field_path=field_path)


class EventRecorder:
    def __init__(self, client: APIClient, component: str, host: Optional[str] = None):
        self.client = client
        self.component = component
        self.host = host
        # aggregation key -> (event name, namespace, count)
        self._seen: dict[tuple, list] = {}
        self.recorded = 0

    def event(self, obj: KubeObject, type_: str, reason: str, message: str, field_path: Optional[str] = None) -> None:
        """Record an event about ``obj`` (fire and forget, as client-go's recorder)."""
        self.recorded += 1
        sim = self.client.sim
        now = sim.now
        ns = obj.metadata.namespace or "default"
        ref = object_reference(obj, field_path)
        key = (ref.kind, ns, ref.name, ref.uid, type_, reason, message)
        seen = self._seen.get(key)
        if seen is not None:
            name, count = seen
            seen[1] = count + 1
            patch = {"count": count + 1, "lastTimestamp": rfc3339(now)}
            ev = self.client.patch("events", name, ns, patch, patch_type="merge")
            ev.add_callback(_ignore)
            return
        # record/event.go makeEvent: name is "<object name>.<unix nanos in hex>"
        nanos = int(now * 1e9) + self.recorded  # the counter keeps names unique within a tick
        name = f"{ref.name}.{(nanos + 1_735_689_600 * 10**9):x}"
        self._seen[key] = [name, 1]
        event = Event(
            metadata=ObjectMeta(name=name, namespace=ns),
            involved_object=ref,
            reason=reason,
            message=message,
            source=EventSource(component=self.component, host=self.host),
            first_timestamp=rfc3339(now),
            last_timestamp=rfc3339(now),
            count=1,
            type=type_,
            reporting_component=self.component,
            reporting_instance=self.host or "",
        )
        self.client.create(event, ns).add_callback(_ignore)


def _ignore(ev) -> None:
    ev.defused = True

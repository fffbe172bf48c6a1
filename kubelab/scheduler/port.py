"""The scheduler's one port to the world outside its memory.

Upstream the scheduling framework reaches the cluster through what its ``framework.Handle``
hands out: ``ClientSet()`` (the DefaultBinder POSTs ``pods/binding``; the failure handler
patches the PodScheduled condition and ``nominatedNodeName``, pkg/scheduler/util.PatchPodStatus
and ClearNominatedNodeName; the preemption Evaluator's PreemptPod marks a victim with a
DisruptionTarget condition and deletes it), ``EventRecorder()`` (events.EventRecorder) and
``SharedInformerFactory()`` (the listers, and the Pod / Node event handlers that feed the
cache and the queue). :class:`SchedulerPort` is that surface, in one small protocol, with
two implementations:

* :class:`APIServerPort` — a kube-scheduler on a cluster: everything goes through
  :mod:`kubelab.client` (informers, REST verbs, the event recorder, leader election);
* :class:`InMemoryPort` — the scheduler alone (tests, ``benchmarks/bench_scheduler.py``):
  the caller feeds nodes and pods with ``Scheduler.add_node`` / ``add_pod``; a binding or a
  preemption takes effect at once in the scheduler's own cache, as if an API server had
  answered and the informer had delivered the change in the same instant.

The scheduler never asks which one it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, runtime_checkable

from kubelab.api.base import rfc3339
from kubelab.client import APIClient, EventsRecorder, LeaderElector, SharedInformerFactory

from .framework import interface as ep

if TYPE_CHECKING:
    from kubelab.sim.kernel import Event

    from .framework.types import PodInfo
    from .scheduler import Scheduler

COMPONENT = "default-scheduler"  # the reportingController / source of its events
# the action each event's Eventf names (schedule_one.go: Scheduled/"Binding",
# FailedScheduling/"Scheduling"; defaultpreemption: Preempted/"Preempting")
EVENT_ACTIONS = {"Scheduled": "Binding", "FailedScheduling": "Scheduling", "Preempted": "Preempting"}
LEASE_NAME = "kube-scheduler"
# the kinds the scheduler's informers watch (pkg/scheduler/eventhandlers.go addAllEventHandlers,
# plus the listers the default plugins read)
INFORMER_KINDS = ("Node", "Pod", "PodDisruptionBudget", "Service", "ReplicaSet", "StatefulSet", "Namespace",
                  "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "CSINode")
# storage events that may make an unschedulable pod schedulable (the volume plugins'
# EventsToRegister), by informer kind: (on add, on update)
_STORAGE_EVENTS = {"PersistentVolumeClaim": (ep.PVC_ADD, ep.PVC_UPDATE), "PersistentVolume": (ep.PV_ADD, ep.PV_UPDATE),
                   "StorageClass": (ep.SC_ADD, None), "CSINode": (ep.CSINODE_ADD, ep.CSINODE_UPDATE)}


@runtime_checkable
class SchedulerPort(Protocol):
    """What the scheduler does to the outside world, and how the outside world feeds it."""

    host: Optional[str]  # the machine the scheduler runs on (the events' ``source.host``)

    # -- being fed (SharedInformerFactory) ----------------------------------------------
    def attach(self, sched: "Scheduler") -> None:
        """The scheduler this port feeds (its Pod / Node event handlers, its cache)."""

    def start(self) -> None:
        """The scheduler process starts: begin delivering Pod / Node events to it."""

    def stop(self) -> None:
        """The scheduler process stops: no more events."""

    def wait_for_sync(self) -> Optional["Event"]:
        """``None`` when the caches are synced, else an event that fires once they are
        (WaitForCacheSync before the first scheduling cycle)."""

    def list(self, kind: str) -> list:
        """Objects of a kind from the listers (PodDisruptionBudget, Service, ...)."""

    def leader_elector(self, identity: str, on_started_leading: Callable[[], None],
                       on_stopped_leading: Callable[[], None]) -> Optional[Any]:
        """A leader elector on the ``kube-system/kube-scheduler`` Lease, or ``None`` where
        there is nobody to elect against (then the scheduler leads at once)."""

    # -- acting (ClientSet, EventRecorder) ----------------------------------------------
    def bind(self, pinfo: "PodInfo", node_name: str) -> Optional["Event"]:
        """DefaultBinder: POST ``pods/<name>/binding``; an event when the answer comes later."""

    def update_pod_scheduled(self, pinfo: "PodInfo", reason: str, message: str,
                             nominated_node_name: Optional[str]) -> None:
        """handleSchedulingFailure's updatePod: PodScheduled=False with a reason, and the
        nominated node when preemption chose one."""

    def set_nominated_node_name(self, pinfo: "PodInfo", node_name: str) -> None:
        """util.ClearNominatedNodeName (``""``) or a new nomination."""

    def preempt_pod(self, victim: "PodInfo", message: str) -> None:
        """preemption Evaluator.PreemptPod: a DisruptionTarget condition, then delete."""

    def event(self, obj: Any, type_: str, reason: str, message: str) -> None:
        """events.EventRecorder.Eventf."""

    def annotate(self, obj: Any, key: str, value: str) -> None:
        """Set one annotation on an object (VolumeBinding's PreBind writes
        ``volume.kubernetes.io/selected-node`` on a claim)."""


class InMemoryPort:
    """The scheduler alone: no API server, no informers; what it does takes effect at once
    in its own cache, and the objects plugins list are the ones given to ``add_object``."""

    host: Optional[str] = None

    def __init__(self) -> None:
        self._sched: Optional["Scheduler"] = None
        self._objects: dict[str, dict[str, Any]] = {}

    def attach(self, sched: "Scheduler") -> None:
        self._sched = sched

    def start(self) -> None:
        pass  # the caller feeds the scheduler; its memory is the only copy, so it stays

    def stop(self) -> None:
        pass

    def wait_for_sync(self) -> None:
        return None

    def add_object(self, obj) -> None:
        self._objects.setdefault(obj.KIND, {})[obj.key()] = obj

    def list(self, kind: str) -> list:
        return list(self._objects.get(kind, {}).values())

    def leader_elector(self, identity, on_started_leading, on_stopped_leading) -> None:
        return None

    def bind(self, pinfo: "PodInfo", node_name: str) -> None:
        # the API server sets spec.nodeName; the informer's update confirms the assumed pod
        pinfo.pod.spec.node_name = node_name
        pinfo.node_name = node_name
        self._sched.cache.add_pod(pinfo)
        self._sched._pods.pop(pinfo.uid, None)  # no longer pending
        return None

    def update_pod_scheduled(self, pinfo, reason, message, nominated_node_name) -> None:
        if nominated_node_name:
            pinfo.pod.status.nominated_node_name = nominated_node_name

    def set_nominated_node_name(self, pinfo, node_name: str) -> None:
        pinfo.pod.status.nominated_node_name = node_name or None

    def preempt_pod(self, victim, message: str) -> None:
        # the deletion the informer would deliver: the victim's resources are free at once
        sched = self._sched
        sched.cache.remove_pod(victim.uid)
        sched.queue.move_all_to_active_or_backoff(ep.POD_DELETE)

    def event(self, obj, type_, reason, message) -> None:
        pass  # the scheduler's own ``events`` log is the only record

    def annotate(self, obj, key: str, value: str) -> None:
        stored = self._objects.get(obj.KIND, {}).get(obj.key())
        if stored is not None:
            stored.metadata.annotations = {**(stored.metadata.annotations or {}), key: value}


class APIServerPort:
    """A kube-scheduler on a cluster: list+watch through shared informers, act through the
    API client, record Events, elect a leader on its Lease. Pass an ``informers`` factory to
    share one with other components (it is then started per informer, not as a whole)."""

    def __init__(self, client: APIClient, informers: Optional[SharedInformerFactory] = None,
                 host: Optional[str] = None):
        self.client = client
        self.host = host or client.host
        self._shared = informers
        self._sched: Optional["Scheduler"] = None
        self._factory: Optional[SharedInformerFactory] = None
        self._informers: dict[str, Any] = {}
        self._recorder: Optional[EventsRecorder] = None

    @property
    def sim(self):
        return self.client.sim

    # -- being fed -------------------------------------------------------------------------
    def attach(self, sched: "Scheduler") -> None:
        self._sched = sched

    def start(self) -> None:
        sched = self._sched
        sched._reset()  # a (re)started process: empty memory, refilled from the API server's list
        self._factory = self._shared or SharedInformerFactory(self.client)
        self._informers = {}
        for kind in INFORMER_KINDS:
            try:
                self._informers[kind] = self._factory.informer(kind)
            except Exception:  # a kind the API server does not serve
                continue
        self._informers["Node"].add_event_handler(sched._on_node_add, sched._on_node_update, sched._on_node_delete)
        self._informers["Pod"].add_event_handler(sched._on_pod_add, sched._on_pod_update, sched._on_pod_delete)
        for kind, (on_add, on_update) in _STORAGE_EVENTS.items():
            inf = self._informers.get(kind)
            if inf is not None:
                inf.add_event_handler(_mover(sched, on_add), _mover(sched, on_update) if on_update else None, None)
        if self._shared is None:
            self._factory.start()
        else:
            for inf in self._informers.values():
                inf.start()
        if self._recorder is not None:
            self._recorder.stop()
        # events.k8s.io/v1 (tools/events): reportingInstance "default-scheduler-<hostname>"
        self._recorder = EventsRecorder(self.client, COMPONENT, self.host)

    def stop(self) -> None:
        if self._factory is not None:
            self._factory.stop()
        if self._recorder is not None:
            self._recorder.stop()

    def wait_for_sync(self) -> Optional["Event"]:
        return None if self._factory.has_synced() else self._factory.wait_for_sync()

    def add_object(self, obj) -> None:
        raise TypeError(f"a scheduler on a cluster lists {obj.KIND} objects from the API server: "
                        f"create it there (kubectl apply), not with add_object")

    def list(self, kind: str) -> list:
        inf = self._informers.get(kind)
        return inf.list() if inf is not None else []

    def leader_elector(self, identity, on_started_leading, on_stopped_leading) -> LeaderElector:
        return LeaderElector(self.client, LEASE_NAME, identity,
                             on_started_leading=on_started_leading, on_stopped_leading=on_stopped_leading)

    # -- acting ----------------------------------------------------------------------------
    def bind(self, pinfo, node_name: str):
        return self.client.bind(pinfo.name, pinfo.namespace, node_name)

    def update_pod_scheduled(self, pinfo, reason, message, nominated_node_name) -> None:
        status: dict = {"conditions": [{"type": "PodScheduled", "status": "False", "reason": reason,
                                        "message": message, "lastTransitionTime": rfc3339(self.sim.now)}]}
        if nominated_node_name is not None:
            status["nominatedNodeName"] = nominated_node_name
        self.client.patch("pods", pinfo.name, pinfo.namespace, {"status": status}, patch_type="strategic",
                          subresource="status").add_callback(_ignore)

    def set_nominated_node_name(self, pinfo, node_name: str) -> None:
        self.client.patch("pods", pinfo.name, pinfo.namespace, {"status": {"nominatedNodeName": node_name or None}},
                          patch_type="merge", subresource="status").add_callback(_ignore)

    def preempt_pod(self, victim, message: str) -> None:
        cond = {"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                "message": message, "lastTransitionTime": rfc3339(self.sim.now)}
        self.client.patch("pods", victim.name, victim.namespace, {"status": {"conditions": [cond]}},
                          patch_type="strategic", subresource="status").add_callback(_ignore)
        self.client.delete("pods", victim.name, victim.namespace).add_callback(_ignore)

    def event(self, obj, type_, reason, message) -> None:
        if self._recorder is not None:
            self._recorder.eventf(obj, None, type_, reason, EVENT_ACTIONS.get(reason, ""), message)

    def annotate(self, obj, key: str, value: str) -> None:
        self.client.patch(obj.RESOURCE, obj.metadata.name, obj.metadata.namespace,
                          {"metadata": {"annotations": {key: value}}}, patch_type="merge").add_callback(_ignore)


def port_for(client: Any = None, informers: Optional[SharedInformerFactory] = None,
             host: Optional[str] = None) -> SchedulerPort:
    """The port for ``Scheduler(sim, client, informers, host=...)``: an API client gets an
    :class:`APIServerPort`, nothing an :class:`InMemoryPort`, a port is used as given."""
    match client:
        case None:
            return InMemoryPort()
        case APIClient():
            return APIServerPort(client, informers, host)
        case SchedulerPort():
            return client
    raise TypeError(f"Scheduler needs an APIClient or a SchedulerPort, not {type(client).__name__}")


def _mover(sched, event: str):
    def handler(*_objs) -> None:
        sched.queue.move_all_to_active_or_backoff(event)
    return handler


def _ignore(ev) -> None:
    ev.defused = True  # fire and forget, as upstream logs a failed patch and goes on

"""The kube-scheduler process (pkg/scheduler/scheduler.go, schedule_one.go, eventhandlers.go).

It reaches the world outside its memory through one port (:mod:`.port`), of which there
are two:

* on a cluster: ``Scheduler(sim, client, identity=..., leader_elect=True).start()`` (the
  client is wrapped in an :class:`~.port.APIServerPort`) — it list-watches pods and nodes
  through the API server, schedules the pods that name one of its profiles and have no
  node, binds through ``pods/binding``, records ``Scheduled`` / ``FailedScheduling``
  events, sets the PodScheduled condition, and with several masters runs only while it
  holds the ``kube-system/kube-scheduler`` Lease;
* standalone (tests, benchmarks): ``Scheduler(sim)`` (an :class:`~.port.InMemoryPort`) then
  ``add_node`` / ``add_pod`` and ``schedule_one()`` / ``run_until_idle()``; binding then
  completes at once in memory.

Either way every attempt leaves a :class:`~kubelab.scheduler.explain.Decision`;
``explain(pod)`` returns the latest one, with the pod's history in ``.attempts``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Optional, Union


from kubelab.api.core import Pod
from kubelab.client.informer import tombstone_object
from kubelab.sim.kernel import Event, Simulator

from . import config as cfgmod
from .explain import Decision
from .framework import interface as ep
from .framework.cache import Cache
from .framework.cycle_state import CycleState
from .framework.runtime import Framework, FrameworkError
from .framework.status import _SUCCESS, Code, Status
from .framework.types import PodInfo
from .plugins.registry import build_plugins, implements
from .port import SchedulerPort, port_for
from .queue import QueuedPodInfo, SchedulingQueue
from .schedule_one import FitError, NoNodesAvailable, schedule_pod
from kubelab.sim import journaled

SCHEDULED = "Scheduled"
FAILED_SCHEDULING = "FailedScheduling"


def is_pod_updated(old, new) -> bool:
    """scheduling_queue.go isPodUpdated: ignore status, resourceVersion, generation and
    managedFields when deciding whether a pending pod changed."""
    def strip(p):
        d = p.model_dump(exclude={"status"})
        md = d.get("metadata") or {}
        for k in ("resource_version", "generation", "managed_fields"):
            md.pop(k, None)
        return d
    return strip(old) != strip(new)


def node_scheduling_properties_change(old, new) -> bool:
    """eventhandlers.go nodeSchedulingPropertiesChange: a heartbeat (only times changed)
    does not move unschedulable pods; allocatable, labels, taints, unschedulable or a
    condition's status do."""
    if old is None:
        return True
    if bool(old.spec.unschedulable) != bool(new.spec.unschedulable):
        return True
    if (old.status.allocatable or {}) != (new.status.allocatable or {}):
        return True
    if (old.metadata.labels or {}) != (new.metadata.labels or {}):
        return True
    if [t.model_dump() for t in old.spec.taints or ()] != [t.model_dump() for t in new.spec.taints or ()]:
        return True
    oc = {c.type: c.status for c in old.status.conditions or ()}
    nc = {c.type: c.status for c in new.status.conditions or ()}
    return oc != nc


class Handle:
    """framework.Handle: what plugins may use (snapshot, listers, the API, the rng)."""

    def __init__(self, sched: "Scheduler"):
        self.sched = sched

    @property
    def snapshot(self):
        return self.sched.cache.snapshot

    @property
    def cache(self):
        return self.sched.cache

    @property
    def queue(self):
        return self.sched.queue

    @property
    def now(self) -> float:
        return self.sched.sim.now

    def rng(self, name: str):
        return self.sched.sim.rng(f"{self.sched.identity}/{name}")

    def namespace_labels(self, ns: str) -> dict:
        return self.sched.namespace_labels(ns)

    def list(self, kind: str) -> list:
        """Objects of a kind (PodDisruptionBudget, Service, ReplicaSet, StatefulSet,
        ReplicationController) from the informers, or from what was added standalone."""
        return self.sched.list_objects(kind)

    @property
    def port(self) -> SchedulerPort:
        """ClientSet + EventRecorder + informers: the scheduler's way to the outside."""
        return self.sched.port

    def bind(self, pinfo: PodInfo, node_name: str):
        return self.sched.port.bind(pinfo, node_name)

    def delete_pod(self, pinfo: PodInfo, reason: str = "") -> None:
        """Preemption: mark the victim (DisruptionTarget) and delete it."""
        self.sched.port.preempt_pod(pinfo, reason)

    def set_nominated_node(self, pinfo: PodInfo, node_name: str) -> None:
        self.sched.port.set_nominated_node_name(pinfo, node_name)

    def record_event(self, obj, type_: str, reason: str, message: str) -> None:
        self.sched.record_event(obj, type_, reason, message)

    def framework(self, profile: str) -> Framework:
        return self.sched.profiles[profile]


class Scheduler:
    """``client`` is an :class:`~kubelab.client.APIClient` (a scheduler on a cluster, with an
    optional shared ``informers`` factory), or a :class:`~.port.SchedulerPort` of your own;
    without one the scheduler runs alone, in memory."""

    def __init__(self, sim: Simulator, client: Any = None, informers: Any = None, config: Any = None,
                 identity: str = "kube-scheduler", leader_elect: bool = False, detail_limit: int = 5000,
                 host: Optional[str] = None):
        self.sim = sim
        self.port: SchedulerPort = port_for(client, informers, host)
        self.port.attach(self)
        self.identity = identity
        self.host = self.port.host
        self.leader_elect = leader_elect
        self.config = cfgmod.load(config)
        self.detail_limit = detail_limit
        self.rng = sim.rng(f"kube-scheduler/{identity}/selectHost")
        self.decisions: dict[str, Decision] = {}  # pod key -> latest decision
        self._by_uid: dict[str, str] = {}
        self._detailed: deque = deque()
        # (key, uid) of deleted pods that have a decision: the newest detail_limit of them stay
        # explainable, older ones go (else one Decision per pod ever seen: unbounded with churn)
        self._gone: deque = deque()
        self.events: list[tuple[float, str, str, str, str]] = []  # (time, object, type, reason, message)
        self.running = False
        self.is_leader = not leader_elect
        self.scheduled = 0
        self.failed = 0
        # plugins registered from a notebook are part of this scheduler's configuration:
        # they survive a restart (a fresh process memory rebuilds the profiles with them)
        self._custom: dict[tuple[str, str], tuple] = {}
        self._reset()

    # -- construction ----------------------------------------------------------------------
    def _reset(self) -> None:
        """A fresh process memory: empty cache and queue, profiles built from config."""
        self.cache = Cache()
        self.handle = Handle(self)
        self.profiles: dict[str, Framework] = {}
        pct_global = self.config.get("percentageOfNodesToScore") or 0
        for prof in self.config["profiles"]:
            names, points, weights = cfgmod.expand_profile(prof, implements)
            plugins = build_plugins(names, prof, self.handle)
            pct = prof.get("percentageOfNodesToScore")
            self.profiles[prof["schedulerName"]] = Framework(
                prof["schedulerName"], self.handle, plugins, points, weights,
                percentage_of_nodes_to_score=pct if pct is not None else pct_global)
        first = next(iter(self.profiles.values()))
        events: dict[str, set] = {}
        for fwk in self.profiles.values():
            for name, pl in fwk.plugins.items():
                events.setdefault(name, set()).update(getattr(pl, "events", ()) or ())
        self.queue = SchedulingQueue(
            lambda: self.sim.now, first.queue_sort,
            initial_backoff=float(self.config["podInitialBackoffSeconds"]),
            max_backoff=float(self.config["podMaxBackoffSeconds"]),
            plugin_events=events)
        self.queue.on_active = self._wake_loop
        self.next_start_node_index = 0
        self._wake: Optional[Event] = None
        self._loop_proc = None
        self._timers: list = []
        self._elector = None
        self._pods: dict[str, Pod] = {}  # pending pods this scheduler is responsible for, by uid
        self._waiting: dict[str, Event] = {}
        for plugin, point, weight, profile, name in self._custom.values():
            self._add_custom(plugin, point, weight, profile, name)

    def __repr__(self) -> str:
        p = self.queue.pending_pods()
        return (f"<Scheduler {self.identity} leader={self.is_leader} nodes={self.cache.n} pods={self.cache.pod_count()} "
                f"pending(active={len(p['active'])}, backoff={len(p['backoff'])}, unschedulable={len(p['unschedulable'])}) "
                f"scheduled={self.scheduled}>")


    @property
    def framework(self) -> Framework:
        return self.profiles[cfgmod.DEFAULT_SCHEDULER_NAME] if cfgmod.DEFAULT_SCHEDULER_NAME in self.profiles else next(iter(self.profiles.values()))

    # -- standalone feeding (what the informers do on a cluster) ---------------------------
    def add_node(self, node) -> None:
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff(ep.NODE_ADD)

    def update_node(self, node) -> None:
        self.cache.update_node(node)
        self.queue.move_all_to_active_or_backoff(ep.NODE_UPDATE)

    def remove_node(self, node_or_name) -> None:
        name = node_or_name if isinstance(node_or_name, str) else node_or_name.metadata.name
        self.cache.remove_node(name)

    def add_pod(self, pod: Pod) -> None:
        self._on_pod_add(pod)

    def update_pod(self, old: Pod, new: Pod) -> None:
        self._on_pod_update(old, new)

    def delete_pod(self, pod: Pod) -> None:
        self._on_pod_delete(pod)

    def add_object(self, obj) -> None:
        """Standalone: a PDB, Service, ReplicaSet, StatefulSet, Namespace the plugins may read."""
        self.port.add_object(obj)

    def list_objects(self, kind: str) -> list:
        return self.port.list(kind)

    def namespace_labels(self, ns: str) -> dict:
        for o in self.list_objects("Namespace"):
            if o.metadata.name == ns:
                return dict(o.metadata.labels or {}, **{"kubernetes.io/metadata.name": ns})
        return {"kubernetes.io/metadata.name": ns}

    # -- event handlers (eventhandlers.go) --------------------------------------------------
    def _responsible(self, pod: Pod) -> bool:
        return (pod.spec.scheduler_name or cfgmod.DEFAULT_SCHEDULER_NAME) in self.profiles

    def _on_pod_add(self, pod: Pod) -> None:
        if pod.spec.node_name:
            if pod.status.phase in ("Succeeded", "Failed"):
                return
            self.cache.add_pod(PodInfo(pod))
            self.queue.move_all_to_active_or_backoff(ep.POD_ADD)
        elif self._responsible(pod) and pod.metadata.deletion_timestamp is None:
            pinfo = PodInfo(pod)
            self._pods[pinfo.uid] = pod
            self.queue.add(pinfo)

    def _on_pod_update(self, old: Pod, new: Pod) -> None:
        if new.spec.node_name:
            pinfo = PodInfo(new)
            if not old.spec.node_name:  # just bound: leaves the queue, confirms the assume
                self.queue.delete(pinfo.uid)
                self._pods.pop(pinfo.uid, None)
            if new.status.phase in ("Succeeded", "Failed"):  # terminated pods free their resources
                self.cache.remove_pod(pinfo.uid)
                self.queue.move_all_to_active_or_backoff(ep.POD_DELETE)
                return
            self.cache.update_pod(pinfo)
            if (old.metadata.labels or {}) != (new.metadata.labels or {}):
                self.queue.move_all_to_active_or_backoff(ep.POD_UPDATE)
        elif self._responsible(new):
            pinfo = PodInfo(new)
            if self.cache.is_assumed(pinfo.uid):
                return  # our own binding is on its way
            self._pods[pinfo.uid] = new
            if new.metadata.deletion_timestamp is not None:
                self.queue.delete(pinfo.uid)
                return
            if not is_pod_updated(old, new):  # only status moved (e.g. our own condition patch)
                q = self.queue.pods.get(pinfo.uid)
                if q is not None:
                    q.pinfo = pinfo
                return
            self.queue.update(pinfo)

    def _on_pod_delete(self, pod: Pod) -> None:
        pod = tombstone_object(pod)  # DeletedFinalStateUnknown
        uid = pod.metadata.uid or f"{pod.metadata.namespace or 'default'}/{pod.metadata.name}"
        self._pods.pop(uid, None)
        self.queue.delete(uid)
        if pod.spec.node_name or self.cache.get_pod(uid) is not None:
            self.cache.remove_pod(uid)
            self.queue.move_all_to_active_or_backoff(ep.POD_DELETE)
        w = self._waiting.pop(uid, None)
        if w is not None and not w.triggered:
            w.succeed(Status(Code.Unschedulable, "pod was deleted while waiting"))
        key = f"{pod.metadata.namespace or 'default'}/{pod.metadata.name}"
        d = self.decisions.get(key)
        if d is not None and d.uid == uid:
            gone = self._gone
            gone.append((key, uid))
            while len(gone) > self.detail_limit:
                k, u = gone.popleft()
                d = self.decisions.get(k)
                if d is not None and d.uid == u:  # (not a new pod of the same name)
                    del self.decisions[k]

    def _on_node_add(self, node) -> None:
        self.add_node(node)

    def _on_node_update(self, old, node) -> None:
        self.cache.update_node(node)
        if node_scheduling_properties_change(old, node):
            self.queue.move_all_to_active_or_backoff(ep.NODE_UPDATE)

    def _on_node_delete(self, node) -> None:
        node = tombstone_object(node)
        self.cache.remove_node(node.metadata.name)

    # -- the scheduling cycle -----------------------------------------------------------------
    def _new_decision(self, pinfo: PodInfo, fwk: Framework, q: QueuedPodInfo) -> Decision:
        d = Decision(pinfo.key, pinfo.uid, fwk.profile_name, q.attempts, self.sim.now, self.queue.scheduling_cycle)
        prev = self.decisions.get(pinfo.key)
        if prev is not None and prev.uid == pinfo.uid:
            d.follows(prev)
        self.decisions[pinfo.key] = d
        self._detailed.append(d)
        while len(self._detailed) > self.detail_limit:
            self._detailed.popleft().compact()
        return d

    def schedule_one(self) -> Optional[Decision]:
        """Pop one pod and run its scheduling cycle (and, standalone, its binding)."""
        q = self.queue.pop()
        if q is None:
            return None
        pinfo = q.pinfo
        fwk = self.profiles.get(pinfo.scheduler_name)
        if fwk is None or pinfo.uid not in self._pods:  # deleted, or bound by someone else, meanwhile
            self.queue.done(pinfo.uid)
            return None
        state = CycleState()
        d = self._new_decision(pinfo, fwk, q)
        cycle = self.queue.scheduling_cycle
        try:
            node = schedule_pod(self, fwk, state, pinfo, d)
        except FitError as fe:
            nominated = None
            if fwk.points[ep.POST_FILTER]:
                try:
                    result, st = fwk.run_post_filter(state, pinfo, fe.diagnosis)
                except FrameworkError as e:
                    result, st = None, e.status
                if st.code == Code.Error:
                    pass
                else:
                    fe.diagnosis.post_filter_msg = st.message()
                if result is not None:
                    nominated = getattr(result, "nominated_node_name", None)
                    d.victims = list(getattr(result, "victims", ()) or ())
            d.result = "Unschedulable"
            d.post_filter_message = fe.diagnosis.post_filter_msg
            d.message = fe.message()
            if nominated:
                d.nominated_node = nominated
            q.unschedulable_plugins = set(fe.diagnosis.unschedulable_plugins)
            self._failure(q, d, cycle, Code.Unschedulable, nominated)
            return d
        except NoNodesAvailable as e:
            d.result = "Unschedulable"
            d.message = str(e)
            self._failure(q, d, cycle, Code.Error)
            return d
        except FrameworkError as e:
            d.result = "Error"
            d.message = e.status.message()
            self._failure(q, d, cycle, Code.Error)
            return d
        d.selected_node = node
        # assume, reserve, permit (schedulingCycle), then the binding cycle
        self.cache.assume_pod(pinfo, node)
        st = fwk.run_reserve(state, pinfo, node)
        if not st.is_success():
            fwk.run_unreserve(state, pinfo, node)
            self.cache.forget_pod(pinfo)
            d.result = "Unschedulable" if st.is_rejected() else "Error"
            d.message = f'running Reserve plugin "{st.plugin}": {st.message()}'
            d.selected_node = None
            self._failure(q, d, cycle, st.code if st.is_rejected() else Code.Error)
            return d
        st, timeout = fwk.run_permit(state, pinfo, node)
        if st.is_rejected() or st.code == Code.Error:
            fwk.run_unreserve(state, pinfo, node)
            self.cache.forget_pod(pinfo)
            d.result = "Unschedulable" if st.is_rejected() else "Error"
            d.message = f'rejected by "{st.plugin}" at permit: {st.message()}'
            d.selected_node = None
            self._failure(q, d, cycle, st.code)
            return d
        self._run_gen(self._binding_cycle(fwk, state, q, d, node, st, timeout, cycle))
        return d

    def _run_gen(self, gen) -> None:
        """Run a generator to completion now if it never waits; otherwise hand the rest of it
        to the simulator as a process (the binding cycle is asynchronous upstream too)."""
        try:
            first = next(gen)
        except StopIteration:
            return

        def proc():
            nxt = first
            while True:
                try:
                    v = yield nxt
                except Exception as e:
                    try:
                        nxt = gen.throw(e)
                    except StopIteration:
                        return
                    continue
                try:
                    nxt = gen.send(v)
                except StopIteration:
                    return

        self.sim.spawn(proc(), name=f"{self.identity}/bind")

    def _binding_cycle(self, fwk, state, q, d, node, permit_status, timeout, cycle):
        pinfo = q.pinfo
        if permit_status.code == Code.Wait:
            d.result = "Pending"
            ev = self.sim.event()
            self._waiting[pinfo.uid] = ev
            self.sim.call_later(timeout, lambda: ev.triggered or ev.succeed(
                Status(Code.Unschedulable, f"rejected due to timeout after waiting {timeout:g}s at plugin {', '.join(permit_status.reasons)}")))
            st = yield ev
            self._waiting.pop(pinfo.uid, None)
            if not st.is_success():
                yield from self._binding_failed(fwk, state, q, d, node, st, cycle)
                return
        st = fwk.run_pre_bind(state, pinfo, node)
        if not st.is_success():
            yield from self._binding_failed(fwk, state, q, d, node, st, cycle)
            return
        err = None
        for pl in fwk.bind_plugins():
            r = pl.bind(state, pinfo, node)
            if isinstance(r, Event):
                try:
                    r = yield r
                except Exception as e:  # the API said no (conflict, pod gone, server down)
                    err = e
                    break
            st = r if isinstance(r, Status) else _SUCCESS
            if st.is_skip():
                continue
            if not st.is_success():
                err = RuntimeError(st.message())
            break
        if err is not None:
            yield from self._binding_failed(fwk, state, q, d, node, Status(Code.Error, f"binding rejected: {err}"), cycle)
            return
        self.cache.finish_binding(pinfo)
        self.queue.done(pinfo.uid)
        self.queue.delete_nominated(pinfo.uid)
        d.result = "Scheduled"
        d.bound = True
        self.scheduled += 1
        self.record_event(pinfo.pod, "Normal", SCHEDULED, f"Successfully assigned {pinfo.key} to {node}")
        fwk.run_post_bind(state, pinfo, node)

    def _binding_failed(self, fwk, state, q, d, node, st, cycle):
        pinfo = q.pinfo
        fwk.run_unreserve(state, pinfo, node)
        self.cache.forget_pod(pinfo)
        d.result = "Error" if st.code == Code.Error else "Unschedulable"
        d.message = st.message()
        d.selected_node = None
        self._failure(q, d, cycle, Code.Error if st.code == Code.Error else Code.Unschedulable)
        return
        yield  # a generator, so the binding cycle can ``yield from`` it

    def _failure(self, q: QueuedPodInfo, d: Decision, cycle: int, code: Code, nominated: Optional[str] = None) -> None:
        """handleSchedulingFailure: event, PodScheduled=False condition, back to the queue."""
        pinfo = q.pinfo
        self.failed += 1
        self.record_event(pinfo.pod, "Warning", FAILED_SCHEDULING, d.message)
        if pinfo.uid in self._pods:  # still pending (not deleted meanwhile)
            self.queue.add_unschedulable_if_not_present(q, cycle, error=(code == Code.Error))
            if nominated:
                self.queue.add_nominated(pinfo, nominated)
            reason = "Unschedulable" if code != Code.Error else "SchedulerError"
            self.port.update_pod_scheduled(pinfo, reason, d.message, nominated)
        else:
            self.queue.done(pinfo.uid)

    def run_until_idle(self, max_pods: Optional[int] = None) -> int:
        """Standalone: schedule until the active queue is empty; returns pods attempted."""
        n = 0
        while max_pods is None or n < max_pods:
            d = self.schedule_one()
            if d is None:
                if not self.queue._active:
                    break
                continue
            n += 1
        return n

    # -- explain -------------------------------------------------------------------------------
    def explain(self, pod: Union[str, Pod]) -> Decision:
        """The latest decision for a pod (``name``, ``namespace/name`` or a Pod); its
        ``.attempts`` hold the earlier ones. A unique name prefix is accepted."""
        if not isinstance(pod, (str, Pod)):
            raise TypeError(f"explain(pod=...) takes a pod name (str) or a Pod, not {type(pod).__name__}")
        if not isinstance(pod, str):
            key = f"{pod.metadata.namespace or 'default'}/{pod.metadata.name}"
        else:
            key = pod if "/" in pod else f"default/{pod}"
        d = self.decisions.get(key)
        if d is not None:
            return d
        matches = sorted(k for k in self.decisions if k.startswith(key))
        if len(matches) == 1:
            return self.decisions[matches[0]]
        if len(matches) > 1:
            raise KeyError(f"{pod!r} matches several pods: {', '.join(matches[:10])}")
        raise KeyError(f"the scheduler has no decision for pod {key!r} (not seen yet, or bound by someone else)")

    # -- custom plugins ------------------------------------------------------------------------
    @journaled
    def register_plugin(self, plugin: Any, point: str = "filter", weight: int = 1,
                        profile: str = cfgmod.DEFAULT_SCHEDULER_NAME, name: Optional[str] = None):
        """Add a Filter or Score plugin written in a notebook cell; see plugins/custom.py."""
        pl = self._add_custom(plugin, point, weight, profile, name)
        self._custom[(profile, pl.name)] = (plugin, point, weight, profile, name)
        self.queue.move_all_to_active_or_backoff(ep.FORCE_ACTIVATE)
        return pl

    def _add_custom(self, plugin: Any, point: str, weight: int, profile: str, name: Optional[str]):
        from .plugins.custom import adapt

        fwk = self.profiles[profile]
        pl, points = adapt(plugin, point, name)
        fwk.add_plugin(pl, points, weight=weight)
        self.queue.plugin_events.setdefault(pl.name, set()).update(getattr(pl, "events", None) or
                                                                  {ep.NODE_ADD, ep.NODE_UPDATE, ep.POD_DELETE})
        return pl

    def waiting_pods(self) -> list[str]:
        """Pods a Permit plugin holds (framework.WaitingPod), by uid."""
        return sorted(self._waiting)

    def allow(self, uid: str) -> None:
        """WaitingPod.Allow: let a pod held at Permit go on to binding."""
        ev = self._waiting.get(uid)
        if ev is not None and not ev.triggered:
            ev.succeed(Status(Code.Success))

    def reject(self, uid: str, message: str = "rejected") -> None:
        """WaitingPod.Reject: send a pod held at Permit back to the queue."""
        ev = self._waiting.get(uid)
        if ev is not None and not ev.triggered:
            ev.succeed(Status(Code.Unschedulable, message))

    @journaled
    def unregister_plugin(self, name: str, profile: str = cfgmod.DEFAULT_SCHEDULER_NAME) -> None:
        self._custom.pop((profile, name), None)
        self.profiles[profile].remove_plugin(name)
        self.queue.move_all_to_active_or_backoff(ep.FORCE_ACTIVATE)

    # -- the process -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the port (informers, on a cluster), the queue flushers and — as leader — the loop."""
        if self.running:
            return
        self.running = True
        self.port.start()
        self._timers = [self.sim.every(1.0, self.queue.flush_backoff_completed),
                        self.sim.every(30.0, self.queue.flush_unschedulable_leftover)]
        if self.leader_elect:
            self._elector = self.port.leader_elector(self.identity, self._started_leading, self._stopped_leading)
        if self._elector is not None:
            self.is_leader = False
            self._elector.start()
        else:
            self.is_leader = True
            self._start_loop()

    def stop(self) -> None:
        self.running = False
        for t in self._timers:
            t.cancel()
        self._timers = []
        if self._elector is not None:
            self._elector.stop()
            self._elector = None
        self._stop_loop()
        self.port.stop()
        self.is_leader = not self.leader_elect

    def _started_leading(self) -> None:
        self.is_leader = True
        self.sim.trace.record(self.identity, "LeaderElection", "kube-scheduler started leading")
        self._start_loop()

    def _stopped_leading(self) -> None:
        self.is_leader = False
        self._stop_loop()

    def _start_loop(self) -> None:
        if self._loop_proc is None or not self._loop_proc.alive:
            self._loop_proc = self.sim.spawn(self._loop(), name=f"{self.identity}/scheduleOne")

    def _stop_loop(self) -> None:
        if self._loop_proc is not None:
            self._loop_proc.kill()
            self._loop_proc = None
        self._wake = None

    def _wake_loop(self) -> None:
        w = self._wake
        if w is not None and not w.triggered:
            self._wake = None
            w.succeed(None)

    def _loop(self):
        while True:
            synced = self.port.wait_for_sync()
            if synced is not None:
                yield synced
            if not self.queue._active or all(e[2] is None for e in self.queue._active):
                self._wake = self.sim.event()
                yield self._wake
                continue
            self.schedule_one()
            yield self.sim.timeout(0)

    # -- events ------------------------------------------------------------------------------
    def record_event(self, obj, type_: str, reason: str, message: str) -> None:
        """Keep the event in the scheduler's own short log and record it through the port."""
        key = f"{obj.metadata.namespace or 'default'}/{obj.metadata.name}"
        self.events.append((self.sim.now, key, type_, reason, message))
        if len(self.events) > 10000:
            del self.events[:5000]
        self.port.event(obj, type_, reason, message)


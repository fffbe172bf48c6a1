"""Desired against actual, per kind: what each controller is closing, and its next step.

The controllers' own reading of the objects they reconcile, as plain functions of API
objects (no cluster, no clock but the ``now`` passed in): the views render these rows,
they do not compute them.

- which controller reconciles a kind (:data:`CONTROLLERS`, kube-controller-manager's
  controller names);
- for a Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, or a Service with a selector:
  the desired count, the actual one (what each controller's status reports: ready pods,
  scheduled daemons, succeeded completions, endpoint addresses), the gap and the
  controller's next step (:func:`workload_status`, :func:`reconcile_status`);
- a Deployment's rollout: revision, rolling-update bounds (maxSurge / maxUnavailable
  resolved as ``util.ResolveFenceposts`` does) and its ReplicaSets, newest first
  (:func:`rollout_status`);
- the newest action of a controller on an object, from the Events it recorded
  (:func:`latest_action`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from kubelab.api.base import parse_time
from kubelab.api.labels import Selector
from kubelab.api.podutil import is_pod_ready

from .deployment import resolve_fenceposts, revision_of

__all__ = ["CONTROLLERS", "WORKLOAD_KINDS", "ControllerAction", "ReplicaSetStatus", "RolloutStatus",
           "WorkloadStatus", "events_by_object", "latest_action", "reconcile_status", "rollout_status",
           "workload_status"]

# The controller that reconciles each kind (kube-controller-manager's controller names).
CONTROLLERS = {
    "Deployment": "deployment-controller",
    "ReplicaSet": "replicaset-controller",
    "DaemonSet": "daemonset-controller",
    "StatefulSet": "statefulset-controller",
    "Job": "job-controller",
    "Service": "endpoints-controller",
}
WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "Service")


def _s(n: int) -> str:
    return "" if n == 1 else "s"


@dataclass
class WorkloadStatus:
    kind: str
    namespace: str
    name: str
    desired: int
    actual: int
    measure: str  # what "actual" counts: ready, scheduled, succeeded, endpoints
    detail: str = ""
    controller: str = ""
    next_step: str = ""
    owner: Optional[tuple[str, str]] = None  # (kind, name) of the controlling owner
    done: Optional[bool] = None  # set when "in sync" is not desired == actual (a Job)

    @property
    def in_sync(self) -> bool:
        return self.done if self.done is not None else self.desired == self.actual

    @property
    def gap(self) -> int:
        return self.actual - self.desired


def _status(o: Any, desired: int, actual: int, measure: str, detail: str, step: str,
            done: Optional[bool] = None) -> WorkloadStatus:
    ref = o.metadata.controller_ref()
    return WorkloadStatus(o.KIND, o.metadata.namespace or "", o.metadata.name or "", desired, actual, measure, detail,
                          CONTROLLERS[o.KIND], step, (ref.kind, ref.name) if ref is not None else None, done)


def _replicas(spec_replicas: Optional[int]) -> int:
    return spec_replicas if spec_replicas is not None else 1


def deployment_status(d: Any) -> WorkloadStatus:
    st = d.status
    want = _replicas(d.spec.replicas)
    ready, updated, total = int(st.ready_replicas or 0), int(st.updated_replicas or 0), int(st.replicas or 0)
    avail = int(st.available_replicas or 0)
    if d.spec.paused:
        step = "paused: the deployment-controller does not roll out until resumed"
    elif updated < want:
        step = f"rolling out: scale the new ReplicaSet up ({updated}/{want} updated)"
    elif total > want:
        step = f"scale old ReplicaSets down ({total - want} old pod{_s(total - want)})"
    elif ready < want:
        step = f"wait for {want - ready} pod{_s(want - ready)} to become ready"
    else:
        step = "in sync"
    return _status(d, want, ready, "ready", f"{updated} up-to-date, {avail} available, {total} total", step,
                   done=step == "in sync")


def replicaset_status(rs: Any) -> WorkloadStatus:
    st = rs.status
    want = _replicas(rs.spec.replicas)
    cur, ready = int(st.replicas or 0), int(st.ready_replicas or 0)
    if cur < want:
        step = f"create {want - cur} pod{_s(want - cur)}"
    elif cur > want:
        step = f"delete {cur - want} pod{_s(cur - want)}"
    elif ready < want:
        step = f"{want - ready} pod{_s(want - ready)} starting (scheduler, kubelets)"
    else:
        step = "in sync"
    return _status(rs, want, ready, "ready", f"{cur} pods", step, done=step == "in sync")


def daemonset_status(ds: Any) -> WorkloadStatus:
    st = ds.status
    want, sched, ready = int(st.desired_number_scheduled or 0), int(st.current_number_scheduled or 0), int(st.number_ready or 0)
    if sched < want:
        step = f"create pods for {want - sched} node{_s(want - sched)}"
    elif ready < want:
        step = f"{want - ready} pod{_s(want - ready)} starting"
    else:
        step = "in sync"
    return _status(ds, want, sched, "scheduled", f"{ready} ready, {int(st.number_misscheduled or 0)} misscheduled", step,
                   done=step == "in sync")


def statefulset_status(ss: Any) -> WorkloadStatus:
    """OrderedReady (the default podManagementPolicy): one ordinal at a time, up in order
    and down in reverse order (pkg/controller/statefulset/stateful_set_control.go)."""
    st = ss.status
    want = _replicas(ss.spec.replicas)
    cur, ready = int(st.replicas or 0), int(st.ready_replicas or 0)
    if cur < want:
        step = f"create {ss.metadata.name}-{cur}" + (" (then the next, in order)" if want - cur > 1 else "")
    elif cur > want:
        step = f"delete {ss.metadata.name}-{cur - 1}" + (" (then the next, in reverse order)" if cur - want > 1 else "")
    elif ready < want:
        step = f"wait for {want - ready} pod{_s(want - ready)} to become ready"
    else:
        step = "in sync"
    return _status(ss, want, ready, "ready", f"{cur} pods", step, done=step == "in sync")


def job_status(job: Any) -> WorkloadStatus:
    """Done when the Complete or Failed condition is True (the job-controller's terminal
    conditions), not when succeeded == completions."""
    st = job.status
    want = job.spec.completions if job.spec.completions is not None else 1
    ok, active, failed = int(st.succeeded or 0), int(st.active or 0), int(st.failed or 0)
    conds = {c.type: c.status for c in st.conditions or ()}
    complete = conds.get("Complete") == "True"
    failed_job = conds.get("Failed") == "True"
    if complete:
        step = "complete"
    elif failed_job:
        step = "failed (backoffLimit reached): nothing more to do"
    else:
        step = f"keep {active} pod{_s(active)} running until {want} succeed"
    return _status(job, want, ok, "succeeded", f"{active} active, {failed} failed", step, done=complete or failed_job)


def service_status(svc: Any, pods: Iterable[Any], endpoints: Any) -> Optional[WorkloadStatus]:
    """The endpoints-controller's target: one address per ready pod the selector matches
    (pkg/controller/endpoint). None for a Service without a selector (its Endpoints are
    managed by hand, as the ``kubernetes`` Service's are)."""
    if not svc.spec.selector:
        return None
    sel = Selector.from_set(svc.spec.selector)
    matched = [p for p in pods if p.metadata.namespace == svc.metadata.namespace and sel.matches(p.metadata.labels)
               and not p.metadata.deletion_timestamp]
    want = sum(1 for p in matched if is_pod_ready(p))
    have = not_ready = 0
    for sub in (endpoints.subsets or []) if endpoints is not None else []:
        have += len(sub.addresses or [])
        not_ready += len(sub.not_ready_addresses or [])
    if have < want:
        step = f"add {want - have} address{'es' if want - have != 1 else ''} to Endpoints"
    elif have > want:
        step = f"remove {have - want} address{'es' if have - want != 1 else ''} from Endpoints"
    else:
        step = "in sync"
    return _status(svc, want, have, "endpoints", f"{len(matched)} pods selected, {not_ready} not ready", step)


_BY_KIND = {"Deployment": deployment_status, "ReplicaSet": replicaset_status, "DaemonSet": daemonset_status,
            "StatefulSet": statefulset_status, "Job": job_status}


def workload_status(obj: Any, pods: Iterable[Any] = (), endpoints: Any = None) -> Optional[WorkloadStatus]:
    """Desired against actual for one object of a :data:`WORKLOAD_KINDS` kind (a Service
    needs the pods and its Endpoints)."""
    if obj.KIND == "Service":
        return service_status(obj, pods, endpoints)
    fn = _BY_KIND.get(obj.KIND)
    if fn is None:
        raise ValueError(f"no controller reconciles a {obj.KIND} here (kinds: {', '.join(WORKLOAD_KINDS)})")
    return fn(obj)


def _natural(s: str) -> list:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def reconcile_status(objects: Iterable[Any], pods: Iterable[Any] = (), endpoints: Iterable[Any] = ()) \
        -> list[WorkloadStatus]:
    """Rows for every workload object among ``objects``, by kind (in
    :data:`WORKLOAD_KINDS` order), then namespace and name."""
    pods = list(pods)
    eps = {(e.metadata.namespace, e.metadata.name): e for e in endpoints}
    by_kind: dict[str, list[Any]] = {}
    for o in objects:
        if o.KIND in CONTROLLERS:
            by_kind.setdefault(o.KIND, []).append(o)
    out = []
    for kind in WORKLOAD_KINDS:
        for o in sorted(by_kind.get(kind, []), key=lambda o: (o.metadata.namespace or "", _natural(o.metadata.name or ""))):
            row = workload_status(o, pods, eps.get((o.metadata.namespace, o.metadata.name)))
            if row is not None:
                out.append(row)
    return out


# ----------------------------------------------------------------------------- actions (Events)


@dataclass
class ControllerAction:
    """A controller's newest Event about an object."""

    reason: str
    message: str
    time: Optional[float]  # simulated seconds of its last occurrence
    component: str = ""
    count: int = 1
    warning: bool = False


def _event_time(e: Any) -> Optional[float]:
    ts = e.last_timestamp or e.event_time or e.first_timestamp
    return parse_time(ts) if ts else None


def _rv(o: Any) -> int:
    try:
        return int(o.metadata.resource_version or 0)
    except (TypeError, ValueError):
        return 0


def events_by_object(events: Iterable[Any]) -> dict[tuple[str, str, str], list[Any]]:
    """Events grouped by involved object (kind, namespace, name), oldest first."""
    by: dict[tuple[str, str, str], list[Any]] = {}
    for e in events:
        io = e.involved_object
        by.setdefault((io.kind or "", io.namespace or "", io.name or ""), []).append(e)
    for evs in by.values():
        evs.sort(key=lambda e: (_event_time(e) if _event_time(e) is not None else -1.0, _rv(e)))
    return by


def _component(e: Any) -> str:
    return (e.source.component if e.source else None) or e.reporting_component or ""


def action_of(e: Any) -> ControllerAction:
    return ControllerAction(e.reason or "", (e.message or "").strip(), _event_time(e), _component(e),
                            int(e.count or 1), e.type == "Warning")


def latest_action(events: list[Any], controller: str) -> Optional[ControllerAction]:
    """The newest of ``events`` (about one object, oldest first) from ``controller``; else
    from any control-plane component (not the kubelet)."""
    mine = [e for e in events if _component(e) == controller]
    if not mine:
        mine = [e for e in events if _component(e) not in ("kubelet", "")]
    return action_of(mine[-1]) if mine else None


# ----------------------------------------------------------------------------- rollouts


@dataclass
class ReplicaSetStatus:
    name: str
    revision: int
    new: bool
    images: str
    desired: int
    current: int
    ready: int
    available: int
    created: Optional[float]  # simulated seconds


@dataclass
class RolloutStatus:
    name: str
    namespace: str
    strategy: str
    desired: int
    updated: int
    ready: int
    available: int
    total: int
    revision: int
    paused: bool
    max_surge: Optional[int]  # resolved against desired (RollingUpdate only)
    max_unavailable: Optional[int]
    replicasets: list[ReplicaSetStatus] = field(default_factory=list)  # newest revision first


def rollout_status(d: Any, replicasets: Iterable[Any]) -> RolloutStatus:
    """A Deployment's rollout from it and the ReplicaSets it controls (those in
    ``replicasets`` whose controller reference is ``d``)."""
    st = d.status
    want = _replicas(d.spec.replicas)
    strategy = d.spec.strategy.type if d.spec.strategy and d.spec.strategy.type else "RollingUpdate"
    surge = unavail = None
    if strategy == "RollingUpdate":
        surge, unavail = resolve_fenceposts(d)
    rev = revision_of(d)
    rss = []
    for rs in replicasets:
        ref = rs.metadata.controller_ref()
        if ref is None or ref.uid != d.metadata.uid:
            continue
        r = revision_of(rs)
        images = ", ".join(c.image or "" for c in rs.spec.template.spec.containers or ())
        rss.append(ReplicaSetStatus(rs.metadata.name or "", r, r == rev and rev > 0, images, _replicas(rs.spec.replicas),
                                    int(rs.status.replicas or 0), int(rs.status.ready_replicas or 0),
                                    int(rs.status.available_replicas or 0), parse_time(rs.metadata.creation_timestamp)))
    rss.sort(key=lambda r: (-r.revision, r.name))
    return RolloutStatus(d.metadata.name or "", d.metadata.namespace or "", strategy, want, int(st.updated_replicas or 0),
                         int(st.ready_replicas or 0), int(st.available_replicas or 0), int(st.replicas or 0), rev,
                         bool(d.spec.paused), surge, unavail, rss)

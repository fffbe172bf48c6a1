"""DaemonSet controller (pkg/controller/daemon: daemon_controller.go, update.go, util).

One pod per eligible node: a node is eligible when it matches the pod's nodeSelector
and required node affinity and the pod tolerates its NoSchedule / NoExecute taints
(with the tolerations the controller adds to every daemon pod, util.AddOrUpdateDaemonPodTolerations).
Pods are pinned with a required node affinity on ``metadata.name``
(ReplaceDaemonSetPodNodeNameNodeAffinity) and placed by the scheduler. Rolling update
deletes old-revision pods at most ``maxUnavailable`` nodes at a time.
"""

from __future__ import annotations

from typing import Optional

from kubelab.api.apps import DaemonSet
from kubelab.api.core import (Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
                              Pod, Toleration)
from kubelab.api.labels import Selector
from kubelab.api.podutil import is_pod_available, is_pod_ready

from .base import (Controller, ControllerContext, ControllerExpectations, pod_from_template,
                   settle, slow_start_batch, resolve_int_or_percent)
from .deployment import compute_hash
from .replicaset import claim_objects, controller_uid_index, ensure_index, update_status_with_retry

REVISION_LABEL = "controller-revision-hash"
TEMPLATE_GENERATION = "pod-template-generation"

# util.AddOrUpdateDaemonPodTolerations
_DAEMON_TOLERATIONS = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
]


def daemon_tolerations(spec) -> list[Toleration]:
    tols = list(spec.tolerations or [])
    extra = list(_DAEMON_TOLERATIONS)
    if spec.host_network:
        extra.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in extra:
        if not any(t.key == key and t.effect == effect for t in tols):
            tols.append(Toleration(key=key, operator="Exists", effect=effect))
    return tols


def _node_matches_term(node: Node, term: NodeSelectorTerm) -> bool:
    labels = node.metadata.labels or {}
    for r in term.match_expressions or ():
        v = labels.get(r.key)
        if r.operator == "In" and v not in (r.values or []):
            return False
        if r.operator == "NotIn" and v in (r.values or []):
            return False
        if r.operator == "Exists" and r.key not in labels:
            return False
        if r.operator == "DoesNotExist" and r.key in labels:
            return False
        if r.operator in ("Gt", "Lt"):
            try:
                a, b = int(v), int((r.values or ["0"])[0])
            except (TypeError, ValueError):
                return False
            if (r.operator == "Gt" and not a > b) or (r.operator == "Lt" and not a < b):
                return False
    for r in term.match_fields or ():
        if r.key == "metadata.name":
            if r.operator == "In" and node.name not in (r.values or []):
                return False
            if r.operator == "NotIn" and node.name in (r.values or []):
                return False
    return True


def node_in_same_condition(old: list, cur: list) -> bool:
    """daemon_controller.go nodeInSameCondition: the same condition types are True."""
    true_old = {c.type for c in old or () if c.status == "True"}
    true_cur = {c.type for c in cur or () if c.status == "True"}
    return true_old == true_cur


def should_ignore_node_update(old: Node, cur: Node) -> bool:
    """daemon_controller.go shouldIgnoreNodeUpdate: equal but for resourceVersion and the
    status conditions (whose True set is the same)."""
    if not node_in_same_condition(old.status.conditions, cur.status.conditions):
        return False
    a, b = old.to_dict(), cur.to_dict()
    for d in (a, b):
        d.get("metadata", {}).pop("resourceVersion", None)
        d.get("status", {}).pop("conditions", None)
    return a == b


def node_should_run(node: Node, spec, tolerations: Optional[list] = None) -> bool:
    """daemon_controller.go NodeShouldRunDaemonPod (predicates: node selector, required
    node affinity, taints with the daemon tolerations)."""
    if spec.node_selector and not Selector.from_set(spec.node_selector).matches(node.metadata.labels):
        return False
    na = spec.affinity.node_affinity if spec.affinity else None
    req = na.required_during_scheduling_ignored_during_execution if na else None
    if req is not None and req.node_selector_terms and not any(_node_matches_term(node, t) for t in req.node_selector_terms):
        return False
    tols = daemon_tolerations(spec) if tolerations is None else tolerations
    for taint in node.spec.taints or ():
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        if not any(t.tolerates(taint) for t in tols):
            return False
    return True


class DaemonSetController(Controller):
    name = "daemonset-controller"
    workers = 2  # --concurrent-daemonset-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.ds_informer = ctx.informers.informer(DaemonSet)
        self.pod_informer = ctx.informers.informer(Pod)
        self.node_informer = ctx.informers.informer(Node)
        ensure_index(self.pod_informer, "controller-uid", controller_uid_index)
        self.expectations = ControllerExpectations(ctx.sim)
        self.recorder = ctx.recorder(self.name)
        self.ds_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.pod_informer.add_event_handler(self._pod_add, lambda o, n: self._pod_event(n), self._pod_del)
        self.node_informer.add_event_handler(self._all, self._node_update, self._all)

    def _all(self, _obj=None) -> None:
        for ds in self.ds_informer.list():
            self.enqueue(ds)

    def _node_update(self, old, cur) -> None:
        """daemon_controller.go updateNode: a heartbeat (only the conditions' times changed)
        is ignored; otherwise a daemon set is synced only if the node's fit for it changed."""
        if old is not None and should_ignore_node_update(old, cur):
            return
        for ds in self.ds_informer.list():
            spec = ds.spec.template.spec
            if old is None or node_should_run(old, spec) != node_should_run(cur, spec):
                self.enqueue(ds)

    def _owner(self, pod):
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "DaemonSet":
            return None
        ds = self.ds_informer.get(f"{pod.metadata.namespace}/{ref.name}")
        return ds if ds is not None and ds.uid == ref.uid else None

    def _pod_add(self, pod) -> None:
        ds = self._owner(pod)
        if ds is not None:
            self.expectations.creation_observed(ds.key())
            self.enqueue(ds)

    def _pod_event(self, pod) -> None:
        ds = self._owner(pod)
        if ds is not None:
            self.enqueue(ds)

    def _pod_del(self, pod) -> None:
        pod = getattr(pod, "obj", pod)
        ds = self._owner(pod)
        if ds is not None:
            self.expectations.deletion_observed(ds.key())
            self.enqueue(ds)

    def _template_for(self, ds: DaemonSet, node_name: str, hash_: str):
        t = ds.spec.template.copy_deep()
        t.metadata.labels = dict(t.metadata.labels or {}, **{REVISION_LABEL: hash_,
                                                                TEMPLATE_GENERATION: str(ds.metadata.generation or 1)})
        t.spec.tolerations = daemon_tolerations(t.spec)
        term = NodeSelectorTerm(match_fields=[NodeSelectorRequirement(key="metadata.name", operator="In", values=[node_name])])
        aff = t.spec.affinity or Affinity()
        aff.node_affinity = aff.node_affinity or NodeAffinity()
        aff.node_affinity.required_during_scheduling_ignored_during_execution = NodeSelector(node_selector_terms=[term])
        t.spec.affinity = aff
        return t

    @staticmethod
    def _pod_node(pod) -> str:
        if pod.spec.node_name:
            return pod.spec.node_name
        na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
        req = na.required_during_scheduling_ignored_during_execution if na else None
        for term in (req.node_selector_terms if req else []):
            for f in term.match_fields or ():
                if f.key == "metadata.name" and f.values:
                    return f.values[0]
        return ""

    def sync(self, key: str):
        ds = self.ds_informer.get(key)
        if ds is None:
            self.expectations.delete(key)
            return
        selector = Selector.from_label_selector(ds.spec.selector)
        candidates = sorted(self.pod_informer.list(ds.metadata.namespace), key=lambda p: p.name)
        pods = yield from claim_objects(self, ds, selector, candidates, None)
        hash_ = compute_hash(ds.spec.template, ds.status.collision_count)
        by_node: dict[str, list[Pod]] = {}
        for p in pods:
            by_node.setdefault(self._pod_node(p), []).append(p)
        nodes = sorted(self.node_informer.list(), key=lambda n: n.name)
        to_create, to_delete = [], []
        eligible = set()
        tols = daemon_tolerations(ds.spec.template.spec)
        for node in nodes:
            run = node_should_run(node, ds.spec.template.spec, tols)
            mine = [p for p in by_node.get(node.name, []) if p.metadata.deletion_timestamp is None]
            if run:
                eligible.add(node.name)
                failed = [p for p in mine if p.status.phase == "Failed"]
                to_delete += failed
                alive = sorted([p for p in mine if p.status.phase != "Failed"],
                               key=lambda p: (p.metadata.creation_timestamp or "", p.name))
                if not alive and not failed and not any(p.metadata.deletion_timestamp for p in by_node.get(node.name, [])):
                    to_create.append(node.name)
                to_delete += alive[1:]  # more than one daemon pod on a node: keep the oldest
            else:
                to_delete += mine
        node_names = {x.name for x in nodes}
        for n, ps in by_node.items():
            if n not in node_names:
                to_delete += [p for p in ps if p.metadata.deletion_timestamp is None]
        if ds.metadata.deletion_timestamp is None and self.expectations.satisfied(key):
            # rolling update (update.go rollingUpdate): old pods go, maxUnavailable at a time
            strat = ds.spec.update_strategy
            if strat is not None and strat.type == "RollingUpdate" and not to_create:
                mu = resolve_int_or_percent(strat.rolling_update.max_unavailable if strat.rolling_update else 1,
                                            len(eligible), True) or 1
                mrs = ds.spec.min_ready_seconds or 0
                unavailable = 0
                old_pods = []
                for n in sorted(eligible):
                    ps = [p for p in by_node.get(n, []) if p.metadata.deletion_timestamp is None]
                    if not ps or not any(is_pod_available(p, mrs, self.sim.now) for p in ps):
                        unavailable += 1
                    old_pods += [p for p in ps if (p.metadata.labels or {}).get(REVISION_LABEL) != hash_]
                old_pods.sort(key=lambda p: is_pod_available(p, mrs, self.sim.now))  # unavailable old pods first
                for p in old_pods:
                    if not is_pod_available(p, mrs, self.sim.now):
                        to_delete.append(p)
                    elif unavailable < mu:
                        to_delete.append(p)
                        unavailable += 1
            yield from self._apply(ds, key, to_create, to_delete, hash_)
        yield from self._status(ds, pods, eligible, hash_)

    def _apply(self, ds, key, to_create, to_delete, hash_):
        seen = set()
        to_delete = [p for p in to_delete if not (p.uid in seen or seen.add(p.uid))]
        self.expectations.set(key, len(to_create), len(to_delete))
        if to_create:
            queue = list(to_create)

            def create_one():
                node = queue.pop(0)
                pod = pod_from_template(self._template_for(ds, node, hash_), ds)
                ev, out = self.client.create(pod), self.sim.event()

                def done(e):
                    e.defused = True
                    if e.ok:
                        self.recorder.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {e.value.name}")
                        out.succeed(e.value)
                    else:
                        self.recorder.event(ds, "Warning", "FailedCreate", f"Error creating: {e.exception}")
                        out.fail(e.exception)
                ev.add_callback(done)
                return out

            ok, err = yield from slow_start_batch(self.sim, len(to_create), 1, create_one)
            for _ in range(len(to_create) - ok):
                self.expectations.creation_observed(key)
            if err is not None:
                raise err
        if to_delete:
            results = yield settle(self.sim, [self.client.delete(Pod, p.name, p.metadata.namespace) for p in to_delete])
            for p, (ok, val) in zip(to_delete, results):
                if ok:
                    self.recorder.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {p.name}")
                else:
                    self.expectations.deletion_observed(key)

    def _status(self, ds, pods, eligible, hash_):
        mrs = ds.spec.min_ready_seconds or 0
        now = self.sim.now
        st = ds.status.copy_deep()
        live = [p for p in pods if p.metadata.deletion_timestamp is None]
        scheduled = {self._pod_node(p) for p in live if p.spec.node_name}
        st.desired_number_scheduled = len(eligible)
        st.current_number_scheduled = len(scheduled & eligible)
        st.number_misscheduled = len(scheduled - eligible)
        on_eligible = [p for p in live if self._pod_node(p) in eligible]
        st.number_ready = sum(1 for p in on_eligible if is_pod_ready(p))
        st.number_available = sum(1 for p in on_eligible if is_pod_available(p, mrs, now))
        st.number_unavailable = max(0, len(eligible) - st.number_available)
        st.updated_number_scheduled = sum(1 for p in on_eligible if p.spec.node_name and (p.metadata.labels or {}).get(REVISION_LABEL) == hash_)
        st.observed_generation = ds.metadata.generation
        if st != ds.status:
            yield from update_status_with_retry(self.client, ds, st)

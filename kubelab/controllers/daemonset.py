"""DaemonSet controller (pkg/controller/daemon: daemon_controller.go, update.go, util).

One pod per eligible node: a node is eligible when it matches the pod's nodeSelector
and required node affinity and the pod tolerates its NoSchedule / NoExecute taints
(with the tolerations the controller adds to every daemon pod, util.AddOrUpdateDaemonPodTolerations).
Pods are pinned with a required node affinity on ``metadata.name``
(ReplaceDaemonSetPodNodeNameNodeAffinity) and placed by the scheduler.

Every template the set has had is a ControllerRevision ``<set>-<hash>`` (update.go
constructHistory); the pods carry its hash (``controller-revision-hash``) and the set's
template generation (``pod-template-generation``). RollingUpdate (update.go rollingUpdate)
replaces pods with at most ``maxUnavailable`` nodes short of an available pod, or, with
``maxSurge``, starts the new pod beside the old one and deletes the old one once the new one
is available; OnDelete replaces a pod only once someone deletes it.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.apps import ControllerRevision, DaemonSet
from kubelab.api.core import (Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
                              Pod, Toleration)
from kubelab.api.labels import Selector
from kubelab.api.meta import ObjectMeta
from kubelab.api.base import parse_time
from kubelab.api.podutil import get_pod_ready_condition, is_pod_ready

from . import history
from .base import (Controller, ControllerContext, ControllerExpectations, owner_ref, pod_from_template,
                   settle, slow_start_batch, resolve_int_or_percent)
from .deployment import compute_hash
from .replicaset import (claim_objects, controller_uid_index, ensure_index, filter_by_owner,
                         update_status_with_retry)

REVISION_LABEL = "controller-revision-hash"  # apps.DefaultDaemonSetUniqueLabelKey
TEMPLATE_GENERATION = "pod-template-generation"  # extensions.DaemonSetTemplateGenerationKey
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"  # apps/v1 DeprecatedTemplateGeneration

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


def _controller_uid(obj) -> Optional[str]:
    ref = obj.metadata.controller_ref()
    return ref.uid if ref is not None else None


def node_should_run_daemon_pod(node: Node, spec, tolerations: Optional[list] = None) -> tuple[bool, bool]:
    """daemon_controller.go NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning).
    Predicates: spec.nodeName, node selector, required node affinity, taints with the daemon
    tolerations; a pod already there keeps running past an untolerated NoSchedule taint,
    not past a NoExecute one."""
    if spec.node_name and spec.node_name != node.name:
        return False, False
    if spec.node_selector and not Selector.from_set(spec.node_selector).matches(node.metadata.labels):
        return False, False
    na = spec.affinity.node_affinity if spec.affinity else None
    req = na.required_during_scheduling_ignored_during_execution if na else None
    if req is not None and req.node_selector_terms and not any(_node_matches_term(node, t) for t in req.node_selector_terms):
        return False, False
    tols = daemon_tolerations(spec) if tolerations is None else tolerations
    untolerated = [t for t in node.spec.taints or ()
                   if t.effect in ("NoSchedule", "NoExecute") and not any(x.tolerates(t) for x in tols)]
    if untolerated:
        return False, not any(t.effect == "NoExecute" for t in untolerated)
    return True, True


def node_should_run(node: Node, spec) -> bool:
    """NodeShouldRunDaemonPod's shouldRun."""
    return node_should_run_daemon_pod(node, spec)[0]


def template_generation(ds: DaemonSet):
    """util.GetTemplateGeneration: the ``deprecated.daemonset.template.generation``
    annotation (None when absent or not a number)."""
    v = (ds.metadata.annotations or {}).get(TEMPLATE_GENERATION_ANNOTATION)
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def surge_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """util.SurgeCount: maxSurge scaled (rounding up); 0 unless RollingUpdate."""
    s = ds.spec.update_strategy
    if s is None or s.type != "RollingUpdate" or s.rolling_update is None or s.rolling_update.max_surge is None:
        return 0
    return resolve_int_or_percent(s.rolling_update.max_surge, number_to_schedule, True)


def unavailable_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """util.UnavailableCount: maxUnavailable scaled (rounding up); 0 unless RollingUpdate."""
    s = ds.spec.update_strategy
    if s is None or s.type != "RollingUpdate" or s.rolling_update is None:
        return 0
    return resolve_int_or_percent(s.rolling_update.max_unavailable, number_to_schedule, True)


def allows_surge(ds: DaemonSet) -> bool:
    """util.AllowsSurge."""
    return surge_count(ds, 1) > 0


def match(ds: DaemonSet, revision: ControllerRevision) -> bool:
    """update.go Match: the revision's patch is the set's current one, byte for byte."""
    return history.go_json(history.get_patch(ds)) == history.raw(revision)


class Backoff:
    """client-go util/flowcontrol Backoff (no jitter): per-id delays that double from
    ``initial`` up to ``max``, forgotten after 2 x max without an update."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial, self.max = initial, maximum
        self.entries: dict[str, tuple[float, float]] = {}  # id -> (backoff, lastUpdate)

    def get(self, id_: str) -> float:
        return self.entries.get(id_, (0.0, 0.0))[0]

    def next(self, id_: str, now: float) -> None:
        entry = self.entries.get(id_)
        if entry is None or now - entry[1] > 2 * self.max:
            self.entries[id_] = (self.initial, now)
        else:
            self.entries[id_] = (min(entry[0] * 2, self.max), now)

    def is_in_backoff_since_update(self, id_: str, event_time: float) -> bool:
        entry = self.entries.get(id_)
        if entry is None or event_time - entry[1] > 2 * self.max:
            return False
        return event_time - entry[1] < entry[0]


def _creation_and_phase(pod: Pod):
    """podByCreationTimestampAndPhase: scheduled pods first, then the oldest, then by name."""
    return (not pod.spec.node_name, pod.metadata.creation_timestamp or "", pod.name)


# What a sync asks of one daemon pod object, kept per object (DaemonSetController._pod_facts):
# the pod, its name, namespace, target node, deleted?, phase, Ready?, the Ready condition's
# lastTransitionTime (None when unset), its controller-revision-hash and
# pod-template-generation labels, its _creation_and_phase key, its controller's uid.
_POD, _NAME, _NS, _NODE, _DELETED, _PHASE, _READY, _SINCE, _HASH, _GEN, _ORDER, _UID = range(12)
_order_key = itemgetter(_ORDER)
_name_key = itemgetter(_NAME)
_TERMINAL = ("Failed", "Succeeded")


def _available(f: tuple, mrs: int, now: float) -> bool:
    """podutil.IsPodAvailable on a pod's facts."""
    return f[_READY] and (not mrs or (f[_SINCE] is not None and f[_SINCE] + mrs < now))


def _updated(f: tuple, hash_: str, gen_label: Optional[str]) -> bool:
    """util.IsPodUpdated on a pod's facts: its pod-template-generation label is the set's
    (``gen_label``: str(generation), or None), or its controller-revision-hash is."""
    return bool(hash_) and f[_HASH] == hash_ or (gen_label is not None and f[_GEN] == gen_label)


def _find_updated(facts, hash_: str, gen_label: Optional[str]):
    """findUpdatedPodsOnNode on a node's pod facts: (new, old) among its live pods, or None
    when there are two of either (manage prunes them first)."""
    new = old = None
    for f in facts:
        if f[_DELETED]:
            continue
        if _updated(f, hash_, gen_label):
            if new is not None:
                return None
            new = f
        else:
            if old is not None:
                return None
            old = f
    return new, old


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
        # failedPodsBackoff: flowcontrol.NewBackOff(1*time.Second, 15*time.Minute)
        self.failed_pods_backoff = Backoff(1.0, 15 * 60.0)
        self.recorder = ctx.recorder(self.name)
        self.ds_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.pod_informer.add_event_handler(self._pod_add, self._pod_update, self._pod_del)
        self.node_informer.add_event_handler(self._node_add_delete, self._node_update, self._node_add_delete)
        self._node_events = 0  # node informer events seen: the _should_run memo's clock
        self._pod_events = 0  # pod informer events seen: the _daemon_pods memo's clock
        self._by_node_memo: dict[tuple, dict[str, list[tuple]]] = {}
        # DaemonSet uid -> (generation, node events, {node name: (node, answer)}, runs)
        self._runs_memo: dict[str, tuple] = {}
        # pod uid -> the facts (_pod_facts) of the newest version seen: keyed by uid, not by
        # object, so an older version is let go when a newer one comes (5,000 nodes' daemon
        # pods, each updated several times, kept every version alive)
        self._facts: dict[str, tuple] = {}
        # DaemonSet uid -> (generation, {pod uid: pod}): pods owned and matching its selector
        self._claimed: dict[str, tuple] = {}
        # DaemonSet uid -> the last status pass's inputs and counts (_status)
        self._status_memo: dict[str, tuple] = {}
        # DaemonSet uid -> (pods by node, hash, generation label, is a live pod not updated?)
        self._old_memo: dict[str, tuple] = {}
        # addHistory / updateHistory / deleteHistory: a revision wakes its DaemonSet
        self.history_informer = ctx.informers.informer(ControllerRevision)
        self.history_informer.add_event_handler(self._history, lambda o, n: self._history(n), self._history)

    def _history(self, cr) -> None:
        cr = tombstone_object(cr)
        ref = cr.metadata.controller_ref()
        if ref is not None and ref.kind == "DaemonSet":
            self.queue.add(f"{cr.metadata.namespace}/{ref.name}")
        elif ref is None:
            for ds in self.ds_informer.list(cr.metadata.namespace):
                if Selector.from_label_selector(ds.spec.selector).matches(cr.metadata.labels):
                    self.enqueue(ds)

    def _node_add_delete(self, _obj=None) -> None:
        self._node_events += 1
        self._all()

    def _all(self, _obj=None) -> None:
        for ds in self.ds_informer.list():
            self.enqueue(ds)

    def _node_update(self, old, cur) -> None:
        """daemon_controller.go updateNode: a heartbeat (only the conditions' times changed)
        is ignored; otherwise a daemon set is synced only if the node's fit for it changed."""
        self._node_events += 1
        if old is not None and should_ignore_node_update(old, cur):
            return
        for ds in self.ds_informer.list():
            spec = ds.spec.template.spec
            # shouldRun or shouldContinueRunning changed
            if old is None or node_should_run_daemon_pod(old, spec) != node_should_run_daemon_pod(cur, spec):
                self.enqueue(ds)

    def _owner(self, pod):
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "DaemonSet":
            return None
        ds = self.ds_informer.get(f"{pod.metadata.namespace}/{ref.name}")
        return ds if ds is not None and ds.uid == ref.uid else None

    def _pod_add(self, pod) -> None:
        self._pod_events += 1
        ds = self._owner(pod)
        if ds is not None:
            self.expectations.creation_observed(ds.key())
            self.enqueue(ds)

    def _pod_event(self, pod) -> None:
        ds = self._owner(pod)
        if ds is not None:
            self.enqueue(ds)

    def _pod_update(self, old, pod) -> None:
        """updatePod: a pod that turns ready brings its set back after minReadySeconds (+1 s
        against skew), when it has become available."""
        self._pod_events += 1
        self._pod_event(pod)
        ds = self._owner(pod)
        if ds is not None and (ds.spec.min_ready_seconds or 0) > 0 and not is_pod_ready(old) and is_pod_ready(pod):
            self.enqueue_after(ds, ds.spec.min_ready_seconds + 1)

    def _pod_del(self, pod) -> None:
        self._pod_events += 1
        pod = tombstone_object(pod)
        self._facts.pop(pod.metadata.uid, None)
        ds = self._owner(pod)
        if ds is not None:
            self.expectations.deletion_observed(ds.key())
            self.enqueue(ds)

    def _template_for(self, ds: DaemonSet, node_name: str, hash_: str):
        """util.CreatePodTemplate (the generation and hash labels, the daemon tolerations)
        pinned to the node (ReplaceDaemonSetPodNodeNameNodeAffinity)."""
        t = ds.spec.template.copy_deep()
        labels = dict(t.metadata.labels or {})
        gen = template_generation(ds)
        if gen is not None:
            labels[TEMPLATE_GENERATION] = str(gen)
        if hash_:
            labels[REVISION_LABEL] = hash_
        t.metadata.labels = labels
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

    def _should_run(self, ds) -> dict[str, tuple[bool, bool]]:
        """NodeShouldRunDaemonPod for every node (the informer's nodes: this sync's list, as
        upstream), by node name in name order. The answers are kept per node object and
        DaemonSet generation (a sync walks every node, on every node and daemon pod change:
        O(nodes) fresh answers a sync made thousands of nodes O(nodes²) to register); a
        node's newer version is a new object, a spec change a new generation. While no node
        event came in, the last answer is the answer (callers must not change it)."""
        gen = ds.metadata.generation
        hit = self._runs_memo.get(ds.uid)
        if hit is not None and hit[0] == gen and hit[1] == self._node_events:
            return hit[3]
        old = hit[2] if hit is not None and hit[0] == gen else {}
        memo, runs, spec = {}, {}, ds.spec.template.spec
        tols = None
        for name, n in sorted(self.node_informer.store.items()):  # a node's key is its name
            r = old.get(name)
            if r is None or r[0] is not n:
                if tols is None:
                    tols = daemon_tolerations(spec)
                r = (n, node_should_run_daemon_pod(n, spec, tols))
            memo[name] = r
            runs[name] = r[1]
        if len(self._runs_memo) > len(self.ds_informer.store):
            live = {d.uid for d in self.ds_informer.store.values()}
            self._runs_memo = {k: v for k, v in self._runs_memo.items() if k in live}
        self._runs_memo[ds.uid] = (gen, self._node_events, memo, runs)
        return runs

    # -- pods by node -------------------------------------------------------------------
    def _pod_facts(self, pod: Pod) -> tuple:
        """The facts (_POD.._UID above) of one pod object. A sync walks every daemon pod
        several times, and the set is synced on nearly every pod event: the answers are kept
        per object, as informer objects never change and a newer version is a new object."""
        md = pod.metadata
        f = self._facts.get(md.uid)
        if f is not None and f[_POD] is pod:
            return f
        if len(self._facts) > 2 * len(self.pod_informer.store) + 1000:
            self._facts.clear()  # pods a relist dropped without a delete event
        labels = md.labels or {}
        c = get_pod_ready_condition(pod.status)
        ready = c is not None and c.status == "True"
        since = parse_time(c.last_transition_time) if ready and c.last_transition_time else None
        ref = md.controller_ref()
        name = md.name or ""
        f = (pod, name, md.namespace, self._pod_node(pod), md.deletion_timestamp is not None, pod.status.phase,
             ready, since, labels.get(REVISION_LABEL), labels.get(TEMPLATE_GENERATION),
             (not pod.spec.node_name, md.creation_timestamp or "", name), ref.uid if ref is not None else None)
        self._facts[md.uid] = f
        return f

    def _daemon_pods(self, ds, include_deleted_terminal: bool = False) -> dict[str, list[tuple]]:
        """getNodesToDaemonPods on pod facts: the pods the set controls, by target node
        (spec.nodeName, else the node the affinity pins), each node's by name; a deleted pod
        that has finished is left out unless asked for. A sync asks three times: while no pod
        event came in between, the answer is the last one (callers must not change it)."""
        key = (ds.uid, ds.metadata.namespace, include_deleted_terminal)
        hit = self._by_node_memo.get(key)
        if hit is not None and hit[0] == self._pod_events:
            return hit[1]
        get = self._facts.get
        facts = [f if (f := get(p.metadata.uid)) is not None and f[_POD] is p else self._pod_facts(p)
                 for p in self.pod_informer.by_index("controller-uid", ds.uid)]
        facts.sort(key=_name_key)
        out: dict[str, list[tuple]] = {}
        ns = ds.metadata.namespace
        for f in facts:
            if f[_NS] != ns:
                continue
            if not include_deleted_terminal and f[_DELETED] and f[_PHASE] in _TERMINAL:
                continue
            lst = out.get(f[_NODE])
            if lst is None:
                out[f[_NODE]] = [f]
            else:
                lst.append(f)
        # answers at an older pod-event count are stale: only this one is kept
        self._by_node_memo = {k: v for k, v in self._by_node_memo.items() if v[0] == self._pod_events}
        self._by_node_memo[key] = (self._pod_events, out)
        return out

    def _nodes_to_daemon_pods(self, ds, include_deleted_terminal: bool = False) -> dict[str, list[Pod]]:
        """getNodesToDaemonPods: the pods the set controls, by target node (a fresh dict)."""
        return {n: [f[_POD] for f in fs] for n, fs in self._daemon_pods(ds, include_deleted_terminal).items()}

    def sync(self, key: str):
        """syncDaemonSet."""
        ds = self.ds_informer.get(key)
        if ds is None:
            self.expectations.delete(key)
            return
        selector = Selector.from_label_selector(ds.spec.selector)
        # ClaimPods over the namespace's pods: only those the set owns and the orphans can
        # change hands (the controller-uid index has both); when every one is owned and still
        # matches, claiming changes nothing
        ns, uid = ds.metadata.namespace, ds.uid
        owned = filter_by_owner(self.pod_informer, ds)
        # (a pod object once found owned and matching this generation's selector stays so)
        claimed = self._claimed.get(uid)
        if claimed is None or claimed[0] != ds.metadata.generation or len(claimed[1]) > 2 * len(owned) + 100:
            if len(self._claimed) > len(self.ds_informer.store):
                self._claimed.clear()
            claimed = self._claimed[uid] = (ds.metadata.generation, {})
        seen = claimed[1]
        for p in owned:
            if seen.get(p.metadata.uid) is p or p.metadata.namespace != ns:
                continue
            if _controller_uid(p) != uid or not selector.matches(p.metadata.labels):
                candidates = [p for p in owned if p.metadata.namespace == ns]
                candidates.sort(key=lambda p: p.name)
                yield from claim_objects(self, ds, selector, candidates, None)
                break
            seen[p.metadata.uid] = p
        if ds.metadata.deletion_timestamp is not None:
            return
        # NodeShouldRunDaemonPod once per node and sync (the node list is this sync's, as upstream)
        runs = self._should_run(ds)
        # constructHistory: the current revision's hash names the pods' revision
        cur, old = yield from self._construct_history(ds)
        hash_ = (cur.metadata.labels or {}).get(REVISION_LABEL, "")
        if not self.expectations.satisfied(key):
            # only the status; observedGeneration stays: this generation was not processed
            yield from self._status(ds, hash_, False, runs)
            return
        # updateDaemonSet: manage, then the update strategy, then the history limit
        yield from self._manage(ds, key, hash_, runs)
        if self.expectations.satisfied(key):
            strat = ds.spec.update_strategy
            if strat is not None and strat.type == "RollingUpdate":
                yield from self._rolling_update(ds, key, hash_, runs)
        yield from self._cleanup_history(ds, old)
        yield from self._status(ds, hash_, True, runs)

    def _manage(self, ds, key, hash_, runs):
        """manage + podsShouldBeOnNode: create a pod on every node that should run one and has
        none; delete failed and succeeded pods, the extra pods on a node, and pods on nodes
        that should not keep them (or that are gone). ``runs``: by node name, in node order."""
        by_node = self._daemon_pods(ds)
        surge = allows_surge(ds)
        to_create, to_delete = [], []
        for node_name, (should_run, should_continue) in runs.items():
            pods = by_node.get(node_name)
            if should_continue and not surge and pods is not None and len(pods) == 1:
                f = pods[0]  # the usual node: its one live pod stays (what the loop below concludes)
                if not f[_DELETED] and f[_PHASE] not in _TERMINAL:
                    continue
            if should_run and pods is None:
                to_create.append(node_name)
            elif should_continue:
                running = []
                for f in pods or ():
                    if f[_DELETED]:
                        continue
                    p = f[_POD]
                    if f[_PHASE] == "Failed":
                        # the kubelet may keep rejecting the pod: deleting it again waits for a
                        # backoff per set, generation and node (failedPodsBackoffKey)
                        bkey = f"{ds.uid}/{ds.status.observed_generation or 0}/{node_name}"
                        if self.failed_pods_backoff.is_in_backoff_since_update(bkey, self.sim.now):
                            self.enqueue_after(ds, self.failed_pods_backoff.get(bkey))
                            continue
                        self.failed_pods_backoff.next(bkey, self.sim.now)
                        self.recorder.event(ds, "Warning", "FailedDaemonPod",
                                            f"Found failed daemon pod {p.metadata.namespace}/{f[_NAME]} on node "
                                            f"{node_name}, will try to kill it")
                        to_delete.append(p)
                    elif f[_PHASE] == "Succeeded":
                        to_delete.append(p)
                    else:
                        running.append(f)
                running.sort(key=_order_key)
                if not surge:
                    to_delete += [f[_POD] for f in running[1:]]  # more than one: all but the oldest go
                    continue
                if len(running) <= 1:
                    if not running and should_run:
                        to_create.append(node_name)  # surging: at least one live pod per node
                    continue
                # surging: an old and a new pod may share a node while the new one is not yet
                # available and the old one still ready; every other pod goes
                oldest_new = oldest_old = None
                for f in running:
                    if f[_HASH] == hash_:
                        if oldest_new is None:
                            oldest_new = f
                            continue
                    elif oldest_old is None:
                        oldest_old = f
                        continue
                    to_delete.append(f[_POD])
                if oldest_new is not None and oldest_old is not None:
                    if not oldest_old[_READY]:
                        to_delete.append(oldest_old[_POD])
                    elif _available(oldest_new, ds.spec.min_ready_seconds or 0, self.sim.now):
                        to_delete.append(oldest_old[_POD])
            elif pods is not None:
                to_delete += [f[_POD] for f in pods if not f[_DELETED]]
        # getUnscheduledPodsWithoutNode: pods whose node is gone
        for n in sorted(by_node):
            if n not in runs:
                to_delete += [f[_POD] for f in by_node[n] if not f[_DELETED]]
        yield from self._apply(ds, key, to_create, to_delete, hash_)

    def _rolling_update(self, ds, key, hash_, runs):
        """update.go rollingUpdate. Without surge, old pods are deleted so that no more than
        maxUnavailable nodes lack an available pod (manage creates the new ones); with
        maxSurge, a new pod starts beside the old one, at most maxSurge nodes at a time, and
        the old one goes once the new one is available (minReadySeconds)."""
        by_node = self._daemon_pods(ds)
        gen = template_generation(ds)
        gen_label = str(gen) if gen is not None else None
        hit = self._old_memo.get(ds.uid)
        if hit is not None and hit[0] is by_node and hit[1:3] == (hash_, gen_label):
            any_old = hit[3]
        else:
            any_old = any(not f[_DELETED] and not _updated(f, hash_, gen_label) for fs in by_node.values() for f in fs)
            if len(self._old_memo) > len(self.ds_informer.store):
                self._old_memo.clear()
            self._old_memo[ds.uid] = (by_node, hash_, gen_label, any_old)
        if not any_old:
            # no live old pod: every node's answer below is "nothing to replace"
            yield from self._apply(ds, key, [], [], hash_)
            return
        max_surge, max_unavailable, desired = self._updated_desired_node_counts(ds, runs)
        mrs = ds.spec.min_ready_seconds or 0
        now = self.sim.now
        # every node that should run a pod counts, with or without pods (updatedDesiredNodeCounts)
        node_names = sorted(set(by_node).union(n for n, r in runs.items() if r[0]))
        if max_surge == 0:
            num_unavailable = 0
            allowed, candidates = [], []
            for node_name in node_names:
                found = _find_updated(by_node.get(node_name, ()), hash_, gen_label)
                if found is None:  # excess pods: manage cleans up; count the node unavailable
                    num_unavailable += 1
                    continue
                new_pod, old_pod = found
                if (old_pod is None) == (new_pod is None):
                    num_unavailable += 1
                elif new_pod is not None:
                    if not _available(new_pod, mrs, now):
                        num_unavailable += 1
                elif not _available(old_pod, mrs, now):
                    allowed.append(old_pod[_POD])  # an unavailable old pod is replaced at once
                    num_unavailable += 1
                elif num_unavailable < max_unavailable:
                    candidates.append(old_pod[_POD])
            remaining = min(max(max_unavailable - num_unavailable, 0), len(candidates))
            yield from self._apply(ds, key, [], allowed + candidates[:remaining], hash_)
            return
        old_to_delete, should_not_run, candidate_nodes, allowed_nodes = [], [], [], []
        num_surge = num_available = 0
        for node_name in node_names:
            found = _find_updated(by_node.get(node_name, ()), hash_, gen_label)
            if found is None:  # excess pods: manage cleans up; count the node as surging
                num_surge += 1
                continue
            new_pod, old_pod = found
            if old_pod is not None:
                num_available += _available(old_pod, mrs, now)
            elif new_pod is not None:
                num_available += _available(new_pod, mrs, now)
            if old_pod is None:
                continue
            if new_pod is None:
                run = runs.get(node_name, (False, False))[0]
                if not _available(old_pod, mrs, now):
                    if not run:
                        old_to_delete.append(old_pod[_POD])
                        continue
                    allowed_nodes.append(node_name)  # an unavailable old pod: replace it now
                    continue
                if not run:
                    should_not_run.append(old_pod[_POD])
                    continue
                if num_surge >= max_surge:
                    continue
                candidate_nodes.append(node_name)
                continue
            if not _available(new_pod, mrs, now):
                num_surge += 1  # waiting for the new pod to become available
                continue
            old_to_delete.append(old_pod[_POD])  # the new pod is available: the old one goes
        remaining = max_surge - num_surge
        # with maxSurge the owner expects full availability: a pod on a node the set no
        # longer wants goes only once enough pods are available elsewhere
        deletable = min(num_available - desired, len(should_not_run))
        if deletable > 0:
            old_to_delete += should_not_run[:deletable]
        remaining = min(max(remaining, 0), len(candidate_nodes))
        yield from self._apply(ds, key, allowed_nodes + candidate_nodes[:remaining], old_to_delete, hash_)

    def _updated_desired_node_counts(self, ds, runs):
        """updatedDesiredNodeCounts: (maxSurge, maxUnavailable, desiredNumberScheduled); every
        node that should run a pod counts (the caller walks them, with or without pods)."""
        desired = sum(1 for r in runs.values() if r[0])
        max_unavailable = unavailable_count(ds, desired)
        max_surge = surge_count(ds, desired)
        # an impossible configuration (both 0) falls back to accepting one unavailable
        if desired > 0 and max_unavailable == 0 and max_surge == 0:
            max_unavailable = 1
        return max_surge, max_unavailable, desired

    # -- history (update.go constructHistory, snapshot, dedupCurHistories, cleanupHistory) --
    def _controlled_histories(self, ds):
        """controlledHistories: the revisions the set controls, adopting orphans that match
        its selector and releasing owned ones that no longer do."""
        selector = Selector.from_label_selector(ds.spec.selector)
        candidates = sorted(self.history_informer.list(ds.metadata.namespace), key=lambda r: r.name)
        return (yield from claim_objects(self, ds, selector, candidates, None))

    def _construct_history(self, ds):
        histories = yield from self._controlled_histories(ds)
        current, old = [], []
        for h in histories:
            if REVISION_LABEL not in (h.metadata.labels or {}):
                # the unique label from the name, not a hash: no collision to worry about
                upd = h.copy_deep()
                upd.metadata.labels = dict(upd.metadata.labels or {}, **{REVISION_LABEL: upd.name})
                h = yield self.client.update(upd)
            (current if match(ds, h) else old).append(h)
        curr_revision = history.max_revision(old) + 1
        if not current:
            cur = yield from self._snapshot(ds, curr_revision)
        else:
            cur = yield from self._dedup_cur_histories(ds, current)
            if cur.revision < curr_revision:
                upd = cur.copy_deep()
                upd.revision = curr_revision
                cur = yield self.client.update(upd)
        return cur, old

    def _snapshot(self, ds, revision: int):
        """snapshot: a revision named ``<set>-<ComputeHash(template, collisionCount)>``."""
        hash_ = compute_hash(ds.spec.template, ds.status.collision_count)
        name = f"{ds.name}-{hash_}"
        cr = ControllerRevision(
            metadata=ObjectMeta(name=name, namespace=ds.metadata.namespace,
                                labels=dict(ds.spec.template.metadata.labels or {}, **{REVISION_LABEL: hash_}),
                                annotations=dict(ds.metadata.annotations) if ds.metadata.annotations else None,
                                owner_references=[owner_ref(ds)]),
            data=history.get_patch(ds), revision=revision)
        try:
            return (yield self.client.create(cr))
        except errors.StatusError as exc:
            if not errors.is_already_exists(exc):
                raise
            existing = yield self.client.get(ControllerRevision, name, ds.metadata.namespace)
            if match(ds, existing):
                return existing
            # a hash collision between different templates: bump collisionCount and retry
            curr = (yield self.client.get(DaemonSet, ds.name, ds.metadata.namespace)).copy_deep()
            if curr.status.collision_count != ds.status.collision_count:
                raise RuntimeError(f"found a stale collision count ({ds.status.collision_count}, expected "
                                   f"{curr.status.collision_count}) of DaemonSet {ds.name!r} while processing; "
                                   "will retry until it is updated") from None
            curr.status.collision_count = (curr.status.collision_count or 0) + 1
            yield self.client.update_status(curr)
            raise

    def _dedup_cur_histories(self, ds, current):
        if len(current) == 1:
            return current[0]
        keep = None
        for c in current:
            if keep is None or c.revision >= keep.revision:
                keep = c
        keep_hash = (keep.metadata.labels or {}).get(REVISION_LABEL)
        for c in current:
            if c.name == keep.name:
                continue
            for pods in self._nodes_to_daemon_pods(ds, True).values():
                for p in pods:
                    if (p.metadata.labels or {}).get(REVISION_LABEL) != keep_hash:
                        upd = p.copy_deep()
                        upd.metadata.labels = dict(upd.metadata.labels or {}, **{REVISION_LABEL: keep_hash})
                        yield self.client.update(upd)
            yield self.client.delete(ControllerRevision, c.name, c.metadata.namespace)
        return keep

    def _cleanup_history(self, ds, old):
        """cleanupHistory: beyond revisionHistoryLimit, delete the oldest revisions no pod
        (deleted finished pods included) still carries."""
        limit = ds.spec.revision_history_limit if ds.spec.revision_history_limit is not None else 10
        to_kill = len(old) - limit
        if to_kill <= 0:
            return
        live = {(p.metadata.labels or {}).get(REVISION_LABEL)
                for pods in self._nodes_to_daemon_pods(ds, True).values() for p in pods}
        for h in history.sort_controller_revisions(old):
            if to_kill <= 0:
                break
            if (h.metadata.labels or {}).get(REVISION_LABEL) in live:
                continue
            try:
                yield self.client.delete(ControllerRevision, h.name, h.metadata.namespace)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise
            to_kill -= 1

    def _apply(self, ds, key, to_create, to_delete, hash_):
        seen = set()
        to_delete = [p for p in to_delete if not (p.uid in seen or seen.add(p.uid))]
        self.expectations.set(key, len(to_create), len(to_delete))
        if to_create:
            queue = list(to_create)

            def create_one():
                node = queue.pop(0)
                return self.create_pod(ds, pod_from_template(self._template_for(ds, node, hash_), ds))

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

    def _status(self, ds, hash_, update_observed_gen: bool, runs):
        """updateDaemonSetStatus: per node that should run a pod, the oldest of its pods counts
        as scheduled, ready, available (ready for minReadySeconds) and updated (its hash, or
        its pod-template-generation, is the set's); pods on other nodes are misscheduled."""
        mrs = ds.spec.min_ready_seconds or 0
        now = self.sim.now
        by_node = self._daemon_pods(ds)
        gen = template_generation(ds)
        gen_label = str(gen) if gen is not None else None
        # the counts depend on the pods, the nodes' answers, the revision and (minReadySeconds)
        # the time: while none changed, the last pass's counts are the counts
        inputs = (by_node, runs, hash_, gen_label, mrs, now if mrs else None)
        hit = self._status_memo.get(ds.uid)
        if hit is not None and hit[0][0] is by_node and hit[0][1] is runs and hit[0][2:] == inputs[2:]:
            desired, current, misscheduled, ready, available, updated = hit[1]
        else:
            desired, current, misscheduled, ready, available, updated = self._status_counts(
                by_node, runs, hash_, gen_label, mrs, now)
            if len(self._status_memo) > len(self.ds_informer.store):
                self._status_memo.clear()
            self._status_memo[ds.uid] = (inputs, (desired, current, misscheduled, ready, available, updated))
        st = ds.status.copy_deep()
        st.desired_number_scheduled, st.current_number_scheduled = desired, current
        st.number_misscheduled, st.number_ready = misscheduled, ready
        st.updated_number_scheduled, st.number_available = updated, available
        st.number_unavailable = desired - available
        if update_observed_gen:
            st.observed_generation = ds.metadata.generation
        if st != ds.status:
            yield from update_status_with_retry(self.client, ds, st)
        if mrs > 0 and ready != available:
            self.enqueue_after(ds, mrs)

    @staticmethod
    def _status_counts(by_node, runs, hash_, gen_label, mrs, now) -> tuple:
        """updateDaemonSetStatus's counts: (desired, current, misscheduled, ready, available, updated)."""
        desired = current = misscheduled = ready = available = updated = 0
        for node_name, (should_run, _) in runs.items():
            pods = by_node.get(node_name)  # never an empty list
            if should_run:
                desired += 1
                if pods is None:
                    continue
                current += 1
                f = pods[0] if len(pods) == 1 else min(pods, key=_order_key)  # the first in that order
                if f[_READY]:
                    ready += 1
                    if not mrs or (f[_SINCE] is not None and f[_SINCE] + mrs < now):  # IsPodAvailable
                        available += 1
                if bool(hash_) and f[_HASH] == hash_ or (gen_label is not None and f[_GEN] == gen_label):
                    updated += 1  # IsPodUpdated
            elif pods is not None:
                misscheduled += 1
        return desired, current, misscheduled, ready, available, updated

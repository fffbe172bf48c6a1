"""Deployment controller (pkg/controller/deployment: deployment_controller.go, sync.go,
rolling.go, recreate.go, progress.go, util/deployment_util.go). It never rolls back: in
apps/v1 `kubectl rollout undo` does (kubelab.kubectl.polymorphichelpers.rollback).

A Deployment owns ReplicaSets named ``<deployment>-<pod-template-hash>``; the new one
carries the current template, the old ones are scaled down as the new one scales up,
within ``replicas + maxSurge`` pods in total and no fewer than ``replicas -
maxUnavailable`` available (RollingUpdate), or all old first (Recreate).
"""

from __future__ import annotations

from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.apps import Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetSpec
from kubelab.api.base import parse_time, rfc3339
from kubelab.api.core import Pod, PodTemplateSpec
from kubelab.api.labels import Selector
from kubelab.api.meta import LabelSelector, ObjectMeta

from .base import Controller, ControllerContext, owner_ref, resolve_int_or_percent
from .replicaset import claim_objects, controller_uid_index, ensure_index

# util/deployment_util.go annotations and reasons
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
POD_TEMPLATE_HASH = "pod-template-hash"  # apps.DefaultDeploymentUniqueLabelKey
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SKIP_ANNOTATIONS = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
                     "deprecated.deployment.rollback.to"}

NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
FAILED_RS_CREATE = "ReplicaSetCreateError"

_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand


# ----------------------------------------------------------------------------- hashing
def safe_encode_string(s: str) -> str:
    """rand.SafeEncodeString: each byte mapped onto an alphabet without vowels."""
    return "".join(_SAFE_ALPHANUMS[ord(c) % len(_SAFE_ALPHANUMS)] for c in s)


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def _go_dump(value, out: list) -> None:
    """A deterministic dump of the template in the spirit of hashutil.DeepHashObject
    (spew %#v with sorted keys): field names, nested values, maps sorted by key.
    Upstream hashes the Go struct's spew printout; kubelab hashes the same content as
    it holds it, so hashes are stable and content-derived but not byte-equal to Go's."""
    if isinstance(value, dict):
        out.append("{")
        for k in sorted(value):
            out.append(f"{k}:")
            _go_dump(value[k], out)
            out.append(",")
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for v in value:
            _go_dump(v, out)
            out.append(",")
        out.append("]")
    elif isinstance(value, str):
        out.append(f'"{value}"')
    else:
        out.append(repr(value))


def compute_hash(template: PodTemplateSpec, collision_count: Optional[int]) -> str:
    """controller.ComputeHash: FNV-32a over the template, then the collision count's
    decimal digits, printed in decimal and passed through SafeEncodeString."""
    buf: list[str] = []
    _go_dump(template.to_dict(), buf)
    data = "".join(buf).encode()
    if collision_count is not None:
        data += str(collision_count).encode()
    return safe_encode_string(str(fnv32a(data)))


# ----------------------------------------------------------------------------- util
def rs_replicas(rs: ReplicaSet) -> int:
    return rs.spec.replicas if rs.spec.replicas is not None else 1


def revision_of(obj) -> int:
    try:
        return int((obj.metadata.annotations or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _ann_int(rs, key) -> Optional[int]:
    v = (rs.metadata.annotations or {}).get(key)
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def template_without_hash(t: PodTemplateSpec) -> dict:
    d = t.to_dict()
    labels = d.get("metadata", {}).get("labels")
    if labels:
        labels.pop(POD_TEMPLATE_HASH, None)
        if not labels:
            d["metadata"].pop("labels")
    return d


def equal_ignore_hash(a: PodTemplateSpec, b: PodTemplateSpec) -> bool:
    """util.EqualIgnoreHash."""
    return template_without_hash(a) == template_without_hash(b)


def _created(rs) -> tuple:
    return (parse_time(rs.metadata.creation_timestamp) or 0.0, rs.name)


def find_new_rs(d: Deployment, rs_list: list[ReplicaSet]) -> Optional[ReplicaSet]:
    """util.FindNewReplicaSet: the oldest RS whose template equals the deployment's."""
    for rs in sorted(rs_list, key=_created):
        if equal_ignore_hash(rs.spec.template, d.spec.template):
            return rs
    return None


def is_rolling(d: Deployment) -> bool:
    return (d.spec.strategy.type if d.spec.strategy else "RollingUpdate") == "RollingUpdate"


def resolve_fenceposts(d: Deployment) -> tuple[int, int]:
    """util.ResolveFenceposts: surge rounds up, unavailable rounds down; both 0 → 1 unavailable."""
    ru = d.spec.strategy.rolling_update if d.spec.strategy else None
    desired = d.spec.replicas if d.spec.replicas is not None else 1
    surge = resolve_int_or_percent(ru.max_surge if ru and ru.max_surge is not None else "25%", desired, True)
    unavail = resolve_int_or_percent(ru.max_unavailable if ru and ru.max_unavailable is not None else "25%", desired, False)
    if surge == 0 and unavail == 0:
        unavail = 1
    return surge, unavail


def max_surge(d: Deployment) -> int:
    if not is_rolling(d):
        return 0
    return resolve_fenceposts(d)[0]


def max_unavailable(d: Deployment) -> int:
    replicas = d.spec.replicas if d.spec.replicas is not None else 1
    if not is_rolling(d) or replicas == 0:
        return 0
    return min(resolve_fenceposts(d)[1], replicas)


def new_rs_new_replicas(d: Deployment, all_rss: list[ReplicaSet], new_rs: ReplicaSet) -> int:
    """util.NewRSNewReplicas."""
    replicas = d.spec.replicas
    if is_rolling(d):
        current = sum(rs_replicas(r) for r in all_rss)
        max_total = replicas + max_surge(d)
        if current >= max_total:
            return rs_replicas(new_rs)
        up = min(max_total - current, replicas - rs_replicas(new_rs))
        return rs_replicas(new_rs) + up
    return replicas


def deployment_complete(d: Deployment, st: DeploymentStatus) -> bool:
    """util.DeploymentComplete."""
    r = d.spec.replicas
    return (st.updated_replicas or 0) == r and (st.replicas or 0) == r and (st.available_replicas or 0) == r \
        and (st.observed_generation or 0) >= (d.metadata.generation or 0)


def deployment_progressing(d: Deployment, st: DeploymentStatus) -> bool:
    """util.DeploymentProgressing."""
    old = d.status
    new_old = (st.replicas or 0) - (st.updated_replicas or 0)
    old_old = (old.replicas or 0) - (old.updated_replicas or 0)
    return (st.updated_replicas or 0) > (old.updated_replicas or 0) or new_old < old_old or \
        (st.ready_replicas or 0) > (old.ready_replicas or 0) or \
        (st.available_replicas or 0) > (old.available_replicas or 0)


def has_progress_deadline(d: Deployment) -> bool:
    pds = d.spec.progress_deadline_seconds
    return pds is not None and pds != 2**31 - 1


def get_condition(st: DeploymentStatus, type_: str) -> Optional[DeploymentCondition]:
    for c in st.conditions or ():
        if c.type == type_:
            return c
    return None


def set_condition(st: DeploymentStatus, cond: DeploymentCondition) -> None:
    """util.SetDeploymentCondition: same status and reason → nothing changes; same status
    → keep the transition time."""
    cur = get_condition(st, cond.type)
    if cur is not None and cur.status == cond.status and cur.reason == cond.reason:
        return
    if cur is not None and cur.status == cond.status:
        cond.last_transition_time = cur.last_transition_time
    st.conditions = [c for c in st.conditions or [] if c.type != cond.type] + [cond]


def remove_condition(st: DeploymentStatus, type_: str) -> None:
    st.conditions = [c for c in st.conditions or [] if c.type != type_] or None


def deployment_timed_out(d: Deployment, st: DeploymentStatus, now: float) -> bool:
    """util.DeploymentTimedOut."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(st, "Progressing")
    if cond is None or cond.reason == NEW_RS_AVAILABLE:
        return False
    if cond.reason == TIMED_OUT:
        return True
    since = parse_time(cond.last_update_time) or 0.0
    return since + d.spec.progress_deadline_seconds < now


# ----------------------------------------------------------------------------- controller
class DeploymentController(Controller):
    name = "deployment-controller"
    workers = 5  # --concurrent-deployment-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.d_informer = ctx.informers.informer(Deployment)
        self.rs_informer = ctx.informers.informer(ReplicaSet)
        self.pod_informer = ctx.informers.informer(Pod)
        ensure_index(self.rs_informer, "controller-uid", controller_uid_index)
        ensure_index(self.pod_informer, "controller-uid", controller_uid_index)
        self.recorder = ctx.recorder(self.name)
        self.d_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.rs_informer.add_event_handler(self._rs_event, lambda o, n: self._rs_update(o, n), self._rs_event)
        self.pod_informer.add_event_handler(None, None, self._pod_deleted)

    # -- handlers ------------------------------------------------------------------------
    def _owner_of(self, rs) -> Optional[Deployment]:
        ref = rs.metadata.controller_ref()
        if ref is None or ref.kind != "Deployment":
            return None
        d = self.d_informer.get(f"{rs.metadata.namespace}/{ref.name}")
        return d if d is not None and d.uid == ref.uid else None

    def _rs_event(self, rs) -> None:
        rs = tombstone_object(rs)
        d = self._owner_of(rs)
        if d is not None:
            self.enqueue(d)
            return
        if rs.metadata.controller_ref() is None:
            for d in self._matching_deployments(rs):
                self.enqueue(d)

    def _rs_update(self, old, new) -> None:
        if old.metadata.resource_version == new.metadata.resource_version:
            return
        oref, nref = old.metadata.controller_ref(), new.metadata.controller_ref()
        if oref is not None and (nref is None or nref.uid != oref.uid):
            d = self._owner_of(old)
            if d is not None:
                self.enqueue(d)
        self._rs_event(new)

    def _matching_deployments(self, rs) -> list[Deployment]:
        out = []
        for d in self.d_informer.list(rs.metadata.namespace):
            sel = Selector.from_label_selector(d.spec.selector)
            if not sel.empty() and sel.matches(rs.metadata.labels):
                out.append(d)
        return out

    def _pod_deleted(self, pod) -> None:
        # deletePod: Recreate waits for old pods to be gone
        pod = tombstone_object(pod)
        ref = pod.metadata.controller_ref()
        if ref is None or ref.kind != "ReplicaSet":
            return
        rs = self.rs_informer.get(f"{pod.metadata.namespace}/{ref.name}")
        if rs is None:
            return
        d = self._owner_of(rs)
        if d is not None and not is_rolling(d):
            self.enqueue(d)

    # -- sync ----------------------------------------------------------------------------
    def sync(self, key: str):
        cached = self.d_informer.get(key)
        if cached is None:
            return
        d = cached.copy_deep()
        selector = Selector.from_label_selector(d.spec.selector)
        if selector.empty():
            self.recorder.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
            if d.status.observed_generation is None or d.status.observed_generation < (d.metadata.generation or 0):
                d.status.observed_generation = d.metadata.generation
                yield self.client.update_status(d)
            return
        candidates = sorted(self.rs_informer.list(d.metadata.namespace), key=lambda r: r.name)
        rs_list = yield from claim_objects(self, d, selector, candidates, None)
        if d.metadata.deletion_timestamp is not None:
            yield from self.sync_status_only(d, rs_list)
            return
        yield from self.check_paused_conditions(d)
        if d.spec.paused:
            yield from self.sync_scale(d, rs_list)
            return
        if self.is_scaling_event(d, rs_list):
            yield from self.sync_scale(d, rs_list)
            return
        if is_rolling(d):
            yield from self.rollout_rolling(d, rs_list)
        else:
            yield from self.rollout_recreate(d, rs_list)

    def check_paused_conditions(self, d: Deployment):
        """sync.go checkPausedConditions."""
        if not has_progress_deadline(d):
            return
        cond = get_condition(d.status, "Progressing")
        if cond is not None and cond.reason == TIMED_OUT:
            return
        paused_cond = cond is not None and cond.reason == PAUSED
        now = rfc3339(self.sim.now)
        if d.spec.paused and not paused_cond:
            c = DeploymentCondition(type="Progressing", status="Unknown", reason=PAUSED,
                                    message="Deployment is paused", last_update_time=now, last_transition_time=now)
        elif not d.spec.paused and paused_cond:
            c = DeploymentCondition(type="Progressing", status="Unknown", reason=RESUMED,
                                    message="Deployment is resumed", last_update_time=now, last_transition_time=now)
        else:
            return
        set_condition(d.status, c)
        updated = yield self.client.update_status(d)
        d.metadata.resource_version = updated.metadata.resource_version

    def is_scaling_event(self, d: Deployment, rs_list) -> bool:
        """sync.go isScalingEvent: an active RS's desired-replicas annotation differs."""
        new_rs, old_rss = self._split(d, rs_list)
        for rs in [r for r in old_rss + ([new_rs] if new_rs else []) if rs_replicas(r) > 0]:
            desired = _ann_int(rs, DESIRED_REPLICAS)
            if desired is not None and desired != d.spec.replicas:
                return True
        return False

    def _split(self, d, rs_list):
        new_rs = find_new_rs(d, rs_list)
        old = [r for r in rs_list if new_rs is None or r.uid != new_rs.uid]
        return new_rs, old

    # -- new and old replica sets -----------------------------------------------------------
    def get_all_rs_and_sync_revision(self, d: Deployment, rs_list, create: bool):
        """sync.go getAllReplicaSetsAndSyncRevision."""
        new_rs, old_rss = self._split(d, rs_list)
        new_rs = yield from self.get_new_rs(d, new_rs, old_rss, create)
        return new_rs, old_rss

    def get_new_rs(self, d: Deployment, existing: Optional[ReplicaSet], old_rss, create: bool):
        """sync.go getNewReplicaSet."""
        max_old = max((revision_of(r) for r in old_rss), default=0)
        new_revision = str(max_old + 1)
        now = rfc3339(self.sim.now)
        if existing is not None:
            rs = existing.copy_deep()
            ann = dict(rs.metadata.annotations or {})
            changed = self._set_new_rs_annotations(d, ann, new_revision, True)
            min_ready = rs.spec.min_ready_seconds != d.spec.min_ready_seconds
            if changed or min_ready:
                rs.metadata.annotations = ann
                rs.spec.min_ready_seconds = d.spec.min_ready_seconds
                rs = yield self.client.update(rs)
            needs = self._set_deployment_revision(d, (rs.metadata.annotations or {}).get(REVISION))
            if needs:
                updated = yield self.client.update(d)
                d.metadata.resource_version = updated.metadata.resource_version
            if has_progress_deadline(d) and get_condition(d.status, "Progressing") is None:
                set_condition(d.status, DeploymentCondition(
                    type="Progressing", status="True", reason=FOUND_NEW_RS,
                    message=f'Found new replica set "{rs.name}"', last_update_time=now, last_transition_time=now))
                updated = yield self.client.update_status(d)
                d.metadata.resource_version = updated.metadata.resource_version
            return rs
        if not create:
            return None
        # a new ReplicaSet: template + pod-template-hash label, selector with the hash
        h = compute_hash(d.spec.template, d.status.collision_count)
        template = d.spec.template.copy_deep()
        template.metadata.labels = dict(template.metadata.labels or {}, **{POD_TEMPLATE_HASH: h})
        sel = (d.spec.selector or LabelSelector()).copy_deep()
        sel.match_labels = dict(sel.match_labels or {}, **{POD_TEMPLATE_HASH: h})
        rs = ReplicaSet(
            metadata=ObjectMeta(name=f"{d.name}-{h}", namespace=d.metadata.namespace,
                                labels=dict(template.metadata.labels), owner_references=[owner_ref(d)]),
            spec=ReplicaSetSpec(replicas=0, min_ready_seconds=d.spec.min_ready_seconds, selector=sel, template=template),
        )
        all_rss = old_rss + [rs]
        new_replicas = new_rs_new_replicas(d, all_rss, rs)
        rs.spec.replicas = new_replicas
        ann: dict = {}
        self._set_new_rs_annotations(d, ann, new_revision, False)
        ann[DESIRED_REPLICAS] = str(d.spec.replicas)
        ann[MAX_REPLICAS] = str(d.spec.replicas + max_surge(d))
        rs.metadata.annotations = ann
        try:
            created = yield self.client.create(rs)
        except errors.StatusError as exc:
            if errors.is_already_exists(exc):
                # hash collision (sync.go): same template → it's ours; otherwise bump collisionCount
                try:
                    other = yield self.client.get(ReplicaSet, rs.name, rs.metadata.namespace)
                except errors.StatusError:
                    raise exc from None
                ref = other.metadata.controller_ref()
                if ref is not None and ref.uid == d.uid and equal_ignore_hash(other.spec.template, d.spec.template):
                    return other
                d.status.collision_count = (d.status.collision_count or 0) + 1
                yield self.client.update_status(d)
                raise exc
            if has_progress_deadline(d):
                msg = f"Failed to create new replica set \"{rs.name}\": {exc}"
                set_condition(d.status, DeploymentCondition(type="Progressing", status="False", reason=FAILED_RS_CREATE,
                                                            message=msg, last_update_time=now, last_transition_time=now))
                yield self.client.update_status(d)
            self.recorder.event(d, "Warning", FAILED_RS_CREATE, f"Failed to create new replica set \"{rs.name}\": {exc}")
            raise
        if new_replicas > 0:
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f"Scaled up replica set {created.name} to {new_replicas} from 0")
        if self._set_deployment_revision(d, new_revision):
            updated = yield self.client.update(d)
            d.metadata.resource_version = updated.metadata.resource_version
        if has_progress_deadline(d):
            set_condition(d.status, DeploymentCondition(
                type="Progressing", status="True", reason=NEW_RS_CREATED,
                message=f'Created new replica set "{created.name}"', last_update_time=now, last_transition_time=now))
            updated = yield self.client.update_status(d)
            d.metadata.resource_version = updated.metadata.resource_version
        return created

    def _set_new_rs_annotations(self, d: Deployment, ann: dict, new_revision: str, exists: bool) -> bool:
        """util.SetNewReplicaSetAnnotations: copy the deployment's annotations, bump the
        revision (recording the old one in revision-history)."""
        changed = False
        for k, v in (d.metadata.annotations or {}).items():
            if k in _SKIP_ANNOTATIONS:
                continue
            if ann.get(k) != v:
                ann[k] = v
                changed = True
        old = ann.get(REVISION, "")
        try:
            old_i = int(old) if old else 0
        except ValueError:
            old_i = 0
        if old_i < int(new_revision):
            ann[REVISION] = new_revision
            changed = True
            if old and exists:
                hist = ann.get(REVISION_HISTORY)
                ann[REVISION_HISTORY] = f"{hist},{old}" if hist else old
        return changed

    def _set_deployment_revision(self, d: Deployment, revision: Optional[str]) -> bool:
        if revision is None:
            return False
        ann = dict(d.metadata.annotations or {})
        if ann.get(REVISION) == revision:
            return False
        ann[REVISION] = revision
        d.metadata.annotations = ann
        return True

    # -- scaling ----------------------------------------------------------------------------
    def scale_rs(self, rs: ReplicaSet, new_scale: int, d: Deployment):
        """sync.go scaleReplicaSetAndRecordEvent / scaleReplicaSet. Returns (scaled, rs)."""
        old_scale = rs_replicas(rs)
        desired = str(d.spec.replicas)
        maxr = str(d.spec.replicas + max_surge(d))
        ann = rs.metadata.annotations or {}
        size_changed = old_scale != new_scale
        if not size_changed and ann.get(DESIRED_REPLICAS) == desired and ann.get(MAX_REPLICAS) == maxr:
            return False, rs
        new = rs.copy_deep()
        new.spec.replicas = new_scale
        new.metadata.annotations = dict(ann, **{DESIRED_REPLICAS: desired, MAX_REPLICAS: maxr})
        updated = yield self.client.update(new)
        if size_changed:
            op = "up" if new_scale > old_scale else "down"
            self.recorder.event(d, "Normal", "ScalingReplicaSet",
                                f"Scaled {op} replica set {rs.name} to {new_scale} from {old_scale}")
        return size_changed, updated

    def sync_scale(self, d: Deployment, rs_list):
        """sync.go sync: scale (proportionally when rolling) without starting a rollout."""
        new_rs, old_rss = yield from self.get_all_rs_and_sync_revision(d, rs_list, False)
        yield from self.scale(d, new_rs, old_rss)
        if d.spec.paused:
            yield from self.cleanup(d, old_rss)
        all_rss = old_rss + ([new_rs] if new_rs else [])
        yield from self.sync_deployment_status(all_rss, new_rs, d)

    def scale(self, d: Deployment, new_rs, old_rss):
        """sync.go scale, with proportional scaling for rolling deployments."""
        active_or_latest = self._find_active_or_latest(new_rs, old_rss)
        if active_or_latest is not None:
            if rs_replicas(active_or_latest) != d.spec.replicas:
                yield from self.scale_rs(active_or_latest, d.spec.replicas, d)
            return
        if self._is_saturated(d, new_rs):
            for old in [r for r in old_rss if rs_replicas(r) > 0]:
                yield from self.scale_rs(old, 0, d)
            return
        if not is_rolling(d):
            return
        all_rss = [r for r in old_rss + ([new_rs] if new_rs else []) if rs_replicas(r) > 0]
        all_replicas = sum(rs_replicas(r) for r in all_rss)
        allowed = d.spec.replicas + max_surge(d) if d.spec.replicas > 0 else 0
        to_add = allowed - all_replicas
        if to_add > 0:  # ReplicaSetsBySizeNewer, descending
            all_rss.sort(key=lambda r: (-rs_replicas(r), -_created(r)[0], r.name))
        else:  # ReplicaSetsBySizeOlder, descending
            all_rss.sort(key=lambda r: (-rs_replicas(r), _created(r)[0], r.name))
        added = 0
        sizes = {}
        for rs in all_rss:
            if to_add != 0:
                p = self._proportion(rs, d, to_add, added)
                sizes[rs.name] = rs_replicas(rs) + p
                added += p
            else:
                sizes[rs.name] = rs_replicas(rs)
        for i, rs in enumerate(all_rss):
            if i == 0 and to_add != 0:
                sizes[rs.name] = max(0, sizes[rs.name] + to_add - added)
            yield from self.scale_rs(rs, sizes[rs.name], d)

    @staticmethod
    def _find_active_or_latest(new_rs, old_rss):
        """util.FindActiveOrLatest."""
        if new_rs is None and not old_rss:
            return None
        olds = sorted(old_rss, key=_created, reverse=True)
        active = [r for r in olds + ([new_rs] if new_rs else []) if rs_replicas(r) > 0]
        if not active:
            return new_rs if new_rs is not None else olds[0]
        if len(active) == 1:
            return active[0]
        return None

    @staticmethod
    def _is_saturated(d, rs) -> bool:
        """util.IsSaturated."""
        if rs is None:
            return False
        desired = _ann_int(rs, DESIRED_REPLICAS)
        return rs_replicas(rs) == d.spec.replicas and desired == d.spec.replicas and \
            (rs.status.available_replicas or 0) == d.spec.replicas

    @staticmethod
    def _proportion(rs, d, to_add: int, added: int) -> int:
        """util.GetProportion / getReplicaSetFraction."""
        if rs is None or rs_replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        if d.spec.replicas == 0:
            fraction = -rs_replicas(rs)
        else:
            dep_replicas = d.spec.replicas + max_surge(d)
            annotated = _ann_int(rs, MAX_REPLICAS)
            if annotated is None:
                annotated = d.status.replicas or 0
            if annotated == 0:
                fraction = 0
            else:
                size = rs_replicas(rs) * dep_replicas / annotated
                fraction = int(size + 0.5) - rs_replicas(rs)  # integer.RoundToInt32 (half up)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -- rolling update (rolling.go) -----------------------------------------------------
    def rollout_rolling(self, d: Deployment, rs_list):
        new_rs, old_rss = yield from self.get_all_rs_and_sync_revision(d, rs_list, True)
        all_rss = old_rss + [new_rs]
        scaled, new_rs = yield from self.reconcile_new_rs(all_rss, new_rs, d)
        all_rss = old_rss + [new_rs]
        if scaled:
            yield from self.sync_rollout_status(all_rss, new_rs, d)
            return
        scaled_down, old_rss = yield from self.reconcile_old_rss(all_rss, [r for r in old_rss if rs_replicas(r) > 0], old_rss, new_rs, d)
        all_rss = old_rss + [new_rs]
        if scaled_down:
            yield from self.sync_rollout_status(all_rss, new_rs, d)
            return
        if deployment_complete(d, d.status):
            yield from self.cleanup(d, old_rss)
        yield from self.sync_rollout_status(all_rss, new_rs, d)

    def reconcile_new_rs(self, all_rss, new_rs, d):
        if rs_replicas(new_rs) == d.spec.replicas:
            return False, new_rs
        if rs_replicas(new_rs) > d.spec.replicas:
            return (yield from self.scale_rs(new_rs, d.spec.replicas, d))
        count = new_rs_new_replicas(d, all_rss, new_rs)
        return (yield from self.scale_rs(new_rs, count, d))

    def reconcile_old_rss(self, all_rss, active_old, old_rss, new_rs, d):
        """rolling.go reconcileOldReplicaSets. Returns (scaled, updated old RSs)."""
        updated = {r.uid: r for r in old_rss}
        old_count = sum(rs_replicas(r) for r in active_old)
        if old_count == 0:
            return False, old_rss
        all_count = sum(rs_replicas(r) for r in all_rss)
        min_available = d.spec.replicas - max_unavailable(d)
        new_unavailable = rs_replicas(new_rs) - (new_rs.status.available_replicas or 0)
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False, old_rss
        # cleanupUnhealthyReplicas: old RSs' unavailable pods go first
        cleaned = 0
        for rs in sorted(active_old, key=_created):
            if cleaned >= max_scaled_down:
                break
            avail = rs.status.available_replicas or 0
            if rs_replicas(rs) == 0 or rs_replicas(rs) == avail:
                continue
            n = min(max_scaled_down - cleaned, rs_replicas(rs) - avail)
            if rs_replicas(rs) - n > rs_replicas(rs):
                # the status is stale (more available than wanted): upstream refuses too
                raise ValueError(f"when cleaning up unhealthy replicas, got invalid request to scale down "
                                 f"{rs.metadata.namespace}/{rs.name} {rs_replicas(rs)} -> {rs_replicas(rs) - n}")
            _, rs2 = yield from self.scale_rs(rs, rs_replicas(rs) - n, d)
            updated[rs2.uid] = rs2
            cleaned += n
        old_now = [updated[r.uid] for r in old_rss]
        all_now = old_now + [new_rs]
        # scaleDownOldReplicaSetsForRollingUpdate
        scaled_down = 0
        available = sum(r.status.available_replicas or 0 for r in all_now)
        if available > min_available:
            total = available - min_available
            for rs in sorted([r for r in old_now if rs_replicas(r) > 0], key=_created):
                if scaled_down >= total:
                    break
                n = min(rs_replicas(rs), total - scaled_down)
                _, rs2 = yield from self.scale_rs(rs, rs_replicas(rs) - n, d)
                updated[rs2.uid] = rs2
                scaled_down += n
        return cleaned + scaled_down > 0, [updated[r.uid] for r in old_rss]

    # -- recreate (recreate.go) -------------------------------------------------------------
    def rollout_recreate(self, d: Deployment, rs_list):
        new_rs, old_rss = yield from self.get_all_rs_and_sync_revision(d, rs_list, False)
        all_rss = old_rss + ([new_rs] if new_rs else [])
        scaled = False
        for rs in [r for r in old_rss if rs_replicas(r) > 0]:
            s, _ = yield from self.scale_rs(rs, 0, d)
            scaled = scaled or s
        if scaled:
            yield from self.sync_rollout_status(all_rss, new_rs, d)
            return
        if self._old_pods_running(new_rs, old_rss):
            yield from self.sync_rollout_status(all_rss, new_rs, d)
            return
        if new_rs is None:
            new_rs, old_rss = yield from self.get_all_rs_and_sync_revision(d, rs_list, True)
            all_rss = old_rss + [new_rs]
        s, new_rs = yield from self.scale_rs(new_rs, d.spec.replicas, d)
        all_rss = old_rss + [new_rs]
        if s:
            yield from self.sync_rollout_status(all_rss, new_rs, d)
            return
        if deployment_complete(d, d.status):
            yield from self.cleanup(d, old_rss)
        yield from self.sync_rollout_status(all_rss, new_rs, d)

    def _old_pods_running(self, new_rs, old_rss) -> bool:
        """recreate.go oldPodsRunning."""
        if sum(r.status.replicas or 0 for r in old_rss) > 0:
            return True
        for rs in old_rss:
            for pod in self.pod_informer.by_index("controller-uid", rs.uid):
                if pod.status.phase in ("Failed", "Succeeded"):
                    continue
                return True
        return False

    # -- history ----------------------------------------------------------------------------
    def cleanup(self, d: Deployment, old_rss):
        """sync.go cleanupDeployment: keep revisionHistoryLimit old ReplicaSets."""
        limit = d.spec.revision_history_limit
        if limit is None:
            return
        cleanable = [r for r in old_rss if r.metadata.deletion_timestamp is None]
        diff = len(cleanable) - limit
        if diff <= 0:
            return
        for rs in sorted(cleanable, key=lambda r: (revision_of(r), _created(r)))[:diff]:
            if (rs.status.replicas or 0) != 0 or rs_replicas(rs) != 0 or \
                    (rs.status.observed_generation or 0) < (rs.metadata.generation or 0):
                continue
            try:
                yield self.client.delete(ReplicaSet, rs.name, rs.metadata.namespace)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise

    # -- status (sync.go, progress.go) ------------------------------------------------------
    def calculate_status(self, all_rss, new_rs, d: Deployment) -> DeploymentStatus:
        available = sum(r.status.available_replicas or 0 for r in all_rss)
        total = sum(rs_replicas(r) for r in all_rss)
        st = DeploymentStatus(
            observed_generation=d.metadata.generation,
            replicas=sum(r.status.replicas or 0 for r in all_rss),
            updated_replicas=(new_rs.status.replicas or 0) if new_rs is not None else 0,
            ready_replicas=sum(r.status.ready_replicas or 0 for r in all_rss),
            available_replicas=available,
            unavailable_replicas=max(0, total - available),
            collision_count=d.status.collision_count,
            conditions=[c.model_copy() for c in d.status.conditions or []] or None,
        )
        now = rfc3339(self.sim.now)
        if available >= d.spec.replicas - max_unavailable(d):
            set_condition(st, DeploymentCondition(type="Available", status="True", reason=MIN_AVAILABLE,
                                                  message="Deployment has minimum availability.",
                                                  last_update_time=now, last_transition_time=now))
        else:
            set_condition(st, DeploymentCondition(type="Available", status="False", reason=MIN_UNAVAILABLE,
                                                  message="Deployment does not have minimum availability.",
                                                  last_update_time=now, last_transition_time=now))
        return st

    def sync_status_only(self, d, rs_list):
        new_rs, old_rss = yield from self.get_all_rs_and_sync_revision(d, rs_list, False)
        yield from self.sync_deployment_status(old_rss + ([new_rs] if new_rs else []), new_rs, d)

    def sync_deployment_status(self, all_rss, new_rs, d):
        st = self.calculate_status(all_rss, new_rs, d)
        if st == d.status:
            return
        d.status = st
        yield self.client.update_status(d)

    def sync_rollout_status(self, all_rss, new_rs, d: Deployment):
        """progress.go syncRolloutStatus: the Progressing condition and the deadline."""
        st = self.calculate_status(all_rss, new_rs, d)
        now_s = self.sim.now
        now = rfc3339(now_s)
        if not has_progress_deadline(d):
            remove_condition(st, "Progressing")
        cur = get_condition(st, "Progressing")
        complete = st.replicas == st.updated_replicas and cur is not None and cur.reason == NEW_RS_AVAILABLE
        if has_progress_deadline(d) and not complete:
            name = new_rs.name if new_rs is not None else ""
            if deployment_complete(d, st):
                set_condition(st, DeploymentCondition(type="Progressing", status="True", reason=NEW_RS_AVAILABLE,
                                                      message=f'ReplicaSet "{name}" has successfully progressed.',
                                                      last_update_time=now, last_transition_time=now))
            elif deployment_progressing(d, st):
                cond = DeploymentCondition(type="Progressing", status="True", reason=RS_UPDATED,
                                           message=f'ReplicaSet "{name}" is progressing.',
                                           last_update_time=now, last_transition_time=now)
                if cur is not None:
                    if cur.status == "True":
                        cond.last_transition_time = cur.last_transition_time
                    remove_condition(st, "Progressing")
                set_condition(st, cond)
            elif deployment_timed_out(d, st, now_s):
                set_condition(st, DeploymentCondition(type="Progressing", status="False", reason=TIMED_OUT,
                                                      message=f'ReplicaSet "{name}" has timed out progressing.',
                                                      last_update_time=now, last_transition_time=now))
        if st == d.status:
            self._requeue_stuck(d, st)
            return
        d.status = st
        yield self.client.update_status(d)

    def _requeue_stuck(self, d, st) -> None:
        """progress.go requeueStuckDeployment: check again when the deadline passes."""
        cur = get_condition(st, "Progressing")
        if not has_progress_deadline(d) or cur is None or deployment_complete(d, st) or cur.reason == TIMED_OUT:
            return
        since = parse_time(cur.last_update_time) or 0.0
        after = since + d.spec.progress_deadline_seconds - self.sim.now
        if after < 1:
            self.queue.add(d.key())
        else:
            self.enqueue_after(d.key(), after + 1)

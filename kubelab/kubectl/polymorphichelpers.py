"""kubectl's polymorphic helpers (k8s.io/kubectl/pkg/polymorphichelpers): one rollout-status
reader and one rollback, used by ``kubectl rollout`` and by the views.

- :func:`rollout_status` is rollout_status.go's DeploymentStatusViewer,
  DaemonSetStatusViewer and StatefulSetStatusViewer: one look at the object, returning
  ``(message, done)`` or raising :class:`RolloutError` (``deployment "web" exceeded its
  progress deadline``).
- :func:`rollback` is rollback.go's DeploymentRollbacker: find the ReplicaSet of the wanted
  revision (the second newest by default), refuse a paused Deployment, skip when the
  template already matches, then send the JSON patch that replaces ``spec.template`` and
  ``metadata.annotations`` (the deployment controller itself never rolls back in apps/v1);
  and its DaemonSetRollbacker / StatefulSetRollbacker: send the wanted ControllerRevision's
  own patch (strategic merge, ``$patch: replace`` on the template).
- :func:`view_history` is history.go's DaemonSetHistoryViewer / StatefulSetHistoryViewer
  (printHistory over the owner's ControllerRevisions).
"""

from __future__ import annotations

from typing import Any, Optional

from kubelab.api.labels import Selector
from kubelab.api.meta import KubeObject
from kubelab.api.revisionpatch import get_patch, go_json, raw, template_of

__all__ = ["RolloutError", "rollout_status", "status_line", "rollback", "owned_replicasets", "revision_of",
           "controlled_history", "view_history", "ANNOTATIONS_TO_SKIP", "ROLLBACK_SUCCESS", "ROLLBACK_SKIPPED",
           "CHANGE_CAUSE"]

REVISION = "deployment.kubernetes.io/revision"
POD_TEMPLATE_HASH = "pod-template-hash"  # appsv1.DefaultDeploymentUniqueLabelKey
ROLLBACK_SUCCESS = "rolled back"
ROLLBACK_SKIPPED = "skipped rollback"
CHANGE_CAUSE = "kubernetes.io/change-cause"  # polymorphichelpers.ChangeCauseAnnotation
# rollback.go annotationsToSkip: kept from the Deployment, never copied from the ReplicaSet
ANNOTATIONS_TO_SKIP = (
    "kubectl.kubernetes.io/last-applied-configuration",  # corev1.LastAppliedConfigAnnotation
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",  # appsv1.DeprecatedRollbackTo
)


class RolloutError(Exception):
    """What a status viewer or rollbacker returns as its error (kubectl prints ``error: ...``)."""


# ----------------------------------------------------------------------------- status

def rollout_status(obj: KubeObject, revision: int = 0) -> tuple[str, bool]:
    """rollout_status.go: ``(message, done)`` for a Deployment or a DaemonSet; the message
    ends with a newline, as kubectl prints it."""
    if obj.KIND == "Deployment":
        return _deployment_status(obj, revision)
    if obj.KIND == "DaemonSet":
        return _daemonset_status(obj)
    if obj.KIND == "StatefulSet":
        return _statefulset_status(obj)
    raise RolloutError(f'no status viewer has been implemented for "{obj.KIND}"')


def _deployment_status(d: Any, revision: int) -> tuple[str, bool]:
    name = d.metadata.name
    if revision > 0:
        current = revision_of(d)
        if current is None:
            raise RolloutError(f'cannot get the revision of deployment "{name}"')
        if revision != current:
            raise RolloutError(f"desired revision ({revision}) is different from the running revision ({current})")
    st = d.status
    if (d.metadata.generation or 0) <= (st.observed_generation or 0):
        for c in st.conditions or ():
            # deploymentutil.TimedOutReason
            if c.type == "Progressing" and c.reason == "ProgressDeadlineExceeded":
                raise RolloutError(f'deployment "{name}" exceeded its progress deadline')
        updated = st.updated_replicas or 0
        if d.spec.replicas is not None and updated < d.spec.replicas:
            return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {d.spec.replicas} '
                    "new replicas have been updated...\n", False)
        if (st.replicas or 0) > updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {(st.replicas or 0) - updated} '
                    "old replicas are pending termination...\n", False)
        if (st.available_replicas or 0) < updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {st.available_replicas or 0} of {updated} '
                    "updated replicas are available...\n", False)
        return f'deployment "{name}" successfully rolled out\n', True
    return "Waiting for deployment spec update to be observed...\n", False


def _daemonset_status(ds: Any) -> tuple[str, bool]:
    name = ds.metadata.name
    strategy = ds.spec.update_strategy.type if ds.spec.update_strategy and ds.spec.update_strategy.type else "RollingUpdate"
    if strategy != "RollingUpdate":
        raise RolloutError("rollout status is only available for RollingUpdate strategy type")
    st = ds.status
    if (ds.metadata.generation or 0) <= (st.observed_generation or 0):
        desired = st.desired_number_scheduled or 0
        if (st.updated_number_scheduled or 0) < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {st.updated_number_scheduled or 0} out of '
                    f"{desired} new pods have been updated...\n", False)
        if (st.number_available or 0) < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {st.number_available or 0} of {desired} '
                    "updated pods are available...\n", False)
        return f'daemon set "{name}" successfully rolled out\n', True
    return "Waiting for daemon set spec update to be observed...\n", False


def _statefulset_status(sts: Any) -> tuple[str, bool]:
    """StatefulSetStatusViewer."""
    strat = sts.spec.update_strategy
    if strat is None or strat.type != "RollingUpdate":
        raise RolloutError("rollout status is only available for RollingUpdate strategy type")
    st = sts.status
    if not st.observed_generation or (sts.metadata.generation or 0) > st.observed_generation:
        return "Waiting for statefulset spec update to be observed...\n", False
    replicas = sts.spec.replicas
    if replicas is not None and (st.ready_replicas or 0) < replicas:
        return f"Waiting for {replicas - (st.ready_replicas or 0)} pods to be ready...\n", False
    updated = st.updated_replicas or 0
    if strat.rolling_update is not None:
        partition = strat.rolling_update.partition
        if replicas is not None and partition is not None and updated < replicas - partition:
            return (f"Waiting for partitioned roll out to finish: {updated} out of {replicas - partition} "
                    "new pods have been updated...\n", False)
        return f"partitioned roll out complete: {updated} new pods have been updated...\n", True
    if st.update_revision != st.current_revision:
        return (f"waiting for statefulset rolling update to complete {updated} pods at revision "
                f"{st.update_revision}...\n", False)
    return (f"statefulset rolling update complete {st.current_replicas or 0} pods at revision "
            f"{st.current_revision}...\n", True)


def status_line(obj: KubeObject) -> str:
    """The line ``kubectl rollout status`` prints now (one look, no waiting), errors as
    ``error: ...``: what the views show beside a Deployment."""
    try:
        return rollout_status(obj)[0].rstrip("\n")
    except RolloutError as exc:
        return f"error: {exc}"


# ----------------------------------------------------------------------------- rollback

def revision_of(obj: KubeObject) -> Optional[int]:
    """deploymentutil.Revision: the ``deployment.kubernetes.io/revision`` annotation (0 when
    absent; None when it is not a number)."""
    raw = (obj.metadata.annotations or {}).get(REVISION)
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:
        return None


def owned_replicasets(source: Any, d: KubeObject) -> list[KubeObject]:
    """deploymentutil.GetAllReplicaSets: the ReplicaSets whose controller is ``d``."""
    rss = source.list("ReplicaSet", d.metadata.namespace)
    return [rs for rs in rss if (ref := rs.metadata.controller_ref()) is not None and ref.uid == d.metadata.uid]


def _revision_rs(d: KubeObject, rss: list[KubeObject], to_revision: int) -> KubeObject:
    """rollback.go deploymentRevision."""
    latest, latest_rev, previous, previous_rev = None, -1, None, -1
    for rs in rss:
        v = revision_of(rs)
        if v is None:
            continue
        if to_revision == 0:
            if latest_rev < v:
                previous, previous_rev = latest, latest_rev
                latest, latest_rev = rs, v
            elif previous_rev < v:
                previous, previous_rev = rs, v
        elif to_revision == v:
            return rs
    if to_revision > 0:
        raise RolloutError(f"unable to find specified revision {to_revision} in history")
    if previous is None:
        raise RolloutError(f'no rollout history found for deployment "{d.metadata.name}"')
    return previous


def _template_without_hash(template: Any) -> dict:
    t = template.to_dict() if hasattr(template, "to_dict") else dict(template)
    meta = dict(t.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH, None)
    if labels:
        meta["labels"] = labels
    else:
        meta.pop("labels", None)
    t["metadata"] = meta
    return t


def rollback(source: Any, d: KubeObject, to_revision: int = 0, dry_run: bool = False) -> str:
    """rollback.go DeploymentRollbacker.Rollback through ``source`` (get/list/patch). Returns
    ``rolled back`` or ``skipped rollback (...)``; with ``dry_run`` (``--dry-run=client``)
    the template it would restore, as kubectl prints it. Raises :class:`RolloutError`."""
    from .describe import print_template

    if d.KIND in ("DaemonSet", "StatefulSet"):
        return _rollback_revision(source, d, to_revision, dry_run)
    if d.KIND != "Deployment":
        raise RolloutError(f'no rollbacker has been implemented for "{d.KIND}"')
    if to_revision < 0:
        raise RolloutError(f"unable to find specified revision {to_revision} in history")
    name = d.metadata.name
    deployment = source.get("Deployment", name, d.metadata.namespace)
    target = _revision_rs(deployment, owned_replicasets(source, deployment), to_revision)
    if dry_run:
        return print_template(target.spec.template)
    if deployment.spec.paused:
        raise RolloutError(f"you cannot rollback a paused deployment; resume it first with "
                           f"'kubectl rollout resume deployment/{name}' and try again")
    template = _template_without_hash(target.spec.template)
    if template == _template_without_hash(deployment.spec.template):  # equalIgnoreHash
        return f"{ROLLBACK_SKIPPED} (current template already matches revision {to_revision})"
    current = deployment.metadata.annotations or {}
    annotations = {k: current[k] for k in ANNOTATIONS_TO_SKIP if k in current}
    for k, v in (target.metadata.annotations or {}).items():
        if k not in ANNOTATIONS_TO_SKIP:
            annotations[k] = v
    ops = [{"op": "replace", "path": "/spec/template", "value": template},
           {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
    try:
        source.patch("Deployment", name, ops, deployment.metadata.namespace, patch_type="json")
    except Exception as exc:  # noqa: BLE001 - rollback.go wraps whatever the server said
        raise RolloutError(f"failed restoring revision {to_revision}: {_message(exc)}") from None
    return ROLLBACK_SUCCESS


def _message(exc: BaseException) -> str:
    from .source import status_of

    st = status_of(exc)
    return (st.message if st is not None else None) or str(exc)


# ----------------------------------------------------------------------------- ControllerRevisions

def controlled_history(source: Any, obj: KubeObject) -> list[KubeObject]:
    """history.go controlledHistory: the ControllerRevisions the owner's selector selects and
    that it controls."""
    selector = Selector.from_label_selector(obj.spec.selector)
    return [r for r in source.list("ControllerRevision", obj.metadata.namespace)
            if selector.matches(r.metadata.labels)
            and (ref := r.metadata.controller_ref()) is not None and ref.uid == obj.metadata.uid]


def view_history(source: Any, obj: KubeObject, revision: int = 0) -> str:
    """history.go printHistory for a DaemonSet or StatefulSet: the REVISION / CHANGE-CAUSE
    table, or, for one revision, the pod template it restores."""
    from .describe import print_template
    from .tabwriter import tabbed_string

    owner = source.get(obj.KIND, obj.metadata.name, obj.metadata.namespace)
    info = {r.revision: r for r in controlled_history(source, owner)}
    if not info:
        return "No rollout history found."
    if revision > 0:
        if revision not in info:
            raise RolloutError("unable to find the specified revision")
        return print_template(template_of(info[revision]))

    def body(w):
        w.write(0, "REVISION\tCHANGE-CAUSE\n")
        for rev in sorted(info):
            cause = (info[rev].metadata.annotations or {}).get(CHANGE_CAUSE) or "<none>"
            w.write(0, f"{rev}\t{cause}\n")

    return tabbed_string(body)


def _find_history(to_revision: int, history: list[KubeObject]) -> Optional[KubeObject]:
    """rollback.go findHistory: the wanted revision, or (0) the second newest."""
    if to_revision == 0:
        if len(history) <= 1:
            return None
        return sorted(history, key=lambda r: r.revision)[-2]
    return next((r for r in history if r.revision == to_revision), None)


def _rollback_revision(source: Any, obj: KubeObject, to_revision: int, dry_run: bool) -> str:
    """rollback.go DaemonSetRollbacker / StatefulSetRollbacker.Rollback."""
    from .describe import print_template

    if to_revision < 0:
        raise RolloutError(f"unable to find specified revision {to_revision} in history")
    owner = source.get(obj.KIND, obj.metadata.name, obj.metadata.namespace)
    history = controlled_history(source, owner)
    if to_revision == 0 and len(history) <= 1:
        raise RolloutError("no last revision to roll back to")
    target = _find_history(to_revision, history)
    if target is None:
        raise RolloutError(f"unable to find specified revision {to_revision} in history")
    if dry_run:
        return f"will roll back to {print_template(template_of(target))}"  # printPodTemplate
    if go_json(get_patch(owner)) == raw(target):  # daemonSetMatch / statefulsetMatch
        return f"{ROLLBACK_SKIPPED} (current template already matches revision {to_revision})"
    try:
        source.patch(obj.KIND, owner.metadata.name, target.data, owner.metadata.namespace, patch_type="strategic")
    except Exception as exc:  # noqa: BLE001 - rollback.go wraps whatever the server said
        raise RolloutError(f"failed restoring revision {to_revision}: {_message(exc)}") from None
    return ROLLBACK_SUCCESS

"""kubectl rollout history|pause|restart|resume|status|undo (k8s.io/kubectl/pkg/cmd/rollout),
over the one status reader and the one rollbacker in :mod:`kubelab.kubectl.polymorphichelpers`.

``rollout status`` takes one look (no waiting: simulated time only advances when the
notebook runs the cluster)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from kubelab.api.base import rfc3339

from .. import describe as describers
from .. import polymorphichelpers as helpers
from ..printers import resource_name
from ..tabwriter import tabbed_string
from .util import DRY_CLIENT, Args, KubectlError, dry_run_strategy, format_error, get_object, int_flag, targets

if TYPE_CHECKING:
    from ..cli import Kubectl

SUBCOMMANDS = ("history", "pause", "restart", "resume", "status", "undo")


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if not a.positional:
        raise KubectlError("error: Required subcommand not specified. Use one of: " + ", ".join(SUBCOMMANDS))
    sub = a.positional[0]
    fn: Optional[Callable[..., str]] = {"history": history, "pause": pause, "restart": restart, "resume": resume,
                                        "status": status, "undo": undo}.get(sub)
    if fn is None:
        raise KubectlError(f'error: unknown command "{sub}" for "kubectl rollout"')
    groups = targets(a.sub(a.positional[1:]), allow_all=False)
    if not groups or not groups[0][1]:
        raise KubectlError("error: required resource not specified")
    ns = k.ns(a)
    out = ""
    for cls, names in groups:
        if cls.KIND not in ("Deployment", "DaemonSet", "StatefulSet"):
            raise KubectlError(f'error: no {sub} viewer has been implemented for "{cls.KIND}"' if sub in ("history", "status")
                               else f'error: {cls.group_resource()} "{names[0]}" {sub} is not supported')
        for n in names:
            obj = get_object(k, cls, n, ns)
            try:
                out += fn(k, obj, a)
            except KubectlError as e:
                raise KubectlError(e.message, partial=out + e.partial) from None
    return out


def status(k: "Kubectl", obj: Any, a: Args) -> str:
    """rollout_status.go: one look through the status viewer."""
    try:
        return helpers.rollout_status(obj, int_flag(a, "revision", 0) or 0)[0]
    except helpers.RolloutError as e:
        raise KubectlError(f"error: {e}") from None


def history(k: "Kubectl", d: Any, a: Args) -> str:
    """rollout_history.go over history.go's DeploymentHistoryViewer, DaemonSetHistoryViewer and
    StatefulSetHistoryViewer; the name printer's operation is ``<with revision #N>\n<view>``."""
    want = int_flag(a, "revision", 0) or 0
    if want < 0:
        raise KubectlError(f"error: revision must be a positive integer: {want}")
    if d.KIND in ("DaemonSet", "StatefulSet"):
        try:
            view = helpers.view_history(k.source, d, want)
        except helpers.RolloutError as e:
            raise KubectlError(f"error: {e}") from None
    elif d.KIND == "Deployment":
        view = _deployment_history(k, d, want)
    else:
        raise KubectlError(f'error: no history viewer has been implemented for "{d.KIND}"')
    with_revision = f"with revision #{want}" if want > 0 else ""
    return f"{resource_name(d)} {with_revision}\n{view}\n"


def _deployment_history(k: "Kubectl", d: Any, want: int) -> str:
    """history.go DeploymentHistoryViewer.ViewHistory."""
    by_rev = {}
    for rs in helpers.owned_replicasets(k.source, d):
        by_rev[helpers.revision_of(rs) or 0] = rs
    if not by_rev:
        return "No rollout history found."
    if want:
        if want not in by_rev:
            raise KubectlError("error: unable to find the specified revision")
        return describers.print_template(by_rev[want].spec.template)

    def body(w):
        w.write(0, "REVISION\tCHANGE-CAUSE\n")
        for rev in sorted(by_rev):
            cause = (by_rev[rev].metadata.annotations or {}).get(helpers.CHANGE_CAUSE) or "<none>"
            w.write(0, f"{rev}\t{cause}\n")

    return tabbed_string(body)


def undo(k: "Kubectl", d: Any, a: Args) -> str:
    """rollout_undo.go over rollback.go's DeploymentRollbacker, DaemonSetRollbacker and
    StatefulSetRollbacker: the name printer with the rollbacker's result as the operation
    (PrintFlagsWithDryRunStrategy appends `` (dry run)``)."""
    to = int_flag(a, "to-revision", 0) or 0
    try:
        result = helpers.rollback(k.source, d, to, dry_run=dry_run_strategy(a) == DRY_CLIENT)
    except helpers.RolloutError as e:
        raise KubectlError(f"error: {e}") from None
    except Exception as e:  # noqa: BLE001
        raise KubectlError(format_error(e)) from None
    if dry_run_strategy(a) == DRY_CLIENT:
        return f"{resource_name(d)} {result} (dry run)\n"
    return f"{resource_name(d)} {result}\n"


def _patch_error(obj: Any, msg: str) -> KubectlError:
    """rollout_pause.go / rollout_resume.go: ``error: deployments.apps "web" is already paused``."""
    return KubectlError(f'error: {obj.group_resource()} "{obj.metadata.name}" {msg}')


def pause(k: "Kubectl", d: Any, a: Args) -> str:
    """rollout_pause.go with polymorphichelpers defaultObjectPauser."""
    if d.KIND != "Deployment":
        raise _patch_error(d, "pausing is not supported")
    if d.spec.paused:
        raise _patch_error(d, "is already paused")
    k.source.patch("Deployment", d.metadata.name, {"spec": {"paused": True}}, d.metadata.namespace, patch_type="strategic")
    return f"{resource_name(d)} paused\n"


def resume(k: "Kubectl", d: Any, a: Args) -> str:
    """rollout_resume.go with polymorphichelpers defaultObjectResumer."""
    if d.KIND != "Deployment":
        raise _patch_error(d, "resuming is not supported")
    if not d.spec.paused:
        raise _patch_error(d, "is not paused")
    k.source.patch("Deployment", d.metadata.name, {"spec": {"paused": None}}, d.metadata.namespace, patch_type="strategic")
    return f"{resource_name(d)} resumed\n"


def restart(k: "Kubectl", d: Any, a: Args) -> str:
    """rollout_restart.go with polymorphichelpers defaultObjectRestarter."""
    if d.KIND == "Deployment" and d.spec.paused:
        raise _patch_error(d, "can't restart paused deployment (run rollout resume first)")
    patch = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": rfc3339(k.now)}}}}}
    k.source.patch(d.KIND, d.metadata.name, patch, d.metadata.namespace, patch_type="strategic")
    return f"{resource_name(d)} restarted\n"

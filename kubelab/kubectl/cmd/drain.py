"""kubectl drain (k8s.io/kubectl/pkg/cmd/drain/drain.go over k8s.io/kubectl/pkg/drain/drain.go):
cordon, then evict every pod except mirror pods through the eviction subresource; refuse
DaemonSet-managed pods (unless --ignore-daemonsets) and unmanaged pods (unless --force).

An eviction a PodDisruptionBudget forbids (429) is retried every 5 s as drain.go does,
printing ``error when evicting pods/"x" -n "default" (will retry after 5s): ...`` while
simulated time runs, until ``--timeout``. Upstream's default (0) retries for ever; here a
drain without ``--timeout`` gives up after one simulated minute, as if ``--timeout=1m`` had
been given, and a source that cannot advance time gives up at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api import errors as apierrors

from ..duration import DurationError, parse_go_duration
from ..source import status_of
from .cordon import node_names, set_unschedulable
from .util import Args, KubectlError, format_error, list_objects, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl

RETRY_SECONDS = 5.0
DEFAULT_SIMULATED_TIMEOUT = 60.0


def _go_duration_text(seconds: float) -> str:
    """Go's Duration.String for whole seconds: 5s, 1m0s, 1h2m3s."""
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h}h{m}m{sec}s"
    if m:
        return f"{m}m{sec}s"
    return f"{sec}s"


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    raw_timeout = a.get("timeout")
    try:
        timeout = parse_go_duration(str(raw_timeout)) if raw_timeout is not None else 0.0
    except DurationError as e:
        raise KubectlError(f'error: invalid argument "{raw_timeout}" for "--timeout" flag: {e}') from None
    out = ""
    names = node_names(k, a, "drain")
    for i, name in enumerate(names):
        out += set_unschedulable(k, name, True, "cordoned")
        pods = [p for p in list_objects(k, resolve_kind("Pod"), None, None, f"spec.nodeName={name}")
                if p.spec.node_name == name]  # type: ignore[attr-defined]
        ds_pods, unmanaged, to_evict = [], [], []
        for p in pods:
            if "kubernetes.io/config.mirror" in (p.metadata.annotations or {}):
                continue
            if p.status.phase in ("Succeeded", "Failed"):  # type: ignore[attr-defined]
                to_evict.append(p)
                continue
            ref = p.metadata.controller_ref()
            if ref is None:
                (to_evict if a.get("force") else unmanaged).append(p)
            elif ref.kind == "DaemonSet":
                ds_pods.append(p)
            else:
                to_evict.append(p)
        problems = []
        if ds_pods and not a.get("ignore-daemonsets"):
            problems.append("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
                            + ", ".join(f"{p.metadata.namespace}/{p.metadata.name}" for p in ds_pods))
        if unmanaged:
            problems.append("cannot delete Pods that declare no controller (use --force to override): "
                            + ", ".join(f"{p.metadata.namespace}/{p.metadata.name}" for p in unmanaged))
        if problems:
            raise KubectlError(_unable(name, "; ".join(problems), names[i:]) + "\n".join(problems), partial=out)
        if ds_pods:
            out += "Warning: ignoring DaemonSet-managed Pods: " + ", ".join(
                f"{p.metadata.namespace}/{p.metadata.name}" for p in ds_pods) + "\n"
        if a.get("force") and any(p.metadata.controller_ref() is None for p in to_evict):
            out += "Warning: deleting Pods that declare no controller: " + ", ".join(
                f"{p.metadata.namespace}/{p.metadata.name}" for p in to_evict if p.metadata.controller_ref() is None) + "\n"
        text, failures, pending = _evict_pods(k, to_evict, timeout)
        out += text
        if failures:
            err = "\n".join(failures) if len(failures) > 1 else failures[0]
            out += f'There are pending pods in node "{name}" when an error occurred: {err}\n'
            out += "".join(f"pod/{p.metadata.name}\n" for p in pending)
            raise KubectlError(_unable(name, err, names[i:]) + err, partial=out)
        out += f"node/{name} drained\n"
    return out


def _unable(name: str, err: str, remaining: list[str]) -> str:
    return (f'error: unable to drain node "{name}" due to error: {err}, continuing command...\n'
            "There are pending nodes to be drained:\n" + "".join(f" {n}\n" for n in remaining))


def _evict_pods(k: "Kubectl", pods: list, timeout: float) -> tuple[str, list[str], list]:
    """drain.go evictPods: every pod is tried; 429 is retried every 5 s until the global
    timeout; NotFound counts as gone; any other error fails that pod."""
    limit = timeout if timeout > 0 else DEFAULT_SIMULATED_TIMEOUT
    advance = getattr(k.source, "run", None)
    out = ""
    failures: list[str] = []
    failed: list = []
    pending = list(pods)
    elapsed = 0.0
    while pending:
        blocked = []
        retries, evicted = "", ""
        out += "".join(f"evicting pod {p.metadata.namespace}/{p.metadata.name}\n" for p in pending)
        for p in pending:
            pname, pns = p.metadata.name, p.metadata.namespace
            try:
                k.source.evict(pname, pns)
            except Exception as e:  # noqa: BLE001
                if apierrors.is_not_found(e):
                    continue
                if apierrors.is_too_many_requests(e):
                    retries += f'error when evicting pods/"{pname}" -n "{pns}" (will retry after 5s): {_message(e)}\n'
                    blocked.append(p)
                    continue
                failures.append(f'error when evicting pods/"{pname}" -n "{pns}": {_message(e)}')
                failed.append(p)
                continue
            evicted += f"pod/{pname} evicted\n"
        out += retries + evicted
        if not blocked:
            break
        if advance is None or elapsed + RETRY_SECONDS > limit:
            failures.extend(f'error when evicting pods/"{p.metadata.name}" -n "{p.metadata.namespace}": '
                            f"global timeout reached: {_go_duration_text(limit)}" for p in blocked)
            failed.extend(blocked)
            break
        advance(seconds=RETRY_SECONDS)
        elapsed += RETRY_SECONDS
        pending = blocked
    return out, failures, failed


def _message(e: BaseException) -> str:
    st = status_of(e)
    return (st.message if st is not None else None) or format_error(e)

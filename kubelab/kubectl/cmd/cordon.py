"""kubectl cordon / uncordon (k8s.io/kubectl/pkg/cmd/drain/drain.go RunCordonOrUncordon,
k8s.io/kubectl/pkg/drain/cordon.go): set or clear ``spec.unschedulable``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .util import Args, KubectlError, format_error, get_object, list_objects, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl


def node_names(k: "Kubectl", a: Args, verb: str = "cordon") -> list[str]:
    pos = list(a.positional)
    if pos and pos[0] in ("node", "nodes", "no"):
        pos = pos[1:]
    names = [p.split("/", 1)[1] if p.startswith(("node/", "nodes/")) else p for p in pos]
    if a.get("selector"):
        names += [n.metadata.name or "" for n in list_objects(k, resolve_kind("Node"), None, a.get("selector"))]
    if not names:
        raise KubectlError(f"error: USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' for help and examples")
    return names


def set_unschedulable(k: "Kubectl", name: str, value: bool, did: str) -> str:
    node = get_object(k, resolve_kind("Node"), name, "")
    if bool(node.spec.unschedulable) == value:  # type: ignore[attr-defined]
        return f"node/{name} already {did}\n"
    try:
        k.source.patch("Node", name, {"spec": {"unschedulable": True if value else None}}, None, patch_type="merge")
    except Exception as e:  # noqa: BLE001
        raise KubectlError(format_error(e)) from None
    return f"node/{name} {did}\n"


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    return "".join(set_unschedulable(k, n, True, "cordoned") for n in node_names(k, a, "cordon"))


def run_uncordon(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    return "".join(set_unschedulable(k, n, False, "uncordoned") for n in node_names(k, a, "uncordon"))

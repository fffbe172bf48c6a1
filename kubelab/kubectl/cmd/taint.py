"""kubectl taint NODE KEY[=VALUE]:EFFECT ... (k8s.io/kubectl/pkg/cmd/taint/taint.go)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.base import rfc3339

from .util import Args, KubectlError, format_error, get_object, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    pos = list(a.positional)
    if pos and pos[0] in ("node", "nodes", "no"):
        pos = pos[1:]
    elif pos and "/" not in pos[0]:
        raise KubectlError(f'error: invalid resource type {pos[0]}, only node types are supported')
    if not pos:
        raise KubectlError("error: at least one taint update is required")
    target = pos[0].split("/", 1)[1] if "/" in pos[0] else pos[0]
    specs = pos[1:]
    if not specs:
        raise KubectlError("error: at least one taint update is required")
    add: list[dict] = []
    remove: list[tuple[str, Optional[str]]] = []
    for s in specs:
        if s.endswith("-"):
            key, _, effect = s[:-1].partition(":")
            if effect and effect not in EFFECTS:
                raise KubectlError(f"error: invalid taint effect: {effect}, unsupported taint effect")
            remove.append((key, effect or None))
            continue
        kv, sep, effect = s.rpartition(":")
        if not sep:
            raise KubectlError(f"error: invalid taint spec: {s}, at least one taint update is required")
        if effect not in EFFECTS:
            raise KubectlError(f"error: invalid taint effect: {effect}, unsupported taint effect")
        key, _, value = kv.partition("=")
        t = {"key": key, "effect": effect}
        if value:
            t["value"] = value
        if effect == "NoExecute":
            t["timeAdded"] = rfc3339(k.now)
        add.append(t)
    node = get_object(k, resolve_kind("Node"), target, "")
    taints = [t.to_dict() for t in (node.spec.taints or [])]  # type: ignore[attr-defined]
    for t in add:
        for old in taints:
            if old["key"] == t["key"] and old["effect"] == t["effect"] and not a.get("overwrite"):
                raise KubectlError(f"error: node {target} already has {t['key']} taint(s) with same effect(s) and --overwrite is false")
    new = [old for old in taints if not any(old["key"] == t["key"] and old["effect"] == t["effect"] for t in add)]
    for key, effect in remove:
        kept = [t for t in new if not (t["key"] == key and (effect is None or t["effect"] == effect))]
        if len(kept) == len(new):
            raise KubectlError(f'error: taint "{key}{":" + effect if effect else ""}" not found')
        new = kept
    new += add
    try:
        k.source.patch("Node", target, {"spec": {"taints": new or None}}, None, patch_type="merge")
    except Exception as e:  # noqa: BLE001
        raise KubectlError(format_error(e)) from None
    verb = "tainted" if add else "untainted"
    if add and remove:
        verb = "modified"
    return f"node/{target} {verb}\n"

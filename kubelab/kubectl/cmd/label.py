"""kubectl label / annotate (k8s.io/kubectl/pkg/cmd/label/label.go, annotate/annotate.go):
``KEY=VALUE`` sets, ``KEY-`` removes; an existing different value needs --overwrite.
``--dry-run=client`` sends nothing, ``--dry-run=server`` patches with dryRun=All; either way the
line ends in ``(dry run)`` / ``(server dry run)`` (PrintFlags.Complete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from kubelab.api.meta import KubeObject

from ..printers import resource_name
from .util import (DRY_CLIENT, DRY_SERVER, Args, KubectlError, dry_run_strategy, dry_run_suffix, format_error, get_object,
                   list_objects, targets)

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    return label_like(k, a, "labels", "labeled", "unlabeled")


def run_annotate(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    return label_like(k, a, "annotations", "annotated", "unannotated")


def label_like(k: "Kubectl", a: Args, field_name: str, did: str, undid: str) -> str:
    pos = list(a.positional)
    updates = [p for p in pos if "=" in p or p.endswith("-")]
    resources = [p for p in pos if p not in updates]
    if not updates:
        raise KubectlError(f"error: at least one {field_name[:-1]} update is required")
    sets: dict[str, str] = {}
    removes: list[str] = []
    for u in updates:
        if u.endswith("-") and "=" not in u:
            removes.append(u[:-1])
        else:
            key, _, v = u.partition("=")
            sets[key] = v
    ns = k.ns(a)
    strategy = dry_run_strategy(a)
    suffix = dry_run_suffix(strategy)
    groups = targets(a.sub(resources), allow_all=False)
    if not groups:
        raise KubectlError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
    objs: list[KubeObject] = []
    for cls, names in groups:
        if names:
            objs.extend(get_object(k, cls, n, ns) for n in names)
        elif a.get("selector") or a.get("all"):
            objs.extend(list_objects(k, cls, ns, a.get("selector")))
        else:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
    lines = []
    for o in objs:
        current = dict(getattr(o.metadata, field_name) or {})
        for key, v in sets.items():
            if key in current and current[key] != v and not a.get("overwrite"):
                raise KubectlError(f"error: '{key}' already has a value ({current[key]}), and --overwrite is false", partial="".join(lines))
        patch: dict[str, Any] = {key: v for key, v in sets.items() if current.get(key) != v}
        for key in removes:
            if key in current:
                patch[key] = None
        if not patch:
            lines.append(f"{resource_name(o)} not {did}{suffix}\n")
            continue
        try:
            if strategy != DRY_CLIENT:
                k.source.patch(o.KIND, o.metadata.name or "", {"metadata": {field_name: patch}}, o.metadata.namespace,
                               patch_type="merge", **({"dry_run": True} if strategy == DRY_SERVER else {}))
        except Exception as e:  # noqa: BLE001
            raise KubectlError(format_error(e), partial="".join(lines)) from None
        only_removed = all(v is None for v in patch.values())
        lines.append(f"{resource_name(o)} {undid if only_removed else did}{suffix}\n")
    return "".join(lines)

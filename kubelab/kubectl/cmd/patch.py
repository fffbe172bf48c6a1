"""kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json] (k8s.io/kubectl/pkg/cmd/patch/patch.go).
The patch goes to the server as it is; the server applies it (kubelab.api.patch holds the
one copy of each patch rule). ``--dry-run=client`` applies it locally and sends nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import yaml

from kubelab.api import patch as patches
from kubelab.api.meta import KubeObject

from ..apply import without_resource_version as _without_rv
from ..printers import resource_name
from .util import (DRY_CLIENT, DRY_SERVER, Args, KubectlError, dry_run_strategy, dry_run_suffix, format_error,
                   get_object, targets)

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    body = a.get("patch")
    if body is None:
        raise KubectlError('error: must specify --patch or --patch-file containing the contents of the patch')
    ptype = a.get("type") or "strategic"
    if ptype not in ("strategic", "merge", "json"):
        raise KubectlError(f'error: --type must be one of [json merge strategic], not "{ptype}"')
    try:
        patch = yaml.safe_load(body)
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        raise KubectlError(f"error: unable to parse \"{body}\": {e if not isinstance(e, RecursionError) else 'exceeded max depth'}") from None
    strategy = dry_run_strategy(a)
    ns = k.ns(a)
    out = ""
    groups = targets(a, allow_all=False)
    if not groups or not any(names for _, names in groups):
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    if ptype == "json" and not isinstance(patch, list):
        raise KubectlError(f'error: unable to parse "{body}": json: cannot unmarshal object into Go value of type jsonpatch.Patch')
    if ptype != "json" and not isinstance(patch, dict):
        raise KubectlError(f'error: unable to parse "{body}": json: cannot unmarshal {type(patch).__name__} into Go value of type map[string]interface {{}}')
    failures: list[str] = []
    # patch.go visits every named object (ContinueOnError) and reports the errors at the end
    for cls, names in groups:
        for n in names:
            try:
                obj = get_object(k, cls, n, ns)
            except KubectlError as e:
                failures.append(e.message)
                continue
            if ptype == "json" and not isinstance(patch, list):
                raise KubectlError(f'error: unable to parse "{body}": json: cannot unmarshal object into Go value of type jsonpatch.Patch')
            if ptype != "json" and not isinstance(patch, dict):
                raise KubectlError(f'error: unable to parse "{body}": json: cannot unmarshal {type(patch).__name__} into Go value of type map[string]interface {{}}')
            try:
                if strategy == DRY_CLIENT:
                    new = _local(obj, patch, ptype)
                else:
                    extra = {"dry_run": True} if strategy == DRY_SERVER else {}
                    new = k.source.patch(cls.KIND, n, patch, ns, patch_type=ptype, **extra)
            except KubectlError:
                raise
            except Exception as e:  # noqa: BLE001
                failures.append(format_error(e))
                continue
            if strategy == "none":
                same = isinstance(new, KubeObject) and new.metadata.resource_version == obj.metadata.resource_version
            else:  # nothing was written: compare what would be with what is
                same = isinstance(new, KubeObject) and _without_rv(new) == _without_rv(obj)
            out += f"{resource_name(obj)} patched{' (no change)' if same else ''}{dry_run_suffix(strategy)}\n"
    if failures:
        raise KubectlError("\n".join(failures), partial=out)
    return out


def _local(obj: KubeObject, patch, ptype: str) -> KubeObject:
    from kubelab.api.scheme import DecodeError, decode

    try:
        merged = patches.apply_patch(obj.to_dict(), patch, ptype)
        return decode(merged)
    except (patches.JSONPatchError, ValueError, DecodeError) as e:
        raise KubectlError(f"error: {getattr(e, 'message', None) or e}") from None

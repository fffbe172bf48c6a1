"""kubectl scale (k8s.io/kubectl/pkg/cmd/scale/scale.go): the /scale subresource, with
``--current-replicas`` as a precondition; ``--dry-run=client`` sends nothing, ``--dry-run=server``
sends the change with dryRun=All (nothing is stored)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..printers import resource_name
from .util import (DRY_CLIENT, DRY_SERVER, Args, KubectlError, dry_run_strategy, dry_run_suffix, format_error, get_object,
                   int_flag, targets)

if TYPE_CHECKING:
    from ..cli import Kubectl

_SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if a.get("replicas") is None:
        raise KubectlError('error: required flag(s) "replicas" not set')
    replicas = int_flag(a, "replicas")
    current = int_flag(a, "current-replicas")
    if replicas is None or replicas < 0:
        raise KubectlError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    ns = k.ns(a)
    strategy = dry_run_strategy(a)
    lines = []
    for cls, names in targets(a, allow_all=False):
        if cls.KIND not in _SCALABLE:
            raise KubectlError(f"error: cannot scale {cls.group_resource()}: the server could not find the requested resource")
        if not names:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        for n in names:
            obj = get_object(k, cls, n, ns)
            have = obj.spec.replicas if obj.spec.replicas is not None else 1  # type: ignore[attr-defined]
            if current is not None and current != have:
                raise KubectlError(f"error: Expected replicas to be {current}, was {have}", partial="".join(lines))
            try:
                if strategy == DRY_SERVER:
                    k.source.patch(cls.KIND, n, {"spec": {"replicas": replicas}}, ns, patch_type="merge", dry_run=True)
                elif strategy != DRY_CLIENT:
                    k.source.scale(cls.KIND, n, replicas, ns)
            except Exception as e:  # noqa: BLE001
                raise KubectlError(format_error(e), partial="".join(lines)) from None
            lines.append(f"{resource_name(cls, n)} scaled{dry_run_suffix(strategy)}\n")
    if not lines:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    return "".join(lines)

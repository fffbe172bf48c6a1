"""kubectl set image TYPE/NAME CONTAINER=IMAGE... (k8s.io/kubectl/pkg/cmd/set/set_image.go;
``*`` for every container)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..printers import resource_name
from .util import Args, KubectlError, format_error, get_object, replace_patch, targets

if TYPE_CHECKING:
    from ..cli import Kubectl

_WITH_CONTAINERS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob")


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if not a.positional or a.positional[0] != "image":
        raise KubectlError("error: only `kubectl set image` is simulated")
    pos = a.positional[1:]
    updates = [p for p in pos if "=" in p]
    resources = [p for p in pos if "=" not in p]
    if not updates:
        raise KubectlError("error: at least one image update is required")
    ns = k.ns(a)
    out = ""
    for cls, names in targets(a.sub(resources), allow_all=False):
        if cls.KIND not in _WITH_CONTAINERS:
            raise KubectlError(f"error: {cls.group_resource()} does not have containers")
        for n in names:
            obj = get_object(k, cls, n, ns)
            d = obj.to_dict()
            spec = d["spec"]
            pod_spec = spec if cls.KIND == "Pod" else (
                spec["jobTemplate"]["spec"]["template"]["spec"] if cls.KIND == "CronJob" else spec["template"]["spec"])
            changed = False
            for u in updates:
                cname, _, image = u.partition("=")
                hits = [c for c in pod_spec.get("containers", []) if cname in ("*", c["name"])]
                if not hits:
                    raise KubectlError(f'error: unable to find container named "{cname}"', partial=out)
                for c in hits:
                    changed |= c.get("image") != image
                    c["image"] = image
            if changed:
                try:
                    k.source.patch(cls.KIND, n, {"spec": replace_patch(obj.to_dict()["spec"], spec)}, ns, patch_type="merge")
                except Exception as e:  # noqa: BLE001
                    raise KubectlError(format_error(e), partial=out) from None
            out += f"{resource_name(obj)} image updated\n"  # kubectl says so even when nothing changed
    return out

"""kubectl describe (k8s.io/kubectl/pkg/cmd/describe/describe.go); the describers are
:mod:`kubelab.kubectl.describe` (k8s.io/kubectl/pkg/describe/describe.go)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.meta import KubeObject

from .. import describe as describers
from ..printers import no_resources_message
from .util import Args, KubectlError, format_error, list_objects, targets

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    groups = targets(a, allow_all=True)
    if not groups:
        raise KubectlError(
            'You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.\n'
            "error: Required resource not specified."
        )
    ns = k.ns(a)
    all_ns = bool(a.get("all-namespaces"))
    show_events = str(a.get("show-events", "true")).lower() != "false"
    outs: list[str] = []
    for cls, names in groups:
        objs: list[KubeObject] = []
        if names:
            for n in names:
                try:
                    objs.append(k.source.get(cls.KIND, n, ns if cls.NAMESPACED else None))
                except Exception as e:  # noqa: BLE001
                    # kubectl describe falls back to a name-prefix match
                    prefixed = [o for o in list_objects(k, cls, ns) if (o.metadata.name or "").startswith(n)]
                    if not prefixed:
                        raise KubectlError(format_error(e), partial="\n\n".join(outs)) from None
                    objs.extend(prefixed)
        else:
            objs = list_objects(k, cls, None if all_ns else ns, a.get("selector"), a.get("field-selector"))
        for o in objs:
            outs.append(describers.describe(o, k.source, show_events=show_events))
    if not outs:
        return no_resources_message(ns, any(c.NAMESPACED for c, _ in groups), all_ns) + "\n"
    return "\n\n".join(outs)

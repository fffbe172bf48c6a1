"""kubectl expose (k8s.io/kubectl/pkg/cmd/expose/expose.go): a Service selecting what a
Deployment, ReplicaSet, Pod or Service selects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from .util import Args, KubectlError, create_object, get_object, targets

if TYPE_CHECKING:
    from ..cli import Kubectl


def _port(text: Any) -> int:
    s = str(text)
    if not (s.isascii() and s.lstrip("+-").isdigit()) or not -(1 << 63) <= int(s) < (1 << 63):
        # expose.go generates the Service's ports with strconv.Atoi on each --port value
        raise KubectlError(f'error: strconv.Atoi: parsing "{s}": invalid syntax')
    return int(s)


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    groups = targets(a, allow_all=False)
    if not groups or not groups[0][1]:
        raise KubectlError("error: You must provide one or more resources by argument or filename.")
    cls, names = groups[0]
    ns = k.ns(a)
    port = a.get("port")
    target = a.get("target-port")
    obj = get_object(k, cls, names[0], ns)
    ports_flag = [_port(p) for p in str(port).split(",")] if port is not None else None
    if cls.KIND == "Pod":
        selector = dict(obj.metadata.labels or {})
    elif cls.KIND == "Service":
        selector = dict(obj.spec.selector or {})  # type: ignore[attr-defined]
    elif cls.KIND in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        sel = obj.spec.selector  # type: ignore[attr-defined]
        if sel is None or sel.match_expressions:
            raise KubectlError("error: couldn't retrieve selectors via --selector flag or introspection: "
                               "invalid deployment: no selectors, therefore cannot be exposed")
        selector = dict(sel.match_labels or {})
    else:
        raise KubectlError(f"error: cannot expose a {cls.KIND}")
    if ports_flag is None:
        spec = obj.spec if cls.KIND == "Pod" else getattr(obj.spec, "template", None)  # type: ignore[attr-defined]
        pod_spec = spec if cls.KIND == "Pod" else (spec.spec if spec else None)
        ports = [p.container_port for c in (pod_spec.containers if pod_spec else []) for p in c.ports or ()]
        if not ports:
            raise KubectlError("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples")
    else:
        ports = ports_flag
    svc_ports = []
    for i, p in enumerate(ports):
        sp: dict[str, Any] = {"port": p, "protocol": a.get("protocol") or "TCP",
                              "targetPort": (int(target) if str(target).isdigit() and str(target).isascii() else target) if target else p}
        if len(ports) > 1:
            sp["name"] = f"port-{i + 1}"
        svc_ports.append(sp)
    svc_type = a.get("type") or ""  # expose.go sets Type only from --type (the server defaults ClusterIP)
    if svc_type and svc_type not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        raise KubectlError(f'error: invalid service type "{svc_type}"')
    name = a.get("name") or names[0]
    svc: dict[str, Any] = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                           "spec": {"selector": selector, "ports": svc_ports}}
    if svc_type:
        svc["spec"]["type"] = svc_type
    if obj.metadata.labels:
        svc["metadata"]["labels"] = dict(obj.metadata.labels)
    return create_object(k, a, svc, wrap=None, verb="exposed")

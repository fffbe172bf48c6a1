"""NodeRestriction admission (plugin/pkg/admission/noderestriction/admission.go).

The Node authorizer lets every kubelet (``system:node:<name>`` in ``system:nodes``) use
the system:node verbs on pods and nodes; this plugin narrows them to the kubelet's own:
its Node object, the pods bound to it (status, deletion, eviction; creation only of mirror
pods) and its Lease in kube-node-lease. Refusals are ``admission.NewForbidden``:
``<resource> "<name>" is forbidden: <reason>`` with upstream's reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from kubelab.api import errors

from .user import NODES_GROUP

if TYPE_CHECKING:  # pragma: no cover
    from .server import APIServer, Request

NODE_LEASE_NAMESPACE = "kube-node-lease"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
# k8s.io/api/core/v1 LabelNamespaceNodeRestriction
NODE_RESTRICTION_LABEL_NAMESPACE = "node-restriction.kubernetes.io"
# k8s.io/kubelet/pkg/apis well_known_labels.go: the labels a kubelet may set on itself
KUBELET_LABELS = {
    "kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
    "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "kubernetes.io/os",
    "beta.kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/arch",
}
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def node_identity(user: Any) -> tuple[str, bool]:
    """nodeidentifier.NodeIdentity: (name, is a node) for ``system:node:<name>`` in system:nodes."""
    if user is None or NODES_GROUP not in (user.groups or ()) or not user.name.startswith("system:node:"):
        return "", False
    return user.name[len("system:node:"):], True


def _forbidden(req: "Request", name: str, reason: str) -> errors.StatusError:
    return errors.new_forbidden(req.kind.group_resource(), name or "", reason)


def admit(server: "APIServer", req: "Request", operation: str, obj: Optional[Any] = None,
          old: Optional[Any] = None) -> None:
    """Refuse what a kubelet may not do; ``operation`` is CREATE, UPDATE or DELETE."""
    node, is_node = node_identity(req.user)
    if not is_node:
        return
    if not node:
        raise _forbidden(req, req.name, f'could not determine node from user "{req.user.name}"')
    kind = req.kind.KIND
    name = req.name or (obj.metadata.name if obj is not None else "")
    if kind == "Pod":
        sub = req.subresource or ""
        if sub == "":
            _admit_pod(server, req, operation, node, name, obj)
        elif sub == "status":
            if operation != "UPDATE":
                raise _forbidden(req, name, f'unexpected operation "{operation}"')
            if old.spec.node_name != node:
                raise _forbidden(req, name, f'node "{node}" can only update pod status for pods with spec.nodeName '
                                            "set to itself")
            if (old.metadata.labels or {}) != (obj.metadata.labels or {}):
                raise _forbidden(req, name, f'node "{node}" cannot update labels through pod status')
        elif sub == "eviction":
            pod = server.caches["Pod"].get(req.namespace, name)
            if pod is None:
                raise errors.new_not_found(req.kind.group_resource(), name)
            if pod.spec.node_name != node:
                raise _forbidden(req, name, f"node {node} can only evict pods with spec.nodeName set to itself")
        elif sub != "binding":
            raise _forbidden(req, name, f"unexpected pod subresource \"{sub}\", only 'status' and 'eviction' are allowed")
    elif kind == "Node":
        if name != node:
            raise _forbidden(req, name, f'node "{node}" is not allowed to modify node "{name}"')
        if operation == "CREATE":
            bad = _forbidden_labels(_modified(obj.metadata.labels, None))
            if bad:
                raise _forbidden(req, name, f'node "{node}" is not allowed to set the following labels: {", ".join(bad)}')
        elif operation == "UPDATE":
            if _taints(obj) != _taints(old):
                raise _forbidden(req, name, f'node "{node}" is not allowed to modify taints')
            bad = _forbidden_labels(_modified(obj.metadata.labels, old.metadata.labels))
            if bad:
                raise _forbidden(req, name, f"is not allowed to modify labels: {', '.join(bad)}")
    elif kind == "Lease":
        if (req.namespace or "") != NODE_LEASE_NAMESPACE:
            raise _forbidden(req, name, f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace')
        if name != node:
            raise _forbidden(req, name, "can only access node lease with the same name as the requesting node")


def _admit_pod(server: "APIServer", req: "Request", operation: str, node: str, name: str, obj: Any) -> None:
    if operation == "DELETE":
        pod = server.caches["Pod"].get(req.namespace, name)
        if pod is None:
            raise errors.new_not_found(req.kind.group_resource(), name)
        if pod.spec.node_name != node:
            raise _forbidden(req, name, f'node "{node}" can only delete pods with spec.nodeName set to itself')
        return
    if operation != "CREATE":
        raise _forbidden(req, name, f'unexpected operation "{operation}", node "{node}" can only create and delete '
                                    "mirror pods")
    if MIRROR_POD_ANNOTATION not in (obj.metadata.annotations or {}):
        raise _forbidden(req, name, f'pod does not have "{MIRROR_POD_ANNOTATION}" annotation, node "{node}" can only '
                                    "create mirror pods")
    if obj.spec.node_name != node:
        raise _forbidden(req, name, f'node "{node}" can only create pods with spec.nodeName set to itself')
    owners = obj.metadata.owner_references or []
    if len(owners) > 1:
        raise _forbidden(req, name, f'node "{node}" can only create pods with a single owner reference set to itself')
    if not owners or owners[0].api_version != "v1" or owners[0].kind != "Node" or owners[0].name != node:
        raise _forbidden(req, name, f'node "{node}" can only create pods with an owner reference set to itself')


def _taints(node: Any) -> list:
    return [t.to_dict() if hasattr(t, "to_dict") else t for t in (node.spec.taints or [])] if node.spec else []


def _modified(a: Optional[dict], b: Optional[dict]) -> set[str]:
    a, b = a or {}, b or {}
    return {k for k in set(a) | set(b) if a.get(k) != b.get(k) or (k in a) != (k in b)}


def _label_namespace(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def _forbidden_labels(modified: set[str]) -> list[str]:
    bad = set()
    for label in modified:
        ns = _label_namespace(label)
        if ns == NODE_RESTRICTION_LABEL_NAMESPACE or ns.endswith("." + NODE_RESTRICTION_LABEL_NAMESPACE):
            bad.add(label)
        kubernetes = ns in ("kubernetes.io", "k8s.io") or ns.endswith((".kubernetes.io", ".k8s.io"))
        kubelet_ok = label in KUBELET_LABELS or ns in KUBELET_LABEL_NAMESPACES or ns.endswith(
            tuple("." + n for n in KUBELET_LABEL_NAMESPACES))
        if kubernetes and not kubelet_ok:
            bad.add(label)
    return sorted(bad)


__all__ = ["admit", "node_identity"]

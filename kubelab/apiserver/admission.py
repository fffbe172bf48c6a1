"""Admission: the mutating and validating plugins kube-apiserver enables by default that
matter to a simulated cluster (plugin/pkg/admission/... in kubernetes/kubernetes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api import errors
from kubelab.api.core import Toleration
from kubelab.api.defaults import apply_defaults
from kubelab.api.meta import KubeObject
from kubelab.api.storage import default_class

from . import podsecurity

if TYPE_CHECKING:
    from .server import APIServer, Request

# Namespaces that always exist (NamespaceLifecycle's immortal namespaces).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# lifecycle/admission.go: a DELETE of these is refused ("this namespace may not be deleted")
UNDELETABLE_NAMESPACES = ("default", "kube-system", "kube-public")
# plugin/pkg/admission/priority: the built-in system classes
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
# plugin/pkg/admission/defaulttolerationseconds: --default-not-ready-toleration-seconds=300
DEFAULT_TOLERATION_SECONDS = 300


_PROTECTION_FINALIZERS = {"PersistentVolumeClaim": "kubernetes.io/pvc-protection",
                          "PersistentVolume": "kubernetes.io/pv-protection"}


def mutating_plugins(obj: KubeObject, create: bool) -> list[str]:
    """The mutating admission plugins this server runs for ``obj`` (what admit_create and
    admit_update do, in their order; the request_path view names them)."""
    if not create:
        return ["(none for an update)"]
    names = ["NamespaceLifecycle"] if obj.NAMESPACED else []
    if obj.KIND == "Pod":
        names += ["Priority", "DefaultTolerationSeconds"]
    elif obj.KIND == "PersistentVolumeClaim":
        names.append("DefaultStorageClass")
    if obj.KIND in _PROTECTION_FINALIZERS:
        names.append("StorageObjectInUseProtection")
    return names or ["(none for this kind)"]


def validating_plugins(obj: KubeObject) -> list[str]:
    """The validating admission plugins this server runs for ``obj``."""
    if obj.KIND == "Pod":
        return ["PodSecurity"]
    if obj.KIND == "PriorityClass":
        return ["Priority"]
    return ["(none for this kind)"]


class AdmissionChain:
    def __init__(self, server: "APIServer"):
        self.server = server

    def admit_create(self, obj: KubeObject, req: "Request"):
        if False:
            yield
        apply_defaults(obj)
        self._namespace_lifecycle(obj)
        if obj.KIND == "Pod":
            self._priority(obj)
            self._default_toleration_seconds(obj)
            self._pod_security(obj)
        elif obj.KIND == "PersistentVolumeClaim":
            self._default_storage_class(obj)
        if obj.KIND in _PROTECTION_FINALIZERS:
            # StorageObjectInUseProtection (plugin/pkg/admission/storage/storageobjectinuseprotection)
            fin = _PROTECTION_FINALIZERS[obj.KIND]
            if fin not in (obj.metadata.finalizers or ()):
                obj.metadata.finalizers = [*(obj.metadata.finalizers or ()), fin]

    def admit_update(self, new: KubeObject, old: KubeObject, req: "Request"):
        if False:
            yield
        apply_defaults(new)

    def validate(self, obj: KubeObject, old: Optional[KubeObject]) -> None:
        """The validating admission phase, after the object passed field validation."""
        if obj.KIND == "PriorityClass":
            self._validate_priority_class(obj, old)

    # -- plugins ---------------------------------------------------------------------------
    def _validate_priority_class(self, pc: KubeObject, old: Optional[KubeObject]) -> None:
        """plugin/pkg/admission/priority/admission.go validatePriorityClass: one default."""
        if not pc.global_default:
            return
        cache = self.server.caches["PriorityClass"]
        dpc = next((c for c in sorted(cache.objects.values(), key=lambda c: c.metadata.name or "")
                    if c.global_default), None)
        if dpc is not None and (old is None or dpc.metadata.name != pc.metadata.name):
            raise errors.new_forbidden("priorityclasses.scheduling.k8s.io", pc.metadata.name or "",
                                       f"PriorityClass {dpc.metadata.name} is already marked as default. "
                                       "Only one default can exist")

    def _namespace_lifecycle(self, obj: KubeObject) -> None:
        if not obj.NAMESPACED:
            return
        ns_name = obj.metadata.namespace
        cache = self.server.caches["Namespace"]
        ns = cache.get(None, ns_name)
        if ns is None:
            if ns_name in IMMORTAL_NAMESPACES:
                return
            raise errors.new_not_found("namespaces", ns_name)
        if ns.status.phase == "Terminating" and obj.KIND != "Event":
            # plugin/pkg/admission/namespace/lifecycle/admission.go
            raise errors.new_forbidden(
                type(obj).group_resource(),
                obj.metadata.name or "",
                f"unable to create new content in namespace {ns_name} because it is being terminated",
            )

    def _pod_security(self, pod: KubeObject) -> None:
        """PodSecurity (validating, after the mutating plugins): enforce the namespace's level."""
        ns = self.server.caches["Namespace"].get(None, pod.metadata.namespace)
        level = podsecurity.level_of(ns.metadata.labels if ns is not None else None)
        msg = podsecurity.forbidden_message(pod.spec, level)
        if msg is not None:
            raise errors.new_forbidden("pods", pod.metadata.name or "", msg)

    def _priority(self, pod: KubeObject) -> None:
        name = pod.spec.priority_class_name
        cache = self.server.caches["PriorityClass"]
        if name:
            if name in SYSTEM_PRIORITY_CLASSES:
                value, policy = SYSTEM_PRIORITY_CLASSES[name], "PreemptLowerPriority"
            else:
                pc = cache.get(None, name)
                if pc is None:
                    raise errors.new_forbidden("pods", pod.metadata.name or "", f"no PriorityClass with name {name} was found")
                value, policy = pc.value, pc.preemption_policy or "PreemptLowerPriority"
        else:
            default = next((pc for pc in cache.objects.values() if pc.global_default), None)
            value = default.value if default else 0
            policy = (default.preemption_policy if default else None) or "PreemptLowerPriority"
            if default is not None:
                pod.spec.priority_class_name = default.metadata.name
        if pod.spec.priority is not None and pod.spec.priority != value:
            raise errors.new_forbidden("pods", pod.metadata.name or "", "the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name" % (pod.spec.priority, value))
        pod.spec.priority = value
        if pod.spec.preemption_policy is None:
            pod.spec.preemption_policy = policy

    def _default_storage_class(self, pvc: KubeObject) -> None:
        """DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault): a claim
        that names no class (storageClassName unset, not "") gets the default class."""
        if pvc.spec.storage_class_name is not None or \
                "volume.beta.kubernetes.io/storage-class" in (pvc.metadata.annotations or {}):
            return
        cache = self.server.caches.get("StorageClass")
        default = default_class(cache.objects.values()) if cache is not None else None
        if default is not None:
            pvc.spec.storage_class_name = default.metadata.name

    def _default_toleration_seconds(self, pod: KubeObject) -> None:
        tols = list(pod.spec.tolerations or [])
        for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
            has = any(
                (t.key == key or (not t.key and t.operator == "Exists")) and (t.effect in (None, "", "NoExecute"))
                for t in tols
            )
            if not has:
                tols.append(Toleration(key=key, operator="Exists", effect="NoExecute",
                                       toleration_seconds=DEFAULT_TOLERATION_SECONDS))
        pod.spec.tolerations = tols

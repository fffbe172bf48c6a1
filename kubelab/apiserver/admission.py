"""Admission: the mutating and validating plugins kube-apiserver enables by default that
matter to a simulated cluster (plugin/pkg/admission/... in kubernetes/kubernetes).

They run in kube-apiserver's order (pkg/kubeapiserver/options/plugins.go AllOrderedPlugins):
NamespaceLifecycle, LimitRanger, ServiceAccount, Priority, DefaultTolerationSeconds,
DefaultStorageClass, StorageObjectInUseProtection, PodSecurity, ResourceQuota. Every mutating
plugin runs first (``admit_create``), then, after field validation, every validating one
(``validate``); ResourceQuota is last, so a request refused by anything else is not charged.
Lookups read the API server's watch cache (the plugins' informers), never etcd.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api import errors
from kubelab.api.core import Toleration
from kubelab.api.defaults import apply_defaults
from kubelab.api.meta import KubeObject
from kubelab.api.storage import default_class

from kubelab.api import quota
from kubelab.api.quantity import Quantity

from . import limitranger, noderestriction, podsecurity, storage

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


# plugin/pkg/admission/serviceaccount/admission.go
DEFAULT_SERVICE_ACCOUNT = "default"
SERVICE_ACCOUNT_VOLUME_NAME = "kube-api-access"
DEFAULT_API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
# serviceaccount.WarnOnlyBoundTokenExpirationSeconds: 1h + 7s
TOKEN_EXPIRATION_SECONDS = 3607
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
# _RAND_ALPHABET of utilrand.String (k8s.io/apimachinery/pkg/util/rand)
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def token_volume_source() -> dict:
    """TokenVolumeSource: the projected volume every pod's token is mounted from."""
    return {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
        {"configMap": {"name": ROOT_CA_CONFIGMAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]}


_PROTECTION_FINALIZERS = {"PersistentVolumeClaim": "kubernetes.io/pvc-protection",
                          "PersistentVolume": "kubernetes.io/pv-protection"}


def mutating_plugins(obj: KubeObject, create: bool) -> list[str]:
    """The mutating admission plugins this server runs for ``obj`` (what admit_create and
    admit_update do, in their order; the request_path view names them)."""
    if not create:
        return ["NodeRestriction"]
    names = ["NamespaceLifecycle"] if obj.NAMESPACED else []
    if obj.KIND == "Pod":
        names += ["LimitRanger", "ServiceAccount", "NodeRestriction", "Priority", "DefaultTolerationSeconds"]
    elif obj.KIND == "PersistentVolumeClaim":
        names.append("DefaultStorageClass")
    if obj.KIND in _PROTECTION_FINALIZERS:
        names.append("StorageObjectInUseProtection")
    return names or ["(none for this kind)"]


def validating_plugins(obj: KubeObject) -> list[str]:
    """The validating admission plugins this server runs for ``obj``, ResourceQuota last."""
    names = []
    if obj.KIND in ("Pod", "PersistentVolumeClaim"):
        names.append("LimitRanger")
    if obj.KIND == "PriorityClass":
        names.append("Priority")
    if obj.KIND == "Pod":
        names.append("PodSecurity")
    if obj.NAMESPACED and obj.KIND != "Event":
        names.append("ResourceQuota")
    return names or ["(none for this kind)"]


class AdmissionChain:
    def __init__(self, server: "APIServer"):
        self.server = server
        # the plugins' own randomness (volume name suffixes, lookup retries): a stream of
        # its own, so it does not shift the server's names and uids
        self._rng = server.sim.rng(f"{server.name}/admission")

    def admit_create(self, obj: KubeObject, req: "Request"):
        apply_defaults(obj)
        self._namespace_lifecycle(obj)
        noderestriction.admit(self.server, req, "CREATE", obj)
        if obj.KIND == "Pod":
            self._limit_ranger_admit(obj)
            yield from self._service_account(obj)
            self._priority(obj)
            self._default_toleration_seconds(obj)
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
        noderestriction.admit(self.server, req, "UPDATE", new, old)

    def admit_delete(self, obj: KubeObject, req: "Request") -> None:
        noderestriction.admit(self.server, req, "DELETE", obj)

    def validate(self, obj: KubeObject, old: Optional[KubeObject], req: Optional["Request"] = None):
        """The validating admission phase, after the object passed field validation, in the
        plugins' order; ResourceQuota last, charging the namespace's quotas (a generator:
        the charge is a write to etcd)."""
        if old is None and obj.KIND in ("Pod", "PersistentVolumeClaim") or (
                obj.KIND == "PersistentVolumeClaim" and old is not None):
            self._limit_ranger_validate(obj)
        if obj.KIND == "PriorityClass":
            self._validate_priority_class(obj, old)
        if old is None and obj.KIND == "Pod":
            self._pod_security(obj)
        # quota ignores events (pkg/quota/v1/install/update_filter.go ignoredResources)
        if old is None and obj.NAMESPACED and obj.KIND != "Event":
            yield from self._resource_quota(obj, dry_run=bool(req is not None and req.options.get("dry_run")))

    # -- LimitRanger (plugin/pkg/admission/limitranger) -----------------------------------------
    def _limit_ranges(self, namespace: str) -> list:
        cache = self.server.caches["LimitRange"]
        if not cache.objects:
            return []
        return sorted((lr for lr in cache.objects.values() if lr.metadata.namespace == namespace),
                      key=lambda lr: lr.metadata.name or "")

    def _limit_ranger_admit(self, pod: KubeObject) -> None:
        for lr in self._limit_ranges(pod.metadata.namespace):
            limitranger.default_pod(lr, pod)

    def _limit_ranger_validate(self, obj: KubeObject) -> None:
        for lr in self._limit_ranges(obj.metadata.namespace):
            errs = limitranger.validate_pod(lr, obj) if obj.KIND == "Pod" else limitranger.validate_pvc(lr, obj)
            msg = limitranger.aggregate(errs)
            if msg:
                raise errors.new_forbidden(type(obj).group_resource(), obj.metadata.name or "", msg)

    # -- ServiceAccount (plugin/pkg/admission/serviceaccount) -----------------------------------
    def _service_account(self, pod: KubeObject):
        """Admit: mirror pods are left alone (and may name no service account); every other
        pod runs as ``default`` unless it names one, which must exist; unless automounting
        is off (the pod's choice first, then the service account's), each container and init
        container mounts a ``kube-api-access-xxxxx`` projected volume (a bound token, the
        cluster CA from ``kube-root-ca.crt`` and the namespace) read-only at
        /var/run/secrets/kubernetes.io/serviceaccount; the service account's imagePullSecrets
        are copied to a pod that has none."""
        name = pod.metadata.name or ""
        if MIRROR_POD_ANNOTATION in (pod.metadata.annotations or {}):
            if pod.spec.service_account_name:
                raise errors.new_forbidden("pods", name, "a mirror pod may not reference service accounts")
            for v in pod.spec.volumes or ():
                if v.secret is not None:
                    raise errors.new_forbidden("pods", name, "a mirror pod may not reference secrets")
            return
        ns = pod.metadata.namespace
        if not pod.spec.service_account_name:
            pod.spec.service_account_name = DEFAULT_SERVICE_ACCOUNT
        sa_name = pod.spec.service_account_name
        pod.spec.service_account = sa_name  # the deprecated field mirrors it (conversion)
        sa = yield from self._get_service_account(ns, sa_name)
        if sa is None:
            raise errors.new_forbidden("pods", name, f"error looking up service account {ns}/{sa_name}: "
                                                     f'serviceaccount "{sa_name}" not found')
        automount = pod.spec.automount_service_account_token
        if automount is None:
            automount = sa.automount_service_account_token
        if automount is None or automount:
            self._mount_service_account_token(pod)
        if not pod.spec.image_pull_secrets and sa.image_pull_secrets:
            pod.spec.image_pull_secrets = [{"name": s.get("name")} for s in sa.image_pull_secrets]

    def _get_service_account(self, namespace: str, name: str):
        """getServiceAccount: the informer first; for ``default``, which the service account
        controller is about to create in a new namespace, up to 10 attempts 100-200ms apart."""
        cache = self.server.caches["ServiceAccount"]
        sa = cache.get(namespace, name)
        if sa is not None or name != DEFAULT_SERVICE_ACCOUNT:
            return sa
        interval = (100 + self._rng.randrange(100)) / 1000
        for _ in range(9):
            yield self.server.sim.timeout(interval)
            sa = cache.get(namespace, name)
            if sa is not None:
                return sa
        return None

    def _mount_service_account_token(self, pod: KubeObject) -> None:
        from kubelab.api.core import Volume

        volume_name = ""
        for v in pod.spec.volumes or ():
            if v.name.startswith(SERVICE_ACCOUNT_VOLUME_NAME + "-"):
                volume_name = v.name
                break
        has_volume = bool(volume_name)
        if not volume_name:
            # names.SimpleNameGenerator.GenerateName("kube-api-access-")
            volume_name = SERVICE_ACCOUNT_VOLUME_NAME + "-" + "".join(
                self._rng.choice(_RAND_ALPHABET) for _ in range(5))
        needs = False
        for c in list(pod.spec.init_containers or ()) + list(pod.spec.containers or ()):
            mounts = list(c.volume_mounts or ())
            if any(m.get("mountPath") == DEFAULT_API_TOKEN_MOUNT_PATH for m in mounts):
                continue
            mounts.append({"name": volume_name, "readOnly": True, "mountPath": DEFAULT_API_TOKEN_MOUNT_PATH})
            c.volume_mounts = mounts
            needs = True
        if needs and not has_volume:
            pod.spec.volumes = [*(pod.spec.volumes or ()), Volume(name=volume_name, projected=token_volume_source())]

    # -- ResourceQuota (plugin/pkg/admission/resourcequota, k8s.io/apiserver/.../resourcequota) --
    def _resource_quota(self, obj: KubeObject, dry_run: bool = False):
        """Evaluate the object against each quota of its namespace that limits something it
        uses: Constraints (``failed quota: ...``), usage known (``status unknown for quota``),
        then used + requested <= hard (``exceeded quota: ...``); the new usage is written to
        the quota's status at once (a compare-and-swap; a lost race re-reads and tries again),
        so two creates cannot both take the last of it."""
        cache = self.server.caches["ResourceQuota"]
        if not cache.objects:
            return
        ns = obj.metadata.namespace
        quotas = sorted((rq for rq in cache.objects.values() if rq.metadata.namespace == ns),
                        key=lambda rq: rq.metadata.name or "")
        if not quotas:
            return
        kind = type(obj)
        name = obj.metadata.name or ""
        gr = kind.group_resource()
        delta = quota.usage(obj, self.server.sim.now)
        for rq in quotas:
            for attempt in range(5):
                hard = quota.resource_list(rq.status.hard)
                tracked = quota.matching_resources(kind, hard)
                # evaluator.Matches: the quota limits something this kind uses, and its scopes
                # select this object
                if not tracked or not quota.matches_scopes(rq, obj):
                    break
                if obj.KIND == "Pod":
                    msg = quota.pod_constraints(obj, tracked)
                    if msg:
                        raise errors.new_forbidden(gr, name, f"failed quota: {rq.metadata.name}: {msg}")
                used = quota.resource_list(rq.status.used)
                missing = [r for r in tracked if r not in used]
                if missing:
                    raise errors.new_forbidden(gr, name, f"status unknown for quota: {rq.metadata.name}, "
                                                         f"resources: {','.join(sorted(missing))}")
                requested = quota.remove_zeros(quota.mask(delta, tracked))
                if not requested:
                    break
                new_used = quota.add(used, requested)
                ok, exceeded = quota.less_than_or_equal(quota.mask(new_used, requested), hard)
                if not ok:
                    raise errors.new_forbidden(gr, name, "exceeded quota: %s, requested: %s, used: %s, limited: %s" % (
                        rq.metadata.name, quota.pretty_print(quota.mask(requested, exceeded)),
                        quota.pretty_print(quota.mask(used, exceeded)), quota.pretty_print(quota.mask(hard, exceeded))))
                if dry_run:
                    break
                charged = rq.copy_deep()
                charged.status.used = {**(rq.status.used or {}), **quota.to_raw(quota.mask(new_used, requested))}
                key = storage.object_key(type(rq), rq.metadata.namespace, rq.metadata.name)
                try:
                    yield self.server.storage.update(key, storage.encode(charged), int(rq.metadata.resource_version))
                    break
                except (storage.RevisionMismatch, storage.KeyNotFound):
                    got = yield self.server.storage.get(key)
                    if got is None:
                        break
                    rq = storage.decode(type(rq), got[0], got[1])
            else:
                raise errors.new_conflict(gr, name, f"Operation cannot be fulfilled on resourcequotas "
                                                    f'"{rq.metadata.name}": the object has been modified')

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
            err = errors.new_forbidden(
                type(obj).group_resource(),
                obj.metadata.name or "",
                f"unable to create new content in namespace {ns_name} because it is being terminated",
            )
            # ...with the cause v1.NamespaceTerminatingCause, which controllers look for
            err.status.setdefault("details", {}).setdefault("causes", []).append(
                {"type": "NamespaceTerminating", "message": f"namespace {ns_name} is being terminated",
                 "field": "metadata.namespace"})
            raise err

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

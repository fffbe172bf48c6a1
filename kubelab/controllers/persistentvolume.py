"""The PersistentVolume binder (pkg/controller/volume/persistentvolume/pv_controller.go),
the claim and volume protection controllers (pkg/controller/volume/pvcprotection,
pvprotection), and the simulated external provisioners.

Binding (syncUnboundClaim): a claim gets the smallest Available volume of its class whose
access modes contain the claim's, that satisfies its selector and is big enough
(FindMatchingVolume). A claim of a ``WaitForFirstConsumer`` class waits — "waiting for
first consumer to be created before binding" — until the scheduler has picked a node for
the first pod using it and written ``volume.kubernetes.io/selected-node`` on the claim;
then it binds to a volume that fits that node, or asks the class's provisioner for one
("Waiting for a volume to be created either by the external provisioner ..."). A claim
with no volume and no class: FailedBinding "no persistent volumes available for this
claim and no storage class is set".

Volumes (syncVolume): no claimRef = Available; the claim exists and names the volume =
Bound; the claim is gone = Released, then the reclaim policy: Retain keeps the volume
(Released, data kept), Delete deletes it (a provisioned volume is deleted by its
provisioner, as external provisioners do).

Upstream, provisioners are separate programs (rancher's local-path-provisioner, a CSI
driver's external-provisioner sidecar) that watch claims annotated
``volume.kubernetes.io/storage-provisioner``. kubelab runs them as one controller,
:class:`ExternalProvisioner`, with one simulated provisioner per machine kind:

* node-local disks on bare metal and VMs — class ``local-path``, provisioner
  ``rancher.io/local-path``: a ``hostPath`` volume under /opt/local-path-provisioner on the
  selected node, with node affinity ``kubernetes.io/hostname`` = that node;
* zonal cloud disks on cloud instances — class ``gp2`` (AWS; ``standard-rwo`` on GCE,
  ``managed-csi`` on Azure), a CSI volume whose node affinity is
  ``topology.kubernetes.io/zone`` = the selected node's zone.

Both classes are ``WaitForFirstConsumer`` with reclaim ``Delete``; the provisioner installs
its class when the first node of its kind registers (as the addon's manifest would), and
the first class installed is marked default (``storageclass.kubernetes.io/is-default-class``).
"""

from __future__ import annotations

from kubelab.api import errors
from kubelab.api.core import (
    Node,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    ObjectReference,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    VolumeNodeAffinity,
)
from kubelab.api.meta import ObjectMeta
from kubelab.api.podutil import is_pod_terminal
from kubelab.api.storage import (
    IS_DEFAULT_STORAGE_CLASS_ANNOTATION,
    VOLUME_BINDING_WAIT,
    StorageClass,
    claim_class,
    find_matching_volume,
    is_default_class,
)
from kubelab.client.informer import DeletedFinalStateUnknown

from .base import Controller, ControllerContext

# pv_controller.go annotations
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"

COMPONENT = "persistentvolume-controller"  # the events' source (pv_controller_base.go)
MSG_WAIT_FOR_FIRST_CONSUMER = "waiting for first consumer to be created before binding"
MSG_NO_VOLUME_NO_CLASS = "no persistent volumes available for this claim and no storage class is set"

MACHINE_KIND_LABEL = "kubelab.io/machine-kind"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_HOSTNAME = "kubernetes.io/hostname"


def _deleted(obj):
    return obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj


def claim_names(pod: Pod) -> list[str]:
    """The claims a pod's volumes name (persistentVolumeClaim.claimName)."""
    out = []
    for v in pod.spec.volumes or ():
        src = v.persistent_volume_claim
        if src and src.get("claimName"):
            out.append(src["claimName"])
    return out


class PersistentVolumeController(Controller):
    name = "persistentvolume-binder-controller"
    # --pvclaimbinder-sync-period: every claim and volume is synced again this often, which
    # is how a claim waiting for a volume finds one created later
    resync_period = 15.0
    _ticker = None

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.pv_informer = ctx.informers.informer(PersistentVolume)
        self.pvc_informer = ctx.informers.informer(PersistentVolumeClaim)
        self.class_informer = ctx.informers.informer(StorageClass)
        self.node_informer = ctx.informers.informer(Node)
        self.recorder = ctx.recorder(COMPONENT)
        self.pvc_informer.add_event_handler(self._claim, lambda o, n: self._claim(n), self._claim_gone)
        self.pv_informer.add_event_handler(self._volume, lambda o, n: self._volume(n), self._volume)
        self.class_informer.add_event_handler(self._class, lambda o, n: None, None)

    def on_start(self) -> None:
        self._ticker = self.sim.every(self.resync_period, self._resync)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    def _resync(self) -> None:
        """pv_controller_base.go resync: enqueue every claim and every volume."""
        for pvc in self.pvc_informer.list():
            self.queue.add("claim:" + pvc.key())
        for pv in self.pv_informer.list():
            self.queue.add("volume:" + pv.key())

    def _claim(self, pvc) -> None:
        self.queue.add("claim:" + _deleted(pvc).key())

    def _claim_gone(self, pvc) -> None:
        pvc = _deleted(pvc)
        if pvc.spec.volume_name:
            self.queue.add("volume:" + pvc.spec.volume_name)

    def _volume(self, pv) -> None:
        pv = _deleted(pv)
        self.queue.add("volume:" + pv.key())
        ref = pv.spec.claim_ref
        if ref is not None:
            self.queue.add(f"claim:{ref.namespace}/{ref.name}")

    def _class(self, sc) -> None:
        # a class that appears may let waiting claims provision (resync of unbound claims)
        for pvc in self.pvc_informer.list():
            if not pvc.spec.volume_name:
                self.queue.add("claim:" + pvc.key())

    def _event(self, obj, type_: str, reason: str, message: str) -> None:
        # every sync of a waiting claim says it again (the recorder counts: "x4 over 60s")
        self.recorder.event(obj, type_, reason, message)

    def sync(self, key: str):
        what, _, k = key.partition(":")
        if what == "claim":
            pvc = self.pvc_informer.get(k)
            if pvc is not None and pvc.metadata.deletion_timestamp is None:
                yield from self._sync_claim(pvc)
        else:
            pv = self.pv_informer.get(k)
            if pv is not None:
                yield from self._sync_volume(pv)

    # -- claims (syncClaim) ------------------------------------------------------------
    def _sync_claim(self, pvc: PersistentVolumeClaim):
        ann = pvc.metadata.annotations or {}
        if pvc.spec.volume_name:
            pv = self.pv_informer.get(pvc.spec.volume_name)
            if pv is None:
                if pvc.status.phase == "Bound" or ann.get(ANN_BIND_COMPLETED):
                    # syncBoundClaim: the volume is gone
                    yield from self._claim_status(pvc, "Lost", None)
                    self._event(pvc, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. "
                                "Data on the volume is lost!")
                return
            ref = pv.spec.claim_ref
            if ref is None or (ref.name == pvc.name and ref.namespace == pvc.metadata.namespace):
                yield from self._bind(pvc, pv)
            else:
                self._event(pvc, "Warning", "FailedBinding",
                            "volume \"%s\" already bound to a different claim." % pv.name)
            return
        # syncUnboundClaim, no volumeName yet
        cls_name = claim_class(pvc)
        sc = self.class_informer.get(cls_name) if cls_name else None
        delay = sc is not None and sc.volume_binding_mode == VOLUME_BINDING_WAIT
        node = None
        selected = ann.get(ANN_SELECTED_NODE)
        if delay and selected:
            node = self.node_informer.get(selected)
        pv = find_matching_volume(pvc, self.pv_informer.list(), node=node, delay_binding=delay)
        if pv is not None:
            yield from self._bind(pvc, pv)
            return
        if delay and not selected:
            self._event(pvc, "Normal", "WaitForFirstConsumer", MSG_WAIT_FOR_FIRST_CONSUMER)
            return
        if not cls_name:
            self._event(pvc, "Normal", "FailedBinding", MSG_NO_VOLUME_NO_CLASS)
            return
        if sc is None:
            self._event(pvc, "Warning", "ProvisioningFailed",
                        f'storageclass.storage.k8s.io "{cls_name}" not found')
            return
        # provisionClaim: hand the claim to the class's (external) provisioner
        if ann.get(ANN_STORAGE_PROVISIONER) != sc.provisioner:
            new = pvc.copy_deep()
            new.metadata.annotations = dict(ann)
            new.metadata.annotations[ANN_STORAGE_PROVISIONER] = sc.provisioner
            new.metadata.annotations[ANN_BETA_STORAGE_PROVISIONER] = sc.provisioner
            try:
                pvc = yield self.client.update(new)
            except errors.StatusError as exc:
                if errors.is_conflict(exc) or errors.is_not_found(exc):
                    return
                raise
        self._event(pvc, "Normal", "ExternalProvisioning",
                    f"Waiting for a volume to be created either by the external provisioner '{sc.provisioner}' "
                    "or manually by the system administrator. If volume creation is delayed, please verify "
                    "that the provisioner is running and correctly registered.")

    def _bind(self, pvc: PersistentVolumeClaim, pv: PersistentVolume):
        """bind(): the volume first (claimRef, phase Bound), then the claim (volumeName,
        annotations, phase Bound with the volume's capacity and access modes)."""
        by_controller = pv.spec.claim_ref is None
        ref = pv.spec.claim_ref
        if ref is None or ref.uid != pvc.uid:
            new = pv.copy_deep()
            new.spec.claim_ref = ObjectReference(kind="PersistentVolumeClaim", namespace=pvc.metadata.namespace,
                                                 name=pvc.name, uid=pvc.uid, api_version="v1",
                                                 resource_version=pvc.metadata.resource_version)
            if by_controller:
                new.metadata.annotations = {**(new.metadata.annotations or {}), ANN_BOUND_BY_CONTROLLER: "yes"}
            try:
                pv = yield self.client.update(new)
            except errors.StatusError as exc:
                if errors.is_conflict(exc) or errors.is_not_found(exc):
                    self.queue.add("claim:" + pvc.key())
                    return
                raise
        if pv.status.phase != "Bound":
            new = pv.copy_deep()
            new.status.phase = "Bound"
            pv = yield self.client.update_status(new)
        ann = pvc.metadata.annotations or {}
        if pvc.spec.volume_name != pv.name or ann.get(ANN_BIND_COMPLETED) != "yes":
            new = pvc.copy_deep()
            new.spec.volume_name = pv.name
            new.metadata.annotations = {**ann, ANN_BIND_COMPLETED: "yes"}
            if not pvc.spec.volume_name or ann.get(ANN_BOUND_BY_CONTROLLER):
                # bindClaimToVolume: the controller, not the user, named the volume
                new.metadata.annotations[ANN_BOUND_BY_CONTROLLER] = "yes"
            try:
                pvc = yield self.client.update(new)
            except errors.StatusError as exc:
                if errors.is_conflict(exc):
                    self.queue.add("claim:" + pvc.key())
                    return
                raise
        yield from self._claim_status(pvc, "Bound", pv)

    def _claim_status(self, pvc, phase, pv):
        st = pvc.status.model_copy(deep=True)
        st.phase = phase
        if pv is not None:
            st.access_modes = list(pv.spec.access_modes or ())
            st.capacity = dict(pv.spec.capacity or {})
        if st != pvc.status:
            new = pvc.copy_deep()
            new.status = st
            yield self.client.update_status(new)

    # -- volumes (syncVolume) ----------------------------------------------------------
    def _sync_volume(self, pv: PersistentVolume):
        ref = pv.spec.claim_ref
        if ref is None:
            yield from self._volume_phase(pv, "Available")
            return
        pvc = self.pvc_informer.get(f"{ref.namespace}/{ref.name}")
        if pvc is not None and ref.uid and pvc.uid != ref.uid:
            pvc = None  # a new claim of the same name is not this volume's claim
        if pvc is None:
            if not ref.uid:
                yield from self._volume_phase(pv, "Available")  # pre-bound, waiting for its claim
                return
            if pv.status.phase != "Released" and pv.status.phase != "Failed":
                pv = yield from self._volume_phase(pv, "Released")
            yield from self._reclaim(pv)
            return
        if pvc.spec.volume_name == pv.name:
            yield from self._volume_phase(pv, "Bound")
        elif (pv.metadata.annotations or {}).get(ANN_BOUND_BY_CONTROLLER) and pvc.spec.volume_name:
            # the claim went to another volume: unbind this one (unbindVolume)
            new = pv.copy_deep()
            new.spec.claim_ref = None
            new.metadata.annotations = {k: v for k, v in (pv.metadata.annotations or {}).items()
                                        if k != ANN_BOUND_BY_CONTROLLER}
            pv = yield self.client.update(new)
            yield from self._volume_phase(pv, "Available")
        else:
            self.queue.add("claim:" + pvc.key())

    def _volume_phase(self, pv, phase, reason=None, message=None):
        if pv.status.phase == phase and pv.status.message == message:
            return pv
        new = pv.copy_deep()
        new.status.phase = phase
        new.status.reason = reason
        new.status.message = message
        from kubelab.api.base import rfc3339
        new.status.last_phase_transition_time = rfc3339(self.sim.now)
        try:
            return (yield self.client.update_status(new))
        except errors.StatusError as exc:
            if errors.is_conflict(exc) or errors.is_not_found(exc):
                return pv
            raise

    def _reclaim(self, pv):
        """reclaimVolume: Retain keeps it Released; Delete deletes it — a provisioned volume
        through its provisioner (the ExternalProvisioner acts on Released volumes)."""
        policy = pv.spec.persistent_volume_reclaim_policy or "Retain"
        if policy == "Retain" or pv.status.phase == "Failed":
            return
        if policy == "Delete":
            if (pv.metadata.annotations or {}).get(ANN_DYNAMICALLY_PROVISIONED):
                return  # the external provisioner deletes what it provisioned
            msg = f'error getting deleter volume plugin for volume "{pv.name}": no deletable volume plugin matched'
            yield from self._volume_phase(pv, "Failed", None, msg)
            self.recorder.event(pv, "Warning", "VolumeFailedDelete", msg)
            return
        msg = "Volume has unrecognized PersistentVolumeReclaimPolicy"
        yield from self._volume_phase(pv, "Failed", None, msg)
        self.recorder.event(pv, "Warning", "VolumeUnknownReclaimPolicy", msg)


class PVCProtectionController(Controller):
    """pkg/controller/volume/pvcprotection: a deleted claim keeps its
    ``kubernetes.io/pvc-protection`` finalizer (it stays Terminating) while a pod that is not
    terminated uses it."""

    name = "persistentvolumeclaim-protection-controller"

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.pvc_informer = ctx.informers.informer(PersistentVolumeClaim)
        self.pod_informer = ctx.informers.informer(Pod)
        self.pvc_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), None)
        self.pod_informer.add_event_handler(self._pod, lambda o, n: self._pod(n), self._pod)

    def _pod(self, pod) -> None:
        pod = _deleted(pod)
        for name in claim_names(pod):
            self.queue.add(f"{pod.metadata.namespace}/{name}")

    def sync(self, key: str):
        pvc = self.pvc_informer.get(key)
        if pvc is None or pvc.metadata.deletion_timestamp is None:
            return
        if PVC_PROTECTION_FINALIZER not in (pvc.metadata.finalizers or ()):
            return
        for pod in self.pod_informer.list(pvc.metadata.namespace):
            if not is_pod_terminal(pod) and pvc.name in claim_names(pod):
                return  # in use
        new = pvc.copy_deep()
        new.metadata.finalizers = [f for f in pvc.metadata.finalizers if f != PVC_PROTECTION_FINALIZER]
        try:
            yield self.client.update(new)
        except errors.StatusError as exc:
            if not (errors.is_not_found(exc) or errors.is_conflict(exc)):
                raise
            self.queue.add(key) if errors.is_conflict(exc) else None


class PVProtectionController(Controller):
    """pkg/controller/volume/pvprotection: a deleted volume keeps its
    ``kubernetes.io/pv-protection`` finalizer while it is Bound."""

    name = "persistentvolume-protection-controller"

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.pv_informer = ctx.informers.informer(PersistentVolume)
        self.pv_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), None)

    def sync(self, key: str):
        pv = self.pv_informer.get(key)
        if pv is None or pv.metadata.deletion_timestamp is None:
            return
        if PV_PROTECTION_FINALIZER not in (pv.metadata.finalizers or ()) or pv.status.phase == "Bound":
            return
        new = pv.copy_deep()
        new.metadata.finalizers = [f for f in pv.metadata.finalizers if f != PV_PROTECTION_FINALIZER]
        try:
            yield self.client.update(new)
        except errors.StatusError as exc:
            if not (errors.is_not_found(exc) or errors.is_conflict(exc)):
                raise


# ----------------------------------------------------------------------------- provisioners

LOCAL_PATH = ("local-path", "rancher.io/local-path")
# the default block-storage class and CSI driver of each cloud provider's managed clusters
CLOUD_CLASSES = {
    "aws": ("gp2", "ebs.csi.aws.com"),
    "gce": ("standard-rwo", "pd.csi.storage.gke.io"),
    "azure": ("managed-csi", "disk.csi.azure.com"),
}
_PROVIDER_OF_ID = {"aws": "aws", "gce": "gce", "azure": "azure"}


def provider_of(node: Node) -> str | None:
    """The cloud provider of a node, from its providerID (``aws:///eu-west-1a/i-...``);
    None for bare metal and VMs."""
    pid = node.spec.provider_id or ""
    if (node.metadata.labels or {}).get(MACHINE_KIND_LABEL) != "CloudInstance" and not pid:
        return None
    scheme = pid.split(":", 1)[0] if pid else "aws"
    return _PROVIDER_OF_ID.get(scheme, "aws")


def class_for_node(node: Node) -> tuple[str, str]:
    """(class name, provisioner) of the disks a node of this machine kind gets."""
    prov = provider_of(node)
    return CLOUD_CLASSES[prov] if prov else LOCAL_PATH


class ExternalProvisioner(Controller):
    """The simulated external provisioners (sig-storage-lib-external-provisioner's
    controller.go): claims annotated for one of them get a volume created for the node
    the scheduler selected; Released volumes they provisioned with reclaim Delete are
    deleted. Their StorageClasses are installed with the first node of their kind."""

    name = "external-provisioner"
    PROVISIONERS = {LOCAL_PATH[1]} | {p for _, p in CLOUD_CLASSES.values()}

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.pv_informer = ctx.informers.informer(PersistentVolume)
        self.pvc_informer = ctx.informers.informer(PersistentVolumeClaim)
        self.class_informer = ctx.informers.informer(StorageClass)
        self.node_informer = ctx.informers.informer(Node)
        self.rng = ctx.sim.rng("external-provisioner/volume-ids")
        self.pvc_informer.add_event_handler(self._claim, lambda o, n: self._claim(n), None)
        self.pv_informer.add_event_handler(self._volume, lambda o, n: self._volume(n), None)
        self.node_informer.add_event_handler(self._node, lambda o, n: None, None)

    def _claim(self, pvc) -> None:
        self.queue.add("claim:" + pvc.key())

    def _volume(self, pv) -> None:
        self.queue.add("volume:" + pv.key())

    def _node(self, node) -> None:
        # a worker's kind decides the storage the cluster gets: a control-plane node runs no
        # workloads (kubeadm's NoSchedule taint), so it installs no class
        if any(t.key == "node-role.kubernetes.io/control-plane" for t in node.spec.taints or ()):
            return
        self.queue.add("class:" + class_for_node(node)[0])

    def sync(self, key: str):
        what, _, k = key.partition(":")
        if what == "class":
            yield from self._ensure_class(k)
        elif what == "claim":
            pvc = self.pvc_informer.get(k)
            if pvc is not None:
                yield from self._provision(pvc)
        else:
            pv = self.pv_informer.get(k)
            if pv is not None:
                yield from self._delete(pv)

    def _ensure_class(self, name: str):
        if self.class_informer.get(name) is not None:
            return
        provisioner = dict([LOCAL_PATH, *CLOUD_CLASSES.values()])[name]
        ann = {}
        if not any(is_default_class(c) for c in self.class_informer.list()):
            ann[IS_DEFAULT_STORAGE_CLASS_ANNOTATION] = "true"
        sc = StorageClass(metadata=ObjectMeta(name=name, annotations=ann or None), provisioner=provisioner,
                          reclaim_policy="Delete", volume_binding_mode=VOLUME_BINDING_WAIT,
                          parameters={"type": "gp2", "fsType": "ext4"} if name == "gp2" else None,
                          allow_volume_expansion=None if name == "local-path" else True)
        try:
            yield self.client.create(sc)
        except errors.StatusError as exc:
            if not errors.is_already_exists(exc):
                raise

    def _source(self, provisioner: str) -> str:
        return f"{provisioner}_{'local-path-provisioner' if provisioner == LOCAL_PATH[1] else 'csi-provisioner'}"

    def _provision(self, pvc: PersistentVolumeClaim):
        ann = pvc.metadata.annotations or {}
        provisioner = ann.get(ANN_STORAGE_PROVISIONER)
        if provisioner not in self.PROVISIONERS or pvc.spec.volume_name or pvc.metadata.deletion_timestamp:
            return
        name = f"pvc-{pvc.uid}"
        if self.pv_informer.get(name) is not None:
            return
        sc = self.class_informer.get(claim_class(pvc))
        if sc is None:
            return
        from kubelab.client import EventRecorder

        recorder = EventRecorder(self.client, self._source(provisioner), self.ctx.host)
        recorder.event(pvc, "Normal", "Provisioning",
                       f'External provisioner is provisioning volume for claim "{pvc.key()}"')
        node = self.node_informer.get(ann.get(ANN_SELECTED_NODE, "")) if ann.get(ANN_SELECTED_NODE) else None
        size = (pvc.spec.resources.requests or {}).get("storage") if pvc.spec.resources else None
        pv = PersistentVolume(metadata=ObjectMeta(name=name, annotations={ANN_DYNAMICALLY_PROVISIONED: provisioner}))
        sp = pv.spec
        sp.capacity = {"storage": size}
        sp.access_modes = list(pvc.spec.access_modes or ())
        sp.persistent_volume_reclaim_policy = sc.reclaim_policy or "Delete"
        sp.storage_class_name = sc.metadata.name
        sp.volume_mode = pvc.spec.volume_mode or "Filesystem"
        sp.claim_ref = ObjectReference(kind="PersistentVolumeClaim", namespace=pvc.metadata.namespace, name=pvc.name,
                                       uid=pvc.uid, api_version="v1", resource_version=pvc.metadata.resource_version)
        if provisioner == LOCAL_PATH[1]:
            if node is None:
                # local-path-provisioner: a node-local disk needs the consumer's node
                recorder.event(pvc, "Warning", "ProvisioningFailed",
                               "failed to provision volume with StorageClass \"%s\": configuration error, "
                               "no node was specified" % sc.metadata.name)
                return
            sp.host_path = {"path": f"/opt/local-path-provisioner/{name}_{pvc.metadata.namespace}_{pvc.name}",
                            "type": "DirectoryOrCreate"}
            key, value = LABEL_HOSTNAME, node.name
        else:
            zone = (node.metadata.labels or {}).get(LABEL_ZONE) if node is not None else None
            if zone is None:
                zones = sorted({(n.metadata.labels or {}).get(LABEL_ZONE) for n in self.node_informer.list()} - {None})
                if not zones:
                    recorder.event(pvc, "Warning", "ProvisioningFailed",
                                   f'failed to provision volume with StorageClass "{sc.metadata.name}": '
                                   "no topology key found on any node")
                    return
                zone = zones[self.rng.randrange(len(zones))]
            handle = "vol-" + "".join(self.rng.choice("0123456789abcdef") for _ in range(17))
            sp.csi = {"driver": provisioner, "volumeHandle": handle, "fsType": "ext4",
                      "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": f"{provisioner}"}}
            key, value = LABEL_ZONE, zone
        sp.node_affinity = VolumeNodeAffinity(required=NodeSelector(node_selector_terms=[NodeSelectorTerm(
            match_expressions=[NodeSelectorRequirement(key=key, operator="In", values=[value])])]))
        try:
            yield self.client.create(pv)
        except errors.StatusError as exc:
            if errors.is_already_exists(exc):
                return
            recorder.event(pvc, "Warning", "ProvisioningFailed",
                           f'failed to provision volume with StorageClass "{sc.metadata.name}": {exc}')
            raise
        recorder.event(pvc, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {name}")

    def _delete(self, pv: PersistentVolume):
        provisioner = (pv.metadata.annotations or {}).get(ANN_DYNAMICALLY_PROVISIONED)
        if provisioner not in self.PROVISIONERS or pv.status.phase != "Released":
            return
        if (pv.spec.persistent_volume_reclaim_policy or "Delete") != "Delete" or pv.metadata.deletion_timestamp:
            return
        try:
            yield self.client.delete(PersistentVolume, pv.name, None)
        except errors.StatusError as exc:
            if not errors.is_not_found(exc):
                raise

"""VolumeBinding, VolumeZone and NodeVolumeLimits, as tables in the style of upstream's
plugins/volumebinding/volume_binding_test.go, volumezone/volume_zone_test.go and
nodevolumelimits/csi_test.go."""

from helpers import make_node, make_pod, run_filter, scheduler_with

from kubelab.api.core import PersistentVolume, PersistentVolumeClaim
from kubelab.api.storage import CSINode, StorageClass
from kubelab.scheduler.framework.cycle_state import CycleState
from kubelab.scheduler.framework.types import PodInfo

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
UNRESOLVABLE = "UnschedulableAndUnresolvable"


def sc(name, mode="WaitForFirstConsumer", provisioner="ebs.csi.aws.com", **kw):
    return StorageClass.model_validate({"metadata": {"name": name}, "provisioner": provisioner,
                                        "volumeBindingMode": mode, "reclaimPolicy": "Delete", **kw})


def pvc(name, cls="wait", volume=None, size="1Gi", deleting=False):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}"}
    if deleting:
        meta["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    return PersistentVolumeClaim.model_validate({
        "metadata": meta,
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                 "storageClassName": cls, "volumeName": volume},
        "status": {"phase": "Bound" if volume else "Pending"}})


def pv(name, cls="wait", size="1Gi", affinity=None, claim=None, labels=None, csi=None):
    spec = {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "storageClassName": cls,
            "csi": csi or {"driver": "ebs.csi.aws.com", "volumeHandle": f"vol-{name}"}}
    if affinity:
        key, value = affinity
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}]}}
    if claim:
        spec["claimRef"] = {"namespace": "default", "name": claim, "uid": f"uid-{claim}"}
    return PersistentVolume.model_validate({"metadata": {"name": name, "labels": labels or {}}, "spec": spec,
                                            "status": {"phase": "Bound" if claim else "Available"}})


def with_claims(*names, **kw):
    return make_pod(volumes=[{"name": f"v{i}", "persistentVolumeClaim": {"claimName": n}} for i, n in enumerate(names)],
                    **kw)


NODES = [make_node("node-a", labels={ZONE: "zone-a", HOST: "node-a"}),
         make_node("node-b", labels={ZONE: "zone-b", HOST: "node-b"})]
CLASSES = [sc("wait"), sc("immediate", mode="Immediate"), sc("static", provisioner="kubernetes.io/no-provisioner")]


# -- VolumeBinding ---------------------------------------------------------------------

def test_a_pod_without_claims_skips_volume_binding():
    assert run_filter("VolumeBinding", make_pod(), NODES) == {"node-a": None, "node-b": None}


def test_a_missing_claim_makes_the_pod_unresolvable():
    out = run_filter("VolumeBinding", with_claims("nope"), NODES, objects=CLASSES)
    assert out["node-a"] == (UNRESOLVABLE, ('persistentvolumeclaim "nope" not found',))


def test_a_claim_being_deleted_makes_the_pod_unresolvable():
    out = run_filter("VolumeBinding", with_claims("gone"), NODES, objects=[*CLASSES, pvc("gone", deleting=True)])
    assert out["node-b"] == (UNRESOLVABLE, ('persistentvolumeclaim "gone" is being deleted',))


def test_an_unbound_immediate_claim_waits_for_the_pv_controller():
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=[*CLASSES, pvc("data", cls="immediate")])
    assert out["node-a"] == (UNRESOLVABLE, ("pod has unbound immediate PersistentVolumeClaims",))


def test_a_bound_zonal_volume_admits_only_nodes_of_its_zone():
    objs = [*CLASSES, pvc("data", volume="pv-a"), pv("pv-a", affinity=(ZONE, "zone-a"), claim="data")]
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=objs)
    assert out == {"node-a": None, "node-b": (UNRESOLVABLE, ("node(s) had volume node affinity conflict",))}


def test_a_bound_claim_whose_volume_is_gone():
    objs = [*CLASSES, pvc("data", volume="pv-x")]
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=objs)
    assert out["node-a"] == (UNRESOLVABLE,
                             ("node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)",))


def test_a_delayed_claim_can_be_provisioned_anywhere():
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=[*CLASSES, pvc("data")])
    assert out == {"node-a": None, "node-b": None}


def test_a_delayed_claim_of_a_class_without_provisioner_needs_a_matching_volume():
    objs = [*CLASSES, pvc("data", cls="static"), pv("local-b", cls="static", affinity=(HOST, "node-b"))]
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=objs)
    assert out == {"node-a": (UNRESOLVABLE, ("node(s) didn't find available persistent volumes to bind",)),
                   "node-b": None}


def test_a_volume_too_small_does_not_match():
    objs = [*CLASSES, pvc("data", cls="static", size="10Gi"), pv("small", cls="static", size="1Gi")]
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=objs)
    assert set(out.values()) == {(UNRESOLVABLE, ("node(s) didn't find available persistent volumes to bind",))}


def test_allowed_topologies_limit_where_a_class_provisions():
    only_a = sc("only-a", allowedTopologies=[{"matchLabelExpressions": [{"key": ZONE, "values": ["zone-a"]}]}])
    out = run_filter("VolumeBinding", with_claims("data"), NODES, objects=[only_a, pvc("data", cls="only-a")])
    assert out["node-a"] is None and out["node-b"] is not None


def test_pre_bind_writes_the_selected_node_on_delayed_claims():
    claim = pvc("data")
    s = scheduler_with(NODES, objects=[*CLASSES, claim])
    pl = s.framework.plugin("VolumeBinding")
    state, pinfo = CycleState(), PodInfo(with_claims("data"))
    assert pl.pre_filter(state, pinfo, s.cache.snapshot) is None
    pl.pre_bind(state, pinfo, "node-b")
    stored = s.port.list("PersistentVolumeClaim")[0]
    assert stored.metadata.annotations == {"volume.kubernetes.io/selected-node": "node-b"}


# -- VolumeZone ------------------------------------------------------------------------

def test_volume_zone_reads_the_zone_label_of_a_bound_volume():
    objs = [*CLASSES, pvc("data", volume="pv-z"), pv("pv-z", claim="data", labels={ZONE: "zone-b"})]
    out = run_filter("VolumeZone", with_claims("data"), NODES, objects=objs)
    assert out == {"node-a": (UNRESOLVABLE, ("node(s) had no available volume zone",)), "node-b": None}


def test_volume_zone_accepts_a_multi_zone_label():
    objs = [*CLASSES, pvc("data", volume="pv-z"), pv("pv-z", claim="data", labels={ZONE: "zone-a__zone-b"})]
    assert run_filter("VolumeZone", with_claims("data"), NODES, objects=objs) == {"node-a": None, "node-b": None}


def test_volume_zone_skips_unlabelled_volumes_and_pods_without_claims():
    objs = [*CLASSES, pvc("data", volume="pv-n"), pv("pv-n", claim="data")]
    assert run_filter("VolumeZone", with_claims("data"), NODES, objects=objs) == {"node-a": None, "node-b": None}
    assert run_filter("VolumeZone", make_pod(), NODES) == {"node-a": None, "node-b": None}


# -- NodeVolumeLimits ------------------------------------------------------------------

def csinode(name, count):
    return CSINode.model_validate({"metadata": {"name": name}, "spec": {"drivers": [
        {"name": "ebs.csi.aws.com", "nodeID": name, "allocatable": {"count": count}}]}})


def test_node_volume_limits_counts_attached_and_new_volumes_per_driver():
    objs = [*CLASSES, pvc("old", volume="pv-old"), pv("pv-old", claim="old"), pvc("new"),
            csinode("node-a", 1), csinode("node-b", 2)]
    running = with_claims("old", node="node-a")
    running_b = with_claims("old", node="node-b")
    out = run_filter("NodeVolumeLimits", with_claims("new"), NODES, existing=[running, running_b], objects=objs)
    assert out == {"node-a": ("Unschedulable", ("node(s) exceed max volume count",)), "node-b": None}


def test_node_volume_limits_without_csinode_has_no_limit():
    out = run_filter("NodeVolumeLimits", with_claims("new"), NODES, objects=[*CLASSES, pvc("new")])
    assert out == {"node-a": None, "node-b": None}


def test_the_default_profile_runs_the_volume_plugins_with_upstream_order():
    s = scheduler_with(NODES)
    filters = s.framework.list_plugins()["filter"]
    assert filters.index("NodeResourcesFit") < filters.index("NodeVolumeLimits") < filters.index("VolumeBinding") \
        < filters.index("VolumeZone") < filters.index("PodTopologySpread")
    assert "VolumeBinding" in s.framework.list_plugins()["preBind"]

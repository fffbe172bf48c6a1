"""Storage by machine kind, end to end: the documentation's ``web``/``www`` StatefulSet
(kubernetes.io "StatefulSet Basics") on bare metal (node-local disks) and on cloud instances
(zonal disks), the PV controller's binding and reclaiming, the kubelet waiting for its
claims, and the StatefulSet's claim retention policy."""

import pytest

import kubelab as kl
from kubelab.api import errors

# https://kubernetes.io/docs/tutorials/stateful-application/basic-stateful-set/ (web.yaml)
WEB = """
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  minReadySeconds: 10
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
"""


def _rows(out: str) -> list[list[str]]:
    return [line.split() for line in str(out).strip().splitlines()[1:]]


@pytest.fixture(scope="module")
def metal():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.BareMetal("metal-1", cpu="8", memory="32Gi"))
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(seconds=20)
    c.apply(WEB)
    c.run(seconds=60)
    return c


@pytest.fixture(scope="module")
def cloud():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.CloudInstance("cloud-a", zone="eu-west-1a"))
    c.add_node(kl.CloudInstance("cloud-b", zone="eu-west-1b"))
    c.run(seconds=20)
    c.apply(WEB)
    c.run(seconds=60)
    return c


def test_on_bare_metal_the_claims_are_bound_to_node_local_disks(metal):
    pods = {r[0]: r for r in _rows(metal.kubectl("get pods -o wide"))}
    assert pods["web-0"][2] == "Running" and pods["web-1"][2] == "Running"
    assert str(metal.kubectl("get pvc")).splitlines()[0].split() == [
        "NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
    for name in ("www-web-0", "www-web-1"):
        pvc = metal.get("pvc", name)
        assert pvc.status.phase == "Bound" and pvc.spec.storage_class_name == "local-path"
        pv = metal.get("pv", pvc.spec.volume_name)
        # local-path-provisioner: a hostPath on the node the pod was scheduled to
        node = metal.get("pod", name.removeprefix("www-")).spec.node_name
        assert pvc.metadata.annotations["volume.kubernetes.io/selected-node"] == node
        assert pv.spec.host_path["path"].startswith("/opt/local-path-provisioner/pvc-")
        term = pv.spec.node_affinity.required.node_selector_terms[0].match_expressions[0]
        assert (term.key, term.values) == ("kubernetes.io/hostname", [node])
    sc = _rows(metal.kubectl("get sc"))
    assert sc == [["local-path", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false",
                   sc[0][-1]]]


def test_the_claims_events_tell_the_provisioning_story(metal):
    out = str(metal.kubectl("describe pvc www-web-0"))
    assert "Used By:       web-0" in out
    for reason, msg in [
        ("WaitForFirstConsumer", "waiting for first consumer to be created before binding"),
        ("ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner "
                                 "'rancher.io/local-path'"),
        ("ProvisioningSucceeded", "Successfully provisioned volume pvc-"),
    ]:
        assert reason in out and msg in out


def test_on_cloud_instances_the_disk_lives_in_the_zone_of_its_pod(cloud):
    sc = _rows(cloud.kubectl("get sc"))
    assert sc[0][:3] == ["gp2", "(default)", "ebs.csi.aws.com"]
    for name in ("web-0", "web-1"):
        pod = cloud.get("pod", name)
        pv = cloud.get("pv", cloud.get("pvc", f"www-{name}").spec.volume_name)
        zone = cloud.get("node", pod.spec.node_name).metadata.labels["topology.kubernetes.io/zone"]
        term = pv.spec.node_affinity.required.node_selector_terms[0].match_expressions[0]
        assert (term.key, term.values) == ("topology.kubernetes.io/zone", [zone])
        assert pv.spec.csi["driver"] == "ebs.csi.aws.com" and pv.spec.csi["volumeHandle"].startswith("vol-")
    assert "topology.kubernetes.io/zone in [" in str(cloud.kubectl(f"describe pv {pv.metadata.name}"))


def test_a_pod_whose_disk_is_in_one_zone_cannot_move_to_another(cloud):
    node = cloud.get("pod", "web-0").spec.node_name
    cloud.kubectl(f"cordon {node}")
    cloud.kubectl("delete pod web-0")
    cloud.run(seconds=20)
    pod = cloud.get("pod", "web-0")
    assert pod.spec.node_name is None
    events = [e for e in cloud.list("Event") if e.reason == "FailedScheduling" and e.involved_object.uid == pod.uid]
    assert "node(s) had volume node affinity conflict" in events[-1].message
    assert "node(s) were unschedulable" in events[-1].message
    cloud.kubectl(f"uncordon {node}")
    cloud.run(seconds=30)
    assert cloud.get("pod", "web-0").spec.node_name == node  # back with its disk
    assert cloud.get("pod", "web-0").status.phase == "Running"


def test_retention_policy_when_scaled_delete_removes_the_condemned_claims():
    c = kl.Cluster(masters=1, seed=5)
    c.add_node(kl.BareMetal("metal-1", cpu="8", memory="32Gi"))
    c.run(seconds=20)
    c.apply(WEB.replace("  minReadySeconds: 10\n",
                        "  minReadySeconds: 10\n  persistentVolumeClaimRetentionPolicy:\n"
                        "    whenDeleted: Retain\n    whenScaled: Delete\n"))
    c.run(seconds=60)
    pv1 = c.get("pvc", "www-web-1").spec.volume_name
    c.kubectl("scale sts web --replicas=1")
    c.run(seconds=60)
    names = [p.metadata.name for p in c.list("PersistentVolumeClaim")]
    assert names == ["www-web-0"]
    # reclaim policy Delete: the provisioner deleted the released volume
    assert pv1 not in [v.metadata.name for v in c.list("PersistentVolume")]
    c.kubectl("delete sts web")
    c.run(seconds=60)
    assert [p.metadata.name for p in c.list("PersistentVolumeClaim")] == ["www-web-0"]  # whenDeleted: Retain


def test_retention_defaults_keep_claims_after_scale_down(metal):
    assert metal.get("sts", "web").spec.persistent_volume_claim_retention_policy == \
        {"whenDeleted": "Retain", "whenScaled": "Retain"}


STATIC = """
apiVersion: v1
kind: PersistentVolume
metadata: {name: %s}
spec:
  capacity: {storage: %s}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: /mnt/%s}
"""
CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: %s}
spec:
  storageClassName: ""
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: %s}}
"""


def test_static_volumes_bind_the_smallest_that_fits_and_are_retained():
    c = kl.Cluster(masters=1, seed=2)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(seconds=20)
    c.apply(STATIC % ("big", "10Gi", "big") + "---" + STATIC % ("small", "2Gi", "small")
            + "---" + STATIC % ("tiny", "500Mi", "tiny"))
    c.run(seconds=2)
    assert {r[0]: r[4] for r in _rows(c.kubectl("get pv"))} == {"big": "Available", "small": "Available",
                                                                 "tiny": "Available"}
    c.apply(CLAIM % ("data", "1Gi"))
    c.run(seconds=2)
    assert _rows(c.kubectl("get pvc"))[0][:6] == ["data", "Bound", "small", "2Gi", "RWO", "<unset>"]
    pv = {r[0]: r for r in _rows(c.kubectl("get pv"))}["small"]
    assert pv[1:6] == ["2Gi", "RWO", "Retain", "Bound", "default/data"]
    c.kubectl("delete pvc data")
    c.run(seconds=2)
    assert c.get("pv", "small").status.phase == "Released"  # Retain: the data stays, not reusable
    c.apply(CLAIM % ("again", "1Gi"))
    c.run(seconds=2)
    assert c.get("pvc", "again").spec.volume_name == "big"


def test_a_claim_with_no_volume_and_no_class_says_so():
    c = kl.Cluster(masters=1, seed=2)
    c.run(seconds=5)
    c.apply(CLAIM % ("lonely", "1Gi"))
    c.run(seconds=2)
    ev = [e for e in c.list("Event") if e.involved_object.name == "lonely"]
    assert [(e.reason, e.message) for e in ev] == [
        ("FailedBinding", "no persistent volumes available for this claim and no storage class is set")]


def test_the_kubelet_waits_for_the_claim_to_be_bound():
    c = kl.Cluster(masters=1, seed=2)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(seconds=20)
    c.apply(CLAIM % ("later", "1Gi"))
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  nodeName: vm-1
  containers: [{name: app, image: nginx, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: later}}]
""")
    c.run(seconds=130)
    pod = c.get("pod", "app")
    assert pod.status.phase == "Pending"
    assert _rows(c.kubectl("get pod app"))[0][2] == "ContainerCreating"
    mounts = [e.message for e in c.list("Event") if e.reason == "FailedMount"]
    assert mounts and mounts[0].startswith("Unable to attach or mount volumes: unmounted volumes=[data]")
    c.apply(STATIC % ("pv-later", "1Gi", "later"))
    c.run(seconds=20)  # the binder's resync (15 s) finds the new volume for the waiting claim
    assert c.get("pod", "app").status.phase == "Running"
    # a claim in use is protected: deleting it leaves it Terminating until the pod is gone
    c.kubectl("delete pvc later --wait=false")
    c.run(seconds=2)
    assert _rows(c.kubectl("get pvc"))[0][1] == "Terminating"
    c.kubectl("delete pod app")
    c.run(seconds=15)
    assert c.list("PersistentVolumeClaim") == []
    assert c.get("pv", "pv-later").status.phase == "Released"


@pytest.mark.parametrize("manifest, message", [
    (CLAIM.replace("  accessModes: [ReadWriteOnce]\n", "") % ("c", "1Gi"),
     "spec.accessModes: Required value: at least 1 access mode is required"),
    (CLAIM % ("c", "0"), 'spec.resources[storage]: Invalid value: "0": must be greater than zero'),
    (CLAIM.replace("ReadWriteOnce", "ReadWriteSometimes") % ("c", "1Gi"),
     'spec.accessModes: Unsupported value: "ReadWriteSometimes"'),
    ("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: x\n"
     "volumeBindingMode: Later\n", 'volumeBindingMode: Unsupported value: "Later": supported values: '
                                   '"Immediate", "WaitForFirstConsumer"'),
    ("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: x\n"
     "reclaimPolicy: Recycle\n", 'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'),
    (STATIC.replace("  hostPath: {path: /mnt/%s}\n", "") % ("p", "1Gi"), "spec: Required value: must specify a volume type"),
])
def test_invalid_storage_objects_are_refused_as_the_api_server_does(manifest, message):
    c = kl.Cluster(masters=1, seed=2)
    with pytest.raises(Exception) as e:
        c.apply(manifest)
    assert message in str(e.value)
    assert c.list("PersistentVolumeClaim") == [] and c.list("PersistentVolume") == []


def test_a_storage_class_cannot_change_its_provisioner_or_parameters():
    c = kl.Cluster(masters=1, seed=2)
    c.apply("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: x\n"
            "parameters: {type: io2}\n")
    sc = c.get("sc", "fast")
    assert (sc.reclaim_policy, sc.volume_binding_mode) == ("Delete", "Immediate")  # upstream defaults
    with pytest.raises(Exception) as e:
        c.apply("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: y\n"
                "parameters: {type: gp3}\n")
    assert "parameters: Forbidden: updates to parameters are forbidden." in str(e.value)
    assert "provisioner: Forbidden: updates to provisioner are forbidden." in str(e.value)

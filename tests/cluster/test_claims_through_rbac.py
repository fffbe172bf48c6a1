"""Adoption and release on a real cluster: the ReplicaSet controller claims a matching
orphan and lets go of a pod that stops matching, with the strategic merge patches upstream
sends (controller_ref_manager.go AdoptPod / ReleasePod) - its RBAC role grants `patch` on
pods, not `update`, so anything else would be refused."""

import kubelab as kl

ORPHAN = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"app": "web"}},
          "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}


def owned_by_web(cluster):
    return sorted(p.metadata.name for p in cluster.list("Pod")
                  if (ref := p.metadata.controller_ref()) is not None and ref.name == "web")


def test_a_replicaset_adopts_a_matching_orphan_and_releases_a_relabelled_pod():
    cluster = kl.Cluster(masters=1, seed=11)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(ORPHAN)
    cluster.run(seconds=5)
    cluster.apply(RS)
    cluster.run(seconds=20)

    stray = cluster.get("Pod", "stray")
    ref = stray.metadata.controller_ref()
    assert (ref.kind, ref.name, ref.controller, ref.block_owner_deletion) == ("ReplicaSet", "web", True, True)
    assert len(owned_by_web(cluster)) == 3  # the orphan counts as one of three: two were made
    assert sum(1 for e in cluster.list("Event") if e.reason == "SuccessfulCreate") == 2

    cluster.kubectl("label pod stray app=other --overwrite")
    cluster.run(seconds=20)
    released = cluster.get("Pod", "stray")
    assert not released.metadata.owner_references  # the patch deleted web's reference
    assert "stray" not in owned_by_web(cluster) and len(owned_by_web(cluster)) == 3

    # nothing was refused on the way (an update would be: the role only grants patch)
    out = str(cluster.kubectl("get pod stray -o jsonpath={.metadata.ownerReferences}")).strip()
    assert out == ""
    rs_controller = "system:serviceaccount:kube-system:replicaset-controller"
    patches = cluster.audit(user=rs_controller, verb="patch", resource="pods", name="stray")
    assert [e.code for e in patches] == [200, 200]  # the adoption, then the release
    assert not cluster.audit(user=rs_controller, allowed=False)

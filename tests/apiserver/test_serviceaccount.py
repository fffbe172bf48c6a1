"""ServiceAccount admission and the two controllers behind it.

- plugin/pkg/admission/serviceaccount/admission.go: a pod runs as ``default`` unless it names
  a service account, which must exist; it gets the ``kube-api-access-xxxxx`` projected volume
  (a bound token, ``kube-root-ca.crt``, the namespace) mounted read-only in every container;
  ``automountServiceAccountToken`` (pod first, then service account) turns that off; mirror
  pods are left alone.
- pkg/controller/serviceaccount/serviceaccounts_controller.go: ``default`` in every namespace.
- pkg/controller/certificates/rootcacertpublisher/publisher.go: ``kube-root-ca.crt`` in every
  namespace, holding the cluster CA.
"""

import re

import pytest

import kubelab as kl
from kubelab.api.errors import StatusError

TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=11)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.run(10)  # the controller manager has synced
    return c


def test_every_namespace_has_a_default_service_account_and_the_root_ca(cluster):
    assert cluster.kubectl("get sa -A") == (
        "NAMESPACE         NAME         SECRETS   AGE\n"
        "default           default      0         9s\n"
        "kube-node-lease   default      0         9s\n"
        "kube-public       default      0         9s\n"
        "kube-system       coredns      0         10s\n"  # kubeadm's addons bring their own
        "kube-system       default      0         9s\n"
        "kube-system       kube-proxy   0         10s\n")
    cm = cluster.api.get("ConfigMap", "kube-root-ca.crt", "kube-system")
    assert cm.data == {"ca.crt": cluster.ca.certificate.pem}
    assert cm.data["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\nMII")
    assert cm.metadata.annotations["kubernetes.io/description"].startswith(
        "Contains a CA bundle that can be used to verify the kube-apiserver")


def test_a_new_namespace_gets_both_and_they_come_back_when_deleted(cluster):
    cluster.kubectl("create namespace team-a")
    cluster.run(seconds=1)
    assert cluster.kubectl("get sa -n team-a -o name") == "serviceaccount/default\n"
    assert cluster.kubectl("get cm -n team-a -o name") == "configmap/kube-root-ca.crt\n"
    cluster.kubectl("delete sa default -n team-a")
    cluster.kubectl("delete cm kube-root-ca.crt -n team-a")
    cluster.run(seconds=1)
    assert cluster.kubectl("get sa -n team-a -o name") == "serviceaccount/default\n"
    assert cluster.api.get("ConfigMap", "kube-root-ca.crt", "team-a").data == {"ca.crt": cluster.ca.certificate.pem}


def test_the_publisher_restores_a_changed_ca(cluster):
    cluster.kubectl("create namespace team-b")
    cluster.run(seconds=1)
    cluster.kubectl('patch cm kube-root-ca.crt -n team-b -p {"data":{"ca.crt":"forged"}}')
    cluster.run(seconds=1)
    assert cluster.api.get("ConfigMap", "kube-root-ca.crt", "team-b").data == {"ca.crt": cluster.ca.certificate.pem}


def test_a_pod_gets_the_default_service_account_and_the_projected_token_volume(cluster):
    cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  initContainers: [{name: init, image: busybox, command: [sh, -c, "true"]}]
  containers: [{name: app, image: nginx}, {name: side, image: busybox, command: [sleep, "3600"]}]
""")
    pod = cluster.api.get("Pod", "two")
    assert pod.spec.service_account_name == "default"
    assert pod.spec.service_account == "default"
    (vol,) = pod.spec.volumes
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", vol.name)
    assert vol.projected == {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}
    for c in pod.spec.init_containers + pod.spec.containers:
        assert c.volume_mounts == [{"name": vol.name, "readOnly": True, "mountPath": TOKEN_PATH}]
    cluster.run(seconds=10)
    out = cluster.kubectl("describe pod two")
    assert f"      {TOKEN_PATH} from {vol.name} (ro)\n" in out
    assert (f"  {vol.name}:\n"
            "    Type:                    Projected (a volume that contains injected data from multiple sources)\n"
            "    TokenExpirationSeconds:  3607\n"
            "    ConfigMapName:           kube-root-ca.crt\n"
            "    Optional:                false\n"
            "    DownwardAPI:             true\n") in out


def test_the_volume_name_comes_from_the_seeded_rng():
    def volume_name(seed):
        c = kl.Cluster(masters=1, seed=seed)
        c.kubectl("run p --image=nginx")
        return c.api.get("Pod", "p").spec.volumes[0].name

    assert volume_name(3) == volume_name(3)


def test_a_missing_service_account_is_refused_in_upstream_words(cluster):
    with pytest.raises(StatusError) as err:
        cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: ghost}
spec:
  serviceAccountName: robot
  containers: [{name: app, image: nginx}]
""")
    assert str(err.value) == ('pods "ghost" is forbidden: error looking up service account default/robot: '
                              'serviceaccount "robot" not found')
    assert cluster.kubectl("get pod ghost") == 'Error from server (NotFound): pods "ghost" not found\n'


def test_automount_off_on_the_pod_or_the_service_account(cluster):
    cluster.apply("""
apiVersion: v1
kind: ServiceAccount
metadata: {name: quiet}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Pod
metadata: {name: quiet}
spec:
  serviceAccountName: quiet
  containers: [{name: app, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: optout}
spec:
  automountServiceAccountToken: false
  containers: [{name: app, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: optin}
spec:
  serviceAccountName: quiet
  automountServiceAccountToken: true
  containers: [{name: app, image: nginx}]
""")
    assert cluster.api.get("Pod", "quiet").spec.volumes is None
    assert cluster.api.get("Pod", "optout").spec.volumes is None
    assert cluster.api.get("Pod", "quiet").spec.containers[0].volume_mounts is None
    # the pod's own choice wins over the service account's
    assert cluster.api.get("Pod", "optin").spec.volumes[0].name.startswith("kube-api-access-")


def test_a_container_that_mounts_the_path_itself_keeps_its_own(cluster):
    cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: own}
spec:
  volumes: [{name: mine, emptyDir: {}}]
  containers:
  - {name: app, image: nginx, volumeMounts: [{name: mine, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]}
""")
    pod = cluster.api.get("Pod", "own")
    assert [v.name for v in pod.spec.volumes] == ["mine"]  # no container needed the token volume


def test_mirror_pods_are_left_alone_and_may_not_name_a_service_account(cluster):
    cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: static-web, annotations: {kubernetes.io/config.mirror: abc}}
spec:
  nodeName: vm-1
  containers: [{name: web, image: nginx}]
""")
    pod = cluster.api.get("Pod", "static-web")
    assert pod.spec.service_account_name is None and pod.spec.volumes is None
    with pytest.raises(StatusError) as err:
        cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: static-sa, annotations: {kubernetes.io/config.mirror: abc}}
spec:
  serviceAccountName: default
  nodeName: vm-1
  containers: [{name: web, image: nginx}]
""")
    assert str(err.value) == 'pods "static-sa" is forbidden: a mirror pod may not reference service accounts'


def test_a_pod_in_a_brand_new_namespace_waits_for_its_default_service_account(cluster):
    # the admission plugin retries the lookup of "default" (up to 10 times, 100-200ms apart)
    # while the controller creates it: applied together, both are accepted
    cluster.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: fresh}
---
apiVersion: v1
kind: Pod
metadata: {name: first, namespace: fresh}
spec:
  containers: [{name: app, image: nginx}]
""")
    assert cluster.api.get("Pod", "first", "fresh").spec.service_account_name == "default"


def test_get_sa_columns(cluster):
    assert cluster.kubectl("get sa default").splitlines()[0].split() == ["NAME", "SECRETS", "AGE"]


def test_describe_service_account(cluster):
    # describeServiceAccount (k8s.io/kubectl/pkg/describe/describe.go)
    cluster.apply("""
apiVersion: v1
kind: ServiceAccount
metadata: {name: puller}
imagePullSecrets: [{name: regcred}]
""")
    assert cluster.kubectl("describe sa default -n kube-public") == (
        "Name:                default\n"
        "Namespace:           kube-public\n"
        "Labels:              <none>\n"
        "Annotations:         <none>\n"
        "Image pull secrets:  <none>\n"
        "Mountable secrets:   <none>\n"
        "Tokens:              <none>\n"
        "Events:              <none>\n")
    assert "Image pull secrets:  regcred (not found)\n" in cluster.kubectl("describe sa puller")

"""PodSecurity admission: a namespace labelled pod-security.kubernetes.io/enforce refuses the
pods its level forbids, in upstream's words
(staging/src/k8s.io/pod-security-admission/admission/admission.go, policy/check_*.go)."""

import pytest

import kubelab as kl


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=4)
    c.apply("""
apiVersion: v1
kind: Namespace
metadata:
  name: strict
  labels: {pod-security.kubernetes.io/enforce: restricted}
---
apiVersion: v1
kind: Namespace
metadata:
  name: base
  labels: {pod-security.kubernetes.io/enforce: baseline}
""")
    return c


def test_restricted_refuses_a_plain_nginx_pod_with_every_reason(cluster):
    out = cluster.kubectl("run nginx --image=nginx -n strict")
    assert out.exit_code == 1
    assert out == (
        'Error from server (Forbidden): pods "nginx" is forbidden: violates PodSecurity "restricted:latest": '
        'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), '
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), '
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")\n')
    assert cluster.kubectl("get pods -n strict") == "No resources found in strict namespace.\n"


def test_restricted_admits_a_pod_that_meets_the_standard(cluster):
    out = cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: strict}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: nginx
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
""")
    assert str(out).strip() == "pod/good created"


def test_baseline_refuses_privileged_and_host_namespaces_but_not_root(cluster):
    bad = """
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: base}
spec:
  hostNetwork: true
  hostPID: true
  containers:
  - name: a
    image: busybox
    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN, CHOWN]}}
"""
    with pytest.raises(Exception) as e:
        cluster.apply(bad)
    assert ('pods "priv" is forbidden: violates PodSecurity "baseline:latest": '
            'non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), '
            'host namespaces (hostNetwork=true, hostPID=true), '
            'privileged (container "a" must not set securityContext.privileged=true)') in str(e.value)
    assert cluster.kubectl("run root --image=nginx -n base").exit_code == 0  # baseline allows root


def test_no_label_is_privileged():
    from kubelab.apiserver import podsecurity

    assert podsecurity.level_of({}) == "privileged"
    assert podsecurity.level_of({"pod-security.kubernetes.io/enforce": "bogus"}) == "restricted"

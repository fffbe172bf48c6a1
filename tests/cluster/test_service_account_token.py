"""A service account's token, as a pod sees it: issued by the API server (TokenRequest),
bound to the pod, presented as a bearer token (kubectl --token)."""

import pytest

import kubelab as kl
from kubelab.api import errors

APP = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder}
---
apiVersion: v1
kind: Pod
metadata: {name: build}
spec:
  serviceAccountName: builder
  containers: [{name: c, image: busybox}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=2)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.apply(APP)
    c.run(10)
    return c


def test_whoami_with_the_pods_token_is_the_service_account_bound_to_the_pod(cluster):
    token = cluster.service_account_token("builder", pod="build")
    out = cluster.kubectl("auth whoami", token=token)
    assert "system:serviceaccount:default:builder" in out
    assert "[system:serviceaccounts system:serviceaccounts:default system:authenticated]" in out
    assert "Extra: authentication.kubernetes.io/pod-name" in out and "[build]" in out
    assert cluster.kubectl("get pods", token=token) == (
        'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:builder" cannot list '
        'resource "pods" in API group "" in the namespace "default"\n')


def test_a_token_of_the_pod_dies_with_the_pod(cluster):
    cluster.apply(APP.replace("name: build", "name: short-lived"))
    cluster.run(5)
    token = cluster.service_account_token("builder", pod="short-lived")
    assert cluster.kubectl("auth whoami", token=token).exit_code == 0
    cluster.kubectl("delete pod short-lived --grace-period=0 --force")
    cluster.run(5)
    assert cluster.kubectl("auth whoami", token=token) == "error: You must be logged in to the server (Unauthorized)\n"


def test_bad_arguments_and_missing_accounts(cluster):
    with pytest.raises(errors.StatusError, match='serviceaccounts "nobody" not found'):
        cluster.service_account_token("nobody")
    with pytest.raises(TypeError, match="name"):
        cluster.service_account_token(5)
    with pytest.raises(TypeError, match="token"):
        cluster.kubectl("get pods", token=b"x")
    with pytest.raises(ValueError, match="not both"):
        cluster.kubectl("get pods", user="x", token="y")

"""Authentication: certificates, static and bootstrap tokens, service-account tokens,
anonymous requests and impersonation, as kube-apiserver's authenticators see them."""

import base64

import pytest

from kubelab.api import decode, errors
from kubelab.apiserver.authn import Authenticator, Credentials
from kubelab.apiserver.user import UserInfo
from kubelab.client import APIClient
from kubelab.etcd.tls import CertificateAuthority


@pytest.fixture
def ca(world):
    ca = CertificateAuthority(world.sim, "kubernetes")
    world.server.authenticator = Authenticator(ca, static_tokens={"s3cr3t": UserInfo("ops", groups=("ops",))})
    return ca


def whoami(world, creds):
    """A SelfSubjectAccessReview answers as the authenticated user; its reason names them."""
    c = APIClient(world.sim, world.net, "user", lambda h: world.server, credentials=creds)
    return world.server.authenticator.impersonate(
        world.server, world.server.authenticator.authenticate(world.server, creds), creds), c


def status(world, ev):
    with pytest.raises(errors.StatusError) as e:
        world.do(ev)
    return e.value.status


def test_a_client_certificate_names_the_user_by_cn_and_groups_by_o(world, ca):
    cert = ca.issue_client("alice", ("dev", "qa"))
    user, client = whoami(world, Credentials(cert=cert))
    assert (user.name, user.groups) == ("alice", ("dev", "qa", "system:authenticated"))
    st = status(world, client.list("pods", "default"))
    assert st["code"] == 403 and 'User "alice" cannot list resource "pods"' in st["message"]
    # admin.conf's certificate: O=kubeadm:cluster-admins is bound to cluster-admin
    admin = APIClient(world.sim, world.net, "user", lambda h: world.server,
                      credentials=Credentials(cert=ca.issue_client("kubernetes-admin", ("kubeadm:cluster-admins",))))
    world.do(admin.list("pods", "default"))


def test_a_certificate_from_another_ca_or_expired_is_unauthorized(world, ca):
    other = CertificateAuthority(world.sim, "not-the-cluster-ca")
    expired = ca.issue_client("old", not_before=-2 * 365 * 24 * 3600.0)
    for cert in (other.issue_client("mallory", ("system:masters",)), expired):
        c = APIClient(world.sim, world.net, "user", lambda h: world.server, credentials=Credentials(cert=cert))
        st = status(world, c.list("pods", "default"))
        assert (st["code"], st["reason"], st["message"]) == (401, "Unauthorized", "Unauthorized")


def test_static_tokens_and_anonymous_requests(world, ca):
    user, _ = whoami(world, Credentials(token="s3cr3t"))
    assert user.name == "ops" and "system:authenticated" in user.groups
    anon, c = whoami(world, Credentials())
    assert (anon.name, anon.groups) == ("system:anonymous", ("system:unauthenticated",))
    assert 'User "system:anonymous" cannot list' in status(world, c.list("pods", "default"))["message"]
    bad = APIClient(world.sim, world.net, "user", lambda h: world.server, credentials=Credentials(token="nope"))
    assert status(world, bad.list("pods", "default"))["code"] == 401


def test_bootstrap_tokens_authenticate_nodes_joining(world, ca):
    def b64(s):
        return base64.b64encode(s.encode()).decode()
    world.do(world.client.create(decode({
        "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
        "metadata": {"name": "bootstrap-token-abcdef", "namespace": "kube-system"},
        "data": {"token-id": b64("abcdef"), "token-secret": b64("0123456789abcdef"),
                 "usage-bootstrap-authentication": b64("true"),
                 "auth-extra-groups": b64("system:bootstrappers:kubeadm:default-node-token"),
                 "expiration": b64("2025-01-02T00:00:00Z")}}), "kube-system"))
    user, _ = whoami(world, Credentials(token="abcdef.0123456789abcdef"))
    assert user.name == "system:bootstrap:abcdef"
    assert user.groups == ("system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                           "system:authenticated")
    with pytest.raises(errors.StatusError):
        whoami(world, Credentials(token="abcdef.0000000000000000"))  # wrong secret
    world.sim.run(until=2 * 24 * 3600)  # past its expiration
    with pytest.raises(errors.StatusError):
        whoami(world, Credentials(token="abcdef.0123456789abcdef"))


def test_service_account_tokens_are_bound_to_audience_expiry_and_pod(world, ca):
    sa = world.do(world.client.create(decode({"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "builder"}})))
    pod = world.do(world.client.create(decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}})))
    authn = world.server.authenticator
    token, expires = authn.issue_token(world.server, "default", "builder", pod=pod, expiration_seconds=3600)
    assert expires == "2025-01-01T01:00:00Z" and token.count(".") == 2
    user, _ = whoami(world, Credentials(token=token))
    assert user.name == "system:serviceaccount:default:builder" and user.uid == sa.metadata.uid
    assert user.groups == ("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated")
    assert user.extra["authentication.kubernetes.io/pod-name"] == ("p",)
    # another audience: not for this API server
    other, _ = authn.issue_token(world.server, "default", "builder", audiences=["vault"])
    with pytest.raises(errors.StatusError):
        whoami(world, Credentials(token=other))
    # a tampered token fails its signature
    head, body, sig = token.split(".")
    with pytest.raises(errors.StatusError):
        whoami(world, Credentials(token=f"{head}.{body}x.{sig}"))
    with pytest.raises(errors.StatusError, match="less than 10 minutes"):
        authn.issue_token(world.server, "default", "builder", expiration_seconds=60)
    # the pod is deleted: its bound token stops working at once
    world.do(world.client.delete("pods", "p", grace_period_seconds=0))
    with pytest.raises(errors.StatusError):
        whoami(world, Credentials(token=token))
    # an unbound token works until it expires
    unbound, _ = authn.issue_token(world.server, "default", "builder", expiration_seconds=600)
    whoami(world, Credentials(token=unbound))
    world.sim.run(until=world.sim.now + 601)
    with pytest.raises(errors.StatusError):
        whoami(world, Credentials(token=unbound))


def test_impersonation_needs_the_impersonate_verb(world, ca):
    cert = ca.issue_client("alice", ("dev",))
    c = APIClient(world.sim, world.net, "user", lambda h: world.server,
                  credentials=Credentials(cert=cert, as_user="bob"))
    st = status(world, c.list("pods", "default"))
    assert st["message"] == ('users "bob" is forbidden: User "alice" cannot impersonate resource "users" '
                             'in API group "" at the cluster scope')
    world.do(world.client.create(decode({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "impersonator"},
        "rules": [{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}]})))
    world.do(world.client.create(decode({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "alice-impersonates"},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "impersonator"}})))
    user, _ = whoami(world, Credentials(cert=cert, as_user="bob", as_groups=("system:masters",)))
    assert (user.name, user.groups) == ("bob", ("system:masters", "system:authenticated"))
    # alice may now act as bob, and gets exactly bob's rights (none)
    assert 'User "bob" cannot list resource "pods"' in status(world, c.list("pods", "default"))["message"]
    c2 = APIClient(world.sim, world.net, "user", lambda h: world.server,
                   credentials=Credentials(cert=cert, as_user="bob", as_groups=("system:masters",)))
    world.do(c2.list("secrets", "kube-system"))

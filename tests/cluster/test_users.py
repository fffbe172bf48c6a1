"""Users: ``cluster.add_user`` issues a client certificate from the cluster CA (CN = user,
O = groups, as kube-apiserver's x509 authenticator reads them:
staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go), and
``cluster.kubectl(..., user=...)`` / ``cluster.api.as_user(...)`` act as them, so RBAC
(plugin/pkg/auth/authorizer/rbac/rbac.go) decides. ``kubectl auth can-i`` asks with a
SelfSubjectAccessReview (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go)."""

import pytest

import kubelab as kl
from kubelab.api import errors

VIEW_BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-view, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_user("alice", groups=["dev"])
    return c


def test_a_new_user_is_authenticated_by_certificate_and_may_do_nothing(cluster):
    cert = cluster.users["alice"].cert
    assert cert.subject.common_name == "alice" and tuple(cert.subject.organization) == ("dev",)
    out = cluster.kubectl("get pods", user="alice")
    assert out.exit_code == 1
    assert out == ('Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" '
                   'in API group "" in the namespace "default"\n')
    # a create names no object in its URL: "pods is forbidden", as upstream prints it
    out = cluster.kubectl("run web --image=nginx", user="alice")
    assert out == ('Error from server (Forbidden): pods is forbidden: User "alice" cannot create resource "pods" '
                   'in API group "" in the namespace "default"\n')
    assert cluster.kubectl("auth can-i list pods", user="alice") == "no\n"
    assert cluster.kubectl("auth can-i list pods").exit_code == 0  # the admin may


def test_a_rolebinding_to_view_lets_her_read_in_that_namespace_only(cluster):
    cluster.apply(VIEW_BINDING)
    cluster.run(1)
    alice = cluster.api.as_user("alice")
    assert cluster.kubectl("auth can-i list pods", user="alice") == "yes\n"
    assert cluster.kubectl("auth can-i get deployments.apps", user="alice") == "yes\n"
    assert cluster.kubectl("auth can-i create deployments.apps", user="alice") == "no\n"
    assert cluster.kubectl("auth can-i list pods -n kube-system", user="alice") == "no\n"
    assert cluster.kubectl("auth can-i list secrets", user="alice") == "no\n"  # view excludes secrets
    assert cluster.kubectl("get pods", user="alice") == "No resources found in default namespace.\n"
    assert alice.list("pods", "default") == []
    with pytest.raises(errors.StatusError, match='cannot list resource "pods" in API group "" at the cluster scope'):
        alice.list("pods", None)  # every namespace
    with pytest.raises(errors.StatusError, match="forbidden"):
        alice.create(kl.api.decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))


def test_non_resource_urls_and_bad_arguments(cluster):
    # system:discovery / system:public-info-viewer let every authenticated user read /healthz
    assert cluster.kubectl("auth can-i get /healthz", user="alice") == "yes\n"
    assert cluster.kubectl("auth can-i list", user="alice").startswith("error: you must specify two arguments")
    with pytest.raises(KeyError, match="no user named 'bob'"):
        cluster.kubectl("get pods", user="bob")
    with pytest.raises(TypeError, match="name"):
        cluster.add_user(5)
    with pytest.raises(TypeError, match="groups"):
        cluster.add_user("carol", groups="dev")
    with pytest.raises(ValueError, match="already exists"):
        cluster.add_user("alice")
    assert "carol" not in cluster.users


def test_users_survive_a_fork(cluster):
    twin = cluster.history.fork()
    assert twin.history.digest() == cluster.history.digest()
    assert twin.users["alice"].cert.serial == cluster.users["alice"].cert.serial
    assert twin.kubectl("auth can-i list pods", user="alice") == "yes\n"


NO_RIGHTS = """\
Resources                                       Non-Resource URLs   Resource Names   Verbs
selfsubjectreviews.authentication.k8s.io        []                  []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]
                                                [/api/*]            []               [get]
                                                [/api]              []               [get]
                                                [/apis/*]           []               [get]
                                                [/apis]             []               [get]
                                                [/healthz]          []               [get]
                                                [/healthz]          []               [get]
                                                [/livez]            []               [get]
                                                [/livez]            []               [get]
                                                [/openapi/*]        []               [get]
                                                [/openapi]          []               [get]
                                                [/readyz]           []               [get]
                                                [/readyz]           []               [get]
                                                [/version/]         []               [get]
                                                [/version/]         []               [get]
                                                [/version]          []               [get]
                                                [/version]          []               [get]
"""


def bind(cluster, user, role):
    cluster.apply(f"""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {user}-{role}, namespace: default}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects: [{{kind: User, name: {user}, apiGroup: rbac.authorization.k8s.io}}]
""")


def test_whoami_prints_the_authenticated_user():
    c = kl.Cluster(masters=1, seed=2)
    c.add_user("bob", groups=["dev", "qa"])
    assert c.kubectl("auth whoami", user="bob") == (
        "ATTRIBUTE   VALUE\n"
        "Username    bob\n"
        "Groups      [dev qa system:authenticated]\n")
    assert c.kubectl("auth whoami") == (
        "ATTRIBUTE   VALUE\n"
        "Username    kubernetes-admin\n"
        "Groups      [kubeadm:cluster-admins system:authenticated]\n")


def test_can_i_list_prints_upstreams_table_for_the_default_roles():
    """cani.go printStatus: rules broken down per resource and verb, compacted, sorted by
    the rule's String() (so by verbs first), as kubectl prints for a kubeadm cluster."""
    c = kl.Cluster(masters=1, seed=3)
    for u in ("nobody", "viewer", "editor", "boss"):
        c.add_user(u)
    # every authenticated user has system:basic-user, system:discovery, system:public-info-viewer
    assert c.kubectl("auth can-i --list", user="nobody") == NO_RIGHTS
    bind(c, "viewer", "view")
    bind(c, "editor", "edit")
    bind(c, "boss", "admin")
    c.run(1)
    view = c.kubectl("auth can-i --list", user="viewer").splitlines()
    assert view[:4] == NO_RIGHTS.splitlines()[:4]
    assert "pods                                            []                  []               [get list watch]" in view
    assert "namespaces/status                               []                  []               [get list watch]" in view
    assert not any(line.startswith("secrets") for line in view)  # view cannot read secrets
    resources = [line.split()[0] for line in view[1:] if not line.startswith(" ")]
    assert resources.index("namespaces/status") < resources.index("namespaces")  # "/" sorts before "]"
    edit = c.kubectl("auth can-i --list", user="editor")
    assert "[create delete deletecollection patch update get list watch]" in edit
    assert any(line.startswith("secrets ") for line in edit.splitlines())
    admin = c.kubectl("auth can-i --list", user="boss")
    assert any(line.startswith("rolebindings.rbac.authorization.k8s.io ") for line in admin.splitlines())
    assert not any(line.startswith("rolebindings.rbac") for line in edit.splitlines())
    # in a namespace with no binding the viewer is back to nothing
    assert c.kubectl("auth can-i --list -n kube-system", user="viewer") == NO_RIGHTS

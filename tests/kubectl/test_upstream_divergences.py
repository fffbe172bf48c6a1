"""kubectl behaviour that used to differ from upstream (issue #11), each against the
upstream file that decides it."""

import pytest

import kubelab as kl
from kubelab.kubectl import Kubectl, MemorySource

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""
BUDGET = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
"""


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=5)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.apply(WEB)
    c.run(30)
    return c


def names(cluster, kind):
    return sorted(o.metadata.name for o in cluster.api.list(kind, "default"))


# -- dry runs (k8s.io/kubectl/pkg/cmd/util/helpers.go GetDryRunStrategy; create, apply, delete) ---

def test_create_dry_run_client_prints_the_object_and_creates_nothing(cluster):
    before = cluster.history.digest()
    out = cluster.kubectl("create deployment api --image=nginx --dry-run=client -o yaml")
    assert out.ok and out.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n")
    assert "  name: api\n" in out and "replicas: 1" in out
    assert cluster.kubectl("create deployment api --image=nginx --dry-run=client") == (
        "deployment.apps/api created (dry run)\n")
    assert "api" not in names(cluster, "Deployment")
    assert cluster.history.digest() == before


def test_server_dry_runs_are_validated_and_not_stored(cluster):
    # dryRun=All (k8s.io/apiserver/pkg/endpoints/handlers/create.go, patch.go, delete.go)
    assert cluster.kubectl("create deployment api --image=nginx --dry-run=server") == (
        "deployment.apps/api created (server dry run)\n")
    assert "api" not in names(cluster, "Deployment")
    bad = cluster.kubectl("create deployment Bad_Name --image=nginx --dry-run=server")
    assert not bad.ok and "Invalid value" in bad  # validation still runs
    assert cluster.kubectl("apply -f - --dry-run=server", stdin=WEB.replace("replicas: 1", "replicas: 3")) == (
        "deployment.apps/web configured (server dry run)\n")
    assert cluster.api.get("Deployment", "web").spec.replicas == 1
    assert cluster.kubectl("apply -f - --dry-run=client", stdin=WEB.replace("name: web", "name: other")) == (
        "deployment.apps/other created (dry run)\n")
    assert cluster.kubectl("delete deployment web --dry-run=server") == (
        'deployment.apps "web" deleted from default namespace (server dry run)\n')
    assert cluster.kubectl("delete deployment web --dry-run=client") == (
        'deployment.apps "web" deleted from default namespace (dry run)\n')
    assert cluster.api.get("Deployment", "web").metadata.deletion_timestamp is None
    assert cluster.kubectl("delete deployment web --dry-run=maybe") == (
        'error: Invalid dry-run value (maybe). Must be "none", "server", or "client".\n')


# -- apply.go applyOneObject --------------------------------------------------------------

def test_apply_refuses_generate_name():
    k = Kubectl(MemorySource())
    out = k("apply -f -", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: cfg-}\n")
    assert out == "error: from cfg-: cannot use generate name with apply\n" and out.exit_code == 1
    assert k("get configmaps") == "No resources found in default namespace.\n"


# -- delete.go / cmdutil.GetCascadingStrategy ------------------------------------------------

def test_delete_cascade(cluster):
    assert cluster.kubectl("delete pod nope --cascade=maybe") == (
        'error: invalid cascade value (maybe). Must be "background", "foreground", or "orphan"\n')
    cluster.apply(WEB.replace("name: web", "name: keep").replace("app: web", "app: keep"))
    cluster.run(20)
    rs = [r.metadata.name for r in cluster.api.list("ReplicaSet", "default") if r.metadata.name.startswith("keep-")]
    assert cluster.kubectl("delete deployment keep --cascade=orphan") == (
        'deployment.apps "keep" deleted from default namespace\n')
    cluster.run(10)
    # orphaned: the ReplicaSet stays, without its owner
    left = cluster.api.get("ReplicaSet", rs[0])
    assert not left.metadata.owner_references
    assert cluster.kubectl(f"delete rs {rs[0]} --cascade=foreground") == (
        f'replicaset.apps "{rs[0]}" deleted from default namespace\n')


# -- rollout_pause.go ------------------------------------------------------------------------

def test_rollout_pause_twice():
    from kubectl_samples import make_cluster

    k = Kubectl(make_cluster())
    assert k("rollout pause deployment/web") == "deployment.apps/web paused\n"
    out = k("rollout pause deployment/web")
    assert out == 'error: deployments.apps "web" is already paused\n' and out.exit_code == 1
    assert k("rollout resume deployment/web") == "deployment.apps/web resumed\n"
    assert k("rollout resume deployment/web") == 'error: deployments.apps "web" is not paused\n'


# -- cli-runtime resource/helper.go EnhanceListError ------------------------------------------

def test_selector_errors_name_what_was_listed(cluster):
    assert cluster.kubectl("get pods --field-selector=foo=bar") == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", '
        'field selector "foo=bar": field label not supported: foo\n')
    out = cluster.kubectl("get deployments -l 'a in (x'")
    assert out.startswith('Error from server (BadRequest): Unable to find "apps/v1, Resource=deployments" that match '
                          'label selector "a in (x", field selector "": ')


# -- version.go --------------------------------------------------------------------------------

def test_version_reports_the_simulated_release(cluster):
    assert cluster.kubectl("version") == "Client Version: v1.34.1\nKustomize Version: v5.7.1\nServer Version: v1.34.1\n"
    assert cluster.kubectl("version --client") == "Client Version: v1.34.1\nKustomize Version: v5.7.1\n"
    assert '"gitVersion": "v1.34.1"' in cluster.kubectl("version -o json")
    assert cluster.kubectl("version -o wide") == "error: --output must be 'yaml' or 'json'\n"
    from kubelab.node.machines import KUBELET_VERSION

    assert KUBELET_VERSION == "v1.34.1"  # the nodes report the same release


# -- k8s.io/kubectl/pkg/drain/drain.go evictPods -----------------------------------------------

def test_drain_evicts_and_a_budget_blocks_it_with_kubectls_retry(cluster):
    cluster.apply(BUDGET)
    cluster.run(10)
    pod = next(p for p in cluster.api.list("Pod", "default", label_selector="app=web"))
    name = pod.metadata.name
    on_vm1 = {p.metadata.name: p for p in cluster.api.list("Pod", "kube-system", field_selector="spec.nodeName=vm-1")}
    [proxy] = [n for n in on_vm1 if n.startswith("kube-proxy-")]
    [dns] = [n for n in on_vm1 if n.startswith("coredns-")]
    out = cluster.kubectl("drain vm-1 --ignore-daemonsets --timeout=12s")
    assert not out.ok
    retry = (f'error when evicting pods/"{name}" -n "default" (will retry after 5s): '
             "Cannot evict pod as it would violate the pod's disruption budget.\n")
    # kubeadm's kube-proxy is skipped (--ignore-daemonsets); the CoreDNS replica there is evicted
    assert out.startswith(f"node/vm-1 cordoned\nWarning: ignoring DaemonSet-managed Pods: kube-system/{proxy}\n"
                          f"evicting pod default/{name}\nevicting pod kube-system/{dns}\n{retry}"
                          f"pod/{dns} evicted\nevicting pod default/{name}\n{retry}")
    assert (f'There are pending pods in node "vm-1" when an error occurred: error when evicting pods/"{name}" -n '
            f'"default": global timeout reached: 12s\npod/{name}\n') in out
    assert 'error: unable to drain node "vm-1" due to error:' in out
    assert cluster.api.get("Pod", name).metadata.deletion_timestamp is None  # the budget held
    # once the budget allows it, the drain goes through the eviction subresource
    cluster.kubectl("delete pdb web")
    out = cluster.kubectl("drain vm-1 --ignore-daemonsets")
    assert out == (f"node/vm-1 already cordoned\nWarning: ignoring DaemonSet-managed Pods: kube-system/{proxy}\n"
                   f"evicting pod default/{name}\npod/{name} evicted\nnode/vm-1 drained\n")
    cluster.kubectl("uncordon vm-1")

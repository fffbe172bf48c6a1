"""LimitRanger and ResourceQuota: admission in upstream's words, and the quota controller.

- plugin/pkg/admission/limitranger/admission.go (defaults, min/max/maxLimitRequestRatio for
  Container, Pod and PersistentVolumeClaim items) and ValidateLimitRange
  (pkg/apis/core/validation/validation.go);
- k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go (``exceeded quota``,
  ``failed quota``, ``status unknown for quota``), pkg/quota/v1/evaluator/core/pods.go (what a
  pod costs), pkg/controller/resourcequota/resource_quota_controller.go (``status.used``);
- kubectl's printResourceQuota / printLimitRange and describeQuota / describeLimitRange.
"""

import pytest

import kubelab as kl
from kubelab.api.errors import StatusError


def pod(name, cpu_req=None, cpu_lim=None, mem_req=None, ns="default", init=False):
    res = {}
    if cpu_req or mem_req:
        res["requests"] = {k: v for k, v in (("cpu", cpu_req), ("memory", mem_req)) if v}
    if cpu_lim:
        res["limits"] = {"cpu": cpu_lim}
    c = {"name": "nginx", "image": "nginx", "resources": res}
    spec = {"containers": [c]}
    if init:
        spec["initContainers"] = [{"name": "init", "image": "busybox", "resources": res}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def refused(cluster, obj):
    with pytest.raises(StatusError) as err:
        cluster.apply(obj)
    return str(err.value)


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=5)
    c.add_node(kl.VM("vm-1", cpu="16", memory="32Gi"))
    return c


# -- LimitRanger ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def limited(cluster):
    cluster.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: limited}
---
apiVersion: v1
kind: LimitRange
metadata: {name: cpu, namespace: limited}
spec:
  limits:
  - type: Container
    max: {cpu: "1"}
    min: {cpu: 100m}
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 200m, memory: 128Mi}
    maxLimitRequestRatio: {cpu: "4"}
  - type: Pod
    max: {cpu: "1500m"}
  - type: PersistentVolumeClaim
    max: {storage: 2Gi}
""")
    cluster.run(seconds=1)
    return "limited"


def test_defaults_fill_what_a_container_leaves_out_and_the_pod_says_so(cluster, limited):
    cluster.apply(pod("plain", ns=limited))
    p = cluster.api.get("Pod", "plain", limited)
    assert p.spec.containers[0].resources.requests == {"cpu": "200m", "memory": "128Mi"}
    assert p.spec.containers[0].resources.limits == {"cpu": "500m", "memory": "256Mi"}
    assert p.metadata.annotations["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx")


def test_container_max_in_upstream_words(cluster, limited):
    assert refused(cluster, pod("big", cpu_req="1", cpu_lim="1200m", ns=limited)) == (
        'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 1200m.')
    # every failure of every item, as one aggregate
    assert refused(cluster, pod("bigger", cpu_req="2", cpu_lim="2", ns=limited)) == (
        'pods "bigger" is forbidden: [maximum cpu usage per Container is 1, but limit is 2., '
        'maximum cpu usage per Pod is 1500m, but limit is 2.]')


def test_min_and_ratio_and_several_at_once(cluster, limited):
    assert refused(cluster, pod("tiny", cpu_req="50m", cpu_lim="100m", ns=limited)) == (
        'pods "tiny" is forbidden: minimum cpu usage per Container is 100m, but request is 50m.')
    assert refused(cluster, pod("spiky", cpu_req="100m", cpu_lim="800m", ns=limited)) == (
        'pods "spiky" is forbidden: cpu max limit to request ratio per Container is 4, '
        'but provided ratio is 8.000000.')
    # an init container is checked too, and the pod's total against the Pod item
    assert refused(cluster, pod("both", cpu_req="900m", cpu_lim="1200m", ns=limited, init=True)) == (
        'pods "both" is forbidden: [maximum cpu usage per Container is 1, but limit is 1200m., '
        'maximum cpu usage per Container is 1, but limit is 1200m.]')
    assert cluster.kubectl("get pods -n limited -o name") == "pod/plain\n"


def test_pod_type_sums_the_containers(cluster, limited):
    p = pod("pair", cpu_req="800m", cpu_lim="800m", ns=limited)
    p["spec"]["containers"].append({"name": "b", "image": "nginx",
                                    "resources": {"requests": {"cpu": "800m"}, "limits": {"cpu": "800m"}}})
    assert refused(cluster, p) == 'pods "pair" is forbidden: maximum cpu usage per Pod is 1500m, but limit is 1600m.'


def test_claims_are_held_to_the_claim_item(cluster, limited):
    claim = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: limited}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
"""
    assert refused(cluster, claim) == (
        'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, '
        'but request is 5Gi.')


def test_limitrange_validation_in_upstream_words(cluster):
    msg = refused(cluster, """
apiVersion: v1
kind: LimitRange
metadata: {name: bad}
spec:
  limits:
  - type: Container
    min: {cpu: "2"}
    max: {cpu: "1"}
  - type: Pod
    default: {cpu: "1"}
  - type: Container
""")
    assert msg == ('LimitRange "bad" is invalid: [spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is '
                   'greater than max value 1, spec.limits[1].default: Forbidden: may not be specified when `type` '
                   'is \'Pod\', spec.limits[2].type: Duplicate value: "Container"]')


def test_get_and_describe_limitrange(cluster, limited):
    out = cluster.kubectl("get limits -n limited")
    assert out.splitlines()[0].split() == ["NAME", "CREATED", "AT"]
    assert out.splitlines()[1].startswith("cpu ")
    assert cluster.kubectl("describe limitrange cpu -n limited") == (
        # one tabwriter block: Name and Namespace line up with the Type column
        "Name:                  cpu\n"
        "Namespace:             limited\n"
        "Type                   Resource  Min   Max    Default Request  Default Limit  Max Limit/Request Ratio\n"
        "----                   --------  ---   ---    ---------------  -------------  -----------------------\n"
        "Container              cpu       100m  1      200m             500m           4\n"
        "Container              memory    -     -      128Mi            256Mi          -\n"
        "Pod                    cpu       -     1500m  -                -              -\n"
        "PersistentVolumeClaim  storage   -     2Gi    -                -              -\n")


# -- ResourceQuota --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quota_ns(cluster):
    cluster.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: team}
spec:
  hard: {requests.cpu: "2", limits.cpu: "3", pods: "3"}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: objects, namespace: team}
spec:
  hard: {configmaps: "2", count/services: "1"}
""")
    return "team"


def test_a_new_quota_refuses_until_the_controller_has_counted(world):
    """An API server with no controller manager: admission limits what ``status.hard``
    names (nothing, for a quota no controller has seen) and needs ``status.used`` for it."""
    from kubelab.api.core import Pod, ResourceQuota

    rq = world.do(world.client.create(ResourceQuota.model_validate({"metadata": {"name": "pods"},
                                                                    "spec": {"hard": {"pods": "1", "cpu": "1"}}})))
    world.do(world.client.create(Pod.model_validate(
        {"metadata": {"name": "zeroth"}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}})))
    rq.status.hard = dict(rq.spec.hard)  # what the controller writes first, without the usage
    world.do(world.client.update_status(rq))
    with pytest.raises(StatusError) as err:
        world.do(world.client.create(Pod.model_validate(
            {"metadata": {"name": "first"},
             "spec": {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}})))
    assert str(err.value) == 'pods "first" is forbidden: status unknown for quota: pods, resources: cpu,pods'


def test_the_controller_counts_what_is_already_there(cluster, quota_ns):
    cluster.run(seconds=1)
    # kube-root-ca.crt is already one of the two configmaps
    assert cluster.api.get("ResourceQuota", "objects", quota_ns).status.used == {"configmaps": "1", "count/services": "0"}


def test_admission_charges_and_refuses_past_the_hard_limit(cluster, quota_ns):
    cluster.run(seconds=1)
    cluster.apply(pod("one", cpu_req="1", cpu_lim="1", ns=quota_ns))
    used = cluster.api.get("ResourceQuota", "compute", quota_ns).status.used
    assert used == {"limits.cpu": "1", "pods": "1", "requests.cpu": "1"}  # charged at admission
    assert refused(cluster, pod("two", cpu_req="2", cpu_lim="2", ns=quota_ns)) == (
        'pods "two" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, '
        'limited: requests.cpu=2')
    assert refused(cluster, pod("nginx", ns=quota_ns)) == (
        'pods "nginx" is forbidden: failed quota: compute: must specify limits.cpu for: nginx; '
        'requests.cpu for: nginx')
    cluster.apply("""
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team}
""")
    assert refused(cluster, """
apiVersion: v1
kind: ConfigMap
metadata: {name: more, namespace: team}
""") == ('configmaps "more" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=2, '
         'limited: configmaps=2')


def test_the_controller_gives_back_what_a_deleted_pod_used(cluster, quota_ns):
    cluster.apply(pod("gone", cpu_req="500m", cpu_lim="500m", ns=quota_ns))
    cluster.run(seconds=5)
    assert cluster.api.get("ResourceQuota", "compute", quota_ns).status.used["requests.cpu"] == "1500m"
    cluster.kubectl("delete pod gone -n team")
    cluster.run(seconds=35)
    assert cluster.api.get("ResourceQuota", "compute", quota_ns).status.used == {
        "limits.cpu": "1", "pods": "1", "requests.cpu": "1"}


def test_get_and_describe_quota(cluster, quota_ns):
    header, row = cluster.kubectl("get quota compute -n team").splitlines()
    assert header.split() == ["NAME", "AGE", "REQUEST", "LIMIT"]
    assert row.split(None, 2)[0] == "compute"
    assert row.split(None, 2)[2] == "pods: 1/3, requests.cpu: 1/2   limits.cpu: 1/3"
    assert cluster.kubectl("describe quota compute -n team") == (
        "Name:         compute\n"
        "Namespace:    team\n"
        "Resource      Used  Hard\n"
        "--------      ----  ----\n"
        "limits.cpu    1     3\n"
        "pods          1     3\n"
        "requests.cpu  1     2\n")
    out = [line.split() for line in cluster.kubectl("describe namespace team").splitlines()]
    assert out[5:15] == [["Resource", "Quotas"], ["Name:", "compute"], ["Resource", "Used", "Hard"],
                         ["--------", "---", "---"], ["limits.cpu", "1", "3"], ["pods", "1", "3"],
                         ["requests.cpu", "1", "2"], ["Name:", "objects"], ["Resource", "Used", "Hard"],
                         ["--------", "---", "---"]]


def test_quota_validation(cluster):
    assert refused(cluster, """
apiVersion: v1
kind: ResourceQuota
metadata: {name: odd}
spec:
  hard: {gpus: "1", pods: "-1"}
""") == ('ResourceQuota "odd" is invalid: [spec.hard[gpus]: Invalid value: "gpus": must be a standard resource '
         'for quota, spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0]')


def test_object_counts_of_any_resource(cluster):
    cluster.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: counted}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: apps, namespace: counted}
spec:
  hard: {count/deployments.apps: "1", services.nodeports: "1"}
""")
    cluster.run(seconds=1)
    deploy = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: counted}
spec:
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers: [{name: web, image: nginx}]
"""
    cluster.apply(deploy.replace("NAME", "a"))
    assert refused(cluster, deploy.replace("NAME", "b")) == (
        'deployments.apps "b" is forbidden: exceeded quota: apps, requested: count/deployments.apps=1, '
        'used: count/deployments.apps=1, limited: count/deployments.apps=1')
    assert refused(cluster, """
apiVersion: v1
kind: Service
metadata: {name: np, namespace: counted}
spec:
  type: NodePort
  selector: {app: a}
  ports: [{name: a, port: 80}, {name: b, port: 81}]
""") == ('services "np" is forbidden: exceeded quota: apps, requested: services.nodeports=2, '
         'used: services.nodeports=0, limited: services.nodeports=1')

"""Bad manifests are refused with the real API server's (or kubectl's) message, and the
store is left exactly as it was."""

import pytest

import kubelab as kl
from kubelab.api import errors

DNS1123_SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                     "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                     "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1123_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                 "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
QUANTITY = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def pod(name="web", containers=None, **spec):
    containers = containers if containers is not None else [{"name": "nginx", "image": "nginx:1.27"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": containers, **spec}}


def deployment(name="web", replicas=3, selector=None, labels=None, strategy=None, restart=None, **extra):
    tspec = {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}
    if restart:
        tspec["restartPolicy"] = restart
    spec = {"replicas": replicas, "selector": selector if selector is not None else {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": labels or {"app": "web"}}, "spec": tspec}, **extra}
    if strategy:
        spec["strategy"] = strategy
    if selector == "omit":
        del spec["selector"]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}


CASES = [
    ("bad pod name", pod("Web_1"), 422,
     f'Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": {DNS1123_SUBDOMAIN}'),
    ("no containers", pod(containers=[]), 422, 'Pod "web" is invalid: spec.containers: Required value'),
    ("container name not a DNS label", pod(containers=[{"name": "Nginx", "image": "nginx"}]), 422,
     f'Pod "web" is invalid: spec.containers[0].name: Invalid value: "Nginx": {DNS1123_LABEL}'),
    ("missing image", pod(containers=[{"name": "nginx"}]), 422,
     'Pod "web" is invalid: spec.containers[0].image: Required value'),
    ("duplicate container names", pod(containers=[{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]), 422,
     'Pod "web" is invalid: spec.containers[1].name: Duplicate value: "a"'),
    ("unsupported restartPolicy", pod(restartPolicy="Sometimes"), 422,
     'Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    ("bad quantity", pod(containers=[{"name": "c", "image": "x", "resources": {"requests": {"cpu": "abc"}}}]), 400,
     f'Pod in version "v1" cannot be handled as a Pod: {QUANTITY}'),
    ("request above limit", pod(containers=[{"name": "c", "image": "x",
                                             "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}]), 422,
     'Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ("unknown field", pod(containers=[{"name": "c", "imagee": "x"}]), 400,
     'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee"'),
    ("negative replicas", deployment(replicas=-1), 422,
     'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'),
    ("selector does not match labels", deployment(labels={"app": "other"}), 422,
     'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: '
     "`selector` does not match template `labels`"),
    # a nil selector selects nothing, so the template check fails too (ValidateDeploymentSpec)
    ("missing selector", deployment(selector="omit"), 422,
     'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid '
     'value: map[string]string{"app":"web"}: `selector` does not match template `labels`]'),
    ("template restartPolicy Never", deployment(restart="Never"), 422,
     'Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'),
    ("maxSurge and maxUnavailable both 0",
     deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}), 422,
     'Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: '
     "may not be 0 when `maxSurge` is 0"),
    ("replicas of the wrong type", deployment(replicas="three"), 400,
     'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct '
     "field DeploymentSpec.spec.replicas of type int32"),
    ("service port out of range",
     {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
      "spec": {"selector": {"app": "web"}, "ports": [{"port": 70000}]}}, 422,
     # targetPort defaults to port (SetDefaults_Service), so it is out of range as well
     'Service "web" is invalid: [spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive, '
     'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive]'),
    ("namespace that does not exist", {**pod(), "metadata": {"name": "web", "namespace": "nope"}}, 404,
     'namespaces "nope" not found'),
    ("label value too long", {**pod(), "metadata": {"name": "web", "labels": {"app": "x" * 64}}}, 422,
     'Pod "web" is invalid: metadata.labels: Invalid value: "' + "x" * 64 + '": must be no more than 63 characters'),
]


@pytest.fixture(scope="module")
def cluster():
    cluster = kl.Cluster(masters=1, seed=1)
    cluster.run(30)  # kubeadm's add-ons started: nothing else writes while a manifest is refused
    return cluster


def _etcd_revision(cluster):
    return cluster.etcd.leader.kv.rev


@pytest.mark.parametrize("what,manifest,code,message", CASES, ids=[c[0] for c in CASES])
def test_refused_with_the_real_message_and_nothing_changes(cluster, what, manifest, code, message):
    before = _etcd_revision(cluster)
    with pytest.raises(errors.StatusError) as e:
        cluster.apply(manifest)
    assert e.value.code == code
    assert str(e.value) == message
    assert _etcd_revision(cluster) == before


def test_unknown_kind_is_refused_by_kubectl_before_anything_is_sent(cluster):
    before = _etcd_revision(cluster)
    with pytest.raises(kl.ManifestError) as e:
        cluster.apply({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    assert str(e.value) == ('error: resource mapping not found for name: "w" namespace: "" from "STDIN": '
                            'no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first')
    assert _etcd_revision(cluster) == before


def test_missing_kind_is_a_client_side_validation_error(cluster):
    with pytest.raises(kl.ManifestError) as e:
        cluster.apply({"apiVersion": "v1", "metadata": {"name": "x"}})
    assert str(e.value) == "error: error validating data: [kind not set]"


def test_creating_twice_with_create_is_already_exists(cluster):
    from kubelab.api import decode
    cluster.api.create(decode(pod("twice")))
    with pytest.raises(errors.StatusError) as e:
        cluster.api.create(decode(pod("twice")))
    assert str(e.value) == 'pods "twice" already exists'

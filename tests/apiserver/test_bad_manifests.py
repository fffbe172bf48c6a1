"""Manifests the fuzzer broke the server with: each is now refused with the real server's
words (a 400 or 422), and nothing is stored."""

import pytest

from kubelab.api import decode, errors
from kubelab.api.scheme import DecodeError
from kubelab.apiserver.server import Request
from kubelab.client.rest import resolve_kind


def deployment(replicas):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def pod(metadata=None, **container):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata or {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "nginx", **container}]}}


def create(world, body):
    kind = resolve_kind(body["kind"]) if isinstance(body.get("kind"), str) else resolve_kind("pods")
    return world.do(world.client.request(Request("create", kind, "default", None, body)))


def nothing_stored(world):
    keys = [kv.key for kv in world.etcd.kv.range("/registry/", prefix=True).kvs]
    return not [k for k in keys if b"/default/" in k and not k.startswith(b"/registry/serviceaccounts/")]


@pytest.mark.parametrize("body, code, words", [
    (deployment(10**400), 400,
     'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1e400 '
     "into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (deployment(2**31), 400, "cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas"),
    (pod(terminationGracePeriodSeconds=1), 400, 'unknown field "spec.containers[0].terminationGracePeriodSeconds"'),
    (pod(volumeMounts=[{"name": "v", "mountPath": [1]}]), 400,
     "json: cannot unmarshal array into Go struct field VolumeMount.spec.containers.volumeMounts.mountPath "
     "of type string"),
    (pod(securityContext={"privileged": "yes"}), 400,
     "cannot unmarshal string into Go struct field SecurityContext.spec.containers.securityContext.privileged "
     "of type bool"),
    (pod(securityContext={"a": ["x"] * 9}), 400, 'strict decoding error: unknown field "spec.containers[0].securityContext.a"'),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": ["x"]}, 400,
     "json: cannot unmarshal array into Go struct field ConfigMap.metadata of type v1.ObjectMeta"),
    (pod({"name": "p", "labels": {"app": "\ud800"}}), 422,
     'Pod "p" is invalid: metadata.labels: Invalid value: "\ufffd"'),  # encoding/json: U+FFFD
    ({"apiVersion": "batch/v1", "kind": "Job",
      "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}},
     422, 'Job.batch "" is invalid: metadata.name: Required value: name or generateName is required'),
])
def test_a_bad_manifest_is_refused_with_the_servers_words(world, body, code, words):
    with pytest.raises(errors.StatusError) as e:
        create(world, body)
    assert e.value.status["code"] == code
    assert words in e.value.status["message"]
    assert nothing_stored(world)


def test_nesting_too_deep_is_a_refusal_not_a_recursion_error(world):
    deep = current = {}
    for _ in range(2000):
        current["a"] = {}
        current = current["a"]
    body = pod(securityContext=None)
    body["spec"]["containers"][0]["lifecycle"] = deep
    with pytest.raises(errors.StatusError, match="json: exceeded max depth"):
        create(world, body)
    assert nothing_stored(world)


def test_a_type_field_of_the_wrong_type_reads_as_unset():
    # unstructured's accessors read a non-string apiVersion as unset: kubectl's check says so
    with pytest.raises(DecodeError, match=r"error validating data: \[apiVersion not set\]"):
        decode({"apiVersion": ["v1"], "kind": "Pod", "metadata": {"name": "p"}})
    with pytest.raises(DecodeError, match=r"\[kind not set\]"):
        decode({"apiVersion": "v1", "kind": {"Pod": 1}})


def test_the_callers_manifest_is_not_changed_by_decoding():
    body = pod({"name": "p", "labels": {"app": "\ud800"}})
    decode(body)
    assert body["metadata"]["labels"]["app"] == "\ud800"

"""Issue 14's fuzzing finds fixed here: a YAML bomb, re-applying with null annotations, a
PATCH whose body is no object. Each is refused as kubectl / kube-apiserver refuse it (or
applied as they apply it), and a refusal changes nothing."""

import pytest

import kubelab as kl
from kubelab.api import errors
from kubelab.kubectl.yamlload import ExcessiveAliasing, allowed_alias_ratio, load_all


def bomb(levels=9, width=9):
    """Nine levels of nine aliases: ~387 million nodes once expanded."""
    text = "a0: &a0 [" + ", ".join(["x"] * width) + "]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    return text


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.run(2)
    return c


def revision(cluster):
    return cluster.etcd.leader.kv.rev


def test_a_yaml_bomb_is_refused_before_anything_is_sent(cluster):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "".join(
        "  " + line + "\n" for line in bomb().splitlines())
    before = revision(cluster)
    with pytest.raises(kl.ManifestError) as e:
        cluster.apply(manifest)
    assert str(e.value) == "error: error parsing STDIN: yaml: document contains excessive aliasing"
    out = cluster.kubectl("apply -f -", stdin=manifest)
    assert out == "error: error parsing STDIN: error converting YAML to JSON: yaml: document contains excessive aliasing\n"
    assert revision(cluster) == before


def test_go_yamls_alias_budget():
    # a handful of aliases is fine, as is a big document with a few; the ratio is go-yaml's
    assert load_all("base: &b {cpu: 1}\nx: *b\ny: *b\n") == [{"base": {"cpu": 1}, "x": {"cpu": 1}, "y": {"cpu": 1}}]
    assert len(load_all(bomb(levels=3))[0]) == 3
    with pytest.raises(ExcessiveAliasing):
        load_all(bomb(levels=5))
    assert allowed_alias_ratio(1000) == 0.99 and allowed_alias_ratio(10**7) == 0.10
    assert allowed_alias_ratio(2_200_000) == pytest.approx(0.545)


def test_reapplying_with_null_annotations_removes_the_ones_the_last_apply_set(cluster):
    cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, annotations: {team: blue}}\n")
    assert str(cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, annotations: null}\n")) == \
        "configmap/notes configured"
    annotations = cluster.get("ConfigMap", "notes").metadata.annotations
    assert "team" not in annotations and "kubectl.kubernetes.io/last-applied-configuration" in annotations
    assert str(cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, annotations: null}\n")) == \
        "configmap/notes unchanged"


@pytest.mark.parametrize("body, patch_type, message", [
    ([], "strategic", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ("x", "strategic", "json: cannot unmarshal string into Go value of type map[string]interface {}"),
    ([], "merge", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    (None, "merge", "Invalid JSON Patch"),
])
def test_a_patch_that_is_no_object_is_a_bad_request(cluster, body, patch_type, message):
    cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: target}\n")
    before = cluster.get("ConfigMap", "target").metadata.resource_version
    with pytest.raises(errors.StatusError) as e:
        cluster.api.patch("configmaps", "target", body, patch_type=patch_type)
    assert (e.value.code, str(e.value)) == (400, message)
    # the object is untouched (the cluster's own lease renewals may write meanwhile)
    assert cluster.get("ConfigMap", "target").metadata.resource_version == before


@pytest.mark.parametrize("seconds, exc", [(None, TypeError), ("1", TypeError), (-1, ValueError),
                                          (float("nan"), ValueError), (float("inf"), ValueError)])
def test_a_slow_disk_takes_a_finite_number_of_seconds(cluster, seconds, exc):
    before = cluster.history.digest()
    with pytest.raises(exc, match="seconds"):
        cluster.faults.slow_disk("master-1", seconds)
    assert cluster.history.digest() == before


def test_json_knows_no_nan_and_a_metadata_of_the_wrong_type_reads_as_unset(cluster):
    with pytest.raises(kl.ManifestError, match="invalid character 'N' looking for beginning of value"):
        cluster.apply('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": NaN}')
    with pytest.raises(kl.ManifestError, match='resource mapping not found for name: "" namespace: ""'):
        cluster.apply({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": 5})


def test_kubectl_patch_patches_every_named_object_and_reports_the_missing_ones_at_the_end(cluster):
    cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: patched}\n")
    out = cluster.kubectl('patch configmap nope patched -p {"data":{"k":"v"}}'.replace('{"data":{"k":"v"}}',
                                                                                     "'{\"data\":{\"k\":\"v\"}}'"))
    assert out == ('configmap/patched patched\n'
                   'Error from server (NotFound): configmaps "nope" not found\n') and out.exit_code == 1
    assert cluster.get("ConfigMap", "patched").data == {"k": "v"}

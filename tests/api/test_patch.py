"""kubelab.api.patch: the three PATCH flavours, one copy each.

JSON patch behaves as kube-apiserver's gopkg.in/evanphx/json-patch.v4 (patch.go), which is
laxer than RFC 6902 in places a learner can hit (a ``replace`` of a missing member adds it:
evanphx/json-patch issue #204)."""

from __future__ import annotations

import pytest

from kubelab.api.patch import (JSONPatchDecodeError, JSONPatchError, apply_patch, json_merge_patch, json_patch,
                               strategic_merge_patch)

DOC = {"metadata": {"name": "web", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}], "args": ["a", "b", "c"]}}


# ----------------------------------------------------------------------------- RFC 6902

def test_json_patch_ops_apply_in_order_and_leave_the_input_alone():
    out = json_patch(DOC, [
        {"op": "add", "path": "/metadata/labels/tier", "value": "front"},
        {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.28"},
        {"op": "remove", "path": "/spec/args/1"},
        {"op": "copy", "from": "/metadata/labels", "path": "/metadata/annotations"},
        {"op": "move", "from": "/spec/args/0", "path": "/spec/first"},
        {"op": "test", "path": "/spec/first", "value": "a"},
        {"op": "add", "path": "/spec/args/-", "value": "z"},
    ])
    assert out["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert out["metadata"]["annotations"] == {"app": "web", "tier": "front"}
    assert out["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert out["spec"]["args"] == ["c", "z"] and out["spec"]["first"] == "a"
    assert DOC["spec"]["args"] == ["a", "b", "c"] and "tier" not in DOC["metadata"]["labels"]


def test_json_patch_escapes_slashes_and_tildes_in_keys():
    out = json_patch(DOC, [{"op": "add", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "web"},
                           {"op": "add", "path": "/metadata/labels/a~0b", "value": "x"}])
    assert out["metadata"]["labels"]["app.kubernetes.io/name"] == "web"
    assert out["metadata"]["labels"]["a~b"] == "x"


def test_v4_leniencies_the_api_server_has():
    # replace of a missing object member adds it; negative indices count from the end;
    # test of a missing member against null passes
    out = json_patch(DOC, [{"op": "replace", "path": "/metadata/labels/new", "value": "1"},
                           {"op": "add", "path": "/spec/args/-1", "value": "end"},
                           {"op": "remove", "path": "/spec/args/-4"},
                           {"op": "test", "path": "/metadata/missing", "value": None}])
    assert out["metadata"]["labels"]["new"] == "1"
    assert out["spec"]["args"] == ["b", "c", "end"]


@pytest.mark.parametrize("ops, message", [
    ([{"op": "test", "path": "/metadata/name", "value": "db"}], "testing value /metadata/name failed: test failed"),
    ([{"op": "remove", "path": "/metadata/labels/nope"}],
     "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value"),
    ([{"op": "add", "path": "/status/phase", "value": "Running"}],
     'add operation does not apply: doc is missing path: "/status/phase": missing value'),
    ([{"op": "replace", "path": "/spec/args/7", "value": "x"}],
     "replace operation does not apply: doc is missing key: /spec/args/7: missing value"),
    ([{"op": "add", "path": "/spec/args/9", "value": "x"}],
     "error in add for path: '/spec/args/9': Unable to access invalid index: 9: invalid index referenced"),
    ([{"op": "remove", "path": "/spec/args/x"}],
     "error in remove for path: '/spec/args/x': strconv.Atoi: parsing \"x\": invalid syntax"),
    ([{"op": "copy", "from": "/nope/x", "path": "/a"}],
     "copy operation does not apply: doc is missing from path: /nope/x: missing value"),
    ([{"op": "upsert", "path": "/a"}], "Unexpected kind: upsert"),
])
def test_a_patch_that_does_not_apply_says_what_json_patch_v4_says(ops, message):
    with pytest.raises(JSONPatchError) as ei:
        json_patch(DOC, ops)
    assert str(ei.value) == message


def test_a_failed_op_leaves_the_document_untouched():
    doc = {"a": {"b": 1}}
    with pytest.raises(JSONPatchError):
        json_patch(doc, [{"op": "add", "path": "/a/c", "value": 2}, {"op": "test", "path": "/a/b", "value": 9}])
    assert doc == {"a": {"b": 1}}


def test_a_body_that_is_no_list_of_ops_is_a_decode_error():
    with pytest.raises(JSONPatchDecodeError, match="cannot unmarshal object into Go value of type jsonpatch.Patch"):
        json_patch(DOC, {"op": "add"})


# ----------------------------------------------------------------------------- RFC 7386

def test_merge_patch_merges_objects_deletes_nulls_and_replaces_lists():
    # RFC 7386 appendix A examples
    assert json_merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert json_merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert json_merge_patch({"a": "b"}, {"a": None}) == {}
    assert json_merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert json_merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert json_merge_patch(["a", "b"], ["c", "d"]) == ["c", "d"]
    assert json_merge_patch({"a": "foo"}, "bar") == "bar"
    assert json_merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_merge_patch_returns_a_new_document():
    target = {"a": {"b": [1]}, "keep": {"x": 1}}
    out = json_merge_patch(target, {"a": {"c": 2}})
    out["keep"]["x"] = 99
    out["a"]["b"].append(2)
    assert target == {"a": {"b": [1]}, "keep": {"x": 1}}


# ----------------------------------------------------------------------------- strategic

def test_strategic_merge_patch_merges_containers_by_name():
    cur = {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                                   {"name": "side", "image": "busybox"}]}}
    out = strategic_merge_patch(cur, {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}})
    assert out["spec"]["containers"][0] == {"name": "nginx", "image": "nginx:1.28", "ports": [{"containerPort": 80}]}
    assert out["spec"]["containers"][1]["name"] == "side"


def test_strategic_merge_patch_deletes_by_key_and_unions_finalizers():
    cur = {"metadata": {"finalizers": ["a"]}, "spec": {"containers": [{"name": "x"}, {"name": "y"}]}}
    out = strategic_merge_patch(cur, {"metadata": {"finalizers": ["b", "a"]},
                                      "spec": {"containers": [{"name": "x", "$patch": "delete"}]}})
    assert out["metadata"]["finalizers"] == ["a", "b"]
    assert out["spec"]["containers"] == [{"name": "y"}]


def test_apply_patch_picks_the_flavour_by_type():
    assert apply_patch({"a": [1, 2]}, {"a": [3]}, "application/merge-patch+json") == {"a": [3]}
    assert apply_patch({"a": 1}, [{"op": "remove", "path": "/a"}], "json") == {}
    with pytest.raises(ValueError, match="unsupported patch type"):
        apply_patch({}, {}, "yaml")

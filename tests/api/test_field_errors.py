"""field.Path / field.Error string forms (apimachinery util/validation/field/errors.go, path.go)."""

import pytest

from kubelab.api import field as f
from kubelab.api.field import ErrorList, ErrorType, FieldError, go_value, new_path

SPEC = new_path("spec")


@pytest.mark.parametrize("path,expect", [
    (new_path("spec").child("containers").index(0).child("name"), "spec.containers[0].name"),
    (new_path("metadata").child("labels").key("app"), "metadata.labels[app]"),
    (new_path("spec", "template", "spec"), "spec.template.spec"),
    (new_path("spec").child("a", "b").index(3).index(4), "spec.a.b[3][4]"),
    (new_path("spec") / "replicas", "spec.replicas"),
    (new_path("spec")["x"][1], "spec[x][1]"),
])
def test_path_strings(path, expect):
    assert str(path) == expect
    assert path == expect


@pytest.mark.parametrize("err,expect", [
    (f.invalid(SPEC.child("replicas"), -1, "must be greater than or equal to 0"),
     "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    (f.required(SPEC.child("containers"), ""), "spec.containers: Required value"),
    (f.required(SPEC.child("selector"), "must be specified"),
     "spec.selector: Required value: must be specified"),
    (f.not_supported(SPEC.child("restartPolicy"), "Sometimes", ["Always", "Never", "OnFailure"]),
     'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"'),
    (f.not_supported(SPEC.child("x"), "y", []), 'spec.x: Unsupported value: "y"'),
    (f.duplicate(SPEC.child("containers").index(1).child("name"), "web"),
     'spec.containers[1].name: Duplicate value: "web"'),
    (f.forbidden(SPEC.child("nodeName"), "may not be set"), "spec.nodeName: Forbidden: may not be set"),
    (f.too_long(new_path("metadata", "annotations"), "", 262144),
     "metadata.annotations: Too long: must have at most 262144 bytes"),
    (f.too_long_max_length(SPEC.child("x"), "abcd", 3), "spec.x: Too long: may not be longer than 3"),
    (f.too_many(SPEC.child("items"), 5, 3), "spec.items: Too many: 5: must have at most 3 items"),
    (f.too_many(SPEC.child("items"), -1, 3), "spec.items: Too many: must have at most 3 items"),
    (f.too_many(SPEC.child("items"), 5, -1), "spec.items: Too many: 5: has too many items"),
    (f.not_found(SPEC.child("volumes"), "data"), 'spec.volumes: Not found: "data"'),
    (f.internal_error(SPEC, ValueError("boom")), "spec: Internal error: boom"),
    (f.type_invalid(SPEC.child("replicas"), "x", "must be an integer"),
     'spec.replicas: Invalid value: "x": must be an integer'),
    (f.invalid(SPEC.child("x"), None, "d"), "spec.x: Invalid value: null: d"),
    (f.invalid(SPEC.child("x"), True, "d"), "spec.x: Invalid value: true: d"),
    (f.invalid(SPEC.child("x"), 0.5, "d"), "spec.x: Invalid value: 0.5: d"),
    (f.invalid(SPEC.child("x"), 'say "hi"\n', "d"), 'spec.x: Invalid value: "say \\"hi\\"\\n": d'),
    (f.invalid(SPEC.child("x"), ["a", "b"], "d"), 'spec.x: Invalid value: []string{"a", "b"}: d'),
    (f.invalid(SPEC.child("x"), {"b": "2", "a": "1"}, "d"),
     'spec.x: Invalid value: map[string]string{"a":"1", "b":"2"}: d'),
])
def test_error_strings(err, expect):
    assert str(err) == expect
    assert err.error() == expect


def test_error_body_and_cause():
    e = f.invalid(SPEC.child("replicas"), -1, "must be greater than or equal to 0")
    assert e.error_body() == "Invalid value: -1: must be greater than or equal to 0"
    assert e.to_cause() == {"reason": "FieldValueInvalid",
                            "message": "Invalid value: -1: must be greater than or equal to 0",
                            "field": "spec.replicas"}
    assert e.type == ErrorType.INVALID


def test_quantity_is_a_stringer():
    from kubelab.api.quantity import parse_quantity
    assert go_value(parse_quantity("500m")) == "500m"


@pytest.mark.parametrize("errs,expect", [
    ([], None),
    ([f.required(SPEC.child("a"))], "spec.a: Required value"),
    ([f.required(SPEC.child("a")), f.required(SPEC.child("b"))], "[spec.a: Required value, spec.b: Required value]"),
    ([f.required(SPEC.child("a")), f.required(SPEC.child("a"))], "spec.a: Required value"),
])
def test_aggregate(errs, expect):
    assert ErrorList(errs).to_aggregate_message() == expect


def test_filter():
    errs = ErrorList([f.required(SPEC.child("a")), f.invalid(SPEC.child("b"), 1, "x")])
    assert [e.field for e in errs.filter(ErrorType.REQUIRED)] == ["spec.b"]


def test_field_error_is_exception():
    with pytest.raises(FieldError, match="spec.a: Required value"):
        raise f.required(SPEC.child("a"))

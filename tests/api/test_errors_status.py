"""StatusError constructors (apimachinery pkg/api/errors/errors.go) and kubectl's rendering
(kubectl pkg/cmd/util/helpers.go checkErr / StandardErrorMessage)."""

import pytest

from kubelab.api import errors as E
from kubelab.api import field as f
from kubelab.api.quantity import ERR_FORMAT_WRONG

SPEC = f.new_path("spec")


def test_not_found():
    e = E.new_not_found("deployments.apps", "web")
    assert str(e) == 'deployments.apps "web" not found'
    assert (e.code, e.reason) == (404, "NotFound")
    assert e.details == {"name": "web", "group": "apps", "kind": "deployments"}
    assert E.is_not_found(e) and not E.is_conflict(e)
    assert e.to_dict()["kind"] == "Status" and e.to_dict()["status"] == "Failure"
    assert e.to_dict()["apiVersion"] == "v1"
    assert E.kubectl_message(e) == 'Error from server (NotFound): deployments.apps "web" not found'


def test_already_exists():
    e = E.new_already_exists(("", "pods"), "x")
    assert str(e) == 'pods "x" already exists'
    assert (e.code, e.reason) == (409, "AlreadyExists")
    assert E.is_already_exists(e)
    assert E.kubectl_message(e, "creating", "STDIN") == \
        'Error from server (AlreadyExists): error when creating "STDIN": pods "x" already exists'


def test_conflict():
    e = E.new_conflict("deployments.apps", "web")
    assert str(e) == ('Operation cannot be fulfilled on deployments.apps "web": the object has been '
                      'modified; please apply your changes to the latest version and try again')
    assert (e.code, e.reason) == (409, "Conflict")
    assert E.is_conflict(e)


def test_invalid_single():
    errs = [f.invalid(SPEC.child("replicas"), -1, "must be greater than or equal to 0")]
    e = E.new_invalid("Deployment.apps", "web", errs)
    assert str(e) == 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    assert (e.code, e.reason) == (422, "Invalid")
    assert e.details["kind"] == "Deployment" and e.details["group"] == "apps"
    assert e.causes == [{"reason": "FieldValueInvalid", "message": "Invalid value: -1: must be greater than or equal to 0",
                         "field": "spec.replicas"}]
    assert E.is_invalid(e)
    assert E.kubectl_message(e) == \
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'


def test_invalid_many():
    errs = [f.required(SPEC.child("selector"), ""), f.invalid(SPEC.child("replicas"), -1, "x")]
    e = E.new_invalid(("", "Pod"), "p", errs)
    assert str(e) == 'Pod "p" is invalid: [spec.selector: Required value, spec.replicas: Invalid value: -1: x]'
    assert E.kubectl_message(e) == ('The Pod "p" is invalid: \n'
                                    '* spec.selector: Required value\n'
                                    '* spec.replicas: Invalid value: -1: x')


def test_invalid_empty():
    e = E.new_invalid("Pod", "p", [])
    assert str(e) == 'Pod "p" is invalid'
    assert E.kubectl_message(e) == 'The Pod "p" is invalid'


def test_bad_request_and_decode_error():
    e = E.new_decode_error("Deployment", "v1", ERR_FORMAT_WRONG)
    assert str(e) == ('Deployment in version "v1" cannot be handled as a Deployment: quantities must match '
                      "the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    assert (e.code, e.reason) == (400, "BadRequest")
    assert E.kubectl_message(e, "creating", "STDIN").startswith(
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled')


@pytest.mark.parametrize("e,code,reason,message", [
    (E.new_forbidden("pods", "p", "User \"bob\" cannot get"), 403, "Forbidden", 'pods "p" is forbidden: User "bob" cannot get'),
    (E.new_forbidden("pods", "", "nope"), 403, "Forbidden", "pods is forbidden: nope"),
    (E.new_forbidden(("", ""), "", "nope"), 403, "Forbidden", "forbidden: nope"),
    (E.new_method_not_supported("pods", "patch"), 405, "MethodNotAllowed", 'patch is not supported on resources of kind "pods"'),
    (E.new_too_many_requests("slow down", 1), 429, "TooManyRequests", "slow down"),
    (E.new_too_many_requests_error("x"), 429, "TooManyRequests", "Too many requests: x"),
    (E.new_service_unavailable("etcd down"), 503, "ServiceUnavailable", "etcd down"),
    (E.new_timeout_error("waited", 2), 504, "Timeout", "Timeout: waited"),
    (E.new_server_timeout("pods", "create", 2), 500, "ServerTimeout",
     "The create operation against pods could not be completed at this time, please try again."),
    (E.new_internal_error("boom"), 500, "InternalError", "Internal error occurred: boom"),
    (E.new_unauthorized(""), 401, "Unauthorized", "not authorized"),
    (E.new_gone("gone"), 410, "Gone", "gone"),
    (E.new_resource_expired("too old resource version: 1 (5)"), 410, "Expired", "too old resource version: 1 (5)"),
])
def test_constructors(e, code, reason, message):
    assert (e.code, e.reason, str(e)) == (code, reason, message)


def test_predicates():
    assert E.is_too_many_requests(E.new_too_many_requests("x", 1))
    assert E.is_service_unavailable(E.new_service_unavailable("x"))
    assert E.is_timeout(E.new_timeout("x", 1))
    assert E.is_server_timeout(E.new_server_timeout("pods", "get", 1))
    assert E.is_method_not_supported(E.new_method_not_supported("pods", "x"))
    assert E.is_forbidden(E.new_forbidden("pods", "p", "x"))
    assert E.is_bad_request(E.new_bad_request("x"))
    assert E.is_internal_error(E.new_internal_error("x"))
    assert not E.is_not_found(ValueError("x"))
    # an unknown reason falls back to the code
    assert E.is_not_found(E.StatusError({"code": 404, "reason": "", "message": "x"}))


def test_kubectl_unauthorized():
    assert E.kubectl_message(E.new_unauthorized("")) == "error: You must be logged in to the server (not authorized)"

"""apimachinery util/validation/validation.go, api/validation/objectmeta.go and
apis/meta/v1/validation messages (cases from validation_test.go)."""

import pytest

from kubelab.api.field import new_path
from kubelab.api.validation import names as N

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
QNAME_PART = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
              "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
              "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                   "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


@pytest.mark.parametrize("v", ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "a.a", "a.b.c",
                               "11.22.33", "a" * 253, "1.2.3.4"])
def test_dns1123_subdomain_ok(v):
    assert N.is_dns1123_subdomain(v) == []


@pytest.mark.parametrize("v", ["", "A", "ABC", "aBc", "a_1", "a.", ".a", "a..b", "-a", "a-", "a@b", "a,b",
                               "Web_1"])
def test_dns1123_subdomain_bad(v):
    errs = N.is_dns1123_subdomain(v)
    assert errs and errs[-1] == SUBDOMAIN_MSG


def test_dns1123_subdomain_too_long():
    assert N.is_dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


@pytest.mark.parametrize("v,errs", [
    ("my-name", []),
    ("123-abc", []),
    ("a.b", ["must not contain dots"]),
    ("My-Name", [LABEL_MSG]),
    ("a" * 64, ["must be no more than 63 characters"]),
    ("", [LABEL_MSG]),
])
def test_dns1123_label(v, errs):
    assert N.is_dns1123_label(v) == errs


@pytest.mark.parametrize("v,errs", [
    ("my-name", []), ("abc-123", []), ("123-abc", [DNS1035_MSG]), ("a.b", [DNS1035_MSG]),
])
def test_dns1035_label(v, errs):
    assert N.is_dns1035_label(v) == errs


@pytest.mark.parametrize("v", ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
                               "now-with-dashes/simple", "1-num.2-num/3-num", "UpperCase", "x/UpperCase",
                               "a" * 63, "a" * 253 + "/" + "b" * 63])
def test_qualified_name_ok(v):
    assert N.is_qualified_name(v) == []


@pytest.mark.parametrize("v,errs", [
    ("-x", [QNAME_PART]),
    ("/simple", ["prefix part must be non-empty"]),
    ("x/", ["name part must be non-empty", QNAME_PART]),
    ("a" * 64, ["name part must be no more than 63 characters"]),
    ("Example.com/x", ["prefix part " + SUBDOMAIN_MSG]),
])
def test_qualified_name_bad(v, errs):
    assert N.is_qualified_name(v) == errs


def test_qualified_name_two_slashes():
    assert N.is_qualified_name("a/b/c") == [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
        "(e.g. 'example.com/MyName')"]


@pytest.mark.parametrize("v,errs", [
    ("", []), ("simple", []), ("1.2.3", []), ("a_b", []),
    ("-x", [LABEL_VALUE_MSG]),
    ("a" * 64, ["must be no more than 63 characters", ]),
    ("x y", [LABEL_VALUE_MSG]),
])
def test_label_value(v, errs):
    assert N.is_valid_label_value(v) == errs


@pytest.mark.parametrize("v,ok", [("MY_VAR", True), ("my.env-name", True), ("1X", False), ("A=B", False), ("_", True)])
def test_env_var_name(v, ok):
    assert (N.is_env_var_name(v) == []) == ok
    if not ok:
        assert N.is_env_var_name(v)[0] == (
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
            "and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex "
            "used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")


def test_env_var_dots():
    assert N.is_env_var_name("..") == ["must not be '..'"]
    assert N.is_env_var_name("..a") == ["must not start with '..'"]


@pytest.mark.parametrize("v,ok", [("a", True), ("_a", True), ("A_1", True), ("1a", False), ("a-b", False)])
def test_c_identifier(v, ok):
    assert (N.is_c_identifier(v) == []) == ok


@pytest.mark.parametrize("p,errs", [
    (1, []), (65535, []), (0, ["must be between 1 and 65535, inclusive"]),
    (65536, ["must be between 1 and 65535, inclusive"]),
])
def test_port_num(p, errs):
    assert N.is_valid_port_num(p) == errs


@pytest.mark.parametrize("p,errs", [
    ("http", []), ("a1", []), ("a-b", []),
    ("1234", ["must contain at least one letter (a-z)"]),
    ("a--b", ["must contain consecutive hyphens".replace("must", "must not")]),
    ("-ab", ["must not begin or end with a hyphen"]),
    ("Http", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
    ("abcdefghijklmnop", ["must be no more than 15 characters"]),
])
def test_port_name(p, errs):
    assert N.is_valid_port_name(p) == errs


@pytest.mark.parametrize("v,ok", [
    ("1.2.3.4", True), ("010.002.003.004", True), ("::1", True), ("2001:db8::ffff", True),
    ("1.2.3", False), ("256.1.1.1", False), ("a", False), ("", False), ("1.2.3.4/8", False),
])
def test_ip(v, ok):
    errs = N.is_valid_ip(new_path("spec", "clusterIP"), v)
    assert (len(errs) == 0) == ok
    if not ok:
        assert str(errs[0]) == (f'spec.clusterIP: Invalid value: "{v}": must be a valid IP address, '
                                "(e.g. 10.9.8.7 or 2001:db8::ffff)")


def test_config_map_key():
    assert N.is_config_map_key("a.b_c-d") == []
    assert N.is_config_map_key("a b") == [
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
        "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]


META = new_path("metadata")


def test_validate_labels():
    errs = N.validate_labels({"app": "web", "-bad": "ok", "ok": "-bad"}, META.child("labels"))
    assert [str(e) for e in errs] == [
        'metadata.labels: Invalid value: "-bad": ' + QNAME_PART,
        'metadata.labels: Invalid value: "-bad": ' + LABEL_VALUE_MSG,
    ]


def test_validate_annotations_size():
    errs = N.validate_annotations({"a": "x" * (256 * 1024)}, META.child("annotations"))
    assert [str(e) for e in errs] == ["metadata.annotations: Too long: must have at most 262144 bytes"]
    assert N.validate_annotations({"A.com/B": "x"}, META.child("annotations")) == []  # case-insensitive


def test_label_selector():
    sel = {"matchLabels": {"app": "web"},
           "matchExpressions": [{"key": "tier", "operator": "In", "values": []},
                                {"key": "x", "operator": "Exists", "values": ["a"]},
                                {"key": "y", "operator": "Has"}]}
    errs = N.validate_label_selector(sel, new_path("spec", "selector"))
    assert [str(e) for e in errs] == [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        'spec.selector.matchExpressions[2].operator: Invalid value: "Has": not a valid selector operator',
    ]


def test_nonnegative():
    assert [str(e) for e in N.validate_nonnegative_field(-1, new_path("spec", "replicas"))] == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"]


@pytest.mark.parametrize("meta,namespaced,fn,expect", [
    ({"name": "web", "namespace": "default"}, True, N.name_is_dns_subdomain, []),
    ({"namespace": "default"}, True, N.name_is_dns_subdomain,
     ["metadata.name: Required value: name or generateName is required"]),
    ({"name": "Web_1", "namespace": "default"}, True, N.name_is_dns_subdomain,
     ['metadata.name: Invalid value: "Web_1": ' + SUBDOMAIN_MSG]),
    ({"name": "web"}, True, N.name_is_dns_subdomain, ["metadata.namespace: Required value"]),
    ({"name": "n1", "namespace": "x"}, False, N.name_is_dns_label,
     ["metadata.namespace: Forbidden: not allowed on this type"]),
    ({"name": "a.b"}, False, N.name_is_dns_label, ['metadata.name: Invalid value: "a.b": must not contain dots']),
    ({"generateName": "web-", "name": "web-x1", "namespace": "d"}, True, N.name_is_dns_subdomain, []),
    ({"generateName": "Web-", "name": "web-x1", "namespace": "d"}, True, N.name_is_dns_subdomain,
     ['metadata.generateName: Invalid value: "Web-": ' + SUBDOMAIN_MSG]),
])
def test_object_meta(meta, namespaced, fn, expect):
    assert [str(e) for e in N.validate_object_meta(meta, namespaced, fn, META)] == expect


def test_object_meta_update():
    old = {"name": "a", "namespace": "d", "uid": "1", "resourceVersion": "5"}
    new = {"name": "b", "namespace": "d", "uid": "1", "resourceVersion": "5"}
    assert [str(e) for e in N.validate_object_meta_update(new, old, META)] == [
        'metadata.name: Invalid value: "b": field is immutable']

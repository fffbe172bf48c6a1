"""Name, label and metadata validation, with apimachinery's exact messages.

Sources (Kubernetes ~v1.31):
- ``staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`` (Is* checks)
- ``staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go`` (IsValidIP)
- ``staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go``
  (ValidateLabels, ValidateLabelSelector)
- ``staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go`` and
  ``generic.go`` (ValidateObjectMeta, NameIsDNSSubdomain, ValidateAnnotations)

The ``is_*`` functions return a list of message strings (empty when valid),
exactly like their Go counterparts; the ``validate_*`` functions return an
ErrorList of FieldErrors.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable, Mapping, Optional, Sequence

from ..field import ErrorList, Path, forbidden, invalid, required, too_long

__all__ = [
    "DNS1035_LABEL_MAX_LENGTH",
    "DNS1123_LABEL_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "FIELD_IMMUTABLE_ERROR_MSG",
    "IS_NEGATIVE_ERROR_MSG",
    "LABEL_VALUE_MAX_LENGTH",
    "QUALIFIED_NAME_MAX_LENGTH",
    "TOTAL_ANNOTATION_SIZE_LIMIT_B",
    "empty_error",
    "inclusive_range_error",
    "is_c_identifier",
    "is_config_map_key",
    "is_dns1035_label",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_env_var_name",
    "is_in_range",
    "is_qualified_name",
    "is_valid_ip",
    "is_valid_label_value",
    "is_valid_percent",
    "is_valid_port_name",
    "is_valid_port_num",
    "max_len_error",
    "name_is_dns1035_label",
    "name_is_dns_label",
    "name_is_dns_subdomain",
    "regex_error",
    "validate_annotations",
    "validate_immutable_field",
    "validate_label_name",
    "validate_label_selector",
    "validate_label_selector_requirement",
    "validate_labels",
    "validate_namespace_name",
    "validate_nonnegative_field",
    "validate_object_meta",
    "validate_object_meta_update",
]

# ---------------------------------------------------------------------------
# util/validation/validation.go: message helpers


def max_len_error(length: int) -> str:
    """MaxLenError."""
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """RegexError."""
    if not examples:
        return msg + " (regex used for validation is '" + fmt + "')"
    msg += " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += "'" + ex + "', "
    msg += "regex used for validation is '" + fmt + "')"
    return msg


def empty_error() -> str:
    """EmptyError."""
    return "must be non-empty"


def inclusive_range_error(lo: int, hi: int) -> str:
    """InclusiveRangeError."""
    return f"must be between {lo} and {hi}, inclusive"


def _blen(s: str) -> int:
    """Go's len(): bytes, not characters."""
    return len(s.encode("utf-8"))


def _full(fmt: str) -> "re.Pattern[str]":
    # Go's regexp "^...$" is an exact match (no trailing-newline leniency)
    return re.compile("(?:" + fmt + r")\Z")


# ---- qualified names (IsQualifiedName)
QUALIFIED_NAME_CHAR_FMT = "[A-Za-z0-9]"
QUALIFIED_NAME_EXT_CHAR_FMT = "[-A-Za-z0-9_.]"
QUALIFIED_NAME_FMT = "(" + QUALIFIED_NAME_CHAR_FMT + QUALIFIED_NAME_EXT_CHAR_FMT + "*)?" + QUALIFIED_NAME_CHAR_FMT
QUALIFIED_NAME_ERR_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                          "with an alphanumeric character")
QUALIFIED_NAME_MAX_LENGTH = 63
_qualified_name_re = _full(QUALIFIED_NAME_FMT)


def is_qualified_name(value: str) -> list[str]:
    """IsQualifiedName: ``[prefix/]name`` as used by label keys."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if len(prefix) == 0:
            errs.append("prefix part " + empty_error())
        else:
            msgs = is_dns1123_subdomain(prefix)
            errs.extend("prefix part " + m for m in msgs)
    else:
        return ["a qualified name " + regex_error(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT,
                                                  "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if len(name) == 0:
        errs.append("name part " + empty_error())
    elif _blen(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _qualified_name_re.match(name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT,
                                               "MyName", "my.name", "123-abc"))
    return errs


# ---- label values (IsValidLabelValue)
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERR_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
                       "'-', '_' or '.', and must start and end with an alphanumeric character")
LABEL_VALUE_MAX_LENGTH = 63
_label_value_re = _full(LABEL_VALUE_FMT)


def is_valid_label_value(value: str) -> list[str]:
    """IsValidLabelValue."""
    errs: list[str] = []
    if _blen(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _label_value_re.match(value):
        errs.append(regex_error(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# ---- DNS names
DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                         "or '-', and must start and end with an alphanumeric character")
DNS1123_LABEL_MAX_LENGTH = 63
_dns1123_label_re = _full(DNS1123_LABEL_FMT)

DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                             "characters, '-' or '.', and must start and end with an alphanumeric character")
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
_dns1123_subdomain_re = _full(DNS1123_SUBDOMAIN_FMT)

DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                         "start with an alphabetic character, and end with an alphanumeric character")
DNS1035_LABEL_MAX_LENGTH = 63
_dns1035_label_re = _full(DNS1035_LABEL_FMT)


def is_dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label."""
    errs: list[str] = []
    if _blen(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _dns1123_label_re.match(value):
        if _dns1123_subdomain_re.match(value):
            # a valid subdomain but not a label: since length was checked, it must be dots
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _dns1123_subdomain_re.match(value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label."""
    errs: list[str] = []
    if _blen(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _dns1035_label_re.match(value):
        errs.append(regex_error(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


# ---- C identifiers, env vars, config keys
C_IDENTIFIER_FMT = "[A-Za-z_][A-Za-z0-9_]*"
C_IDENTIFIER_ERR_MSG = ("a valid C identifier must start with alphabetic character or '_', followed by "
                        "a string of alphanumeric characters or '_'")
_c_identifier_re = _full(C_IDENTIFIER_FMT)


def is_c_identifier(value: str) -> list[str]:
    """IsCIdentifier."""
    if not _c_identifier_re.match(value):
        return [regex_error(C_IDENTIFIER_ERR_MSG, C_IDENTIFIER_FMT, "my_name", "MY_NAME", "MyName")]
    return []


ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
ENV_VAR_NAME_FMT_ERR_MSG = ("a valid environment variable name must consist of alphabetic characters, "
                            "digits, '_', '-', or '.', and must not start with a digit")
_env_var_name_re = _full(ENV_VAR_NAME_FMT)


def _has_ch_dir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_env_var_name(value: str) -> list[str]:
    """IsEnvVarName."""
    errs: list[str] = []
    if not _env_var_name_re.match(value):
        errs.append(regex_error(ENV_VAR_NAME_FMT_ERR_MSG, ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME",
                                "MyEnvName1"))
    errs.extend(_has_ch_dir_prefix(value))
    return errs


CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
CONFIG_MAP_KEY_ERR_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_config_map_key_re = _full(CONFIG_MAP_KEY_FMT)


def is_config_map_key(value: str) -> list[str]:
    """IsConfigMapKey (ConfigMap and Secret data keys)."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _config_map_key_re.match(value):
        errs.append(regex_error(CONFIG_MAP_KEY_ERR_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    errs.extend(_has_ch_dir_prefix(value))
    return errs


# ---- ports, ranges, percents

def is_valid_port_num(port: int) -> list[str]:
    """IsValidPortNum: 1..65535."""
    if 1 <= port <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


def is_in_range(value: int, lo: int, hi: int) -> list[str]:
    """IsInRange."""
    if lo <= value <= hi:
        return []
    return [inclusive_range_error(lo, hi)]


_port_name_charset_re = re.compile(r"[-a-z0-9]+\Z")
_port_name_one_letter_re = re.compile(r"[a-z]")


def is_valid_port_name(port: str) -> list[str]:
    """IsValidPortName (an IANA_SVC_NAME, RFC 6335)."""
    errs: list[str] = []
    if _blen(port) > 15:
        errs.append(max_len_error(15))
    if not _port_name_charset_re.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _port_name_one_letter_re.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


PERCENT_FMT = "[0-9]+%"
PERCENT_ERR_MSG = "a valid percent string must be a numeric string followed by an ending '%'"
_percent_re = _full(PERCENT_FMT)


def is_valid_percent(percent: str) -> list[str]:
    """IsValidPercent."""
    if not _percent_re.match(percent):
        return [regex_error(PERCENT_ERR_MSG, PERCENT_FMT, "1%", "93%")]
    return []


# ---- IP addresses (ip.go: IsValidIP uses netutils.ParseIPSloppy, which
# accepts IPv4 octets with leading zeros)

def _parse_ip_sloppy(value: str) -> Optional[ipaddress._BaseAddress]:
    if not value or value.strip() != value or "%" in value:
        return None
    if ":" not in value:
        parts = value.split(".")
        if len(parts) != 4 or not all(p.isdigit() and p.isascii() and 0 < len(p) for p in parts):
            return None
        if any(int(p) > 255 for p in parts):
            return None
        return ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
    try:
        return ipaddress.IPv6Address(value)
    except ValueError:
        return None


def is_valid_ip(fld_path: Path, value: str) -> ErrorList:
    """IsValidIP (ip.go)."""
    if _parse_ip_sloppy(value) is None:
        return ErrorList([invalid(fld_path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")])
    return ErrorList()


def is_valid_ipv4_address(fld_path: Path, value: str) -> ErrorList:
    ip = _parse_ip_sloppy(value)
    if ip is None or not (isinstance(ip, ipaddress.IPv4Address)
                          or (ip.ipv4_mapped is not None)):
        return ErrorList([invalid(fld_path, value, "must be a valid IPv4 address")])
    return ErrorList()


def is_valid_ipv6_address(fld_path: Path, value: str) -> ErrorList:
    ip = _parse_ip_sloppy(value)
    if ip is None or isinstance(ip, ipaddress.IPv4Address) or ip.ipv4_mapped is not None:
        return ErrorList([invalid(fld_path, value, "must be a valid IPv6 address")])
    return ErrorList()


# ---------------------------------------------------------------------------
# apis/meta/v1/validation/validation.go


def validate_label_name(label_name: str, fld_path: Path) -> ErrorList:
    """ValidateLabelName."""
    return ErrorList(invalid(fld_path, label_name, m) for m in is_qualified_name(label_name))


def validate_labels(labels: Optional[Mapping[str, str]], fld_path: Path) -> ErrorList:
    """ValidateLabels: keys must be qualified names, values valid label values.
    (Errors name the ``labels`` path itself, as upstream does.)"""
    errs = ErrorList()
    for k, v in (labels or {}).items():
        errs.extend(validate_label_name(k, fld_path))
        errs.extend(invalid(fld_path, v, m) for m in is_valid_label_value(v))
    return errs


LABEL_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist")


_MISSING = object()


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """The first of ``names`` that ``obj`` (a mapping or a model) has. (Every update is
    validated: the plain-dict test comes first, as the Mapping ABC's is several times slower.)"""
    if obj is None:
        return default
    if isinstance(obj, dict) or isinstance(obj, Mapping):
        for n in names:
            if n in obj:
                return obj[n]
        return default
    for n in names:
        v = getattr(obj, n, _MISSING)
        if v is not _MISSING:
            return v
    return default


def validate_label_selector_requirement(sr: Any, fld_path: Path,
                                        allow_invalid_label_value_in_selector: bool = False) -> ErrorList:
    """ValidateLabelSelectorRequirement (metav1)."""
    errs = ErrorList()
    op = _get(sr, "operator")
    values = _get(sr, "values") or []
    key = _get(sr, "key") or ""
    if op in ("In", "NotIn"):
        if len(values) == 0:
            errs.append(required(fld_path.child("values"),
                                 "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if len(values) > 0:
            errs.append(forbidden(fld_path.child("values"),
                                  "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    else:
        errs.append(invalid(fld_path.child("operator"), op if op is not None else "", "not a valid selector operator"))
    errs.extend(validate_label_name(key, fld_path.child("key")))
    if not allow_invalid_label_value_in_selector:
        for i, v in enumerate(values):
            errs.extend(invalid(fld_path.child("values").index(i), v, m) for m in is_valid_label_value(v))
    return errs


def validate_label_selector(ps: Any, fld_path: Path,
                            allow_invalid_label_value_in_selector: bool = False) -> ErrorList:
    """ValidateLabelSelector (metav1): matchLabels and matchExpressions.
    Accepts a model with match_labels/match_expressions or a plain dict."""
    errs = ErrorList()
    if ps is None:
        return errs
    errs.extend(validate_labels(_get(ps, "match_labels", "matchLabels") or {}, fld_path.child("matchLabels")))
    for i, expr in enumerate(_get(ps, "match_expressions", "matchExpressions") or []):
        errs.extend(validate_label_selector_requirement(
            expr, fld_path.child("matchExpressions").index(i), allow_invalid_label_value_in_selector))
    return errs


# ---------------------------------------------------------------------------
# api/validation/generic.go + objectmeta.go

FIELD_IMMUTABLE_ERROR_MSG = "field is immutable"
IS_NEGATIVE_ERROR_MSG = "must be greater than or equal to 0"
TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)  # 256 kB

ValidateNameFunc = Callable[[str, bool], list]


def _mask_trailing_dash(name: str) -> str:
    # generic.go maskTrailingDash: a generateName may end in '-'
    if _blen(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """NameIsDNSSubdomain (most object names)."""
    if prefix:
        name = _mask_trailing_dash(name)
    return is_dns1123_subdomain(name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """NameIsDNSLabel (namespaces, services' DNS label)."""
    if prefix:
        name = _mask_trailing_dash(name)
    return is_dns1123_label(name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    """NameIsDNS1035Label (services)."""
    if prefix:
        name = _mask_trailing_dash(name)
    return is_dns1035_label(name)


validate_namespace_name = name_is_dns_label  # ValidateNamespaceName


def validate_nonnegative_field(value: int, fld_path: Path) -> ErrorList:
    """ValidateNonnegativeField."""
    if value < 0:
        return ErrorList([invalid(fld_path, value, IS_NEGATIVE_ERROR_MSG)])
    return ErrorList()


def validate_annotations_size(annotations: Mapping[str, str]) -> Optional[str]:
    total = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_B:
        return f"annotations size {total} is larger than limit {TOTAL_ANNOTATION_SIZE_LIMIT_B}"
    return None


def validate_annotations(annotations: Optional[Mapping[str, str]], fld_path: Path) -> ErrorList:
    """ValidateAnnotations: keys are qualified names (case-insensitively);
    the total size of keys and values is at most 256 KiB."""
    errs = ErrorList()
    annotations = annotations or {}
    for k in annotations:
        errs.extend(invalid(fld_path, k, m) for m in is_qualified_name(k.lower()))
    if validate_annotations_size(annotations) is not None:
        errs.append(too_long(fld_path, "", TOTAL_ANNOTATION_SIZE_LIMIT_B))
    return errs


def validate_immutable_field(new_val: Any, old_val: Any, fld_path: Path) -> ErrorList:
    """ValidateImmutableField."""
    if new_val != old_val:
        return ErrorList([invalid(fld_path, new_val, FIELD_IMMUTABLE_ERROR_MSG)])
    return ErrorList()


def _validate_finalizers(finalizers: Sequence[str], fld_path: Path) -> ErrorList:
    errs = ErrorList()
    for f in finalizers:
        errs.extend(invalid(fld_path, f, m) for m in is_qualified_name(f))
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errs.append(invalid(fld_path, list(finalizers),
                            "finalizer orphan and foregroundDeletion cannot be both set"))
    return errs


def _validate_owner_references(refs: Sequence[Any], fld_path: Path) -> ErrorList:
    errs = ErrorList()
    first_controller = ""
    for ref in refs:
        api_version = _get(ref, "api_version", "apiVersion") or ""
        kind = _get(ref, "kind") or ""
        name = _get(ref, "name") or ""
        uid = _get(ref, "uid") or ""
        version = api_version.split("/")[-1] if api_version else ""
        if not version:
            errs.append(invalid(fld_path.child("apiVersion"), api_version, "version must not be empty"))
        if not kind:
            errs.append(invalid(fld_path.child("kind"), kind, "must not be empty"))
        if not name:
            errs.append(invalid(fld_path.child("name"), name, "must not be empty"))
        if not uid:
            errs.append(invalid(fld_path.child("uid"), uid, "must not be empty"))
        if api_version == "v1" and kind == "Event":
            errs.append(invalid(fld_path, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if _get(ref, "controller"):
            cur = f"{kind}/{name}"
            if first_controller:
                errs.append(invalid(fld_path, list(refs),
                                    f'Only one reference can have Controller set to true. Found "true" in '
                                    f"references for {first_controller} and {cur}"))
            else:
                first_controller = cur
    return errs


def validate_object_meta(meta: Any, requires_namespace: bool, name_fn: ValidateNameFunc,
                         fld_path: Path) -> ErrorList:
    """ValidateObjectMeta / ValidateObjectMetaAccessor (on create).

    ``meta`` is an ObjectMeta model or a plain dict.  Name rules come from
    ``name_fn`` (``name_is_dns_subdomain``, ``name_is_dns_label``, ...).
    """
    errs = ErrorList()
    generate_name = _get(meta, "generate_name", "generateName") or ""
    name = _get(meta, "name") or ""
    namespace = _get(meta, "namespace") or ""
    if generate_name:
        errs.extend(invalid(fld_path.child("generateName"), generate_name, m) for m in name_fn(generate_name, True))
    if not name:
        errs.append(required(fld_path.child("name"), "name or generateName is required"))
    else:
        errs.extend(invalid(fld_path.child("name"), name, m) for m in name_fn(name, False))
    if requires_namespace:
        if not namespace:
            errs.append(required(fld_path.child("namespace"), ""))
        else:
            errs.extend(invalid(fld_path.child("namespace"), namespace, m)
                        for m in validate_namespace_name(namespace, False))
    elif namespace:
        errs.append(forbidden(fld_path.child("namespace"), "not allowed on this type"))
    errs.extend(validate_nonnegative_field(_get(meta, "generation") or 0, fld_path.child("generation")))
    errs.extend(validate_labels(_get(meta, "labels") or {}, fld_path.child("labels")))
    errs.extend(validate_annotations(_get(meta, "annotations") or {}, fld_path.child("annotations")))
    errs.extend(_validate_owner_references(_get(meta, "owner_references", "ownerReferences") or [],
                                           fld_path.child("ownerReferences")))
    errs.extend(_validate_finalizers(_get(meta, "finalizers") or [], fld_path.child("finalizers")))
    return errs


def validate_object_meta_update(new: Any, old: Any, fld_path: Path) -> ErrorList:
    """ValidateObjectMetaUpdate (the cheap, common part)."""
    errs = ErrorList()
    rv = _get(new, "resource_version", "resourceVersion") or ""
    if not rv:
        errs.append(invalid(fld_path.child("resourceVersion"), rv, "must be specified for an update"))
    ng, og = _get(new, "generation") or 0, _get(old, "generation") or 0
    if ng < og:
        errs.append(invalid(fld_path.child("generation"), ng, "must not be decremented"))
    for attr, go in (("name", "name"), ("namespace", "namespace"), ("uid", "uid")):
        errs.extend(validate_immutable_field(_get(new, attr) or "", _get(old, attr) or "", fld_path.child(go)))
    errs.extend(validate_labels(_get(new, "labels") or {}, fld_path.child("labels")))
    errs.extend(validate_annotations(_get(new, "annotations") or {}, fld_path.child("annotations")))
    errs.extend(_validate_owner_references(_get(new, "owner_references", "ownerReferences") or [],
                                           fld_path.child("ownerReferences")))
    errs.extend(_validate_finalizers(_get(new, "finalizers") or [], fld_path.child("finalizers")))
    return errs

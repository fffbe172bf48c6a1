"""Field paths and field-level validation errors.

Mirrors ``staging/src/k8s.io/apimachinery/pkg/util/validation/field/path.go``
and ``.../field/errors.go``: the same type names, the same ``Error()`` /
``ErrorBody()`` strings, and bad values rendered as Go's ``fmt`` renders them
(strings ``%q``-quoted, numbers and bools bare, nil as ``null``, a Stringer by
its ``String()``, anything else with ``%#v``: ``[]string{"a", "b"}``,
``map[string]string{"a":"b"}``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field as _dc_field
from typing import Any, Iterable, Optional, Sequence

__all__ = [
    "ErrorList",
    "ErrorType",
    "FieldError",
    "OMIT_VALUE",
    "Path",
    "duplicate",
    "forbidden",
    "go_quote",
    "go_value",
    "internal_error",
    "invalid",
    "new_path",
    "not_found",
    "not_supported",
    "required",
    "too_long",
    "too_long_max_length",
    "too_many",
    "type_invalid",
]


class Path:
    """field.Path: ``new_path("spec").child("containers").index(0).child("name")``
    prints ``spec.containers[0].name``; ``.key("app")`` prints ``[app]``."""

    __slots__ = ("name", "index_", "parent")

    def __init__(self, name: str = "", index: str = "", parent: Optional["Path"] = None) -> None:
        self.name = name
        self.index_ = index
        self.parent = parent

    def root(self) -> "Path":
        p = self
        while p.parent is not None:
            p = p.parent
        return p

    def child(self, name: str, *more: str) -> "Path":
        """Path.Child(name, moreNames...)."""
        r = Path(name=name, parent=self)
        for n in more:
            r = Path(name=n, parent=r)
        return r

    def index(self, i: int) -> "Path":
        """Path.Index(i) -> ``[i]``."""
        return Path(index=str(i), parent=self)

    def key(self, k: str) -> "Path":
        """Path.Key(k) -> ``[k]``."""
        return Path(index=k, parent=self)

    def _elems(self) -> list["Path"]:
        elems = []
        p: Optional[Path] = self
        while p is not None:
            elems.append(p)
            p = p.parent
        elems.reverse()
        return elems

    def __str__(self) -> str:
        out = []
        for i, p in enumerate(self._elems()):
            if i > 0 and p.name:
                out.append(".")
            if p.name:
                out.append(p.name)
            else:
                out.append(f"[{p.index_}]")
        return "".join(out)

    def __repr__(self) -> str:
        return f"Path({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Path):
            return str(self) == str(other)
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    # Python conveniences
    def __truediv__(self, name: str) -> "Path":
        return self.child(name)

    def __getitem__(self, k: Any) -> "Path":
        return self.index(k) if isinstance(k, int) else self.key(str(k))


def new_path(name: str, *more: str) -> Path:
    """field.NewPath(name, moreNames...)."""
    r = Path(name=name)
    for n in more:
        r = Path(name=n, parent=r)
    return r


def _path_str(p: Any) -> str:
    if p is None:
        return "<nil>"
    return str(p)


class ErrorType:
    """field.ErrorType values (these are also the StatusCause ``reason``)."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"

    _STRINGS = {
        "FieldValueNotFound": "Not found",
        "FieldValueRequired": "Required value",
        "FieldValueDuplicate": "Duplicate value",
        "FieldValueInvalid": "Invalid value",
        "FieldValueNotSupported": "Unsupported value",
        "FieldValueForbidden": "Forbidden",
        "FieldValueTooLong": "Too long",
        "FieldValueTooMany": "Too many",
        "InternalError": "Internal error",
        "FieldValueTypeInvalid": "Invalid value",
    }

    @classmethod
    def string(cls, t: str) -> str:
        """ErrorType.String()."""
        try:
            return cls._STRINGS[t]
        except KeyError:
            raise ValueError(f"unrecognized validation error: {t!r}") from None


class _OmitValue:
    def __repr__(self) -> str:
        return "<omitted>"


OMIT_VALUE = _OmitValue()


# ---------------------------------------------------------------------------
# Go value rendering


def go_quote(s: str) -> str:
    """strconv.Quote / fmt %q for a string."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _go_float(f: float) -> str:
    """fmt %v of a float64 (strconv 'g' with the shortest representation)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    r = repr(f)
    if "e" in r or "E" in r:
        mant, exp = r.split("e")
        sign = "-" if exp.startswith("-") else "+"
        digits = exp.lstrip("+-").lstrip("0")
        return f"{mant}e{sign}{digits.zfill(2)}"
    if r.endswith(".0"):
        r = r[:-2]
    # Go switches to exponent form at 1e21 and below 1e-4
    if f != 0 and (abs(f) >= 1e21 or abs(f) < 1e-4):
        return _go_float_exp(f)
    return r


def _go_float_exp(f: float) -> str:
    s = f"{f:.17e}"
    # shortest round-tripping mantissa
    for p in range(0, 18):
        cand = f"{f:.{p}e}"
        if float(cand) == f:
            s = cand
            break
    mant, exp = s.split("e")
    sign = "-" if exp.startswith("-") else "+"
    digits = exp.lstrip("+-").lstrip("0")
    return f"{mant}e{sign}{digits.zfill(2)}"


def _go_type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        inner = {_go_type_name(x) for x in v}
        return "[]" + (inner.pop() if len(inner) == 1 else "interface {}")
    if isinstance(v, dict):
        ks = {_go_type_name(k) for k in v}
        vs = {_go_type_name(x) for x in v.values()}
        k = ks.pop() if len(ks) == 1 else "string"
        val = vs.pop() if len(vs) == 1 else "interface {}"
        return f"map[{k}]{val}"
    return getattr(v, "__go_type__", None) or type(v).__name__


def _go_sharp_v(v: Any, top: bool = True) -> str:
    """fmt %#v, approximately, for Python values."""
    if v is None:
        return "interface {}(nil)" if top else "nil"
    go = getattr(v, "__go_repr__", None)  # a value that knows its Go type (a named slice, a struct)
    if callable(go):
        return go()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, (list, tuple)):
        return _go_type_name(v) + "{" + ", ".join(_go_sharp_v(x, False) for x in v) + "}"
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: str(kv[0]))  # fmt sorts map keys
        return _go_type_name(v) + "{" + ", ".join(
            f"{_go_sharp_v(k, False)}:{_go_sharp_v(x, False)}" for k, x in items) + "}"
    # pydantic models and other objects: a Go struct literal of their set fields
    fields = None
    if hasattr(v, "model_dump"):
        try:
            fields = {k: getattr(v, k) for k in v.model_fields_set} if hasattr(v, "model_fields_set") else None
        except Exception:  # pragma: no cover
            fields = None
    if fields is not None:
        cls = type(v)
        order = list(getattr(cls, "model_fields", {}).keys())
        parts = []
        for k in order:
            if k in fields:
                parts.append(f"{_go_field_name(k)}:{_go_sharp_v(fields[k], False)}")
        mod = cls.__module__.rsplit(".", 1)[-1]
        return f"{mod}.{cls.__name__}{{" + ", ".join(parts) + "}"
    return repr(v)


def _go_field_name(k: str) -> str:
    return k[:1].upper() + k[1:]


def go_value(v: Any) -> str:
    """How field.Error renders a bad value in ErrorBody()."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, str):
        return go_quote(v)
    # fmt.Stringer: a Quantity, a Path, ... (their String(), unquoted)
    from .quantity import Quantity

    if isinstance(v, (Quantity, Path)):
        return str(v)
    stringer = getattr(v, "__go_string__", None)
    if callable(stringer):
        return stringer()
    return _go_sharp_v(v)


@dataclass
class FieldError(Exception):
    """field.Error: a field-level validation error."""

    type: str
    field: str
    bad_value: Any = None
    detail: str = ""
    origin: str = _dc_field(default="", compare=False)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.error())
        if isinstance(self.field, Path):
            self.field = str(self.field)

    def error_body(self) -> str:
        """Error.ErrorBody(): the message without the field name."""
        t = self.type
        if t in (ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL) \
                or self.bad_value is OMIT_VALUE:
            s = ErrorType.string(t)
        else:
            s = f"{ErrorType.string(t)}: {go_value(self.bad_value)}"
        if self.detail:
            s += f": {self.detail}"
        return s

    def error(self) -> str:
        """Error.Error(): ``<field>: <body>``."""
        return f"{self.field}: {self.error_body()}"

    def __str__(self) -> str:
        return self.error()

    def __hash__(self) -> int:
        return hash((self.type, self.field, self.detail))

    def with_origin(self, origin: str) -> "FieldError":
        self.origin = origin
        return self

    def to_cause(self) -> dict:
        """The metav1.StatusCause NewInvalid builds from this error."""
        return {"reason": self.type, "message": self.error_body(), "field": self.field}


# ---- constructors (field/errors.go)

def type_invalid(path: Any, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.TYPE_INVALID, _path_str(path), value, detail)


def not_found(path: Any, value: Any) -> FieldError:
    return FieldError(ErrorType.NOT_FOUND, _path_str(path), value, "")


def required(path: Any, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, _path_str(path), "", detail)


def duplicate(path: Any, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, _path_str(path), value, "")


def invalid(path: Any, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, _path_str(path), value, detail)


def not_supported(path: Any, value: Any, valid_values: Sequence[str]) -> FieldError:
    detail = ""
    if valid_values:
        detail = "supported values: " + ", ".join(go_quote(v) for v in valid_values)
    return FieldError(ErrorType.NOT_SUPPORTED, _path_str(path), value, detail)


def forbidden(path: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, _path_str(path), "", detail)


def too_long(path: Any, value: Any, max_length: int) -> FieldError:
    return FieldError(ErrorType.TOO_LONG, _path_str(path), value, f"must have at most {max_length} bytes")


def too_long_max_length(path: Any, value: Any, max_length: int) -> FieldError:
    msg = f"may not be longer than {max_length}" if max_length >= 0 else "value is too long"
    return FieldError(ErrorType.TOO_LONG, _path_str(path), value, msg)


def too_many(path: Any, actual_quantity: int, max_quantity: int) -> FieldError:
    msg = f"must have at most {max_quantity} items" if max_quantity >= 0 else "has too many items"
    actual: Any = actual_quantity if actual_quantity >= 0 else OMIT_VALUE
    return FieldError(ErrorType.TOO_MANY, _path_str(path), actual, msg)


def internal_error(path: Any, err: Any) -> FieldError:
    return FieldError(ErrorType.INTERNAL, _path_str(path), None, str(err))


class ErrorList(list):
    """field.ErrorList."""

    def to_aggregate_message(self) -> Optional[str]:
        """ToAggregate().Error(): None when empty, the one message alone,
        else ``[a, b]`` with duplicate messages dropped."""
        msgs: list[str] = []
        for e in self:
            m = str(e)
            if m not in msgs:
                msgs.append(m)
        if not msgs:
            return None
        if len(msgs) == 1:
            return msgs[0]
        return "[" + ", ".join(msgs) + "]"

    def filter(self, *types: str) -> "ErrorList":
        """ErrorList.Filter(NewErrorTypeMatcher(t)...): drop those types."""
        return ErrorList(e for e in self if e.type not in types)

    def __str__(self) -> str:
        return self.to_aggregate_message() or ""


def aggregate_message(errs: Iterable[Any]) -> Optional[str]:
    """utilerrors.NewAggregate(errs).Error()."""
    return ErrorList(errs).to_aggregate_message()

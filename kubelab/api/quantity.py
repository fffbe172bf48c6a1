"""Resource quantities, exactly as Kubernetes' ``resource.Quantity``.

Mirrors ``staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go``,
``amount.go`` and ``suffix.go``: the same grammar, the same error strings, the
same rounding (values finer than a nano round *away from zero* to 1n), the same
binary-SI cap at 2^63-1 and the same canonical ``String()`` -- including the
quirk that a parsed string already in canonical form is kept verbatim (so
``"+1"`` prints as ``+1`` and ``"1E3"`` as ``1E3``, as the real apiserver
echoes them back).

No floats anywhere: a value is an exact ``mantissa * 10**exponent`` pair of
Python ints (inf.Dec in Go).

    <quantity>        ::= <signedNumber><suffix>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Union

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "ERR_FORMAT_WRONG",
    "ERR_NUMERIC",
    "ERR_SUFFIX",
    "Quantity",
    "QuantityParseError",
    "QuantityStr",
    "must_parse",
    "parse_quantity",
]

# Format -- quantity.go
DECIMAL_EXPONENT = "DecimalExponent"  # e.g., 12e6
BINARY_SI = "BinarySI"  # e.g., 12Mi (12 * 2^20)
DECIMAL_SI = "DecimalSI"  # e.g., 12M  (12 * 10^6)

# quantity.go: splitREString and the three parse errors, verbatim.
SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

# amount.go scales
NANO, MICRO, MILLI, KILO, MEGA, GIGA, TERA, PETA, EXA = -9, -6, -3, 3, 6, 9, 12, 15, 18

_MAX_INT64 = (1 << 63) - 1
_MIN_INT64 = -(1 << 63)
_MAX_INT32 = (1 << 31) - 1
_MAX_INT64_FACTORS = 18  # math.go: maxInt64Factors

# suffix.go: newSuffixer()
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BIN_BY_EXP = {v: k for k, v in _BIN_SUFFIXES.items()}
_DEC_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DEC_BY_EXP = {v: k for k, v in _DEC_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_GO_INT_RE = re.compile(r"[+-]?[0-9]+\Z")


class QuantityParseError(ValueError):
    """ParseQuantity's error; ``str()`` is the Go error text, verbatim."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _interpret(suffix: str) -> tuple[int, int, str]:
    """suffix.go interpret(): (base, exponent, format) or raise ErrSuffix."""
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        rest = suffix[1:]
        # strconv.ParseInt(s, 10, 64); the exponent must then fit an int32
        # scale that can be negated (quantity_test.go TestInterpretExponentInt32Bounds).
        if _GO_INT_RE.match(rest):
            exp = int(rest)
            if -_MAX_INT32 <= exp <= _MAX_INT32:
                return 10, exp, DECIMAL_EXPONENT
    raise QuantityParseError(ERR_SUFFIX)


def _parse_quantity_string(s: str) -> tuple[bool, str, str, str]:
    """quantity.go parseQuantityString: (positive, num, denom, suffix)."""
    positive = True
    pos = 0
    end = len(s)
    if pos < end:
        if s[0] == "-":
            positive = False
            pos += 1
        elif s[0] == "+":
            pos += 1
    # strip leading zeros
    while True:
        if pos >= end:
            return positive, "0", "", ""
        if s[pos] == "0":
            pos += 1
        else:
            break
    # the numerator
    start = pos
    while pos < end and s[pos] in _DIGITS:
        pos += 1
    num = s[start:pos] or "0"
    if pos >= end:
        return positive, num, "", ""
    denom = ""
    if s[pos] == ".":
        pos += 1
        start = pos
        while pos < end and s[pos] in _DIGITS:
            pos += 1
        denom = s[start:pos]
        if pos >= end:
            return positive, num, denom, ""
    # the suffix: [eEinumkKMGTP]* [-+]? [0-9]*
    suffix_start = pos
    while pos < end and s[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos >= end:
        return positive, num, denom, s[suffix_start:]
    if s[pos] in "+-":
        pos += 1
    while pos < end and s[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return positive, num, denom, s[suffix_start:]
    # a non-digit after the exponent's digits
    raise QuantityParseError(ERR_FORMAT_WRONG)


def _round_away(n: int, d: int) -> int:
    """n / d rounded away from zero (d > 0)."""
    q, r = divmod(abs(n), d)
    if r:
        q += 1
    return q if n >= 0 else -q


def _strip_tens(m: int, e: int) -> tuple[int, int]:
    if m == 0:
        return 0, 0
    while m % 10 == 0:
        m //= 10
        e += 1
    return m, e


class Quantity:
    """An exact fixed-point quantity: ``mantissa * 10**exponent`` plus a Format.

    Immutable; arithmetic returns new quantities.  ``str()`` is the canonical
    form Kubernetes serialises (``Quantity.String()``).
    """

    __slots__ = ("_m", "_e", "format", "_s")

    def __init__(self, mantissa: int = 0, exponent: int = 0, format: str = DECIMAL_SI,
                 _s: str | None = None) -> None:
        self._m = int(mantissa)
        self._e = int(exponent)
        self.format = format
        self._s = _s

    # ---- constructors (quantity.go NewQuantity / NewMilliQuantity / NewScaledQuantity)
    @classmethod
    def new(cls, value: int, format: str = DECIMAL_SI) -> "Quantity":
        return cls(value, 0, format)

    @classmethod
    def new_milli(cls, value: int, format: str = DECIMAL_SI) -> "Quantity":
        return cls(value, MILLI, format)

    @classmethod
    def new_scaled(cls, value: int, scale: int) -> "Quantity":
        return cls(value, scale, DECIMAL_SI)

    @classmethod
    def parse(cls, value: Union[str, int, float, "Quantity"]) -> "Quantity":
        return parse_quantity(value)

    # ---- accessors
    def as_decimal(self) -> Decimal:
        return Decimal(self._m).scaleb(self._e)

    def as_fraction(self):
        from fractions import Fraction
        return Fraction(self._m) * (Fraction(10) ** self._e)

    def sign(self) -> int:
        return (self._m > 0) - (self._m < 0)

    def is_zero(self) -> bool:
        return self._m == 0

    def scaled_value(self, scale: int) -> int:
        """ceil(q / 10^scale), rounding away from zero (Quantity.ScaledValue).

        Where Go silently overflows int64, this saturates.
        """
        if self._m == 0:
            return 0
        delta = self._e - scale
        if delta >= 0:
            if delta > 19 + len(str(abs(self._m))):
                return _MAX_INT64 if self._m > 0 else _MIN_INT64
            v = self._m * 10 ** delta
        else:
            if -delta > len(str(abs(self._m))) + 1:
                return 1 if self._m > 0 else -1
            v = _round_away(self._m, 10 ** (-delta))
        return max(_MIN_INT64, min(_MAX_INT64, v))

    def value(self) -> int:
        """Quantity.Value(): the integer value rounded away from zero."""
        return self.scaled_value(0)

    def milli_value(self) -> int:
        """Quantity.MilliValue(): ceil(q * 1000), away from zero."""
        return self.scaled_value(MILLI)

    def as_int64(self) -> tuple[int, bool]:
        """(value, True) when q is an integer that fits an int64."""
        if self._e < 0:
            m, e = _strip_tens(self._m, self._e)
            if e < 0:
                return 0, False
        else:
            m, e = self._m, self._e
        if e > 19:
            return 0, False
        v = m * 10 ** e
        if _MIN_INT64 <= v <= _MAX_INT64:
            return v, True
        return 0, False

    def as_approximate_float64(self) -> float:
        return float(self.as_decimal())

    def round_up(self, scale: int) -> tuple["Quantity", bool]:
        """Quantity.RoundUp: (rounded quantity, exact)."""
        if self._e >= scale:
            return self, True
        m = _round_away(self._m, 10 ** (scale - self._e))
        q = Quantity(m, scale, self.format)
        return q, q.cmp(self) == 0

    # ---- canonical form (Quantity.CanonicalizeBytes / String)
    def _canonical_base10(self) -> tuple[str, int]:
        m, e = _strip_tens(self._m, self._e)
        k = e % 3  # Python's modulo: floors the exponent to a multiple of 3
        if k:
            m *= 10 ** k
            e -= k
        return str(m), e

    def canonicalize(self) -> tuple[str, str]:
        """(number, suffix) of the canonical form."""
        if self._m == 0:
            return "0", ""
        fmt = self.format
        rounded = None
        if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
            pass
        elif fmt == BINARY_SI:
            if self._in_open_1024():
                fmt = DECIMAL_SI
            else:
                r, exact = self.round_up(0)
                if not exact:
                    fmt = DECIMAL_SI
                else:
                    rounded = r
        else:
            fmt = DECIMAL_EXPONENT

        if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
            number, exponent = self._canonical_base10()
            if fmt == DECIMAL_SI and exponent in _DEC_BY_EXP:
                return number, _DEC_BY_EXP[exponent]
            # DecimalSI has no suffix past "E" or below "n": fall back to exponent notation.
            return number, ("" if exponent == 0 else "e" + str(exponent))
        # BinarySI: AsCanonicalBase1024Bytes
        assert rounded is not None
        v = rounded._m * 10 ** rounded._e
        times = 0
        while v % 1024 == 0 and v != 0:
            v //= 1024
            times += 1
        if times == 0:
            return str(v), ""
        if times * 10 in _BIN_BY_EXP:
            return str(v), _BIN_BY_EXP[times * 10]
        # past "Ei" there is no binary suffix: show an exact decimal instead
        return Quantity(self._m, self._e, DECIMAL_SI).canonicalize()

    def _in_open_1024(self) -> bool:
        return self.cmp(Quantity(-1024)) > 0 and self.cmp(Quantity(1024)) < 0

    def cmp_int(self, y: int) -> int:
        return self.cmp(Quantity(y))

    def __str__(self) -> str:
        if self._s is None:
            number, suffix = self.canonicalize()
            self._s = number + suffix
        return self._s

    def canonical(self) -> str:
        """The canonical form, ignoring a string cached from parsing."""
        number, suffix = self.canonicalize()
        return number + suffix

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    # ---- comparison (Quantity.Cmp)
    def cmp(self, other: Any) -> int:
        o = _coerce(other)
        a_m, a_e = self._m, self._e
        b_m, b_e = o._m, o._e
        sa, sb = (a_m > 0) - (a_m < 0), (b_m > 0) - (b_m < 0)
        if sa != sb:
            return 1 if sa > sb else -1
        if sa == 0:
            return 0
        # settle by magnitude first so a huge exponent never gets expanded
        da = len(str(abs(a_m))) + a_e
        db = len(str(abs(b_m))) + b_e
        if da != db:
            return sa if da > db else -sa
        e = min(a_e, b_e)
        x = a_m * 10 ** (a_e - e)
        y = b_m * 10 ** (b_e - e)
        return (x > y) - (x < y)

    def __eq__(self, other: object) -> bool:
        try:
            return self.cmp(other) == 0
        except (TypeError, QuantityParseError):
            return NotImplemented

    def __ne__(self, other: object) -> bool:
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __lt__(self, other: Any) -> bool:
        return self.cmp(other) < 0

    def __le__(self, other: Any) -> bool:
        return self.cmp(other) <= 0

    def __gt__(self, other: Any) -> bool:
        return self.cmp(other) > 0

    def __ge__(self, other: Any) -> bool:
        return self.cmp(other) >= 0

    def __hash__(self) -> int:
        return hash(_strip_tens(self._m, self._e))

    def __bool__(self) -> bool:
        return self._m != 0

    # ---- arithmetic (Quantity.Add / Sub / Neg / Mul)
    def __add__(self, other: Any) -> "Quantity":
        o = _coerce(other)
        fmt = o.format if self._m == 0 else self.format
        e = min(self._e, o._e)
        m = self._m * 10 ** (self._e - e) + o._m * 10 ** (o._e - e)
        return Quantity(m, e, fmt)

    def __radd__(self, other: Any) -> "Quantity":
        if isinstance(other, int) and other == 0:  # sum() starts from 0
            return Quantity(self._m, self._e, self.format)
        return _coerce(other).__add__(self)

    def __sub__(self, other: Any) -> "Quantity":
        o = _coerce(other)
        return self.__add__(Quantity(-o._m, o._e, o.format)) if self._m else Quantity(-o._m, o._e, o.format)

    def __rsub__(self, other: Any) -> "Quantity":
        return _coerce(other).__sub__(self)

    def __neg__(self) -> "Quantity":
        return Quantity(-self._m, self._e, self.format)

    def __abs__(self) -> "Quantity":
        return Quantity(abs(self._m), self._e, self.format)

    def __mul__(self, y: int) -> "Quantity":
        if not isinstance(y, int) or isinstance(y, bool):
            return NotImplemented
        return Quantity(self._m * y, self._e, self.format)

    __rmul__ = __mul__

    # ---- pydantic v2 support: a field typed Quantity accepts str/int/float
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            _pydantic_validate,
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="always"),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict:
        return {"anyOf": [{"type": "string"}, {"type": "number"}], "format": "quantity"}


def _coerce(v: Any) -> Quantity:
    if isinstance(v, Quantity):
        return v
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return parse_quantity(v)
    raise TypeError(f"cannot compare Quantity with {type(v).__name__}")


def _pydantic_validate(v: Any) -> Quantity:
    from pydantic_core import PydanticCustomError

    if isinstance(v, Quantity):
        return v
    try:
        return parse_quantity(v)
    except QuantityParseError as e:
        # The text is Go's error, verbatim: the apiserver turns it into the
        # BadRequest "<Kind> in version "v1" cannot be handled as a <Kind>: ..."
        # (see kubelab.api.errors.new_decode_error).
        raise PydanticCustomError("quantity", e.message.replace("{", "{{").replace("}", "}}")) from None


def _number_text(v: Union[int, float]) -> str:
    """The text a JSON number arrives as (UnmarshalJSON parses the raw bytes)."""
    if isinstance(v, bool):
        raise QuantityParseError(ERR_FORMAT_WRONG)
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        raise QuantityParseError(ERR_FORMAT_WRONG)
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def parse_quantity(value: Union[str, int, float, Quantity]) -> Quantity:
    """resource.ParseQuantity.  Raises QuantityParseError with Go's message.

    An int or float is parsed from the text a JSON number would carry, the
    way Quantity.UnmarshalJSON sees ``cpu: 0.5`` once kubectl has sent it.
    """
    if type(value) is str:
        # the same few strings ("50m", "64Mi", a node's capacity) are parsed on every write,
        # validation and scheduling pass: a Quantity is immutable, so each is parsed once
        q = _PARSED.get(value)
        if q is not None:
            return q
        q = _parse(value)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[value] = q
        return q
    if isinstance(value, Quantity):
        return value
    if isinstance(value, (int, float)):
        value = _number_text(value)
    if not isinstance(value, str):
        raise QuantityParseError(ERR_FORMAT_WRONG)
    return _parse(value)


_PARSED: dict[str, Quantity] = {}
_PARSED_MAX = 8192


def _parse(s: str) -> Quantity:
    if len(s) == 0:
        raise QuantityParseError(ERR_FORMAT_WRONG)
    if s == "0":
        return Quantity(0, 0, DECIMAL_SI, _s=s)

    positive, num, denom, suf = _parse_quantity_string(s)
    base, exponent, fmt = _interpret(suf)

    # The int64 fast path of ParseQuantity decides whether the input string is
    # already canonical and is kept verbatim for String().
    cached = None
    if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
        scale = exponent
        mantissa = 1
    else:
        scale = 0
        if exponent >= 0 and len(denom) == 0:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            mantissa = 1
            precision = -1
    if precision >= 0:
        scale -= len(denom)
        if scale >= NANO:
            shifted = num + denom
            iv = int(shifted)
            if iv <= _MAX_INT64 and iv * mantissa <= _MAX_INT64:
                result = iv * mantissa
                if not positive:
                    result = -result
                if fmt == BINARY_SI:
                    if exponent % 10 == 0 and (iv & 0x07) != 0:
                        cached = s
                elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
                    cached = s
                return Quantity(result, scale, fmt, _s=cached)

    # The general (inf.Dec) path.
    m = int(num + denom)
    e = -len(denom)
    if base == 10:
        e += exponent
    else:
        m <<= exponent
    # Round a non-zero value up (away from zero) to nano: "if you want some
    # resources, you should get some resources".
    if m != 0 and e < NANO:
        shift = NANO - e
        if shift > len(str(m)) + 1:
            m = 1
        else:
            m = _round_away(m, 10 ** shift)
        e = NANO
    # BinarySI is capped at 2^63-1 (maxAllowed).
    if fmt == BINARY_SI and Quantity(m, e).cmp(Quantity(_MAX_INT64)) > 0:
        m, e = _MAX_INT64, 0
    if fmt == BINARY_SI and m != 0 and Quantity(m, e).cmp(Quantity(1)) < 0:
        # "This avoids rounding and hopefully confusion, too."
        fmt = DECIMAL_SI
    if not positive:
        m = -m
    return Quantity(m, e, fmt)


def must_parse(value: Union[str, int, float]) -> Quantity:
    """resource.MustParse, raising ValueError("cannot parse '<s>': <err>")."""
    try:
        return parse_quantity(value)
    except QuantityParseError as e:
        raise ValueError(f"cannot parse '{value}': {e}") from None


# A pydantic field type: ``requests: dict[str, QuantityStr]`` accepts "500m",
# 1, 0.5 and Quantity, stores a Quantity, and serialises as its canonical string.
QuantityStr = Quantity

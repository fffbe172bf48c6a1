"""Quantity tests: tables from upstream's quantity_test.go
(staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go)."""

import pytest
from pydantic import BaseModel, ValidationError

from kubelab.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT_WRONG,
    ERR_SUFFIX,
    Quantity,
    QuantityParseError,
    QuantityStr,
    must_parse,
    parse_quantity,
)

MAX_ALLOWED = (1 << 63) - 1


def dec(i, exponent, fmt):  # decQuantity(i, exponent, format)
    return Quantity(i, exponent, fmt)


# TestQuantityParse
PARSE_TABLE = [
    ("0", dec(0, 0, DECIMAL_SI)),
    ("0n", dec(0, 0, DECIMAL_SI)),
    ("0u", dec(0, 0, DECIMAL_SI)),
    ("0m", dec(0, 0, DECIMAL_SI)),
    ("0Ki", dec(0, 0, BINARY_SI)),
    ("0k", dec(0, 0, DECIMAL_SI)),
    ("0Mi", dec(0, 0, BINARY_SI)),
    ("0M", dec(0, 0, DECIMAL_SI)),
    ("0Gi", dec(0, 0, BINARY_SI)),
    ("0G", dec(0, 0, DECIMAL_SI)),
    ("0Ti", dec(0, 0, BINARY_SI)),
    ("0T", dec(0, 0, DECIMAL_SI)),
    ("1", dec(1, 0, DECIMAL_SI)),
    ("1Ki", dec(1024, 0, BINARY_SI)),
    ("8Ki", dec(8 * 1024, 0, BINARY_SI)),
    ("7Mi", dec(7 * 1024**2, 0, BINARY_SI)),
    ("6Gi", dec(6 * 1024**3, 0, BINARY_SI)),
    ("5Ti", dec(5 * 1024**4, 0, BINARY_SI)),
    ("4Pi", dec(4 * 1024**5, 0, BINARY_SI)),
    ("3Ei", dec(3 * 1024**6, 0, BINARY_SI)),
    ("10Ti", dec(10 * 1024**4, 0, BINARY_SI)),
    ("100Ti", dec(100 * 1024**4, 0, BINARY_SI)),
    ("5n", dec(5, -9, DECIMAL_SI)),
    ("4u", dec(4, -6, DECIMAL_SI)),
    ("3m", dec(3, -3, DECIMAL_SI)),
    ("9", dec(9, 0, DECIMAL_SI)),
    ("8k", dec(8, 3, DECIMAL_SI)),
    ("50k", dec(5, 4, DECIMAL_SI)),
    ("7M", dec(7, 6, DECIMAL_SI)),
    ("6G", dec(6, 9, DECIMAL_SI)),
    ("5T", dec(5, 12, DECIMAL_SI)),
    ("40T", dec(4, 13, DECIMAL_SI)),
    ("300T", dec(3, 14, DECIMAL_SI)),
    ("2P", dec(2, 15, DECIMAL_SI)),
    ("1E", dec(1, 18, DECIMAL_SI)),
    ("1E-3", dec(1, -3, DECIMAL_EXPONENT)),
    ("1e3", dec(1, 3, DECIMAL_EXPONENT)),
    ("1E6", dec(1, 6, DECIMAL_EXPONENT)),
    ("1e9", dec(1, 9, DECIMAL_EXPONENT)),
    ("1E12", dec(1, 12, DECIMAL_EXPONENT)),
    ("1e15", dec(1, 15, DECIMAL_EXPONENT)),
    ("1E18", dec(1, 18, DECIMAL_EXPONENT)),
    ("1e14", dec(1, 14, DECIMAL_EXPONENT)),
    ("1e13", dec(1, 13, DECIMAL_EXPONENT)),
    ("100.035k", dec(100035, 0, DECIMAL_SI)),
    ("0.001", dec(1, -3, DECIMAL_SI)),
    ("0.0005k", dec(5, -1, DECIMAL_SI)),
    ("0.005", dec(5, -3, DECIMAL_SI)),
    ("0.05", dec(5, -2, DECIMAL_SI)),
    ("0.5", dec(5, -1, DECIMAL_SI)),
    ("0.00050k", dec(5, -1, DECIMAL_SI)),
    ("0.00500", dec(5, -3, DECIMAL_SI)),
    ("0.05000", dec(5, -2, DECIMAL_SI)),
    ("0.50000", dec(5, -1, DECIMAL_SI)),
    ("0.5e0", dec(5, -1, DECIMAL_EXPONENT)),
    ("0.5e-1", dec(5, -2, DECIMAL_EXPONENT)),
    ("0.5e-2", dec(5, -3, DECIMAL_EXPONENT)),
    ("10.035M", dec(10035, 3, DECIMAL_SI)),
    ("1.2e3", dec(12, 2, DECIMAL_EXPONENT)),
    ("1.3E+6", dec(13, 5, DECIMAL_EXPONENT)),
    ("1.40e9", dec(14, 8, DECIMAL_EXPONENT)),
    ("1.53E12", dec(153, 10, DECIMAL_EXPONENT)),
    ("1.6e15", dec(16, 14, DECIMAL_EXPONENT)),
    ("1.7E18", dec(17, 17, DECIMAL_EXPONENT)),
    ("9.01", dec(901, -2, DECIMAL_SI)),
    ("8.1k", dec(81, 2, DECIMAL_SI)),
    ("7.123456M", dec(7123456, 0, DECIMAL_SI)),
    ("6.987654321G", dec(6987654321, 0, DECIMAL_SI)),
    ("5.444T", dec(5444, 9, DECIMAL_SI)),
    ("40.1T", dec(401, 11, DECIMAL_SI)),
    ("300.2T", dec(3002, 11, DECIMAL_SI)),
    ("2.5P", dec(25, 14, DECIMAL_SI)),
    ("1.01E", dec(101, 16, DECIMAL_SI)),
    # Things that saturate/round
    ("3.001n", dec(4, -9, DECIMAL_SI)),
    ("1.1E-9", dec(2, -9, DECIMAL_EXPONENT)),
    ("0.0000000001", dec(1, -9, DECIMAL_SI)),
    ("0.0000000005", dec(1, -9, DECIMAL_SI)),
    ("0.00000000050", dec(1, -9, DECIMAL_SI)),
    ("0.5e-9", dec(1, -9, DECIMAL_EXPONENT)),
    ("0.9n", dec(1, -9, DECIMAL_SI)),
    ("0.00000012345", dec(124, -9, DECIMAL_SI)),
    ("0.00000012354", dec(124, -9, DECIMAL_SI)),
    ("9Ei", dec(MAX_ALLOWED, 0, BINARY_SI)),
    ("9223372036854775807Ki", dec(MAX_ALLOWED, 0, BINARY_SI)),
    ("12E", dec(12, 18, DECIMAL_SI)),
    # fractional binary
    ("100.035Ki", dec(10243584, -2, BINARY_SI)),
    ("0.5Mi", dec(512 * 1024, 0, BINARY_SI)),
    ("0.05Gi", dec(536870912, -1, BINARY_SI)),
    ("0.025Ti", dec(274877906944, -1, BINARY_SI)),
    # Things written by trolls
    ("0.000000000001Ki", dec(2, -9, DECIMAL_SI)),  # rounds up, changes format
    (".001", dec(1, -3, DECIMAL_SI)),
    (".0001k", dec(100, -3, DECIMAL_SI)),
    ("1.", dec(1, 0, DECIMAL_SI)),
    ("1.G", dec(1, 9, DECIMAL_SI)),
]


@pytest.mark.parametrize("text,expect", PARSE_TABLE)
def test_parse(text, expect):
    got = parse_quantity(text)
    assert got.cmp(expect) == 0, (text, str(got))
    assert got.format == expect.format


@pytest.mark.parametrize("text,expect", PARSE_TABLE)
def test_parse_negative_and_plus(text, expect):
    neg = parse_quantity("-" + text)
    assert neg.cmp(-expect) == 0
    assert neg.format == expect.format
    plus = parse_quantity("+" + text)
    assert plus.cmp(expect) == 0
    assert plus.format == expect.format


INVALID = ["1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-",
           "1e4294967297", " 1", "1 ", "", "abc", "32MMi"]


@pytest.mark.parametrize("text", INVALID)
def test_parse_invalid(text):
    with pytest.raises(QuantityParseError):
        parse_quantity(text)


@pytest.mark.parametrize("text,msg", [
    ("abc", ERR_FORMAT_WRONG),
    ("", ERR_FORMAT_WRONG),
    ("1.1.M", ERR_FORMAT_WRONG),
    ("32MMi", ERR_SUFFIX),
    ("0.1mi", ERR_SUFFIX),
])
def test_parse_error_messages(text, msg):
    with pytest.raises(QuantityParseError) as ei:
        parse_quantity(text)
    assert str(ei.value) == msg


def test_error_text_is_gos():
    assert ERR_FORMAT_WRONG == (
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    assert ERR_SUFFIX == "unable to parse quantity's suffix"


# TestQuantityString: (in, expect, alternate)
STRING_TABLE = [
    (dec(1024**3, 0, BINARY_SI), "1Gi", "1024Mi"),
    (dec(300 * 1024**2, 0, BINARY_SI), "300Mi", "307200Ki"),
    (dec(6 * 1024, 0, BINARY_SI), "6Ki", ""),
    (dec(1001 * 1024**3, 0, BINARY_SI), "1001Gi", "1025024Mi"),
    (dec(1024**4, 0, BINARY_SI), "1Ti", "1024Gi"),
    (dec(5, 0, BINARY_SI), "5", "5000m"),
    (dec(500, -3, BINARY_SI), "500m", "0.5"),
    (dec(1, 9, DECIMAL_SI), "1G", "1000M"),
    (dec(1000, 6, DECIMAL_SI), "1G", "0.001T"),
    (dec(1000000, 3, DECIMAL_SI), "1G", ""),
    (dec(1000000000, 0, DECIMAL_SI), "1G", ""),
    (dec(1, -3, DECIMAL_SI), "1m", "1000u"),
    (dec(80, -3, DECIMAL_SI), "80m", ""),
    (dec(1080, -3, DECIMAL_SI), "1080m", "1.08"),
    (dec(108, -2, DECIMAL_SI), "1080m", "1080000000n"),
    (dec(10800, -4, DECIMAL_SI), "1080m", ""),
    (dec(300, 6, DECIMAL_SI), "300M", ""),
    (dec(1, 12, DECIMAL_SI), "1T", ""),
    (dec(1, 18, DECIMAL_SI), "1E", ""),
    (dec(1, 21, DECIMAL_SI), "1e21", "1000E"),
    (dec(5, 21, DECIMAL_SI), "5e21", "5000E"),
    (dec(1, 24, DECIMAL_SI), "1e24", "1000000E"),
    (dec(1, 70, BINARY_SI), "10e69", ""),
    (dec(2, 70, BINARY_SI), "20e69", ""),
    (dec(1, 72, BINARY_SI), "1e72", ""),
    (dec(1234567, 6, DECIMAL_SI), "1234567M", ""),
    (dec(1234567, -3, BINARY_SI), "1234567m", ""),
    (dec(3, 3, DECIMAL_SI), "3k", ""),
    (dec(1025, 0, BINARY_SI), "1025", ""),
    (dec(0, 0, DECIMAL_SI), "0", ""),
    (dec(0, 0, BINARY_SI), "0", ""),
    (dec(1, 9, DECIMAL_EXPONENT), "1e9", ".001e12"),
    (dec(1, -3, DECIMAL_EXPONENT), "1e-3", "0.001e0"),
    (dec(1, -9, DECIMAL_EXPONENT), "1e-9", "1000e-12"),
    (dec(80, -3, DECIMAL_EXPONENT), "80e-3", ""),
    (dec(300, 6, DECIMAL_EXPONENT), "300e6", ""),
    (dec(1, 12, DECIMAL_EXPONENT), "1e12", ""),
    (dec(1, 3, DECIMAL_EXPONENT), "1e3", ""),
    (dec(3, 3, DECIMAL_EXPONENT), "3e3", ""),
    (dec(3, 3, DECIMAL_SI), "3k", ""),
    (dec(0, 0, DECIMAL_EXPONENT), "0", "00"),
    (dec(1, -9, DECIMAL_SI), "1n", ""),
    (dec(80, -9, DECIMAL_SI), "80n", ""),
    (dec(1080, -9, DECIMAL_SI), "1080n", ""),
    (dec(108, -8, DECIMAL_SI), "1080n", ""),
    (dec(10800, -10, DECIMAL_SI), "1080n", ""),
    (dec(1, -6, DECIMAL_SI), "1u", ""),
    (dec(80, -6, DECIMAL_SI), "80u", ""),
    (dec(1080, -6, DECIMAL_SI), "1080u", ""),
]


@pytest.mark.parametrize("q,expect,alternate", STRING_TABLE)
def test_string(q, expect, alternate):
    assert str(q) == expect
    # parsing the canonical string keeps it verbatim
    p = parse_quantity(expect)
    assert p._s == expect
    if alternate:
        a = parse_quantity(alternate)
        assert a._s is None
        assert str(a) == expect
    if not q.is_zero():
        assert str(-q) == "-" + expect


@pytest.mark.parametrize("q,want", [
    (dec(2000, 0, BINARY_SI), "2000"),
    (dec(-2000, 0, BINARY_SI), "-2000"),
    (dec(1, -12, DECIMAL_SI), "1e-12"),  # TestQuantityStringBelowNano
    (dec(1, -10, DECIMAL_SI), "100e-12"),
])
def test_string_edges(q, want):
    assert str(q) == want


def test_binary_si_past_ei():
    q = parse_quantity("1Ei") * 1024
    assert str(q) == "1180591620717411303424"
    assert parse_quantity(str(q)) == q


# TestQuantityParseEmit
@pytest.mark.parametrize("text,expect", [
    ("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"),
    (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"),
    (".000000000001Ki", "2n"),
])
def test_parse_emit(text, expect):
    assert str(parse_quantity(text)) == expect
    assert str(parse_quantity("-" + text)) == "-" + expect


# The canonical forms the brief asks for (quantity.go's doc comment).
@pytest.mark.parametrize("text,expect", [
    ("1.5", "1500m"), ("2e3", "2e3"), ("1536Mi", "1536Mi"), ("0.5Gi", "512Mi"),
    ("1.5Gi", "1536Mi"), ("500m", "500m"), ("128Mi", "128Mi"), ("1G", "1G"),
    ("+1", "+1"), (".5", "500m"), ("0.1m", "100u"), ("1000m", "1"), ("0.5", "500m"),
])
def test_canonical(text, expect):
    assert str(parse_quantity(text)) == expect


# TestNegativeValueRoundsAwayFromZero
@pytest.mark.parametrize("text,value,milli", [
    ("-.484785E-7466", -1, -1),
    (".484785E-7466", 1, 1),
    ("-.484785E-1", -1, -49),
    (".484785E-1", 1, 49),
    ("-0.0005", -1, -1),
    ("0.0005", 1, 1),
    ("-1500m", -2, -1500),
    ("1500m", 2, 1500),
    ("-9.5000000001Gi", -10200547329, -10200547328108),
    ("9.5000000001Gi", 10200547329, 10200547328108),
    ("-1", -1, -1000),
    ("1", 1, 1000),
    ("0", 0, 0),
    ("0.1m", 1, 1),
])
def test_value_rounds_away_from_zero(text, value, milli):
    q = parse_quantity(text)
    assert q.value() == value
    assert q.milli_value() == milli


# TestQuantityCmp
@pytest.mark.parametrize("x,y,expect", [
    ("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1), ("10000T", "100Gi", 1),
])
def test_cmp(x, y, expect):
    assert parse_quantity(x).cmp(parse_quantity(y)) == expect


def test_comparison_operators_and_hash():
    assert parse_quantity("1") == parse_quantity("1000m")
    assert hash(parse_quantity("1")) == hash(parse_quantity("1000m"))
    assert parse_quantity("1Gi") > parse_quantity("1G")
    assert parse_quantity("500m") < "1"
    assert parse_quantity("500m") == "0.5"
    assert parse_quantity("2") == 2
    assert len({parse_quantity("1"), parse_quantity("1000m"), parse_quantity("1k")}) == 2


# TestQuantityRoundUp
@pytest.mark.parametrize("text,scale,expect,ok", [
    ("9.01", -3, dec(901, -2, DECIMAL_SI), True),
    ("9.01", -2, dec(901, -2, DECIMAL_SI), True),
    ("9.01", -1, dec(91, -1, DECIMAL_SI), False),
    ("9.01", 0, dec(10, 0, DECIMAL_SI), False),
    ("9.01", 1, dec(10, 0, DECIMAL_SI), False),
    ("9.01", 2, dec(100, 0, DECIMAL_SI), False),
    ("-9.01", -3, dec(-901, -2, DECIMAL_SI), True),
    ("-9.01", -1, dec(-91, -1, DECIMAL_SI), False),
    ("-9.01", 0, dec(-10, 0, DECIMAL_SI), False),
    ("-9.01", 2, dec(-100, 0, DECIMAL_SI), False),
])
def test_round_up(text, scale, expect, ok):
    got, exact = parse_quantity(text).round_up(scale)
    assert exact == ok
    assert got.cmp(expect) == 0


# TestNewSet / TestMilliNewSet / TestNewScaledSet
@pytest.mark.parametrize("value,fmt,expect", [
    (1, DECIMAL_SI, "1"), (1000, DECIMAL_SI, "1k"), (1234000, DECIMAL_SI, "1234k"),
    (1024, BINARY_SI, "1Ki"), (1000000, "invalidFormatDefaultsToExponent", "1e6"),
    (1024 * 1024, BINARY_SI, "1Mi"),
])
def test_new(value, fmt, expect):
    q = Quantity.new(value, fmt)
    assert str(q) == expect
    assert parse_quantity(str(q)).value() == value


@pytest.mark.parametrize("value,fmt,expect", [
    (1, DECIMAL_SI, "1m"), (1000, DECIMAL_SI, "1"), (1234000, DECIMAL_SI, "1234"),
    (1024, BINARY_SI, "1024m"), (1000000, "invalidFormatDefaultsToExponent", "1e3"),
    (1024 * 1024, BINARY_SI, "1048576m"),
])
def test_new_milli(value, fmt, expect):
    assert str(Quantity.new_milli(value, fmt)) == expect


@pytest.mark.parametrize("value,scale,expect", [
    (1, -9, "1n"), (1000, -9, "1u"), (1, -6, "1u"), (1000, -6, "1m"), (1, -3, "1m"),
    (1000, -3, "1"), (1, 0, "1"), (0, -9, "0"), (0, -6, "0"), (0, -3, "0"), (0, 0, "0"),
])
def test_new_scaled(value, scale, expect):
    q = Quantity.new_scaled(value, scale)
    assert str(q) == expect
    assert parse_quantity(str(q)).scaled_value(scale) == value


# TestSub / TestQuantityAddZeroPreservesSuffix / TestQuantitySubZeroPreservesSuffix
@pytest.mark.parametrize("a,b,expected", [
    (dec(10, 0, DECIMAL_SI), dec(1, 1, DECIMAL_SI), dec(0, 0, DECIMAL_SI)),
    (dec(10, 0, DECIMAL_SI), dec(1, 0, BINARY_SI), dec(9, 0, DECIMAL_SI)),
    (dec(10, 0, BINARY_SI), dec(1, 0, DECIMAL_SI), dec(9, 0, BINARY_SI)),
    (dec(0, 0, DECIMAL_SI), dec(50, 0, DECIMAL_SI), dec(-50, 0, DECIMAL_SI)),
    (dec(50, 0, DECIMAL_SI), dec(0, 0, DECIMAL_SI), dec(50, 0, DECIMAL_SI)),
])
def test_sub(a, b, expected):
    assert (a - b).cmp(expected) == 0


@pytest.mark.parametrize("text", ["100m", "1Gi"])
def test_add_sub_zero_preserves_suffix(text):
    zero, v = must_parse("0"), must_parse(text)
    assert str(v + zero) == text
    assert str(zero + v) == text
    assert str(v - zero) == text
    assert str(zero - v) == str(-v)


def test_add_mixed():
    assert str(parse_quantity("500m") + parse_quantity("1")) == "1500m"
    assert str(sum([parse_quantity("1Gi"), parse_quantity("512Mi")])) == "1536Mi"


def test_neg():  # TestQuantityNeg
    assert str(-Quantity(901, -2, DECIMAL_SI)) == "-9010m"


def test_parse_numbers():
    assert str(parse_quantity(1)) == "1"
    assert str(parse_quantity(0.5)) == "500m"
    assert str(parse_quantity(2.0)) == "2"
    assert parse_quantity(1e-7).milli_value() == 1
    with pytest.raises(QuantityParseError):
        parse_quantity(float("nan"))


def test_must_parse():
    with pytest.raises(ValueError, match="cannot parse 'Non-Numeric'"):
        must_parse("Non-Numeric")


class _Res(BaseModel):
    requests: dict[str, QuantityStr] = {}


def test_pydantic_field():
    r = _Res(requests={"cpu": "500m", "memory": 1024, "x": 0.5})
    assert r.requests["cpu"].milli_value() == 500
    assert r.model_dump(mode="json") == {"requests": {"cpu": "500m", "memory": "1024", "x": "500m"}}
    with pytest.raises(ValidationError) as ei:
        _Res(requests={"cpu": "abc"})
    err = ei.value.errors()[0]
    assert err["loc"] == ("requests", "cpu")
    assert err["msg"] == ERR_FORMAT_WRONG

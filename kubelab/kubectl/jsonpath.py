"""The JSONPath templates of ``kubectl get -o jsonpath=...`` (k8s.io/client-go/util/jsonpath).

Supported: text and ``{...}`` actions, ``.field``, ``['field']``, ``[n]``, ``[-n]``,
``[*]``, ``[a:b]``, ``..field`` (recursive descent), filters ``[?(@.a.b=="x")]`` with
``== != < > <= >=`` and bare existence ``[?(@.a)]``, ``{range ...}...{end}``, string
literals ``{"\\n"}`` and ``{@}``. As with kubectl's default
``--allow-missing-template-keys=true``, a missing key prints nothing.

Results of one action are joined by a space; strings print raw, other values as JSON
(as Go's jsonpath ``PrintResults`` does).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JSONPathError", "execute"]


class JSONPathError(ValueError):
    pass


_TOKEN = re.compile(r"\{((?:[^{}\"']|\"(?:\\.|[^\"\\])*\"|'[^']*')*)\}")


def _parse_template(template: str) -> list[tuple[str, str]]:
    """Split into ('text', s) and ('action', expr) parts."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(template):
        if m.start() > pos:
            parts.append(("text", template[pos:m.start()]))
        parts.append(("action", m.group(1).strip()))
        pos = m.end()
    if pos < len(template):
        rest = template[pos:]
        if "{" in rest or "}" in rest:
            raise JSONPathError("unclosed action")
        parts.append(("text", rest))
    return parts


def _format(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


_STEP = re.compile(
    r"""\.\.(?P<rec>[\w\-/]+)
      |\.(?P<field>[\w\-/]+|\*)
      |\[\s*'(?P<qfield>[^']*)'\s*\]
      |\[\s*"(?P<dqfield>[^"]*)"\s*\]
      |\[\?\((?P<filter>.*?)\)\]
      |\[(?P<index>[^\]]*)\]
    """,
    re.X,
)


def _steps(expr: str) -> list[tuple[str, str]]:
    expr = expr.strip()
    if expr.startswith("$"):
        expr = expr[1:]
    if expr in ("", "@", "."):
        return []
    if expr.startswith("@"):
        expr = expr[1:]
    if not expr.startswith((".", "[")):
        expr = "." + expr
    steps: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        m = _STEP.match(expr, pos)
        if not m or m.end() == pos:
            raise JSONPathError(f"unrecognized character in action: {expr[pos:]!r}")
        for k in ("rec", "field", "qfield", "dqfield", "filter", "index"):
            if m.group(k) is not None:
                kind = "field" if k in ("qfield", "dqfield") else k
                steps.append((kind, m.group(k)))
                break
        pos = m.end()
    return steps


def _walk(values: list[Any], steps: list[tuple[str, str]]) -> list[Any]:
    for kind, arg in steps:
        nxt: list[Any] = []
        for v in values:
            if kind == "field":
                if arg == "*":
                    if isinstance(v, dict):
                        nxt.extend(v[k] for k in sorted(v))
                    elif isinstance(v, list):
                        nxt.extend(v)
                elif isinstance(v, dict) and arg in v:
                    nxt.append(v[arg])
            elif kind == "rec":
                nxt.extend(_recursive(v, arg))
            elif kind == "index":
                if not isinstance(v, list):
                    continue
                a = arg.strip()
                if a == "*":
                    nxt.extend(v)
                elif ":" in a:
                    lo, _, hi = a.partition(":")
                    hi = hi.split(":")[0]
                    nxt.extend(v[int(lo) if lo.strip() else None: int(hi) if hi.strip() else None])
                else:
                    try:
                        i = int(a)
                    except ValueError:
                        raise JSONPathError(f"invalid array index {a}") from None
                    if -len(v) <= i < len(v):
                        nxt.append(v[i])
                    else:
                        raise JSONPathError(f"array index out of bounds: index {i}, length {len(v)}")
            elif kind == "filter":
                items = v if isinstance(v, list) else [v]
                nxt.extend(x for x in items if _filter(x, arg))
        values = nxt
    return values


def _recursive(v: Any, name: str) -> list[Any]:
    out = []
    if isinstance(v, dict):
        if name in v:
            out.append(v[name])
        for k in sorted(v):
            out.extend(_recursive(v[k], name))
    elif isinstance(v, list):
        for x in v:
            out.extend(_recursive(x, name))
    return out


_FILTER = re.compile(r"^\s*(?P<lhs>@[^\s=!<>]*)\s*(?:(?P<op>==|!=|<=|>=|<|>)\s*(?P<rhs>.+?))?\s*$")


def _literal(s: str) -> Any:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    try:
        return json.loads(s)
    except ValueError:
        return s


def _filter(item: Any, expr: str) -> bool:
    m = _FILTER.match(expr)
    if not m:
        raise JSONPathError(f"unrecognized filter {expr!r}")
    found = _walk([item], _steps(m.group("lhs")))
    if m.group("op") is None:
        return bool(found)
    if not found:
        return False
    lhs, rhs, op = found[0], _literal(m.group("rhs")), m.group("op")
    try:
        return {
            "==": lhs == rhs, "!=": lhs != rhs, "<": lhs < rhs, ">": lhs > rhs, "<=": lhs <= rhs, ">=": lhs >= rhs,
        }[op]
    except TypeError:
        return False


def _unquote(s: str) -> str:
    return json.loads(s) if s.startswith('"') else s[1:-1]


def execute(template: str, data: Any) -> str:
    """Render a kubectl JSONPath template against ``data`` (the object's JSON)."""
    parts = _parse_template(template)
    out, _ = _render(parts, 0, data, top=True)
    return out


def _render(parts: list[tuple[str, str]], i: int, cur: Any, top: bool = False) -> tuple[str, int]:
    out: list[str] = []
    while i < len(parts):
        kind, s = parts[i]
        if kind == "text":
            out.append(s)
            i += 1
            continue
        if s == "end":
            if top:
                raise JSONPathError("not in range, nothing to end")
            return "".join(out), i + 1
        if s.startswith("range ") or s == "range":
            items = _walk([cur], _steps(s[5:]))
            # find the body: render it for each item; the end index is the same for each
            end = i + 1
            if not items:
                # skip the body
                depth, j = 1, i + 1
                while j < len(parts) and depth:
                    k2, s2 = parts[j]
                    if k2 == "action" and (s2.startswith("range ") or s2 == "range"):
                        depth += 1
                    elif k2 == "action" and s2 == "end":
                        depth -= 1
                    j += 1
                if depth:
                    raise JSONPathError("unclosed range")
                i = j
                continue
            for item in items:
                text, end = _render(parts, i + 1, item)
                out.append(text)
            i = end
            continue
        if (s.startswith('"') and s.endswith('"')) or (s.startswith("'") and s.endswith("'") and len(s) > 1):
            out.append(_unquote(s))
            i += 1
            continue
        vals = _walk([cur], _steps(s))
        out.append(" ".join(_format(v) for v in vals))
        i += 1
    if not top:
        raise JSONPathError("unclosed range")
    return "".join(out), i

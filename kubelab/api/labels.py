"""Label and field selectors (k8s.io/apimachinery/pkg/labels, pkg/fields).

A :class:`Selector` is a small value: it matches a label map, and prints itself the way
``kubectl`` and the API write it (``app=web,tier in (db,cache)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from .meta import LabelSelector


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in ("=", "==", "in"):
            return self.key in labels and labels[self.key] in self.values
        if op in ("!=", "notin"):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("gt", "lt"):
            if self.key not in labels:
                return False
            try:
                have, want = int(labels[self.key]), int(self.values[0])
            except ValueError:
                return False
            return have > want if op == "gt" else have < want
        raise ValueError(f"unknown operator {op}")

    def __str__(self) -> str:
        op = self.operator
        if op == "exists":
            return self.key
        if op == "!":
            return f"!{self.key}"
        if op in ("in", "notin"):
            return f"{self.key} {op} ({','.join(self.values)})"
        if op in ("gt", "lt"):
            return f"{self.key}{'>' if op == 'gt' else '<'}{self.values[0]}"
        return f"{self.key}{op}{self.values[0]}"


class Selector:
    """A conjunction of requirements; the empty selector matches everything."""

    __slots__ = ("requirements", "_nothing", "equality_pairs")

    def __init__(self, requirements: Iterable[Requirement] = (), nothing: bool = False):
        # labels.internalSelector sorts requirements by key for a stable String()
        self.requirements = tuple(sorted(requirements, key=lambda r: r.key))
        self._nothing = nothing
        # a selector of key=value requirements only (every matchLabels) matches when its pairs
        # are a subset of the labels: one set comparison instead of a call per requirement
        eq = all(r.operator in ("=", "==", "in") and len(r.values) == 1 for r in self.requirements)
        self.equality_pairs = frozenset((r.key, r.values[0]) for r in self.requirements) if eq and not nothing else None

    @classmethod
    def everything(cls) -> "Selector":
        return cls()

    @classmethod
    def nothing(cls) -> "Selector":
        return cls(nothing=True)

    @classmethod
    def from_set(cls, labels: Mapping[str, str]) -> "Selector":
        """labels.SelectorFromSet: every key must equal its value."""
        return cls(Requirement(k, "=", (v,)) for k, v in labels.items())

    @classmethod
    def from_label_selector(cls, ls: Optional[LabelSelector | dict]) -> "Selector":
        """metav1.LabelSelectorAsSelector: nil selects nothing, {} selects everything."""
        if ls is None:
            return cls.nothing()
        if isinstance(ls, dict):
            ls = LabelSelector.model_validate(ls)
        reqs = [Requirement(k, "=", (v,)) for k, v in (ls.match_labels or {}).items()]
        ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
        for e in ls.match_expressions or ():
            if e.operator not in ops:
                raise ValueError(f'"{e.operator}" is not a valid label selector operator')
            reqs.append(Requirement(e.key, ops[e.operator], tuple(sorted(e.values or ()))))
        return cls(reqs)

    def matches(self, labels: Optional[Mapping[str, str]]) -> bool:
        if self._nothing:
            return False
        labels = labels or {}
        if self.equality_pairs is not None:
            return self.equality_pairs <= labels.items()
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        return not self.requirements and not self._nothing

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"Selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Selector) and (self.requirements, self._nothing) == (other.requirements, other._nothing)

    def __hash__(self) -> int:
        return hash((self.requirements, self._nothing))


_TOKEN = re.compile(
    r"\s*(?:(?P<not>!)\s*(?P<nkey>[^\s,=!<>()]+)"
    r"|(?P<key>[^\s,=!<>()]+)\s*(?:(?P<op>==|=|!=|>|<)\s*(?P<val>[^\s,()]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<vals>[^)]*)\))?)\s*(?:,|$)"
)


def parse_selector(text: str) -> Selector:
    """labels.Parse: ``app=web,tier!=db,env in (a,b),!legacy,version>2``.

    Raises ValueError with the parser's message on bad input.
    """
    text = (text or "").strip()
    if not text:
        return Selector()
    reqs: list[Requirement] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unable to parse requirement: found '{text[pos:]}', expected: identifier")
        if m.group("not"):
            reqs.append(Requirement(m.group("nkey"), "!"))
        elif m.group("op"):
            op = {">": "gt", "<": "lt"}.get(m.group("op"), m.group("op"))
            reqs.append(Requirement(m.group("key"), op, (m.group("val"),)))
        elif m.group("setop"):
            vals = tuple(sorted(v.strip() for v in m.group("vals").split(",") if v.strip()))
            reqs.append(Requirement(m.group("key"), m.group("setop"), vals))
        else:
            reqs.append(Requirement(m.group("key"), "exists"))
        pos = m.end()
    return Selector(reqs)


# ----------------------------------------------------------------------------- fields

@dataclass(frozen=True)
class FieldRequirement:
    field: str
    operator: str  # "=", "==", "!="
    value: str

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{self.value}"


class FieldSelector:
    """fields.Selector over the fields each resource supports (metadata.name,
    metadata.namespace, spec.nodeName, status.phase, ...)."""

    def __init__(self, requirements: Iterable[FieldRequirement] = ()):
        self.requirements = tuple(requirements)

    def matches(self, fields: Mapping[str, str]) -> bool:
        for r in self.requirements:
            have = fields.get(r.field, "")
            if r.operator in ("=", "==") and have != r.value:
                return False
            if r.operator == "!=" and have == r.value:
                return False
        return True

    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_field_selector(text: str) -> FieldSelector:
    """fields.ParseSelector: ``spec.nodeName=vm-1,status.phase!=Running``."""
    reqs = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        for op in ("!=", "==", "="):
            if op in part:
                f, v = part.split(op, 1)
                reqs.append(FieldRequirement(f.strip(), op, v.strip()))
                break
        else:
            raise ValueError(f"invalid selector: '{text}'; can't understand '{part}'")
    return FieldSelector(reqs)

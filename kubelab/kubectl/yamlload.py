"""Reading YAML as kubectl does (sigs.k8s.io/yaml over its go-yaml v2 fork).

PyYAML shares an anchored node between its aliases, so a "billion laughs" document loads
at once and only explodes later, when the object is serialized. go-yaml refuses it while
decoding: every node it decodes counts, nodes decoded through an alias count as alias
expansion too, and once more than 100 of them came from aliases in a document of more
than 1,000 decodes and their share passes ``allowedAliasRatio`` it fails with
``yaml: document contains excessive aliasing`` (gopkg.in/yaml.v2 decode.go, ``unmarshal``).
:func:`load_all` applies the same rule to PyYAML's node graph before constructing anything.
"""

from __future__ import annotations

from typing import Any

import yaml

# gopkg.in/yaml.v2 decode.go
ALIAS_RATIO_RANGE_LOW = 400_000
ALIAS_RATIO_RANGE_HIGH = 4_000_000


class ExcessiveAliasing(yaml.YAMLError):
    def __str__(self) -> str:
        return "yaml: document contains excessive aliasing"


def allowed_alias_ratio(decode_count: int) -> float:
    """go-yaml's ``allowedAliasRatio``: 99% for small documents, down to 10% for huge ones."""
    if decode_count <= ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    return 0.99 - 0.89 * ((decode_count - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW))


def _children(node: yaml.Node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_aliasing(document: yaml.Node) -> None:
    """Raise :class:`ExcessiveAliasing` where go-yaml would for this composed document.

    The walk is in document order; a node met a second time is an alias (PyYAML reuses the
    anchored node). An alias' expansion is counted at once from the memoized size of its
    target: within one expansion both counters grow together, so the alias share only rises
    while the allowed ratio only falls, and checking at the expansion's end decides exactly
    what checking at every step would."""
    home: dict[int, tuple[int, int]] = {}  # where each node is defined: (parent, position)
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        """How many decodes expanding ``node`` costs (an alias inside costs 1 + its target)."""
        key = id(node)
        if sizes.get(key) == -1:
            raise yaml.YAMLError("yaml: anchor value contains itself")
        if key not in sizes:
            sizes[key] = -1
            total = 1
            for i, c in enumerate(_children(node)):
                total += size(c) if home.get(id(c)) == (key, i) else 1 + size(c)
            sizes[key] = total
        return sizes[key]

    decode = 1  # the document node
    alias = 0
    stack: list[tuple[yaml.Node, tuple[int, int]]] = [(document, (0, 0))]
    while stack:
        node, where = stack.pop()
        decode += 1
        if id(node) in home:
            n = size(node)
            decode += n
            alias += n
            if alias > 100 and decode > 1000 and alias / decode > allowed_alias_ratio(decode):
                raise ExcessiveAliasing()
            continue
        home[id(node)] = where
        kids = _children(node)
        stack.extend((kids[i], (id(node), i)) for i in range(len(kids) - 1, -1, -1))


def load_all(text: str) -> list[Any]:
    """The non-empty documents of ``text``, refusing what go-yaml refuses (see module doc)."""
    loader = yaml.SafeLoader(text)
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            check_aliasing(node)
            doc = loader.construct_document(node)
            if doc is not None:
                docs.append(doc)
    finally:
        loader.dispose()
    return docs


__all__ = ["ExcessiveAliasing", "allowed_alias_ratio", "check_aliasing", "load_all"]

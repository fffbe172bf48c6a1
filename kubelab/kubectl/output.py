"""``-o yaml|json|name|jsonpath=...`` and ``--sort-by`` (k8s.io/cli-runtime/pkg/printers).

kubectl prints objects through their unstructured (JSON) form, so keys come out sorted:
``-o json`` is ``json.MarshalIndent`` with four spaces, ``-o yaml`` is sigs.k8s.io/yaml
(block style, sequences not indented under their key). Several objects print as a
``kind: List``.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

import yaml

from kubelab.api.meta import KubeObject

from .jsonpath import execute as jsonpath_execute
from .printers import resource_name

__all__ = ["yaml_text", "to_yaml", "to_json", "to_name", "to_jsonpath", "as_list", "sort_objects"]


def as_list(objs: Sequence[KubeObject]) -> dict[str, Any]:
    return {"apiVersion": "v1", "items": [o.to_dict() for o in objs], "kind": "List", "metadata": {"resourceVersion": ""}}


def _doc(objs: Sequence[KubeObject], single: bool) -> Any:
    if single and len(objs) == 1:
        return objs[0].to_dict()
    return as_list(objs)


class _Dumper(yaml.SafeDumper):
    pass


# go-yaml v2 (under sigs.k8s.io/yaml) also reads these as booleans (YAML 1.1), PyYAML does not
_GO_YAML_BOOLS = frozenset({"y", "Y", "n", "N"})


def _str_presenter(dumper: yaml.SafeDumper, data: str):
    """Strings as go-yaml (sigs.k8s.io/yaml) writes them: multi-line ones as literal blocks;
    ones that would read back as another type (``"99"``, ``"2025-01-01T00:00:00Z"``,
    ``""``, ``"true"``) double-quoted; the rest plain, or single-quoted when they must be."""
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    tag = dumper.resolve(yaml.ScalarNode, data, (True, False))
    # PyYAML's own "!", "&", "*" (tag:yaml.org,2002:yaml) are strings to go-yaml: single-quoted ('*')
    if tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:yaml") or data in _GO_YAML_BOOLS:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def yaml_text(doc: Any) -> str:
    """Any JSON-shaped document as sigs.k8s.io/yaml prints it (keys sorted)."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=10**9)


def to_yaml(objs: Sequence[KubeObject], single: bool = True) -> str:
    return yaml_text(_doc(objs, single))


def to_json(objs: Sequence[KubeObject], single: bool = True) -> str:
    return json.dumps(_doc(objs, single), indent=4, sort_keys=True, ensure_ascii=False) + "\n"


def to_name(objs: Sequence[KubeObject]) -> str:
    return "".join(resource_name(o) + "\n" for o in objs)


def to_jsonpath(template: str, objs: Sequence[KubeObject], single: bool = True) -> str:
    return jsonpath_execute(template, _doc(objs, single))


def _sort_key(v: Any) -> tuple:
    if v is None:
        return (0, 0, "")
    if isinstance(v, bool):
        return (1, int(v), "")
    if isinstance(v, (int, float)):
        return (1, v, "")
    if isinstance(v, str):
        # quantities and timestamps: kubectl compares typed values; RFC 3339 strings sort as text
        return (2, 0, v)
    return (3, 0, json.dumps(v, sort_keys=True))


def sort_objects(objs: Sequence[KubeObject], field: str) -> list[KubeObject]:
    """``--sort-by=.lastTimestamp`` / ``{.metadata.name}`` (kubectl/pkg/cmd/get/sorter.go);
    objects without the field first; Go's unstable ``sort.Sort``, as kubectl, so rows with equal
    keys come out in the real kubectl's order."""
    from .jsonpath import _steps, _walk

    expr = field.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1]
    steps = _steps(expr)

    def key(o: KubeObject) -> Optional[tuple]:
        vals = _walk([o.to_dict()], steps)
        return None if not vals or vals[0] is None else _sort_key(vals[0])

    from .gosort import go_sort

    keys = {id(o): key(o) for o in objs}

    def less(x: KubeObject, y: KubeObject) -> bool:
        # RuntimeSort/TableSorter.Less: "i" without the field is less, whatever "j" is (then
        # "j" without it is not): an asymmetric rule Go's sort.Sort applies as it goes
        kx, ky = keys[id(x)], keys[id(y)]
        if kx is None:
            return True
        if ky is None:
            return False
        return kx < ky

    return go_sort(objs, less)

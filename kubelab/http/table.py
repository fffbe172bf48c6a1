"""Server-side printing: ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``.

kube-apiserver answers ``kubectl get`` with a meta.k8s.io Table whose columns and cells come
from pkg/printers/internalversion/printers.go; kubectl only lays them out. The rows here come
from the same printers the in-process ``cluster.kubectl`` uses (:mod:`kubelab.kubectl.printers`),
so the two cannot disagree. Each row carries the object's metadata (PartialObjectMetadata,
``includeObject=Metadata``, the default) or the whole object (``includeObject=Object``) —
kubectl reads namespaces and labels (``-A``, ``--show-labels``, ``-L``) from it.
"""

from __future__ import annotations

from typing import Iterable, Optional

from kubelab.api.meta import KubeObject
from kubelab.kubectl.duration import translate_timestamp_since
from kubelab.kubectl.printers import TABLES, Column, TablePrinter

_DEFAULT = TablePrinter((Column("Name"), Column("Age")), None)  # kinds without a printer: NAME AGE


def _printer(kind: str) -> TablePrinter:
    return TABLES.get(kind, _DEFAULT)


def column_definitions(kind: str) -> list[dict]:
    out = []
    for c in _printer(kind).columns:
        d = {"name": c.name, "type": "string", "format": "name" if c.name == "Name" else "",
             "description": _DESCRIPTIONS.get(c.name, ""), "priority": c.priority}
        out.append(d)
    return out


_DESCRIPTIONS = {
    "Name": "Name must be unique within a namespace. Is required when creating resources, although some resources "
            "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
            "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
    "Age": "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
           "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
           "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
           "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
}


def partial_metadata(obj: KubeObject, api_version: str = "meta.k8s.io/v1") -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version,
            "metadata": obj.metadata.model_dump(by_alias=True, exclude_none=True, mode="json")}


def cells(obj: KubeObject, now: float) -> list:
    p = _printer(obj.KIND)
    if p.row is None:
        return [obj.metadata.name, translate_timestamp_since(obj.metadata.creation_timestamp, now)]
    # the printers take `wide` to add the priority-1 cells; the server always sends them all
    return list(p.row(obj, now, True))


def row(obj: KubeObject, now: float, include: str = "Metadata", meta_version: str = "meta.k8s.io/v1") -> dict:
    r: dict = {"cells": cells(obj, now)}
    if include == "Object":
        r["object"] = obj.to_dict()
    elif include != "None":
        r["object"] = partial_metadata(obj, meta_version)
    return r


def table(kind: str, objs: Iterable[KubeObject], now: float, resource_version: Optional[str] = None,
          include: str = "Metadata", api_version: str = "meta.k8s.io/v1", headers: bool = True,
          continue_: Optional[str] = None, remaining: Optional[int] = None) -> dict:
    meta: dict = {}
    if resource_version:
        meta["resourceVersion"] = resource_version
    if continue_:
        meta["continue"] = continue_
    if remaining:
        meta["remainingItemCount"] = remaining
    t = {"kind": "Table", "apiVersion": api_version, "metadata": meta}
    if headers:
        t["columnDefinitions"] = column_definitions(kind)
    order = _printer(kind).order
    if order is not None:  # e.g. printFlowSchemaList sorts its rows
        objs = order(list(objs))
    t["rows"] = [row(o, now, include, api_version) for o in objs]
    return t


__all__ = ["Column", "column_definitions", "partial_metadata", "row", "table"]

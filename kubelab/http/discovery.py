"""Discovery: which groups, versions and resources the server serves.

Two shapes, as kube-apiserver serves them: the legacy documents (``/api`` → APIVersions,
``/apis`` → APIGroupList, ``/api/v1`` → APIResourceList) and the aggregated documents
(``apidiscovery.k8s.io/v2`` APIGroupDiscoveryList, what kubectl ≥ 1.30 asks for first,
k8s.io/apiserver/pkg/endpoints/discovery/aggregated).
"""

from __future__ import annotations

from functools import lru_cache

from dataclasses import dataclass, field
from typing import Optional

from kubelab.api.core import ComponentStatus
from kubelab.api.rbac import SelfSubjectAccessReview, SelfSubjectReview, SelfSubjectRulesReview, SubjectAccessReview
from kubelab.api.events import EventsV1Event
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import KINDS

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
# kubectl's "all" category (the `categories` of each resource's storage)
CATEGORY_ALL = {"Pod", "Service", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
# the order kube-apiserver lists groups in (its group priorities, pkg/controlplane)
GROUP_ORDER = ["", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "policy", "scheduling.k8s.io",
               "coordination.k8s.io", "discovery.k8s.io",
               "flowcontrol.apiserver.k8s.io", "metrics.k8s.io"]


@dataclass(frozen=True)
class Subresource:
    name: str
    verbs: tuple[str, ...]
    group: str = ""
    version: str = "v1"
    kind: str = ""  # the response kind ("" = the parent's)


@dataclass
class Resource:
    kind: type[KubeObject]
    subresources: list[Subresource] = field(default_factory=list)
    verbs: list[str] = field(default_factory=lambda: list(VERBS))

    @property
    def name(self) -> str:
        return self.kind.RESOURCE

    @property
    def group(self) -> str:
        return self.kind.GROUP

    @property
    def version(self) -> str:
        return self.kind.VERSION

    def sub(self, name: str) -> Optional[Subresource]:
        for s in self.subresources:
            if s.name == name:
                return s
        return None


_STATUS = Subresource("status", ("get", "patch", "update"))
_SCALE = Subresource("scale", ("get", "patch", "update"), "autoscaling", "v1", "Scale")


def _subresources(kind: str) -> list[Subresource]:
    subs: list[Subresource] = []
    if kind in ("Pod", "Node", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob",
                "Service", "Namespace", "PodDisruptionBudget", "ResourceQuota", "FlowSchema",
                "PriorityLevelConfiguration"):
        subs.append(_STATUS)
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        subs.append(_SCALE)
    if kind == "Pod":
        subs.append(Subresource("binding", ("create",), kind="Binding"))
        subs.append(Subresource("eviction", ("create",), "policy", "v1", "Eviction"))
        subs.append(Subresource("log", ("get",)))
    if kind == "Namespace":
        subs.append(Subresource("finalize", ("update",)))
    return subs


# events.k8s.io/v1 serves the stored core/v1 Events in another shape (the front door converts)
# componentstatuses is computed on each read, never stored: get and list only
# (pkg/registry/core/componentstatus/rest.go)
# The review APIs are create-only and store nothing: the API server answers in the status
# (pkg/registry/authorization/*, pkg/registry/authentication/selfsubjectreview); kubectl auth
# can-i and whoami post them.
REVIEWS = (SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview, SelfSubjectReview)
RESOURCES: list[Resource] = [Resource(k, _subresources(k.KIND)) for k in KINDS] + [
    Resource(EventsV1Event), Resource(ComponentStatus, verbs=["get", "list"])] + [
    Resource(k, verbs=["create"]) for k in REVIEWS]
_BY_PATH: dict[tuple[str, str, str], Resource] = {(r.group, r.version, r.name): r for r in RESOURCES}


def lookup(group: str, version: str, resource: str) -> Optional[Resource]:
    return _BY_PATH.get((group, version, resource))


def group_versions() -> dict[str, list[str]]:
    """Served group -> versions, in discovery's group order (every request routes through it)."""
    return dict(_group_versions())


@lru_cache(maxsize=None)
def _group_versions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in RESOURCES:
        vs = out.setdefault(r.group, [])
        if r.version not in vs:
            vs.append(r.version)
    return dict(sorted(out.items(), key=lambda kv: GROUP_ORDER.index(kv[0]) if kv[0] in GROUP_ORDER else 99))


def _resource_entries(group: str, version: str):
    return sorted((r for r in RESOURCES if r.group == group and r.version == version), key=lambda r: r.name)


# -- legacy ---------------------------------------------------------------------------
def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _gv(group: str, version: str) -> dict:
    return {"groupVersion": f"{group}/{version}", "version": version}


def api_group(group: str, versions: list[str]) -> dict:
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": [_gv(group, v) for v in versions],
            "preferredVersion": _gv(group, versions[0])}


def api_group_list(extra: Optional[dict[str, list[str]]] = None) -> dict:
    gvs = {g: v for g, v in group_versions().items() if g}
    gvs.update(extra or {})
    groups = [{"name": g, "versions": [_gv(g, v) for v in vs], "preferredVersion": _gv(g, vs[0])}
              for g, vs in gvs.items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_resource_list(group: str, version: str) -> dict:
    gv = f"{group}/{version}" if group else version
    out = []
    for r in _resource_entries(group, version):
        entry = {"name": r.name, "singularName": r.kind.KIND.lower(), "namespaced": r.kind.NAMESPACED,
                 "kind": r.kind.KIND, "verbs": r.verbs}
        if r.kind.SHORT_NAMES:
            entry["shortNames"] = list(r.kind.SHORT_NAMES)
        if r.kind.KIND in CATEGORY_ALL:
            entry["categories"] = ["all"]
        out.append(entry)
        for s in r.subresources:
            sub = {"name": f"{r.name}/{s.name}", "singularName": "", "namespaced": r.kind.NAMESPACED,
                   "kind": s.kind or r.kind.KIND, "verbs": list(s.verbs)}
            if s.kind and s.group != r.group:
                sub["group"], sub["version"] = s.group, s.version
            out.append(sub)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


# -- aggregated (apidiscovery.k8s.io/v2) ----------------------------------------------
AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _discovery_version(group: str, version: str) -> dict:
    resources = []
    for r in _resource_entries(group, version):
        d = {"resource": r.name, "responseKind": {"group": group, "version": version, "kind": r.kind.KIND},
             "scope": "Namespaced" if r.kind.NAMESPACED else "Cluster", "singularResource": r.kind.KIND.lower(),
             "verbs": r.verbs}
        if r.kind.SHORT_NAMES:
            d["shortNames"] = list(r.kind.SHORT_NAMES)
        if r.kind.KIND in CATEGORY_ALL:
            d["categories"] = ["all"]
        subs = []
        for s in r.subresources:
            kind = s.kind or r.kind.KIND
            grp = s.group if s.kind else group
            ver = s.version if s.kind else version
            subs.append({"subresource": s.name, "responseKind": {"group": grp, "version": ver, "kind": kind},
                         "verbs": list(s.verbs)})
        if subs:
            d["subresources"] = subs
        resources.append(d)
    return {"version": version, "resources": resources, "freshness": "Current"}


def aggregated(legacy: bool, extra: Optional[list[dict]] = None) -> dict:
    """``/api`` (legacy=True: the core group) or ``/apis`` as an APIGroupDiscoveryList."""
    items = []
    for g, vs in group_versions().items():
        if (g == "") != legacy:
            continue
        item = {"metadata": {"name": g, "creationTimestamp": None} if g else {"creationTimestamp": None},
                "versions": [_discovery_version(g, v) for v in vs]}
        items.append(item)
    if not legacy:
        items.extend(extra or [])
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


# metrics.k8s.io/v1beta1 (metrics-server's aggregated API), served when the backend can measure
METRICS_GROUP = "metrics.k8s.io"


def metrics_resource_list() -> dict:
    res = [{"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
           {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]}]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "metrics.k8s.io/v1beta1", "resources": res}


def metrics_aggregated() -> dict:
    res = [{"resource": "nodes", "responseKind": {"group": METRICS_GROUP, "version": "v1beta1", "kind": "NodeMetrics"},
            "scope": "Cluster", "singularResource": "", "verbs": ["get", "list"]},
           {"resource": "pods", "responseKind": {"group": METRICS_GROUP, "version": "v1beta1", "kind": "PodMetrics"},
            "scope": "Namespaced", "singularResource": "", "verbs": ["get", "list"]}]
    return {"metadata": {"name": METRICS_GROUP, "creationTimestamp": None},
            "versions": [{"version": "v1beta1", "resources": res, "freshness": "Current"}]}

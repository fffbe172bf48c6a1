"""kubectl api-resources (k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go): the table,
``-o wide`` (adds VERBS and CATEGORIES), ``-o name`` (``resource.group``) and, from kubectl 1.34
(PR #132604), ``-o json|yaml``: one ``APIResourceList`` whose entries carry their group and
version. The verbs and categories are the ones discovery serves (kubelab/http/discovery.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from kubelab.api.core import ComponentStatus
from kubelab.api.events import EventsV1Event
from kubelab.api.rbac import SelfSubjectAccessReview, SelfSubjectReview, SelfSubjectRulesReview, SubjectAccessReview
from kubelab.api.scheme import KINDS

from ..output import yaml_text
from ..tabwriter import GET_SETTINGS, tabulate
from .util import Args, KubectlError

if TYPE_CHECKING:
    from ..cli import Kubectl

# what discovery lists for every stored kind (kubelab/http/discovery.py VERBS, CATEGORY_ALL)
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
READ_ONLY = ["get", "list"]  # componentstatuses (computed) and metrics-server's resources
CREATE_ONLY = ["create"]  # the review APIs kubectl auth posts: answered, never stored
REVIEWS = (SelfSubjectReview, SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview)
CATEGORY_ALL = {"Pod", "Service", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}


def _entries(k: "Kubectl") -> list[dict]:
    """metav1.APIResource of every served resource, with its group and version, sorted by group
    then name as apiresources.go sorts them (sortableResource)."""
    out = []
    for cls in KINDS + (EventsV1Event, ComponentStatus) + REVIEWS:
        version = cls.api_version_str().rsplit("/", 1)[-1]
        e = {"name": cls.RESOURCE, "singularName": cls.KIND.lower(), "namespaced": cls.NAMESPACED,
             "group": cls.GROUP, "version": version, "kind": cls.KIND,
             "verbs": READ_ONLY if cls is ComponentStatus else CREATE_ONLY if cls in REVIEWS else VERBS,
             "shortNames": list(cls.SHORT_NAMES), "categories": ["all"] if cls.KIND in CATEGORY_ALL else []}
        out.append(e)
    if getattr(k.source, "metrics", None) is not None:  # metrics-server's aggregated API
        for name, namespaced, kind in (("nodes", False, "NodeMetrics"), ("pods", True, "PodMetrics")):
            out.append({"name": name, "singularName": "", "namespaced": namespaced, "group": "metrics.k8s.io",
                        "version": "v1beta1", "kind": kind, "verbs": READ_ONLY, "shortNames": [], "categories": []})
    return sorted(out, key=lambda e: (e["group"], e["name"]))


def _api_resource(e: dict) -> dict:
    """The entry as metav1.APIResource marshals it: group, shortNames and categories omitted
    when empty, singularName always present."""
    d = {"name": e["name"], "singularName": e["singularName"], "namespaced": e["namespaced"]}
    if e["group"]:
        d["group"] = e["group"]
    d.update(version=e["version"], kind=e["kind"], verbs=list(e["verbs"]))
    if e["shortNames"]:
        d["shortNames"] = e["shortNames"]
    if e["categories"]:
        d["categories"] = e["categories"]
    return d


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    out_fmt = a.get("output") or ""
    if out_fmt not in ("", "wide", "name", "json", "yaml"):
        # kubectl 1.37 lists kyaml too; in 1.34 that printer is off unless KUBECTL_KYAML=true
        raise KubectlError(f'error: unable to match a printer suitable for the output format "{out_fmt}", '
                           "allowed formats are: json,name,wide,yaml")
    entries = _entries(k)
    if out_fmt in ("json", "yaml"):
        doc = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "",
               "resources": [_api_resource(e) for e in entries]}
        return json.dumps(doc, indent=4) + "\n" if out_fmt == "json" else yaml_text(doc)
    if out_fmt == "name":
        return "".join(e["name"] + (f".{e['group']}" if e["group"] else "") + "\n" for e in entries)
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if out_fmt == "wide":
        header += ["VERBS", "CATEGORIES"]
    rows = [header]
    for e in entries:
        gv = f"{e['group']}/{e['version']}" if e["group"] else e["version"]
        row = [e["name"], ",".join(e["shortNames"]), gv, "true" if e["namespaced"] else "false", e["kind"]]
        if out_fmt == "wide":
            row += [",".join(e["verbs"]), ",".join(e["categories"])]
        rows.append(row)
    return tabulate(rows, **GET_SETTINGS)

"""kubectl api-resources (k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.core import ComponentStatus
from kubelab.api.events import EventsV1Event
from kubelab.api.scheme import KINDS

from ..tabwriter import GET_SETTINGS, tabulate
from .util import Args

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    # events.k8s.io/v1 serves the same Events in another shape; componentstatuses is
    # served (computed, never stored) beside the stored kinds
    entries = [(cls.GROUP, cls.RESOURCE, ",".join(cls.SHORT_NAMES), cls.api_version_str(), cls.NAMESPACED, cls.KIND)
               for cls in KINDS + (EventsV1Event, ComponentStatus)]
    if getattr(k.source, "metrics", None) is not None:  # metrics-server's aggregated API
        entries += [("metrics.k8s.io", "nodes", "", "metrics.k8s.io/v1beta1", False, "NodeMetrics"),
                    ("metrics.k8s.io", "pods", "", "metrics.k8s.io/v1beta1", True, "PodMetrics")]
    for _, resource, short, gv, namespaced, kind in sorted(entries, key=lambda e: (e[0], e[1])):
        rows.append([resource, short, gv, "true" if namespaced else "false", kind])
    return tabulate(rows, **GET_SETTINGS)

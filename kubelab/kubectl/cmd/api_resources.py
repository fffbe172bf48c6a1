"""kubectl api-resources (k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.core import ComponentStatus
from kubelab.api.scheme import KINDS

from ..tabwriter import GET_SETTINGS, tabulate
from .util import Args

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    # componentstatuses is served (computed, never stored) beside the stored kinds
    for cls in sorted(KINDS + (ComponentStatus,), key=lambda c: (c.GROUP, c.RESOURCE)):
        rows.append([cls.RESOURCE, ",".join(cls.SHORT_NAMES), cls.api_version_str(), "true" if cls.NAMESPACED else "false", cls.KIND])
    return tabulate(rows, **GET_SETTINGS)

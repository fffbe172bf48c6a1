"""``componentstatuses`` (deprecated since v1.19): pkg/registry/core/componentstatus/rest.go.

The API server probes, on every read, the components it knows on its own machine: the
scheduler (https://127.0.0.1:10259/healthz), the controller manager (https://127.0.0.1:10257/healthz)
and one ``etcd-<i>`` per ``--etcd-servers`` entry (pkg/registry/core/rest/storage_core.go
GetServersToValidate). Each answer becomes one condition ``Healthy`` (True on success, with the
probe's body as message; False with the dial error otherwise). Nothing is stored.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from kubelab.api import errors
from kubelab.api.core import ComponentCondition, ComponentStatus
from kubelab.api.meta import ObjectMeta

# name -> a probe answering (result: "Success" | "Failure" | "Unknown", message, error)
Probe = Callable[[], tuple[str, str, str]]
_STATUS = {"Success": "True", "Failure": "False"}


def refused(port: int, path: str = "/healthz") -> tuple[str, str, str]:
    """What the prober reports when nothing listens on the port."""
    return ("Unknown", "", f'Get "https://127.0.0.1:{port}{path}": dial tcp 127.0.0.1:{port}: '
            "connect: connection refused")


class ComponentStatusREST:
    """The read-only storage the API server answers ``componentstatuses`` from."""

    available = True

    def __init__(self) -> None:
        self.servers: dict[str, Probe] = {}  # in the order kube-apiserver declares them

    def _status(self, name: str, probe: Probe) -> ComponentStatus:
        result, message, error = probe()
        return ComponentStatus(metadata=ObjectMeta(name=name), conditions=[ComponentCondition(
            type="Healthy", status=_STATUS.get(result, "Unknown"), message=message, error=error or None)])

    def get(self, kind: Any, name: str, namespace: Optional[str] = None) -> ComponentStatus:
        probe = self.servers.get(name)
        if probe is None:
            # rest.go: fmt.Errorf("Component not found: %s", name), which the handler answers as
            # ErrorToAPIStatus does for a plain error: 500, reason Unknown, the error's text
            raise errors.StatusError({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 500,
                                      "reason": "Unknown", "message": f"Component not found: {name}"})
        return self._status(name, probe)

    def list(self, kind: Any, namespace: Optional[str] = None, label_selector: Any = None) -> list[ComponentStatus]:
        out = [self._status(n, p) for n, p in self.servers.items()]
        if label_selector is not None:
            out = [o for o in out if label_selector.matches(o.metadata.labels or {})]
        return out


__all__ = ["ComponentStatusREST", "refused"]

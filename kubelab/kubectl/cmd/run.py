"""kubectl run NAME --image=IMAGE (k8s.io/kubectl/pkg/cmd/run/run.go): one pod, labelled run=NAME."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from .util import Args, KubectlError, create_object, int_flag

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if len(a.positional) < 1:
        raise KubectlError("error: NAME is required for run")
    name = a.positional[0]
    images = a.all("image")
    if not images:
        raise KubectlError('error: required flag(s) "image" not set')
    labels = {"run": name}
    if a.get("labels"):
        labels = dict(kv.split("=", 1) for kv in a.get("labels").split(",") if "=" in kv)
    container: dict[str, Any] = {"name": name, "image": images[-1]}
    port = int_flag(a, "port")
    if port is not None and port >= 0:
        container["ports"] = [{"containerPort": port}]
    env = [e.split("=", 1) for e in a.all("env") if "=" in e]
    if env:
        container["env"] = [{"name": key, "value": v} for key, v in env]
    if len(a.positional) > 1:
        container["args"] = a.positional[1:]
    restart = a.get("restart") or "Always"
    if restart not in ("Always", "OnFailure", "Never"):
        raise KubectlError(f"error: invalid restart policy: {restart}")
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": k.ns(a), "labels": labels},
           "spec": {"containers": [container], "restartPolicy": restart, "dnsPolicy": "ClusterFirst"}}
    return create_object(k, a, obj, wrap=None)

"""kubectl create (k8s.io/kubectl/pkg/cmd/create): ``-f`` (create.go, every object of every
file) and the generators create_deployment.go, create_namespace.go, create_configmap.go,
create_secret.go. ``--dry-run=client -o yaml`` prints the object and sends nothing;
``--dry-run=server`` sends it with dryRun=All."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Optional

from .apply import apply_files
from .util import Args, KubectlError, create_object, int_flag

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if a.all("filename"):
        return apply_files(k, a, stdin, "create")
    if not a.positional:
        raise KubectlError("error: must specify one of -f and -k")
    sub, rest = a.positional[0], a.positional[1:]
    ns = k.ns(a)
    if sub in ("deployment", "deploy"):
        return create_deployment(k, a, rest, ns)
    if sub in ("namespace", "ns"):
        _one_name(rest)
        obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": rest[0]}}
        return create_object(k, a, obj, wrap=None)
    if sub in ("configmap", "cm"):
        _one_name(rest)
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": rest[0], "namespace": ns}}
        if literals(a):  # create_configmap.go: an empty Data map is omitted (omitempty)
            obj["data"] = literals(a)
        return create_object(k, a, obj, wrap="failed to create configmap")
    if sub == "secret":
        if not rest or rest[0] != "generic" or len(rest) != 2:
            raise KubectlError("error: only `kubectl create secret generic NAME --from-literal=...` is simulated")
        data = {key: base64.b64encode(v.encode("utf-8", "surrogatepass")).decode() for key, v in literals(a).items()}
        # create_secret.go sets Type only from --type (the server defaults it to Opaque)
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": rest[1], "namespace": ns}}
        if a.get("type"):
            obj["type"] = a.get("type")
        if data:
            obj["data"] = data
        return create_object(k, a, obj, wrap="failed to create secret")
    raise KubectlError(f'error: unknown command "{sub}" for "kubectl create"')


def _one_name(rest: list[str]) -> None:
    if len(rest) != 1:
        raise KubectlError("error: exactly one NAME is required, got %d" % len(rest))


def literals(a: Args) -> dict[str, str]:
    data: dict[str, str] = {}
    for lit in a.all("from-literal"):
        key, eq, v = lit.partition("=")
        if not eq or not key:
            raise KubectlError(f'error: invalid literal source {lit}, expected key=value')
        data[key] = v
    return data


def create_deployment(k: "Kubectl", a: Args, rest: list[str], ns: str) -> str:
    """create_deployment.go: labels app=NAME, one container per --image named after the image."""
    _one_name(rest)
    images = a.all("image")
    if not images:
        raise KubectlError('error: required flag(s) "image" not set')
    replicas = int_flag(a, "replicas", 1)
    port = int_flag(a, "port")
    name = rest[0]
    labels = {"app": name}
    containers, seen = [], set()
    for img in images:
        cname = img.split("/")[-1].split(":")[0].split("@")[0].replace("_", "-")
        base, n = cname, 2
        while cname in seen:  # sanitizeAndUniquify
            cname = f"{base}-{n}"
            n += 1
        seen.add(cname)
        containers.append({"name": cname, "image": img})
    if port is not None and port >= 0:
        containers[0]["ports"] = [{"containerPort": port}]
    obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}},
    }
    return create_object(k, a, obj, wrap="failed to create deployment")

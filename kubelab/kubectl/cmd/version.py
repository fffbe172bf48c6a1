"""kubectl version (k8s.io/kubectl/pkg/cmd/version/version.go): the client's gitVersion, the
kustomize it embeds, and the server's gitVersion from /version. kubelab simulates a
v1.34.1 cluster (the kubelets report the same version) and a kubectl of the same release,
which embeds kustomize v5.7.1."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

import yaml

from .util import Args, KubectlError

if TYPE_CHECKING:
    from ..cli import Kubectl

CLIENT_VERSION = "v1.34.1"
SERVER_VERSION = "v1.34.1"
KUSTOMIZE_VERSION = "v5.7.1"


def _info(git_version: str) -> dict:
    """apimachinery version.Info as /version serves it (gitCommit and buildDate are not simulated)."""
    major, minor = git_version.lstrip("v").split(".")[:2]
    return {"major": major, "minor": minor, "gitVersion": git_version, "goVersion": "go1.24.6",
            "compiler": "gc", "platform": "linux/amd64"}


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    out_fmt = a.get("output") or ""
    if out_fmt not in ("", "yaml", "json"):
        raise KubectlError("error: --output must be 'yaml' or 'json'")
    client_only = bool(a.get("client"))
    doc: dict = {"clientVersion": _info(CLIENT_VERSION), "kustomizeVersion": KUSTOMIZE_VERSION}
    if not client_only:
        doc["serverVersion"] = _info(SERVER_VERSION)
    if out_fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    if out_fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=True, default_flow_style=False) + "\n"
    text = f"Client Version: {CLIENT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
    if not client_only:
        text += f"Server Version: {SERVER_VERSION}\n"
    return text

"""kubectl version (k8s.io/kubectl/pkg/cmd/version/version.go): the client's version.Info, the
kustomize it embeds and the server's /version. kubelab simulates a v1.34.1 cluster and a
kubectl of the same release (kubelab/api/version.py), so no version-skew warning is printed.
``-o json`` is ``json.MarshalIndent`` with two spaces (fields in struct order, the client's
emulation fields omitted); ``-o yaml`` is sigs.k8s.io/yaml (sorted keys) printed with
``Fprintln``, hence the blank line at the end."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from kubelab.api.version import CLIENT_INFO, KUSTOMIZE_VERSION, SERVER_INFO

from ..output import yaml_text
from .util import Args, KubectlError

if TYPE_CHECKING:
    from ..cli import Kubectl

CLIENT_VERSION = CLIENT_INFO["gitVersion"]
SERVER_VERSION = SERVER_INFO["gitVersion"]


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    out_fmt = a.get("output") or ""
    if out_fmt not in ("", "yaml", "json"):
        raise KubectlError("error: --output must be 'yaml' or 'json'")
    client_only = bool(a.get("client"))
    doc: dict = {"clientVersion": dict(CLIENT_INFO), "kustomizeVersion": KUSTOMIZE_VERSION}
    if not client_only:
        doc["serverVersion"] = dict(SERVER_INFO)
    if out_fmt == "json":
        return json.dumps(doc, indent=2) + "\n"
    if out_fmt == "yaml":
        return yaml_text(doc) + "\n"
    text = f"Client Version: {CLIENT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
    if not client_only:
        text += f"Server Version: {SERVER_VERSION}\n"
    return text

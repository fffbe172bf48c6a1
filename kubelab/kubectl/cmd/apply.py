"""kubectl apply -f (k8s.io/kubectl/pkg/cmd/apply/apply.go): client-side apply of every
object of every file through :func:`kubelab.kubectl.apply.apply_one`. As apply.go, every
object is tried; the lines of what went through come first and the errors at the end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from kubelab.api.scheme import kind_by_name

from ..apply import ManifestError, apply_one
from ..printers import resource_name
from .util import (DRY_SERVER, Args, KubectlError, dry_run_strategy, dry_run_suffix, format_error, print_object,
                   read_manifests)

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    return apply_files(k, a, stdin, "apply")


def check_item(label: str, item: Any, ns: Optional[str]) -> dict:
    """What the resource builder refuses before anything is sent: a document that is no
    object, missing apiVersion/kind (validation), a kind the server does not serve."""
    if not isinstance(item, dict):
        raise KubectlError(f'error: error validating "{label}": error validating data: invalid object to validate; '
                           "if you choose to ignore these errors, turn validation off with --validate=false")
    missing = [key for key in ("apiVersion", "kind") if not item.get(key)]
    if missing:
        msg = ", ".join(f"{key} not set" for key in missing)
        raise KubectlError(f'error: error validating "{label}": error validating data: [{msg}]; '
                           "if you choose to ignore these errors, turn validation off with --validate=false")
    meta = item.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise KubectlError(f'error: error validating "{label}": error validating data: ValidationError(metadata): '
                           "invalid type for io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta: got \"array\", expected \"map\"; "
                           "if you choose to ignore these errors, turn validation off with --validate=false")
    meta = meta or {}
    if ns and not meta.get("namespace"):
        item = {**item, "metadata": {**meta, "namespace": ns}}
        meta = item["metadata"]
    kind, version = item.get("kind"), item.get("apiVersion")
    cls = kind_by_name(kind) if isinstance(kind, str) else None
    if cls is None or cls.api_version_str() != version:
        raise KubectlError(
            f'error: resource mapping not found for name: "{meta.get("name", "")}" namespace: "{meta.get("namespace", "")}" '
            f'from "{label}": no matches for kind "{kind}" in version "{version}"\nensure CRDs are installed first')
    return item


def apply_files(k: "Kubectl", a: Args, stdin: Optional[str], verb: str) -> str:
    """``apply -f`` and ``create -f``: every object of every file; errors at the end."""
    strategy = dry_run_strategy(a)
    out_fmt = a.get("output") or ""
    ns = a.get("namespace")
    lines: list[str] = []
    failures: list[str] = []
    seen = 0
    for label, items in read_manifests(a, stdin, verb):
        for item in items:
            seen += 1
            try:
                item = check_item(label, item, ns)
                if verb == "create":
                    obj, action = _create_one(k, item, strategy), "created"
                else:
                    result = apply_one(k.source, item, ns or k.namespace, dry_run=None if strategy == "none" else strategy)
                    obj, action = result.object, result.action
            except KubectlError as e:
                failures.append(e.message)
                continue
            except ManifestError as e:
                failures.append(str(e))
                continue
            except RecursionError:
                failures.append(f'error: error parsing "{label}": exceeded max depth')
                continue
            except Exception as e:  # noqa: BLE001 - the server's refusal of this object
                failures.append(format_error(e, label, creating=True))
                continue
            lines.append(print_object(obj, out_fmt) if out_fmt else f"{resource_name(obj)} {action}{dry_run_suffix(strategy)}\n")
    if not seen and not failures:
        raise KubectlError(f"error: no objects passed to {verb}")
    if failures:
        raise KubectlError("\n".join(failures), partial="".join(lines))
    return "".join(lines)


def _create_one(k: "Kubectl", item: dict, strategy: str):
    from kubelab.api.scheme import DecodeError, decode

    try:
        model = decode(item)
    except DecodeError as e:
        raise KubectlError(f"error: {e.message}") from None
    if strategy == "client":
        return model
    return k.source.create(model, model.metadata.namespace, **({"dry_run": True} if strategy == DRY_SERVER else {}))

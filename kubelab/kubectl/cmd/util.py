"""What every kubectl command shares (k8s.io/kubectl/pkg/cmd/util): error wording
(``StandardErrorMessage``), resource arguments (``TYPE NAME``, ``TYPE/NAME``,
``TYPE1,TYPE2``), reading ``-f`` manifests, the ``--dry-run`` strategy, and reads through
the source that turn its errors into kubectl's lines."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional

import yaml

from kubelab.api.meta import KubeObject
from kubelab.api.scheme import kind_by_name

from ..parser import Args, KubectlError
from ..printers import resource_name
from ..source import status_of
from ..yamlload import load_all

if TYPE_CHECKING:
    from ..cli import Kubectl

__all__ = [
    "KubectlError", "Args", "format_error", "resolve_kind", "targets", "get_object", "list_objects",
    "read_manifests", "dry_run_strategy", "print_object", "create_object", "replace_patch", "ALL_KINDS",
    "DRY_NONE", "DRY_CLIENT", "DRY_SERVER", "int_flag",
]

ALL_KINDS = ("Pod", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "Job", "CronJob")
DRY_NONE, DRY_CLIENT, DRY_SERVER = "none", "client", "server"


def format_error(err: BaseException, filename: Optional[str] = None, creating: bool = False) -> str:
    """helpers.go StandardErrorMessage: ``Error from server (Reason): message``; ``error: ...`` otherwise."""
    st = status_of(err)
    if st is not None:
        msg = st.message or ""
        if filename is not None and creating:
            msg = f'error when creating "{filename}": {msg}'
        reason = st.reason or "InternalError"
        if st.reason == "Unauthorized" and not creating:
            # helpers.go StandardErrorMessage: errors.IsUnauthorized
            return f"error: You must be logged in to the server ({msg})"
        if st.reason in (None, "", "Unknown"):
            return f"Error from server: {msg}"
        return f"Error from server ({reason}): {msg}"
    msg = str(getattr(err, "message", None) or err)
    if msg.startswith(("The connection to the server", "error:", "Error from server")):
        return msg  # already worded as kubectl prints it
    return f"error: {msg}"


def resolve_kind(name: str) -> type[KubeObject]:
    cls = kind_by_name(name)
    if cls is None:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{name}"')
    return cls


def int_flag(a: Args, name: str, default: Optional[int] = None) -> Optional[int]:
    """An int flag as pflag parses it (strconv.ParseInt, 32 bits for most kubectl flags)."""
    raw = a.get(name)
    if raw is None:
        return default
    text = str(raw)
    try:
        value = int(text, 10) if text.lstrip("+-").isdigit() and text.isascii() else None
    except ValueError:
        value = None
    if value is None:
        raise KubectlError(f'error: invalid argument "{text}" for "--{name}" flag: strconv.ParseInt: parsing "{text}": invalid syntax')
    if not -(1 << 31) <= value < (1 << 31):
        raise KubectlError(f'error: invalid argument "{text}" for "--{name}" flag: strconv.ParseInt: parsing "{text}": value out of range')
    return value


def dry_run_strategy(a: Args) -> str:
    """cmdutil.GetDryRunStrategy: ``--dry-run`` alone is ``client`` (its NoOptDefVal is
    ``unchanged``); ``none``, ``client`` or ``server``; anything else is refused."""
    value = a.get("dry-run")
    if value is None or value == "none":
        return DRY_NONE
    if value in ("unchanged", "client"):
        return DRY_CLIENT
    if value == "server":
        return DRY_SERVER
    raise KubectlError(f'error: Invalid dry-run value ({value}). Must be "none", "server", or "client".')


def dry_run_suffix(strategy: str) -> str:
    """The ``(dry run)`` / ``(server dry run)`` kubectl appends to its success lines
    (printers.go PrintFlags.Complete with DryRun)."""
    return {DRY_CLIENT: " (dry run)", DRY_SERVER: " (server dry run)"}.get(strategy, "")


def get_object(k: "Kubectl", cls: type[KubeObject], name: str, ns: str) -> KubeObject:
    try:
        return k.source.get(cls.KIND, name, ns if cls.NAMESPACED else None)
    except Exception as e:  # noqa: BLE001 - a source error is printed, as kubectl does
        raise KubectlError(format_error(e)) from None


def list_objects(k: "Kubectl", cls: type[KubeObject], ns: Optional[str], selector: Optional[str] = None,
                 field_selector: Optional[str] = None) -> list[KubeObject]:
    try:
        return list(k.source.list(cls.KIND, ns if cls.NAMESPACED else None, selector or None, field_selector or None))
    except Exception as e:  # noqa: BLE001
        raise KubectlError(format_error(enhance_list_error(e, cls, selector, field_selector))) from None


def enhance_list_error(err: BaseException, cls: type[KubeObject], label_selector: Optional[str],
                       field_selector: Optional[str]) -> BaseException:
    """cli-runtime resource/helper.go EnhanceListError: a BadRequest or NotFound answer to a
    list names what was listed (``Unable to find "/v1, Resource=pods" that match label
    selector "", field selector "foo=bar": field label not supported: foo``)."""
    from kubelab.api import errors as apierrors

    if not (apierrors.is_bad_request(err) or apierrors.is_not_found(err)):
        return err
    subj = f"{cls.GROUP}/{cls.VERSION}, Resource={cls.RESOURCE}"  # schema.GroupVersionResource.String()
    st = err.to_dict()  # type: ignore[attr-defined]
    if not label_selector and not field_selector:
        st["message"] = f'Unable to list "{subj}": {st.get("message", "")}'
    else:
        q = apierrors.go_quote
        st["message"] = (f'Unable to find "{subj}" that match label selector {q(label_selector or "")}, '
                         f'field selector {q(field_selector or "")}: {st.get("message", "")}')
    return apierrors.StatusError(st)


def targets(a: Args, allow_all: bool = True) -> list[tuple[type[KubeObject], list[str]]]:
    """Parse ``TYPE [NAME...]``, ``TYPE/NAME...`` and ``TYPE1,TYPE2`` (cli-runtime's resource builder)."""
    pos = list(a.positional)
    if not pos:
        return []
    groups: list[tuple[type[KubeObject], list[str]]] = []
    if "/" in pos[0]:
        for p in pos:
            if "/" not in p:
                raise KubectlError("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
            t, _, n = p.partition("/")
            cls = resolve_kind(t)
            if groups and groups[-1][0] is cls:
                groups[-1][1].append(n)
            else:
                groups.append((cls, [n]))
        return groups
    types = pos[0].split(",")
    names = pos[1:]
    classes: list[type[KubeObject]] = []
    for t in types:
        if t == "all" and allow_all:
            classes.extend(kind_by_name(k) for k in ALL_KINDS)  # type: ignore[misc]
        else:
            classes.append(resolve_kind(t))
    return [(c, list(names)) for c in classes]


def read_manifests(a: Args, stdin: Optional[str], verb: str = "apply") -> list[tuple[str, list[Any]]]:
    """The documents of every ``-f`` (a path, a directory, ``-`` for stdin, or inline text),
    as ``(label, items)``; a ``List`` is unwrapped. Items are what the YAML holds (not
    checked here: each command refuses a bad one in its own words)."""
    files = a.all("filename")
    if not files:
        raise KubectlError("error: must specify one of -f and -k")
    out: list[tuple[str, list[Any]]] = []
    for f in files:
        if f == "-":
            if stdin is None:
                raise KubectlError(f"error: no objects passed to {verb}")
            label, text = "STDIN", stdin
        elif "\n" in f or f.lstrip().startswith("{"):
            label, text = "STDIN", f  # manifest text passed inline
        elif os.path.isdir(f):
            for name in sorted(os.listdir(f)):
                if name.endswith((".yaml", ".yml", ".json")):
                    out.extend(read_manifests(Args(verb, [], {"filename": [os.path.join(f, name)]}), None, verb))
            continue
        elif os.path.exists(f):
            label = f
            try:
                with open(f, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError) as e:
                raise KubectlError(f"error: {e}") from None
        else:
            raise KubectlError(f'error: the path "{f}" does not exist')
        try:
            docs = load_all(text)
        except (yaml.YAMLError, RecursionError, ValueError) as e:
            detail = e if not isinstance(e, RecursionError) else "exceeded max depth"
            raise KubectlError(f"error: error parsing {label}: error converting YAML to JSON: {detail}") from None
        items: list[Any] = []
        for d in docs:
            if isinstance(d, dict) and str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
                items.extend(d["items"])
            else:
                items.append(d)
        out.append((label, items))
    return out


def print_object(obj: Any, out_fmt: str) -> str:
    """``-o yaml|json|name`` of one object (what ``--dry-run=client -o yaml`` prints)."""
    from ..output import to_json, to_name, to_yaml

    if out_fmt == "yaml":
        return to_yaml([obj], True)
    if out_fmt == "json":
        return to_json([obj], True)
    if out_fmt == "name":
        return to_name([obj])
    raise KubectlError(
        f'error: unable to match a printer suitable for the output format "{out_fmt}", allowed formats are: '
        "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml")


def create_object(k: "Kubectl", a: Args, obj: dict, wrap: Optional[str], verb: str = "created") -> str:
    """The imperative create commands' last step (create_*.go Run): decode, then by
    ``--dry-run``: print without sending (client), send with dryRun=All (server) or create.
    ``wrap`` is the command's ``failed to create ...:`` prefix, or None for the server's
    own error; ``-o`` prints the object instead of the ``<resource> created`` line."""
    from kubelab.api.scheme import DecodeError, decode

    strategy = dry_run_strategy(a)
    out_fmt = a.get("output") or ""
    try:
        model = decode(obj)
    except DecodeError as e:
        raise KubectlError(f"error: {e.message}") from None
    if strategy == DRY_CLIENT:
        created: KubeObject = model
        if out_fmt and a.get("namespace") is None and created.metadata.namespace:
            # the generators name a namespace only when it is enforced (-n): create_deployment.go
            # `if o.EnforceNamespace { namespace = o.Namespace }`, and so the others; the server
            # fills it in from the URL, the client-side dry run prints the object without one
            created = created.copy_deep()
            created.metadata.namespace = None
    else:
        try:
            created = k.source.create(model, model.metadata.namespace, **({"dry_run": True} if strategy == DRY_SERVER else {}))
        except Exception as e:  # noqa: BLE001
            if wrap is not None and status_of(e) is not None:
                raise KubectlError(f"error: {wrap}: {status_of(e).message}") from None
            raise KubectlError(format_error(e)) from None
    if out_fmt == "yaml" and strategy == DRY_CLIENT:
        from ..output import yaml_text

        return yaml_text(go_typed_zero_values(created.to_dict()))
    if out_fmt:
        return print_object(created, out_fmt)
    return f"{resource_name(created)} {verb}{dry_run_suffix(strategy)}\n"


def go_typed_zero_values(doc: dict) -> dict:
    """What encoding/json adds when the client prints a typed object it built itself (a
    client-side dry run): ``omitempty`` never drops a struct, so empty structs print as ``{}``
    (DeploymentSpec.Strategy, Container.Resources, ServiceStatus.LoadBalancer, a Status), and
    a nil slice without ``omitempty`` prints as null (autoscaling/v2 status.currentMetrics).
    Objects read from the server keep what the server sent. (-o json prints typed objects in
    struct field order, not sorted: not simulated.)"""
    kind = doc.get("kind")

    def containers(pod_spec: Any) -> None:
        for c in (pod_spec or {}).get("containers") or ():
            c.setdefault("resources", {})

    if kind == "Deployment":
        spec = doc.setdefault("spec", {})
        spec.setdefault("strategy", {})
        template = spec.setdefault("template", {})
        template.setdefault("metadata", {})
        containers(template.get("spec"))
        doc.setdefault("status", {})
    elif kind == "Pod":
        containers(doc.get("spec"))
        doc.setdefault("status", {})
    elif kind == "Service":
        doc.setdefault("spec", {})
        doc.setdefault("status", {}).setdefault("loadBalancer", {})
    elif kind == "HorizontalPodAutoscaler":
        status = doc.setdefault("status", {})
        status.setdefault("currentMetrics", None)
        status.setdefault("desiredReplicas", 0)
    return doc


def replace_patch(current: Any, target: Any) -> Any:
    """A JSON merge patch turning ``current`` into ``target`` (null for removed keys)."""
    if not isinstance(current, dict) or not isinstance(target, dict):
        return target
    patch: dict[str, Any] = {}
    for key in current:
        if key not in target:
            patch[key] = None
    for key, v in target.items():
        if key not in current:
            patch[key] = v
        elif current[key] != v:
            patch[key] = replace_patch(current[key], v)
    return patch

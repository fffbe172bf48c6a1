"""``Kubectl(source)("get pods -o wide")``: kubectl's verbs, flags, output and error wording.

The facade parses an argument string the way kubectl's cobra commands do and answers
with the text kubectl would print (stdout and stderr together, as a terminal shows
them). Where kubectl's wording comes from:

- get: k8s.io/kubectl/pkg/cmd/get/get.go (``No resources found in default namespace.``),
  tables from :mod:`kubelab.kubectl.printers`;
- errors from the server: ``Error from server (<Reason>): <message>``
  (k8s.io/kubectl/pkg/cmd/util/helpers.go ``StandardErrorMessage``);
- unknown types: ``error: the server doesn't have a resource type "foo"``;
- apply/create/delete/scale/label/taint/cordon/drain/rollout: the ``<resource>/<name>
  <verb>ed`` lines of their printers (pkg/cmd/<verb>/).

The source is anything implementing :class:`kubelab.kubectl.source.Source`.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import yaml

from kubelab.api.base import rfc3339
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import KINDS, kind_by_name

from . import describe as _describe
from .output import sort_objects, to_json, to_jsonpath, to_name, to_yaml
from .printers import TABLES, no_resources_message, print_table, resource_name
from .source import Source, status_of
from .tabwriter import GET_SETTINGS, tabulate

__all__ = ["Kubectl", "Output", "KubectlError"]


class Output(str):
    """What kubectl printed. A ``str`` (so ``print(...)`` and ``in`` work) that shows itself
    unquoted as a notebook cell result, and knows kubectl's exit code."""

    exit_code: int = 0

    def __new__(cls, text: str, exit_code: int = 0) -> "Output":
        obj = super().__new__(cls, text)
        obj.exit_code = exit_code
        return obj

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self).rstrip("\n"))

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class KubectlError(Exception):
    """A message kubectl prints before exiting with status 1."""

    def __init__(self, message: str, partial: str = ""):
        super().__init__(message)
        self.message = message
        self.partial = partial  # output printed before the error


# ----------------------------------------------------------------------------- flags

_VALUE_FLAGS = {
    "namespace": "n", "output": "o", "selector": "l", "field-selector": None, "filename": "f",
    "replicas": None, "sort-by": None, "label-columns": "L", "to-revision": None, "timeout": None,
    "grace-period": None, "container": "c", "current-replicas": None, "show-events": None,
    "request-timeout": None, "image": None, "port": None, "target-port": None, "type": None, "name": None,
    "labels": None, "restart": None, "from-literal": None, "patch": "p", "env": None, "protocol": None,
}
_BOOL_FLAGS = {
    "all-namespaces": "A", "show-labels": None, "no-headers": None, "overwrite": None, "ignore-daemonsets": None,
    "force": None, "delete-emptydir-data": None, "watch": "w", "all": None, "wait": None, "recursive": "R",
    "show-kind": None, "dry-run": None, "watch-only": None,
}
_SHORT = {v: k for k, v in {**_VALUE_FLAGS, **_BOOL_FLAGS}.items() if v}

_VERBS = (
    "get", "describe", "apply", "create", "delete", "scale", "cordon", "uncordon", "drain", "taint", "label",
    "annotate", "rollout", "top", "api-resources", "version", "run", "expose", "set", "patch",
)


@dataclass
class _Args:
    verb: str
    positional: list[str] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        v = self.flags.get(name, default)
        return v[-1] if isinstance(v, list) else v

    def all(self, name: str) -> list[Any]:
        v = self.flags.get(name)
        if v is None:
            return []
        return v if isinstance(v, list) else [v]


def _parse(tokens: list[str]) -> _Args:
    if tokens and tokens[0] == "kubectl":
        tokens = tokens[1:]
    verb = None
    positional: list[str] = []
    flags: dict[str, Any] = {}
    i = 0

    def put(name: str, value: Any) -> None:
        if name in ("filename", "label-columns", "from-literal", "image", "env"):
            flags.setdefault(name, []).append(value)
        else:
            flags[name] = value

    while i < len(tokens):
        t = tokens[i]
        i += 1
        if t == "--":
            positional.extend(tokens[i:])
            break
        if t.startswith("--") and len(t) > 2:
            name, eq, value = t[2:].partition("=")
            if name in _VALUE_FLAGS:
                if not eq:
                    if i >= len(tokens):
                        raise KubectlError(f"error: flag needs an argument: --{name}")
                    value = tokens[i]
                    i += 1
                put(name, value)
            elif name in _BOOL_FLAGS:
                put(name, (value.lower() not in ("false", "0")) if eq else True)
            else:
                raise KubectlError(f"error: unknown flag: --{name}")
            continue
        if t.startswith("-") and len(t) > 1 and t != "-":
            letters = t[1:]
            j = 0
            while j < len(letters):
                ch = letters[j]
                name = _SHORT.get(ch)
                if name is None:
                    raise KubectlError(f"error: unknown shorthand flag: '{ch}' in {t}")
                if name in _VALUE_FLAGS:
                    rest = letters[j + 1:]
                    if rest.startswith("="):
                        rest = rest[1:]
                    if rest:
                        value = rest
                    else:
                        if i >= len(tokens):
                            raise KubectlError(f"error: flag needs an argument: '{ch}' in -{ch}")
                        value = tokens[i]
                        i += 1
                    put(name, value)
                    break
                put(name, True)
                j += 1
            continue
        if verb is None:
            verb = t
        else:
            positional.append(t)
    if verb is None:
        raise KubectlError(
            "kubectl controls the Kubernetes cluster manager.\n\n"
            " Find more information at: https://kubernetes.io/docs/reference/kubectl/"
        )
    return _Args(verb=verb, positional=positional, flags=flags)


def _format_error(err: BaseException, filename: Optional[str] = None, creating: bool = False) -> str:
    """StandardErrorMessage: ``Error from server (Reason): message``; ``error: ...`` otherwise."""
    st = status_of(err)
    if st is not None:
        msg = st.message or ""
        if filename is not None and creating:
            msg = f'error when creating "{filename}": {msg}'
        reason = st.reason or "InternalError"
        if st.reason in (None, "", "Unknown"):
            return f"Error from server: {msg}"
        return f"Error from server ({reason}): {msg}"
    msg = str(getattr(err, "message", None) or err)
    if msg.startswith(("The connection to the server", "error:", "Error from server")):
        return msg  # already worded as kubectl prints it
    return f"error: {msg}"


def _resolve_kind(name: str) -> type[KubeObject]:
    cls = kind_by_name(name)
    if cls is None:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{name}"')
    return cls


_ALL = ("Pod", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "Job", "CronJob")


class Kubectl:
    """``kubectl`` against a :class:`~kubelab.kubectl.source.Source`.

    >>> k = Kubectl(source)            # doctest: +SKIP
    >>> print(k("get pods -o wide"))   # doctest: +SKIP
    """

    def __init__(self, source: Source, namespace: str = "default") -> None:
        self.source = source
        self.namespace = namespace

    def __repr__(self) -> str:
        return f"<Kubectl namespace={self.namespace}>"

    def __call__(self, args: str | Sequence[str], stdin: Optional[str] = None) -> Output:
        try:
            tokens = shlex.split(args) if isinstance(args, str) else list(args)
        except ValueError as e:
            return Output(f"error: {e}\n", 1)
        try:
            a = _parse(tokens)
            handler = getattr(self, "_cmd_" + a.verb.replace("-", "_"), None)
            if handler is None or a.verb not in _VERBS:
                raise KubectlError(f'error: unknown command "{a.verb}" for "kubectl"')
            text = handler(a, stdin)
            return Output(text, 0)
        except KubectlError as e:
            text = e.partial + e.message
            return Output(text if text.endswith("\n") else text + "\n", 1)
        except Exception as e:  # noqa: BLE001 - an API error the command did not expect
            if status_of(e) is None and not str(e).startswith("The connection to the server"):
                raise
            return Output(_format_error(e) + "\n", 1)

    run = __call__

    # -- helpers --------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.source.now

    def _ns(self, a: _Args) -> str:
        return a.get("namespace") or self.namespace

    def _get(self, cls: type[KubeObject], name: str, ns: str) -> KubeObject:
        try:
            return self.source.get(cls.KIND, name, ns if cls.NAMESPACED else None)
        except Exception as e:  # noqa: BLE001 - a source error is printed, as kubectl does
            raise KubectlError(_format_error(e)) from None

    def _list(self, cls: type[KubeObject], ns: Optional[str], selector: Optional[str] = None, field_selector: Optional[str] = None) -> list[KubeObject]:
        try:
            return list(self.source.list(cls.KIND, ns if cls.NAMESPACED else None, selector or None, field_selector or None))
        except Exception as e:  # noqa: BLE001
            raise KubectlError(_format_error(e)) from None

    def _targets(self, a: _Args, verb: str, allow_all: bool = True, require: bool = True) -> list[tuple[type[KubeObject], list[str]]]:
        """Parse ``TYPE [NAME...]``, ``TYPE/NAME...`` and ``TYPE1,TYPE2``."""
        pos = list(a.positional)
        if not pos:
            return []
        groups: list[tuple[type[KubeObject], list[str]]] = []
        if "/" in pos[0]:
            for p in pos:
                if "/" not in p:
                    raise KubectlError("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
                t, _, n = p.partition("/")
                cls = _resolve_kind(t)
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
                classes.extend(kind_by_name(k) for k in _ALL)  # type: ignore[misc]
            else:
                classes.append(_resolve_kind(t))
        if names and len(classes) > 1:
            # kubectl get pod,svc web: each type with the names
            return [(c, list(names)) for c in classes]
        return [(c, list(names)) for c in classes]

    # -- get ------------------------------------------------------------------------------
    def _cmd_get(self, a: _Args, stdin: Optional[str]) -> str:
        if a.get("watch") or a.get("watch-only"):
            return self._watch(a)
        targets = self._targets(a, "get")
        if not targets:
            raise KubectlError(
                'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n'
                "error: Required resource not specified.\n"
                'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
                "See 'kubectl get -h' for help and examples"
            )
        all_ns = bool(a.get("all-namespaces"))
        ns = self._ns(a)
        out_fmt = a.get("output") or ""
        wide = out_fmt == "wide"
        selector = a.get("selector")
        fsel = a.get("field-selector")
        sort_by = a.get("sort-by")
        label_cols: list[str] = []
        for lc in a.all("label-columns"):
            label_cols.extend(x for x in lc.split(",") if x)
        named = any(names for _, names in targets)
        multi = len(targets) > 1
        with_kind = multi or bool(a.get("show-kind"))

        collected: list[tuple[type[KubeObject], list[KubeObject]]] = []
        errors: list[str] = []
        for cls, names in targets:
            if names:
                objs = []
                for n in names:
                    try:
                        objs.append(self.source.get(cls.KIND, n, ns if cls.NAMESPACED else None))
                    except Exception as e:  # noqa: BLE001
                        errors.append(_format_error(e))
            else:
                objs = self._list(cls, None if all_ns else ns, selector, fsel)
            if sort_by:
                try:
                    objs = sort_objects(objs, sort_by)
                except ValueError as e:
                    raise KubectlError(f"error: couldn't find any field with path \"{sort_by}\" in the list of objects: {e}") from None
            collected.append((cls, objs))

        every = [o for _, objs in collected for o in objs]
        text = ""
        if out_fmt in ("yaml", "json", "name") or out_fmt.startswith(("jsonpath", "custom-columns")):
            # printGeneric: one named object prints as itself; anything else (even nothing) as a List
            single = named and len(every) == 1 and not multi and sum(len(n) for _, n in targets) == 1
            if out_fmt == "yaml":
                text = to_yaml(every, single)
            elif out_fmt == "json":
                text = to_json(every, single)
            elif out_fmt == "name":
                text = to_name(every)
            elif out_fmt.startswith("jsonpath"):
                _, _, tmpl = out_fmt.partition("=")
                if not tmpl:
                    raise KubectlError("error: template format specified but no template given")
                try:
                    text = to_jsonpath(tmpl, every, single)
                except ValueError as e:
                    raise KubectlError(f'error: error parsing jsonpath {tmpl}, {e}') from None
            else:
                text = self._custom_columns(out_fmt.partition("=")[2], every)
        elif out_fmt in ("", "wide"):
            tables = []
            for cls, objs in collected:
                if not objs:
                    continue
                tables.append(
                    print_table(
                        objs, self.now, kind=cls.KIND, wide=wide, all_namespaces=all_ns,
                        show_labels=bool(a.get("show-labels")), no_headers=bool(a.get("no-headers")),
                        with_kind=with_kind, label_columns=label_cols,
                    )
                )
            text = "\n".join(tables)
            if not every and not errors:
                text = no_resources_message(ns, any(c.NAMESPACED for c, _ in collected), all_ns) + "\n"
        else:
            raise KubectlError(
                f'error: unable to match a printer suitable for the output format "{out_fmt}", allowed formats are: '
                "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
            )
        if errors:
            raise KubectlError("\n".join(errors), partial=text)
        return text

    def _watch(self, a: _Args) -> str:
        """``get -w``: the table, then a row each time an object changes, as simulated time
        runs for ``--request-timeout`` (default 30s). The stream is replayed from the
        simulation: the source must be able to ``run(seconds=...)``."""
        run = getattr(self.source, "run", None)
        if run is None:
            raise KubectlError("error: watch needs a running cluster (this source cannot advance time)")
        targets = self._targets(a, "get")
        if len(targets) != 1:
            raise KubectlError("error: you may only specify a single resource type")
        cls, names = targets[0]
        out_fmt = a.get("output") or ""
        if out_fmt not in ("", "wide"):
            raise KubectlError(f'error: watch is only simulated for table output, not "{out_fmt}"')
        timeout = _parse_duration(a.get("request-timeout") or "30s")
        all_ns = bool(a.get("all-namespaces"))
        ns = None if all_ns else self._ns(a)
        wide = out_fmt == "wide"

        def snapshot() -> dict[tuple[str, str], KubeObject]:
            objs = self._list(cls, ns, a.get("selector"), a.get("field-selector"))
            if names:
                objs = [o for o in objs if o.metadata.name in names]
            return {(o.metadata.namespace or "", o.metadata.name or ""): o for o in objs}

        printer = TABLES.get(cls.KIND)
        if printer is None:
            raise KubectlError(f"error: watch is not simulated for {cls.group_resource()}")
        header = [c.header for c in printer.columns if wide or c.priority == 0]
        if all_ns and cls.NAMESPACED:
            header = ["NAMESPACE"] + header

        def cells_of(o: KubeObject) -> list[str]:
            cells = list(printer.row(o, self.now, wide))
            return ([o.metadata.namespace or ""] + cells) if all_ns and cls.NAMESPACED else cells

        # kubectl's watch printer keeps its tabwriter widths between events (RememberWidths):
        # a column only ever grows, so later rows line up under the header
        widths = [0] * len(header)

        def emit(rows: list[list[str]]) -> str:
            for r in rows:
                for i, c in enumerate(r[:-1]):
                    widths[i] = max(widths[i], GET_SETTINGS["minwidth"], len(c) + GET_SETTINGS["padding"])
            return "".join("".join(c.ljust(widths[i]) for i, c in enumerate(r[:-1])) + r[-1] + "\n" for r in rows)

        seen = snapshot()
        lines: list[str] = []
        header_done = False
        first = sorted(seen.values(), key=lambda o: (o.metadata.namespace or "", o.metadata.name or ""))
        if first:
            lines.append(emit([header] + [cells_of(o) for o in first]))
            header_done = True
        versions = {k: o.metadata.resource_version for k, o in seen.items()}
        step = 1.0
        elapsed = 0.0
        while elapsed < timeout:
            run(seconds=min(step, timeout - elapsed))
            elapsed += step
            now = snapshot()
            changed = [o for k, o in now.items() if versions.get(k) != o.metadata.resource_version]
            gone = [_as_deleted(o, self.now) for k, o in seen.items() if k not in now]
            batch = [cells_of(o) for o in sorted(changed + gone, key=lambda o: (o.metadata.namespace or "", o.metadata.name or ""))]
            if batch:
                lines.append(emit(([] if header_done else [header]) + batch))
                header_done = True
            versions = {k: o.metadata.resource_version for k, o in now.items()}
            seen = now
        return "".join(lines)

    def _custom_columns(self, spec: str, objs: list[KubeObject]) -> str:
        from .jsonpath import _steps, _walk, _format

        cols = []
        for part in spec.split(","):
            if ":" not in part:
                raise KubectlError(f'error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>')
            h, _, expr = part.partition(":")
            expr = expr.strip()
            if expr.startswith("{") and expr.endswith("}"):
                expr = expr[1:-1]
            cols.append((h, _steps(expr)))
        rows = [[h for h, _ in cols]]
        for o in objs:
            d = o.to_dict()
            row = []
            for _, steps in cols:
                vals = _walk([d], steps)
                row.append(",".join(_format(v) for v in vals) if vals else "<none>")
            rows.append(row)
        return tabulate(rows, **GET_SETTINGS)

    # -- describe -------------------------------------------------------------------------
    def _cmd_describe(self, a: _Args, stdin: Optional[str]) -> str:
        targets = self._targets(a, "describe", allow_all=True)
        if not targets:
            raise KubectlError(
                'You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.\n'
                "error: Required resource not specified."
            )
        ns = self._ns(a)
        all_ns = bool(a.get("all-namespaces"))
        show_events = str(a.get("show-events", "true")).lower() != "false"
        outs: list[str] = []
        for cls, names in targets:
            objs: list[KubeObject] = []
            if names:
                for n in names:
                    try:
                        objs.append(self.source.get(cls.KIND, n, ns if cls.NAMESPACED else None))
                    except Exception as e:  # noqa: BLE001
                        # kubectl describe falls back to a name-prefix match
                        prefixed = [o for o in self._list(cls, ns) if (o.metadata.name or "").startswith(n)]
                        if not prefixed:
                            raise KubectlError(_format_error(e), partial="\n\n".join(outs)) from None
                        objs.extend(prefixed)
            else:
                objs = self._list(cls, None if all_ns else ns, a.get("selector"), a.get("field-selector"))
            for o in objs:
                outs.append(_describe.describe(o, self.source, show_events=show_events))
        if not outs:
            return no_resources_message(ns, any(c.NAMESPACED for c, _ in targets), all_ns) + "\n"
        return "\n\n".join(outs)

    # -- apply / create / delete ---------------------------------------------------------
    def _read_manifests(self, a: _Args, stdin: Optional[str]) -> list[tuple[str, list[dict]]]:
        files = a.all("filename")
        if not files:
            raise KubectlError("error: must specify one of -f and -k")
        out = []
        for f in files:
            if f == "-":
                if stdin is None:
                    raise KubectlError("error: no objects passed to apply")
                label, text = "STDIN", stdin
            elif "\n" in f or f.lstrip().startswith("{"):
                label, text = "STDIN", f  # manifest text passed inline
            elif os.path.isdir(f):
                label, text = f, ""
                for name in sorted(os.listdir(f)):
                    if name.endswith((".yaml", ".yml", ".json")):
                        out.extend(self._read_manifests(_Args("apply", [], {"filename": [os.path.join(f, name)]}), None))
                continue
            elif os.path.exists(f):
                label = f
                with open(f, encoding="utf-8") as fh:
                    text = fh.read()
            else:
                raise KubectlError(f'error: the path "{f}" does not exist')
            try:
                docs = [d for d in yaml.safe_load_all(text) if d is not None]
            except yaml.YAMLError as e:
                raise KubectlError(f"error: error parsing {label}: error converting YAML to JSON: {e}") from None
            items: list[dict] = []
            for d in docs:
                if not isinstance(d, dict):
                    raise KubectlError(f"error: error parsing {label}: expected an object")
                if str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
                    items.extend(d["items"])
                else:
                    items.append(d)
            out.append((label, items))
        return out

    def _apply_like(self, a: _Args, stdin: Optional[str], verb: str) -> str:
        lines: list[str] = []
        ns = a.get("namespace")
        for label, items in self._read_manifests(a, stdin):
            if not items:
                raise KubectlError("error: no objects passed to " + verb, partial="".join(lines))
            for item in items:
                missing = [k for k in ("apiVersion", "kind") if not item.get(k)]
                if missing:
                    msg = ", ".join(f"{k} not set" for k in missing)
                    raise KubectlError(
                        f'error: error validating "{label}": error validating data: [{msg}]; if you choose to ignore these errors, turn validation off with --validate=false',
                        partial="".join(lines),
                    )
                if ns and isinstance(item.get("metadata"), dict) and not item["metadata"].get("namespace"):
                    item = {**item, "metadata": {**item["metadata"], "namespace": ns}}
                cls = kind_by_name(item.get("kind", "")) if item.get("kind") else None
                name = (item.get("metadata") or {}).get("name", "")
                if cls is None or cls.api_version_str() != item.get("apiVersion"):
                    raise KubectlError(
                        f'error: resource mapping not found for name: "{name}" namespace: "{(item.get("metadata") or {}).get("namespace", "")}" from "{label}": '
                        f'no matches for kind "{item.get("kind")}" in version "{item.get("apiVersion")}"\nensure CRDs are installed first',
                        partial="".join(lines),
                    )
                if verb == "create":
                    try:
                        self.source.get(cls.KIND, name, (item.get("metadata") or {}).get("namespace") or self.namespace)
                    except Exception:  # noqa: BLE001 - absent: fine
                        pass
                    else:
                        raise KubectlError(
                            f'Error from server (AlreadyExists): error when creating "{label}": {cls.group_resource()} "{name}" already exists',
                            partial="".join(lines),
                        )
                try:
                    results = self.source.apply(item)
                except Exception as e:  # noqa: BLE001
                    raise KubectlError(_format_error(e, label, creating=True), partial="".join(lines)) from None
                for r in results:
                    if isinstance(r, str):  # a source may answer with kubectl's own line
                        line = r if verb != "create" else r.rsplit(" ", 1)[0] + " created"
                        lines.append(line.rstrip("\n") + "\n")
                        continue
                    obj, action = (r.object, r.action) if hasattr(r, "object") else (r[0], r[1])
                    if verb == "create":
                        action = "created"
                    lines.append(f"{resource_name(obj)} {action}\n")
        return "".join(lines)

    def _cmd_apply(self, a: _Args, stdin: Optional[str]) -> str:
        return self._apply_like(a, stdin, "apply")

    def _cmd_create(self, a: _Args, stdin: Optional[str]) -> str:
        if a.all("filename"):
            return self._apply_like(a, stdin, "create")
        if not a.positional:
            raise KubectlError("error: must specify one of -f and -k")
        sub, rest = a.positional[0], a.positional[1:]
        ns = self._ns(a)
        if sub in ("deployment", "deploy"):
            return self._create_deployment(a, rest, ns)
        if sub in ("namespace", "ns"):
            if len(rest) != 1:
                raise KubectlError("error: exactly one NAME is required, got %d" % len(rest))
            obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": rest[0]}}
            return self._create_object(obj, wrap=None)
        if sub in ("configmap", "cm"):
            if len(rest) != 1:
                raise KubectlError("error: exactly one NAME is required, got %d" % len(rest))
            data = self._literals(a)
            obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": rest[0], "namespace": ns}, "data": data}
            return self._create_object(obj, wrap="failed to create configmap")
        if sub == "secret":
            if not rest or rest[0] != "generic" or len(rest) != 2:
                raise KubectlError("error: only `kubectl create secret generic NAME --from-literal=...` is simulated")
            import base64

            data = {k: base64.b64encode(v.encode()).decode() for k, v in self._literals(a).items()}
            obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": rest[1], "namespace": ns}, "type": "Opaque", "data": data}
            return self._create_object(obj, wrap="failed to create secret")
        raise KubectlError(f'error: unknown command "{sub}" for "kubectl create"')

    def _literals(self, a: _Args) -> dict[str, str]:
        data: dict[str, str] = {}
        for lit in a.all("from-literal"):
            k, eq, v = lit.partition("=")
            if not eq or not k:
                raise KubectlError(f'error: invalid literal source {lit}, expected key=value')
            data[k] = v
        return data

    def _create_object(self, obj: dict, wrap: Optional[str]) -> str:
        """Create, failing on an existing object as the create command does (``wrap``: the
        command's ``failed to create ...:`` prefix, or None to print the server's error)."""
        from kubelab.api.scheme import decode

        model = decode(obj)
        create = getattr(self.source, "create", None)
        try:
            if create is not None:
                created = create(model)
            else:
                cls = type(model)
                try:
                    self.source.get(cls.KIND, model.metadata.name or "", model.metadata.namespace)
                except Exception:  # noqa: BLE001 - absent: create it
                    pass
                else:
                    from .source import ApiError

                    raise ApiError({"reason": "AlreadyExists", "code": 409,
                                    "message": f'{cls.group_resource()} "{model.metadata.name}" already exists'})
                self.source.apply(obj)
                created = model
        except KubectlError:
            raise
        except Exception as e:  # noqa: BLE001
            if wrap is not None and status_of(e) is not None:
                raise KubectlError(f"error: {wrap}: {status_of(e).message}") from None
            raise KubectlError(_format_error(e)) from None
        return f"{resource_name(created if isinstance(created, KubeObject) else model)} created\n"

    def _create_deployment(self, a: _Args, rest: list[str], ns: str) -> str:
        """create_deployment.go: labels app=NAME, one container per --image named after the image."""
        if len(rest) != 1:
            raise KubectlError("error: exactly one NAME is required, got %d" % len(rest))
        images = a.all("image")
        if not images:
            raise KubectlError('error: required flag(s) "image" not set')
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
        port = a.get("port")
        if port is not None:
            containers[0]["ports"] = [{"containerPort": int(port)}]
        obj = {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"replicas": int(a.get("replicas") or 1), "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}}},
        }
        return self._create_object(obj, wrap="failed to create deployment")

    def _cmd_run(self, a: _Args, stdin: Optional[str]) -> str:
        """kubectl run NAME --image=IMAGE: one pod, labelled run=NAME."""
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
        if a.get("port") is not None:
            container["ports"] = [{"containerPort": int(a.get("port"))}]
        env = [e.split("=", 1) for e in a.all("env") if "=" in e]
        if env:
            container["env"] = [{"name": k, "value": v} for k, v in env]
        if len(a.positional) > 1:
            container["args"] = a.positional[1:]
        restart = a.get("restart") or "Always"
        if restart not in ("Always", "OnFailure", "Never"):
            raise KubectlError(f"error: invalid restart policy: {restart}")
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": self._ns(a), "labels": labels},
               "spec": {"containers": [container], "restartPolicy": restart, "dnsPolicy": "ClusterFirst"}}
        return self._create_object(obj, wrap=None)

    def _cmd_expose(self, a: _Args, stdin: Optional[str]) -> str:
        """kubectl expose: a Service selecting what a Deployment/ReplicaSet/Pod/Service selects."""
        targets = self._targets(a, "expose", allow_all=False)
        if not targets or not targets[0][1]:
            raise KubectlError("error: You must provide one or more resources by argument or filename.")
        cls, names = targets[0]
        ns = self._ns(a)
        obj = self._get(cls, names[0], ns)
        if cls.KIND == "Pod":
            selector = dict(obj.metadata.labels or {})
        elif cls.KIND == "Service":
            selector = dict(obj.spec.selector or {})  # type: ignore[attr-defined]
        elif cls.KIND in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
            sel = obj.spec.selector  # type: ignore[attr-defined]
            if sel is None or sel.match_expressions:
                raise KubectlError("error: couldn't retrieve selectors via --selector flag or introspection: "
                                   "invalid deployment: no selectors, therefore cannot be exposed")
            selector = dict(sel.match_labels or {})
        else:
            raise KubectlError(f"error: cannot expose a {cls.KIND}")
        port = a.get("port")
        if port is None:
            spec = obj.spec if cls.KIND == "Pod" else getattr(obj.spec, "template", None)  # type: ignore[attr-defined]
            pod_spec = spec if cls.KIND == "Pod" else (spec.spec if spec else None)
            ports = [p.container_port for c in (pod_spec.containers if pod_spec else []) for p in c.ports or ()]
            if not ports:
                raise KubectlError("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples")
        else:
            ports = [int(port)]
        target = a.get("target-port")
        svc_ports = []
        for i, p in enumerate(ports):
            sp: dict[str, Any] = {"port": p, "protocol": a.get("protocol") or "TCP",
                                  "targetPort": (int(target) if str(target).isdigit() else target) if target else p}
            if len(ports) > 1:
                sp["name"] = f"port-{i + 1}"
            svc_ports.append(sp)
        svc_type = a.get("type") or "ClusterIP"
        if svc_type not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
            raise KubectlError(f'error: invalid service type "{svc_type}"')
        name = a.get("name") or names[0]
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns, "labels": dict(obj.metadata.labels or {}) or None},
               "spec": {"selector": selector, "ports": svc_ports, "type": svc_type}}
        if svc["metadata"]["labels"] is None:
            del svc["metadata"]["labels"]
        return self._create_object(svc, wrap=None).replace(" created\n", " exposed\n")

    def _cmd_set(self, a: _Args, stdin: Optional[str]) -> str:
        """kubectl set image TYPE/NAME CONTAINER=IMAGE... (``*`` for every container)."""
        if not a.positional or a.positional[0] != "image":
            raise KubectlError("error: only `kubectl set image` is simulated")
        pos = a.positional[1:]
        updates = [p for p in pos if "=" in p]
        resources = [p for p in pos if "=" not in p]
        if not updates:
            raise KubectlError("error: at least one image update is required")
        ns = self._ns(a)
        out = ""
        for cls, names in self._targets(_Args("set", resources, a.flags), "set", allow_all=False):
            if cls.KIND not in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Pod", "Job", "CronJob"):
                raise KubectlError(f"error: {cls.group_resource()} does not have containers")
            for n in names:
                obj = self._get(cls, n, ns)
                d = obj.to_dict()
                spec = d["spec"]
                pod_spec = spec if cls.KIND == "Pod" else (
                    spec["jobTemplate"]["spec"]["template"]["spec"] if cls.KIND == "CronJob" else spec["template"]["spec"])
                changed = False
                for u in updates:
                    cname, _, image = u.partition("=")
                    hits = [c for c in pod_spec.get("containers", []) if cname in ("*", c["name"])]
                    if not hits:
                        raise KubectlError(f'error: unable to find container named "{cname}"', partial=out)
                    for c in hits:
                        changed |= c.get("image") != image
                        c["image"] = image
                if not changed:
                    out += f"{resource_name(obj)} image updated\n"  # kubectl says so even then
                    continue
                try:
                    self.source.patch(cls.KIND, n, {"spec": _replace_patch(obj.to_dict()["spec"], spec)}, ns, patch_type="merge")
                except Exception as e:  # noqa: BLE001
                    raise KubectlError(_format_error(e), partial=out) from None
                out += f"{resource_name(obj)} image updated\n"
        return out

    def _cmd_patch(self, a: _Args, stdin: Optional[str]) -> str:
        """kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]."""

        body = a.get("patch")
        if body is None:
            raise KubectlError('error: must specify -p to patch')
        try:
            patch = yaml.safe_load(body)
        except yaml.YAMLError as e:
            raise KubectlError(f"error: unable to parse \"{body}\": {e}") from None
        ptype = a.get("type") or "strategic"
        if ptype not in ("strategic", "merge", "json"):
            raise KubectlError(f'error: --type must be one of [json merge strategic], not "{ptype}"')
        ns = self._ns(a)
        out = ""
        for cls, names in self._targets(a, "patch", allow_all=False):
            for n in names:
                obj = self._get(cls, n, ns)
                before = obj.to_dict()
                if ptype == "json":
                    if not isinstance(patch, list):
                        raise KubectlError("error: unable to parse a JSON patch: expected a list of operations")
                    after = _json_patch(before, patch)
                    send, send_type = _replace_patch(before, after), "merge"
                else:
                    if not isinstance(patch, dict):
                        raise KubectlError(f'error: unable to parse "{body}": expected an object')
                    send, send_type = patch, ptype
                try:
                    new = self.source.patch(cls.KIND, n, send, ns, patch_type=send_type)
                except Exception as e:  # noqa: BLE001
                    raise KubectlError(_format_error(e), partial=out) from None
                same = isinstance(new, KubeObject) and new.metadata.resource_version == obj.metadata.resource_version
                out += f"{resource_name(obj)} patched{' (no change)' if same else ''}\n"
        return out

    def _cmd_delete(self, a: _Args, stdin: Optional[str]) -> str:
        ns = self._ns(a)
        victims: list[tuple[type[KubeObject], str, str]] = []
        if a.all("filename"):
            for _, items in self._read_manifests(a, stdin):
                for item in items:
                    cls = _resolve_kind(item.get("kind", ""))
                    md = item.get("metadata") or {}
                    victims.append((cls, md.get("name", ""), md.get("namespace") or ns))
        else:
            targets = self._targets(a, "delete", allow_all=False)
            if not targets:
                raise KubectlError(
                    'error: You must provide one or more resources by argument or filename.\n'
                    'Example resource specifications include:\n'
                    "   '-f rsrc.yaml'\n"
                    "   '--filename=rsrc.json'\n"
                    "   '<resource> <name>'\n"
                    "   '<resource>'"
                )
            for cls, names in targets:
                if names:
                    victims.extend((cls, n, ns) for n in names)
                elif a.get("selector") or a.get("all"):
                    victims.extend((cls, o.metadata.name or "", o.metadata.namespace or ns) for o in self._list(cls, ns, a.get("selector")))
                else:
                    raise KubectlError("error: resource(s) were provided, but no name was specified")
        lines: list[str] = []
        for cls, name, vns in victims:
            try:
                self.source.delete(cls.KIND, name, vns if cls.NAMESPACED else None)
            except Exception as e:  # noqa: BLE001
                raise KubectlError(_format_error(e), partial="".join(lines)) from None
            lines.append(f'{cls.KIND.lower()}{"." + cls.GROUP if cls.GROUP else ""} "{name}" deleted\n')
        if not lines:
            return "No resources found\n"
        return "".join(lines)

    # -- scale ----------------------------------------------------------------------------
    def _cmd_scale(self, a: _Args, stdin: Optional[str]) -> str:
        if a.get("replicas") is None:
            raise KubectlError('error: required flag(s) "replicas" not set')
        try:
            replicas = int(a.get("replicas"))
        except ValueError:
            raise KubectlError(f'error: invalid argument "{a.get("replicas")}" for "--replicas" flag: strconv.ParseInt: parsing "{a.get("replicas")}": invalid syntax') from None
        if replicas < 0:
            raise KubectlError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
        ns = self._ns(a)
        lines = []
        for cls, names in self._targets(a, "scale", allow_all=False):
            if cls.KIND not in ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"):
                raise KubectlError(f"error: cannot scale {cls.group_resource()}: the server could not find the requested resource")
            if not names:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
            for n in names:
                obj = self._get(cls, n, ns)
                cur = a.get("current-replicas")
                if cur is not None and int(cur) != (obj.spec.replicas if obj.spec.replicas is not None else 1):  # type: ignore[attr-defined]
                    raise KubectlError(f"error: Expected replicas to be {cur}, was {obj.spec.replicas}")  # type: ignore[attr-defined]
                try:
                    self.source.scale(cls.KIND, n, replicas, ns)
                except Exception as e:  # noqa: BLE001
                    raise KubectlError(_format_error(e), partial="".join(lines)) from None
                lines.append(f"{resource_name(cls, n)} scaled\n")
        if not lines:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        return "".join(lines)

    # -- node maintenance -----------------------------------------------------------------
    def _node_names(self, a: _Args) -> list[str]:
        pos = list(a.positional)
        if pos and pos[0] in ("node", "nodes", "no"):
            pos = pos[1:]
        names = [p.split("/", 1)[1] if p.startswith(("node/", "nodes/")) else p for p in pos]
        if a.get("selector"):
            names += [n.metadata.name or "" for n in self._list(_resolve_kind("Node"), None, a.get("selector"))]
        if not names:
            raise KubectlError("error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples")
        return names

    def _set_unschedulable(self, name: str, value: bool, verb: str) -> str:
        node = self._get(_resolve_kind("Node"), name, "")
        if bool(node.spec.unschedulable) == value:  # type: ignore[attr-defined]
            return f"node/{name} already {verb}\n"
        try:
            self.source.patch("Node", name, {"spec": {"unschedulable": True if value else None}}, None, patch_type="merge")
        except Exception as e:  # noqa: BLE001
            raise KubectlError(_format_error(e)) from None
        return f"node/{name} {verb}\n"

    def _cmd_cordon(self, a: _Args, stdin: Optional[str]) -> str:
        return "".join(self._set_unschedulable(n, True, "cordoned") for n in self._node_names(a))

    def _cmd_uncordon(self, a: _Args, stdin: Optional[str]) -> str:
        return "".join(self._set_unschedulable(n, False, "uncordoned") for n in self._node_names(a))

    def _cmd_drain(self, a: _Args, stdin: Optional[str]) -> str:
        """k8s.io/kubectl/pkg/drain: cordon, then evict every pod except mirror pods; refuse
        DaemonSet-managed pods (unless --ignore-daemonsets) and unmanaged pods (unless --force)."""
        out = ""
        for name in self._node_names(a):
            out += self._set_unschedulable(name, True, "cordoned")
            pods = [
                p for p in self._list(_resolve_kind("Pod"), None, None, f"spec.nodeName={name}")
                if (p.spec.node_name == name)  # type: ignore[attr-defined]
            ]
            ds_pods, unmanaged, to_evict = [], [], []
            for p in pods:
                if "kubernetes.io/config.mirror" in (p.metadata.annotations or {}):
                    continue
                if p.status.phase in ("Succeeded", "Failed"):  # type: ignore[attr-defined]
                    to_evict.append(p)
                    continue
                ref = p.metadata.controller_ref()
                if ref is None:
                    if a.get("force"):
                        to_evict.append(p)
                    else:
                        unmanaged.append(p)
                elif ref.kind == "DaemonSet":
                    ds_pods.append(p)
                else:
                    to_evict.append(p)
            problems = []
            if ds_pods and not a.get("ignore-daemonsets"):
                problems.append("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): " + ", ".join(f"{p.metadata.namespace}/{p.metadata.name}" for p in ds_pods))
            if unmanaged:
                problems.append("cannot delete Pods that declare no controller (use --force to override): " + ", ".join(f"{p.metadata.namespace}/{p.metadata.name}" for p in unmanaged))
            if problems:
                msg = "; ".join(problems)
                raise KubectlError(
                    f'error: unable to drain node "{name}" due to error: {msg}, continuing command...\n'
                    f"There are pending nodes to be drained:\n {name}\n" + "\n".join(problems),
                    partial=out,
                )
            if ds_pods:
                out += "Warning: ignoring DaemonSet-managed Pods: " + ", ".join(f"{p.metadata.namespace}/{p.metadata.name}" for p in ds_pods) + "\n"
            if a.get("force") and any(p.metadata.controller_ref() is None for p in to_evict):
                out += "Warning: deleting Pods that declare no controller: " + ", ".join(
                    f"{p.metadata.namespace}/{p.metadata.name}" for p in to_evict if p.metadata.controller_ref() is None) + "\n"
            for p in to_evict:
                out += f"evicting pod {p.metadata.namespace}/{p.metadata.name}\n"
            for p in to_evict:
                try:
                    evict = getattr(self.source, "evict", None)
                    if evict is not None:
                        evict(p.metadata.name, p.metadata.namespace)
                    else:
                        self.source.delete("Pod", p.metadata.name or "", p.metadata.namespace)
                except Exception as e:  # noqa: BLE001
                    raise KubectlError(_format_error(e), partial=out) from None
                out += f"pod/{p.metadata.name} evicted\n"
            out += f"node/{name} drained\n"
        return out

    def _cmd_taint(self, a: _Args, stdin: Optional[str]) -> str:
        """kubectl taint NODE KEY[=VALUE]:EFFECT ... (k8s.io/kubectl/pkg/cmd/taint)."""
        pos = list(a.positional)
        if pos and pos[0] in ("node", "nodes", "no"):
            pos = pos[1:]
        elif pos and "/" not in pos[0]:
            raise KubectlError(f'error: invalid resource type {pos[0]}, only node types are supported')
        if not pos:
            raise KubectlError("error: at least one taint update is required")
        target = pos[0].split("/", 1)[1] if "/" in pos[0] else pos[0]
        specs = pos[1:]
        if not specs:
            raise KubectlError("error: at least one taint update is required")
        add: list[dict] = []
        remove: list[tuple[str, Optional[str]]] = []
        effects = ("NoSchedule", "PreferNoSchedule", "NoExecute")
        for s in specs:
            if s.endswith("-"):
                body = s[:-1]
                key, _, effect = body.partition(":")
                if effect and effect not in effects:
                    raise KubectlError(f"error: invalid taint effect: {effect}, unsupported taint effect")
                remove.append((key, effect or None))
                continue
            kv, sep, effect = s.rpartition(":")
            if not sep:
                raise KubectlError(f"error: invalid taint spec: {s}, at least one taint update is required")
            if effect not in effects:
                raise KubectlError(f"error: invalid taint effect: {effect}, unsupported taint effect")
            key, _, value = kv.partition("=")
            t = {"key": key, "effect": effect}
            if value:
                t["value"] = value
            if effect == "NoExecute":
                t["timeAdded"] = rfc3339(self.now)
            add.append(t)
        node = self._get(_resolve_kind("Node"), target, "")
        taints = [t.to_dict() for t in (node.spec.taints or [])]  # type: ignore[attr-defined]
        for t in add:
            for old in taints:
                if old["key"] == t["key"] and old["effect"] == t["effect"]:
                    if not a.get("overwrite"):
                        raise KubectlError(f"error: node {target} already has {t['key']} taint(s) with same effect(s) and --overwrite is false")
        new = [old for old in taints if not any(old["key"] == t["key"] and old["effect"] == t["effect"] for t in add)]
        for key, effect in remove:
            kept = [t for t in new if not (t["key"] == key and (effect is None or t["effect"] == effect))]
            if len(kept) == len(new):
                raise KubectlError(f'error: taint "{key}{":" + effect if effect else ""}" not found')
            new = kept
        new += add
        try:
            self.source.patch("Node", target, {"spec": {"taints": new or None}}, None, patch_type="merge")
        except Exception as e:  # noqa: BLE001
            raise KubectlError(_format_error(e)) from None
        verb = "tainted" if add else "untainted"
        if add and remove:
            verb = "modified"
        return f"node/{target} {verb}\n"

    def _cmd_label(self, a: _Args, stdin: Optional[str]) -> str:
        return self._label_like(a, "labels", "labeled", "unlabeled")

    def _cmd_annotate(self, a: _Args, stdin: Optional[str]) -> str:
        return self._label_like(a, "annotations", "annotated", "unannotated")

    def _label_like(self, a: _Args, field_name: str, did: str, undid: str) -> str:
        pos = list(a.positional)
        updates = [p for p in pos if "=" in p or p.endswith("-")]
        resources = [p for p in pos if p not in updates]
        if not updates:
            raise KubectlError(f"error: at least one {field_name[:-1]} update is required")
        sets: dict[str, str] = {}
        removes: list[str] = []
        for u in updates:
            if u.endswith("-") and "=" not in u:
                removes.append(u[:-1])
            else:
                k, _, v = u.partition("=")
                sets[k] = v
        ns = self._ns(a)
        sub = _Args(a.verb, resources, a.flags)
        targets = self._targets(sub, a.verb, allow_all=False)
        if not targets:
            raise KubectlError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
        objs: list[KubeObject] = []
        for cls, names in targets:
            if names:
                objs.extend(self._get(cls, n, ns) for n in names)
            elif a.get("selector") or a.get("all"):
                objs.extend(self._list(cls, ns, a.get("selector")))
            else:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
        lines = []
        for o in objs:
            current = dict(getattr(o.metadata, field_name) or {})
            for k, v in sets.items():
                if k in current and current[k] != v and not a.get("overwrite"):
                    raise KubectlError(f"error: '{k}' already has a value ({current[k]}), and --overwrite is false", partial="".join(lines))
            patch: dict[str, Any] = {}
            for k, v in sets.items():
                if current.get(k) != v:
                    patch[k] = v
            for k in removes:
                if k in current:
                    patch[k] = None
            if not patch:
                lines.append(f"{resource_name(o)} not {did}\n")
                continue
            try:
                self.source.patch(o.KIND, o.metadata.name or "", {"metadata": {field_name: patch}}, o.metadata.namespace, patch_type="merge")
            except Exception as e:  # noqa: BLE001
                raise KubectlError(_format_error(e), partial="".join(lines)) from None
            only_removed = all(v is None for v in patch.values())
            lines.append(f"{resource_name(o)} {undid if only_removed else did}\n")
        return "".join(lines)

    # -- rollout ------------------------------------------------------------------------
    def _cmd_rollout(self, a: _Args, stdin: Optional[str]) -> str:
        if not a.positional:
            raise KubectlError("error: Required subcommand not specified. Use one of: history, pause, restart, resume, status, undo")
        sub = a.positional[0]
        rest = _Args(a.verb, a.positional[1:], a.flags)
        targets = self._targets(rest, "rollout", allow_all=False)
        if not targets or not targets[0][1]:
            raise KubectlError("error: required resource not specified")
        ns = self._ns(a)
        out = ""
        for cls, names in targets:
            if cls.KIND not in ("Deployment", "DaemonSet", "StatefulSet"):
                raise KubectlError(f'error: no {sub} viewer has been implemented for "{cls.KIND}"' if sub in ("history", "status") else f'error: {cls.group_resource()} "{names[0]}" {sub} is not supported')
            for n in names:
                obj = self._get(cls, n, ns)
                fn = getattr(self, "_rollout_" + sub, None)
                if fn is None:
                    raise KubectlError(f'error: unknown command "{sub}" for "kubectl rollout"')
                out += fn(obj, a)
        return out

    def _owned_replicasets(self, d: KubeObject) -> list[KubeObject]:
        rss = self._list(_resolve_kind("ReplicaSet"), d.metadata.namespace)
        return [rs for rs in rss if (ref := rs.metadata.controller_ref()) is not None and ref.uid == d.metadata.uid]

    @staticmethod
    def _revision(rs: KubeObject) -> int:
        try:
            return int((rs.metadata.annotations or {}).get("deployment.kubernetes.io/revision", "0"))
        except ValueError:
            return 0

    def _rollout_status(self, d: Any, a: _Args) -> str:
        """kubectl/pkg/polymorphichelpers/rollout_status.go DeploymentStatusViewer (one look,
        no waiting: simulated time only advances when the notebook runs the cluster)."""
        if d.KIND != "Deployment":
            return f"{resource_name(d)} rollout status is only simulated for Deployments\n"
        st = d.status
        spec_replicas = d.spec.replicas if d.spec.replicas is not None else 1
        if (d.metadata.generation or 0) <= (st.observed_generation or 0):
            for c in st.conditions or ():
                if c.type == "Progressing" and c.reason == "ProgressDeadlineExceeded":
                    raise KubectlError(f'error: deployment "{d.metadata.name}" exceeded its progress deadline')
            updated = st.updated_replicas or 0
            if updated < spec_replicas:
                return f'Waiting for deployment "{d.metadata.name}" rollout to finish: {updated} out of {spec_replicas} new replicas have been updated...\n'
            if (st.replicas or 0) > updated:
                return f'Waiting for deployment "{d.metadata.name}" rollout to finish: {(st.replicas or 0) - updated} old replicas are pending termination...\n'
            if (st.available_replicas or 0) < updated:
                return f'Waiting for deployment "{d.metadata.name}" rollout to finish: {st.available_replicas or 0} of {updated} updated replicas are available...\n'
            return f'deployment "{d.metadata.name}" successfully rolled out\n'
        return "Waiting for deployment spec update to be observed...\n"

    def _rollout_history(self, d: Any, a: _Args) -> str:
        """rollout_history.go + history.go DeploymentHistoryViewer."""
        if d.KIND != "Deployment":
            raise KubectlError(f'error: no history viewer has been implemented for "{d.KIND}"')
        rss = self._owned_replicasets(d)
        history = {}
        for rs in rss:
            history[self._revision(rs)] = rs
        want = a.get("to-revision")
        if want:
            rev = int(want)
            if rev not in history:
                raise KubectlError("error: unable to find the specified revision")
            rs = history[rev]
            return f"{resource_name(d)} with revision #{rev}\n" + _describe.pod_template_text(rs.spec.template)
        if not history:
            return f"{resource_name(d)} \nNo rollout history found.\n"
        from .tabwriter import tabbed_string

        def body(w):
            w.write(0, "REVISION\tCHANGE-CAUSE\n")
            for rev in sorted(history):
                cause = (history[rev].metadata.annotations or {}).get("kubernetes.io/change-cause") or "<none>"
                w.write(0, f"{rev}\t{cause}\n")

        return f"{resource_name(d)} \n{tabbed_string(body)}\n"

    def _rollout_undo(self, d: Any, a: _Args) -> str:
        """rollback.go DeploymentRollbacker: copy the template of the chosen revision back."""
        if d.KIND != "Deployment":
            raise KubectlError(f'error: no rollbacker has been implemented for "{d.KIND}"')
        if d.spec.paused:
            raise KubectlError("error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again")
        rss = self._owned_replicasets(d)
        by_rev = {self._revision(rs): rs for rs in rss}
        to = int(a.get("to-revision") or 0)
        if to == 0:
            revs = sorted(by_rev)
            if len(revs) < 2:
                raise KubectlError(f'error: no rollout history found for deployment "{d.metadata.name}"')
            to = revs[-2]
        if to not in by_rev:
            raise KubectlError(f"error: unable to find specified revision {to} in history")
        tmpl = by_rev[to].spec.template.to_dict()
        labels = dict((tmpl.get("metadata") or {}).get("labels") or {})
        labels.pop("pod-template-hash", None)
        tmpl.setdefault("metadata", {})["labels"] = labels
        if tmpl == d.spec.template.to_dict():
            return f"{resource_name(d)} skipped rollback (current template already matches revision {to})\n"
        current = d.spec.template.to_dict()
        patch = {"spec": {"template": _replace_patch(current, tmpl)}}
        try:
            self.source.patch("Deployment", d.metadata.name, patch, d.metadata.namespace, patch_type="merge")
        except Exception as e:  # noqa: BLE001
            raise KubectlError(_format_error(e)) from None
        return f"{resource_name(d)} rolled back\n"

    def _rollout_pause(self, d: Any, a: _Args) -> str:
        if d.KIND != "Deployment":
            raise KubectlError(f'error: {resource_name(d)} pausing is not supported')
        if d.spec.paused:
            raise KubectlError(f"error: {resource_name(d)} is already paused")
        self.source.patch("Deployment", d.metadata.name, {"spec": {"paused": True}}, d.metadata.namespace, patch_type="merge")
        return f"{resource_name(d)} paused\n"

    def _rollout_resume(self, d: Any, a: _Args) -> str:
        if d.KIND != "Deployment":
            raise KubectlError(f'error: {resource_name(d)} resuming is not supported')
        if not d.spec.paused:
            raise KubectlError(f"error: {resource_name(d)} is not paused")
        self.source.patch("Deployment", d.metadata.name, {"spec": {"paused": None}}, d.metadata.namespace, patch_type="merge")
        return f"{resource_name(d)} resumed\n"

    def _rollout_restart(self, d: Any, a: _Args) -> str:
        patch = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": rfc3339(self.now)}}}}}
        self.source.patch(d.KIND, d.metadata.name, patch, d.metadata.namespace, patch_type="merge")
        return f"{resource_name(d)} restarted\n"

    # -- top -------------------------------------------------------------------------------
    def _cmd_top(self, a: _Args, stdin: Optional[str]) -> str:
        """kubectl top (k8s.io/kubectl/pkg/cmd/top, metricsutil/metrics_printer.go)."""
        from kubelab.api.quantity import parse_quantity

        if not a.positional or a.positional[0] not in ("node", "nodes", "no", "pod", "pods", "po"):
            raise KubectlError("error: Required resource not specified. Use one of: node, pod")
        metrics = getattr(self.source, "metrics", None)
        kind = "Node" if a.positional[0].startswith("no") else "Pod"
        if metrics is None:
            raise KubectlError("error: Metrics API not available")
        try:
            usage = metrics(kind, None if kind == "Node" or a.get("all-namespaces") else self._ns(a))
        except Exception:  # noqa: BLE001
            raise KubectlError("error: Metrics API not available") from None
        names = a.positional[1:]

        def cpu(q: str) -> str:
            return f"{parse_quantity(q).milli_value()}m"

        def mem(q: str) -> str:
            return f"{parse_quantity(q).value() // (1024 * 1024)}Mi"

        rows: list[list[str]] = []
        if kind == "Node":
            rows.append(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"])
            nodes = self._list(_resolve_kind("Node"), None, a.get("selector"))
            if names:
                nodes = [n for n in nodes if n.metadata.name in names]
                missing = [n for n in names if n not in {x.metadata.name for x in nodes}]
                if missing:
                    raise KubectlError(f'Error from server (NotFound): nodes "{missing[0]}" not found')
            missing_rows = []
            for n in nodes:
                u = usage.get(n.metadata.name)
                if u is None:
                    missing_rows.append([n.metadata.name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"])
                    continue
                alloc = n.status.allocatable or n.status.capacity or {}  # type: ignore[attr-defined]
                cpu_alloc = parse_quantity(alloc.get("cpu", "0")).milli_value()
                mem_alloc = parse_quantity(alloc.get("memory", "0")).milli_value()
                cu = parse_quantity(u.get("cpu", "0"))
                mu = parse_quantity(u.get("memory", "0"))
                cpu_pct = (cu.milli_value() * 100) // cpu_alloc if cpu_alloc else 0
                mem_pct = (mu.milli_value() * 100) // mem_alloc if mem_alloc else 0
                rows.append([n.metadata.name, cpu(u.get("cpu", "0")), f"{cpu_pct}%", mem(u.get("memory", "0")), f"{mem_pct}%"])
            rows.extend(missing_rows)
        else:
            all_ns = bool(a.get("all-namespaces"))
            ns = self._ns(a)
            header = ["NAME", "CPU(cores)", "MEMORY(bytes)"]
            rows.append((["NAMESPACE"] if all_ns else []) + header)
            pods = self._list(_resolve_kind("Pod"), None if all_ns else ns, a.get("selector"))
            if names:
                pods = [p for p in pods if p.metadata.name in names]
            found = False
            for p in pods:
                u = usage.get(f"{p.metadata.namespace}/{p.metadata.name}") or usage.get(p.metadata.name or "")
                if u is None:
                    continue
                found = True
                rows.append(([p.metadata.namespace or ""] if all_ns else []) + [p.metadata.name or "", cpu(u.get("cpu", "0")), mem(u.get("memory", "0"))])
            if not found:
                if names:
                    raise KubectlError(f'error: Metrics not available for pod {ns}/{names[0]}, age: {_describe.age_of(pods[0], self.now) if pods else "<unknown>"}')
                raise KubectlError(f"error: Metrics not available for pods in namespace {ns}" if not all_ns else "error: metrics not available yet")
        return tabulate(rows, **GET_SETTINGS)

    # -- discovery ------------------------------------------------------------------------
    def _cmd_api_resources(self, a: _Args, stdin: Optional[str]) -> str:
        rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
        for cls in sorted(KINDS, key=lambda c: (c.GROUP, c.RESOURCE)):
            rows.append([cls.RESOURCE, ",".join(cls.SHORT_NAMES), cls.api_version_str(), "true" if cls.NAMESPACED else "false", cls.KIND])
        return tabulate(rows, **GET_SETTINGS)

    def _cmd_version(self, a: _Args, stdin: Optional[str]) -> str:
        return "Client Version: kubelab (simulated kubectl)\nServer Version: kubelab simulated apiserver\n"


def _as_deleted(obj: KubeObject, now: float) -> KubeObject:
    """The object as a watch's DELETED event shows it: marked for deletion (a pod's
    containers stopped, so it prints ``0/1 Terminating``)."""
    o = obj.copy_deep()
    if not o.metadata.deletion_timestamp:
        o.metadata.deletion_timestamp = rfc3339(now)
    if o.KIND == "Pod":
        for cs in o.status.container_statuses or ():  # type: ignore[attr-defined]
            cs.ready = False
    return o


def _parse_duration(text: str) -> float:
    """A Go duration (``30s``, ``2m``, ``1m30s``) in seconds; a bare number is seconds."""
    import re

    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise KubectlError(f'error: invalid argument "{text}" for "--request-timeout" flag: time: invalid duration "{text}"')
    return total


def _align(cells: Sequence[str], starts: Sequence[int]) -> str:
    """Place cells at the header's column starts (growing when a cell is wider)."""
    line = ""
    for i, cell in enumerate(cells):
        if i < len(starts) and len(line) < starts[i]:
            line += " " * (starts[i] - len(line))
        elif i:
            line += "   "
        line += cell
    return line


def _json_patch(doc: Any, ops: list) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, copy, move, test)."""
    import copy as _copy

    doc = _copy.deepcopy(doc)

    def parts(path: str) -> list[str]:
        if path == "":
            return []
        if not path.startswith("/"):
            raise KubectlError(f'error: invalid JSON patch path "{path}"')
        return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]

    def parent(d: Any, ps: list[str]) -> tuple[Any, str]:
        for p in ps[:-1]:
            d = d[int(p)] if isinstance(d, list) else d[p]
        return d, ps[-1]

    def get(d: Any, ps: list[str]) -> Any:
        for p in ps:
            d = d[int(p)] if isinstance(d, list) else d[p]
        return d

    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        try:
            if kind in ("add", "replace"):
                par, key = parent(doc, parts(path))
                if isinstance(par, list):
                    if key == "-":
                        par.append(op["value"])
                    elif kind == "add":
                        par.insert(int(key), op["value"])
                    else:
                        par[int(key)] = op["value"]
                else:
                    if kind == "replace" and key not in par:
                        raise KeyError(key)
                    par[key] = op["value"]
            elif kind == "remove":
                par, key = parent(doc, parts(path))
                del par[int(key) if isinstance(par, list) else key]
            elif kind in ("copy", "move"):
                val = get(doc, parts(op["from"]))
                if kind == "move":
                    fp, fk = parent(doc, parts(op["from"]))
                    del fp[int(fk) if isinstance(fp, list) else fk]
                par, key = parent(doc, parts(path))
                if isinstance(par, list):
                    par.insert(len(par) if key == "-" else int(key), val)
                else:
                    par[key] = val
            elif kind == "test":
                if get(doc, parts(path)) != op.get("value"):
                    raise KubectlError(f'error: testing value {path} failed')
            else:
                raise KubectlError(f'error: Unexpected kind: {kind}')
        except (KeyError, IndexError, ValueError, TypeError):
            raise KubectlError('Error from server (UnprocessableEntity): the server rejected our request due to an error in our request') from None
    return doc


def _replace_patch(current: Any, target: Any) -> Any:
    """A JSON merge patch turning ``current`` into ``target`` (null for removed keys)."""
    if not isinstance(current, dict) or not isinstance(target, dict):
        return target
    patch: dict[str, Any] = {}
    for k in current:
        if k not in target:
            patch[k] = None
    for k, v in target.items():
        if k not in current:
            patch[k] = v
        elif current[k] != v:
            patch[k] = _replace_patch(current[k], v)
    return patch

"""kubectl get (k8s.io/kubectl/pkg/cmd/get/get.go): tables from :mod:`kubelab.kubectl.printers`,
``-o yaml|json|name|jsonpath=|custom-columns=``, ``-w`` replayed while simulated time runs,
and ``No resources found in default namespace.``"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from kubelab.api.base import rfc3339
from kubelab.api.meta import KubeObject

from ..duration import DurationError, parse_timeout
from ..output import sort_objects, to_json, to_jsonpath, to_name, to_yaml
from ..printers import TABLES, no_resources_message, print_table
from ..tabwriter import GET_SETTINGS, tabulate
from .util import Args, KubectlError, format_error, list_objects, targets

if TYPE_CHECKING:
    from ..cli import Kubectl

_PRINTERS = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
             "jsonpath-file,name,template,templatefile,wide,yaml")


def raw(k: "Kubectl", a: Args) -> str:
    """``kubectl get --raw PATH`` (get.go RawGet): the body as the server sends it; a status
    other than 2xx is an error (rest client's transformResponse wording)."""
    if a.positional:
        raise KubectlError("error: arguments may not be passed when --raw is specified")
    fetch = getattr(k.source, "raw", None)
    if fetch is None:
        raise KubectlError("error: --raw needs a cluster to ask")
    code, body = fetch(a.get("raw"))
    if 200 <= code < 300:
        return body
    status = None
    try:
        status = json.loads(body)
    except ValueError:
        pass
    if isinstance(status, dict) and status.get("kind") == "Status":
        reason = status.get("reason") or "InternalError"
        raise KubectlError(f"Error from server ({reason}): {status.get('message', '')}")
    if code == 404:
        raise KubectlError("Error from server (NotFound): the server could not find the requested resource")
    raise KubectlError(f"Error from server (InternalError): an error on the server ({json.dumps(body)}) "
                       "has prevented the request from succeeding")


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if a.get("raw") is not None:
        return raw(k, a)
    if a.get("watch") or a.get("watch-only"):
        return watch(k, a)
    groups = targets(a)
    if not groups:
        raise KubectlError(
            'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n'
            "error: Required resource not specified.\n"
            'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\n'
            "See 'kubectl get -h' for help and examples"
        )
    all_ns = bool(a.get("all-namespaces"))
    ns = k.ns(a)
    out_fmt = a.get("output") or ""
    wide = out_fmt == "wide"
    selector = a.get("selector")
    fsel = a.get("field-selector")
    sort_by = a.get("sort-by")
    label_cols: list[str] = []
    for lc in a.all("label-columns"):
        label_cols.extend(x for x in lc.split(",") if x)
    named = any(names for _, names in groups)
    multi = len(groups) > 1
    with_kind = multi or bool(a.get("show-kind"))

    collected: list[tuple[type[KubeObject], list[KubeObject]]] = []
    errors: list[str] = []
    for cls, names in groups:
        if names:
            objs = []
            for n in names:
                try:
                    objs.append(k.source.get(cls.KIND, n, ns if cls.NAMESPACED else None))
                except Exception as e:  # noqa: BLE001
                    errors.append(format_error(e))
        else:
            objs = list_objects(k, cls, None if all_ns else ns, selector, fsel)
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
        single = named and len(every) == 1 and not multi and sum(len(n) for _, n in groups) == 1
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
            text = custom_columns(out_fmt.partition("=")[2], every)
    elif out_fmt in ("", "wide"):
        tables = []
        for cls, objs in collected:
            if not objs:
                continue
            tables.append(
                print_table(
                    objs, k.now, kind=cls.KIND, wide=wide, all_namespaces=all_ns,
                    show_labels=bool(a.get("show-labels")), no_headers=bool(a.get("no-headers")),
                    with_kind=with_kind, label_columns=label_cols,
                )
            )
        text = "\n".join(tables)
        if not every and not errors:
            text = no_resources_message(ns, any(c.NAMESPACED for c, _ in collected), all_ns) + "\n"
    else:
        raise KubectlError(
            f'error: unable to match a printer suitable for the output format "{out_fmt}", allowed formats are: {_PRINTERS}')
    if any(cls.KIND == "ComponentStatus" for cls, _ in groups):
        # the API server's deprecation warning header, printed by kubectl before the output
        text = "Warning: v1 ComponentStatus is deprecated in v1.19+\n" + text
    if errors:
        raise KubectlError("\n".join(errors), partial=text)
    return text


def watch(k: "Kubectl", a: Args) -> str:
    """``get -w``: the table, then a row each time an object changes, as simulated time
    runs for ``--request-timeout`` (default 30s). The stream is replayed from the
    simulation: the source must be able to ``run(seconds=...)``."""
    try:
        timeout = parse_timeout(a.get("request-timeout") or "30s")
    except DurationError as e:
        raise KubectlError(f"error: {e}") from None
    run_for = getattr(k.source, "run", None)
    if run_for is None:
        raise KubectlError("error: watch needs a running cluster (this source cannot advance time)")
    groups = targets(a)
    if len(groups) != 1:
        raise KubectlError("error: you may only specify a single resource type")
    cls, names = groups[0]
    out_fmt = a.get("output") or ""
    if out_fmt not in ("", "wide"):
        raise KubectlError(f'error: watch is only simulated for table output, not "{out_fmt}"')
    if timeout <= 0:
        timeout = 30.0  # 0 means no timeout: the simulation shows the first 30 s
    all_ns = bool(a.get("all-namespaces"))
    ns = None if all_ns else k.ns(a)
    wide = out_fmt == "wide"

    def snapshot() -> dict[tuple[str, str], KubeObject]:
        objs = list_objects(k, cls, ns, a.get("selector"), a.get("field-selector"))
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
        cells = list(printer.row(o, k.now, wide))
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
    versions = {key: o.metadata.resource_version for key, o in seen.items()}
    step = 1.0
    elapsed = 0.0
    while elapsed < timeout:
        run_for(seconds=min(step, timeout - elapsed))
        elapsed += step
        now = snapshot()
        changed = [o for key, o in now.items() if versions.get(key) != o.metadata.resource_version]
        gone = [_as_deleted(o, k.now) for key, o in seen.items() if key not in now]
        batch = [cells_of(o) for o in sorted(changed + gone, key=lambda o: (o.metadata.namespace or "", o.metadata.name or ""))]
        if batch:
            lines.append(emit(([] if header_done else [header]) + batch))
            header_done = True
        versions = {key: o.metadata.resource_version for key, o in now.items()}
        seen = now
    return "".join(lines)


def custom_columns(spec: str, objs: list[KubeObject]) -> str:
    """``-o custom-columns=HEADER:.json.path,...`` (k8s.io/cli-runtime printers/customcolumn.go)."""
    from ..jsonpath import _format, _steps, _walk

    cols = []
    for part in spec.split(","):
        if ":" not in part:
            raise KubectlError(f'error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>')
        h, _, expr = part.partition(":")
        expr = expr.strip()
        if expr.startswith("{") and expr.endswith("}"):
            expr = expr[1:-1]
        try:
            cols.append((h, _steps(expr)))
        except (ValueError, IndexError, KeyError) as e:
            raise KubectlError(f"error: error parsing jsonpath {{{expr}}}, {e}") from None
    rows = [[h for h, _ in cols]]
    for o in objs:
        d = o.to_dict()
        row = []
        for _, steps in cols:
            try:
                vals = _walk([d], steps)
            except (ValueError, IndexError, KeyError, TypeError) as e:
                raise KubectlError(f"error: {e}") from None
            row.append(",".join(_format(v) for v in vals) if vals else "<none>")
        rows.append(row)
    return tabulate(rows, **GET_SETTINGS)


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

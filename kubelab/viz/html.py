"""HTML cards and tables for notebook cells: one visual language for every object.

``object_html(obj)`` is what ``KubeObject._repr_html_`` shows. Design rules:

- colours come from JupyterLab's theme variables (``--jp-*``) with fallbacks, so a card
  reads in the light and dark themes, in VS Code (``--vscode-*``) and in a static export;
- status colours are translucent tints behind text in the theme's own font colour, so
  they work on any background;
- structure is plain semantic HTML (headings, tables, lists): where a viewer strips the
  ``<style>`` (GitHub's notebook viewer does), the card still reads top to bottom;
- output is deterministic (no random ids, no wall-clock time): ages appear only when a
  simulated ``now`` is given, otherwise the creation timestamp is shown.

The same fields feed the ``text/plain`` summaries in :func:`object_text`.
"""

from __future__ import annotations

import html as _html
from typing import Any, Iterable, Optional, Sequence

__all__ = [
    "STYLE",
    "use",
    "object_html",
    "object_text",
    "table_html",
    "events_html",
    "status_html",
    "error_html",
    "cluster_html",
    "master_html",
    "kubectl_html",
]

STYLE = """<style>
.kl-card{font-family:var(--jp-ui-font-family,var(--vscode-font-family,system-ui,-apple-system,'Segoe UI',sans-serif));
 font-size:var(--jp-ui-font-size1,13px);color:var(--jp-ui-font-color1,var(--vscode-editor-foreground,#1f2328));
 background:var(--jp-layout-color1,var(--vscode-editor-background,transparent));
 border:1px solid var(--jp-border-color2,var(--vscode-panel-border,#d0d7de));border-radius:6px;
 padding:8px 12px;margin:4px 0;max-width:980px;line-height:1.4}
.kl-card h4{margin:0 0 6px 0;font-size:1.05em;font-weight:600;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.kl-card h5{margin:10px 0 4px 0;font-size:.92em;font-weight:600;color:var(--jp-ui-font-color2,var(--vscode-descriptionForeground,#57606a))}
.kl-kind{font-size:.78em;font-weight:600;text-transform:uppercase;letter-spacing:.04em;padding:1px 6px;border-radius:4px;
 border:1px solid var(--jp-border-color1,#8c959f);color:var(--jp-ui-font-color2,#57606a)}
.kl-ns{font-weight:400;color:var(--jp-ui-font-color2,var(--vscode-descriptionForeground,#57606a))}
.kl-pill{display:inline-block;padding:0 8px;border-radius:10px;font-size:.85em;font-weight:600;white-space:nowrap;
 border:1px solid rgba(128,128,128,.35);background:rgba(128,128,128,.12)}
.kl-ok{background:rgba(46,160,67,.18);border-color:rgba(46,160,67,.55)}
.kl-warn{background:rgba(212,167,44,.22);border-color:rgba(212,167,44,.6)}
.kl-bad{background:rgba(248,81,73,.18);border-color:rgba(248,81,73,.6)}
.kl-info{background:rgba(56,139,253,.15);border-color:rgba(56,139,253,.5)}
.kl-muted{color:var(--jp-ui-font-color2,var(--vscode-descriptionForeground,#57606a))}
/* two classes and more: JupyterLab's own rules for output tables are (0,2,1)/(0,2,2) */
.kl-card table.kl-table{border-collapse:collapse;margin:2px 0;font-size:.92em;color:inherit;border:none;table-layout:auto}
.kl-card table.kl-table td,.kl-card table.kl-table th,.kl-card dl.kl-kv dd,.kl-card dl.kl-kv dt{color:inherit}
.kl-card table.kl-table th{text-align:left;font-weight:600;padding:2px 10px 2px 0;border:none;
 border-bottom:1px solid var(--jp-border-color2,#d0d7de)}
.kl-card table.kl-table td{text-align:left;padding:2px 10px 2px 0;vertical-align:top;border:none;
 border-bottom:1px solid var(--jp-border-color3,rgba(128,128,128,.15))}
.kl-card table.kl-table tbody tr,.kl-card table.kl-table tbody tr:nth-child(odd),
.kl-card table.kl-table tbody tr:nth-child(even){background:transparent}
.kl-card code,.kl-pre{font-family:var(--jp-code-font-family,var(--vscode-editor-font-family,ui-monospace,SFMono-Regular,Menlo,monospace));font-size:.92em}
.kl-pre{white-space:pre;overflow-x:auto;margin:4px 0;padding:6px 8px;border-radius:4px;background:var(--jp-layout-color2,rgba(128,128,128,.08))}
.kl-kv{display:grid;grid-template-columns:max-content 1fr;gap:1px 14px}
.kl-kv dt{color:var(--jp-ui-font-color2,#57606a)} .kl-kv dd{margin:0}
.kl-bar{position:relative;height:10px;min-width:160px;border-radius:5px;background:rgba(128,128,128,.18);overflow:hidden}
.kl-bar>span{position:absolute;left:0;top:0;bottom:0;background:rgba(56,139,253,.75)}
.kl-bar>span.kl-hot{background:rgba(248,81,73,.8)} .kl-bar>span.kl-warm{background:rgba(212,167,44,.85)}
.kl-tag{display:inline-block;margin:1px 4px 1px 0;padding:0 6px;border-radius:4px;font-size:.85em;
 background:rgba(128,128,128,.12);font-family:var(--jp-code-font-family,ui-monospace,monospace)}
.kl-err{border-color:rgba(248,81,73,.7)}
.kl-err .kl-pre{background:rgba(248,81,73,.08)}
</style>"""


def esc(value: Any) -> str:
    return _html.escape("" if value is None else str(value), quote=True)


def _card(title_html: str, body: str, extra_class: str = "") -> str:
    cls = "kl-card" + (f" {extra_class}" if extra_class else "")
    return f'{STYLE}<div class="{cls}"><h4>{title_html}</h4>{body}</div>'


def _title(kind: str, name: str, namespace: Optional[str] = None, pill: str = "") -> str:
    ns = f' <span class="kl-ns">in {esc(namespace)}</span>' if namespace else ""
    return f'<span class="kl-kind">{esc(kind)}</span><span>{esc(name)}</span>{ns}{pill}'


_GOOD = {"Running", "Ready", "Active", "Succeeded", "Completed", "Complete", "True", "Available", "Bound", "Normal"}
_WARN = {"Pending", "ContainerCreating", "PodInitializing", "Terminating", "SchedulingDisabled", "Unknown", "NotReady",
         "Waiting", "Progressing", "Suspended"}
_BAD = {"Failed", "CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Evicted", "False",
        "Warning", "NodeLost"}


def pill(text: str, tone: Optional[str] = None) -> str:
    if tone is None:
        parts = set(str(text).replace(",", " ").replace(":", " ").split())
        if parts & _BAD or str(text).startswith(("Init:Error", "Init:Crash", "ExitCode", "Signal")):
            tone = "bad"
        elif parts & _WARN or str(text).startswith("Init:"):
            tone = "warn"
        elif parts & _GOOD:
            tone = "ok"
        else:
            tone = ""
    cls = f"kl-pill kl-{tone}" if tone else "kl-pill"
    return f'<span class="{cls}">{esc(text)}</span>'


def _kv(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are already HTML."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs)
    return f'<dl class="kl-kv">{items}</dl>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if raw else esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="kl-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _tags(d: Optional[dict[str, str]], sep: str = "=") -> str:
    if not d:
        return '<span class="kl-muted">&lt;none&gt;</span>'
    return "".join(f'<span class="kl-tag">{esc(k)}{sep}{esc(v)}</span>' for k, v in sorted(d.items()))


def _when(ts: Optional[str], now: Optional[float]) -> str:
    from kubelab.kubectl.duration import translate_timestamp_since

    if not ts:
        return '<span class="kl-muted">&lt;unknown&gt;</span>'
    if now is None:
        return f"<code>{esc(ts)}</code>"
    return f'{esc(translate_timestamp_since(ts, now))} <span class="kl-muted">ago</span>'


def _bar(used: float, total: float, label: str) -> str:
    frac = 0.0 if total <= 0 else min(1.0, used / total)
    tone = "kl-hot" if frac >= 0.9 else ("kl-warm" if frac >= 0.7 else "")
    pct = int(frac * 100)
    return (f'<div style="display:flex;gap:8px;align-items:center"><div class="kl-bar" title="{esc(label)}">'
            f'<span class="{tone}" style="width:{pct}%"></span></div><span>{esc(label)}</span></div>')


# ----------------------------------------------------------------------------- events

def events_html(events: Sequence[Any], now: Optional[float] = None, title: str = "Events") -> str:
    """Events as describe lists them (Type, Reason, Age, From, Message), oldest first."""
    body = _events_table(events, now)
    return _card(f'<span class="kl-kind">{esc(title)}</span><span class="kl-muted">{len(events)}</span>', body)


def _events_table(events: Sequence[Any], now: Optional[float]) -> str:
    from kubelab.kubectl.duration import translate_timestamp_since

    if not events:
        return '<div class="kl-muted">Events: &lt;none&gt;</div>'
    rows = []
    for e in sorted(events, key=lambda e: e.last_seen_key()):
        if now is None:
            age = esc(e.last_seen() or e.first_timestamp or "")
        else:
            # describe.go DescribeEvents: a series (events.k8s.io) or a count over the first time
            first = translate_timestamp_since(e.event_time or e.first_timestamp, now)
            count = (e.series or {}).get("count") if isinstance(e.series, dict) else e.count
            age = esc(f"{translate_timestamp_since(e.last_seen(), now)} (x{count} over {first})" if (count or 0) > 1 else first)
        src = (e.source.component if e.source else None) or e.reporting_component or ""
        io = e.involved_object
        obj = f"{(io.kind or '').lower()}/{io.name}" if io.name else ""
        rows.append([pill(e.type or "", "bad" if e.type == "Warning" else "ok"), esc(e.reason), age, esc(obj), esc(src),
                     esc((e.message or "").strip())])
    return _table(["Type", "Reason", "Age", "Object", "From", "Message"], rows, raw=True)


# ----------------------------------------------------------------------------- pods

def pod_html(pod: Any, now: Optional[float] = None, events: Optional[Sequence[Any]] = None) -> str:
    from kubelab.kubectl.printers import pod_status_reason

    reason, ready, total, restarts, _ = pod_status_reason(pod)
    sp, st, md = pod.spec, pod.status, pod.metadata
    owner = md.controller_ref()
    facts = [
        ("Status", pill(reason)),
        ("Ready", esc(f"{ready}/{total}")),
        ("Restarts", esc(restarts)),
        ("Node", f"<code>{esc(sp.node_name)}</code>" if sp.node_name else '<span class="kl-muted">not scheduled</span>'),
        ("Pod IP", f"<code>{esc(st.pod_ip)}</code>" if st.pod_ip else '<span class="kl-muted">&lt;none&gt;</span>'),
        ("Created", _when(md.creation_timestamp, now)),
        ("Labels", _tags(md.labels)),
    ]
    if owner:
        facts.insert(5, ("Controlled by", esc(f"{owner.kind}/{owner.name}")))
    if st.qos_class:
        facts.append(("QoS class", esc(st.qos_class)))
    body = _kv(facts)
    if st.conditions:
        body += "<h5>Conditions</h5>" + _table(
            ["Type", "Status", "Reason", "Last transition"],
            [[esc(c.type), pill(c.status), esc(c.reason or ""), esc(c.last_transition_time or "")] for c in st.conditions],
            raw=True,
        )
    statuses = {c.name: c for c in st.container_statuses or ()}
    rows = []
    for c in sp.containers or ():
        cs = statuses.get(c.name)
        state = "—"
        if cs is not None and cs.state is not None:
            if cs.state.running is not None:
                state = pill("Running", "ok")
            elif cs.state.waiting is not None:
                state = pill(cs.state.waiting.reason or "Waiting")
            elif cs.state.terminated is not None:
                state = pill(cs.state.terminated.reason or f"ExitCode:{cs.state.terminated.exit_code}")
        res = c.resources
        req = ", ".join(f"{k}={v}" for k, v in sorted((res.requests or {}).items())) if res else ""
        lim = ", ".join(f"{k}={v}" for k, v in sorted((res.limits or {}).items())) if res else ""
        rows.append([f"<code>{esc(c.name)}</code>", f"<code>{esc(c.image)}</code>", state,
                     esc("yes" if cs and cs.ready else "no"), esc(cs.restart_count if cs else 0), esc(req or "—"), esc(lim or "—")])
    body += "<h5>Containers</h5>" + _table(["Name", "Image", "State", "Ready", "Restarts", "Requests", "Limits"], rows, raw=True)
    if events is not None:
        body += "<h5>Events</h5>" + _events_table(events, now)
    return _card(_title("Pod", md.name or "", md.namespace), body)


# ----------------------------------------------------------------------------- nodes

def _q(v: Any):
    from kubelab.api.quantity import parse_quantity

    return parse_quantity(v)


def node_html(node: Any, now: Optional[float] = None, pods: Optional[Sequence[Any]] = None,
              events: Optional[Sequence[Any]] = None) -> str:
    from kubelab.kubectl.printers import find_node_roles, node_status

    sp, st, md = node.spec, node.status, node.metadata
    labels = md.labels or {}
    kind = labels.get("kubelab.io/machine-kind") or labels.get("node.kubernetes.io/instance-type") or ""
    addrs = ", ".join(f"{a.type} {a.address}" for a in st.addresses or ())
    info = st.node_info
    facts = [
        ("Status", pill(node_status(node))),
        ("Roles", esc(",".join(find_node_roles(node)) or "<none>")),
        ("Kubelet", esc(info.kubelet_version if info else "")),
        ("Addresses", f"<code>{esc(addrs)}</code>" if addrs else '<span class="kl-muted">&lt;none&gt;</span>'),
        ("Created", _when(md.creation_timestamp, now)),
    ]
    if kind:
        facts.insert(1, ("Machine", esc(kind)))
    zone = labels.get("topology.kubernetes.io/zone")
    if zone:
        facts.insert(2, ("Zone", esc(zone)))
    body = _kv(facts)
    # allocatable vs requested (what the scheduler sees), as describe's "Allocated resources"
    alloc = st.allocatable or st.capacity or {}
    cap = st.capacity or {}
    requested: dict[str, Any] = {}
    if pods is not None:
        from kubelab.kubectl.describe import pod_requests_and_limits

        live = [p for p in pods if p.status.phase not in ("Succeeded", "Failed")]
        for p in live:
            r, _ = pod_requests_and_limits(p)
            for k, v in r.items():
                requested[k] = requested[k] + v if k in requested else v
        requested["pods"] = _q(len(live))
    rows = []
    for res in ("cpu", "memory", "pods", "ephemeral-storage"):
        if res not in alloc:
            continue
        a = _q(alloc[res])
        c = _q(cap.get(res, alloc[res]))
        if pods is not None:
            used = requested.get(res, _q(0))
            bar = _bar(used.as_approximate_float64(), a.as_approximate_float64(), f"{used} of {a} requested")
        else:
            bar = '<span class="kl-muted">pass pods= to see requests</span>'
        rows.append([f"<code>{esc(res)}</code>", esc(c), esc(a), bar])
    if rows:
        body += "<h5>Capacity, allocatable and requested</h5>" + _table(["Resource", "Capacity", "Allocatable", "Requested"], rows, raw=True)
    if st.conditions:
        body += "<h5>Conditions</h5>" + _table(
            ["Type", "Status", "Reason", "Message"],
            [[esc(c.type), _node_condition_pill(c.type, c.status), esc(c.reason or ""), esc(c.message or "")] for c in st.conditions],
            raw=True,
        )
    taints = sp.taints or []
    body += "<h5>Taints</h5>" + ("".join(f'<span class="kl-tag">{esc(t)}</span>' for t in taints) if taints else '<span class="kl-muted">&lt;none&gt;</span>')
    if sp.unschedulable:
        body += ' <span class="kl-pill kl-warn">cordoned</span>'
    if pods:
        prow = [[esc(p.metadata.namespace), f"<code>{esc(p.metadata.name)}</code>", pill(_pod_reason(p))] for p in pods]
        body += f"<h5>Pods ({len(pods)})</h5>" + _table(["Namespace", "Name", "Status"], prow, raw=True)
    if events is not None:
        body += "<h5>Events</h5>" + _events_table(events, now)
    return _card(_title("Node", md.name or ""), body)


def _node_condition_pill(ctype: str, status: str) -> str:
    """Ready=True is healthy; for the pressure conditions (MemoryPressure, DiskPressure,
    PIDPressure, NetworkUnavailable) False is healthy."""
    healthy = (status == "True") if ctype == "Ready" else (status == "False")
    return pill(status, "ok" if healthy else ("warn" if status == "Unknown" else "bad"))


def _pod_reason(p: Any) -> str:
    from kubelab.kubectl.printers import pod_status_reason

    return pod_status_reason(p)[0]


# ----------------------------------------------------------------------------- workloads

def _replica_bar(ready: int, desired: int) -> str:
    segs = []
    for i in range(max(desired, ready)):
        tone = "ok" if i < ready else "warn"
        segs.append(f'<span class="kl-pill kl-{tone}" style="padding:0 5px;margin-right:2px" title="replica {i + 1}">&nbsp;</span>')
    if max(desired, ready) > 40:
        return esc(f"{ready}/{desired} ready")
    return "".join(segs) + f" {esc(ready)}/{esc(desired)} ready"


def workload_html(obj: Any, now: Optional[float] = None, events: Optional[Sequence[Any]] = None) -> str:
    from kubelab.kubectl.printers import format_label_selector, layout_container_cells

    md, sp, st = obj.metadata, obj.spec, obj.status
    desired = sp.replicas if sp.replicas is not None else 1
    ready = int(getattr(st, "ready_replicas", 0) or 0)
    facts = [("Replicas", _replica_bar(ready, desired))]
    if obj.KIND == "Deployment":
        facts.append(("Up-to-date / available", esc(f"{st.updated_replicas or 0} / {st.available_replicas or 0}")))
        strategy = sp.strategy.type if sp.strategy and sp.strategy.type else "RollingUpdate"
        facts.append(("Strategy", esc(strategy)))
        if sp.paused:
            facts.append(("Rollout", pill("paused", "warn")))
    else:
        facts.append(("Current", esc(st.replicas)))
        owner = md.controller_ref()
        if owner:
            facts.append(("Controlled by", esc(f"{owner.kind}/{owner.name}")))
        rev = (md.annotations or {}).get("deployment.kubernetes.io/revision")
        if rev:
            facts.append(("Revision", esc(rev)))
    names, images = layout_container_cells(sp.template.spec.containers)
    facts += [
        ("Selector", f"<code>{esc(format_label_selector(sp.selector))}</code>"),
        ("Containers", f"<code>{esc(names)}</code>"),
        ("Images", f"<code>{esc(images)}</code>"),
        ("Created", _when(md.creation_timestamp, now)),
    ]
    body = _kv(facts)
    if st.conditions:
        body += "<h5>Conditions</h5>" + _table(
            ["Type", "Status", "Reason", "Message"],
            [[esc(c.type), pill(c.status), esc(c.reason or ""), esc(c.message or "")] for c in st.conditions], raw=True)
    if events is not None:
        body += "<h5>Events</h5>" + _events_table(events, now)
    return _card(_title(obj.KIND, md.name or "", md.namespace), body)


def service_html(svc: Any, now: Optional[float] = None, endpoints: Any = None) -> str:
    from kubelab.kubectl.printers import format_endpoints, make_port_string, service_external_ip

    sp = svc.spec
    facts = [
        ("Type", esc(sp.type or "ClusterIP")),
        ("Cluster IP", f"<code>{esc(sp.cluster_ip or '<none>')}</code>"),
        ("External IP", f"<code>{esc(service_external_ip(svc, True))}</code>"),
        ("Ports", f"<code>{esc(make_port_string(sp.ports) or '<none>')}</code>"),
        ("Selector", _tags(sp.selector)),
        ("Created", _when(svc.metadata.creation_timestamp, now)),
    ]
    if endpoints is not None:
        facts.append(("Endpoints", f"<code>{esc(format_endpoints(endpoints))}</code>"))
    return _card(_title("Service", svc.metadata.name or "", svc.metadata.namespace), _kv(facts))


def generic_html(obj: Any, now: Optional[float] = None) -> str:
    import yaml

    md = obj.metadata
    facts = [("API version", f"<code>{esc(obj.api_version)}</code>"), ("Labels", _tags(md.labels)),
             ("Created", _when(md.creation_timestamp, now))]
    data = {k: v for k, v in obj.to_dict().items() if k not in ("apiVersion", "kind", "metadata")}
    body = _kv(facts)
    if data:
        text = yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
        body += f'<details><summary class="kl-muted">fields</summary><div class="kl-pre">{esc(text)}</div></details>'
    return _card(_title(obj.KIND, md.name or "", md.namespace), body)


# ----------------------------------------------------------------------------- errors

def status_text(status: Any) -> str:
    """A Status as kubectl prints it: ``Error from server (NotFound): pods "x" not found``."""
    if isinstance(status, dict):
        reason, message = status.get("reason"), status.get("message", "")
    else:
        reason, message = getattr(status, "reason", None), getattr(status, "message", "") or ""
    if not reason or reason == "Unknown":
        return f"Error from server: {message}"
    return f"Error from server ({reason}): {message}"


def status_html(status: Any) -> str:
    """The error card: kubectl's line, then the Status fields (code, reason, causes)."""
    if isinstance(status, dict):
        code, reason, details = status.get("code"), status.get("reason"), status.get("details") or {}
    else:
        code, reason, details = getattr(status, "code", None), getattr(status, "reason", None), getattr(status, "details", None) or {}
    body = f'<div class="kl-pre">{esc(status_text(status))}</div>'
    facts = [("HTTP code", esc(code)), ("Reason", esc(reason))]
    if details.get("kind") or details.get("name"):
        facts.append(("Object", esc(f"{details.get('kind', '')} {details.get('name', '')}".strip())))
    body += _kv(facts)
    causes = details.get("causes") or []
    if causes:
        body += "<h5>Causes</h5>" + _table(["Field", "Reason", "Message"],
                                           [[c.get("field", ""), c.get("reason", ""), c.get("message", "")] for c in causes])
    return _card(f'<span class="kl-kind">Status</span>{pill("Failure", "bad")}', body, "kl-err")


def error_html(err: BaseException) -> str:
    """An exception carrying a Status (``.status``), or any error, as an error card."""
    st = getattr(err, "status", None)
    notes = "".join(f'<div class="kl-muted">hint: {esc(n)}</div>' for n in getattr(err, "__notes__", None) or ())
    if st is not None:
        out = status_html(st)
        return out[:out.rindex("</div>")] + notes + "</div>" if notes else out
    return _card('<span class="kl-kind">Error</span>', f'<div class="kl-pre">error: {esc(err)}</div>' + notes, "kl-err")


# ----------------------------------------------------------------------------- tables

def table_html(objs: Sequence[Any], now: float = 0.0, *, wide: bool = False, kind: Optional[str] = None,
               all_namespaces: bool = False) -> str:
    """A kubectl ``get`` table (same columns and cells) as an HTML table."""
    from kubelab.kubectl.printers import TABLES, Column, TablePrinter

    if kind is None:
        kind = objs[0].KIND if objs else "Pod"
    printer = TABLES.get(kind) or TablePrinter((Column("Name"), Column("Age")), lambda o, n, w: [o.metadata.name, ""])
    cols = [c.header for c in printer.columns if wide or c.priority == 0]
    if all_namespaces:
        cols = ["NAMESPACE"] + cols
    rows = []
    for o in objs:
        cells = [esc(c) for c in printer.row(o, now, wide)]
        if kind == "Pod":
            cells[2] = pill(cells[2])
        if kind == "Node":
            cells[1] = pill(cells[1])
        if all_namespaces:
            cells = [esc(o.metadata.namespace)] + cells
        rows.append(cells)
    body = _table(cols, rows, raw=True) if rows else '<div class="kl-muted">No resources found</div>'
    return _card(f'<span class="kl-kind">{esc(kind)}</span><span class="kl-muted">{len(objs)}</span>', body)


def kubectl_html(text: str) -> str:
    """kubectl output in a card (monospace, escaped)."""
    return f'{STYLE}<div class="kl-card"><div class="kl-pre">{esc(text.rstrip())}</div></div>'


# ----------------------------------------------------------------------------- dispatch

_CONTEXT: list[Any] = []  # a weak reference to the cluster cards take time and related objects from


def use(source: Any) -> None:
    """Let cards look things up in ``source`` (a cluster): ages against its simulated
    clock, a pod's events, a node's pods and requests, a service's endpoints. Displaying a
    cluster does this too, so ``cluster.get("Node", "vm-1")`` in a later cell shows the
    node's requested resources."""
    import weakref

    _CONTEXT[:] = [weakref.ref(source)] if source is not None else []


def _context() -> Any:
    return _CONTEXT[0]() if _CONTEXT else None


def _related(obj: Any, now: Optional[float], related: dict[str, Any]) -> tuple[Optional[float], dict[str, Any]]:
    """Fill in time and related objects from the context cluster, when the object is one of its own."""
    src = _context()
    if src is None or related:
        return now, related
    kind = getattr(obj, "KIND", None)
    try:
        live = src.get(kind, obj.metadata.name, obj.metadata.namespace)
    except Exception:  # noqa: BLE001 - not from this cluster: show the object alone
        return now, related
    if live.metadata.uid != obj.metadata.uid:
        return now, related
    if now is None:
        now = float(getattr(src, "now", 0.0))
    out: dict[str, Any] = {}
    try:
        fn = getattr(src, "events_for", None) or getattr(src, "events", None)
        if kind in ("Pod", "Node", "Deployment", "ReplicaSet", "StatefulSet") and fn is not None:
            out["events"] = list(fn(obj))
        if kind == "Node":
            out["pods"] = [p for p in src.list("Pod", None, None, f"spec.nodeName={obj.metadata.name}")
                           if p.spec.node_name == obj.metadata.name]
        if kind == "Service":
            out["endpoints"] = src.get("Endpoints", obj.metadata.name, obj.metadata.namespace)
    except Exception:  # noqa: BLE001
        pass
    return now, out


def object_html(obj: Any, now: Optional[float] = None, **related: Any) -> str:
    """The card for any API object (Pod, Node, Deployment, ReplicaSet, StatefulSet,
    Service, Event, Status...). ``related`` may carry ``events=``, ``pods=``, ``endpoints=``;
    without them, the cluster set by :func:`use` (the last one displayed) supplies them."""
    kind = getattr(obj, "KIND", None) or getattr(obj, "kind", None)
    if kind not in (None, "Status") and not isinstance(obj, dict):
        now, related = _related(obj, now, related)
    if kind == "Status" or (isinstance(obj, dict) and obj.get("kind") == "Status"):
        return status_html(obj)
    if kind == "Pod":
        return pod_html(obj, now, related.get("events"))
    if kind == "Node":
        return node_html(obj, now, related.get("pods"), related.get("events"))
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        return workload_html(obj, now, related.get("events"))
    if kind == "Service":
        return service_html(obj, now, related.get("endpoints"))
    if kind == "Event":
        return events_html([obj], now, title="Event")
    return generic_html(obj, now)


def object_text(obj: Any, now: Optional[float] = None) -> str:
    """A deterministic one-line text/plain summary from the same fields as the card."""
    kind = getattr(obj, "KIND", "")
    md = obj.metadata
    where = f"{md.namespace}/" if md.namespace else ""
    if kind == "Pod":
        reason, ready, total, restarts, _ = _pod_summary(obj)
        node = obj.spec.node_name or "<none>"
        return f"Pod {where}{md.name}: {reason}, {ready}/{total} ready, {restarts} restarts, node {node}"
    if kind == "Node":
        from kubelab.kubectl.printers import node_status

        alloc = obj.status.allocatable or {}
        return f"Node {md.name}: {node_status(obj)}, cpu {alloc.get('cpu', '?')}, memory {alloc.get('memory', '?')}"
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        desired = obj.spec.replicas if obj.spec.replicas is not None else 1
        return f"{kind} {where}{md.name}: {int(obj.status.ready_replicas or 0)}/{desired} ready"
    if kind == "Service":
        return f"Service {where}{md.name}: {obj.spec.type or 'ClusterIP'} {obj.spec.cluster_ip or '<none>'}"
    return f"{kind} {where}{md.name}"


def _pod_summary(pod: Any):
    from kubelab.kubectl.printers import pod_status_reason

    return pod_status_reason(pod)


# ----------------------------------------------------------------------------- cluster

def master_html(master: Any) -> str:
    """A control-plane machine: its components (leader badges from the Leases in
    kube-system) and its etcd member, as the cluster's topology has them."""
    info = next(m for m in master.cluster.state.topology().masters if m.name == master.name)
    comps = []
    for c in info.components:
        state = pill("running" if c.running else "stopped", "ok" if c.running else "bad")
        lead = " " + pill("leader", "info") if c.leader else ""
        route = " " + pill("no route from the load balancer", "warn") if c.name == "kube-apiserver" and c.running \
            and not c.serving else ""
        comps.append([esc(c.name), state + lead + route])
    if info.etcd is not None:
        role = info.etcd.role
        comps.append([esc(f"etcd {info.etcd.name}"), pill(role, "info" if role == "leader" else ("bad" if role == "stopped" else None))])
    body = _table(["Component", "State"], comps, raw=True) if comps else '<span class="kl-muted">no components</span>'
    return _card(_title("Master", info.name) + pill("running" if info.running else "stopped", "ok" if info.running else "bad"), body)


def cluster_html(cluster: Any) -> str:
    """The cluster cell output: the topology graph (SVG) and a summary table."""
    from . import graphs

    use(cluster)  # later cards take time and related objects from this cluster
    topo = cluster.state.topology()
    view = graphs.GraphView(graphs.topology_graph(topo), graphs.topology_text(topo))
    graph_part = view.html()
    rows = []
    for w in topo.workers:
        # kubectl get nodes' STATUS column, one pill per word (Ready / NotReady / SchedulingDisabled)
        rows.append([f"<code>{esc(w.name)}</code>", esc(w.kind), " ".join(pill(x) for x in w.state.split(",")),
                     esc(len(w.pods))])
    summary = _kv([
        ("Simulated time", esc(f"{topo.time:.1f}s")),
        ("Masters", esc(", ".join(m.name for m in topo.masters))),
        ("etcd", esc(topo.etcd_summary)),
    ])
    workers = _table(["Worker", "Kind", "Status", "Pods"], rows, raw=True) if rows else '<span class="kl-muted">no workers yet: cluster.add_node(...)</span>'
    return _card('<span class="kl-kind">Cluster</span>' + esc(topo.name), graph_part + summary + "<h5>Workers</h5>" + workers)

"""kubectl top node|pod (k8s.io/kubectl/pkg/cmd/top, metricsutil/metrics_printer.go), over
the source's optional ``metrics(kind, namespace)``.

``--show-swap`` (kubectl 1.34, PR #129458) adds SWAP(bytes) SWAP(%) for nodes and SWAP(bytes)
for pods. The simulated metrics-server reports no swap usage and the nodes no swap capacity:
a node's swap cells are ``<unknown>``, a pod's the zero sum of its containers, ``0Mi``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .. import describe as describers
from ..tabwriter import GET_SETTINGS, tabulate
from .util import Args, KubectlError, list_objects, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    from kubelab.api.quantity import parse_quantity

    if not a.positional or a.positional[0] not in ("node", "nodes", "no", "pod", "pods", "po"):
        raise KubectlError("error: Required resource not specified. Use one of: node, pod")
    metrics = getattr(k.source, "metrics", None)
    kind = "Node" if a.positional[0].startswith("no") else "Pod"
    if metrics is None:
        raise KubectlError("error: Metrics API not available")
    try:
        usage = metrics(kind, None if kind == "Node" or a.get("all-namespaces") else k.ns(a))
    except Exception:  # noqa: BLE001
        raise KubectlError("error: Metrics API not available") from None
    names = a.positional[1:]
    show_swap = bool(a.get("show-swap"))

    def cpu(q: str) -> str:
        return f"{parse_quantity(q).milli_value()}m"

    def mem(q: str) -> str:
        return f"{parse_quantity(q).value() // (1024 * 1024)}Mi"

    rows: list[list[str]] = []
    if kind == "Node":
        rows.append(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
                    + (["SWAP(bytes)", "SWAP(%)"] if show_swap else []))
        node_swap = ["<unknown>", "<unknown>"] if show_swap else []
        nodes = list_objects(k, resolve_kind("Node"), None, a.get("selector"))
        if names:
            nodes = [n for n in nodes if n.metadata.name in names]
            missing = [n for n in names if n not in {x.metadata.name for x in nodes}]
            if missing:
                raise KubectlError(f'Error from server (NotFound): nodes "{missing[0]}" not found')
        missing_rows = []
        for n in nodes:
            u = usage.get(n.metadata.name)
            if u is None:
                missing_rows.append([n.metadata.name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"] + node_swap)
                continue
            alloc = n.status.allocatable or n.status.capacity or {}  # type: ignore[attr-defined]
            cpu_alloc = parse_quantity(alloc.get("cpu", "0")).milli_value()
            mem_alloc = parse_quantity(alloc.get("memory", "0")).milli_value()
            cu = parse_quantity(u.get("cpu", "0"))
            mu = parse_quantity(u.get("memory", "0"))
            cpu_pct = (cu.milli_value() * 100) // cpu_alloc if cpu_alloc else 0
            mem_pct = (mu.milli_value() * 100) // mem_alloc if mem_alloc else 0
            rows.append([n.metadata.name, cpu(u.get("cpu", "0")), f"{cpu_pct}%", mem(u.get("memory", "0")), f"{mem_pct}%"]
                        + node_swap)
        rows.extend(missing_rows)
    else:
        all_ns = bool(a.get("all-namespaces"))
        ns = k.ns(a)
        header = ["NAME", "CPU(cores)", "MEMORY(bytes)"] + (["SWAP(bytes)"] if show_swap else [])
        rows.append((["NAMESPACE"] if all_ns else []) + header)
        pods = list_objects(k, resolve_kind("Pod"), None if all_ns else ns, a.get("selector"))
        if names:
            pods = [p for p in pods if p.metadata.name in names]
        found = False
        for p in pods:
            u = usage.get(f"{p.metadata.namespace}/{p.metadata.name}") or usage.get(p.metadata.name or "")
            if u is None:
                continue
            found = True
            rows.append(([p.metadata.namespace or ""] if all_ns else []) + [p.metadata.name or "", cpu(u.get("cpu", "0")), mem(u.get("memory", "0"))]
                        + (["0Mi"] if show_swap else []))
        if not found:
            if names:
                raise KubectlError(f'error: Metrics not available for pod {ns}/{names[0]}, age: {describers.age_of(pods[0], k.now) if pods else "<unknown>"}')
            raise KubectlError(f"error: Metrics not available for pods in namespace {ns}" if not all_ns else "error: metrics not available yet")
    # metrics_printer.go's printValue writes every cell as "%v\t", the last one too: the last
    # column is padded like the others (trailing spaces on every line, as the real kubectl prints)
    return tabulate([row + [""] for row in rows], **GET_SETTINGS)

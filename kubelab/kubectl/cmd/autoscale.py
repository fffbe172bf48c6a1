"""kubectl autoscale (k8s.io/kubectl/pkg/cmd/autoscale/autoscale.go): an autoscaling/v2
HorizontalPodAutoscaler for a Deployment, ReplicaSet, StatefulSet or ReplicationController.

``--max`` is required; ``--min`` unset or not positive leaves minReplicas to the server's
default (1); ``--cpu-percent=N`` (deprecated upstream for ``--cpu=N%``) targets average CPU
utilisation; ``--cpu``/``--memory`` take a percentage or a quantity (a bare number is
millicores / MiB, parseResourceInput). With no metric at all the server defaults to 80 % CPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from kubelab.api.quantity import parse_quantity

from .util import Args, KubectlError, create_object, get_object, int_flag, targets

if TYPE_CHECKING:
    from ..cli import Kubectl

_SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
CPU_PERCENT_DEPRECATED = ("Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity "
                          "format (e.g., '70%' for utilization or '500m' for milliCPU).\n")


def _target(text: str, resource: str) -> dict[str, Any]:
    """parseResourceInput: "70%" is Utilization; "500m" / "500" (a bare number in the
    resource's default unit) is AverageValue."""
    s = text.strip()
    if not s:
        raise KubectlError("error: empty input")
    if s.endswith("%"):
        v = s[:-1]
        if not (v.isascii() and v.lstrip("+-").isdigit()) or int(v) < 0 or int(v) >= 1 << 31:
            raise KubectlError(f"error: invalid percentage value: {v}")
        return {"type": "Utilization", "averageUtilization": int(v)}
    try:
        f = float(s)
    except ValueError:
        f = None
    if f is not None:
        g = f"{f:g}"
        s = g + ("m" if resource == "cpu" else "Mi")
    try:
        q = parse_quantity(s)
    except (ValueError, TypeError):
        raise KubectlError(f"error: invalid resource {resource} value: {text.strip()}") from None
    return {"type": "AverageValue", "averageValue": q.canonical() if hasattr(q, "canonical") else s}


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    if a.get("cpu-percent") is None:
        return _run(k, a)
    # kubectl 1.34 (PR #129373) marks --cpu-percent deprecated: cobra warns as soon as the flag is
    # parsed, before the command validates or runs
    try:
        return CPU_PERCENT_DEPRECATED + _run(k, a)
    except KubectlError as e:
        raise KubectlError(e.message, partial=CPU_PERCENT_DEPRECATED + (e.partial or "")) from None


def _run(k: "Kubectl", a: Args) -> str:
    if a.get("max") is None:
        raise KubectlError('error: required flag(s) "max" not set')
    mx = int_flag(a, "max", -1)
    mn = int_flag(a, "min", -1)
    cpu_percent = int_flag(a, "cpu-percent", -1)
    cpu, memory = a.get("cpu"), a.get("memory")
    # AutoscaleOptions.Validate
    if mx < 1:
        raise KubectlError(f"error: --max=MAXPODS is required and must be at least 1, max: {mx}")
    if mx < mn:
        raise KubectlError(f"error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: {mx}, min: {mn}")
    if cpu_percent > 0 and cpu:
        raise KubectlError("error: --cpu-percent and --cpu are mutually exclusive")
    metrics = []
    if cpu_percent > 0:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                   "averageUtilization": cpu_percent}}})
    if cpu:
        metrics.append({"type": "Resource", "resource": {"name": "cpu", "target": _target(str(cpu), "cpu")}})
    if memory:
        metrics.append({"type": "Resource", "resource": {"name": "memory", "target": _target(str(memory), "memory")}})
    groups = targets(a, allow_all=False)
    if not groups:
        raise KubectlError("error: You must provide one or more resources by argument or filename.")
    ns = k.ns(a)
    out = []
    for cls, names in groups:
        if not names:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        for n in names:
            get_object(k, cls, n, ns)  # the builder fetches it: a missing target is NotFound
            if cls.KIND not in _SCALABLE:
                # scale.NewDiscoveryScaleKindResolver: no /scale subresource in discovery
                gvr = f"{cls.GROUP}/{getattr(cls, 'VERSION', 'v1')}, Resource={cls.RESOURCE}"
                raise KubectlError(f"error: cannot autoscale a {cls.KIND}: could not find scale subresource "
                                   f"for {gvr} in discovery information", partial="".join(out))
            api_version = f"{cls.GROUP}/{getattr(cls, 'VERSION', 'v1')}" if cls.GROUP else getattr(cls, "VERSION", "v1")
            spec: dict[str, Any] = {"scaleTargetRef": {"apiVersion": api_version, "kind": cls.KIND, "name": n},
                                    "maxReplicas": mx}
            if mn > 0:
                spec["minReplicas"] = mn
            if metrics:
                spec["metrics"] = metrics
            hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                   "metadata": {"name": a.get("name") or n, "namespace": ns}, "spec": spec}
            try:
                out.append(create_object(k, a, hpa, wrap=None, verb="autoscaled"))
            except KubectlError as e:
                raise KubectlError(e.message, partial="".join(out)) from None
    return "".join(out)

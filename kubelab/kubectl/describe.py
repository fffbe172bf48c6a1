"""``kubectl describe``: the describers of k8s.io/kubectl/pkg/describe/describe.go.

Each ``describe_*`` function follows the Go function of the same name line by line
(``describePod``, ``describeNode`` + ``describeNodeResource``, ``describeDeployment``,
``describeReplicaSet``, ``describeService``, ``DescribeEvents``...), writing through a
PrefixWriter into Go's tabwriter with describe's settings (minwidth 0, padding 2), so
the alignment quirks are kubectl's own. Kinds without a dedicated describer get the
``genericDescriber`` output (fields from the object's JSON, with "smart" labels).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

from kubelab.api.meta import KubeObject
from kubelab.api.podutil import get_pod_qos
from kubelab.api.resourcehelper import as_quantity, pod_limits, pod_requests

from .duration import human_duration, rfc1123z, translate_timestamp_since
from .printers import find_node_roles, format_endpoint_slices, format_endpoints, format_label_selector, format_labels
from .tabwriter import PrefixWriter, tabbed_string

__all__ = ["describe", "describe_events", "pod_template_text", "age_of", "pod_requests_and_limits", "pod_qos"]

MAX_ANNOTATION_LEN = 140
SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}


def age_of(obj: KubeObject, now: float) -> str:
    return translate_timestamp_since(obj.metadata.creation_timestamp, now)


# ----------------------------------------------------------------------------- helpers

def _print_labels_multiline(w: PrefixWriter, title: str, labels: Optional[dict[str, str]], initial: str = "", inner: str = "\t") -> None:
    """printLabelsMultilineWithIndent."""
    w.write(0, f"{initial}{title}:{inner}")
    if not labels:
        w.write_line("<none>")
        return
    for i, k in enumerate(sorted(labels)):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        w.write(0, f"{k}={labels[k]}\n")


def _shorten(s: str, n: int) -> str:
    return s[:n] + "..." if len(s) > n else s


def _print_annotations_multiline(w: PrefixWriter, title: str, annotations: Optional[dict[str, str]], initial: str = "", inner: str = "\t") -> None:
    """printAnnotationsMultilineWithIndent (skips kubectl's last-applied annotation)."""
    w.write(0, f"{initial}{title}:{inner}")
    keys = sorted(k for k in (annotations or {}) if k not in SKIP_ANNOTATIONS)
    if not keys:
        w.write_line("<none>")
        return
    for i, k in enumerate(keys):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        value = annotations[k].removesuffix("\n")  # type: ignore[index]
        if len(value) + len(k) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{k}:\n")
            for s in value.split("\n"):
                w.write(0, f"{initial}  {_shorten(s, MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{k}: {value}\n")


def _print_tolerations_multiline(w: PrefixWriter, title: str, tolerations: Any, initial: str = "", inner: str = "\t") -> None:
    """printTolerationsMultilineWithIndent."""
    w.write(0, f"{initial}{title}:{inner}")
    if not tolerations:
        w.write_line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.key or "")):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        s = t.key or ""
        if t.value:
            s += f"={t.value}"
        if t.effect:
            s += f":{t.effect}"
        if t.operator == "Exists" and not t.value:
            s += " op=Exists" if (t.key or t.effect) else "op=Exists"
        if t.toleration_seconds is not None:
            s += f" for {t.toleration_seconds}s"
        w.write(0, s + "\n")


def _print_taints_multiline(w: PrefixWriter, title: str, taints: Any, initial: str = "", inner: str = "\t") -> None:
    """printTaintsMultilineWithIndent: sorted by effect, then key."""
    w.write(0, f"{initial}{title}:{inner}")
    if not taints:
        w.write_line("<none>")
        return
    for i, t in enumerate(sorted(taints, key=lambda t: f"{t.effect},{t.key}")):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        w.write(0, f"{t}\n")


def _controller(obj: KubeObject) -> str:
    ref = obj.metadata.controller_ref()
    return f"{ref.kind}/{ref.name}" if ref else ""


def _q(v: Any):
    from kubelab.api.quantity import parse_quantity

    return parse_quantity(v)


def _sorted_resource_names(d: dict) -> list[str]:
    # SortedResourceNames: sort.Sort(SortableResourceNames) — plain string order
    return sorted(d)


def _describe_resources(w: PrefixWriter, res: Any, level: int) -> None:
    if res is None:
        return
    if res.limits:
        w.write(level, "Limits:\n")
    for n in _sorted_resource_names(res.limits or {}):
        w.write(level + 1, f"{n}:\t{_q(res.limits[n])}\n")
    if res.requests:
        w.write(level, "Requests:\n")
    for n in _sorted_resource_names(res.requests or {}):
        w.write(level + 1, f"{n}:\t{_q(res.requests[n])}\n")


def _describe_status(w: PrefixWriter, name: str, state: Any) -> None:
    if state is not None and state.running is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state.running.started_at)}\n")
    elif state is not None and state.waiting is not None:
        w.write(2, f"{name}:\tWaiting\n")
        if state.waiting.reason:
            w.write(3, f"Reason:\t{state.waiting.reason}\n")
    elif state is not None and state.terminated is not None:
        t = state.terminated
        w.write(2, f"{name}:\tTerminated\n")
        if t.reason:
            w.write(3, f"Reason:\t{t.reason}\n")
        if t.message:
            w.write(3, f"Message:\t{t.message}\n")
        w.write(3, f"Exit Code:\t{t.exit_code}\n")
        if t.signal:
            w.write(3, f"Signal:\t{t.signal}\n")
        w.write(3, f"Started:\t{rfc1123z(t.started_at)}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.finished_at)}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")


def _describe_probe(p: dict) -> str:
    """DescribeProbe."""
    attrs = (
        f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s period={p.get('periodSeconds', 10)}s "
        f"#success={p.get('successThreshold', 1)} #failure={p.get('failureThreshold', 3)}"
    )
    if "exec" in p:
        return f"exec [{' '.join(p['exec'].get('command') or [])}] {attrs}"
    if "httpGet" in p:
        h = p["httpGet"]
        scheme = str(h.get("scheme", "HTTP")).lower()
        return f"http-get {scheme}://{h.get('host', '')}:{h.get('port', '')}{h.get('path', '')} {attrs}"
    if "tcpSocket" in p:
        return f"tcp-socket {p['tcpSocket'].get('host', '')}:{p['tcpSocket'].get('port', '')} {attrs}"
    if "grpc" in p:
        return f"grpc <pod>:{p['grpc'].get('port')} {p['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _describe_containers(w: PrefixWriter, label: str, containers: Any, statuses: Any, space: str) -> None:
    """describeContainers (+ describeContainerBasicInfo/Command/State/Probe/EnvVars/Volumes)."""
    by_name = {s.name: s for s in statuses or ()}
    containers = list(containers or ())
    w.write(0, f"{space}{label}:{' <none>' if not containers else ''}\n")
    name_indent = " " if space else ""
    for c in containers:
        st = by_name.get(c.name)
        ok = st is not None
        w.write(1, f"{name_indent}{c.name}:\n")
        if ok:
            w.write(2, f"Container ID:\t{st.container_id or ''}\n")
        w.write(2, f"Image:\t{c.image or ''}\n")
        if ok:
            w.write(2, f"Image ID:\t{st.image_id}\n")
        ports = ", ".join(f"{p.container_port}/{p.protocol or 'TCP'}" for p in c.ports or ())
        if "," in ports:
            w.write(2, f"Ports:\t{ports}\n")
        else:
            w.write(2, f"Port:\t{ports or '<none>'}\n")
        hports = ", ".join(f"{p.host_port or 0}/{p.protocol or 'TCP'}" for p in c.ports or ())
        if "," in hports:
            w.write(2, f"Host Ports:\t{hports}\n")
        else:
            w.write(2, f"Host Port:\t{hports or '<none>'}\n")
        if c.command:
            w.write(2, "Command:\n")
            for cmd in c.command:
                for s in cmd.split("\n"):
                    w.write(3, f"{s}\n")
        if c.args:
            w.write(2, "Args:\n")
            for arg in c.args:
                for s in arg.split("\n"):
                    w.write(3, f"{s}\n")
        if ok:
            _describe_status(w, "State", st.state)
            if st.last_state is not None and st.last_state.terminated is not None:
                _describe_status(w, "Last State", st.last_state)
            w.write(2, f"Ready:\t{'True' if st.ready else 'False'}\n")
            w.write(2, f"Restart Count:\t{st.restart_count}\n")
        _describe_resources(w, c.resources, 2)
        for label_, probe in (("Liveness", c.liveness_probe), ("Readiness", c.readiness_probe), ("Startup", c.startup_probe)):
            if probe:
                w.write(2, f"{label_}:\t{_describe_probe(probe)}\n")
        if c.env_from:
            w.write(2, "Environment Variables from:\n")
            for e in c.env_from:
                if "configMapRef" in e:
                    src, ref = "ConfigMap", e["configMapRef"]
                else:
                    src, ref = "Secret", e.get("secretRef", {})
                optional = "true" if ref.get("optional") else "false"
                prefix = e.get("prefix")
                if prefix:
                    w.write(3, f"{ref.get('name', '')}\t{src} with prefix '{prefix}'\tOptional: {optional}\n")
                else:
                    w.write(3, f"{ref.get('name', '')}\t{src}\tOptional: {optional}\n")
        w.write(2, f"Environment:{'' if c.env else chr(9) + '<none>'}\n")
        for e in c.env or ():
            if e.value_from is None:
                for i, s in enumerate((e.value or "").split("\n")):
                    w.write(3, f"{e.name}:\t{s}\n" if i == 0 else f"\t{s}\n")
                continue
            vf = e.value_from
            if "fieldRef" in vf:
                fr = vf["fieldRef"]
                w.write(3, f"{e.name}:\t ({fr.get('apiVersion', 'v1')}:{fr.get('fieldPath', '')})\n")
            elif "resourceFieldRef" in vf:
                w.write(3, f"{e.name}:\t ({vf['resourceFieldRef'].get('resource', '')})\n")
            elif "secretKeyRef" in vf:
                r = vf["secretKeyRef"]
                w.write(3, f"{e.name}:\t<set to the key '{r.get('key')}' in secret '{r.get('name')}'>\tOptional: {'true' if r.get('optional') else 'false'}\n")
            elif "configMapKeyRef" in vf:
                r = vf["configMapKeyRef"]
                w.write(3, f"{e.name}:\t<set to the key '{r.get('key')}' of config map '{r.get('name')}'>\tOptional: {'true' if r.get('optional') else 'false'}\n")
        mounts = sorted(c.volume_mounts or (), key=lambda m: m.get("mountPath", ""))
        w.write(2, f"Mounts:{'' if mounts else chr(9) + '<none>'}\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


def _describe_volumes(w: PrefixWriter, volumes: Any, space: str) -> None:
    """describeVolumes (the common sources; others print <unknown>)."""
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for v in volumes:
        if hasattr(v, "to_dict"):
            v = v.to_dict()
        name_indent = " " if space else ""
        w.write(1, f"{name_indent}{v.get('name')}:\n")
        if "emptyDir" in v:
            ed = v["emptyDir"] or {}
            w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                       f"    Medium:\t{ed.get('medium', '')}\n    SizeLimit:\t{ed.get('sizeLimit', '<unset>')}\n")
        elif "hostPath" in v:
            hp = v["hostPath"]
            w.write(2, "Type:\tHostPath (bare host directory volume)\n"
                       f"    Path:\t{hp.get('path', '')}\n    HostPathType:\t{hp.get('type', '<none>') or '<none>'}\n")
        elif "configMap" in v:
            cm = v["configMap"]
            w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
                       f"    Name:\t{cm.get('name', '')}\n    Optional:\t{'true' if cm.get('optional') else 'false'}\n")
        elif "secret" in v:
            s = v["secret"]
            w.write(2, "Type:\tSecret (a volume populated by a Secret)\n"
                       f"    SecretName:\t{s.get('secretName', '')}\n    Optional:\t{'true' if s.get('optional') else 'false'}\n")
        elif "persistentVolumeClaim" in v:
            p = v["persistentVolumeClaim"]
            w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n"
                       f"    ClaimName:\t{p.get('claimName', '')}\n    ReadOnly:\t{'true' if p.get('readOnly') else 'false'}\n")
        elif "projected" in v:
            w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
            for src in (v["projected"] or {}).get("sources") or ():
                if "serviceAccountToken" in src:
                    w.write(2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 3607)}\n")
                # kubectl 1.33+ prints Optional as a bool (kubernetes PR #129457; 1.32 printed
                # the pointer: ConfigMapOptional / SecretOptionalName)
                elif "configMap" in src:
                    w.write(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}\n"
                               f"    Optional:\t{'true' if src['configMap'].get('optional') else 'false'}\n")
                elif "downwardAPI" in src:
                    w.write(2, "DownwardAPI:\ttrue\n")
                elif "secret" in src:
                    w.write(2, f"SecretName:\t{src['secret'].get('name', '')}\n"
                               f"    Optional:\t{'true' if src['secret'].get('optional') else 'false'}\n")
        else:
            w.write(1, "<unknown>\n")


def pod_requests_and_limits(pod: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """resourcehelper.PodRequestsAndLimits (k8s.io/kubectl/pkg/util/resource): the pod's
    requests and limits as Quantities, by kubelab.api.resourcehelper's rule (containers
    summed, init containers and sidecars, overhead)."""
    return pod_requests(pod, value=as_quantity), pod_limits(pod, value=as_quantity)


def pod_qos(pod: Any) -> str:
    """qos.GetPodQOS (status.qosClass wins when the kubelet set it)."""
    return pod.status.qos_class or get_pod_qos(pod)


# ----------------------------------------------------------------------------- events

def describe_events(w: PrefixWriter, events: list[Any], now: float) -> None:
    """DescribeEvents: sorted by lastTimestamp (event.SortableEvents), ``(xN over ...)``."""
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()

    from .gosort import go_sort

    # event.SortableEvents: LastTimestamp.Before (a second's precision; unset is the zero time),
    # with Go's unstable sort.Sort over the list in the server's order (namespace, name): events
    # of the same second come out as the real kubectl prints them
    listed = sorted(events, key=lambda e: (e.metadata.namespace or "", e.metadata.name or ""))
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in go_sort(listed, lambda a, b: (a.last_timestamp or "") < (b.last_timestamp or "")):
        first_since = translate_timestamp_since(e.event_time, now)
        if not e.event_time:
            first_since = translate_timestamp_since(e.first_timestamp, now)
        if e.series:
            interval = f"{translate_timestamp_since(e.series.get('lastObservedTime'), now)} (x{e.series.get('count')} over {first_since})"
        elif (e.count or 0) > 1:
            interval = f"{translate_timestamp_since(e.last_timestamp, now)} (x{e.count} over {first_since})"
        else:
            interval = first_since
        source = (e.source.component if e.source else None) or e.reporting_component or ""
        w.write(1, f"{e.type or ''}\t{e.reason or ''}\t{interval}\t{source}\t{(e.message or '').strip()}\n")


def _events(source: Any, obj: KubeObject, show: bool) -> Optional[list[Any]]:
    if not show or source is None:
        return None
    fn = getattr(source, "events_for", None) or getattr(source, "events", None)
    if fn is None:
        return []
    try:
        return list(fn(obj))
    except Exception:  # noqa: BLE001 - describe shows what it can
        return []


# ----------------------------------------------------------------------------- kinds

def describe_pod(pod: Any, events: Optional[list[Any]], now: float) -> str:
    sp, st, md = pod.spec, pod.status, pod.metadata

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{md.name}\n")
        w.write(0, f"Namespace:\t{md.namespace}\n")
        if sp.priority is not None:
            w.write(0, f"Priority:\t{sp.priority}\n")
        if sp.priority_class_name:
            w.write(0, f"Priority Class Name:\t{sp.priority_class_name}\n")
        if sp.runtime_class_name:
            w.write(0, f"Runtime Class Name:\t{sp.runtime_class_name}\n")
        if sp.service_account_name:
            w.write(0, f"Service Account:\t{sp.service_account_name}\n")
        if not sp.node_name:
            w.write(0, "Node:\t<none>\n")
        else:
            w.write(0, f"Node:\t{sp.node_name}/{st.host_ip or ''}\n")
        if st.start_time:
            w.write(0, f"Start Time:\t{rfc1123z(st.start_time)}\n")
        _print_labels_multiline(w, "Labels", md.labels)
        _print_annotations_multiline(w, "Annotations", md.annotations)
        if md.deletion_timestamp and st.phase not in ("Failed", "Succeeded"):
            w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(md.deletion_timestamp, now)})\n")
            w.write(0, f"Termination Grace Period:\t{md.deletion_grace_period_seconds or 0}s\n")
        else:
            w.write(0, f"Status:\t{st.phase or ''}\n")
        if st.reason:
            w.write(0, f"Reason:\t{st.reason}\n")
        if st.message:
            w.write(0, f"Message:\t{st.message}\n")
        w.write(0, f"IP:\t{st.pod_ip or ''}\n")
        if not st.pod_ips:
            w.write(0, "IPs:\t<none>\n")
        else:
            w.write(0, "IPs:\n")
            for ip in st.pod_ips:
                w.write(1, f"IP:\t{ip.ip}\n")
        controlled = _controller(pod)
        if controlled:
            w.write(0, f"Controlled By:\t{controlled}\n")
        if st.nominated_node_name:
            w.write(0, f"NominatedNodeName:\t{st.nominated_node_name}\n")
        if sp.init_containers:
            _describe_containers(w, "Init Containers", sp.init_containers, st.init_container_statuses, "")
        _describe_containers(w, "Containers", sp.containers, st.container_statuses, "")
        if sp.readiness_gates:
            w.write(0, "Readiness Gates:\n  Type\tStatus\n")
            for g in sp.readiness_gates:
                status = "<none>"
                for c in st.conditions or ():
                    if c.type == g.get("conditionType"):
                        status = c.status
                        break
                w.write(1, f"{g.get('conditionType')} \t{status} \n")
        if st.conditions:
            w.write(0, "Conditions:\n  Type\tStatus\n")
            for c in st.conditions:
                w.write(1, f"{c.type} \t{c.status} \n")
        _describe_volumes(w, sp.volumes, "")
        w.write(0, f"QoS Class:\t{pod_qos(pod)}\n")
        _print_labels_multiline(w, "Node-Selectors", sp.node_selector)
        _print_tolerations_multiline(w, "Tolerations", sp.tolerations)
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def _describe_pod_template(w: PrefixWriter, template: Any) -> None:
    """DescribePodTemplate."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    _print_labels_multiline(w, "  Labels", template.metadata.labels)
    if template.metadata.annotations:
        _print_annotations_multiline(w, "  Annotations", template.metadata.annotations)
    if template.spec.service_account_name:
        w.write(1, f"Service Account:\t{template.spec.service_account_name}\n")
    if template.spec.init_containers:
        _describe_containers(w, "Init Containers", template.spec.init_containers, None, "  ")
    _describe_containers(w, "Containers", template.spec.containers, None, "  ")
    _describe_volumes(w, template.spec.volumes, "  ")
    if template.spec.priority_class_name:
        w.write(1, f"Priority Class Name:\t{template.spec.priority_class_name}\n")
    _print_labels_multiline(w, "  Node-Selectors", template.spec.node_selector)
    _print_tolerations_multiline(w, "  Tolerations", template.spec.tolerations)


class _RawWriter:
    """A bytes.Buffer under describe.NewPrefixWriter: the tabs stay tabs."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return "".join(self.parts)


def print_template(template: Any) -> str:
    """polymorphichelpers history.go printTemplate: DescribePodTemplate straight into a buffer,
    without describe's tabwriter (``Image:\tnginx``), as ``rollout history --revision`` prints it."""
    buf = _RawWriter()
    _describe_pod_template(PrefixWriter(buf), template)  # type: ignore[arg-type]
    return buf.getvalue()


pod_template_text = print_template  # the name this module exported first


def _pod_status_counts(pods: list[Any]) -> tuple[int, int, int, int]:
    running = waiting = succeeded = failed = 0
    for p in pods:
        ph = p.status.phase
        if ph == "Running":
            running += 1
        elif ph == "Pending":
            waiting += 1
        elif ph == "Succeeded":
            succeeded += 1
        elif ph == "Failed":
            failed += 1
    return running, waiting, succeeded, failed


def describe_replicaset(rs: Any, events: Optional[list[Any]], now: float, pods: Optional[list[Any]] = None) -> str:
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{rs.metadata.name}\n")
        w.write(0, f"Namespace:\t{rs.metadata.namespace}\n")
        w.write(0, f"Selector:\t{format_label_selector(rs.spec.selector)}\n")
        _print_labels_multiline(w, "Labels", rs.metadata.labels)
        _print_annotations_multiline(w, "Annotations", rs.metadata.annotations)
        controlled = _controller(rs)
        if controlled:
            w.write(0, f"Controlled By:\t{controlled}\n")
        desired = rs.spec.replicas if rs.spec.replicas is not None else 1
        w.write(0, f"Replicas:\t{rs.status.replicas} current / {desired} desired\n")
        w.write(0, "Pods Status:\t")
        r, wt, s, f = _pod_status_counts(pods or [])
        w.write(0, f"{r} Running / {wt} Waiting / {s} Succeeded / {f} Failed\n")
        _describe_pod_template(w, rs.spec.template)
        if rs.status.conditions:
            w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
            w.write(1, "----\t------\t------\n")
            for c in rs.status.conditions:
                w.write(1, f"{c.type} \t{c.status}\t{c.reason or ''}\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def _rs_by_labels(rss: list[Any]) -> str:
    """printReplicaSetsByLabels."""
    s = ", ".join(
        f"{rs.metadata.name} ({rs.status.replicas}/{rs.spec.replicas if rs.spec.replicas is not None else 1} replicas created)" for rs in rss
    )
    return s or "<none>"


def _template_equal(rs_template: Any, d_template: Any) -> bool:
    """deploymentutil.EqualIgnoreHash."""
    a, b = rs_template.to_dict(), d_template.to_dict()
    for t in (a, b):
        labels = (t.get("metadata") or {}).get("labels")
        if labels:
            labels.pop("pod-template-hash", None)
    return a == b


def describe_deployment(d: Any, events: Optional[list[Any]], now: float, rss: Optional[list[Any]] = None) -> str:
    sp, st = d.spec, d.status
    new_rs = None
    old: list[Any] = []
    for rs in sorted(rss or (), key=lambda r: (r.metadata.creation_timestamp or "", r.metadata.name or "")):
        if new_rs is None and _template_equal(rs.spec.template, sp.template):
            new_rs = rs
        else:  # every old ReplicaSet, those scaled to 0 too: "web-7f5b655567 (0/0 replicas created)",
            old.append(rs)  # as kubectl 1.32 and 1.37 print it against a served cluster

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{d.metadata.name}\n")
        w.write(0, f"Namespace:\t{d.metadata.namespace}\n")
        w.write(0, f"CreationTimestamp:\t{rfc1123z(d.metadata.creation_timestamp)}\n")
        _print_labels_multiline(w, "Labels", d.metadata.labels)
        _print_annotations_multiline(w, "Annotations", d.metadata.annotations)
        sel = format_label_selector(sp.selector)
        w.write(0, f"Selector:\t{'' if sel == '<none>' else sel}\n")
        desired = sp.replicas if sp.replicas is not None else 1
        w.write(0, f"Replicas:\t{desired} desired | {st.updated_replicas or 0} updated | {st.replicas or 0} total | "
                   f"{st.available_replicas or 0} available | {st.unavailable_replicas or 0} unavailable\n")
        strategy = sp.strategy
        w.write(0, f"StrategyType:\t{(strategy.type if strategy else None) or 'RollingUpdate'}\n")
        w.write(0, f"MinReadySeconds:\t{sp.min_ready_seconds or 0}\n")
        if strategy is None or (strategy.type or "RollingUpdate") == "RollingUpdate":
            ru = strategy.rolling_update if strategy else None
            mu = ru.max_unavailable if ru and ru.max_unavailable is not None else "25%"
            ms = ru.max_surge if ru and ru.max_surge is not None else "25%"
            w.write(0, f"RollingUpdateStrategy:\t{mu} max unavailable, {ms} max surge\n")
        _describe_pod_template(w, sp.template)
        if st.conditions:
            w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
            w.write(1, "----\t------\t------\n")
            for c in st.conditions:
                w.write(1, f"{c.type} \t{c.status}\t{c.reason or ''}\n")
        if rss is not None:
            w.write(0, f"OldReplicaSets:\t{_rs_by_labels(old)}\n")
            w.write(0, f"NewReplicaSet:\t{_rs_by_labels([new_rs] if new_rs else [])}\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe_service(svc: Any, events: Optional[list[Any]], now: float, endpoints: Any = None) -> str:
    sp = svc.spec

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{svc.metadata.name}\n")
        w.write(0, f"Namespace:\t{svc.metadata.namespace}\n")
        _print_labels_multiline(w, "Labels", svc.metadata.labels)
        _print_annotations_multiline(w, "Annotations", svc.metadata.annotations)
        w.write(0, f"Selector:\t{format_labels(sp.selector)}\n")
        w.write(0, f"Type:\t{sp.type or 'ClusterIP'}\n")
        if sp.ip_family_policy:
            w.write(0, f"IP Family Policy:\t{sp.ip_family_policy}\n")
        w.write(0, f"IP Families:\t{','.join(sp.ip_families) if sp.ip_families else '<none>'}\n")
        w.write(0, f"IP:\t{sp.cluster_ip or ''}\n")
        w.write(0, f"IPs:\t{','.join(sp.cluster_ips) if sp.cluster_ips else '<none>'}\n")
        if sp.external_ips:
            w.write(0, f"External IPs:\t{','.join(sp.external_ips)}\n")
        if sp.load_balancer_ip:
            w.write(0, f"IP:\t{sp.load_balancer_ip}\n")
        if sp.external_name:
            w.write(0, f"External Name:\t{sp.external_name}\n")
        lb = svc.status.load_balancer
        if lb and lb.ingress:
            w.write(0, "LoadBalancer Ingress:\t" + ", ".join(i.ip or i.hostname or "" for i in lb.ingress) + "\n")
        for p in sp.ports or ():
            name = p.name or "<unset>"
            proto = p.protocol or "TCP"
            w.write(0, f"Port:\t{name}\t{p.port}/{proto}\n")
            tp = p.target_port if p.target_port is not None else p.port
            w.write(0, f"TargetPort:\t{tp}/{proto}\n")
            if p.node_port:
                w.write(0, f"NodePort:\t{name}\t{p.node_port}/{proto}\n")
            if isinstance(endpoints, list):  # EndpointSlices, as kubectl >= 1.32 reads them
                w.write(0, f"Endpoints:\t{format_endpoint_slices(endpoints, {p.name or ''})}\n")
            elif endpoints is not None:
                w.write(0, f"Endpoints:\t{format_endpoints(endpoints, {p.name or ''})}\n")
            else:
                # describe.go fetches Endpoints ignoring the error: a missing object prints <none>
                w.write(0, "Endpoints:\t<none>\n")
        w.write(0, f"Session Affinity:\t{sp.session_affinity or 'None'}\n")
        if sp.external_traffic_policy:
            w.write(0, f"External Traffic Policy:\t{sp.external_traffic_policy}\n")
        if sp.internal_traffic_policy:
            w.write(0, f"Internal Traffic Policy:\t{sp.internal_traffic_policy}\n")
        if sp.traffic_distribution:  # kubectl 1.34 (PR #131491)
            w.write(0, f"Traffic Distribution:\t{sp.traffic_distribution}\n")
        if sp.health_check_node_port:
            w.write(0, f"HealthCheck NodePort:\t{sp.health_check_node_port}\n")
        if sp.load_balancer_source_ranges:
            w.write(0, f"LoadBalancer Source Ranges:\t{','.join(sp.load_balancer_source_ranges)}\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def _fraction(num: int, den: int) -> int:
    # int64(float64(a) / float64(b) * 100), truncated toward zero
    if den == 0:
        return 0
    return int(num / den * 100)


def describe_node(node: Any, events: Optional[list[Any]], now: float, pods: Optional[list[Any]] = None, lease: Any = None) -> str:
    sp, st, md = node.spec, node.status, node.metadata

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{md.name}\n")
        roles = find_node_roles(node)
        w.write(0, f"Roles:\t{','.join(roles) if roles else '<none>'}\n")
        _print_labels_multiline(w, "Labels", md.labels)
        _print_annotations_multiline(w, "Annotations", md.annotations)
        w.write(0, f"CreationTimestamp:\t{rfc1123z(md.creation_timestamp)}\n")
        _print_taints_multiline(w, "Taints", sp.taints)
        w.write(0, f"Unschedulable:\t{'true' if sp.unschedulable else 'false'}\n")
        if lease is not None:
            w.write(0, "Lease:\n")
            w.write(1, f"HolderIdentity:\t{lease.spec.holder_identity or '<unset>'}\n")
            w.write(1, f"AcquireTime:\t{rfc1123z(lease.spec.acquire_time)}\n")
            w.write(1, f"RenewTime:\t{rfc1123z(lease.spec.renew_time)}\n")
        if st.conditions:
            w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
            w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
            for c in st.conditions:
                w.write(1, f"{c.type} \t{c.status} \t{rfc1123z(c.last_heartbeat_time)} \t{rfc1123z(c.last_transition_time)} \t{c.reason or ''} \t{c.message or ''}\n")
        w.write(0, "Addresses:\n")
        for a in st.addresses or ():
            w.write(1, f"{a.type}:\t{a.address}\n")

        def res_list(rl: dict) -> None:
            for k in sorted(rl):
                w.write(0, f"  {k}:\t{_q(rl[k])}\n")

        if st.capacity:
            w.write(0, "Capacity:\n")
            res_list(st.capacity)
        if st.allocatable:
            w.write(0, "Allocatable:\n")
            res_list(st.allocatable)
        info = st.node_info
        w.write(0, "System Info:\n")
        if info is not None:
            w.write(0, f"  Machine ID:\t{info.machine_id}\n")
            w.write(0, f"  System UUID:\t{info.system_uuid}\n")
            w.write(0, f"  Boot ID:\t{info.boot_id}\n")
            w.write(0, f"  Kernel Version:\t{info.kernel_version}\n")
            w.write(0, f"  OS Image:\t{info.os_image}\n")
            w.write(0, f"  Operating System:\t{info.operating_system}\n")
            w.write(0, f"  Architecture:\t{info.architecture}\n")
            w.write(0, f"  Container Runtime Version:\t{info.container_runtime_version}\n")
            w.write(0, f"  Kubelet Version:\t{info.kubelet_version}\n")
            if info.kube_proxy_version:  # deprecated field: newer kubelets leave it empty
                w.write(0, f"  Kube-Proxy Version:\t{info.kube_proxy_version}\n")
        if sp.pod_cidr:
            w.write(0, f"PodCIDR:\t{sp.pod_cidr}\n")
        if sp.pod_cidrs:
            w.write(0, f"PodCIDRs:\t{','.join(sp.pod_cidrs)}\n")
        if sp.provider_id:
            w.write(0, f"ProviderID:\t{sp.provider_id}\n")
        if pods is not None:
            _describe_node_resource(w, node, pods, now)
        else:
            w.write(0, "Pods:\tnot authorized\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def _describe_node_resource(w: PrefixWriter, node: Any, pods: list[Any], now: float) -> None:
    """describeNodeResource: the non-terminated pods table and the allocated resources."""
    alloc = node.status.allocatable or node.status.capacity or {}
    cpu_alloc = _q(alloc.get("cpu", 0)).milli_value()
    mem_alloc = _q(alloc.get("memory", 0)).value()
    eph_alloc = _q(alloc.get("ephemeral-storage", 0)).value()
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    zero = _q(0)
    for p in pods:
        req, lim = pod_requests_and_limits(p)
        cr, cl, mr, ml = req.get("cpu", zero), lim.get("cpu", zero), req.get("memory", zero), lim.get("memory", zero)
        w.write(1, f"{p.metadata.namespace}\t{p.metadata.name}\t\t{cr} ({_fraction(cr.milli_value(), cpu_alloc)}%)\t"
                   f"{cl} ({_fraction(cl.milli_value(), cpu_alloc)}%)\t{mr} ({_fraction(mr.value(), mem_alloc)}%)\t"
                   f"{ml} ({_fraction(ml.value(), mem_alloc)}%)\t{age_of(p, now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    reqs: dict[str, Any] = {}
    lims: dict[str, Any] = {}
    for p in pods:
        r, lm = pod_requests_and_limits(p)
        for k, v in r.items():
            reqs[k] = reqs[k] + v if k in reqs else v
        for k, v in lm.items():
            lims[k] = lims[k] + v if k in lims else v
    for name, den, milli in (("cpu", cpu_alloc, True), ("memory", mem_alloc, False), ("ephemeral-storage", eph_alloc, False)):
        r, lm = reqs.get(name, zero), lims.get(name, zero)
        rv, lv = (r.milli_value(), lm.milli_value()) if milli else (r.value(), lm.value())
        w.write(1, f"{name}\t{r} ({_fraction(rv, den)}%)\t{lm} ({_fraction(lv, den)}%)\n")
    # the rows after the first three come from the node's allocatable resources: every
    # hugepages size with its fraction, then the extended resources (describe.go
    # describeNodeResource)
    huge = sorted(n for n in alloc if n.startswith("hugepages-"))
    ext = sorted(n for n in alloc if not n.startswith("hugepages-") and n != "pods"
                 and n not in ("cpu", "memory", "ephemeral-storage"))
    for name in huge:
        r, lm, den = reqs.get(name, zero), lims.get(name, zero), _q(alloc.get(name, 0)).value()
        w.write(1, f"{name}\t{r} ({_fraction(r.value(), den)}%)\t{lm} ({_fraction(lm.value(), den)}%)\n")
    for name in ext:
        w.write(1, f"{name}\t{reqs.get(name, zero)}\t{lims.get(name, zero)}\n")


def _status_line(w: PrefixWriter, pods: Optional[list[Any]]) -> None:
    r, wt, sc, f = _pod_status_counts(pods or [])
    w.write(0, f"Pods Status:\t{r} Running / {wt} Waiting / {sc} Succeeded / {f} Failed\n")


def describe_daemonset(ds: Any, events: Optional[list[Any]], now: float, pods: Optional[list[Any]] = None) -> str:
    """describeDaemonSet."""
    st = ds.status

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{ds.metadata.name}\n")
        w.write(0, f"Namespace:\t{ds.metadata.namespace}\n")
        sel = format_label_selector(ds.spec.selector)
        w.write(0, f"Selector:\t{'' if sel == '<none>' else sel}\n")
        w.write(0, f"Node-Selector:\t{format_labels(ds.spec.template.spec.node_selector)}\n")
        _print_labels_multiline(w, "Labels", ds.metadata.labels)
        _print_annotations_multiline(w, "Annotations", ds.metadata.annotations)
        w.write(0, f"Desired Number of Nodes Scheduled: {st.desired_number_scheduled}\n")
        w.write(0, f"Current Number of Nodes Scheduled: {st.current_number_scheduled}\n")
        w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {st.updated_number_scheduled or 0}\n")
        w.write(0, f"Number of Nodes Scheduled with Available Pods: {st.number_available or 0}\n")
        w.write(0, f"Number of Nodes Misscheduled: {st.number_misscheduled}\n")
        _status_line(w, pods)
        _describe_pod_template(w, ds.spec.template)
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe_statefulset(ss: Any, events: Optional[list[Any]], now: float, pods: Optional[list[Any]] = None) -> str:
    """describeStatefulSet."""
    sp = ss.spec

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{ss.metadata.name}\n")
        w.write(0, f"Namespace:\t{ss.metadata.namespace}\n")
        w.write(0, f"CreationTimestamp:\t{rfc1123z(ss.metadata.creation_timestamp)}\n")
        sel = format_label_selector(sp.selector)
        w.write(0, f"Selector:\t{'' if sel == '<none>' else sel}\n")
        _print_labels_multiline(w, "Labels", ss.metadata.labels)
        _print_annotations_multiline(w, "Annotations", ss.metadata.annotations)
        desired = sp.replicas if sp.replicas is not None else 1
        w.write(0, f"Replicas:\t{desired} desired | {ss.status.replicas} total\n")
        us = sp.update_strategy
        w.write(0, f"Update Strategy:\t{(us.type if us else None) or 'RollingUpdate'}\n")
        ru = us.rolling_update if us else None
        if ru is not None and ru.partition is not None:
            w.write(1, f"Partition:\t{ru.partition}\n")
            if ru.max_unavailable is not None:
                w.write(1, f"MaxUnavailable:\t{ru.max_unavailable}\n")
        _status_line(w, pods)
        _describe_pod_template(w, sp.template)
        vcts = sp.volume_claim_templates or []
        if not vcts:
            w.write(0, "Volume Claims:\t<none>\n")
        else:
            w.write(0, "Volume Claims:\n")
            for pvc in vcts:
                md = pvc.get("metadata") or {}
                spec = pvc.get("spec") or {}
                w.write(1, f"Name:\t{md.get('name', '')}\n")
                w.write(1, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
                _print_labels_multiline(w, "Labels", md.get("labels"), initial="  ")
                _print_labels_multiline(w, "Annotations", md.get("annotations"), initial="  ")
                cap = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
                w.write(1, f"Capacity:\t{cap if cap is not None else '<default>'}\n")
                w.write(1, f"Access Modes:\t[{' '.join(spec.get('accessModes') or [])}]\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe_job(job: Any, events: Optional[list[Any]], now: float) -> str:
    """describeJob."""
    sp, st = job.spec, job.status

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{job.metadata.name}\n")
        w.write(0, f"Namespace:\t{job.metadata.namespace}\n")
        sel = format_label_selector(sp.selector)
        w.write(0, f"Selector:\t{'' if sel == '<none>' else sel}\n")
        _print_labels_multiline(w, "Labels", job.metadata.labels)
        _print_annotations_multiline(w, "Annotations", job.metadata.annotations)
        controlled = _controller(job)
        if controlled:
            w.write(0, f"Controlled By:\t{controlled}\n")
        if sp.parallelism is not None:
            w.write(0, f"Parallelism:\t{sp.parallelism}\n")
        w.write(0, f"Completions:\t{sp.completions if sp.completions is not None else '<unset>'}\n")
        if sp.completion_mode is not None:
            w.write(0, f"Completion Mode:\t{sp.completion_mode}\n")
        if sp.suspend is not None:
            w.write(0, f"Suspend:\t{'true' if sp.suspend else 'false'}\n")
        if sp.backoff_limit is not None:
            w.write(0, f"Backoff Limit:\t{sp.backoff_limit}\n")
        if sp.ttl_seconds_after_finished is not None:
            w.write(0, f"TTL Seconds After Finished:\t{sp.ttl_seconds_after_finished}\n")
        if st.start_time:
            w.write(0, f"Start Time:\t{rfc1123z(st.start_time)}\n")
        if st.completion_time:
            w.write(0, f"Completed At:\t{rfc1123z(st.completion_time)}\n")
        from kubelab.api.base import parse_time

        if st.start_time and st.completion_time:
            w.write(0, f"Duration:\t{human_duration((parse_time(st.completion_time) or 0) - (parse_time(st.start_time) or 0))}\n")
        if sp.active_deadline_seconds is not None:
            w.write(0, f"Active Deadline Seconds:\t{sp.active_deadline_seconds}s\n")
        if st.ready is None:
            w.write(0, f"Pods Statuses:\t{st.active or 0} Active / {st.succeeded or 0} Succeeded / {st.failed or 0} Failed\n")
        else:
            w.write(0, f"Pods Statuses:\t{st.active or 0} Active ({st.ready} Ready) / {st.succeeded or 0} Succeeded / {st.failed or 0} Failed\n")
        if sp.completion_mode == "Indexed":
            w.write(0, f"Completed Indexes:\t{_cap_indexes_list_or_none(st.completed_indexes or '', 50)}\n")
        _describe_pod_template(w, sp.template)
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def _cap_indexes_list_or_none(indexes: str, soft_limit: int) -> str:
    """capIndexesListOrNone (kubectl describe.go): cut after the interval that crosses the limit."""
    if not indexes:
        return "<none>"
    ix = soft_limit
    while ix < len(indexes) and indexes[ix] != ",":
        ix += 1
    return indexes if ix >= len(indexes) else indexes[: ix + 1] + "..."


def describe_cronjob(cj: Any, events: Optional[list[Any]], now: float) -> str:
    """describeCronJob (+ describeJobTemplate, printActiveJobs)."""
    sp, st = cj.spec, cj.status
    jt = sp.job_template.spec

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{cj.metadata.name}\n")
        w.write(0, f"Namespace:\t{cj.metadata.namespace}\n")
        _print_labels_multiline(w, "Labels", cj.metadata.labels)
        _print_annotations_multiline(w, "Annotations", cj.metadata.annotations)
        w.write(0, f"Schedule:\t{sp.schedule}\n")
        w.write(0, f"Concurrency Policy:\t{sp.concurrency_policy or ''}\n")
        w.write(0, f"Suspend:\t{'<unset>' if sp.suspend is None else ('True' if sp.suspend else 'False')}\n")
        for label, v in (("Successful Job History Limit", sp.successful_jobs_history_limit),
                         ("Failed Job History Limit", sp.failed_jobs_history_limit)):
            w.write(0, f"{label}:\t{v if v is not None else '<unset>'}\n")
        w.write(0, f"Starting Deadline Seconds:\t{str(sp.starting_deadline_seconds) + 's' if sp.starting_deadline_seconds is not None else '<unset>'}\n")
        if jt.selector is not None:
            sel = format_label_selector(jt.selector)
            w.write(0, f"Selector:\t{'' if sel == '<none>' else sel}\n")
        else:
            w.write(0, "Selector:\t<unset>\n")
        w.write(0, f"Parallelism:\t{jt.parallelism if jt.parallelism is not None else '<unset>'}\n")
        w.write(0, f"Completions:\t{jt.completions if jt.completions is not None else '<unset>'}\n")
        if jt.active_deadline_seconds is not None:
            w.write(0, f"Active Deadline Seconds:\t{jt.active_deadline_seconds}s\n")
        _describe_pod_template(w, jt.template)
        w.write(0, f"Last Schedule Time:\t{rfc1123z(st.last_schedule_time) if st.last_schedule_time else '<unset>'}\n")
        active = st.active or []
        w.write(0, "Active Jobs:\t")
        if not active:
            w.write_line("<none>")
        else:
            w.write(0, ", ".join(a.get("name", "") for a in active))
            w.write_line("")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe_namespace(ns: Any, events: Optional[list[Any]], now: float,
                       quotas: Optional[list[Any]] = None, limit_ranges: Optional[list[Any]] = None) -> str:
    """describeNamespace: its quotas (DescribeResourceQuotas) and limit ranges
    (DescribeLimitRanges) follow the status."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{ns.metadata.name}\n")
        _print_labels_multiline(w, "Labels", ns.metadata.labels)
        _print_annotations_multiline(w, "Annotations", ns.metadata.annotations)
        w.write(0, f"Status:\t{ns.status.phase or ''}\n")
        if ns.status.conditions:  # the namespace controller's deletion conditions
            w.write(0, "Conditions:\n")
            w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
            w.write(1, "----\t------\t------------------\t------\t-------\n")
            for c in ns.status.conditions:
                c = c if isinstance(c, dict) else c.model_dump(by_alias=True)
                ltt = rfc1123z(c.get("lastTransitionTime")) if c.get("lastTransitionTime") else "Mon, 01 Jan 0001 00:00:00 +0000"
                w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t{ltt}\t{c.get('reason', '')}\t{c.get('message', '')}\n")
        w.write(0, "\n")
        if not quotas:
            w.write(0, "No resource quota.\n")
        else:
            w.write(0, "Resource Quotas\n")
            for rq in sorted(quotas, key=lambda r: r.metadata.name or ""):
                w.write(1, f"Name:\t{rq.metadata.name}\n")
                w.write(1, "Resource\tUsed\tHard\n")
                w.write(1, "--------\t---\t---\n")
                for name, used, hard in _quota_rows(rq, convert=False):
                    w.write(1, f"{name}\t{used}\t{hard}\n")
        w.write(0, "\n")
        if not limit_ranges:
            w.write(0, "No LimitRange resource.\n")
        else:
            w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
            w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
            for lr in limit_ranges:
                for row in _limit_range_rows(lr):
                    w.write(0, " " + "\t".join(row) + "\n")

    return tabbed_string(body)


def _quota_rows(rq: Any, convert: bool = True) -> list[tuple[str, str, str]]:
    """(resource, used, hard) sorted by name; describeQuota prints a used value in the hard
    value's format (``used: 128Mi`` against ``hard: 1Gi``)."""
    hard = rq.status.hard or {}
    used = rq.status.used or {}
    rows = []
    for name in sorted(hard):
        h = _q(hard[name])
        u = _q(used[name]) if name in used else _q(0)
        if convert and u.format != h.format:
            from kubelab.api.quantity import Quantity

            u = Quantity.new(u.value(), h.format)
        rows.append((name, str(u), str(h)))
    return rows


def _limit_range_rows(lr: Any) -> list[list[str]]:
    """One row per type and resource; ``-`` where the item sets nothing (Go's map order is
    random; here resources are sorted)."""
    rows = []
    for item in lr.spec.limits:
        cols = (item.min, item.max, item.default_request, item.default, item.max_limit_request_ratio)
        names = sorted({k for c in cols for k in (c or {})})
        for k in names:
            rows.append([item.type, k] + [str(_q(c[k])) if c and k in c else "-" for c in cols])
    return rows


def describe_service_account(sa: Any, events: Optional[list[Any]], now: float,
                             secrets: Optional[list[Any]] = None) -> str:
    """describeServiceAccount: its image pull secrets and mountable secrets (``(not found)``
    for one that does not exist), and its legacy token secrets (none: since v1.24 tokens are
    bound, projected into pods)."""
    existing = None if secrets is None else {x.metadata.name for x in secrets}

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{sa.metadata.name}\n")
        w.write(0, f"Namespace:\t{sa.metadata.namespace}\n")
        _print_labels_multiline(w, "Labels", sa.metadata.labels)
        _print_annotations_multiline(w, "Annotations", sa.metadata.annotations)
        pull = sorted((r or {}).get("name", "") for r in sa.image_pull_secrets or ())
        mount = sorted(r.name or "" for r in sa.secrets or ())
        tokens = sorted(x.metadata.name for x in secrets or ()
                        if x.type == "kubernetes.io/service-account-token"
                        and (x.metadata.annotations or {}).get("kubernetes.io/service-account.name") == sa.metadata.name)
        for header, names in (("Image pull secrets:", pull), ("Mountable secrets: ", mount), ("Tokens:            ", tokens)):
            if not names:
                w.write(0, f"{header}\t<none>\n")
                continue
            prefix = header
            for n in names:
                missing = existing is not None and n not in existing
                w.write(0, f"{prefix}\t{n}{' (not found)' if missing else ''}\n")
                prefix = " " * 19
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


# helpTextForResourceQuotaScope
_QUOTA_SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
                   "before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long running "
                      "pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have a best effort quality "
                  "of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These pods have a burstable or "
                     "guaranteed quality of service.",
}


def describe_resource_quota(rq: Any, events: Optional[list[Any]], now: float) -> str:
    """describeQuota."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{rq.metadata.name}\n")
        w.write(0, f"Namespace:\t{rq.metadata.namespace}\n")
        if rq.spec.scopes:
            scopes = sorted(rq.spec.scopes)
            w.write(0, f"Scopes:\t{', '.join(scopes)}\n")
            for scope in scopes:
                if scope in _QUOTA_SCOPE_HELP:
                    w.write(0, f" * {_QUOTA_SCOPE_HELP[scope]}\n")
        w.write(0, "Resource\tUsed\tHard\n")
        w.write(0, "--------\t----\t----\n")
        for name, used, hard in _quota_rows(rq):
            w.write(0, f"{name}\t{used}\t{hard}\n")

    return tabbed_string(body)


def describe_limit_range(lr: Any, events: Optional[list[Any]], now: float) -> str:
    """describeLimitRange."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{lr.metadata.name}\n")
        w.write(0, f"Namespace:\t{lr.metadata.namespace}\n")
        w.write(0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
        w.write(0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
        for row in _limit_range_rows(lr):
            w.write(0, "\t".join(row) + "\n")

    return tabbed_string(body)


def describe_configmap(cm: Any, events: Optional[list[Any]], now: float) -> str:
    """describeConfigMap (keys sorted: Go's map order is random, kubelab's output is not)."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{cm.metadata.name}\n")
        w.write(0, f"Namespace:\t{cm.metadata.namespace}\n")
        _print_labels_multiline(w, "Labels", cm.metadata.labels)
        _print_annotations_multiline(w, "Annotations", cm.metadata.annotations)
        w.write(0, "\nData\n====\n")
        for k in sorted(cm.data or {}):
            w.write(0, f"{k}:\n----\n")
            w.write(0, f"{cm.data[k]}\n")
            w.write(0, "\n")
        w.write(0, "\nBinaryData\n====\n")
        for k in sorted(cm.binary_data or {}):
            w.write(0, f"{k}: {len(_b64(cm.binary_data[k]))} bytes\n")
        w.write(0, "\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def _b64(v: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(v)
    except (binascii.Error, ValueError):
        return v.encode()


def describe_secret(secret: Any, events: Optional[list[Any]], now: float) -> str:
    """describeSecret: sizes only, never the values."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{secret.metadata.name}\n")
        w.write(0, f"Namespace:\t{secret.metadata.namespace}\n")
        _print_labels_multiline(w, "Labels", secret.metadata.labels)
        _print_annotations_multiline(w, "Annotations", secret.metadata.annotations)
        w.write(0, f"\nType:\t{secret.type or 'Opaque'}\n")
        w.write(0, "\nData\n====\n")
        for k in sorted(secret.data or {}):
            w.write(0, f"{k}:\t{len(_b64(secret.data[k]))} bytes\n")

    return tabbed_string(body)


def describe_endpoints(ep: Any, events: Optional[list[Any]], now: float) -> str:
    """describeEndpoints."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{ep.metadata.name}\n")
        w.write(0, f"Namespace:\t{ep.metadata.namespace}\n")
        _print_labels_multiline(w, "Labels", ep.metadata.labels)
        _print_annotations_multiline(w, "Annotations", ep.metadata.annotations)
        w.write(0, "Subsets:\n")
        for ss in ep.subsets or ():
            w.write(1, f"Addresses:\t{','.join(a.ip for a in ss.addresses or ()) or '<none>'}\n")
            w.write(1, f"NotReadyAddresses:\t{','.join(a.ip for a in ss.not_ready_addresses or ()) or '<none>'}\n")
            if ss.ports:
                w.write(1, "Ports:\n")
                w.write(2, "Name\tPort\tProtocol\n")
                w.write(2, "----\t----\t--------\n")
                for p in ss.ports:
                    w.write(2, f"{p.name or '<unset>'}\t{p.port}\t{p.protocol or 'TCP'}\n")
            w.write(0, "\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


# ----------------------------------------------------------------------------- generic

def _smart_label(field: str) -> str:
    """smartLabelFor: ``clusterIP`` → ``Cluster IP``, ``apiVersion`` → ``API Version``."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|-", field)
    out = []
    for p in parts:
        if p.upper() in ("API", "URL", "UID", "OSB", "GUID"):
            out.append(p.upper())
        else:
            out.append(p[:1].upper() + p[1:])
    return " ".join(out)


def _print_unstructured(w: PrefixWriter, level: int, content: dict, prefix: str, skip: set[str]) -> None:
    for key in sorted(content):
        value = content[key]
        path = f"{prefix}.{key}"
        if path in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{_smart_label(key)}:\n")
            _print_unstructured(w, level + 1, value, path, skip)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(key)}:\n")
            for item in value:
                if isinstance(item, dict):
                    _print_unstructured(w, level + 1, item, path, skip)
                else:
                    w.write(level + 1, f"{item}\n")
        else:
            if isinstance(value, bool):
                value = "true" if value else "false"
            w.write(level, f"{_smart_label(key)}:\t{value}\n")


def describe_generic(obj: KubeObject, events: Optional[list[Any]], now: float) -> str:
    """genericDescriber."""
    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{obj.metadata.name}\n")
        w.write(0, f"Namespace:\t{obj.metadata.namespace or ''}\n")
        _print_labels_multiline(w, "Labels", obj.metadata.labels)
        _print_annotations_multiline(w, "Annotations", obj.metadata.annotations)
        skip = {".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"}
        _print_unstructured(w, 0, obj.to_dict(), "", skip)
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


# ----------------------------------------------------------------------------- storage

def _go_list(items) -> str:
    """Go's %v of a []string: ``[a b]``."""
    return "[" + " ".join(items or ()) + "]"


def _describe_volume_node_affinity(w: PrefixWriter, affinity: Any) -> None:
    """printVolumeNodeAffinity / printNodeSelectorTermsMultilineWithIndent."""
    w.write(0, "Node Affinity:\t")
    if affinity is None or affinity.required is None:
        w.write(0, "<none>\n")
        return
    w.write(0, "\n")
    terms = affinity.required.node_selector_terms or []
    w.write(1, "Required Terms:\t")
    if not terms:
        w.write(0, "<none>\n")
        return
    w.write(0, "\n")
    for i, term in enumerate(terms):
        w.write(2, f"Term {i}:\t")
        reqs = term.match_expressions or []
        if not reqs:
            w.write(0, "<none>\n")
        for j, r in enumerate(reqs):
            if j:
                w.write(2, "\t")
            expr = f"{r.key} {r.operator.lower()}"
            if r.values:
                expr += f" [{', '.join(r.values)}]"
            w.write(0, expr + "\n")


def describe_persistent_volume(pv: Any, events: Optional[list[Any]], now: float) -> str:
    """describePersistentVolume (the hostPath, local and CSI sources kubelab provisions)."""
    from kubelab.api.storage import access_modes_string, volume_class

    def body(w: PrefixWriter) -> None:
        m, sp = pv.metadata, pv.spec
        w.write(0, f"Name:\t{m.name}\n")
        _print_labels_multiline(w, "Labels", m.labels)
        _print_annotations_multiline(w, "Annotations", m.annotations)
        w.write(0, f"Finalizers:\t{_go_list(m.finalizers)}\n")
        w.write(0, f"StorageClass:\t{volume_class(pv)}\n")
        if m.deletion_timestamp is not None:
            w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(m.deletion_timestamp, now)})\n")
        else:
            w.write(0, f"Status:\t{pv.status.phase or ''}\n")
        ref = sp.claim_ref
        w.write(0, f"Claim:\t{(ref.namespace or '') + '/' + (ref.name or '') if ref is not None else ''}\n")
        w.write(0, f"Reclaim Policy:\t{sp.persistent_volume_reclaim_policy or ''}\n")
        w.write(0, f"Access Modes:\t{access_modes_string(sp.access_modes)}\n")
        if sp.volume_mode:
            w.write(0, f"VolumeMode:\t{sp.volume_mode}\n")
        w.write(0, f"Capacity:\t{(sp.capacity or {}).get('storage', '0')}\n")
        _describe_volume_node_affinity(w, sp.node_affinity)
        w.write(0, f"Message:\t{pv.status.message or ''}\n")
        w.write(0, "Source:\n")
        if sp.host_path is not None:
            hp = sp.host_path
            w.write(2, "Type:\tHostPath (bare host directory volume)\n"
                       f"    Path:\t{hp.get('path', '')}\n    HostPathType:\t{hp.get('type', '')}\n")
        elif sp.local is not None:
            w.write(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n"
                       f"    Path:\t{sp.local.get('path', '')}\n")
        elif sp.csi is not None:
            c = sp.csi
            w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
                       f"    Driver:\t{c.get('driver', '')}\n    FSType:\t{c.get('fsType', '')}\n"
                       f"    VolumeHandle:\t{c.get('volumeHandle', '')}\n"
                       f"    ReadOnly:\t{'true' if c.get('readOnly') else 'false'}\n")
            attrs = c.get("volumeAttributes") or {}
            w.write(2, "VolumeAttributes:\t")
            if not attrs:
                w.write(0, "<none>\n")
            for i, k in enumerate(sorted(attrs)):
                if i:
                    w.write(2, "\t")
                w.write(0, f"{k}={attrs[k]}\n")
        else:
            w.write(1, "<unknown>\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe_persistent_volume_claim(pvc: Any, events: Optional[list[Any]], now: float,
                                     pods: Optional[list[Any]] = None) -> str:
    """describePersistentVolumeClaim / printPersistentVolumeClaim, with ``Used By``."""
    from kubelab.api.storage import access_modes_string, claim_class

    def body(w: PrefixWriter) -> None:
        m, sp = pvc.metadata, pvc.spec
        w.write(0, f"Name:\t{m.name}\n")
        w.write(0, f"Namespace:\t{m.namespace}\n")
        w.write(0, f"StorageClass:\t{claim_class(pvc)}\n")
        if m.deletion_timestamp is not None:
            w.write(0, f"Status:\tTerminating (lasts {translate_timestamp_since(m.deletion_timestamp, now)})\n")
        else:
            w.write(0, f"Status:\t{pvc.status.phase or ''}\n")
        w.write(0, f"Volume:\t{sp.volume_name or ''}\n")
        _print_labels_multiline(w, "Labels", m.labels)
        _print_annotations_multiline(w, "Annotations", m.annotations)
        w.write(0, f"Finalizers:\t{_go_list(m.finalizers)}\n")
        cap = modes = ""
        if sp.volume_name:
            modes = access_modes_string(pvc.status.access_modes)
            cap = str((pvc.status.capacity or {}).get("storage", "0"))
        w.write(0, f"Capacity:\t{cap}\n")
        w.write(0, f"Access Modes:\t{modes}\n")
        if sp.volume_mode:
            w.write(0, f"VolumeMode:\t{sp.volume_mode}\n")
        names = sorted(p.metadata.name for p in pods or ())
        w.write(0, "Used By:\t")
        if not names:
            w.write(0, "<none>\n")
        for i, n in enumerate(names):
            if i:
                w.write(0, "\t")
            w.write(0, n + "\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe_storage_class(sc: Any, events: Optional[list[Any]], now: float) -> str:
    """describeStorageClass."""
    from kubelab.api.storage import is_default_class

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{sc.metadata.name}\n")
        w.write(0, f"IsDefaultClass:\t{'Yes' if is_default_class(sc) else 'No'}\n")
        w.write(0, f"Annotations:\t{format_labels(sc.metadata.annotations)}\n")
        w.write(0, f"Provisioner:\t{sc.provisioner}\n")
        w.write(0, f"Parameters:\t{format_labels(sc.parameters)}\n")
        ave = sc.allow_volume_expansion
        w.write(0, f"AllowVolumeExpansion:\t{'<unset>' if ave is None else ('True' if ave else 'False')}\n")
        if not sc.mount_options:
            w.write(0, "MountOptions:\t<none>\n")
        else:
            w.write(0, "MountOptions:\n")
            for o in sc.mount_options:
                w.write(1, f"{o}\n")
        if sc.reclaim_policy:
            w.write(0, f"ReclaimPolicy:\t{sc.reclaim_policy}\n")
        if sc.volume_binding_mode:
            w.write(0, f"VolumeBindingMode:\t{sc.volume_binding_mode}\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


# ----------------------------------------------------------------------------- dispatch

def _quantity(q: Any) -> str:
    """resource.Quantity.String(): the canonical form ("8192Ki" prints as "8Mi")."""
    from kubelab.api.quantity import parse_quantity

    try:
        return parse_quantity(str(q)).canonical()
    except (ValueError, TypeError):
        return str(q)


def _print_direction_behavior(w: PrefixWriter, direction: str, rules: Any) -> None:
    """printDirectionBehavior."""
    if rules is None:
        return
    w.write(1, f"{direction}:\n")
    if rules.stabilization_window_seconds is not None:
        w.write(2, f"Stabilization Window: {rules.stabilization_window_seconds} seconds\n")
    if rules.policies:
        w.write(2, f"Select Policy: {rules.select_policy or 'Max'}\n")
        w.write(2, "Policies:\n")
        for p in rules.policies:
            w.write(3, f"- Type: {p.type}\tValue: {p.value}\tPeriod: {p.period_seconds} seconds\n")


def describe_horizontal_pod_autoscaler(hpa: Any, events: Optional[list[Any]], now: float) -> str:
    """describe.go describeHorizontalPodAutoscalerV2 (the describer reads autoscaling/v2): each
    metric as ``current / target``, then the replica bounds, the optional behavior, the target's
    pod counts and the conditions as a table."""
    sp, st, md = hpa.spec, hpa.status, hpa.metadata
    current_metrics = st.current_metrics or []

    def current_of(i: int, field: str) -> Any:
        if i < len(current_metrics):
            m = getattr(current_metrics[i], field, None)
            if m is not None:
                return m.get("current") if isinstance(m, dict) else m.current
        return None

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{md.name}\n")
        w.write(0, f"Namespace:\t{md.namespace}\n")
        _print_labels_multiline(w, "Labels", md.labels)
        _print_annotations_multiline(w, "Annotations", md.annotations)
        w.write(0, f"CreationTimestamp:\t{rfc1123z(md.creation_timestamp)}\n")
        w.write(0, f"Reference:\t{sp.scale_target_ref.kind}/{sp.scale_target_ref.name}\n")
        w.write(0, "Metrics:\t( current / target )\n")
        for i, m in enumerate(sp.metrics or ()):
            if m.type in ("Resource", "ContainerResource"):
                src = m.resource if m.type == "Resource" else m.container_resource
                name = src.name if m.type == "Resource" else (src or {}).get("name", "")
                target = src.target if m.type == "Resource" else (src or {}).get("target", {})
                get = (lambda o, k: getattr(o, {"averageValue": "average_value",
                                                  "averageUtilization": "average_utilization"}[k], None)
                       if not isinstance(o, dict) else o.get(k))
                cur = current_of(i, "resource" if m.type == "Resource" else "container_resource")
                if m.type == "Resource":
                    w.write(1, f"resource {name} on pods")
                else:
                    w.write(1, f"resource {name} of container \"{(src or {}).get('container', '')}\" on pods")
                if get(target, "averageValue") is not None:
                    current = "<unknown>"
                    if cur is not None and get(cur, "averageValue") is not None:
                        current = _quantity(get(cur, "averageValue"))
                    w.write(0, f":\t{current} / {_quantity(get(target, 'averageValue'))}\n")
                else:
                    current = "<unknown>"
                    if cur is not None and get(cur, "averageUtilization") is not None:
                        current = f"{get(cur, 'averageUtilization')}% ({_quantity(get(cur, 'averageValue') or '0')})"
                    util = get(target, "averageUtilization")
                    w.write(1, f"(as a percentage of request):\t{current} / {'<auto>' if util is None else f'{util}%'}\n")
            else:
                w.write(1, f"<unknown metric type {m.type!r}>\n".replace("'", '"'))
        w.write(0, f"Min replicas:\t{'<unset>' if sp.min_replicas is None else sp.min_replicas}\n")
        w.write(0, f"Max replicas:\t{sp.max_replicas}\n")
        if sp.behavior is not None:
            w.write(0, "Behavior:\n")
            _print_direction_behavior(w, "Scale Up", sp.behavior.scale_up)
            _print_direction_behavior(w, "Scale Down", sp.behavior.scale_down)
        w.write(0, f"{sp.scale_target_ref.kind} pods:\t")
        w.write(0, f"{st.current_replicas or 0} current / {st.desired_replicas or 0} desired\n")
        if st.conditions:
            w.write(0, "Conditions:\n")
            w.write(1, "Type\tStatus\tReason\tMessage\n")
            w.write(1, "----\t------\t------\t-------\n")
            for c in st.conditions:
                w.write(1, f"{c.type}\t{c.status}\t{c.reason or ''}\t{c.message or ''}\n")
        if events is not None:
            describe_events(w, events, now)

    return tabbed_string(body)


def describe(obj: KubeObject, source: Any = None, *, show_events: bool = True, now: Optional[float] = None) -> str:
    """The ``kubectl describe`` text for ``obj``; ``source`` (a Source) supplies events and
    related objects (a node's pods, a deployment's ReplicaSets, a service's endpoints)."""
    if now is None:
        now = source.now if source is not None else 0.0
    events = _events(source, obj, show_events)
    kind = obj.KIND

    def _safe_list(k: str, ns: Optional[str], fsel: Optional[str] = None) -> Optional[list[Any]]:
        if source is None:
            return None
        try:
            return list(source.list(k, ns, None, fsel))
        except Exception:  # noqa: BLE001
            return None

    if kind == "Pod":
        return describe_pod(obj, events, now)
    if kind == "PersistentVolumeClaim":
        pods = _safe_list("Pod", obj.metadata.namespace) or []
        pods = [p for p in pods if any((v.persistent_volume_claim or {}).get("claimName") == obj.metadata.name
                                       for v in p.spec.volumes or ())]
        return describe_persistent_volume_claim(obj, events, now, pods)
    if kind == "PersistentVolume":
        return describe_persistent_volume(obj, events, now)
    if kind == "StorageClass":
        return describe_storage_class(obj, events, now)
    if kind == "Node":
        pods = _safe_list("Pod", None, f"spec.nodeName={obj.metadata.name}")
        if pods is not None:
            pods = [p for p in pods if p.spec.node_name == obj.metadata.name and p.status.phase not in ("Succeeded", "Failed")]
        lease = None
        if source is not None:
            try:
                lease = source.get("Lease", obj.metadata.name, "kube-node-lease")
            except Exception:  # noqa: BLE001
                lease = None
        return describe_node(obj, events, now, pods, lease)
    if kind == "Deployment":
        rss = _safe_list("ReplicaSet", obj.metadata.namespace)
        if rss is not None:
            rss = [r for r in rss if (ref := r.metadata.controller_ref()) is not None and ref.uid == obj.metadata.uid]
        return describe_deployment(obj, events, now, rss)
    if kind == "ReplicaSet":
        pods = _safe_list("Pod", obj.metadata.namespace) or []
        pods = [p for p in pods if (ref := p.metadata.controller_ref()) is not None and ref.uid == obj.metadata.uid]
        return describe_replicaset(obj, events, now, pods)
    if kind == "Service":
        # describe.go (kubectl >= 1.32): the service's EndpointSlices, by the
        # kubernetes.io/service-name label, in the list's order
        slices = None
        if source is not None:
            try:
                slices = sorted(source.list("EndpointSlice", obj.metadata.namespace,
                                            f"kubernetes.io/service-name={obj.metadata.name}"),
                                key=lambda e: e.metadata.name or "")
            except Exception:  # noqa: BLE001
                slices = None
        return describe_service(obj, events, now, slices)
    if kind in ("DaemonSet", "StatefulSet"):
        pods = _safe_list("Pod", obj.metadata.namespace) or []
        pods = [p for p in pods if (ref := p.metadata.controller_ref()) is not None and ref.uid == obj.metadata.uid]
        fn = describe_daemonset if kind == "DaemonSet" else describe_statefulset
        return fn(obj, events, now, pods)
    if kind == "Job":
        return describe_job(obj, events, now)
    if kind == "CronJob":
        return describe_cronjob(obj, events, now)
    if kind == "Namespace":
        return describe_namespace(obj, events, now, _safe_list("ResourceQuota", obj.metadata.name),
                                  _safe_list("LimitRange", obj.metadata.name))
    if kind == "ResourceQuota":
        return describe_resource_quota(obj, events, now)
    if kind == "ServiceAccount":
        return describe_service_account(obj, events, now, _safe_list("Secret", obj.metadata.namespace))
    if kind == "LimitRange":
        return describe_limit_range(obj, events, now)
    if kind == "ConfigMap":
        return describe_configmap(obj, events, now)
    if kind == "Secret":
        return describe_secret(obj, events, now)
    if kind == "Endpoints":
        return describe_endpoints(obj, events, now)
    if kind == "HorizontalPodAutoscaler":
        return describe_horizontal_pod_autoscaler(obj, events, now)
    return describe_generic(obj, events, now)


DESCRIBERS: dict[str, Callable[..., str]] = {
    "Pod": describe_pod,
    "Node": describe_node,
    "Deployment": describe_deployment,
    "ReplicaSet": describe_replicaset,
    "Service": describe_service,
    "DaemonSet": describe_daemonset,
    "StatefulSet": describe_statefulset,
    "Job": describe_job,
    "CronJob": describe_cronjob,
    "Namespace": describe_namespace,
    "ResourceQuota": describe_resource_quota,
    "ServiceAccount": describe_service_account,
    "LimitRange": describe_limit_range,
    "ConfigMap": describe_configmap,
    "Secret": describe_secret,
    "Endpoints": describe_endpoints,
    "HorizontalPodAutoscaler": describe_horizontal_pod_autoscaler,
}

"""``kubectl get`` tables: kubectl's own columns, cells and alignment.

Every row function below mirrors the function of the same name in
``kubernetes/pkg/printers/internalversion/printers.go`` (the server-side table
printers that ``kubectl get`` displays): ``printPod``, ``printNode``,
``printDeployment``... Column names are the ``TableColumnDefinition`` names, upper-cased
by kubectl's human-readable printer (``k8s.io/cli-runtime/pkg/printers/tableprinter.go``);
columns with ``Priority: 1`` appear only with ``-o wide``. Cells are joined by tabs and
aligned with Go's tabwriter (minwidth 6, padding 3), see :mod:`kubelab.kubectl.tabwriter`.

Objects are plain :mod:`kubelab.api` models; ages are computed against a simulated
``now`` (seconds), never a wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

from kubelab.api.base import parse_time
from kubelab.api.labels import Selector
from kubelab.api.meta import KubeObject
from kubelab.api.podutil import is_pod_ready

from .duration import human_duration, translate_timestamp_since
from .tabwriter import GET_SETTINGS, tabulate

__all__ = [
    "Column",
    "TABLES",
    "print_table",
    "format_labels",
    "format_label_selector",
    "pod_status_reason",
    "no_resources_message",
    "resource_name",
]

# printers.go constants
LOAD_BALANCER_WIDTH = 16
LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_LABEL_ROLE = "kubernetes.io/role"
NODE_UNREACHABLE_POD_REASON = "NodeLost"  # k8s.io/kubernetes/pkg/util/node


@dataclass(frozen=True)
class Column:
    name: str  # as in TableColumnDefinition ("Up-to-date"); printed upper-cased
    priority: int = 0  # 1 = only with -o wide

    @property
    def header(self) -> str:
        return self.name.upper()


def _cols(*names: str, wide: Sequence[str] = ()) -> tuple[Column, ...]:
    return tuple(Column(n) for n in names) + tuple(Column(n, 1) for n in wide)


# ----------------------------------------------------------------------------- helpers

def format_labels(labels: Optional[dict[str, str]]) -> str:
    """labels.FormatLabels: ``k=v,k2=v2`` sorted by key, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def format_label_selector(ls: Any) -> str:
    """metav1.FormatLabelSelector: the selector's String(), ``<none>`` when empty."""
    if ls is None:
        return "<none>"
    try:
        s = str(Selector.from_label_selector(ls))
    except ValueError:
        return "<error>"
    return s or "<none>"


def layout_container_cells(containers: Iterable[Any]) -> tuple[str, str]:
    """layoutContainerCells: names and images, comma-joined."""
    cs = list(containers or ())
    return ",".join(c.name for c in cs), ",".join(c.image or "" for c in cs)


def print_bool_ptr(value: Optional[bool]) -> str:
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def _age(obj: KubeObject, now: float) -> str:
    return translate_timestamp_since(obj.metadata.creation_timestamp, now)


def _int(v: Any) -> str:
    return str(int(v or 0))


def _intstr(v: Any) -> str:
    """intstr.IntOrString.String()."""
    return str(v)


def resource_name(obj_or_cls: Any, name: Optional[str] = None) -> str:
    """``pod/web-x``, ``deployment.apps/web``: how kubectl names an object (``-o name``,
    ``created``, ``scaled``...)."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    if name is None:
        name = obj_or_cls.metadata.name
    kind = cls.KIND.lower()
    return f"{kind}.{cls.GROUP}/{name}" if cls.GROUP else f"{kind}/{name}"


# ----------------------------------------------------------------------------- pods

def pod_status_reason(pod: Any) -> tuple[str, int, int, str]:
    """printPod's READY/STATUS/RESTARTS logic.

    Returns ``(reason, ready, total, restarts, last_restart)`` where ``last_restart`` is the
    simulated time of the latest container termination (``-inf`` when none): the
    RESTARTS cell reads ``3 (2m ago)`` from it."""
    spec, status = pod.spec, pod.status
    restarts = 0
    restartable_init_restarts = 0
    total = len(spec.containers or ())
    ready = 0
    last_restart: float = float("-inf")
    last_restartable_init_restart: float = float("-inf")

    phase = status.phase or ""
    reason = phase
    if status.reason:
        reason = status.reason
    # If the Pod carries {type:PodScheduled, reason:SchedulingGated}, set reason to 'SchedulingGated'.
    for c in status.conditions or ():
        if c.type == "PodScheduled" and c.reason == "SchedulingGated":
            reason = "SchedulingGated"

    init_containers = {c.name: c for c in spec.init_containers or ()}
    for c in spec.init_containers or ():
        if c.restart_policy == "Always":  # podutil.IsRestartableInitContainer (sidecars)
            total += 1

    def _finished(cs: Any) -> Optional[float]:
        t = cs.last_state.terminated if cs.last_state else None
        return parse_time(t.finished_at) if t and t.finished_at else None

    initializing = False
    n_init = len(spec.init_containers or ())
    for i, cs in enumerate(status.init_container_statuses or ()):
        restarts += cs.restart_count
        fin = _finished(cs)
        if fin is not None and fin > last_restart:
            last_restart = fin
        ic = init_containers.get(cs.name)
        restartable = ic is not None and ic.restart_policy == "Always"
        if restartable:
            restartable_init_restarts += cs.restart_count
            if fin is not None and fin > last_restartable_init_restart:
                last_restartable_init_restart = fin
        st = cs.state
        term = st.terminated if st else None
        wait = st.waiting if st else None
        if term is not None and term.exit_code == 0:
            continue
        if restartable and cs.started:
            if cs.ready:
                ready += 1
            continue
        if term is not None:
            if not term.reason:
                reason = f"Init:Signal:{term.signal}" if term.signal else f"Init:ExitCode:{term.exit_code}"
            else:
                reason = "Init:" + term.reason
            initializing = True
        elif wait is not None and wait.reason and wait.reason != "PodInitializing":
            reason = "Init:" + wait.reason
            initializing = True
        else:
            reason = f"Init:{i}/{n_init}"
            initializing = True
        break

    initialized = any(c.type == "Initialized" and c.status == "True" for c in status.conditions or ())
    if not initializing or initialized:
        restarts = restartable_init_restarts
        last_restart = last_restartable_init_restart
        has_running = False
        for cs in reversed(status.container_statuses or ()):
            restarts += cs.restart_count
            fin = _finished(cs)
            if fin is not None and fin > last_restart:
                last_restart = fin
            st = cs.state
            wait = st.waiting if st else None
            term = st.terminated if st else None
            if wait is not None and wait.reason:
                reason = wait.reason
            elif term is not None and term.reason:
                reason = term.reason
            elif term is not None and not term.reason:
                reason = f"Signal:{term.signal}" if term.signal else f"ExitCode:{term.exit_code}"
            elif cs.ready and st is not None and st.running is not None:
                has_running = True
                ready += 1
        # change pod status back to "Running" if there is at least one container still reporting as "Running" status
        if reason == "Completed" and has_running:
            reason = "Running" if is_pod_ready(pod) else "NotReady"

    if pod.metadata.deletion_timestamp and status.reason == NODE_UNREACHABLE_POD_REASON:
        reason = "Unknown"
    elif pod.metadata.deletion_timestamp and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart  # type: ignore[return-value]


def print_pod(pod: Any, now: float, wide: bool) -> list[str]:
    reason, ready, total, restarts, last_restart = pod_status_reason(pod)
    restarts_str = str(restarts)
    if restarts != 0 and last_restart != float("-inf"):
        restarts_str = f"{restarts} ({human_duration(now - last_restart)} ago)"
    cells = [pod.metadata.name, f"{ready}/{total}", reason, restarts_str, _age(pod, now)]
    if wide:
        st, sp = pod.status, pod.spec
        pod_ip = st.pod_ips[0].ip if st.pod_ips else (st.pod_ip or "")
        gates = "<none>"
        if sp.readiness_gates:
            true_conds = 0
            for g in sp.readiness_gates:
                ctype = g.get("conditionType")
                for c in st.conditions or ():
                    if c.type == ctype:
                        true_conds += c.status == "True"
                        break
            gates = f"{true_conds}/{len(sp.readiness_gates)}"
        cells += [pod_ip or "<none>", sp.node_name or "<none>", st.nominated_node_name or "<none>", gates]
    return cells


# ----------------------------------------------------------------------------- nodes

def find_node_roles(node: Any) -> list[str]:
    roles = set()
    for k, v in (node.metadata.labels or {}).items():
        if k.startswith(LABEL_NODE_ROLE_PREFIX):
            role = k[len(LABEL_NODE_ROLE_PREFIX):]
            if role:
                roles.add(role)
        elif k == NODE_LABEL_ROLE and v:
            roles.add(v)
    return sorted(roles)


def node_status(node: Any) -> str:
    status = []
    ready = node.status.condition("Ready")
    if ready is not None:
        status.append("Ready" if ready.status == "True" else "NotReady")
    if not status:
        status.append("Unknown")
    if node.spec.unschedulable:
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_address(node: Any, kind: str) -> str:
    for a in node.status.addresses or ():
        if a.type == kind:
            return a.address
    return "<none>"


def print_node(node: Any, now: float, wide: bool) -> list[str]:
    info = node.status.node_info
    cells = [
        node.metadata.name,
        node_status(node),
        ",".join(find_node_roles(node)) or "<none>",
        _age(node, now),
        info.kubelet_version if info else "",
    ]
    if wide:
        os_image = (info.os_image if info else "") or "<unknown>"
        kernel = (info.kernel_version if info else "") or "<unknown>"
        cr = (info.container_runtime_version if info else "") or "<unknown>"
        cells += [_node_address(node, "InternalIP"), _node_address(node, "ExternalIP"), os_image, kernel, cr]
    return cells


# ----------------------------------------------------------------------------- workloads

def _replicas(v: Optional[int]) -> int:
    # the API server defaults spec.replicas to 1 for Deployment, ReplicaSet and StatefulSet
    return 1 if v is None else v


def print_deployment(d: Any, now: float, wide: bool) -> list[str]:
    st = d.status
    cells = [
        d.metadata.name,
        f"{int(st.ready_replicas or 0)}/{_replicas(d.spec.replicas)}",
        _int(st.updated_replicas),
        _int(st.available_replicas),
        _age(d, now),
    ]
    if wide:
        names, images = layout_container_cells(d.spec.template.spec.containers)
        # printDeployment prints LabelSelectorAsSelector(...).String(): "" when empty
        sel = format_label_selector(d.spec.selector)
        cells += [names, images, "" if sel == "<none>" else sel]
    return cells


def print_replicaset(rs: Any, now: float, wide: bool) -> list[str]:
    cells = [
        rs.metadata.name,
        str(_replicas(rs.spec.replicas)),
        _int(rs.status.replicas),
        _int(rs.status.ready_replicas),
        _age(rs, now),
    ]
    if wide:
        names, images = layout_container_cells(rs.spec.template.spec.containers)
        cells += [names, images, format_label_selector(rs.spec.selector)]
    return cells


def print_daemonset(ds: Any, now: float, wide: bool) -> list[str]:
    st = ds.status
    cells = [
        ds.metadata.name,
        _int(st.desired_number_scheduled),
        _int(st.current_number_scheduled),
        _int(st.number_ready),
        _int(st.updated_number_scheduled),
        _int(st.number_available),
        format_labels(ds.spec.template.spec.node_selector),
        _age(ds, now),
    ]
    if wide:
        names, images = layout_container_cells(ds.spec.template.spec.containers)
        cells += [names, images, format_label_selector(ds.spec.selector)]
    return cells


def print_statefulset(ss: Any, now: float, wide: bool) -> list[str]:
    cells = [ss.metadata.name, f"{int(ss.status.ready_replicas or 0)}/{_replicas(ss.spec.replicas)}", _age(ss, now)]
    if wide:
        names, images = layout_container_cells(ss.spec.template.spec.containers)
        cells += [names, images]
    return cells


def _has_job_condition(job: Any, ctype: str) -> bool:
    for c in job.status.conditions or ():
        if c.type == ctype:
            return c.status == "True"
    return False


def print_job(job: Any, now: float, wide: bool) -> list[str]:
    sp, st = job.spec, job.status
    succeeded = int(st.succeeded or 0)
    if sp.completions is not None:
        completions = f"{succeeded}/{sp.completions}"
    else:
        par = sp.parallelism or 0
        completions = f"{succeeded}/1 of {par}" if par > 1 else f"{succeeded}/1"
    start = parse_time(st.start_time)
    end = parse_time(st.completion_time)
    if start is None:
        dur = ""
    elif end is None:
        dur = human_duration(now - start)
    else:
        dur = human_duration(end - start)
    if _has_job_condition(job, "Complete"):
        status = "Complete"
    elif _has_job_condition(job, "Failed"):
        status = "Failed"
    elif job.metadata.deletion_timestamp:
        status = "Terminating"
    elif _has_job_condition(job, "Suspended"):
        status = "Suspended"
    elif _has_job_condition(job, "FailureTarget"):
        status = "FailureTarget"
    elif _has_job_condition(job, "SuccessCriteriaMet"):
        # v1.34 (PR #132832); never True together with FailureTarget (batch validation refuses it)
        status = "SuccessCriteriaMet"
    else:
        status = "Running"
    cells = [job.metadata.name, status, completions, dur, _age(job, now)]
    if wide:
        names, images = layout_container_cells(sp.template.spec.containers)
        cells += [names, images, format_label_selector(sp.selector)]
    return cells


def print_cronjob(cj: Any, now: float, wide: bool) -> list[str]:
    last = "<none>"
    if cj.status.last_schedule_time:
        last = translate_timestamp_since(cj.status.last_schedule_time, now)
    cells = [
        cj.metadata.name,
        cj.spec.schedule,
        cj.spec.time_zone or "<none>",
        print_bool_ptr(cj.spec.suspend),
        str(len(cj.status.active or ())),
        last,
        _age(cj, now),
    ]
    if wide:
        jt = cj.spec.job_template.spec
        names, images = layout_container_cells(jt.template.spec.containers)
        cells += [names, images, format_label_selector(jt.selector)]
    return cells


# ----------------------------------------------------------------------------- services

def _lb_status(svc: Any, wide: bool) -> str:
    """loadBalancerStatusStringer: sorted unique IPs/hostnames; clipped to 16 bytes unless wide."""
    result = set()
    lb = svc.status.load_balancer
    for ing in (lb.ingress if lb else None) or ():
        if ing.ip:
            result.add(ing.ip)
        elif ing.hostname:
            result.add(ing.hostname)
    r = ",".join(sorted(result))
    if not wide and len(r) > LOAD_BALANCER_WIDTH:
        r = r[: LOAD_BALANCER_WIDTH - 3] + "..."
    return r


def service_external_ip(svc: Any, wide: bool) -> str:
    """getServiceExternalIP."""
    t = svc.spec.type or "ClusterIP"
    ext = svc.spec.external_ips or []
    if t in ("ClusterIP", "NodePort"):
        return ",".join(ext) if ext else "<none>"
    if t == "LoadBalancer":
        lb = _lb_status(svc, wide)
        if ext:
            results = (lb.split(",") if lb else []) + list(ext)
            return ",".join(results)
        return lb if lb else "<pending>"
    if t == "ExternalName":
        return svc.spec.external_name or ""
    return "<unknown>"


def make_port_string(ports: Iterable[Any]) -> str:
    pieces = []
    for p in ports or ():
        proto = p.protocol or "TCP"
        if p.node_port:
            pieces.append(f"{p.port}:{p.node_port}/{proto}")
        else:
            pieces.append(f"{p.port}/{proto}")
    return ",".join(pieces)


def print_service(svc: Any, now: float, wide: bool) -> list[str]:
    cells = [
        svc.metadata.name,
        svc.spec.type or "ClusterIP",
        svc.spec.cluster_ip or "<none>",
        service_external_ip(svc, wide),
        make_port_string(svc.spec.ports) or "<none>",
        _age(svc, now),
    ]
    if wide:
        cells.append(format_labels(svc.spec.selector))
    return cells


def format_endpoints(ep: Any, ports: Optional[set[str]] = None) -> str:
    """formatEndpoints: up to 3 ``ip:port``, then `` + N more...``; ``<none>`` when empty."""
    if not ep.subsets:
        return "<none>"
    lst: list[str] = []
    mx, more, count = 3, False, 0
    for ss in ep.subsets:
        if not ss.ports:
            for a in ss.addresses or ():
                if len(lst) == mx:
                    more = True
                if not more:
                    lst.append(a.ip)
                count += 1
        else:
            for port in ss.ports:
                if ports is None or (port.name or "") in ports:
                    for a in ss.addresses or ():
                        if len(lst) == mx:
                            more = True
                        if not more:
                            host = f"[{a.ip}]" if ":" in a.ip else a.ip  # net.JoinHostPort
                            lst.append(f"{host}:{port.port}")
                        count += 1
    ret = ",".join(lst)
    if more:
        return f"{ret} + {count - mx} more..."
    return ret


def format_endpoint_slices(slices: list[Any], ports: Optional[set[str]] = None) -> str:
    """formatEndpointSlices (kubectl describe service, 1.32 and later): up to 3 ready endpoints'
    ``ip:port`` in the slices' own order, then `` + N more...``; ``<none>`` without slices."""
    if not slices:
        return "<none>"
    lst: list[str] = []
    mx, more, count = 3, False, 0

    def ready(e: Any) -> bool:
        return e.conditions is None or e.conditions.ready is None or bool(e.conditions.ready)

    for sl in slices:
        if not sl.ports:  # a headless service without ports
            for e in sl.endpoints:
                if len(lst) == mx:
                    more = True
                if not ready(e):
                    continue
                if not more:
                    lst.append(e.addresses[0])
                count += 1
            continue
        for port in sl.ports:
            if ports is None or (port.name or "") in ports:
                for e in sl.endpoints:
                    if len(lst) == mx:
                        more = True
                    if not ready(e):
                        continue
                    if not more:
                        a = e.addresses[0]
                        lst.append(f"{f'[{a}]' if ':' in a else a}:{port.port}")  # net.JoinHostPort
                    count += 1
    ret = ",".join(lst)
    if more:
        return f"{ret} + {count - mx} more..."
    return ret


def print_endpoints(ep: Any, now: float, wide: bool) -> list[str]:
    return [ep.metadata.name, format_endpoints(ep), _age(ep, now)]


# ----------------------------------------------------------------------------- config & misc

def print_configmap(cm: Any, now: float, wide: bool) -> list[str]:
    return [cm.metadata.name, str(len(cm.data or {}) + len(cm.binary_data or {})), _age(cm, now)]


def print_secret(s: Any, now: float, wide: bool) -> list[str]:
    return [s.metadata.name, s.type or "Opaque", str(len(s.data or {})), _age(s, now)]


def print_namespace(ns: Any, now: float, wide: bool) -> list[str]:
    return [ns.metadata.name, ns.status.phase or "", _age(ns, now)]


def print_service_account(sa: Any, now: float, wide: bool) -> list[str]:
    return [sa.metadata.name, str(len(sa.secrets or ())), _age(sa, now)]


def print_resource_quota(rq: Any, now: float, wide: bool) -> list[str]:
    """printResourceQuota: ``name: used/hard`` for each resource in status.hard (sorted), the
    ``limits.*`` ones in LIMIT, the rest in REQUEST."""
    from kubelab.api.quantity import Quantity, parse_quantity

    hard = rq.status.hard or {}
    used = rq.status.used or {}
    request, limit = [], []
    for name in sorted(hard):
        u = parse_quantity(used[name]) if name in used else Quantity.new(0)
        cell = f"{name}: {u}/{parse_quantity(hard[name])}"
        pieces = name.split(".")
        (limit if len(pieces) > 1 and pieces[0] == "limits" else request).append(cell)
    return [rq.metadata.name, _age(rq, now), ", ".join(request), ", ".join(limit)]


def print_limit_range(lr: Any, now: float, wide: bool) -> list[str]:
    """printLimitRange: the name and the creation time (RFC 3339)."""
    return [lr.metadata.name, lr.metadata.creation_timestamp or ""]


def print_lease(lease: Any, now: float, wide: bool) -> list[str]:
    return [lease.metadata.name, lease.spec.holder_identity or "", _age(lease, now)]


def print_component_status(cs: Any, now: float, wide: bool) -> list[str]:
    # printers.go printComponentStatus: the Healthy condition decides; message and error as given
    status, message, error = "Unknown", "", ""
    for c in cs.conditions or ():
        if c.type == "Healthy":
            status = "Healthy" if c.status == "True" else "Unhealthy"
            message, error = c.message or "", c.error or ""
            break
    return [cs.metadata.name, status, message, error]


def print_priority_class(pc: Any, now: float, wide: bool) -> list[str]:
    cells = [pc.metadata.name, str(pc.value), "true" if pc.global_default else "false", _age(pc, now)]
    if wide:
        cells.append(pc.preemption_policy or "")
    return cells


def print_flow_schema(fs: Any, now: float, wide: bool) -> list[str]:
    """printFlowSchema: MISSINGPL is the Dangling condition's status, ``?`` before the
    config consumer has written one."""
    sp = fs.spec
    missing = "?"
    for c in fs.status.conditions or ():
        if c.type == "Dangling":
            missing = c.status or ""
            break
    return [fs.metadata.name, sp.priority_level_configuration.name, str(sp.matching_precedence),
            sp.distinguisher_method.type if sp.distinguisher_method is not None else "<none>", _age(fs, now), missing]


def flow_schema_order(items: Sequence[Any]) -> list[Any]:
    """printFlowSchemaList sorts by FlowSchemaSequence: matchingPrecedence, then name."""
    return sorted(items, key=lambda fs: (fs.spec.matching_precedence, fs.metadata.name or ""))


def print_priority_level_configuration(pl: Any, now: float, wide: bool) -> list[str]:
    """printPriorityLevelConfiguration: ``<none>`` for what an Exempt level (no shares shown)
    or a Reject one (no queues) lacks."""
    ncs = queues = hand = qll = "<none>"
    lim = pl.spec.limited
    if lim is not None:
        ncs = str(lim.nominal_concurrency_shares or 0)
        q = lim.limit_response.queuing
        if q is not None:
            queues, hand, qll = str(q.queues), str(q.hand_size), str(q.queue_length_limit)
    return [pl.metadata.name, pl.spec.type, ncs, queues, hand, qll, _age(pl, now)]


def _storage_cap(qty_map) -> str:
    q = (qty_map or {}).get("storage")
    return "" if q is None else str(q)


def print_persistent_volume(pv: Any, now: float, wide: bool) -> list[str]:
    """printPersistentVolume: CLAIM is namespace/name; STATUS Terminating when deleted."""
    from kubelab.api.storage import access_modes_string, volume_class

    ref = pv.spec.claim_ref
    claim = f"{ref.namespace}/{ref.name}" if ref is not None else ""
    phase = pv.status.phase or ""
    if pv.metadata.deletion_timestamp is not None:
        phase = "Terminating"
    cells = [pv.metadata.name, _storage_cap(pv.spec.capacity), access_modes_string(pv.spec.access_modes),
             pv.spec.persistent_volume_reclaim_policy or "", phase, claim, volume_class(pv),
             pv.spec.volume_attributes_class_name or "<unset>", pv.status.reason or "", _age(pv, now)]
    if wide:
        cells.append(pv.spec.volume_mode or "<unset>")
    return cells


def print_persistent_volume_claim(pvc: Any, now: float, wide: bool) -> list[str]:
    """printPersistentVolumeClaim: capacity and access modes come from the status (what
    was bound), empty while Pending."""
    from kubelab.api.storage import access_modes_string, claim_class

    phase = pvc.status.phase or ""
    if pvc.metadata.deletion_timestamp is not None:
        phase = "Terminating"
    cap = modes = ""
    if pvc.spec.volume_name:
        cap = _storage_cap(pvc.status.capacity)
        modes = access_modes_string(pvc.status.access_modes)
    cells = [pvc.metadata.name, phase, pvc.spec.volume_name or "", cap, modes, claim_class(pvc),
             pvc.spec.volume_attributes_class_name or "<unset>", _age(pvc, now)]
    if wide:
        cells.append(pvc.spec.volume_mode or "<unset>")
    return cells


def print_storage_class(sc: Any, now: float, wide: bool) -> list[str]:
    """printStorageClass: the default class is named ``<name> (default)``."""
    from kubelab.api.storage import is_default_class

    name = sc.metadata.name + (" (default)" if is_default_class(sc) else "")
    return [name, sc.provisioner, sc.reclaim_policy or "Delete", sc.volume_binding_mode or "Immediate",
            "true" if sc.allow_volume_expansion else "false", _age(sc, now)]


def print_pdb(pdb: Any, now: float, wide: bool) -> list[str]:
    sp = pdb.spec
    return [
        pdb.metadata.name,
        _intstr(sp.min_available) if sp.min_available is not None else "N/A",
        _intstr(sp.max_unavailable) if sp.max_unavailable is not None else "N/A",
        str(pdb.status.disruptions_allowed),
        _age(pdb, now),
    ]


def print_controller_revision(cr: Any, now: float, wide: bool) -> list[str]:
    ref = cr.metadata.controller_ref()
    controller = "<none>"
    if ref is not None:
        group = ref.api_version.split("/")[0] if "/" in ref.api_version else ""
        kind = f"{ref.kind}.{group}" if group else ref.kind
        controller = f"{kind.lower()}/{ref.name}"
    return [cr.metadata.name, controller, str(cr.revision), _age(cr, now)]


def print_endpoint_slice(es: Any, now: float, wide: bool) -> list[str]:
    def _more(lst: list[str], more: bool, count: int, mx: int = 3) -> str:
        ret = ",".join(lst)
        if more:
            return f"{ret} + {count - mx} more..."
        return ret or "<unset>"

    ports, more, count = [], False, 0
    for p in es.ports or ():
        if len(ports) < 3:
            ports.append(str(p.port) if p.port is not None else (p.name or "*"))
        elif len(ports) == 3:
            more = True
        count += 1
    port_s = _more(ports, more, count)
    addrs, more, count = [], False, 0
    for e in es.endpoints or ():
        for a in e.addresses:
            if len(addrs) < 3:
                addrs.append(a)
            elif len(addrs) == 3:
                more = True
            count += 1
    return [es.metadata.name, es.address_type, port_s, _more(addrs, more, count), _age(es, now)]


def format_hpa_metrics(specs: Any, statuses: Any) -> str:
    """formatHPAMetrics (pkg/printers/internalversion/printers.go, kubectl >= 1.31: each
    target prefixed with its metric's name, e.g. ``cpu: 45%/50%``)."""
    if not specs:
        return "<none>"
    out = []
    current = {s.resource.name: s.resource.current for s in statuses or () if s.type == "Resource" and s.resource}
    for spec in specs:
        if spec.type != "Resource" or spec.resource is None:
            out.append(f"<{spec.type.lower() or 'unknown'}>")
            continue
        name, t = spec.resource.name, spec.resource.target
        cur = current.get(name)
        if t.type == "Utilization":
            now = f"{cur.average_utilization}%" if cur is not None and cur.average_utilization is not None else "<unknown>"
            out.append(f"{name}: {now}/{t.average_utilization}%")
        else:
            now = str(cur.average_value) if cur is not None and cur.average_value is not None else "<unknown>"
            out.append(f"{name}: {now}/{t.average_value if t.type == 'AverageValue' else t.value}")
    if len(out) > 3:
        return ", ".join(out[:3]) + f" + {len(out) - 3} more..."
    return ", ".join(out)


def print_hpa(hpa: Any, now: float, wide: bool) -> list[str]:
    """printHorizontalPodAutoscaler: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE."""
    ref = hpa.spec.scale_target_ref
    min_pods = str(hpa.spec.min_replicas) if hpa.spec.min_replicas is not None else "<unset>"
    return [hpa.metadata.name, f"{ref.kind}/{ref.name}", format_hpa_metrics(hpa.spec.metrics, hpa.status.current_metrics),
            min_pods, str(hpa.spec.max_replicas), str(hpa.status.current_replicas or 0), _age(hpa, now)]


def _event_ts(ev: Any, now: float) -> tuple[str, str, int]:
    first = translate_timestamp_since(ev.first_timestamp, now)
    if not ev.first_timestamp:
        first = translate_timestamp_since(ev.event_time, now)
    last = translate_timestamp_since(ev.last_timestamp, now)
    if not ev.last_timestamp:
        last = first
    count = ev.count or 0
    if ev.series:
        last = translate_timestamp_since(ev.series.get("lastObservedTime"), now)
        count = int(ev.series.get("count") or 0)
    elif count == 0:
        # Singleton events don't have a count set in the new API.
        count = 1
    return first, last, count


def format_event_source(ev: Any) -> str:
    """formatEventSource: ``component, host`` (reportingController/Instance as fallbacks)."""
    src = ev.source
    component = (src.component if src else None) or ev.reporting_component or ""
    host = (src.host if src else None) or ev.reporting_instance or ""
    return f"{component}, {host}" if host else component


def print_event(ev: Any, now: float, wide: bool) -> list[str]:
    first, last, count = _event_ts(ev, now)
    io = ev.involved_object
    kind = (io.kind or "").lower()
    target = f"{kind}/{io.name}" if io.name else kind
    msg = (ev.message or "").strip()
    if wide:
        return [last, ev.type or "", ev.reason or "", target, io.field_path or "", format_event_source(ev), msg, first, str(count), ev.metadata.name]
    return [last, ev.type or "", ev.reason or "", target, msg]


# ----------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class TablePrinter:
    columns: tuple[Column, ...]
    row: Callable[[Any, float, bool], list[str]]
    name_column: bool = True  # False for Event (its Name column is wide-only)
    order: Optional[Callable[[Sequence[Any]], list[Any]]] = None  # a list printer's own row order


TABLES: dict[str, TablePrinter] = {
    "Pod": TablePrinter(_cols("Name", "Ready", "Status", "Restarts", "Age", wide=("IP", "Node", "Nominated Node", "Readiness Gates")), print_pod),
    "Node": TablePrinter(_cols("Name", "Status", "Roles", "Age", "Version", wide=("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime")), print_node),
    "Deployment": TablePrinter(_cols("Name", "Ready", "Up-to-date", "Available", "Age", wide=("Containers", "Images", "Selector")), print_deployment),
    "ReplicaSet": TablePrinter(_cols("Name", "Desired", "Current", "Ready", "Age", wide=("Containers", "Images", "Selector")), print_replicaset),
    "DaemonSet": TablePrinter(_cols("Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", wide=("Containers", "Images", "Selector")), print_daemonset),
    "StatefulSet": TablePrinter(_cols("Name", "Ready", "Age", wide=("Containers", "Images")), print_statefulset),
    "Job": TablePrinter(_cols("Name", "Status", "Completions", "Duration", "Age", wide=("Containers", "Images", "Selector")), print_job),
    "CronJob": TablePrinter(_cols("Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", wide=("Containers", "Images", "Selector")), print_cronjob),
    "Service": TablePrinter(_cols("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", wide=("Selector",)), print_service),
    "Endpoints": TablePrinter(_cols("Name", "Endpoints", "Age"), print_endpoints),
    "EndpointSlice": TablePrinter(_cols("Name", "AddressType", "Ports", "Endpoints", "Age"), print_endpoint_slice),
    "ConfigMap": TablePrinter(_cols("Name", "Data", "Age"), print_configmap),
    "Secret": TablePrinter(_cols("Name", "Type", "Data", "Age"), print_secret),
    "ServiceAccount": TablePrinter(_cols("Name", "Secrets", "Age"), print_service_account),
    "Namespace": TablePrinter(_cols("Name", "Status", "Age"), print_namespace),
    "ResourceQuota": TablePrinter(_cols("Name", "Age", "Request", "Limit"), print_resource_quota),
    "LimitRange": TablePrinter(_cols("Name", "Created At"), print_limit_range),
    "Lease": TablePrinter(_cols("Name", "Holder", "Age"), print_lease),
    "ComponentStatus": TablePrinter(_cols("Name", "Status", "Message", "Error"), print_component_status),
    "PriorityClass": TablePrinter(_cols("Name", "Value", "Global-Default", "Age", wide=("PreemptionPolicy",)), print_priority_class),
    "PersistentVolume": TablePrinter(_cols("Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", wide=("VolumeMode",)), print_persistent_volume),
    "PersistentVolumeClaim": TablePrinter(_cols("Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", wide=("VolumeMode",)), print_persistent_volume_claim),
    "StorageClass": TablePrinter(_cols("Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"), print_storage_class),
    "PodDisruptionBudget": TablePrinter(_cols("Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"), print_pdb),
    "HorizontalPodAutoscaler": TablePrinter(_cols("Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"), print_hpa),
    "ControllerRevision": TablePrinter(_cols("Name", "Controller", "Revision", "Age"), print_controller_revision),
    "FlowSchema": TablePrinter(_cols("Name", "PriorityLevel", "MatchingPrecedence", "DistinguisherMethod", "Age",
                                     "MissingPL"), print_flow_schema, order=flow_schema_order),
    "PriorityLevelConfiguration": TablePrinter(_cols("Name", "Type", "NominalConcurrencyShares", "Queues", "HandSize",
                                                     "QueueLengthLimit", "Age"), print_priority_level_configuration),
    # Event: LAST SEEN TYPE REASON OBJECT [SUBOBJECT SOURCE] MESSAGE [FIRST SEEN COUNT NAME]
    "Event": TablePrinter(
        (Column("Last Seen"), Column("Type"), Column("Reason"), Column("Object"), Column("Subobject", 1), Column("Source", 1),
         Column("Message"), Column("First Seen", 1), Column("Count", 1), Column("Name", 1)),
        print_event,
        name_column=False,
    ),
}


def no_resources_message(namespace: Optional[str], namespaced: bool, all_namespaces: bool) -> str:
    """kubectl get's message for an empty result (k8s.io/kubectl/pkg/cmd/get/get.go)."""
    if namespaced and not all_namespaces and namespace:
        return f"No resources found in {namespace} namespace."
    return "No resources found"


def print_table(
    objs: Sequence[KubeObject],
    now: float,
    *,
    kind: Optional[str] = None,
    wide: bool = False,
    all_namespaces: bool = False,
    show_labels: bool = False,
    no_headers: bool = False,
    with_kind: bool = False,
    label_columns: Sequence[str] = (),
) -> str:
    """The ``kubectl get`` table for objects of one kind (no trailing newline stripped)."""
    if kind is None:
        if not objs:
            raise ValueError("print_table needs kind= for an empty list")
        kind = objs[0].KIND
    printer = TABLES.get(kind)
    rows: list[list[str]] = []
    if printer is None:
        # kubectl's default table for kinds without a printer: NAME AGE
        printer = TablePrinter(_cols("Name", "Age"), lambda o, n, w: [o.metadata.name, _age(o, n)])
    cols = [c for c in printer.columns if wide or c.priority == 0]
    header = [c.header for c in cols]
    namespaced = bool(objs and objs[0].NAMESPACED) or _namespaced(kind)
    if all_namespaces and namespaced:
        header = ["NAMESPACE"] + header
    header += [lc.upper().split("/")[-1] for lc in label_columns]
    if show_labels:
        header.append("LABELS")
    if not no_headers:
        rows.append(header)
    if printer.order is not None:
        objs = printer.order(objs)
    for o in objs:
        cells = list(printer.row(o, now, wide))
        if with_kind and printer.name_column:
            cells[0] = resource_name(o)
        if all_namespaces and namespaced:
            cells = [o.metadata.namespace or ""] + cells
        for lc in label_columns:
            cells.append((o.metadata.labels or {}).get(lc, ""))
        if show_labels:
            cells.append(format_labels(o.metadata.labels))
        rows.append(cells)
    return tabulate(rows, **GET_SETTINGS)


def _namespaced(kind: str) -> bool:
    from kubelab.api.scheme import kind_by_kind

    cls = kind_by_kind(kind)
    return bool(cls and cls.NAMESPACED)

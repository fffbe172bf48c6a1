"""PodInfo, AffinityTerm, NodeInfo and resource arithmetic.

Mirrors pkg/scheduler/framework/types.go (PodInfo, AffinityTerm, NodeInfo, Resource,
ImageStateSummary, HostPortInfo). What a pod requests comes from kubelab.api.resourcehelper
(component-helpers PodRequests), once per pod when its PodInfo is built.

kubelab keeps the per-node numbers (allocatable, requested, non-zero requested, pod
count) in numpy rows owned by the cache (framework/cache.py) so filters and scores run
over all nodes at once; a NodeInfo is the per-node face of those rows plus the things
that are not numbers (pods, ports, images, labels, taints).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.base import parse_time
from kubelab.api.labels import Requirement, Selector
from kubelab.api.resourcehelper import pod_requests

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.api.core import Pod

MAX_NODE_SCORE = 100  # framework.MaxNodeScore
MIN_NODE_SCORE = 0
MAX_TOTAL_SCORE = (1 << 63) - 1

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = "cpu", "memory", "ephemeral-storage", "pods"

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_REGION = "topology.kubernetes.io/region"


def pod_priority(pod: "Pod") -> int:
    """corev1helpers.PodPriority: spec.priority, 0 when unset."""
    return pod.spec.priority or 0


def normalized_image_name(name: str) -> str:
    """imagelocality.normalizedImageName: add ``:latest`` when the image has no tag."""
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


class AffinityTerm:
    """framework.AffinityTerm: namespaces, selector, topology key, namespace selector."""

    __slots__ = ("namespaces", "selector", "topology_key", "namespace_selector", "weight")

    def __init__(self, namespaces: frozenset, selector: Selector, topology_key: str,
                 namespace_selector: Selector, weight: int = 0):
        self.namespaces = namespaces
        self.selector = selector
        self.topology_key = topology_key
        self.namespace_selector = namespace_selector
        self.weight = weight

    def matches(self, pod: "PodInfo", ns_labels: Optional[dict]) -> bool:
        """AffinityTerm.Matches: namespace (listed or selected) and labels."""
        if ns_labels is None and not self.namespace_selector.empty() and self.namespace_selector.requirements:
            ns_labels = {"kubernetes.io/metadata.name": pod.namespace}
        elif ns_labels is None and self.namespace_selector.empty():
            ns_labels = {}  # an empty namespaceSelector ({}) selects every namespace
        if pod.namespace in self.namespaces or (ns_labels is not None and self.namespace_selector.matches(ns_labels)):
            return self.selector.matches(pod.labels)
        return False


def _new_affinity_term(pod: "Pod", term, weight: int = 0) -> AffinityTerm:
    sel = Selector.from_label_selector(term.label_selector)
    labels = pod.metadata.labels or {}
    if term.label_selector is not None:
        # MatchLabelKeysInPodAffinity (beta, on by default): merge the pod's own values
        extra = []
        for k in term.match_label_keys or ():
            if k in labels:
                extra.append(Requirement(k, "in", (labels[k],)))
        for k in term.mismatch_label_keys or ():
            if k in labels:
                extra.append(Requirement(k, "notin", (labels[k],)))
        if extra:
            sel = Selector(tuple(sel.requirements) + tuple(extra))
    ns = frozenset(term.namespaces or ())
    if not ns and term.namespace_selector is None:
        ns = frozenset((pod.metadata.namespace or "default",))  # getNamespacesFromPodAffinityTerm
    ns_sel = Selector.from_label_selector(term.namespace_selector)  # nil selects nothing
    return AffinityTerm(ns, sel, term.topology_key, ns_sel, weight)


class PodInfo:
    """A pod with everything the scheduler derives from it, parsed once (framework.PodInfo)."""

    __slots__ = (
        "pod", "uid", "name", "namespace", "key", "labels", "priority", "requests", "non_zero",
        "host_ports", "tolerations", "required_affinity_terms", "required_anti_affinity_terms",
        "preferred_affinity_terms", "preferred_anti_affinity_terms", "images", "start_time",
        "scheduler_name", "node_name", "terminating", "parse_error",
    )

    def __init__(self, pod: "Pod"):
        self.update(pod)

    def update(self, pod: "Pod") -> None:
        md, spec = pod.metadata, pod.spec
        self.pod = pod
        self.name = md.name or ""
        self.namespace = md.namespace or "default"
        self.uid = md.uid or f"{self.namespace}/{self.name}"
        self.key = f"{self.namespace}/{self.name}"
        self.labels = md.labels or {}
        self.priority = spec.priority or 0
        self.parse_error = None
        try:
            self.requests = pod_requests(pod)
            nz = pod_requests(pod, non_missing=True)
        except ValueError as e:
            self.requests, nz, self.parse_error = {}, {}, str(e)
        self.non_zero = (nz.get(CPU, 0), nz.get(MEMORY, 0))
        ports = []
        for c in list(spec.containers) + [ic for ic in spec.init_containers or () if ic.restart_policy == "Always"]:
            for p in c.ports or ():
                if p.host_port and p.host_port > 0:
                    ports.append((p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port))
        self.host_ports = tuple(ports)
        self.tolerations = tuple(spec.tolerations or ())
        aff = spec.affinity
        pa = aff.pod_affinity if aff else None
        paa = aff.pod_anti_affinity if aff else None
        self.required_affinity_terms = tuple(
            _new_affinity_term(pod, t) for t in (pa.required_during_scheduling_ignored_during_execution or ())) if pa else ()
        self.required_anti_affinity_terms = tuple(
            _new_affinity_term(pod, t) for t in (paa.required_during_scheduling_ignored_during_execution or ())) if paa else ()
        self.preferred_affinity_terms = tuple(
            _new_affinity_term(pod, w.pod_affinity_term, w.weight)
            for w in (pa.preferred_during_scheduling_ignored_during_execution or ())) if pa else ()
        self.preferred_anti_affinity_terms = tuple(
            _new_affinity_term(pod, w.pod_affinity_term, w.weight)
            for w in (paa.preferred_during_scheduling_ignored_during_execution or ())) if paa else ()
        self.images = tuple(normalized_image_name(c.image) for c in list(spec.init_containers or ()) + list(spec.containers) if c.image)
        st = parse_time(pod.status.start_time) if pod.status.start_time else None
        if st is None:
            st = parse_time(md.creation_timestamp) if md.creation_timestamp else 0.0
        self.start_time = st
        self.scheduler_name = spec.scheduler_name or "default-scheduler"
        self.node_name = spec.node_name or ""
        self.terminating = md.deletion_timestamp is not None

    @property
    def has_affinity(self) -> bool:
        return bool(self.required_affinity_terms or self.required_anti_affinity_terms
                    or self.preferred_affinity_terms or self.preferred_anti_affinity_terms)

    @property
    def num_containers(self) -> int:
        return len(self.pod.spec.init_containers or ()) + len(self.pod.spec.containers)

    def __repr__(self) -> str:
        return f"PodInfo({self.key})"


def more_important_pod(a: PodInfo, b: PodInfo) -> bool:
    """util.MoreImportantPod: higher priority first; on a tie the one that started earlier."""
    if a.priority != b.priority:
        return a.priority > b.priority
    return a.start_time < b.start_time


class HostPortInfo:
    """framework.HostPortInfo: ip -> {(protocol, port)} with 0.0.0.0 meaning every ip."""

    __slots__ = ("m",)

    def __init__(self) -> None:
        self.m: dict[str, dict[tuple[str, int], int]] = {}

    def add(self, ip: str, proto: str, port: int) -> None:
        d = self.m.setdefault(ip, {})
        d[(proto, port)] = d.get((proto, port), 0) + 1

    def remove(self, ip: str, proto: str, port: int) -> None:
        d = self.m.get(ip)
        if d and (proto, port) in d:
            d[(proto, port)] -= 1
            if d[(proto, port)] <= 0:
                del d[(proto, port)]
            if not d:
                del self.m[ip]

    def check_conflict(self, ip: str, proto: str, port: int) -> bool:
        if port <= 0:
            return False
        pp = (proto or "TCP", port)
        if ip == "0.0.0.0" or not ip:
            return any(pp in d for d in self.m.values())
        return any(pp in self.m.get(k, ()) for k in ("0.0.0.0", ip))

    def __len__(self) -> int:
        return sum(len(d) for d in self.m.values())


class NodeInfo:
    """One node as the scheduler sees it (framework.NodeInfo).

    The numbers live in the cache's numpy rows (``idx``); the properties here read them.
    """

    __slots__ = ("node", "name", "idx", "pods", "pods_with_affinity", "pods_with_required_anti_affinity",
                 "used_ports", "image_names", "generation", "labels", "taints", "_cache")

    def __init__(self, cache, node, idx: int):
        self._cache = cache
        self.idx = idx
        self.pods: dict[str, PodInfo] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.used_ports = HostPortInfo()
        self.image_names: tuple[str, ...] = ()
        self.generation = 0
        self.set_node(node)

    def set_node(self, node) -> None:
        self.node = node
        self.name = node.metadata.name
        self.labels = node.metadata.labels or {}
        self.taints = tuple(node.spec.taints or ())

    # the numbers ---------------------------------------------------------------------
    def _row(self, arr) -> dict[str, int]:
        c = self._cache
        row = arr[self.idx]
        return {name: int(row[i]) for name, i in c.res_index.items() if row[i] or i < 2}

    @property
    def allocatable(self) -> dict[str, int]:
        d = self._row(self._cache.alloc)
        d[PODS] = int(self._cache.max_pods[self.idx])
        return d

    @property
    def requested(self) -> dict[str, int]:
        return self._row(self._cache.req)

    @property
    def non_zero_requested(self) -> dict[str, int]:
        nz = self._cache.nz[self.idx]
        return {CPU: int(nz[0]), MEMORY: int(nz[1])}

    @property
    def image_states(self) -> dict[str, tuple[int, int]]:
        """image name -> (size, number of nodes that have it) (ImageStateSummary)."""
        c = self._cache
        return {n: (c.images[n][self.name], len(c.images[n])) for n in self.image_names}

    def __repr__(self) -> str:
        return f"NodeInfo({self.name}, pods={len(self.pods)})"

"""EndpointSlice controller (pkg/controller/endpointslice, staging endpointslice/reconciler.go).

For every Service with a selector, EndpointSlices labelled
``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by:
endpointslice-controller.k8s.io``, owned by the Service, hold at most
``--max-endpoints-per-slice`` (100) endpoints each, with ready / serving / terminating
conditions, the pod as targetRef, its node and its node's zone.
"""

from __future__ import annotations

from kubelab.api import errors
from kubelab.api.coordination import Endpoint, EndpointConditions, EndpointSlice, EndpointSlicePort
from kubelab.api.core import Node, ObjectReference
from kubelab.api.labels import Selector
from kubelab.api.meta import ObjectMeta
from kubelab.api.podutil import is_pod_ready

from .base import ControllerContext, owner_ref
from .endpoint import _ServicePodController, find_port, should_be_in_endpoints

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS_PER_SLICE = 100
ZONE_LABEL = "topology.kubernetes.io/zone"


class EndpointSliceController(_ServicePodController):
    name = "endpointslice-controller"
    workers = 5  # --concurrent-service-endpoint-syncs

    def __init__(self, ctx: ControllerContext, max_per_slice: int = MAX_ENDPOINTS_PER_SLICE):
        super().__init__(ctx)
        self.max_per_slice = max_per_slice
        self.slice_informer = ctx.informers.informer(EndpointSlice)
        self.node_informer = ctx.informers.informer(Node)
        self.slice_informer.add_event_handler(None, None, self._slice_deleted)

    def _slice_deleted(self, sl) -> None:
        sl = getattr(sl, "obj", sl)
        svc = (sl.metadata.labels or {}).get(SERVICE_NAME_LABEL)
        if svc and (sl.metadata.labels or {}).get(MANAGED_BY_LABEL) == MANAGED_BY:
            self.queue.add(f"{sl.metadata.namespace}/{svc}")

    def sync(self, key: str):
        ns, name = key.split("/", 1)
        svc = self.svc_informer.get(key)
        existing = sorted((s for s in self.slice_informer.list(ns)
                           if (s.metadata.labels or {}).get(SERVICE_NAME_LABEL) == name
                           and (s.metadata.labels or {}).get(MANAGED_BY_LABEL) == MANAGED_BY),
                          key=lambda s: s.name)
        if svc is None:
            return  # the garbage collector removes slices owned by a deleted Service
        if svc.spec.selector is None or svc.spec.type == "ExternalName":
            return
        selector = Selector.from_set(svc.spec.selector)
        endpoints, ports = [], None
        for pod in sorted(self.pod_informer.list(ns, selector), key=lambda p: p.name):
            if not should_be_in_endpoints(pod, include_terminating=True):
                continue
            node = self.node_informer.get(pod.spec.node_name) if pod.spec.node_name else None
            terminating = pod.metadata.deletion_timestamp is not None
            ready = is_pod_ready(pod)
            endpoints.append(Endpoint(
                addresses=[pod.status.pod_ip],
                conditions=EndpointConditions(ready=ready and not terminating, serving=ready, terminating=terminating),
                target_ref=ObjectReference(kind="Pod", namespace=ns, name=pod.name, uid=pod.uid),
                node_name=pod.spec.node_name,
                zone=(node.metadata.labels or {}).get(ZONE_LABEL) if node is not None else None,
                hostname=pod.spec.hostname if pod.spec.hostname and pod.spec.subdomain == name else None))
            if ports is None:
                ports = [EndpointSlicePort(name=sp.name or "", port=find_port(pod, sp), protocol=sp.protocol or "TCP",
                                           app_protocol=sp.app_protocol) for sp in svc.spec.ports or ()]
        chunks = [endpoints[i:i + self.max_per_slice] for i in range(0, len(endpoints), self.max_per_slice)] or [[]]
        labels = dict(svc.metadata.labels or {}, **{SERVICE_NAME_LABEL: name, MANAGED_BY_LABEL: MANAGED_BY})
        for i, chunk in enumerate(chunks):
            if i < len(existing):
                cur = existing[i]
                if cur.endpoints == chunk and cur.ports == (ports or None) and cur.metadata.labels == labels:
                    continue
                new = cur.copy_deep()
                new.endpoints, new.ports, new.metadata.labels = chunk, ports or None, labels
                yield self.client.update(new)
            else:
                sl = EndpointSlice(metadata=ObjectMeta(generate_name=f"{name}-", namespace=ns, labels=labels,
                                                       owner_references=[owner_ref(svc)]),
                                   address_type="IPv4", endpoints=chunk, ports=ports or None)
                yield self.client.create(sl)
        for extra in existing[len(chunks):]:
            try:
                yield self.client.delete(EndpointSlice, extra.name, ns)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise

"""Endpoints controller (pkg/controller/endpoint/endpoints_controller.go).

For every Service with a selector, an Endpoints object of the same name lists the IPs
of the pods the selector matches: ready pods under ``addresses``, the others under
``notReadyAddresses`` (all under ``addresses`` with publishNotReadyAddresses), with the
service's ports resolved to the pods' target ports (podutil.FindPort), repacked into
subsets by port set (endpoints.RepackSubsets).
"""

from __future__ import annotations

from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.core import (EndpointAddress, EndpointPort, Endpoints, EndpointSubset, ObjectReference, Pod,
                              Service)
from kubelab.api.labels import Selector
from kubelab.api.meta import ObjectMeta
from kubelab.api.podutil import is_pod_ready

from .base import Controller, ControllerContext

HEADLESS_LABEL = "service.kubernetes.io/headless"


def find_port(pod: Pod, port) -> Optional[int]:
    """podutil.FindPort: a numeric targetPort as is, a named one from the containers."""
    target = port.target_port if port.target_port is not None else port.port
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    proto = port.protocol or "TCP"
    for c in pod.spec.containers:
        for cp in c.ports or ():
            if cp.name == target and (cp.protocol or "TCP") == proto:
                return cp.container_port
    return None


def should_be_in_endpoints(pod: Pod, include_terminating: bool = False) -> bool:
    """endpointsliceutil.ShouldPodBeInEndpoints."""
    if pod.status.phase in ("Failed", "Succeeded"):
        return False
    if not pod.status.pod_ip:
        return False
    if not include_terminating and pod.metadata.deletion_timestamp is not None:
        return False
    return True


def services_for_pod(svc_informer, pod: Pod) -> list[Service]:
    out = []
    for svc in svc_informer.list(pod.metadata.namespace):
        if svc.spec.selector and Selector.from_set(svc.spec.selector).matches(pod.metadata.labels):
            out.append(svc)
    return out


class _ServicePodController(Controller):
    """Shared wiring: a Service key is queued when the service or a matching pod changes."""

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.svc_informer = ctx.informers.informer(Service)
        self.pod_informer = ctx.informers.informer(Pod)
        self.svc_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), self.enqueue)
        self.pod_informer.add_event_handler(self._pod, self._pod_update, self._pod)

    def _pod(self, pod) -> None:
        pod = tombstone_object(pod)
        for svc in services_for_pod(self.svc_informer, pod):
            self.enqueue(svc)

    def _pod_update(self, old, new) -> None:
        if old.metadata.resource_version == new.metadata.resource_version:
            return
        keys = {s.key() for s in services_for_pod(self.svc_informer, new)}
        if old.metadata.labels != new.metadata.labels:
            keys |= {s.key() for s in services_for_pod(self.svc_informer, old)}
        for k in sorted(keys):
            self.queue.add(k)


class EndpointsController(_ServicePodController):
    name = "endpoint-controller"
    workers = 5  # --concurrent-endpoint-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.ep_informer = ctx.informers.informer(Endpoints)
        self.ep_informer.add_event_handler(None, None, self.enqueue)

    def sync(self, key: str):
        ns, name = key.split("/", 1)
        svc = self.svc_informer.get(key)
        if svc is None:
            try:
                yield self.client.delete(Endpoints, name, ns)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise
            return
        if svc.spec.selector is None or svc.spec.type == "ExternalName":
            return  # user-managed endpoints
        selector = Selector.from_set(svc.spec.selector)
        tolerate_unready = bool(svc.spec.publish_not_ready_addresses)
        groups: dict[tuple, tuple[list, list]] = {}
        for pod in sorted(self.pod_informer.list(ns, selector), key=lambda p: p.name):
            if not should_be_in_endpoints(pod):
                continue
            addr = EndpointAddress(
                ip=pod.status.pod_ip, node_name=pod.spec.node_name,
                target_ref=ObjectReference(kind="Pod", namespace=ns, name=pod.name, uid=pod.uid),
                hostname=pod.spec.hostname if pod.spec.hostname and pod.spec.subdomain == name else None)
            ports = []
            for sp in svc.spec.ports or ():
                p = find_port(pod, sp)
                if p is None:
                    continue
                ports.append((sp.name, p, sp.protocol or "TCP", sp.app_protocol))
            ready, not_ready = groups.setdefault(tuple(sorted(ports, key=lambda t: (t[0] or "", t[1]))), ([], []))
            (ready if tolerate_unready or is_pod_ready(pod) else not_ready).append(addr)
        subsets = []
        for ports, (ready, not_ready) in groups.items():
            subsets.append(EndpointSubset(
                addresses=sorted(ready, key=lambda a: a.ip) or None,
                not_ready_addresses=sorted(not_ready, key=lambda a: a.ip) or None,
                ports=[EndpointPort(name=n, port=p, protocol=pr, app_protocol=ap) for n, p, pr, ap in ports] or None))
        labels = dict(svc.metadata.labels or {})
        if svc.spec.cluster_ip == "None":
            labels[HEADLESS_LABEL] = ""
        cur = self.ep_informer.get(key)
        if cur is not None and cur.subsets == (subsets or None) and (cur.metadata.labels or {}) == labels:
            return
        if cur is None:
            ep = Endpoints(metadata=ObjectMeta(name=name, namespace=ns, labels=labels or None), subsets=subsets or None)
            try:
                yield self.client.create(ep)
            except errors.StatusError as exc:
                if not errors.is_already_exists(exc):
                    raise
                self.enqueue_after(key, 1)
            return
        new = cur.copy_deep()
        new.subsets = subsets or None
        new.metadata.labels = labels or None
        yield self.client.update(new)

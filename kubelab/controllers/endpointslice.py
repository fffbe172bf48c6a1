"""EndpointSlice controller (pkg/controller/endpointslice/endpointslice_controller.go, with the
reconciler of staging/src/k8s.io/endpointslice: reconciler.go, utils.go, util/).

For every Service with a selector (and not of type ExternalName), EndpointSlices owned by the
Service list the pods the selector matches:

- one group of slices per distinct set of ports (``NewPortMapKey``): pods whose named
  targetPort resolves to different numbers land in different slices; a port a pod does not
  have is left out of its set (getEndpointPorts);
- at most ``--max-endpoints-per-slice`` (100) endpoints per slice; existing slices keep their
  endpoints, changed ones are filled up first, leftovers go to the unchanged slice closest to
  full, then to new slices (reconcileByPortMapping); creates that meet deletes become updates
  of the slices that would go (finalize);
- a Service with no endpoints at all gets one empty placeholder slice;
- generateName ``<service>-``; labels: the Service's own (except the reserved
  ``kubernetes.io/service-name``, ``endpointslice.kubernetes.io/managed-by`` and
  ``service.kubernetes.io/headless``), ``kubernetes.io/service-name``, ``endpointslice.kubernetes.io/
  managed-by: endpointslice-controller.k8s.io`` and, for clusterIP None,
  ``service.kubernetes.io/headless: ""`` (setEndpointSliceLabels);
- each endpoint (podToEndpoint): the pod IPs of the slice's address type, conditions ready
  (serving and not terminating, or publishNotReadyAddresses) / serving (pod Ready) /
  terminating (deletionTimestamp), nodeName, zone (the node's ``topology.kubernetes.io/zone``),
  targetRef, and hostname when the pod's subdomain names the Service (ShouldSetHostname);
- the ``endpoints.kubernetes.io/last-change-trigger-time`` annotation on every slice written,
  from util/trigger_time_tracker.go.
"""

from __future__ import annotations

import ipaddress
from typing import Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.base import parse_time, rfc3339
from kubelab.api.coordination import Endpoint, EndpointConditions, EndpointSlice, EndpointSlicePort
from kubelab.api.core import Node, ObjectReference, Pod, Service
from kubelab.api.labels import Selector
from kubelab.api.meta import ObjectMeta
from kubelab.api.podutil import get_pod_ready_condition, is_pod_ready

from .base import ControllerContext, owner_ref
from .endpoint import HEADLESS_LABEL, _ServicePodController, find_port, should_be_in_endpoints

SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # discovery.LabelServiceName
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"  # discovery.LabelManagedBy
MANAGED_BY = "endpointslice-controller.k8s.io"  # endpointslice_controller.go ControllerName
RESERVED_LABELS = (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)  # utils.go isReservedLabelKey
MAX_ENDPOINTS_PER_SLICE = 100  # --max-endpoints-per-slice
ZONE_LABEL = "topology.kubernetes.io/zone"
TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"  # v1.EndpointsLastChangeTriggerTime
SLICE_CHANGE_MIN_SYNC_DELAY = 1.0  # endpointSliceChangeMinSyncDelay


def endpoint_ports(svc: Service, pod: Pod) -> list[EndpointSlicePort]:
    """utils.go getEndpointPorts: the service's ports resolved on this pod (FindPort); a port
    the pod does not have is skipped."""
    out = []
    for sp in svc.spec.ports or ():
        num = find_port(pod, sp)
        if num is None:
            continue
        out.append(EndpointSlicePort(name=sp.name or "", port=num, protocol=sp.protocol or "TCP",
                                     app_protocol=sp.app_protocol))
    return out


def port_map_key(ports) -> tuple:
    """util.NewPortMapKey: the same set of ports in any order is the same key."""
    return tuple(sorted((p.name or "", p.port or 0, p.protocol or "", p.app_protocol or "") for p in ports or ()))


def endpoint_hash(ep: Endpoint) -> tuple:
    """util/endpointset.go hashEndpoint: sorted addresses, hostname, targetRef namespace/name."""
    ref = ep.target_ref
    return (tuple(sorted(ep.addresses)), ep.hostname or "", ref.namespace if ref else "", ref.name if ref else "")


def address_types(svc: Service) -> list[str]:
    """utils.go getAddressTypesForService: the Service's ipFamilies, else the family of its
    clusterIP. (Upstream assumes dual stack for a headless Service without ipFamilies, which an
    apiserver that defaults them never leaves; kubelab's cluster is IPv4 only.)"""
    fams = [{"IPv4": "IPv4", "IPv6": "IPv6"}[f] for f in svc.spec.ip_families or () if f in ("IPv4", "IPv6")]
    if fams:
        return list(dict.fromkeys(fams))
    ip = svc.spec.cluster_ip
    if ip and ip != "None":
        try:
            return ["IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"]
        except ValueError:
            return ["IPv4"]
    return ["IPv4"]


def pod_addresses(pod: Pod, address_type: str) -> list[str]:
    """utils.go getEndpointAddresses: the pod IPs of that family."""
    ips = [p.ip for p in pod.status.pod_ips or ()] or ([pod.status.pod_ip] if pod.status.pod_ip else [])
    out = []
    for ip in ips:
        try:
            v6 = ipaddress.ip_address(ip).version == 6
        except ValueError:
            continue
        if v6 == (address_type == "IPv6"):
            out.append(ip)
    return out


def pod_to_endpoint(pod: Pod, node: Optional[Node], svc: Service, address_type: str) -> Endpoint:
    """utils.go podToEndpoint."""
    serving = is_pod_ready(pod)
    terminating = pod.metadata.deletion_timestamp is not None
    # "ready" is never true for a terminating pod, unless publishNotReadyAddresses
    ready = bool(svc.spec.publish_not_ready_addresses) or (serving and not terminating)
    zone = (node.metadata.labels or {}).get(ZONE_LABEL) if node is not None else None
    # util.ShouldSetHostname
    hostname = (pod.spec.hostname if pod.spec.hostname and pod.spec.subdomain == svc.name
                and pod.metadata.namespace == svc.metadata.namespace else None)
    return Endpoint(addresses=pod_addresses(pod, address_type),
                    conditions=EndpointConditions(ready=ready, serving=serving, terminating=terminating),
                    target_ref=ObjectReference(kind="Pod", namespace=pod.metadata.namespace, name=pod.name, uid=pod.uid),
                    node_name=pod.spec.node_name or None, zone=zone or None, hostname=hostname)


def slice_labels(sl_labels: Optional[dict], svc: Service) -> tuple[dict, bool]:
    """utils.go setEndpointSliceLabels: the Service's labels minus the reserved ones, the
    headless label for a Service without a cluster IP, then service-name and managed-by; and
    whether the non-reserved labels differ from the slice's."""
    ep = {k: v for k, v in (sl_labels or {}).items() if k not in RESERVED_LABELS}
    out = {k: v for k, v in (svc.metadata.labels or {}).items() if k not in RESERVED_LABELS}
    changed = ep != out
    if svc.spec.cluster_ip in (None, "", "None"):  # !isServiceIPSet
        out[HEADLESS_LABEL] = ""
    out[SERVICE_NAME_LABEL] = svc.name
    out[MANAGED_BY_LABEL] = MANAGED_BY
    return out, changed


def owned_by(sl: EndpointSlice, svc: Service) -> bool:
    """utils.go ownedBy."""
    return any(o.uid == svc.uid and o.kind == "Service" and o.api_version == "v1"
               for o in sl.metadata.owner_references or ())


def new_endpoint_slice(svc: Service, ports: list, address_type: str) -> EndpointSlice:
    """utils.go newEndpointSlice (getEndpointSlicePrefix: ``<service>-``)."""
    labels, _ = slice_labels({}, svc)
    return EndpointSlice(metadata=ObjectMeta(generate_name=f"{svc.name}-", namespace=svc.metadata.namespace,
                                             labels=labels, owner_references=[owner_ref(svc)]),
                         address_type=address_type, endpoints=[], ports=ports or None)


class StaleInformerCache(Exception):
    """endpointslice.NewStaleInformerCache: the informer has not caught up with this controller's
    own writes; the Service is retried (rate limited) rather than acted on."""


class TriggerTimeTracker:
    """util/trigger_time_tracker.go: the time of the oldest change (a pod's Ready transition,
    the Service's creation) not yet seen by a sync; a new Service's creationTimestamp."""

    def __init__(self):
        self.states: dict[str, tuple[float, dict[str, float]]] = {}

    def compute(self, key: str, svc: Service, pods: list[Pod]) -> Optional[float]:
        known = key in self.states
        last_svc, last_pods = self.states.get(key, (None, {}))
        changed: Optional[float] = None
        pod_times = {}
        for pod in pods:
            c = get_pod_ready_condition(pod.status)
            t = parse_time(c.last_transition_time) if c is not None and c.last_transition_time else None
            if t is None:
                continue
            pod_times[pod.name] = t
            if pod.name not in last_pods or t > last_pods[pod.name]:
                changed = t if changed is None else min(changed, t)
        svc_time = parse_time(svc.metadata.creation_timestamp) if svc.metadata.creation_timestamp else None
        if svc_time is not None and (last_svc is None or svc_time > last_svc):
            changed = svc_time if changed is None else min(changed, svc_time)
        self.states[key] = (svc_time, pod_times)
        if not known:
            return svc_time
        return changed

    def delete(self, key: str) -> None:
        self.states.pop(key, None)


class EndpointSliceController(_ServicePodController):
    name = "endpointslice-controller"
    workers = 5  # --concurrent-service-endpoint-syncs

    def __init__(self, ctx: ControllerContext, max_per_slice: int = MAX_ENDPOINTS_PER_SLICE):
        super().__init__(ctx)
        self.max_per_slice = max_per_slice
        self.slice_informer = ctx.informers.informer(EndpointSlice)
        self.node_informer = ctx.informers.informer(Node)
        self.triggers = TriggerTimeTracker()
        self.recorder = ctx.recorder("endpoint-slice-controller")
        # util/endpointslice_tracker.go, by resourceVersion: per Service key, the version of each
        # slice this controller last wrote (None: a deletion it expects)
        self._written: dict[str, dict[str, Optional[int]]] = {}
        self.slice_informer.add_event_handler(self._slice_changed, lambda o, n: self._slice_changed(n),
                                              self._slice_deleted)

    def _managed(self, sl) -> Optional[str]:
        labels = sl.metadata.labels or {}
        svc = labels.get(SERVICE_NAME_LABEL)
        if svc and labels.get(MANAGED_BY_LABEL) == MANAGED_BY:
            return f"{sl.metadata.namespace}/{svc}"
        return None

    def _slice_changed(self, sl) -> None:
        """onEndpointSliceAdd/Update: a change this controller did not write (tracker.ShouldSync)."""
        key = self._managed(sl)
        if key is None:
            return
        mine = self._written.get(key, {})
        if sl.name not in mine or (mine[sl.name] is not None and _rv(sl) > mine[sl.name]):  # ShouldSync
            self.queue.add_after(key, SLICE_CHANGE_MIN_SYNC_DELAY)

    def _slice_deleted(self, sl) -> None:
        """onEndpointSliceDelete: a deletion this controller did not expect."""
        sl = tombstone_object(sl)
        key = self._managed(sl)
        if key is None or sl.name not in self._written.get(key, {}):
            return
        if self._written[key].pop(sl.name) is not None:  # HandleDeletion: not expected
            self.queue.add_after(key, SLICE_CHANGE_MIN_SYNC_DELAY)

    def sync(self, key: str):
        ns, name = key.split("/", 1)
        svc = self.svc_informer.get(key)
        if svc is None:
            self.triggers.delete(key)
            self._written.pop(key, None)
            return  # the garbage collector removes slices owned by a deleted Service
        if svc.spec.type == "ExternalName":
            return
        if svc.spec.selector is None:
            return  # slices for a Service without a selector are made out of band
        pods = sorted(self.pod_informer.list(ns, Selector.from_set(svc.spec.selector)), key=lambda p: p.name)
        existing = sorted((s for s in self.slice_informer.list(ns)
                           if self._managed(s) == key and s.metadata.deletion_timestamp is None),
                          key=lambda s: s.name)
        if self._stale(key, existing):
            raise StaleInformerCache("EndpointSlice informer cache is out of date")
        trigger = self.triggers.compute(key, svc, pods)
        try:
            yield from self._reconcile(svc, pods, existing, trigger)  # errors: recorded, then requeued
        except Exception as exc:  # noqa: BLE001 — recorded, then requeued by the worker
            self.recorder.event(svc, "Warning", "FailedToUpdateEndpointSlices",
                                f"Error updating Endpoint Slices for Service {ns}/{name}: {exc}")
            raise

    def _stale(self, key: str, seen: list[EndpointSlice]) -> bool:
        """EndpointSliceTracker.StaleSlices: the informer lags behind what this controller wrote."""
        mine = self._written.get(key, {})
        have = {s.name: _rv(s) for s in seen}
        for name, rv in mine.items():
            if rv is None:
                if name in have:
                    return True
            elif name not in have or have[name] < rv:
                return True
        return False

    # -- reconciler.go ------------------------------------------------------------------------
    def _reconcile(self, svc: Service, pods: list[Pod], existing: list[EndpointSlice], trigger: Optional[float]):
        types = address_types(svc)
        to_delete = [s for s in existing if s.address_type not in types]
        errs: list[str] = []
        for at in types:
            yield from self._reconcile_by_address_type(svc, pods, [s for s in existing if s.address_type == at],
                                                       trigger, at, errs)
        for sl in to_delete:
            yield from self._delete(svc, sl)
        if errs:
            raise RuntimeError("; ".join(errs))

    def _reconcile_by_address_type(self, svc, pods, existing, trigger, address_type, errs):
        to_create: list[EndpointSlice] = []
        to_update: list[EndpointSlice] = []
        to_delete: list[EndpointSlice] = []
        existing_by_ports: dict[tuple, list[EndpointSlice]] = {}
        for sl in existing:
            if owned_by(sl, svc):
                existing_by_ports.setdefault(port_map_key(sl.ports), []).append(sl)
            else:
                to_delete.append(sl)
        desired_ports: dict[tuple, list] = {}
        desired: dict[tuple, dict[tuple, Endpoint]] = {}
        for pod in pods:
            if not should_be_in_endpoints(pod, include_terminating=True):
                continue
            ports = endpoint_ports(svc, pod)
            pk = port_map_key(ports)
            desired.setdefault(pk, {})
            desired_ports.setdefault(pk, ports)
            node = self.node_informer.get(pod.spec.node_name) if pod.spec.node_name else None
            if node is None and not svc.spec.publish_not_ready_addresses:
                # the pod is left out and the Service retried
                errs.append(f"skipping Pod {pod.name} for Service {svc.metadata.namespace}/{svc.name}: "
                            f"Node {pod.spec.node_name} Not Found")
                continue
            ep = pod_to_endpoint(pod, node, svc, address_type)
            if ep.addresses:
                desired[pk][endpoint_hash(ep)] = ep
        for pk, want in desired.items():
            c, u, d = self._reconcile_by_port_mapping(svc, existing_by_ports.get(pk, []), want,
                                                      desired_ports[pk], address_type)
            to_create += c
            to_update += u
            to_delete += d
        for pk, slices in existing_by_ports.items():
            if pk not in desired:
                to_delete += slices
        # no slices would exist: a placeholder
        if len(existing) == len(to_delete) and not to_create:
            placeholder = new_endpoint_slice(svc, [], address_type)
            if len(to_delete) == 1 and _is_placeholder_of(to_delete[0], placeholder):
                to_delete = []
            else:
                to_create.append(placeholder)
        yield from self._finalize(svc, to_create, to_update, to_delete, trigger)

    def _reconcile_by_port_mapping(self, svc, existing, want: dict, ports, address_type):
        by_name: dict[str, EndpointSlice] = {}
        unchanged: list[str] = []
        to_update: list[str] = []
        to_delete: list[str] = []
        for sl in existing:
            by_name[sl.name] = sl
            kept, updated = [], False
            for ep in sl.endpoints or ():
                got = want.pop(endpoint_hash(ep), None)
                if got is not None:
                    kept.append(got)
                    if got != ep:  # EndpointsEqualBeyondHash
                        updated = True
            labels, labels_changed = slice_labels(sl.metadata.labels, svc)
            if updated or len(sl.endpoints or ()) != len(kept):
                if not kept:
                    to_delete.append(sl.name)
                else:
                    new = sl.copy_deep()
                    new.endpoints, new.metadata.labels = kept, labels
                    by_name[sl.name] = new
                    to_update.append(sl.name)
            elif labels_changed:
                new = sl.copy_deep()
                new.metadata.labels = labels
                by_name[sl.name] = new
                to_update.append(sl.name)
            else:
                unchanged.append(sl.name)
        left = list(want.values())
        # 2. fill the slices already being updated, fullest first
        if left and to_update:
            for sl in sorted((by_name[n] for n in to_update), key=lambda s: -len(s.endpoints)):
                while left and len(sl.endpoints) < self.max_per_slice:
                    sl.endpoints.append(left.pop(0))
        # 3. the unchanged slice closest to full, else new slices
        to_create: list[EndpointSlice] = []
        while left:
            target = None
            if len(left) < self.max_per_slice and unchanged:
                target = _slice_to_fill([by_name[n] for n in unchanged], len(left), self.max_per_slice)
            if target is None:
                target = new_endpoint_slice(svc, ports, address_type)
            else:
                target = target.copy_deep()
                by_name[target.name] = target
            while left and len(target.endpoints) < self.max_per_slice:
                target.endpoints.append(left.pop(0))
            if target.metadata.name:
                to_update.append(target.name)
                unchanged.remove(target.name)
            else:
                to_create.append(target)
        return to_create, [by_name[n] for n in to_update], [by_name[n] for n in to_delete]

    def _finalize(self, svc, to_create, to_update, to_delete, trigger):
        # creates that meet deletes become updates of the slices that would go
        i = 0
        while i < len(to_delete) and to_create:
            gone, new = to_delete[i], to_create[-1]
            if gone.address_type == new.address_type and owned_by(gone, svc):
                upd = gone.copy_deep()
                upd.metadata.labels = new.metadata.labels
                upd.endpoints, upd.ports = new.endpoints, new.ports
                to_create.pop()
                to_update.append(upd)
                to_delete.pop(i)
            else:
                i += 1
        if svc.metadata.deletion_timestamp is None:  # no new slices for a Service being deleted
            for sl in to_create:
                _add_trigger_time(sl, trigger)
                try:
                    created = yield self.client.create(sl)
                except errors.StatusError as exc:
                    if _namespace_terminating(exc):  # creates keep failing: drop the item
                        return
                    raise
                self._written.setdefault(svc.key(), {})[created.name] = _rv(created)
        for sl in to_update:
            _add_trigger_time(sl, trigger)
            updated = yield self.client.update(sl)
            self._written.setdefault(svc.key(), {})[updated.name] = _rv(updated)
        for sl in to_delete:
            yield from self._delete(svc, sl)

    def _delete(self, svc, sl):
        """deleteEndpointSlice: a slice already gone is fine."""
        try:
            yield self.client.delete(EndpointSlice, sl.name, svc.metadata.namespace)
        except errors.StatusError as exc:
            if not errors.is_not_found(exc):
                raise
            self._written.get(svc.key(), {}).pop(sl.name, None)
            return
        self._written.setdefault(svc.key(), {})[sl.name] = None  # ExpectDeletion


def _rv(obj) -> int:
    return int(obj.metadata.resource_version or 0)


def _slice_to_fill(slices, n: int, max_per_slice: int):
    """utils.go getSliceToFill: the slice that is closest to full once ``n`` endpoints join."""
    closest, best = max_per_slice, None
    for sl in slices:
        diff = max_per_slice - (n + len(sl.endpoints or ()))
        if 0 <= diff < closest:
            closest, best = diff, sl
            if diff == 0:
                return best
    return best


def _is_placeholder_of(sl: EndpointSlice, placeholder: EndpointSlice) -> bool:
    """reconciler.go placeholderSliceCompare: namespace, labels, owner references, address type,
    no endpoints and no ports."""
    return (sl.metadata.namespace == placeholder.metadata.namespace
            and (sl.metadata.labels or {}) == (placeholder.metadata.labels or {})
            and [o.uid for o in sl.metadata.owner_references or ()] == [o.uid for o in placeholder.metadata.owner_references]
            and sl.address_type == placeholder.address_type and not sl.endpoints and not sl.ports)


def _add_trigger_time(sl: EndpointSlice, trigger: Optional[float]) -> None:
    """utils.go addTriggerTimeAnnotation: set it, or clear it when there is no new trigger time."""
    ann = dict(sl.metadata.annotations or {})
    if trigger is not None:
        ann[TRIGGER_TIME_ANNOTATION] = rfc3339(trigger)  # RFC3339Nano of a whole second
    else:
        ann.pop(TRIGGER_TIME_ANNOTATION, None)
    sl.metadata.annotations = ann or None


def _namespace_terminating(exc: errors.StatusError) -> bool:
    """errors.HasStatusCause(err, NamespaceTerminatingCause)."""
    details = (exc.status or {}).get("details") or {}
    return any(c.get("type") == "NamespaceTerminating" for c in details.get("causes") or ())

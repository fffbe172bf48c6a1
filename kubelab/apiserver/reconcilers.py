"""kube-apiserver's lease endpoint reconciler: the ``kubernetes`` Service's Endpoints and
EndpointSlice list every live API server.

pkg/controlplane/reconcilers/lease.go (``--endpoint-reconciler-type=lease``, the default): every
``EndpointInterval`` (10 s, pkg/controlplane/instance.go) each API server refreshes its key
``/registry/masterleases/<advertise address>`` under an etcd lease of 15 s (``masterLeases``'
``leaseTime``, pkg/controlplane/apiserver/options: EndpointReconcilerTTL... 15 s), then lists the
keys and, when the ``kubernetes`` Endpoints in ``default`` differ from them, rewrites its one subset
(addresses sorted, port ``https`` 6443/TCP) with the label ``endpointslice.kubernetes.io/skip-mirror``
— the EndpointSlice mirroring controller leaves it alone; the reconciler writes the EndpointSlice
``kubernetes`` itself (pkg/controlplane/reconcilers/endpointsadapter.go). A master that stops stops
refreshing its key; the key expires and the next reconcile of a live server drops its address.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from kubelab.api.base import rfc3339
from kubelab.api.scheme import decode

from . import storage

MASTER_LEASES_PREFIX = "/registry/masterleases/"
LEASE_TTL = 15  # seconds
INTERVAL = 10.0  # EndpointInterval
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
SERVICE = "kubernetes"
PORTS = [{"name": "https", "port": 6443, "protocol": "TCP"}]


def endpoints_subsets(ips: list[str]) -> list[dict[str, Any]]:
    """The one subset the reconciler writes (lexicographic order, as RepackSubsets keeps it)."""
    return [{"addresses": [{"ip": ip} for ip in sorted(ips)], "ports": [dict(p) for p in PORTS]}]


def endpoint_slice_from_endpoints(ips: list[str]) -> dict[str, Any]:
    """endpointsadapter.go endpointSliceFromEndpoints: name and service-name label of the
    Endpoints, IPv4, every address ready."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": SERVICE, "namespace": "default", "labels": {SERVICE_NAME_LABEL: SERVICE}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in sorted(ips)],
            "ports": [dict(p) for p in PORTS]}


class LeaseEndpointReconciler:
    """One API server's reconciler (``server.advertise_address`` is its IP)."""

    def __init__(self, server: Any, ip: str):
        self.server = server
        self.ip = ip
        self.sim = server.sim
        self._timer = None

    def start(self) -> None:
        self.sim.spawn(self._reconcile(), name=f"{self.server.name}/lease-endpoint-reconciler")
        self._timer = self.sim.every(INTERVAL, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        if self.server.running:
            self.sim.spawn(self._reconcile(), name=f"{self.server.name}/lease-endpoint-reconciler")

    def _reconcile(self):
        try:
            yield from self._update_lease()
            kvs, _ = yield self.server.storage.list(MASTER_LEASES_PREFIX)
            ips = sorted(k[len(MASTER_LEASES_PREFIX):] for k, _, _ in kvs)
            if not ips:  # "refusing to erase all endpoints for the kubernetes service"
                return
            yield from self._ensure("Endpoints", self._endpoints(ips))
            yield from self._ensure("EndpointSlice", endpoint_slice_from_endpoints(ips))
        except Exception:  # noqa: BLE001 — etcd away or a race with another server: the next tick retries
            return

    def _update_lease(self):
        """storageLeases.UpdateLease: the key holds an Endpoints naming this server, under a
        fresh 15 s etcd lease."""
        client = self.server.storage.client
        value = json.dumps({"kind": "Endpoints", "apiVersion": "v1",
                            "metadata": {"name": self.ip, "creationTimestamp": None},
                            "subsets": [{"addresses": [{"ip": self.ip}]}]}).encode()
        lease = 0
        if hasattr(client, "lease_grant_async"):
            resp = yield client.lease_grant_async(LEASE_TTL)
            lease = resp.ID
        yield client.put_async(MASTER_LEASES_PREFIX + self.ip, value, lease=lease)

    def _endpoints(self, ips: list[str]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": SERVICE, "namespace": "default", "labels": {SKIP_MIRROR_LABEL: "true"}},
                "subsets": endpoints_subsets(ips)}

    def _ensure(self, kind: str, want: dict[str, Any]):
        """Create the object, or rewrite it when its content differs (labels, subsets/endpoints, ports)."""
        server = self.server
        cur: Optional[Any] = server.caches[kind].get("default", SERVICE)
        obj = decode(want)
        cls = type(obj)
        key = storage.object_key(cls, "default", SERVICE)
        if cur is None:
            obj.metadata.uid = server._new_uid()
            obj.metadata.creation_timestamp = rfc3339(self.sim.now)
            yield server.storage.create(key, storage.encode(obj))
            return
        have = storage.encode(cur)
        new = cur.copy_deep()
        for field in ("subsets", "endpoints", "ports", "address_type"):
            if hasattr(obj, field):
                setattr(new, field, getattr(obj, field))
        new.metadata.labels = dict(obj.metadata.labels or {})  # "Ensure correct labels": exactly these
        if storage.encode(new) == have:
            return
        new.metadata.resource_version = None
        yield server.storage.update(key, storage.encode(new), int(cur.metadata.resource_version))


__all__ = ["LeaseEndpointReconciler", "MASTER_LEASES_PREFIX", "endpoint_slice_from_endpoints", "endpoints_subsets"]

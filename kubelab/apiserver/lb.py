"""The load balancer in front of the API servers (kubeadm's controlPlaneEndpoint).

Round robin over the backends that pass the health check (``/readyz``: running, caches
synced, reachable from the load balancer). Clients on workers (kubelets) and users reach
the control plane through it; components on a master talk to their local API server.
"""

from __future__ import annotations

from typing import Optional

from kubelab.sim import Network

from .server import APIServer


class LoadBalancer:
    def __init__(self, network: Network, host: str = "lb", backends: Optional[list[APIServer]] = None):
        self.network = network
        self.host = host
        self.backends: list[APIServer] = list(backends or [])
        self._next = 0
        self.routed: dict[str, int] = {}

    def __repr__(self) -> str:
        healthy = sum(1 for b in self.backends if self.healthy(b))
        return f"<LoadBalancer {self.host} {healthy}/{len(self.backends)} backends healthy>"

    def add(self, server: APIServer) -> None:
        self.backends.append(server)

    def remove(self, server: APIServer) -> None:
        self.backends = [b for b in self.backends if b is not server]

    def healthy(self, server: APIServer) -> bool:
        return server.ready and self.network.can_reach(self.host, server.host) and \
            self.network.can_reach(server.host, self.host)

    def pick(self, client_host: str, advance: bool = True) -> Optional[APIServer]:
        """The next healthy backend for a request from ``client_host``. ``advance=False``
        answers without moving the round robin or counting a request (an inspection)."""
        if not self.network.can_reach(client_host, self.host):
            return None
        n = len(self.backends)
        for i in range(n):
            b = self.backends[(self._next + i) % n]
            if self.healthy(b):
                if not advance:
                    return b
                self._next = (self._next + i + 1) % n
                self.routed[b.name] = self.routed.get(b.name, 0) + 1
                return b
        return None

import pytest

from kubelab.apiserver import APIServer
from kubelab.apiserver.storage import DirectKVClient
from kubelab.client import APIClient
from kubelab.sim import Network, Simulator


class World:
    """An API server on one in-process keyspace, and a client to talk to it."""

    def __init__(self):
        self.sim = Simulator(seed=1, strict=True)
        self.net = Network(self.sim)
        self.etcd = DirectKVClient(self.sim)
        self.server = APIServer(self.sim, self.net, "master-1", self.etcd)
        self.sim.run_until(self.server.start())
        self.client = APIClient(self.sim, self.net, "user", lambda host: self.server)

    def do(self, ev):
        return self.sim.run_until(ev, limit=60)


@pytest.fixture
def world():
    return World()

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
        # what kube-controller-manager's service account controller would have made (the
        # ServiceAccount admission plugin refuses pods without it), stored without a request
        from kubelab.api.core import ServiceAccount
        from kubelab.apiserver import storage

        sa = ServiceAccount.model_validate({"metadata": {"name": "default", "namespace": "default", "uid": "sa-default"}})
        self.do(self.server.storage.create(storage.object_key(ServiceAccount, "default", "default"), storage.encode(sa)))
        self.sim.run_for(0.01)  # the watch cache sees it

    def do(self, ev):
        return self.sim.run_until(ev, limit=60)


@pytest.fixture
def world():
    return World()

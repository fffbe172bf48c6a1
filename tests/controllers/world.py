"""A small world for controller tests: the real API server on the direct KV store, a
client, shared informers, the controllers under test, and a fake scheduler + kubelet
that bind pods round-robin, mark them Running/Ready after ``start_delay`` and finish
graceful deletions after ``stop_delay``."""

from __future__ import annotations

from kubelab.api import decode
from kubelab.api.base import rfc3339
from kubelab.api.core import Pod, PodCondition
from kubelab.apiserver import APIServer
from kubelab.apiserver.storage import DirectKVClient
from kubelab.client import APIClient, SharedInformerFactory
from kubelab.controllers.base import ControllerContext
from kubelab.sim import Network, Simulator


class World:
    def __init__(self, seed: int = 1, nodes=("n1", "n2", "n3"), start_delay: float = 2.0,
                 stop_delay: float = 1.0, kubelet: bool = True):
        self.sim = Simulator(seed=seed, strict=False)
        self.net = Network(self.sim)
        self.server = APIServer(self.sim, self.net, "master-1", DirectKVClient(self.sim))
        self.sim.run_until(self.server.start())
        self.client = APIClient(self.sim, self.net, "master-1", lambda h: self.server)
        self._default_service_account()
        self.informers = SharedInformerFactory(self.client)
        self.ctx = ControllerContext(self.sim, self.client, self.informers, host="master-1")
        self.start_delay, self.stop_delay = start_delay, stop_delay
        self.nodes = list(nodes)
        self.down: set[str] = set()   # nodes whose fake kubelet does nothing
        self.fail_pods: set[str] = set()  # name prefixes whose pods fail (jobs)
        self.succeed_after: dict[str, float] = {}  # name prefix -> seconds until Succeeded
        self._rr = 0
        self.history: list[tuple[float, str, str, str]] = []  # (t, type, key, phase/ready)
        self.controllers = []
        for n in self.nodes:
            self.create(decode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "labels": {"kubernetes.io/hostname": n}},
                                "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
        self._hb = self.sim.every(10.0, self._heartbeat) if kubelet else None
        if kubelet:
            self.pods = SharedInformerFactory(self.client).informer(Pod)
            self.pods.add_event_handler(self._on_pod, lambda o, n: self._on_pod(n), None)
            self.pods.start()

    def _default_service_account(self) -> None:
        """What the service account controller would have made (the ServiceAccount admission
        plugin refuses pods without it), stored directly: no request, no uid drawn."""
        from kubelab.api.core import ServiceAccount
        from kubelab.apiserver import storage

        sa = ServiceAccount.model_validate({"metadata": {"name": "default", "namespace": "default", "uid": "sa-default"}})
        self.sim.run_until(self.server.storage.create(storage.object_key(ServiceAccount, "default", "default"),
                                                      storage.encode(sa)))
        self.sim.run_for(0.01)

    # -- helpers ---------------------------------------------------------------------------
    def run(self, seconds: float) -> None:
        self.sim.run_for(seconds)

    def call(self, ev):
        return self.sim.run_until(ev)

    def create(self, obj):
        if isinstance(obj, dict):
            obj = decode(obj)
        return self.call(self.client.create(obj))

    def get(self, kind, name, ns="default"):
        return self.call(self.client.get(kind, name, ns))

    def list(self, kind, ns=None):
        return self.call(self.client.list(kind, ns)).items

    def start(self, *controller_classes):
        for cls in controller_classes:
            self.controllers.append(cls(self.ctx))
        self.informers.start()
        for c in self.controllers:
            c.start()
        return self.controllers

    def events(self, reason=None):
        evs = self.list("Event")
        evs.sort(key=lambda e: (e.first_timestamp or "", e.metadata.name))
        return [e for e in evs if reason is None or e.reason == reason]

    # -- the fake scheduler + kubelet -----------------------------------------------------
    def _on_pod(self, pod: Pod) -> None:
        if pod.metadata.deletion_timestamp is not None:
            if pod.spec.node_name in self.down:
                return
            self.sim.call_later(self.stop_delay, self._finish_delete, pod.name, pod.namespace, pod.uid)
            return
        if not pod.spec.node_name:
            node = self._pinned(pod)
            if node is None:
                node = self.nodes[self._rr % len(self.nodes)]
                self._rr += 1
            elif node not in self.nodes:
                return
            ev = self.client.bind(pod.name, pod.namespace, node)
            ev.add_callback(lambda e: setattr(e, "defused", True))
            return
        if pod.status.phase == "Pending" and pod.spec.node_name not in self.down:
            self.sim.call_later(self.start_delay, self._start, pod.name, pod.namespace, pod.uid)

    def _heartbeat(self):
        """The kubelets' node Leases in kube-node-lease, renewed every 10 s."""
        from kubelab.api.base import rfc3339_micro
        from kubelab.api.coordination import Lease

        def renew(n):
            try:
                lease = (yield self.client.get(Lease, n, "kube-node-lease")).copy_deep()  # responses share the server's cache: copy
                lease.spec.renew_time = rfc3339_micro(self.sim.now)
                yield self.client.update(lease)
            except Exception:
                lease = decode({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                "metadata": {"name": n, "namespace": "kube-node-lease"},
                                "spec": {"holderIdentity": n, "leaseDurationSeconds": 40,
                                         "renewTime": rfc3339_micro(self.sim.now)}})
                try:
                    yield self.client.create(lease)
                except Exception:
                    pass
        for n in self.nodes:
            if n not in self.down:
                self.sim.spawn(renew(n), name=f"fake-kubelet/{n}/lease")

    @staticmethod
    def _pinned(pod):
        """A required node affinity on metadata.name (DaemonSet pods)."""
        na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
        req = na.required_during_scheduling_ignored_during_execution if na else None
        for term in (req.node_selector_terms if req else []):
            for f in term.match_fields or ():
                if f.key == "metadata.name" and f.values:
                    return f.values[0]
        return None

    def _finish_delete(self, name, ns, uid):
        ev = self.client.delete(Pod, name, ns, grace_period_seconds=0, preconditions={"uid": uid})
        ev.add_callback(lambda e: setattr(e, "defused", True))

    def _start(self, name, ns, uid):
        def proc():
            try:
                pod = (yield self.client.get(Pod, name, ns)).copy_deep()  # responses share the server's cache: copy
            except Exception:
                return
            if pod.uid != uid or pod.status.phase != "Pending" or pod.metadata.deletion_timestamp:
                return
            if pod.spec.node_name in self.down:
                return
            now = rfc3339(self.sim.now)
            pod.status.phase = "Running"
            pod.status.pod_ip = f"10.0.{self._rr % 250}.{abs(hash(name)) % 250}"
            self._rr += 1
            pod.status.conditions = [PodCondition(type="PodScheduled", status="True"),
                                     PodCondition(type="Ready", status="True", last_transition_time=now)]
            for prefix, after in self.succeed_after.items():
                if name.startswith(prefix):
                    self.sim.call_later(after, self._terminate, name, ns, uid, "Succeeded")
            for prefix in self.fail_pods:
                if name.startswith(prefix):
                    self.sim.call_later(1, self._terminate, name, ns, uid, "Failed")
            try:
                yield self.client.update_status(pod)
            except Exception:
                self.sim.call_later(0.5, self._start, name, ns, uid)
        self.sim.spawn(proc(), name=f"fake-kubelet/{name}")

    def _terminate(self, name, ns, uid, phase):
        def proc():
            try:
                pod = (yield self.client.get(Pod, name, ns)).copy_deep()  # responses share the server's cache: copy
            except Exception:
                return
            if pod.uid != uid:
                return
            pod.status.phase = phase
            pod.status.conditions = [PodCondition(type="Ready", status="False")]
            try:
                yield self.client.update_status(pod)
            except Exception:
                self.sim.call_later(0.5, self._terminate, name, ns, uid, phase)
        self.sim.spawn(proc(), name=f"fake-kubelet/{name}/end")

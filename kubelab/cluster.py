"""The cluster a user builds cell by cell: masters (control plane), etcd, workers.

    cluster = Cluster(masters=3, etcd="stacked", seed=7)
    cluster.add_node(BareMetal("metal-1", cpu="64", memory="256Gi"))
    cluster.apply(manifest_text)
    cluster.run(seconds=30)

Everything runs on one simulated clock (``cluster.sim``). The user reaches the control
plane as kubectl does: through the load balancer in front of the API servers. Writes
advance the clock until the API server answers; reads (``get``, ``list``, ``kubectl get``)
look at an API server's cache and change nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional, Union

import yaml

from kubelab.api import errors
from kubelab.api.core import Event as KEvent
from kubelab.api.core import Namespace, Service
from kubelab.api.meta import KubeObject, ObjectMeta
from kubelab.api.scheme import DecodeError, decode
from kubelab.apiserver.lb import LoadBalancer
from kubelab.apiserver.server import APIServer
from kubelab.client import APIClient, ClientError
from kubelab.client.rest import resolve_kind
from kubelab.etcd import EtcdCluster
from kubelab.node import Kubelet, Machine
from kubelab.node.machines import CloudInstance
from kubelab.sim import Network, Simulator

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
USER_HOST = "kubectl"  # where the user's requests come from (outside the cluster)


class Master:
    """A control-plane machine: kube-apiserver, kube-scheduler, kube-controller-manager
    (and cloud-controller-manager on a cloud), plus an etcd member when etcd is stacked."""

    def __init__(self, cluster: "Cluster", name: str):
        self.cluster = cluster
        self.name = name
        self.host = name
        self.apiserver: Optional[APIServer] = None
        self.replicas: list[APIServer] = []  # extra kube-apiserver replicas (the autoscaler's)
        self.scheduler: Any = None
        self.controller_manager: Any = None
        self.cloud_controller_manager: Any = None
        self.running = False

    @property
    def etcd_member(self):
        etcd = self.cluster.etcd
        for m in etcd.members:
            if m.host == self.host:
                return m
        return None

    @property
    def components(self) -> list[Any]:
        return [c for c in (self.apiserver, self.scheduler, self.controller_manager, self.cloud_controller_manager)
                if c is not None]

    def __repr__(self) -> str:
        return f"<Master {self.name} {'running' if self.running else 'stopped'}>"

    def _repr_html_(self) -> str:
        from kubelab.viz import html

        return html.master_html(self)


class Cluster:
    """A simulated Kubernetes cluster: ``masters`` control-plane machines (etcd ``stacked`` on
    them or ``external``), the workers you add, one deterministic clock seeded by ``seed``.
    ``cloud="auto"`` runs a cloud-controller-manager against a simulated cloud once a cloud
    instance joins; ``cloud=None`` never does (a bare-metal cluster); ``cloud="aws"`` always."""

    def __init__(self, masters: int = 1, etcd: str = "stacked", etcd_members: Optional[int] = None,
                 seed: int = 0, cloud: Optional[str] = "auto", latency: float = 0.0005,
                 scheduler_config: Any = None):
        if masters < 1:
            raise ValueError("a cluster needs at least one master")
        if etcd not in ("stacked", "external"):
            raise ValueError('etcd must be "stacked" (members on the masters) or "external"')
        self.seed = seed
        self.sim = Simulator(seed)
        self.network = Network(self.sim, default_latency=latency)
        self.etcd_topology = etcd
        self.cloud = cloud
        self.scheduler_config = scheduler_config
        self.masters: list[Master] = [Master(self, f"master-{i}") for i in range(1, masters + 1)]
        if etcd == "stacked":
            n = etcd_members or masters
            if n != masters:
                raise ValueError("stacked etcd runs one member on each master: leave etcd_members unset")
            hosts = [m.host for m in self.masters]
        else:
            n = etcd_members or 3
            hosts = [f"etcd-{i}" for i in range(1, n + 1)]
        # kubeadm's etcd: TLS everywhere, --client-cert-auth and --peer-client-cert-auth on,
        # certificates from the etcd CA (/etc/kubernetes/pki/etcd/ca.crt)
        self.etcd = EtcdCluster(n, seed=seed, sim=self.sim, network=self.network, hosts=hosts,
                                client_cert_auth=True, peer_client_cert_auth=True)
        # the API servers' client certificate (kubeadm's apiserver-etcd-client.crt)
        self.apiserver_etcd_cert = self.etcd.ca.issue_client("kube-apiserver-etcd-client")
        self.lb = LoadBalancer(self.network, "lb")
        self.nodes: dict[str, Machine] = {}
        self.kubelets: dict[str, Kubelet] = {}
        self._user = APIClient(self.sim, self.network, USER_HOST, lambda h: self.lb.pick(h), "kubectl")
        self._cloud_provider = None
        self._etcdctl_cert = None
        for m in self.masters:
            self._start_master(m)
        self._bootstrap()

    # -- building ---------------------------------------------------------------------------
    def _local_resolver(self, master: Master):
        return lambda host: master.apiserver if master.apiserver is not None and master.apiserver.running else None

    def _etcd_client_for(self, m: Master):
        """An API server's etcd client: from its master, with its client certificate."""
        return self.etcd.client(host=m.host, cert=self.apiserver_etcd_cert)

    def etcd_client(self, host: str = "master-1"):
        """An etcdctl on a master, with kubeadm's healthcheck-client certificate (what
        ``etcdctl --cert ... --key ... --cacert ...`` would use). ``cluster.etcd.client()``
        has no certificate, and a member refuses it."""
        if self._etcdctl_cert is None:
            self._etcdctl_cert = self.etcd.ca.issue_client("kube-etcd-healthcheck-client")
        return self.etcd.client(host=host, cert=self._etcdctl_cert)

    def _start_master(self, m: Master) -> None:
        m.running = True
        self.network.start(m.host)
        if m.apiserver is None:
            m.apiserver = APIServer(self.sim, self.network, m.host, self._etcd_client_for(m),
                                    name=f"kube-apiserver-{m.name}")
            self.lb.add(m.apiserver)
        m.apiserver.start()
        self._start_control_plane_components(m)
        self.sim.trace.record(m.name, "MasterStarted", f"{m.name} is up")

    def _start_control_plane_components(self, m: Master) -> None:
        """kube-scheduler and kube-controller-manager (and the cloud-controller-manager) as
        static pods on the master, each talking to the local API server."""
        from kubelab.components import start_control_plane

        start_control_plane(self, m)

    def _bootstrap(self) -> None:
        """What the API server's bootstrap controller and kubeadm create: the system
        namespaces and the ``kubernetes`` Service."""
        self.sim.run_until(self.masters[0].apiserver.start(), limit=60)  # the caches synced
        self._wait_ready()
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self._write(lambda ns=ns: self._user.create(Namespace(metadata=ObjectMeta(name=ns))), ignore_exists=True)
        svc = Service.model_validate({
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        })
        self._write(lambda: self._user.create(svc), ignore_exists=True)

    def _wait_ready(self, limit: float = 60.0) -> None:
        end = self.sim.now + limit
        while self.lb.pick(USER_HOST) is None and self.sim.now < end:
            self.sim.run_for(0.1)

    def add_node(self, machine: Machine) -> Machine:
        """Join a worker: its kubelet registers the Node and starts taking pods."""
        if machine.name in self.nodes or any(m.name == machine.name for m in self.masters):
            raise ValueError(f"a machine named {machine.name!r} is already in the cluster")
        machine.index = len(self.nodes) + 1
        self.nodes[machine.name] = machine
        cloud = None
        if isinstance(machine, CloudInstance):
            cloud = self.cloud_provider
            if cloud is None and self.cloud == "auto":
                cloud = self._make_cloud(machine.provider, machine.region)
            if cloud is not None and cloud.name != machine.provider:
                cloud = None  # an instance of another cloud joins like any other machine
        if cloud is not None:
            cloud.add_instance(machine.name, machine.instance_type, machine.zone, machine.internal_ip())
        external = cloud is not None
        legacy = isinstance(machine, CloudInstance) and not external
        client = APIClient(self.sim, self.network, machine.name, lambda h: self.lb.pick(h), f"kubelet/{machine.name}")
        kubelet = Kubelet(self.sim, client, machine, cloud_provider_external=external, legacy_cloud_labels=legacy)
        self.kubelets[machine.name] = kubelet
        self.network.start(machine.name)
        kubelet.start()
        self.sim.trace.record(machine.name, "NodeJoined", machine.describe())
        return machine

    @property
    def cloud_provider(self):
        """The simulated cloud, when the cluster runs on one (``cloud="aws"``, or ``"auto"``
        and a cloud instance has joined)."""
        if self._cloud_provider is None and self.cloud not in (None, "auto"):
            self._make_cloud(self.cloud)
        return self._cloud_provider

    def _make_cloud(self, name: str, region: Optional[str] = None):
        from kubelab.components import make_cloud_provider

        return make_cloud_provider(self, name, region)

    # -- time -------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    def run(self, seconds: float = 10.0) -> "Cluster":
        """Advance simulated time."""
        self.sim.run_for(seconds)
        return self

    # -- the user's verbs -------------------------------------------------------------------
    def _server(self) -> APIServer:
        # looking changes nothing: a read does not move the load balancer's round robin
        s = self.lb.pick(USER_HOST, advance=False)
        if s is None:
            raise ClientError("The connection to the server lb:6443 was refused - did you specify the right host or port?")
        return s

    def _write(self, make_request, ignore_exists: bool = False, limit: float = 120.0):
        ev = make_request()
        try:
            return self.sim.run_until(ev, limit=limit)
        except errors.StatusError as exc:
            if ignore_exists and errors.is_already_exists(exc):
                return None
            raise

    def get(self, kind: Union[str, type[KubeObject]], name: str, namespace: str = "default") -> KubeObject:
        cls = resolve_kind(kind)
        return self._server().read(cls, name, namespace if cls.NAMESPACED else None)

    def list(self, kind: Union[str, type[KubeObject]], namespace: Optional[str] = None,
             label_selector: Optional[str] = None, field_selector: Optional[str] = None) -> list[KubeObject]:
        cls = resolve_kind(kind)
        return self._server().read_list(cls, namespace, label_selector, field_selector).items

    def create(self, obj: KubeObject) -> KubeObject:
        return self._write(lambda: self._user.create(obj))

    def update(self, obj: KubeObject) -> KubeObject:
        return self._write(lambda: self._user.update(obj))

    def patch(self, kind, name: str, patch: Any, namespace: str = "default", patch_type: str = "strategic") -> KubeObject:
        cls = resolve_kind(kind)
        return self._write(lambda: self._user.patch(cls, name, namespace if cls.NAMESPACED else None, patch, patch_type))

    def delete(self, kind, name: str, namespace: str = "default", propagation_policy: Optional[str] = None,
               grace_period_seconds: Optional[int] = None) -> KubeObject:
        cls = resolve_kind(kind)
        return self._write(lambda: self._user.delete(cls, name, namespace if cls.NAMESPACED else None,
                                                     propagation_policy, grace_period_seconds))

    def scale(self, kind, name: str, replicas: int, namespace: str = "default") -> KubeObject:
        return self.patch(kind, name, {"spec": {"replicas": replicas}}, namespace, "merge")

    def apply(self, manifest: Any, namespace: Optional[str] = None) -> list[str]:
        """``kubectl apply``: YAML or JSON text (multi-document), a file path, a dict, a list,
        or a model. Creates what is missing, updates what exists (three-way merge against
        the last-applied-configuration annotation). Returns kubectl's lines
        (``deployment.apps/web created``)."""
        out = []
        for doc in parse_manifests(manifest):
            out.append(self._apply_one(doc, namespace))
        return out

    def _apply_one(self, doc: dict, namespace: Optional[str]) -> str:
        try:
            obj = decode(doc)
        except DecodeError as exc:
            if exc.kind is None or "no matches for kind" in exc.message:
                raise ManifestError(_kubectl_decode_message(exc, doc)) from None
            raise errors.new_bad_request(exc.message) from None
        cls = type(obj)
        ns = (obj.metadata.namespace or namespace or "default") if cls.NAMESPACED else None
        name = obj.metadata.name
        what = f"{cls.KIND.lower()}{'.' + cls.GROUP if cls.GROUP else ''}/{name}"  # kubectl's resource/name
        applied = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        if name:
            try:
                current = self._server().read(cls, name, ns)
            except errors.StatusError:
                current = None
        else:
            current = None
        if current is None:
            body = dict(doc)
            meta = dict(body.get("metadata") or {})
            meta["annotations"] = {**(meta.get("annotations") or {}), LAST_APPLIED: applied + "\n"}
            if cls.NAMESPACED:
                meta["namespace"] = ns
            body["metadata"] = meta
            created = self._write(lambda: self._user.create(decode(body), ns))
            return f"{what.split('/')[0]}/{created.metadata.name} created"
        last = json.loads((current.metadata.annotations or {}).get(LAST_APPLIED, "null") or "null")
        patch = three_way_patch(last, doc)
        patch.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = applied + "\n"
        before = current.metadata.resource_version
        updated = self._write(lambda: self._user.patch(cls, name, ns, patch, "strategic"))
        return f"{what} {'unchanged' if updated.metadata.resource_version == before else 'configured'}"

    def events(self, obj: Optional[KubeObject] = None, namespace: Optional[str] = None) -> list[KEvent]:
        """Events, oldest first; only those about ``obj`` when given."""
        evs = self.list(KEvent, namespace)
        if obj is not None:
            evs = [e for e in evs if e.involved_object.uid == obj.metadata.uid or (
                e.involved_object.name == obj.metadata.name and e.involved_object.kind == obj.KIND
                and (e.involved_object.namespace or None) == (obj.metadata.namespace or None))]
        return sorted(evs, key=lambda e: (e.last_timestamp or "", e.metadata.name))

    def kubectl(self, args: str, stdin: Optional[str] = None):
        """Run a kubectl command against the cluster (``stdin`` feeds ``apply -f -``); the
        output shows as plain text in a cell and carries kubectl's exit code."""
        from kubelab.kubectl.cli import Kubectl

        return Kubectl(self)(args, stdin=stdin)

    def serve(self, mode: str = "paused", speed: float = 1.0, host: str = "127.0.0.1", port: int = 0,
              kubeconfig: Optional[str] = None):
        """Serve the Kubernetes API over HTTPS for the real kubectl and client libraries; returns
        a handle with ``url``, ``kubeconfig`` and the ``export KUBECONFIG=...`` line. In a
        notebook it runs on the kernel's event loop (answering between cells); elsewhere on
        one background thread, which then owns the cluster: use ``handle.call(fn)`` /
        ``handle.run(seconds)`` to touch it. ``mode="live"`` lets the clock follow wall
        time x ``speed`` while idle. See :mod:`kubelab.http`."""
        import asyncio

        from kubelab.http import FrontDoor, HTTPSServer

        door = FrontDoor(self.sim, self.network, self.lb.pick, USER_HOST, metrics=self.metrics)
        server = HTTPSServer(door, self.sim, host=host, port=port, mode=mode, speed=speed, kubeconfig=kubeconfig)
        try:
            return server.start(asyncio.get_running_loop())
        except RuntimeError:
            return server.start_thread()

    def metrics(self, kind: str, namespace: Optional[str] = None) -> dict[str, dict[str, str]]:
        """What metrics-server serves (metrics.k8s.io) from the kubelets' resource usage, for
        ``kubectl top``: node name, or ``namespace/name`` for pods, to ``{"cpu", "memory"}``.
        A stopped or hung node reports nothing, as its kubelet cannot be scraped."""
        out: dict[str, dict[str, str]] = {}
        for name, kubelet in self.kubelets.items():
            if not kubelet.running or kubelet.hung:
                continue
            if kind == "Node":
                u = kubelet.node_usage()
                out[name] = {"cpu": f"{u['cpu']}m", "memory": f"{u['memory'] // 1024}Ki"}
            else:
                for key, u in kubelet.pod_usage().items():
                    if namespace is None or key.split("/", 1)[0] == namespace:
                        out[key] = {"cpu": f"{u['cpu']}m", "memory": f"{u['memory'] // 1024}Ki"}
        return out

    # -- components -------------------------------------------------------------------------
    @property
    def scheduler(self):
        """The kube-scheduler that holds the leader lease (the first one if none does yet)."""
        scheds = [m.scheduler for m in self.masters if m.scheduler is not None and m.running]
        for s in scheds:
            if getattr(s, "is_leader", False):
                return s
        return scheds[0] if scheds else None

    def register_scheduler_plugin(self, plugin: Any, point: str = "filter", weight: int = 1,
                                  profile: str = "default-scheduler", name: Optional[str] = None) -> None:
        """Add a Filter or Score plugin (a function or a small class from a notebook cell) to
        the kube-scheduler on every master, so it stays in force after a failover."""
        for m in self.masters:
            if m.scheduler is not None:
                m.scheduler.register_plugin(plugin, point=point, weight=weight, profile=profile, name=name)

    @property
    def controller_manager(self):
        cms = [m.controller_manager for m in self.masters if m.controller_manager is not None and m.running]
        for c in cms:
            if getattr(c, "leading", False):
                return c
        return cms[0] if cms else None

    @property
    def apiservers(self) -> list[APIServer]:
        return [s for m in self.masters for s in ([m.apiserver] if m.apiserver else []) + m.replicas]

    def master(self, name: str) -> Master:
        for m in self.masters:
            if m.name == name:
                return m
        raise KeyError(name)

    # -- growing and shrinking the control plane ------------------------------------------------
    def add_master(self, name: Optional[str] = None) -> Master:
        """Join another control-plane machine while the cluster runs (``kubeadm join
        --control-plane``): with stacked etcd its member is added first, then its API server
        joins the load balancer and its scheduler and controller manager stand by for the
        leases."""
        n = len(self.masters) + 1
        while name is None or any(m.name == name for m in self.masters):
            name, n = f"master-{n}", n + 1
        m = Master(self, name)
        self.network.start(m.host)
        if self.etcd_topology == "stacked":
            self.etcd.add_member(host=m.host)
        self.masters.append(m)
        self._start_master(m)
        end = self.sim.now + 60
        while not m.apiserver.ready and self.sim.now < end:  # its caches sync from etcd
            self.sim.run_for(0.1)
        return m

    def remove_master(self, name: str) -> None:
        """``kubeadm reset`` on a master: its components stop, its API server leaves the load
        balancer and (stacked) its etcd member is removed from the cluster first."""
        m = self.master(name)
        if len(self.masters) == 1:
            raise ValueError("cannot remove the last master")
        member = m.etcd_member
        if member is not None and not member.removed:
            self.etcd.remove_member(member)
        from kubelab.components import stop_machine

        stop_machine(self, name)
        for server in [m.apiserver, *m.replicas]:
            if server is not None:
                self.lb.remove(server)
        self.masters.remove(m)
        self.sim.trace.record(name, "MasterRemoved", f"{name} left the control plane")

    # -- API server load and scale -------------------------------------------------------------
    def add_apiserver_replica(self) -> APIServer:
        """Start one more kube-apiserver on the least loaded running master."""
        masters = [m for m in self.masters if m.running]
        if not masters:
            raise RuntimeError("no running master to start an API server on")
        m = min(masters, key=lambda x: (1 + len(x.replicas), x.name))
        server = APIServer(self.sim, self.network, m.host, self._etcd_client_for(m),
                           name=f"kube-apiserver-{m.name}-{len(m.replicas) + 2}")
        m.replicas.append(server)
        server.start()
        self.lb.add(server)
        self.sim.trace.record(server.name, "APIServerScaledOut", f"replica started on {m.name}")
        return server

    def remove_apiserver_replica(self) -> Optional[APIServer]:
        """Stop the newest extra replica (the masters' own API servers always stay)."""
        for m in sorted(self.masters, key=lambda x: (-len(x.replicas), x.name)):
            if m.replicas:
                server = m.replicas.pop()
                self.lb.remove(server)
                server.stop()
                self.sim.trace.record(server.name, "APIServerScaledIn", f"replica on {m.name} stopped")
                return server
        return None

    def load(self, qps: float = 100.0, clients: int = 10, write_ratio: float = 0.2):
        """Start a load generator against the API servers (``.stop()`` it, read ``.samples``)."""
        from kubelab.load import LoadGenerator

        return LoadGenerator(self, qps, clients, write_ratio).start()

    def autoscale_apiservers(self, target_utilization: float = 0.6, max_replicas: int = 9, period: float = 15.0):
        """Let API server replicas follow the load (see :mod:`kubelab.load`)."""
        from kubelab.load import APIServerAutoscaler

        self.apiserver_autoscaler = APIServerAutoscaler(self, target_utilization, None, max_replicas, period).start()
        return self.apiserver_autoscaler

    # -- faults -----------------------------------------------------------------------------
    def stop(self, name: str) -> None:
        """Power off a master, a worker or an etcd member by name."""
        from kubelab.components import stop_machine

        stop_machine(self, name)

    def start(self, name: str) -> None:
        """Power a stopped machine back on."""
        from kubelab.components import start_machine

        start_machine(self, name)

    def partition(self, *groups: Iterable[str]) -> None:
        """Cut every link between the groups of hosts (others stay connected to all)."""
        gs = [list(g) for g in groups]
        self.network.partition(*gs)
        self.sim.trace.record("network", "Partition", " | ".join(",".join(g) for g in gs))

    def cut(self, a: str, b: str, oneway: bool = False) -> None:
        self.network.cut(a, b, oneway)
        self.sim.trace.record("network", "LinkCut", f"{a} {'->' if oneway else '<->'} {b}")

    def heal(self, a: Optional[str] = None, b: Optional[str] = None) -> None:
        self.network.heal(a, b)
        self.sim.trace.record("network", "Healed", f"{a or 'all'} {b or ''}".strip())

    @property
    def trace(self):
        return self.sim.trace

    # -- display ----------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        pods = self.list("pods")
        phases: dict[str, int] = {}
        for p in pods:
            phases[p.status.phase or "Unknown"] = phases.get(p.status.phase or "Unknown", 0) + 1
        leader = self.etcd.leader
        return {
            "time": self.sim.now,
            "masters": [m.name for m in self.masters],
            "etcd": f"{len(self.etcd.members)} members ({self.etcd_topology}), leader {leader.name if leader else 'none'}",
            "nodes": {n: type(m).__name__ for n, m in self.nodes.items()},
            "pods": phases,
        }

    def __repr__(self) -> str:
        s = self.summary()
        kinds: dict[str, int] = {}
        for k in s["nodes"].values():
            kinds[k] = kinds.get(k, 0) + 1
        nodes = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) or "no workers"
        pods = ", ".join(f"{v} {k}" for k, v in sorted(s["pods"].items())) or "no pods"
        return (f"Cluster(seed={self.seed}, t={self.sim.now:.1f}s): {len(self.masters)} master(s), "
                f"etcd {s['etcd']}; workers: {nodes}; pods: {pods}")

    def _repr_html_(self) -> str:
        from kubelab.viz import html

        return html.cluster_html(self)

    def dashboard(self, **kw):
        """Play, pause, step, rewind and break the cluster with widgets (ipywidgets 8)."""
        from kubelab.viz.widgets import Dashboard

        return Dashboard(self, **kw)

    # -- views of the control plane (kubelab.viz.controlplane; loaded only when asked) ------------
    def control_plane(self):
        """Masters and their components, the load balancer, the leases, recent history."""
        from kubelab.viz.controlplane import control_plane

        return control_plane(self)

    def leases(self):
        """Which master holds the kube-scheduler / kube-controller-manager leases."""
        from kubelab.viz.controlplane import leases

        return leases(self)

    def load_balancer(self):
        from kubelab.viz.controlplane import load_balancer

        return load_balancer(self)

    def reconciliation(self, namespace: Optional[str] = None):
        """Desired vs actual for every workload, and the controller action closing the gap."""
        from kubelab.viz.controlplane import reconciliation

        return reconciliation(self, namespace)

    def reconciliation_graph(self, namespace: Optional[str] = None):
        from kubelab.viz.controlplane import reconciliation_graph

        return reconciliation_graph(self, namespace)

    def rollout(self, name: str, namespace: str = "default"):
        """A Deployment's rollout: old and new ReplicaSets, conditions, progress."""
        from kubelab.viz.controlplane import rollout

        return rollout(self, name, namespace)


class ManifestError(ValueError):
    """A manifest kubectl refuses before sending anything (bad YAML, unknown kind)."""


def _kubectl_decode_message(exc: DecodeError, doc: dict) -> str:
    if "no matches for kind" in exc.message:
        name = (doc.get("metadata") or {}).get("name", "")
        ns = (doc.get("metadata") or {}).get("namespace", "")
        # kubectl apply: resource mapping not found (k8s.io/cli-runtime resource/mapper.go)
        return (f'error: resource mapping not found for name: "{name}" namespace: "{ns}" from "STDIN": '
                f"{exc.message}\nensure CRDs are installed first")
    return f"error: {exc.message}"


def parse_manifests(manifest: Any) -> list[dict]:
    if isinstance(manifest, KubeObject):
        return [manifest.to_dict()]
    if isinstance(manifest, dict):
        if manifest.get("kind") == "List":
            return [dict(i) for i in manifest.get("items", [])]
        return [manifest]
    if isinstance(manifest, (list, tuple)):
        out = []
        for m in manifest:
            out.extend(parse_manifests(m))
        return out
    if isinstance(manifest, os.PathLike) or (isinstance(manifest, str) and "\n" not in manifest
                                              and manifest.endswith((".yaml", ".yml", ".json"))):
        with open(manifest) as f:
            manifest = f.read()
    if not isinstance(manifest, str):
        raise ManifestError(f"error: cannot apply a {type(manifest).__name__}")
    text = manifest.strip()
    try:
        if text.startswith("{") or text.startswith("["):
            docs = [json.loads(text)]
        else:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ManifestError(f"error: error parsing STDIN: {exc}") from None
    return parse_manifests(docs) if docs else []


def three_way_patch(last: Optional[dict], new: dict) -> dict:
    """kubectl apply's patch: the new configuration, plus ``null`` for every field that was
    in the last applied configuration and is gone now (so the server deletes it)."""
    def deletions(old: Any, cur: Any) -> Any:
        if not isinstance(old, dict) or not isinstance(cur, dict):
            return cur
        out = dict(cur)
        for k, v in old.items():
            if k not in cur:
                out[k] = None
            elif isinstance(v, dict) and isinstance(cur[k], dict):
                out[k] = deletions(v, cur[k])
        return out

    patch = deletions(last or {}, new)
    return {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}


__all__ = ["Cluster", "ManifestError", "Master", "parse_manifests"]

"""The cluster a user builds cell by cell: masters (control plane), etcd, workers.

    cluster = Cluster(masters=3, etcd="stacked", seed=7)
    cluster.add_node(BareMetal("metal-1", cpu="64", memory="256Gi"))
    cluster.apply(manifest_text)
    cluster.run(seconds=30)

The Cluster is a thin facade. It keeps the short verbs of the tour (``apply``, ``run``,
``kubectl``, ``get``, ``list``, ``add_node``, ``add_master``, ``remove_master``) and
hands the rest to named parts:

- ``cluster.api``: the user's client (get / list / watch / create / update / patch /
  delete / scale / evict), going through the load balancer as kubectl does;
- ``cluster.faults``: power machines off and on, cut and heal links, hang a kubelet;
- ``cluster.views``: what the view layer registers (``dashboard()``, ``control_plane()``...);
- ``cluster.history``: the journal of every user action, ``fork()`` and ``digest()``;
- ``cluster.state``: the read model the views draw from (looking changes nothing);
- ``cluster.machines`` / ``masters`` / ``workers``, ``etcd``, ``scheduler``,
  ``controller_manager``, ``load_balancer``: the parts themselves.

Everything runs on one simulated clock (``cluster.sim``).
"""

from __future__ import annotations

import copy
from typing import Any, Optional, Union

from kubelab.api.meta import KubeObject
from kubelab.api.quantity import parse_quantity
from kubelab.apiserver.audit import AuditTrail, check_filters, select
from kubelab.apiserver.authn import Authenticator, Credentials
from kubelab.apiserver.lb import LoadBalancer
from kubelab.apiserver.user import node_user
from kubelab.apiserver.server import APIServer
from kubelab.controllers.nodeipam import DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE, CidrSet
from kubelab.etcd import EtcdCluster
from kubelab.etcd.tls import CertificateAuthority
from kubelab.kubectl.apply import Applied, apply_manifests
from kubelab.node import Kubelet, Machine
from kubelab.node.machines import CloudInstance
from kubelab.node.metrics_server import MetricsServer
from kubelab.sim import Network, Simulator, journaled

from . import kubeadm
from .api import USER_HOST, ClusterAPI
from .faults import Faults
from .history import History
from .machines import (
    CONTROL_PLANE_TAINT,
    LABEL_EXCLUDE_FROM_EXTERNAL_LB,
    LABEL_NODE_ROLE_CONTROL_PLANE,
    EtcdHost,
    Host,
    Master,
    Worker,
)
from .readmodel import ClusterState
from .runs import RunSummary
from .views import Views


class Cluster:
    """A simulated Kubernetes cluster: ``masters`` control-plane machines (etcd ``stacked`` on
    them or ``external``), the workers you add, one deterministic clock seeded by ``seed``.
    ``cloud="auto"`` runs a cloud-controller-manager against a simulated cloud once a cloud
    instance joins; ``cloud=None`` never does (a bare-metal cluster); ``cloud="aws"`` always.
    ``cluster_cidr`` and ``node_cidr_mask_size`` are kubeadm's ``--pod-network-cidr`` and
    kube-controller-manager's ``--node-cidr-mask-size``: the pod network each node gets a
    slice of (a /16 cut in /24s fits 256 nodes; large clusters take a /12, or a /25 mask)."""

    def __init__(self, masters: Union[int, list[Machine]] = 1, etcd: str = "stacked",
                 etcd_members: Optional[int] = None, seed: int = 0, cloud: Optional[str] = "auto",
                 latency: float = 0.0005, scheduler_config: Any = None,
                 cluster_cidr: str = DEFAULT_CLUSTER_CIDR, node_cidr_mask_size: int = DEFAULT_NODE_CIDR_MASK_SIZE):
        if isinstance(masters, (list, tuple)):
            for m in masters:
                if not isinstance(m, Machine):
                    raise TypeError(f"masters takes machines (kl.BareMetal, kl.VM, kl.CloudInstance) or a number, "
                                    f"not {type(m).__name__}")
            names = [m.name for m in masters]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"a machine named {dup[0]!r} is given twice")
            n_masters = len(masters)
        elif isinstance(masters, bool) or not isinstance(masters, int):
            raise TypeError(f"masters must be an int or a list of machines, not {type(masters).__name__}")
        else:
            n_masters = masters
        if n_masters < 1:
            raise ValueError("a cluster needs at least one master")
        if isinstance(latency, bool) or not isinstance(latency, (int, float)):
            raise TypeError(f"latency must be a number of seconds, not {type(latency).__name__}")
        if latency != latency or latency in (float("inf"), float("-inf")) or latency < 0:
            raise ValueError(f"latency must be a finite number of seconds >= 0, not {latency!r}")
        if etcd not in ("stacked", "external"):
            raise ValueError('etcd must be "stacked" (members on the masters) or "external"')
        if isinstance(node_cidr_mask_size, bool) or not isinstance(node_cidr_mask_size, int):
            raise TypeError(f"node_cidr_mask_size must be an int, not {type(node_cidr_mask_size).__name__}")
        if not isinstance(cluster_cidr, str):
            raise TypeError(f"cluster_cidr must be a str, not {type(cluster_cidr).__name__}")
        # the controller manager's own startup checks and messages (nodeipam.CidrSet)
        CidrSet(cluster_cidr, node_cidr_mask_size)
        # the recipe a fork rebuilds from (history.py)
        self.recipe = copy.deepcopy(dict(masters=masters, etcd=etcd, etcd_members=etcd_members, seed=seed,
                                         cloud=cloud, latency=latency, scheduler_config=scheduler_config,
                                         cluster_cidr=cluster_cidr, node_cidr_mask_size=node_cidr_mask_size))
        # kube-controller-manager's flags (--cluster-cidr, --node-cidr-mask-size)
        self.controller_manager_options = {"cluster_cidr": cluster_cidr, "node_cidr_mask_size": node_cidr_mask_size}
        self.seed = seed
        self.sim = Simulator(seed)
        self.network = Network(self.sim, default_latency=latency)
        self.etcd_topology = etcd
        self.cloud = cloud
        self.scheduler_config = scheduler_config
        if isinstance(masters, int):
            self.masters: list[Master] = [Master(self, f"master-{i}") for i in range(1, masters + 1)]
        else:
            self.masters = [Master(self, m.name, m) for m in masters]
        for i, m in enumerate(self.masters):
            self._place_master(m.machine, i)
        masters = n_masters
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
        self._apiserver_etcd_cert = self.etcd.ca.issue_client("kube-apiserver-etcd-client")
        self._etcdctl_cert = None
        self.load_balancer = LoadBalancer(self.network, "lb")
        # the cluster CA (kubeadm's /etc/kubernetes/pki/ca.crt, CN "kubernetes"): the API
        # servers' --client-ca-file, one authenticator shared by every replica
        self.ca = CertificateAuthority(self.sim, "kubernetes")
        self.authenticator = Authenticator(self.ca)
        # kube-controller-manager's --root-ca-file: what the root CA publisher puts in every
        # namespace's kube-root-ca.crt ConfigMap
        self.controller_manager_options["root_ca_pem"] = self.ca.certificate.pem
        self.users: dict[str, Credentials] = {}  # add_user: the credentials kubectl presents as them
        self.workers: dict[str, Worker] = {}
        # metrics-server: serves metrics.k8s.io through every API server's aggregation layer
        self.metrics_server = MetricsServer(self.sim, lambda: self.kubelets)
        self.metrics_server.start()
        self._external_etcd = [EtcdHost(self, m) for m in self.etcd.members] if etcd == "external" else []
        self._cloud_provider = None
        self.cluster_autoscaler = None  # started by add_node_group
        self.api = ClusterAPI(self)
        self.faults = Faults(self)
        self.views = Views(self)
        self.history = History(self)
        for m in self.masters:
            m.boot()
        self.api.bootstrap()
        # kubeadm init / join --control-plane: each master's kubelet registers its Node
        for m in self.masters:
            m.kubelet = self._new_kubelet(m.machine, control_plane=True)
            m.kubelet.start()
        # kubeadm init's [wait-control-plane]: the Nodes registered and the control plane's
        # static pods mirrored and Running before the user's first cell
        self._wait_for_control_plane(self.masters)
        # then [upload-config] (kubeadm-config, kubelet-config), [bootstrap-token] (cluster-info
        # in kube-public) and [addons] (CoreDNS, kube-proxy)
        endpoint = f"https://{self.load_balancer.host}:6443"
        external = [f"https://{m.host}:2379" for m in self.etcd.members] if etcd == "external" else []
        self.api.install_addons(kubeadm.upload_config_manifests(endpoint, cluster_cidr, external)
                                + kubeadm.cluster_info_manifests(endpoint, self.ca.certificate.x509_text())
                                + kubeadm.addon_manifests(endpoint, cluster_cidr))
        self.history.start()

    def _mark_control_plane(self, node: str) -> None:
        """kubeadm's mark-control-plane phase (cmd/kubeadm/app/phases/markcontrolplane), with
        admin credentials: the role label and the exclude-from-external-load-balancers label."""
        self.api.patch("Node", node, {"metadata": {"labels": {LABEL_NODE_ROLE_CONTROL_PLANE: "",
                                                              LABEL_EXCLUDE_FROM_EXTERNAL_LB: ""}}},
                       namespace=None)

    def _wait_for_control_plane(self, masters: list[Master], timeout: float = 60.0) -> None:
        want = {(s.metadata.namespace, s.metadata.name) for m in masters if m.kubelet for s in m.kubelet.static_pods}
        end = self.sim.now + timeout

        marked: set[str] = set()

        def ready() -> bool:
            if not all(m.kubelet.registered for m in masters):
                return False
            for m in masters:
                if m.name not in marked:
                    self._mark_control_plane(m.name)
                    marked.add(m.name)
            running = {(p.metadata.namespace, p.metadata.name) for p in self.api.list("Pod", namespace="kube-system")
                       if p.status.phase == "Running"}
            return want <= running

        while not ready() and self.sim.now < end:
            self.sim.run_for(0.5)

    # -- the parts --------------------------------------------------------------------------
    @property
    def machines(self) -> dict[str, Host]:
        """Every machine by name: masters, external etcd machines, workers."""
        out: dict[str, Host] = {m.name: m for m in self.masters}
        out.update({h.name: h for h in self._external_etcd})
        out.update(self.workers)
        return out

    def machine(self, name: str) -> Host:
        try:
            return self.machines[name]
        except KeyError:
            raise KeyError(f"no machine named {name!r} (machines: {list(self.machines)})") from None

    @property
    def state(self) -> ClusterState:
        """What the views read: a ready API server's cache (not through the load balancer),
        the machines, etcd, leases, backends and cut links. Looking changes nothing."""
        return ClusterState(self)

    @property
    def nodes(self) -> dict[str, Machine]:
        """The workers' hardware (machine kinds) by name (``cluster.masters[i].machine`` for
        a master's)."""
        return {name: w.machine for name, w in self.workers.items()}

    @property
    def kubelets(self) -> dict[str, Kubelet]:
        """Every Node's kubelet by name: the masters' first, then the workers'."""
        out = {m.name: m.kubelet for m in self.masters if m.kubelet is not None}
        out.update({name: w.kubelet for name, w in self.workers.items()})
        return out

    @property
    def scheduler(self):
        """The kube-scheduler that holds the leader lease (the first one if none does yet)."""
        scheds = [m.scheduler for m in self.masters if m.scheduler is not None and m.running]
        for s in scheds:
            if getattr(s, "is_leader", False):
                return s
        return scheds[0] if scheds else None

    @property
    def controller_manager(self):
        cms = [m.controller_manager for m in self.masters if m.controller_manager is not None and m.running]
        for c in cms:
            if getattr(c, "leading", False):
                return c
        return cms[0] if cms else None

    @property
    def apiservers(self) -> list[APIServer]:
        return [s for m in self.masters for s in m.apiservers]

    @property
    def cloud_provider(self):
        """The simulated cloud, when the cluster runs on one (``cloud="aws"``, or ``"auto"``
        and a cloud instance has joined)."""
        if self._cloud_provider is None and self.cloud not in (None, "auto"):
            self._make_cloud(self.cloud)
        return self._cloud_provider

    def _make_cloud(self, name: str, region: Optional[str] = None):
        """The simulated cloud the cluster runs on, and a cloud-controller-manager on every
        running master to drive it."""
        from kubelab.controllers.cloud.provider import SimulatedCloud

        self._cloud_provider = SimulatedCloud(name, region=region or "eu-west-1")
        for m in self.masters:
            if m.running:
                m.start_cloud_controller_manager()
        self.sim.trace.record("cloud", "CloudProvider", f"cluster runs on {name} ({self._cloud_provider.region})")
        return self._cloud_provider

    def _new_apiserver(self, host: str, name: str) -> APIServer:
        """A kube-apiserver on ``host``: its etcd client certificate, metrics.k8s.io aggregated."""
        server = APIServer(self.sim, self.network, host, self._etcd_client_for(host), name=name)
        server.authenticator = self.authenticator
        server.register_api_service(MetricsServer.group, self.metrics_server)
        master = next((m for m in self.masters if m.host == host), None)
        # kubeadm's --advertise-address: the master machine's address
        server.advertise_address = master.machine.internal_ip() if master is not None else None
        if master is not None:
            # the server's capacity is its machine's: Go runs on every CPU (GOMAXPROCS), so a
            # kubeadm-minimum 2-CPU master serves half what a 4-CPU one does. SIG Scalability
            # runs 5,000 nodes on one 64-core control-plane VM (community sig-scalability
            # configs-and-limits/faq.md) and publishes no QPS figure per core.
            server.cores = max(1, -(-parse_quantity(master.machine.cpu).milli_value() // 1000))
        self._wire_component_statuses(server)
        # the kubelet that runs on a node (a worker's, or a master's when it has one)
        server.kubelet_client = lambda node: getattr(self.machines.get(node), "kubelet", None)
        return server

    def _wire_component_statuses(self, server: APIServer) -> None:
        """What ``kubectl get componentstatuses`` asks this API server to probe: the scheduler and
        controller manager on its own machine (127.0.0.1:10259 / :10257) and each of its
        ``--etcd-servers`` (pkg/registry/core/rest/storage_core.go GetServersToValidate)."""
        from kubelab.apiserver.componentstatus import refused

        host = server.host

        def local(attr: str, port: int):
            def probe():
                m = next((m for m in self.masters if m.host == host), None)
                comp = getattr(m, attr, None) if m is not None else None
                if comp is not None and comp.running:
                    return "Success", "ok", ""
                return refused(port)
            return probe

        def etcd(member_host: str):
            def probe():
                member = next((x for x in self.etcd.members if x.host == member_host), None)
                if member is not None and member.running and self.etcd.leader is not None:
                    return "Success", "ok", ""
                return "Unknown", "", "etcd cluster is unavailable or misconfigured"
            return probe

        servers = server.component_statuses.servers
        servers["scheduler"] = local("scheduler", 10259)
        servers["controller-manager"] = local("controller_manager", 10257)
        # stacked: --etcd-servers=https://127.0.0.1:2379 (one entry); external: every member
        etcd_hosts = [host] if self.etcd_topology == "stacked" else [m.host for m in self.etcd.members]
        for i, h in enumerate(etcd_hosts):
            servers[f"etcd-{i}"] = etcd(h)

    def _etcd_client_for(self, host: str):
        """An API server's etcd client on ``host``, with kubeadm's apiserver-etcd-client certificate."""
        return self.etcd.client(host=host, cert=self._apiserver_etcd_cert)

    def etcd_client(self, host: str = "master-1"):
        """An etcdctl on a master, with kubeadm's healthcheck-client certificate (what
        ``etcdctl --cert ... --key ... --cacert ...`` would use). ``cluster.etcd.client()``
        has no certificate, and a member refuses it."""
        if self._etcdctl_cert is None:
            self._etcdctl_cert = self.etcd.ca.issue_client("kube-etcd-healthcheck-client")
        return self.etcd.client(host=host, cert=self._etcdctl_cert)

    # -- building ---------------------------------------------------------------------------
    @journaled
    def add_node(self, machine: Machine) -> Machine:
        """Join a worker: its kubelet registers the Node and starts taking pods."""
        if not isinstance(machine, Machine):
            raise TypeError(f"add_node takes a machine (kl.BareMetal, kl.VM, kl.CloudInstance), "
                            f"not {type(machine).__name__}")
        if machine.name in self.machines:
            raise ValueError(f"a machine named {machine.name!r} is already in the cluster")
        machine.index = len(self.workers) + 1
        kubelet = self._new_kubelet(machine)
        worker = Worker(self, machine, kubelet)
        self.workers[machine.name] = worker
        self.sim.journal.address(worker, ("machines", machine.name))
        worker.boot()
        return machine

    def _place_master(self, machine: Machine, i: int) -> None:
        """A master's address: 10.0.0.10, 10.0.0.11, ... (workers are on 10.0.1.0/24)."""
        machine.index = i
        if machine.ip is None:
            used = {m.machine.internal_ip() for m in self.masters if m.machine is not machine and m.machine.ip}
            j = i
            while f"10.0.0.{10 + j}" in used:
                j += 1
            machine.ip = f"10.0.0.{10 + j}"

    def _new_kubelet(self, machine: Machine, control_plane: bool = False) -> Kubelet:
        """A machine's kubelet; a cloud instance joins the cloud (``--cloud-provider=external``)
        when the cluster runs on it. A control-plane node registers with kubeadm's
        mark-control-plane label and taint (cmd/kubeadm/app/phases/markcontrolplane)."""
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
        # kubelet.conf: CN=system:node:<name>, O=system:nodes (Node authorizer, NodeRestriction)
        client = self.api.client_for(machine.name, f"kubelet/{machine.name}", user=node_user(machine.name))
        labels = taints = static = None
        if control_plane:
            # nodeRegistration.taints: the kubelet registers with the taint; the labels are
            # kubeadm's to set (mark-control-plane, below): NodeRestriction forbids a kubelet
            # to give itself node-role.kubernetes.io/* labels
            taints = [dict(CONTROL_PLANE_TAINT)]
            static = self._static_pods(machine)
        kubelet = Kubelet(self.sim, client, machine, cloud_provider_external=external, legacy_cloud_labels=legacy,
                          node_labels=labels, register_with_taints=taints, static_pods=static)
        if control_plane:
            for image, size in kubeadm.IMAGES.items():  # kubeadm's preflight pulled them
                kubelet.images.setdefault(image, size)
        self.sim.journal.address(kubelet, ("machines", machine.name, "kubelet"))
        return kubelet

    def _static_pods(self, machine: Machine) -> list[dict]:
        """kubeadm's manifests for a control-plane machine (see :mod:`kubelab.cluster.kubeadm`)."""
        ip = machine.internal_ip()
        stacked = self.etcd_topology == "stacked"
        if stacked:
            endpoints = ["https://127.0.0.1:2379"]
        else:
            endpoints = [f"https://{m.host}:2379" for m in self.etcd.members]
        peers = ",".join(f"{m.name}=https://{m.machine.internal_ip()}:2380" for m in self.masters
                         if m.machine.ip is not None)
        if machine.name not in {m.name for m in self.masters}:
            peers = ",".join(x for x in (peers, f"{machine.name}=https://{ip}:2380") if x)
        return kubeadm.static_pod_manifests(ip, stacked, endpoints, etcd_name=machine.name, initial_cluster=peers)

    @journaled
    def add_master(self, machine: Union[Machine, str, None] = None, name: Optional[str] = None) -> Master:
        """Join another control-plane machine while the cluster runs (``kubeadm join
        --control-plane``): ``add_master(kl.VM("cp-4", cpu="4", memory="8Gi"))``, or
        ``add_master()`` / ``add_master(name="master-4")`` for a default VM. With stacked etcd
        its member is added first, then its API server joins the load balancer, its
        scheduler and controller manager stand by for the leases and its kubelet registers
        the Node (``node-role.kubernetes.io/control-plane``)."""
        if isinstance(machine, str) and name is None:
            machine, name = None, machine
        if machine is not None and not isinstance(machine, Machine):
            raise TypeError(f"add_master takes a machine (kl.BareMetal, kl.VM, kl.CloudInstance), "
                            f"not {type(machine).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        if machine is not None and name is not None and name != machine.name:
            raise ValueError(f"name {name!r} and the machine's name {machine.name!r} differ")
        if machine is not None:
            name = machine.name
        if name is not None and name in self.machines:
            raise ValueError(f"a machine named {name!r} is already in the cluster")
        n = len(self.masters) + 1
        while name is None or name in self.machines:
            name, n = f"master-{n}", n + 1
        m = Master(self, name, machine)
        self._place_master(m.machine, len(self.masters))
        self.sim.journal.address(m, ("machines", name))
        self.network.start(m.host)
        if self.etcd_topology == "stacked":
            self.etcd.add_member(host=m.host)
        self.masters.append(m)
        m.boot(self._new_kubelet(m.machine, control_plane=True))
        end = self.sim.now + 60
        while not m.apiserver.ready and self.sim.now < end:  # its caches sync from etcd
            self.sim.run_for(0.1)
        self._wait_for_control_plane([m])  # kubeadm join --control-plane waits for it too
        return m

    @journaled
    def remove_master(self, name: str) -> None:
        """``kubeadm reset`` on a master: its etcd member is removed from the cluster first
        (stacked), its components stop and its API server leaves the load balancer."""
        m = self.machine(name)
        if not isinstance(m, Master):
            raise ValueError(f"{name!r} is not a master")
        if len(self.masters) == 1:
            raise ValueError("cannot remove the last master")
        member = m.etcd_member
        if member is not None and not member.removed:
            self.etcd.remove_member(member)
        m.power_off()
        for server in m.apiservers:
            self.load_balancer.remove(server)
        self.masters.remove(m)
        # then ``kubectl delete node`` (kubeadm's documented removal of a control-plane node)
        try:
            self.api.delete("Node", name, None)
        except Exception:  # noqa: BLE001 — already gone (a cloud node controller deleted it)
            pass
        self.sim.trace.record(name, "MasterRemoved", f"{name} left the control plane")

    @journaled
    def register_scheduler_plugin(self, plugin: Any, point: str = "filter", weight: int = 1,
                                  profile: str = "default-scheduler", name: Optional[str] = None) -> None:
        """Add a Filter or Score plugin (a function or a small class from a notebook cell) to
        the kube-scheduler on every master, so it stays in force after a failover."""
        for m in self.masters:
            if m.scheduler is not None:
                m.scheduler.register_plugin(plugin, point=point, weight=weight, profile=profile, name=name)

    # -- API server replicas (kubelab.cluster.load scales them with the load) -------------------
    @journaled
    def add_apiserver_replica(self) -> APIServer:
        """Start one more kube-apiserver on the least loaded running master."""
        masters = [m for m in self.masters if m.running]
        if not masters:
            raise RuntimeError("no running master to start an API server on")
        m = min(masters, key=lambda x: (1 + len(x.replicas), x.name))
        server = self._new_apiserver(m.host, f"kube-apiserver-{m.name}-{len(m.replicas) + 2}")
        m.replicas.append(server)
        server.start()
        self.load_balancer.add(server)
        self.sim.trace.record(server.name, "APIServerScaledOut", f"replica started on {m.name}")
        return server

    @journaled
    def remove_apiserver_replica(self) -> Optional[APIServer]:
        """Stop the newest extra replica (the masters' own API servers always stay)."""
        for m in sorted(self.masters, key=lambda x: (-len(x.replicas), x.name)):
            if m.replicas:
                server = m.replicas.pop()
                self.load_balancer.remove(server)
                server.stop()
                self.sim.trace.record(server.name, "APIServerScaledIn", f"replica on {m.name} stopped")
                return server
        return None

    @journaled
    def generate_load(self, qps: float = 100.0, clients: int = 10, write_ratio: float = 0.2):
        """Start a load generator against the API servers (``.stop()`` it, read ``.samples``)."""
        from .load import LoadGenerator

        for arg, value in (("qps", qps), ("clients", clients), ("write_ratio", write_ratio)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"generate_load({arg}=...) takes a number, not {type(value).__name__}")
            if value != value or value in (float("inf"), float("-inf")) or value < 0:
                raise ValueError(f"generate_load({arg}=...) takes a finite number >= 0, not {value!r}")
        if write_ratio > 1:
            raise ValueError(f"generate_load(write_ratio=...) is a fraction between 0 and 1, not {write_ratio!r}")
        gen = LoadGenerator(self, qps, clients, write_ratio)
        self.sim.journal.address(gen, ("load", len(self.history.load_generators)))
        self.history.load_generators.append(gen)
        return gen.start()

    @journaled
    def add_node_group(self, name: str, instance_type: str = "m5.large", zone: str = "eu-west-1a",
                       min_size: int = 1, max_size: int = 5):
        """A cloud node group the cluster autoscaler grows when pods cannot be placed
        (see :mod:`kubelab.cluster.autoscaler`); starts with ``min_size`` instances. A
        bare-metal cluster (``cloud=None``) has no node groups."""
        from .autoscaler import ClusterAutoscaler, NodeGroup

        if self.cloud is None:
            raise ValueError("a bare-metal cluster (cloud=None) has no cloud node groups")
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty str")
        if self.cluster_autoscaler is not None and any(g.name == name for g in self.cluster_autoscaler.groups):
            raise ValueError(f"a node group named {name!r} already exists")
        group = NodeGroup(self, name, instance_type, zone, min_size, max_size)
        if self.cluster_autoscaler is None:
            self.cluster_autoscaler = ClusterAutoscaler(self)
        self.cluster_autoscaler.groups.append(group)
        group.grow(min_size)
        return group

    @journaled
    def traffic(self, service: str, rps: float = 100.0, namespace: str = "default"):
        """Send ``rps`` requests per second to the Service ``service`` through its ready
        endpoints, spread as kube-proxy spreads them; each costs its pod CPU
        (``sim.kubelab.io/cpu-per-request``, default 1m). Returns a
        :class:`~kubelab.cluster.traffic.Traffic`: ``.set_rps(n)``, ``.stop()``, ``.samples``."""
        from .traffic import Traffic

        t = Traffic(self, service, rps, namespace)
        self.sim.journal.address(t, ("traffic", len(self.history.traffic)))
        self.history.traffic.append(t)
        return t.start()

    @journaled
    def autoscale_apiservers(self, target_utilization: float = 0.6, max_replicas: int = 9, period: float = 15.0):
        """Let API server replicas follow the load (see :mod:`kubelab.cluster.load`)."""
        from .load import APIServerAutoscaler

        self.apiserver_autoscaler = APIServerAutoscaler(self, target_utilization, None, max_replicas, period).start()
        return self.apiserver_autoscaler

    # -- time -------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    def run(self, seconds: float = 10.0) -> RunSummary:
        """Advance simulated time by ``seconds``. Returns what changed meanwhile (a cell
        ending in ``cluster.run(30)`` shows ``t=0.0s → t=30.0s: 12 events; pods: ...``)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"run(seconds=...) takes a number of simulated seconds, not {seconds!r}")
        if seconds != seconds or seconds in (float("inf"), float("-inf")) or seconds < 0:
            raise ValueError(f"run(seconds=...) takes a finite number of seconds >= 0, not {seconds!r}")
        before = RunSummary.before(self)
        self.history.run(seconds)
        return RunSummary(self, *before)

    # -- the user's verbs -------------------------------------------------------------------
    @journaled
    def apply(self, manifest: Any, namespace: Optional[str] = None) -> Applied:
        """``kubectl apply``: YAML or JSON text (multi-document), a file path, a dict, a list,
        or a model. Creates what is missing, updates what exists (three-way merge against
        the last-applied-configuration annotation). Shows as kubectl's lines
        (``deployment.apps/web created``)."""
        return apply_manifests(self.api, manifest, namespace)

    def get(self, kind: Union[str, type[KubeObject]], name: str, namespace: str = "default") -> KubeObject:
        """One object, as the API server has it (a read: changes nothing)."""
        return self.api.get(kind, name, namespace)

    def list(self, kind: Union[str, type[KubeObject]], namespace: Optional[str] = "default",
             label_selector: Optional[str] = None, field_selector: Optional[str] = None) -> list[KubeObject]:
        """Objects of a kind in ``namespace`` ("default", as kubectl; None: every namespace,
        as ``kubectl get -A``). Cluster-scoped kinds ignore it."""
        return self.api.list(kind, namespace, label_selector, field_selector)

    @journaled
    def add_user(self, name: str, groups: Union[list, tuple] = ()):
        """A user who authenticates with a client certificate from the cluster CA, as
        ``kubeadm kubeconfig user --client-name=NAME`` makes one: the CN is the user name, the
        O entries the groups (x509.go CommonNameUserConversion). They may do nothing until a
        RoleBinding or ClusterRoleBinding grants it. Act as them with
        ``cluster.kubectl("...", user=NAME)`` or ``cluster.api.as_user(NAME)``. Returns the
        certificate."""
        if not isinstance(name, str):
            raise TypeError(f"add_user(name=...) takes a str, not {type(name).__name__}")
        if not name or name != name.strip() or any(ord(ch) < 32 for ch in name):
            raise ValueError(f"add_user(name=...) takes a non-empty user name without spaces around it, not {name!r}")
        if isinstance(groups, str) or not isinstance(groups, (list, tuple)):
            raise TypeError(f"add_user(groups=...) takes a list of str, not {type(groups).__name__}")
        for g in groups:
            if not isinstance(g, str) or not g:
                raise TypeError(f"add_user(groups=...) takes a list of non-empty str, not {g!r}")
        if name in self.users:
            raise ValueError(f"a user named {name!r} already exists")
        cert = self.ca.issue_client(name, tuple(groups))
        self.users[name] = Credentials(cert=cert)
        return cert

    def service_account_token(self, name: str, namespace: str = "default", pod: Optional[str] = None,
                              expiration_seconds: int = 3600) -> str:
        """A token for the service account ``namespace/name``, as the API server's TokenRequest
        issues it (``kubectl create token NAME``); with ``pod``, bound to that pod, as the
        kubelet's projected token at /var/run/secrets/kubernetes.io/serviceaccount/token is.
        Use it with ``cluster.kubectl("...", token=TOKEN)``. Raises 404 for a missing account."""
        for arg, value in (("name", name), ("namespace", namespace)):
            if not isinstance(value, str):
                raise TypeError(f"service_account_token({arg}=...) takes a str, not {type(value).__name__}")
        if pod is not None and not isinstance(pod, str):
            raise TypeError(f"service_account_token(pod=...) takes a pod name (str), not {type(pod).__name__}")
        if isinstance(expiration_seconds, bool) or not isinstance(expiration_seconds, int):
            raise TypeError(f"service_account_token(expiration_seconds=...) takes an int, "
                            f"not {type(expiration_seconds).__name__}")
        server = self.api.server()
        bound = server.read(self.api._kind("Pod"), pod, namespace) if pod is not None else None
        token, _ = self.authenticator.issue_token(server, namespace, name, pod=bound,
                                                  expiration_seconds=expiration_seconds)
        return token

    @journaled
    def kubectl(self, args: str, stdin: Optional[str] = None, user: Optional[str] = None,
                token: Optional[str] = None):
        """Run a kubectl command against the cluster (``stdin`` feeds ``apply -f -``); the
        output shows as plain text in a cell and carries kubectl's exit code. ``user`` (one
        made by :meth:`add_user`) runs it with that user's credentials instead of the admin's
        (``kubectl --context NAME``); ``token`` with a bearer token instead (``kubectl
        --token``), e.g. one of :meth:`service_account_token`."""
        from kubelab.kubectl.cli import Kubectl

        if not isinstance(args, (str, list, tuple)):
            raise TypeError(f"kubectl takes the command line as a str, not {type(args).__name__}")
        if token is not None and not isinstance(token, str):
            raise TypeError(f"kubectl(token=...) takes a str, not {type(token).__name__}")
        if token is not None and user is not None:
            raise ValueError("kubectl takes user= or token=, not both")
        api = self.api if user is None else self.api.as_user(user)
        if token is not None:
            api = self.api._with_token(token)
        return Kubectl(api)(args, stdin=stdin)

    def serve(self, mode: str = "paused", speed: float = 1.0, host: str = "127.0.0.1", port: int = 0,
              kubeconfig: Optional[str] = None):
        """Serve the Kubernetes API over HTTPS for the real kubectl and client libraries; returns
        a handle with ``url``, ``kubeconfig`` and the ``export KUBECONFIG=...`` line. In a
        notebook it runs on the kernel's event loop (answering between cells); elsewhere on
        one background thread, which then owns the cluster: use ``handle.call(fn)`` /
        ``handle.run(seconds)`` to touch it. ``mode="live"`` lets the clock follow wall
        time x ``speed`` while idle. See :mod:`kubelab.http`.

        Writes that arrive over HTTPS are not replayable: a fork after one refuses."""
        import asyncio

        from kubelab.http import FrontDoor, HTTPSServer

        def on_write(request) -> None:
            self.sim.journal.unreplayable(f"https:{request.describe()}",
                                          "a request over HTTPS (the real kubectl or a client library)")

        door = FrontDoor(self.sim, self.network, self.load_balancer.pick, USER_HOST, metrics=self.api.metrics,
                         on_write=on_write)
        server = HTTPSServer(door, self.sim, host=host, port=port, mode=mode, speed=speed, kubeconfig=kubeconfig)
        try:
            return server.start(asyncio.get_running_loop())
        except RuntimeError:
            return server.start_thread()

    def audit(self, user: Optional[str] = None, verb: Optional[str] = None, resource: Optional[str] = None,
              namespace: Optional[str] = None, name: Optional[str] = None, allowed: Optional[bool] = None,
              since: Optional[float] = None, limit: Optional[int] = None) -> AuditTrail:
        """The API servers' audit events (audit.k8s.io/v1, stage ResponseComplete), oldest
        first, filtered by every argument given: ``user`` ("alice"), ``verb`` ("create"),
        ``resource`` ("pods" or "pods/binding"), ``namespace``, ``name``, ``allowed``
        (False: the denials), ``since`` (simulated seconds); ``limit`` keeps the newest."""
        check_filters(user=user, verb=verb, resource=resource, namespace=namespace, name=name, allowed=allowed,
                      since=since, limit=limit)
        events = sorted((e for s in self._all_apiservers() for e in s.audit_log), key=lambda e: (e.time, e.server, e.seq))
        out = select(events, user, verb, resource, namespace, name, allowed, since)
        if limit is not None:
            out = out[len(out) - limit:] if limit else []
        return AuditTrail(out)

    def _all_apiservers(self) -> list[APIServer]:
        return [s for m in self.masters for s in m.apiservers]

    @property
    def trace(self):
        return self.sim.trace

    # -- display ----------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        pods = self.list("pods", namespace=None)
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


__all__ = ["Cluster"]

"""An etcd cluster of 1, 3, 5 or 7 members on the simulated network.

Standalone (it makes its own clock and network; member hosts are ``etcd-1`` ...)::

    etcd = EtcdCluster(members=3, seed=1)
    c = etcd.client()
    c.put("/demo/a", "1")

or embedded in a larger simulation, members stacked on given hosts (kubeadm's stacked
topology puts one member on each control-plane node)::

    etcd = EtcdCluster(members=3, sim=sim, network=net, hosts=["master-1", "master-2", "master-3"])
"""

from __future__ import annotations

import hashlib

from . import errors as E
from .member import Member
from .raft import ConfChange

from kubelab.sim import Network, Simulator, journaled
from kubelab.sim.views import Views


class EtcdCluster:
    """Members, their leader, clients, faults and membership changes."""

    def __init__(self, members: int = 3, seed: int = 1, *, sim: Simulator | None = None,
                 network: Network | None = None, hosts: list[str] | None = None, token: str = "etcd-cluster",
                 fsync_latency: float = 0.001, snapshot_count: int | None = None, tls=None,
                 client_cert_auth: bool = False, auto_tls: bool = False, peer_auto_tls: bool = False,
                 peer_client_cert_auth: bool = False, ca=None):
        if members < 1:
            raise ValueError("an etcd cluster needs at least one member")
        self.owns_hosts = sim is None
        self.sim = sim if sim is not None else Simulator(seed)
        self.network = network if network is not None else Network(self.sim)
        if hosts is None:
            hosts = [f"etcd-{i}" for i in range(1, members + 1)]
        elif len(hosts) != members:
            raise ValueError(f"{members} members need {members} hosts, got {len(hosts)}")
        self.token = token
        # etcd derives the cluster ID from the member IDs (membership/cluster.go genID)
        self.cluster_id = int.from_bytes(hashlib.sha256(f"{token}/{sorted(hosts)}".encode()).digest()[:8], "big") \
            & ((1 << 63) - 1)
        if tls is None and (client_cert_auth or auto_tls or peer_auto_tls or peer_client_cert_auth or ca):
            from .tls import CertificateAuthority, EtcdTLS

            # etcd requires --trusted-ca-file for --client-cert-auth; auto-TLS alone needs none
            if ca is None and (client_cert_auth or peer_client_cert_auth or not (auto_tls and peer_auto_tls)):
                ca = CertificateAuthority(self.sim, "etcd-ca")
            tls = EtcdTLS(ca=ca, client_cert_auth=client_cert_auth, auto_tls=auto_tls, peer_auto_tls=peer_auto_tls,
                          peer_client_cert_auth=peer_client_cert_auth)
        self.tls = tls
        if tls is not None:
            tls.trace = self.sim.trace
            for h in hosts:
                tls.provision(self.sim, h)
        self.fsync_latency = fsync_latency
        self.snapshot_count = snapshot_count
        self._next_name = members + 1
        kw = {"fsync_latency": fsync_latency}
        if snapshot_count is not None:
            kw["snapshot_count"] = snapshot_count
        self._member_kw = kw
        from .member import member_id

        ids = [member_id(h, token) for h in hosts]
        self.members: list[Member] = [Member(self, h, h, ids, **kw) for h in hosts]
        self._by_id = {m.id: m for m in self.members}
        self.removed_members: list[Member] = []
        # the views kubelab.viz registers for etcd (etcd.views.raft_timeline())
        self.views = Views(self, "etcd")
        for m in self.members:
            m.start()

    # -- state ----------------------------------------------------------------------------
    @property
    def trace(self):
        return self.sim.trace

    @property
    def leader(self) -> Member | None:
        """The running member that leads at the highest term (None during an election)."""
        leaders = [m for m in self.members if m.is_leader]
        return max(leaders, key=lambda m: m.term) if leaders else None

    def member(self, name: str) -> Member:
        for m in self.members:
            if m.name == name or m.host == name:
                return m
        raise KeyError(name)

    def run(self, seconds: float) -> None:
        """Advance the simulated clock by ``seconds``."""
        self.sim.run_for(seconds)

    def wait_for_leader(self, limit: float = 10.0) -> Member:
        end = self.sim.now + limit
        while self.leader is None and self.sim.now < end:
            self.sim.run_for(0.1)
        if self.leader is None:
            raise E.ErrNoLeader()
        return self.leader

    # -- clients --------------------------------------------------------------------------
    @property
    def ca(self):
        """The cluster's certificate authority (kubeadm's etcd-ca), if TLS is on."""
        return self.tls.ca if self.tls is not None else None

    def client(self, host: str | None = None, *, cert=None, timeout: float = 5.0, trusted_ca="cluster",
               insecure_skip_tls_verify: bool = False):
        """A client whose requests leave from ``host`` (default: a host named ``client``).
        ``cert`` is its client certificate (``--cert``); it trusts the cluster's CA unless
        told otherwise (``--cacert``)."""
        from .client import Client

        return Client(self, host or "client", cert=cert, timeout=timeout,
                      trusted_ca=self.ca if trusted_ca == "cluster" else trusted_ca,
                      insecure_skip_tls_verify=insecure_skip_tls_verify)

    @journaled
    def move_leader(self, member: Member | str, limit: float = 5.0) -> Member:
        """``etcdctl move-leader``: the leader hands over to ``member`` (Raft leadership
        transfer, thesis §3.10)."""
        if isinstance(member, str):
            member = self.member(member)
        lead = self.wait_for_leader()
        if lead is not member:
            lead.raft.transfer_leader(member.id)
            lead._schedule_ready()
            end = self.sim.now + limit
            while self.leader is not member and self.sim.now < end:
                self.sim.run_for(0.05)
        if self.leader is not member:
            raise E.ErrTimeout()
        return member

    # -- membership -----------------------------------------------------------------------
    @journaled
    def add_member(self, host: str | None = None, *, limit: float = 10.0) -> Member:
        """``etcdctl member add`` then start the new member (it catches up from the leader)."""
        if host is None:
            host = f"etcd-{self._next_name}"
            self._next_name += 1
        if any(m.host == host and not m.removed for m in self.members):
            raise ValueError(f"a member already runs on {host}")
        from .member import member_id

        mid = member_id(host, self.token)
        voters = sorted({m.id for m in self.members if not m.removed} | {mid})
        if self.tls is not None:
            self.tls.provision(self.sim, host)
        m = Member(self, host, host, voters, join=True, **self._member_kw)
        self._conf_change(ConfChange("ConfChangeAddNode", mid), limit)
        self.members.append(m)
        self._by_id[mid] = m
        m.start()
        return m

    @journaled
    def remove_member(self, member: Member | str, *, limit: float = 10.0) -> None:
        """``etcdctl member remove``: the member stops once the change is applied."""
        if isinstance(member, str):
            member = self.member(member)
        self._conf_change(ConfChange("ConfChangeRemoveNode", member.id), limit)

    def _conf_change(self, cc: ConfChange, limit: float) -> None:
        ev = self.sim.event()
        deadline = self.sim.now + limit

        def attempt():
            if ev.triggered:
                return
            leader = self.leader
            if leader is None:
                if self.sim.now >= deadline:
                    ev.fail(E.ErrNoLeader())
                else:
                    self.sim.call_later(0.1, attempt)
                return

            def answer(resp, err):
                if ev.triggered:
                    return
                if err is None:
                    ev.succeed(resp)
                elif self.sim.now < deadline:
                    self.sim.call_later(0.1, attempt)
                else:
                    ev.fail(err)

            leader.handle("conf_change", cc, answer, cert=getattr(self.tls, "peer_cert", None))

        attempt()
        self.sim.run_until(ev, limit=limit + 1)

    def _conf_applied(self, member: Member, cc: ConfChange) -> None:
        # ``members`` is what ``etcdctl member list`` shows: a removed member leaves it
        if cc.type == "ConfChangeRemoveNode":
            gone = self._by_id.get(cc.node_id)
            if gone is not None and gone in self.members:
                self.members.remove(gone)
                self.removed_members.append(gone)

    # -- display --------------------------------------------------------------------------
    def status(self) -> list[dict]:
        return [m.status() for m in self.members]

    def __repr__(self) -> str:
        lead = self.leader
        lines = [f"EtcdCluster(members={len(self.members)}, leader={lead.name if lead else None}, "
                 f"time={self.sim.now:.3f}s)"]
        for m in self.members:
            lines.append(f"  {m.name:<12} {m.role:<13} term={m.term:<3} commit={m.commit_index:<6} "
                         f"applied={m.applied_index:<6} log={m.log_length}")
        return "\n".join(lines)


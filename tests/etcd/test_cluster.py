"""Cluster behaviour on the simulated clock: elections, faults, recovery, client faces."""

import pytest

from kubelab.etcd import EtcdCluster, EtcdError, errors as E
from kubelab.etcd.mvcc import Compare, PutRequest
from kubelab.sim import Network, Simulator


def elected(cluster):
    return [r for r in cluster.trace.filter(reason="ElectedLeader")]


@pytest.mark.parametrize("n", [1, 3, 5, 7])
def test_topologies_elect_and_serve(n):
    etcd = EtcdCluster(members=n, seed=3)
    c = etcd.client()
    r = c.put("/demo/a", "1")
    assert r.header.revision == 2 and r.header.raft_term >= 2  # bootstrap entries are term 1
    assert etcd.leader is not None and len(etcd.members) == n
    assert c.range("/demo/", prefix=True).kvs[0].value == b"1"
    assert "elected leader" in elected(etcd)[0].message


def test_issue_walkthrough():
    etcd = EtcdCluster(members=3, seed=1)
    c = etcd.client()
    assert c.put("/demo/a", "1").header.revision == 2
    kv = c.range("/demo/", prefix=True).kvs[0]
    assert (kv.key, kv.create_revision, kv.mod_revision, kv.version) == (b"/demo/a", 2, 2, 1)
    w = c.watch("/demo/", prefix=True, start_revision=1)
    old = etcd.leader
    old.stop()
    etcd.run(seconds=3)
    assert etcd.leader is not None and etcd.leader is not old
    c.put("/demo/b", "2")
    etcd.run(seconds=2)
    assert [e.kv.key for e in w.events] == [b"/demo/a", b"/demo/b"]
    assert "leader" in repr(etcd) and "0x" not in repr(etcd)


def test_kill_leader_new_leader_within_seconds_and_workload_continues():
    etcd = EtcdCluster(members=3, seed=5)
    c = etcd.client()
    for i in range(10):
        c.put(f"/k{i}", str(i))
    t0 = etcd.sim.now
    etcd.leader.stop()
    while etcd.leader is None or not etcd.leader.running:
        etcd.run(0.1)
        assert etcd.sim.now - t0 < 4.0
    for i in range(10, 20):
        c.put(f"/k{i}", str(i))
    assert c.range("/k", prefix=True, count_only=True).count == 20


def test_no_quorum_writes_fail_then_recover_without_losing_acked_writes():
    etcd = EtcdCluster(members=3, seed=2)
    c = etcd.client()
    acked = {f"/a{i}": c.put(f"/a{i}", str(i)).header.revision for i in range(20)}
    victims = [m for m in etcd.members if not m.is_leader][:1] + [etcd.leader]
    for m in victims:
        m.stop()
    t0 = etcd.sim.now
    with pytest.raises(EtcdError) as exc:
        c.put("/x", "y")
    assert etcd.sim.now - t0 <= c.timeout + 1.0  # it fails, it does not hang
    assert str(exc.value) in ("context deadline exceeded", "etcdserver: request timed out", "etcdserver: no leader")
    for m in victims:
        m.start()
    etcd.run(3)
    assert etcd.leader is not None
    for k, rev in acked.items():
        (kv,) = c.range(k).kvs
        assert kv.mod_revision == rev
    c.put("/after", "ok")


def test_async_api_inside_the_simulation():
    etcd = EtcdCluster(members=3, seed=4)
    c = etcd.client()
    sim = etcd.sim
    out = []

    def apiserver():
        r = yield c.put_async("/registry/pods/default/a", "{}")
        out.append(r.header.revision)
        t = yield c.txn_async([Compare.mod_revision("/registry/pods/default/a", "=", r.header.revision)],
                              [PutRequest("/registry/pods/default/a", "{1}")])
        out.append(t.succeeded)
        try:
            yield c.range_async("/registry/", prefix=True, revision=999)
        except E.ErrFutureRev as exc:
            out.append(str(exc))

    sim.spawn(apiserver(), name="apiserver")
    etcd.run(5)
    assert out == [2, True, "etcdserver: mvcc: required revision is a future revision"]


def test_async_call_without_quorum_fails_with_deadline():
    etcd = EtcdCluster(members=3, seed=4)
    c = etcd.client()
    c.put("/a", "1")
    for m in etcd.members[:2]:
        m.stop()
    ev = c.put_async("/b", "2")
    etcd.run(c.timeout + 0.5)
    assert ev.triggered and isinstance(ev.exception, EtcdError)
    ev.defused = True


def test_partitioned_leader_steps_down_and_majority_elects():
    etcd = EtcdCluster(members=3, seed=6)
    c = etcd.client()
    c.put("/a", "1")
    old = etcd.leader
    others = [m.host for m in etcd.members if m is not old]
    etcd.network.partition([old.host], others)
    etcd.run(3)
    assert old.role != "leader"  # check-quorum
    new = etcd.leader
    assert new is not None and new is not old and new.term > old.term - 0
    etcd.network.heal()
    etcd.run(2)
    assert all(m.commit_index == new.commit_index for m in etcd.members)


def test_one_way_partition_recovers():
    etcd = EtcdCluster(members=3, seed=7)
    c = etcd.client()
    c.put("/a", "1")
    lead = etcd.leader
    follower = next(m for m in etcd.members if m is not lead)
    etcd.network.cut(lead.host, follower.host, oneway=True)
    etcd.run(5)
    c.put("/b", "2")
    etcd.network.heal()
    etcd.run(3)
    assert {m.kv.rev for m in etcd.members if m.running} == {3}


def test_lease_expiry_deletes_keys_and_keepalive_keeps_them():
    etcd = EtcdCluster(members=3, seed=8)
    c = etcd.client()
    short = c.lease_grant(2).ID
    kept = c.lease_grant(2).ID
    c.put("/svc/a", "x", lease=short)
    c.put("/svc/b", "y", lease=kept)
    for _ in range(6):
        etcd.run(0.9)
        c.lease_keepalive(kept)
    assert c.range("/svc/a").kvs == []
    assert c.range("/svc/b").kvs[0].lease == kept
    assert c.lease_time_to_live(short).TTL == -1
    with pytest.raises(E.ErrLeaseNotFound):
        c.lease_revoke(short)


def test_linearizable_and_serializable_reads_from_a_follower_host():
    sim = Simulator(1)
    net = Network(sim)
    etcd = EtcdCluster(members=3, sim=sim, network=net, hosts=["master-1", "master-2", "master-3"])
    etcd.wait_for_leader()
    follower = next(m for m in etcd.members if not m.is_leader)
    c = etcd.client(host=follower.host)  # stacked: the API server talks to its local member
    c.put("/x", "1")
    assert c.endpoint is follower
    assert c.range("/x").kvs[0].value == b"1"
    assert c.range("/x", serializable=True).header.member_id == follower.id


def test_watch_survives_member_crash():
    etcd = EtcdCluster(members=3, seed=9)
    c = etcd.client()
    got = []
    w = c.watch("/w/", prefix=True, callback=got.append)
    c.put("/w/1", "a")
    etcd.run(0.5)
    w_member = c.endpoint
    w_member.stop()
    etcd.run(3)
    c.put("/w/2", "b")
    etcd.run(3)
    keys = [e.kv.key for r in got for e in r.events]
    assert keys == [b"/w/1", b"/w/2"]
    w.cancel()


def test_watch_compacted_is_canceled():
    etcd = EtcdCluster(members=1, seed=1)
    c = etcd.client()
    for i in range(5):
        c.put("/k", str(i))
    c.compact(4)
    w = c.watch("/k", start_revision=2)
    etcd.run(0.5)
    assert w.canceled and w.compact_revision == 4


def test_restart_from_wal_and_snapshot():
    etcd = EtcdCluster(members=3, seed=10, snapshot_count=20)
    c = etcd.client()
    for i in range(60):
        c.put(f"/s{i}", str(i))
    m = next(x for x in etcd.members if not x.is_leader)
    assert m.wal.snapshot is not None
    m.stop()
    for i in range(60, 80):
        c.put(f"/s{i}", str(i))
    m.start()
    etcd.run(3)
    assert m.kv.rev == etcd.leader.kv.rev == 81
    assert m.kv.range("/s", prefix=True, count_only=True).count == 80


def test_lagging_member_catches_up_by_snapshot():
    etcd = EtcdCluster(members=3, seed=11, snapshot_count=10)
    c = etcd.client()
    m = next(x for x in etcd.members if not x.is_leader)
    m.stop()
    from kubelab.etcd import member as member_mod

    old = member_mod.SNAPSHOT_CATCHUP_ENTRIES
    member_mod.SNAPSHOT_CATCHUP_ENTRIES = 2  # compact hard so the follower needs the snapshot
    try:
        for i in range(40):
            c.put(f"/s{i}", str(i))
        m.start()
        etcd.run(3)
    finally:
        member_mod.SNAPSHOT_CATCHUP_ENTRIES = old
    assert m.kv.rev == 41 and m.kv.get("/s0").value == b"0"


def test_add_and_remove_member():
    etcd = EtcdCluster(members=3, seed=12)
    c = etcd.client()
    c.put("/a", "1")
    new = etcd.add_member()
    etcd.run(2)
    assert new.kv.get("/a").value == b"1" and len(etcd.leader.raft.voters) == 4
    victim = next(m for m in etcd.members if not m.is_leader and m is not new)
    etcd.remove_member(victim)
    etcd.run(1)
    assert victim.removed and not victim.running and len(etcd.leader.raft.voters) == 3
    assert victim not in etcd.members and victim in etcd.removed_members and len(etcd.members) == 3
    c.put("/b", "2")
    assert new.kv.get("/b") is not None or etcd.run(1) or new.kv.get("/b") is not None


def test_slow_disk_slows_writes():
    fast = EtcdCluster(members=3, seed=13)
    cf = fast.client()
    cf.put("/warm", "1")
    t0 = fast.sim.now
    cf.put("/a", "1")
    fast_latency = fast.sim.now - t0
    for m in fast.members:
        m.slow_disk(0.05)
    t0 = fast.sim.now
    cf.put("/b", "1")
    assert fast.sim.now - t0 > fast_latency + 0.05


def test_same_seed_same_history():
    def history(seed):
        etcd = EtcdCluster(members=3, seed=seed)
        c = etcd.client()
        c.put("/a", "1")
        etcd.leader.stop()
        etcd.run(3)
        c.put("/b", "2")
        return [tuple(r) for r in etcd.trace], repr(etcd)

    assert history(21) == history(21)


def test_views_render_and_are_deterministic():
    def render(seed):
        etcd = EtcdCluster(members=3, seed=seed)
        c = etcd.client()
        c.put("/registry/pods/default/a", "{}")
        c.txn([Compare.version("/registry/pods/default/b", "=", 0)], [PutRequest("/registry/pods/default/b", "{}")])
        etcd.members[0].stop()
        etcd.run(2)
        from kubelab.viz.etcd import cluster_html, member_html  # what the registered formatters show

        return cluster_html(etcd), member_html(etcd.leader), repr(etcd), repr(etcd.leader)

    a, b = render(4), render(4)
    assert a == b
    cluster_html, member_html, text, mtext = a
    assert "elected leader" in cluster_html and "commit" in member_html and "put /registry/pods/default/a" in member_html
    assert "/registry/pods/default/b" in member_html and "stopped" in cluster_html
    assert "0x" not in text and " at 0x" not in mtext


def test_etcd_does_not_import_the_view_layer():
    import ast
    import pathlib

    import kubelab.etcd as pkg

    for path in pathlib.Path(pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: lazy imports inside _repr_html_ are fine
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                assert not any(n.startswith("kubelab.viz") for n in names), path


def test_member_crash_under_a_request_breaks_its_connection():
    etcd = EtcdCluster(members=3, seed=14)
    c = etcd.client()
    c.put("/a", "1")
    for m in etcd.members:
        m.slow_disk(0.5)  # keep the next write in flight
    ev = c.put_async("/b", "2")
    read = c.range_async("/a")
    etcd.run(0.05)
    pinned = c.endpoint
    pinned.stop()
    etcd.run(1.0)
    assert ev.triggered and isinstance(ev.exception, E.ErrConnectionClosed)
    assert str(ev.exception) == "transport is closing"
    ev.defused = True
    assert read.triggered and read.ok and read.value.kvs[0].value == b"1"  # retried elsewhere
    assert c.endpoint is not pinned


def test_move_leader_and_slow_link():
    etcd = EtcdCluster(members=3, seed=15)
    c = etcd.client()
    c.put("/a", "1")
    target = next(m for m in etcd.members if not m.is_leader)
    etcd.move_leader(target)
    assert etcd.leader is target
    c.put("/b", "2")
    target.slow_link(0.2)
    t0 = etcd.sim.now
    c.put("/c", "3")
    assert etcd.sim.now - t0 >= 0.2
    target.slow_link(0)


def test_default_snapshot_count_is_etcd_3_6s():
    """upstream: etcd 3.6 server/etcdserver/server.go DefaultSnapshotCount = 10000 (and
    kubeadm's cmd/kubeadm/app/phases/etcd/local.go passes --snapshot-count=10000): after
    10,000 applied entries a member snapshots and keeps only SnapshotCatchUpEntries (5,000)
    of its Raft log for slow followers."""
    from kubelab.etcd import member as member_mod

    assert member_mod.DEFAULT_SNAPSHOT_COUNT == 10_000 and member_mod.SNAPSHOT_CATCHUP_ENTRIES == 5_000
    etcd = EtcdCluster(members=1, seed=13)
    m = etcd.members[0]
    assert m.snapshot_count == 10_000
    c = etcd.client()
    for i in range(10_050):
        c.put(f"/s{i % 100}", str(i))
    log = m.raft.log
    assert m.wal.snapshot is not None and log.snap_index == m.wal.snapshot.index - 5_000
    assert len(log.ents) < 5_100 and len(m.wal.entries) < 5_100
    assert m.kv.get("/s0").value == b"10000"

"""MVCC keyspace unit tests: etcd v3 semantics (mvcc/kvstore_test.go, etcdserver/apply.go)."""

import pytest

from kubelab.etcd import errors as E
from kubelab.etcd.mvcc import KV, Compare, DeleteRangeRequest, PutRequest, RangeRequest, TxnRequest, prefix_end


@pytest.fixture
def kv():
    return KV()


def test_empty_store_is_at_revision_1(kv):
    assert kv.range("a").header.revision == 1
    assert kv.range("a").kvs == [] and kv.range("a").count == 0


def test_put_revisions_versions(kv):
    assert kv.put("a", "1").header.revision == 2
    assert kv.put("a", "2").header.revision == 3
    (a,) = kv.range("a").kvs
    assert (a.key, a.value, a.create_revision, a.mod_revision, a.version) == (b"a", b"2", 2, 3, 2)


def test_delete_resets_version_and_create_revision(kv):
    kv.put("a", "1")
    r = kv.delete_range("a", prev_kv=True)
    assert r.deleted == 1 and r.prev_kvs[0].value == b"1" and r.header.revision == 3
    kv.put("a", "2")
    (a,) = kv.range("a").kvs
    assert (a.create_revision, a.version) == (4, 1)


def test_delete_nothing_keeps_revision(kv):
    kv.put("a", "1")
    assert kv.delete_range("b").header.revision == 2 and kv.rev == 2


def test_prefix_and_range_end():
    assert prefix_end("/a/") == b"/a0"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff") == b"\x00"
    kv = KV()
    for k in ["/a/1", "/a/2", "/b/1", "/a0"]:
        kv.put(k, k)
    assert [x.key for x in kv.range("/a/", prefix=True).kvs] == [b"/a/1", b"/a/2"]
    assert [x.key for x in kv.range("/a/2", "\x00").kvs] == [b"/a/2", b"/a0", b"/b/1"]


def test_limit_more_count_sort(kv):
    for k, v in [("a", "3"), ("b", "1"), ("c", "2")]:
        kv.put(k, v)
    r = kv.range("a", "z", limit=2)
    assert [x.key for x in r.kvs] == [b"a", b"b"] and r.more and r.count == 3
    r = kv.range("a", "z", sort_target="VALUE")
    assert [x.value for x in r.kvs] == [b"1", b"2", b"3"]
    r = kv.range("a", "z", sort_order="DESCEND", limit=1)
    assert [x.key for x in r.kvs] == [b"c"] and r.more
    assert kv.range("a", "z", keys_only=True).kvs[0].value == b""
    r = kv.range("a", "z", count_only=True, limit=1)
    assert r.kvs == [] and r.count == 3 and not r.more


def test_range_at_revision_and_compaction(kv):
    kv.put("a", "1")  # 2
    kv.put("a", "2")  # 3
    kv.put("a", "3")  # 4
    assert kv.range("a", revision=2).kvs[0].value == b"1"
    with pytest.raises(E.ErrFutureRev, match="mvcc: required revision is a future revision"):
        kv.range("a", revision=5)
    kv.compact(3)
    assert kv.range("a", revision=3).kvs[0].value == b"2"  # the compaction point itself stays readable
    with pytest.raises(E.ErrCompacted, match="mvcc: required revision has been compacted"):
        kv.range("a", revision=2)
    with pytest.raises(E.ErrCompacted):
        kv.compact(3)
    with pytest.raises(E.ErrFutureRev):
        kv.compact(9)


def test_compaction_drops_tombstones(kv):
    kv.put("a", "1")
    kv.delete_range("a")
    kv.compact(3)
    assert b"a" not in kv._keys


def test_put_errors(kv):
    with pytest.raises(E.ErrEmptyKey, match="etcdserver: key is not provided"):
        kv.put("", "x")
    with pytest.raises(E.ErrLeaseNotFound, match="etcdserver: requested lease not found"):
        kv.put("a", "x", lease=42)
    with pytest.raises(E.ErrKeyNotFound, match="etcdserver: key not found"):
        kv.put("a", ignore_value=True)
    kv.put("a", "1")
    with pytest.raises(E.ErrValueProvided):
        kv.put("a", "2", ignore_value=True)
    with pytest.raises(E.ErrLeaseProvided):
        kv.put("a", "2", lease=1, ignore_lease=True)
    assert kv.rev == 2  # bad input changes nothing


def test_txn_cas_and_one_revision(kv):
    kv.put("a", "1")
    r = kv.txn([Compare.value("a", "=", "1")], [PutRequest("a", "2"), PutRequest("b", "2"), RangeRequest("a")],
               [RangeRequest("a")])
    assert r.succeeded and r.header.revision == 3
    assert r.responses[2].response_range.kvs[0].value == b"2"  # reads its own writes
    assert kv.get("b").mod_revision == 3
    r = kv.txn([Compare.value("a", "=", "1")], [PutRequest("a", "x")], [RangeRequest("a")])
    assert not r.succeeded and r.header.revision == 3


def test_txn_compare_missing_key(kv):
    assert kv.txn([Compare.create_revision("a", "=", 0)], [PutRequest("a", "1")]).succeeded
    assert not kv.txn([Compare.value("zz", "!=", "q")]).succeeded  # missing key: value compare fails


def test_txn_duplicate_key(kv):
    with pytest.raises(E.ErrDuplicateKey, match="etcdserver: duplicate key given in txn request"):
        kv.txn(success=[PutRequest("a", "1"), PutRequest("a", "2")])
    with pytest.raises(E.ErrDuplicateKey):
        kv.txn(success=[PutRequest("b", "1"), DeleteRangeRequest("a", "c")])
    # the two branches of a nested txn exclude each other
    kv.txn(success=[TxnRequest([], [PutRequest("a", "1")], [PutRequest("a", "2")])])
    assert kv.rev == 2


def test_leases(kv):
    g = kv.lease_grant(1, now=0.0)
    assert g.TTL == 2  # raised to etcd's minimum TTL
    kv.put("a", "1", lease=g.ID)
    kv.put("b", "1", lease=g.ID)
    kv.put("b", "2")  # detaches b
    assert kv.expired_leases(1.0) == [] and kv.expired_leases(2.0) == [g.ID]
    assert kv.lease_keepalive(g.ID, now=1.5).TTL == 2 and kv.expired_leases(3.0) == []
    rev = kv.rev
    kv.lease_revoke(g.ID)
    assert kv.get("a") is None and kv.get("b").value == b"2" and kv.rev == rev + 1
    with pytest.raises(E.ErrLeaseNotFound):
        kv.lease_revoke(g.ID)
    with pytest.raises(E.ErrLeaseTTLTooLarge):
        kv.lease_grant(9_000_000_001)
    kv.lease_grant(10, id=7)
    with pytest.raises(E.ErrLeaseExist):
        kv.lease_grant(10, id=7)


def test_watch_history_filters_and_compaction(kv):
    kv.put("/a", "1")
    kv.put("/a", "2")
    got = []
    w = kv.watch("/", prefix=True, start_revision=2, prev_kv=True, callback=got.append)
    assert got[0].created and [e.kv.value for e in got[1].events] == [b"1", b"2"]
    assert got[1].events[1].prev_kv.value == b"1"
    kv.delete_range("/a")
    assert got[-1].events[0].type == "DELETE" and got[-1].header.revision == 4
    w.cancel()
    kv.put("/a", "3")
    assert got[-1].header.revision == 4
    nodel = []
    kv.watch("/", prefix=True, filters=["NODELETE"], callback=nodel.append)
    kv.delete_range("/a")
    kv.put("/b", "1")
    assert [e.type for r in nodel for e in r.events] == ["PUT"]
    kv.compact(5)
    late = []
    kv.watch("/", prefix=True, start_revision=3, callback=late.append)
    assert late[-1].canceled and late[-1].compact_revision == 5


def test_snapshot_restore_roundtrip(kv):
    kv.put("a", "1")
    g = kv.lease_grant(60)
    kv.put("b", "2", lease=g.ID)
    other = KV()
    other.restore(kv.snapshot())
    assert other.range("a", "z").kvs == kv.range("a", "z").kvs and other.rev == kv.rev
    other.lease_revoke(g.ID)
    assert other.get("b") is None and kv.get("b") is not None


def test_watch_replay_keeps_write_order_inside_a_revision(kv):
    # found by the differential test: a txn that puts k3, then deletes the range
    kv.put("k0", "a")
    kv.put("k1", "b")
    kv.txn(success=[TxnRequest([], [PutRequest("k3", "c")], []),
                    TxnRequest([], [DeleteRangeRequest("k", "l")], [])])
    got = []
    kv.watch("k", "l", start_revision=4, callback=got.append)
    assert [(e.type, e.kv.key) for e in got[1].events] == [
        ("PUT", b"k3"), ("DELETE", b"k0"), ("DELETE", b"k1"), ("DELETE", b"k3")]


def _entry(rid, req):
    """A committed Raft entry carrying a put as plain values, as Member._propose_entry makes it."""
    from kubelab.etcd.raft import Entry

    return Entry(2, rid, "EntryNormal", (rid, "put", tuple(req)))


def test_put_quiet_entries_answers_waiters_as_do_put_does():
    """upstream: etcdserver/apply.go Put -> mvcc/kvstore_txn.go put: the leader's batched apply
    of plain puts gives each waiter the response do_put gives (header at the put's own
    revision, no prev_kv), and leaves the same history; it stops, taking nothing, at a put
    it cannot take (a new key, prev_kv, a lease) so the full path applies that one."""
    reqs = [PutRequest("a", "1"), PutRequest("b", "2"), PutRequest("a", "3"),
            PutRequest("b", "4", prev_kv=True), PutRequest("a", "5")]
    slow, fast = KV(cluster_id=7, member_id=9), KV(cluster_id=7, member_id=9)
    for s in (slow, fast):
        s.raft_term = 3
        s.put("a", "0"), s.put("b", "0")
    want = [slow.do_put(r) for r in reqs]
    ents = [_entry(i, r) for i, r in enumerate(reqs)]
    waits = {i: ("answer", i) for i in range(len(reqs))}
    answers = []
    stop = fast.put_quiet_entries(ents, 0, waits, answers)
    assert stop == 3  # the prev_kv put goes the full path, its waiter still waiting
    assert sorted(waits) == [3, 4]
    assert [a[0] for a in answers] == [("answer", 0), ("answer", 1), ("answer", 2)]
    assert [a[1] for a in answers] == want[:3] and all(a[2] is None for a in answers)
    assert answers[2][1].header.revision == 6 and answers[2][1].header.raft_term == 3
    assert fast.do_put(reqs[3]) == want[3]
    assert fast.put_quiet_entries(ents, 4, waits, answers) == 5 and answers[-1][1] == want[4]
    assert fast.snapshot() == slow.snapshot()
    # a key never written: nothing taken
    assert fast.put_quiet_entries([_entry(9, PutRequest("new", "x"))], 0, {9: "w"}, answers) == 0
    assert fast.rev == slow.rev


def test_snapshot_shares_single_versions_and_restores_history(kv):
    """A snapshot (what etcd ships as its backend db; kubelab keeps it in memory) holds a key
    with one live version as that version's own tuple, shared with the store, and the full
    history of the others; restoring it gives the same answers at every revision."""
    kv.put("a", "1")
    kv.put("b", "1")
    kv.put("b", "2")
    kv.delete_range("c")  # nothing: no history
    kv.put("c", "1")
    kv.delete_range("c")
    snap = kv.snapshot()
    single = [e for e in snap["hist"] if len(e) != 3]
    assert [e[0] for e in single] == [b"a"] and single[0] is kv._hist[b"a"].kvs[0]
    other = KV()
    other.restore(snap)
    for rev in range(1, kv.rev + 1):
        assert other.range("a", "z", revision=rev).kvs == kv.range("a", "z", revision=rev).kvs
    assert other.rev == kv.rev and other.get("c") is None
    other.put("a", "2")  # the restored store writes on its own copy of the history
    assert kv.get("a").value == b"1" and other.get("a").version == 2

"""A bad request never reaches the Raft log, and a committed entry never wedges a member.

Real etcd checks every request before proposing it (etcdserver/api/v3rpc/key.go:
checkRangeRequest, checkPutRequest, checkTxnRequest, checkIntervals) and its applier turns
whatever goes wrong applying an entry into that request's error. Arguments gRPC could not
even encode (a list as a key, a str as a revision) are refused by the client, naming them.
"""

import pytest

from kubelab.etcd import EtcdCluster, EtcdError
from kubelab.etcd.mvcc import Compare, LeaseGrantRequest, PutRequest


@pytest.fixture
def etcd():
    return EtcdCluster(members=3, seed=1)


def still_serves(etcd, c):
    """Every member applies the next write and the cluster keeps running."""
    rev = c.put("/after", "ok").header.revision
    etcd.run(seconds=1)
    assert all(m.kv.rev >= rev for m in etcd.members)
    assert c.range("/after").kvs[0].value == b"ok"


@pytest.mark.parametrize("call, error, words", [
    (lambda c: c.lease_grant("x"), TypeError, "ttl must be an int, not str"),
    (lambda c: c.lease_grant(10**30), ValueError, "ttl 1000000000000000000000000000000 overflows int64"),
    (lambda c: c.txn(compare=[5]), TypeError, "compare[0] must be a Compare, not int"),
    (lambda c: c.txn(success=["put k"]), TypeError, "success[0] must be a RangeRequest or PutRequest"),
    (lambda c: c.txn(failure=None), TypeError, "failure must be a list, not NoneType"),
    (lambda c: c.put(["k"], "v"), TypeError, "key must be str or bytes, not list"),
    (lambda c: c.put("k", 5), TypeError, "value must be str or bytes, not int"),
    (lambda c: c.put("k", "v", lease="1"), TypeError, "lease must be an int, not str"),
    (lambda c: c.put("k", "\ud800"), ValueError, "value must be valid UTF-8"),
    (lambda c: c.range("k", revision="x"), TypeError, "revision must be an int, not str"),
    (lambda c: c.range("k", sort_target=None), ValueError, "sort_target must be one of KEY, VERSION"),
    (lambda c: c.range("k", sort_order="UP"), ValueError, "sort_order must be one of NONE, ASCEND"),
    (lambda c: c.range("k", prefix="yes"), TypeError, "prefix must be a bool, not str"),
    (lambda c: c.compact("x"), TypeError, "revision must be an int, not str"),
    (lambda c: c.lease_revoke(None), TypeError, "id must be an int, not NoneType"),
    (lambda c: c.lease_keepalive("1"), TypeError, "id must be an int, not str"),
    (lambda c: c.watch("k", filters="NOPUT"), ValueError, "filters must be a list of NOPUT / NODELETE"),
    (lambda c: Compare.version("k", "bogus", 1), ValueError, "result must be one of =, !=, <, >"),
    (lambda c: Compare.create_revision("k", ">", "v"), TypeError, "operand must be an int, not str"),
    (lambda c: Compare("k", "SIZE", "=", 1), ValueError, "target must be VERSION, CREATE, MOD, VALUE or LEASE"),
])
def test_the_client_refuses_what_grpc_could_not_encode(etcd, call, error, words):
    c = etcd.client()
    rev = c.put("/before", "x").header.revision
    with pytest.raises(error) as e:
        call(c)
    assert words in str(e.value)
    assert all(m.kv.rev == rev for m in etcd.members if m.kv.rev)  # nothing was proposed
    still_serves(etcd, c)


@pytest.mark.parametrize("call, words", [
    (lambda c: c.put("", "v"), "etcdserver: key is not provided"),
    (lambda c: c.range(""), "etcdserver: key is not provided"),
    (lambda c: c.delete(""), "etcdserver: key is not provided"),
    (lambda c: c.put("k", "v", ignore_value=True), "etcdserver: value is provided"),
    (lambda c: c.put("k", lease=5, ignore_lease=True), "etcdserver: lease is provided"),
    (lambda c: c.txn(compare=[Compare.version("", "=", 0)]), "etcdserver: key is not provided"),
    (lambda c: c.txn(success=[PutRequest("a", "1"), PutRequest("a", "2")]),
     "etcdserver: duplicate key given in txn request"),
    (lambda c: c.txn(success=[PutRequest(f"k{i}") for i in range(129)]),
     "etcdserver: too many operations in txn request"),
])
def test_the_server_refuses_before_proposing_with_etcds_words(etcd, call, words):
    c = etcd.client()
    c.put("/before", "x")
    leader = etcd.leader
    index = leader.raft.log.last_index()
    with pytest.raises(EtcdError, match=words):
        call(c)
    assert leader.raft.log.last_index() == index  # refused before the Raft log
    still_serves(etcd, c)


def test_an_entry_that_fails_to_apply_is_an_error_not_a_wedged_member(etcd):
    # a request that slipped past every check (here: mutated after it was built) is
    # committed; each member answers it with an error and goes on applying the log
    c = etcd.client()
    c.put("/before", "x")
    bad = LeaseGrantRequest(10)
    bad.TTL = "x"
    answers = []
    leader = etcd.leader
    leader.handle("lease_grant", bad, lambda resp, err: answers.append(err))
    etcd.run(seconds=1)
    assert len(answers) == 1 and isinstance(answers[0], EtcdError)
    assert "etcdserver: TypeError" in str(answers[0])
    still_serves(etcd, c)
    etcd.run(seconds=5)  # the clock keeps running

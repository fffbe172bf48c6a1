"""etcd in miniature: Raft (pure), the MVCC keyspace, members on a simulated disk, the
cluster, its client, and transport security.

For notebook users (blocking calls run the simulated clock until answered)::

    etcd = EtcdCluster(members=3, seed=1)
    c = etcd.client()
    c.put("/demo/a", "1").header.revision           # 2
    c.range("/demo/", prefix=True).kvs              # key, value, create/mod revision, version, lease
    w = c.watch("/demo/", prefix=True, start_revision=1)
    etcd.leader.stop(); etcd.run(seconds=3); etcd.leader

For code inside the simulation (the API server's storage) — every call returns a sim
``Event`` that succeeds with the response or fails with an :class:`EtcdError`, by the
client's deadline at the latest (default 5 simulated seconds)::

    etcd = EtcdCluster(members=3, sim=sim, network=net, hosts=["master-1", "master-2", "master-3"])
    c = etcd.client(host="master-1", cert=etcd.ca.issue_client("kube-apiserver-etcd-client",
                                                              ["system:masters"]))   # with TLS on
    c.put_async(key, value, lease=0, prev_kv=False, ignore_value=False, ignore_lease=False)
    c.range_async(key, range_end=None, prefix=False, limit=0, revision=0, sort_order="NONE",
                  sort_target="KEY", keys_only=False, count_only=False, serializable=False)
    c.delete_range_async(key, range_end=None, prefix=False, prev_kv=False)
    c.txn_async(compare=[Compare.mod_revision(k, "=", rev)], success=[PutRequest(k, v)],
                failure=[RangeRequest(k)])
    c.compact_async(revision, physical=False)
    c.lease_grant_async(ttl, id=0); c.lease_revoke_async(id); c.lease_keepalive_async(id)
    c.lease_time_to_live_async(id, keys=False)
    c.watch(key, range_end=None, prefix=False, start_revision=0, prev_kv=False, filters=(),
            progress_notify=False, callback=fn)     # -> Watcher with .cancel()

Names, defaults and error strings follow etcd 3.4; the modules say where each comes from.
"""

from . import errors
from .capacity import CurvePoint, latency_throughput
from .client import Client, Watcher
from .cluster import EtcdCluster
from .errors import EtcdError
from .member import Member
from .mvcc import (
    KV,
    Compare,
    DeleteRangeRequest,
    KeyValue,
    PutRequest,
    RangeRequest,
    TxnRequest,
    WatchEvent,
    WatchResponse,
    prefix_end,
)
from .tls import Certificate, CertificateAuthority, EtcdTLS

__all__ = [
    "Certificate", "CertificateAuthority", "Client", "Compare", "CurvePoint", "DeleteRangeRequest", "EtcdCluster", "EtcdError",
    "EtcdTLS", "KV", "KeyValue", "Member", "PutRequest", "RangeRequest", "TxnRequest", "WatchEvent",
    "WatchResponse", "Watcher", "errors", "latency_throughput", "prefix_end",
]

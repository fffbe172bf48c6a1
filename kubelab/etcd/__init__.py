"""etcd in miniature: Raft (pure), the MVCC keyspace, members on a simulated disk, the
cluster and its client. The API server's storage talks to :class:`Client` (``*_async``).

    etcd = EtcdCluster(members=3, seed=1)
    c = etcd.client()
    c.put("/demo/a", "1").header.revision
"""

from . import errors
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

__all__ = [
    "Client", "Compare", "DeleteRangeRequest", "EtcdCluster", "EtcdError", "KV", "KeyValue", "Member",
    "PutRequest", "RangeRequest", "TxnRequest", "WatchEvent", "WatchResponse", "Watcher", "errors", "prefix_end",
]

"""kube-apiserver: verbs, admission, strategies, storage layout under /registry, watch cache."""

from .server import APIServer, ListResult, Request
from .watchcache import WatchEvent

__all__ = ["APIServer", "ListResult", "Request", "WatchEvent"]

"""What components are built on: the API client, informers, work queues, event
recording and leader election (client-go's tools, in miniature)."""

from .informer import DeletedFinalStateUnknown, SharedInformer, SharedInformerFactory, meta_namespace_key, split_key
from .leaderelection import LeaderElector
from .record import EventRecorder, EventsRecorder, object_reference
from .rest import APIClient, ClientError, resolve_kind
from .workqueue import RateLimitingQueue

__all__ = [
    "APIClient", "ClientError", "DeletedFinalStateUnknown", "EventRecorder", "EventsRecorder", "LeaderElector",
    "RateLimitingQueue", "SharedInformer", "SharedInformerFactory", "meta_namespace_key",
    "object_reference", "resolve_kind", "split_key",
]

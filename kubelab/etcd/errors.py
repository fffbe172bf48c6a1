"""etcd's errors, worded exactly as etcd words them.

Strings come from etcd 3.4: ``mvcc/kvstore.go`` (ErrCompacted, ErrFutureRev),
``etcdserver/api/v3rpc/rpctypes/error.go`` (the ``etcdserver: ...`` family) and
``etcdserver/errors.go``. Each class carries the gRPC status code the server answers
with (``code``), the same number the JSON gateway puts in its ``"code"`` field.
"""

from __future__ import annotations

# gRPC status codes (google.golang.org/grpc/codes)
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
FAILED_PRECONDITION = 9
OUT_OF_RANGE = 11
UNAVAILABLE = 14
UNAUTHENTICATED = 16


class EtcdError(Exception):
    """Base of every error kubelab's etcd raises; ``str(e)`` is etcd's own message."""

    message = "etcdserver: unknown error"
    code = 2  # codes.Unknown

    #: the wording a client sees over gRPC when it differs from the server-side one
    grpc_message: str | None = None

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message

    def grpc(self) -> "EtcdError":
        """The error as a client receives it (rpctypes wraps mvcc errors: ``etcdserver: mvcc: ...``)."""
        if self.grpc_message is None or self.message == self.grpc_message:
            return self
        return type(self)(self.grpc_message)


class ErrCompacted(EtcdError):
    message = "mvcc: required revision has been compacted"  # mvcc/kvstore.go
    grpc_message = "etcdserver: mvcc: required revision has been compacted"  # rpctypes.ErrGRPCCompacted
    code = OUT_OF_RANGE


class ErrFutureRev(EtcdError):
    message = "mvcc: required revision is a future revision"  # mvcc/kvstore.go
    grpc_message = "etcdserver: mvcc: required revision is a future revision"  # rpctypes.ErrGRPCFutureRev
    code = OUT_OF_RANGE


class ErrEmptyKey(EtcdError):
    message = "etcdserver: key is not provided"  # rpctypes.ErrGRPCEmptyKey
    code = INVALID_ARGUMENT


class ErrKeyNotFound(EtcdError):
    message = "etcdserver: key not found"  # rpctypes.ErrGRPCKeyNotFound (ignore_value/lease)
    code = INVALID_ARGUMENT


class ErrValueProvided(EtcdError):
    message = "etcdserver: value is provided"  # rpctypes.ErrGRPCValueProvided
    code = INVALID_ARGUMENT


class ErrLeaseProvided(EtcdError):
    message = "etcdserver: lease is provided"  # rpctypes.ErrGRPCLeaseProvided
    code = INVALID_ARGUMENT


class ErrRequestTooLarge(EtcdError):
    message = "etcdserver: request is too large"  # rpctypes.ErrGRPCRequestTooLarge (--max-request-bytes)
    code = INVALID_ARGUMENT


class ErrTooManyOps(EtcdError):
    message = "etcdserver: too many operations in txn request"  # rpctypes.ErrGRPCTooManyOps
    code = INVALID_ARGUMENT


class ErrDuplicateKey(EtcdError):
    message = "etcdserver: duplicate key given in txn request"  # rpctypes.ErrGRPCDuplicateKey
    code = INVALID_ARGUMENT


class ErrLeaseNotFound(EtcdError):
    message = "etcdserver: requested lease not found"  # rpctypes.ErrGRPCLeaseNotFound
    code = NOT_FOUND


class ErrLeaseExist(EtcdError):
    message = "etcdserver: lease already exists"  # rpctypes.ErrGRPCLeaseExist
    code = FAILED_PRECONDITION


class ErrLeaseTTLTooLarge(EtcdError):
    message = "etcdserver: too large lease TTL"  # rpctypes.ErrGRPCLeaseTTLTooLarge
    code = OUT_OF_RANGE


class ErrNoLeader(EtcdError):
    message = "etcdserver: no leader"  # rpctypes.ErrGRPCNoLeader
    code = UNAVAILABLE


class ErrNotLeader(EtcdError):
    message = "etcdserver: not leader"  # rpctypes.ErrGRPCNotLeader
    code = UNAVAILABLE


class ErrLeaderChanged(EtcdError):
    message = "etcdserver: leader changed"  # rpctypes.ErrGRPCLeaderChanged
    code = UNAVAILABLE


class ErrTimeout(EtcdError):
    message = "etcdserver: request timed out"  # rpctypes.ErrGRPCTimeout
    code = UNAVAILABLE


class ErrTimeoutDueToLeaderFail(EtcdError):
    message = "etcdserver: request timed out, possibly due to previous leader failure"
    code = UNAVAILABLE


class ErrStopped(EtcdError):
    message = "etcdserver: server stopped"  # rpctypes.ErrGRPCStopped
    code = UNAVAILABLE


class ErrMemberNotFound(EtcdError):
    message = "etcdserver: member not found"  # rpctypes.ErrGRPCMemberNotFound
    code = NOT_FOUND


class ErrUnhealthy(EtcdError):
    message = "etcdserver: unhealthy cluster"  # rpctypes.ErrGRPCUnhealthy
    code = UNAVAILABLE


class ErrDeadlineExceeded(EtcdError):
    """What clientv3 returns when the caller's context times out (grpc DeadlineExceeded)."""

    message = "context deadline exceeded"
    code = DEADLINE_EXCEEDED


class ErrConnectionClosed(EtcdError):
    """The member's connection broke under a request (grpc: "transport is closing");
    clientv3 retries reads on another endpoint, writes fail with this."""

    message = "transport is closing"
    code = UNAVAILABLE


class ErrAuthHandshake(EtcdError):
    """TLS refusal, as the grpc transport words it (see tls.py)."""

    message = "transport: authentication handshake failed"
    code = UNAVAILABLE

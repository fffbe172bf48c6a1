"""Auditing: one record per request, as kube-apiserver's audit backend writes them.

An :class:`AuditEvent` has the fields of an ``audit.k8s.io/v1`` Event at level
``Metadata`` and stage ``ResponseComplete`` (k8s.io/apiserver/pkg/apis/audit/v1/types.go):
who (``user``), what (``verb``, ``objectRef``, ``requestURI``), the answer
(``responseStatus.code``) and the authorizer's decision and reason in the
``authorization.k8s.io/decision`` / ``authorization.k8s.io/reason`` annotations
(endpoints/filters/authorization.go). The server keeps the newest ones in a bounded ring
(:class:`AuditLog`), the in-memory stand-in for ``--audit-log-path`` with
``--audit-log-maxsize``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from kubelab.api.base import rfc3339_micro

DECISION = "authorization.k8s.io/decision"
REASON = "authorization.k8s.io/reason"


@dataclass(frozen=True, slots=True)  # slots: the ring holds 10,000 per server
class AuditEvent:
    seq: int  # the request's number on its server (the auditID derives from it)
    time: float  # the simulated second the response completed
    received: float  # requestReceivedTimestamp
    server: str  # the kube-apiserver replica that served it
    verb: str
    user: str
    groups: tuple[str, ...]
    user_agent: str
    resource: str
    api_group: str
    api_version: str
    namespace: str
    name: str
    subresource: str
    request_uri: str
    code: int
    decision: str  # "allow" or "forbid"
    reason: str
    message: str = ""  # responseStatus.message of a refusal
    annotations: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def audit_id(self) -> str:
        """A UUID, as the real auditID; derived from the server and the request's number so a
        seed's history gives the same IDs (and draws nothing from the simulation's RNG)."""
        digest = hashlib.sha256(f"{self.server}/{self.seq}".encode()).digest()[:16]
        return str(uuid.UUID(bytes=digest, version=4))

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"

    def to_dict(self) -> dict[str, Any]:
        """The record as the audit log's JSON line (an audit.k8s.io/v1 Event)."""
        ref: dict[str, Any] = {"resource": self.resource}
        if self.namespace:
            ref["namespace"] = self.namespace
        if self.name:
            ref["name"] = self.name
        if self.api_group:
            ref["apiGroup"] = self.api_group
        ref["apiVersion"] = self.api_version
        if self.subresource:
            ref["subresource"] = self.subresource
        status: dict[str, Any] = {"metadata": {}, "code": self.code}
        if self.code >= 400:
            status["status"] = "Failure"
            if self.message:
                status["message"] = self.message
        return {
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": self.audit_id,
            "stage": "ResponseComplete", "requestURI": self.request_uri, "verb": self.verb,
            "user": {"username": self.user, "groups": list(self.groups)}, "userAgent": self.user_agent,
            "objectRef": ref, "responseStatus": status,
            "requestReceivedTimestamp": rfc3339_micro(self.received), "stageTimestamp": rfc3339_micro(self.time),
            "annotations": {DECISION: self.decision, REASON: self.reason, **self.annotations},
        }


class AuditLog:
    """The newest ``size`` audit events of one API server, oldest first."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._events: deque[AuditEvent] = deque(maxlen=size)
        self.dropped = 0

    def record(self, event: AuditEvent) -> None:
        if len(self._events) == self.size:
            self.dropped += 1
        self._events.append(event)

    def __iter__(self):
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)


def select(events: Iterable[AuditEvent], user: Optional[str] = None, verb: Optional[str] = None,
           resource: Optional[str] = None, namespace: Optional[str] = None, name: Optional[str] = None,
           allowed: Optional[bool] = None, since: Optional[float] = None) -> list[AuditEvent]:
    """The events matching every filter given (``resource`` may be ``pods`` or ``pods/status``)."""
    out = []
    for e in events:
        if user is not None and e.user != user:
            continue
        if verb is not None and e.verb != verb:
            continue
        if resource is not None and resource not in (e.resource, f"{e.resource}/{e.subresource}"):
            continue
        if namespace is not None and e.namespace != namespace:
            continue
        if name is not None and e.name != name:
            continue
        if allowed is not None and e.allowed != allowed:
            continue
        if since is not None and e.time < since:
            continue
        out.append(e)
    return out


class AuditTrail(list):
    """Audit events, oldest first; shows as a table (one line per request)."""

    COLUMNS = ("TIME", "USER", "VERB", "RESOURCE", "NAMESPACE", "NAME", "CODE", "DECISION")

    def rows(self) -> list[tuple[str, ...]]:
        return [(f"{e.time:.3f}", e.user, e.verb, e.resource + (f"/{e.subresource}" if e.subresource else ""),
                 e.namespace, e.name, str(e.code), e.decision) for e in self]

    def __repr__(self) -> str:
        if not self:
            return "No audit events."
        table = [self.COLUMNS, *self.rows()]
        widths = [max(len(r[i]) for r in table) for i in range(len(self.COLUMNS))]
        return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def check_filters(**filters: Any) -> None:
    """Refuse filters of the wrong type, naming the argument."""
    for key, value in filters.items():
        if value is None:
            continue
        if key == "allowed":
            if not isinstance(value, bool):
                raise TypeError(f"allowed must be True, False or None, not {type(value).__name__}")
        elif key in ("since",):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise TypeError(f"since must be a number of simulated seconds, not {type(value).__name__}")
        elif key == "limit":
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"limit must be an int, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"limit must be >= 0, not {value}")
        elif not isinstance(value, str):
            raise TypeError(f"{key} must be a str, not {type(value).__name__}")


__all__ = ["AuditEvent", "AuditLog", "AuditTrail", "DECISION", "REASON", "check_filters", "select"]

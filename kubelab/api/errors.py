"""API errors carrying a Kubernetes ``Status``, as the apiserver returns them.

Mirrors ``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go`` (the
``New*`` constructors, their messages, codes and reasons, and the ``Is*``
predicates); ``kubectl_message`` mirrors how kubectl prints them
(``staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go``: ``checkErr``,
``StandardErrorMessage``, ``MultilineError``, ``AddSourceToErr``).
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Optional, Union

from .field import ErrorList, FieldError, go_quote

__all__ = [
    "GroupKind",
    "GroupResource",
    "OPTIMISTIC_LOCK_ERROR_MSG",
    "StatusError",
    "StatusReason",
    "add_source_to_err",
    "is_already_exists",
    "is_bad_request",
    "is_conflict",
    "is_forbidden",
    "is_gone",
    "is_internal_error",
    "is_invalid",
    "is_method_not_supported",
    "is_not_found",
    "is_resource_expired",
    "is_server_timeout",
    "is_service_unavailable",
    "is_timeout",
    "is_too_many_requests",
    "is_unauthorized",
    "kubectl_message",
    "new_already_exists",
    "new_bad_request",
    "new_conflict",
    "new_decode_error",
    "new_forbidden",
    "new_generate_name_conflict",
    "new_generic_server_response",
    "new_gone",
    "new_internal_error",
    "new_invalid",
    "new_method_not_supported",
    "new_not_found",
    "new_request_entity_too_large",
    "new_resource_expired",
    "new_server_timeout",
    "new_server_timeout_for_kind",
    "new_service_unavailable",
    "new_timeout",
    "new_timeout_error",
    "new_too_many_requests",
    "new_too_many_requests_error",
    "new_unauthorized",
    "reason_for_error",
]

# k8s.io/apiserver/pkg/registry/generic/registry (storage.OptimisticLockErrorMsg)
OPTIMISTIC_LOCK_ERROR_MSG = "the object has been modified; please apply your changes to the latest version and try again"


class StatusReason:
    """metav1.StatusReason values."""

    UNKNOWN = ""
    UNAUTHORIZED = "Unauthorized"
    FORBIDDEN = "Forbidden"
    NOT_FOUND = "NotFound"
    ALREADY_EXISTS = "AlreadyExists"
    CONFLICT = "Conflict"
    GONE = "Gone"
    INVALID = "Invalid"
    SERVER_TIMEOUT = "ServerTimeout"
    STORE_READ_ERROR = "StorageReadError"
    TIMEOUT = "Timeout"
    TOO_MANY_REQUESTS = "TooManyRequests"
    BAD_REQUEST = "BadRequest"
    METHOD_NOT_ALLOWED = "MethodNotAllowed"
    NOT_ACCEPTABLE = "NotAcceptable"
    REQUEST_ENTITY_TOO_LARGE = "RequestEntityTooLarge"
    UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType"
    INTERNAL_ERROR = "InternalError"
    EXPIRED = "Expired"
    SERVICE_UNAVAILABLE = "ServiceUnavailable"


class GroupResource:
    """schema.GroupResource; ``str()`` is ``resource.group`` (or ``resource``)."""

    __slots__ = ("group", "resource")

    def __init__(self, group: str = "", resource: str = "") -> None:
        self.group = group
        self.resource = resource

    @classmethod
    def parse(cls, v: Union[str, tuple, "GroupResource"]) -> "GroupResource":
        """``"deployments.apps"`` / ``("apps", "deployments")`` / a GroupResource."""
        if isinstance(v, GroupResource):
            return v
        if isinstance(v, tuple):
            return cls(v[0], v[1])
        resource, _, group = v.partition(".")
        return cls(group, resource)

    def empty(self) -> bool:
        return not self.group and not self.resource

    def __str__(self) -> str:
        return self.resource if not self.group else f"{self.resource}.{self.group}"

    def __repr__(self) -> str:
        return f"GroupResource({self.group!r}, {self.resource!r})"

    def __eq__(self, o: object) -> bool:
        return isinstance(o, GroupResource) and (o.group, o.resource) == (self.group, self.resource)

    def __hash__(self) -> int:
        return hash((self.group, self.resource))


class GroupKind:
    """schema.GroupKind; ``str()`` is ``Kind.group`` (or ``Kind``)."""

    __slots__ = ("group", "kind")

    def __init__(self, group: str = "", kind: str = "") -> None:
        self.group = group
        self.kind = kind

    @classmethod
    def parse(cls, v: Union[str, tuple, "GroupKind"]) -> "GroupKind":
        """``"Deployment.apps"`` / ``("apps", "Deployment")`` / a GroupKind."""
        if isinstance(v, GroupKind):
            return v
        if isinstance(v, tuple):
            return cls(v[0], v[1])
        kind, _, group = v.partition(".")
        return cls(group, kind)

    def __str__(self) -> str:
        return self.kind if not self.group else f"{self.kind}.{self.group}"

    def __repr__(self) -> str:
        return f"GroupKind({self.group!r}, {self.kind!r})"


def _status(code: int, reason: str, message: str, details: Optional[dict] = None) -> dict:
    st: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        st["details"] = details
    st["code"] = code
    return st


def _details(group: str = "", kind: str = "", name: str = "", causes: Optional[list] = None,
             retry_after_seconds: int = 0) -> dict:
    # json omitempty: only set fields appear
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    if kind:
        d["kind"] = kind
    if causes:
        d["causes"] = causes
    if retry_after_seconds:
        d["retryAfterSeconds"] = retry_after_seconds
    return d


class StatusError(Exception):
    """errors.StatusError: ``str()`` is the Status message (``Error()``)."""

    # set when the server answered with plain text rather than a Status (a filter's
    # http.Error, e.g. max-inflight's 429): client-go then builds its own message
    text_body: Optional[str] = None

    def __init__(self, status: dict) -> None:
        self.status = status
        super().__init__(status.get("message", ""))

    # Status accessors
    @property
    def code(self) -> int:
        return int(self.status.get("code", 0))

    @property
    def reason(self) -> str:
        return self.status.get("reason", "")

    @property
    def message(self) -> str:
        return self.status.get("message", "")

    @property
    def details(self) -> Optional[dict]:
        return self.status.get("details")

    @property
    def causes(self) -> list[dict]:
        return list((self.details or {}).get("causes", []))

    def to_dict(self) -> dict:
        """The Status object as JSON would carry it."""
        return copy.deepcopy(self.status)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"StatusError(code={self.code}, reason={self.reason!r}, message={self.message!r})"

    def kubectl_message(self, verb: Optional[str] = None, source: Optional[str] = None) -> str:
        return kubectl_message(self, verb=verb, source=source)



# ---------------------------------------------------------------------------
# constructors (errors.go)

GR = Union[str, tuple, GroupResource]
GK = Union[str, tuple, GroupKind]


def new_not_found(qualified_resource: GR, name: str) -> StatusError:
    gr = GroupResource.parse(qualified_resource)
    return StatusError(_status(404, StatusReason.NOT_FOUND, f"{gr} {go_quote(name)} not found",
                               _details(gr.group, gr.resource, name)))


def new_already_exists(qualified_resource: GR, name: str) -> StatusError:
    gr = GroupResource.parse(qualified_resource)
    return StatusError(_status(409, StatusReason.ALREADY_EXISTS, f"{gr} {go_quote(name)} already exists",
                               _details(gr.group, gr.resource, name)))


def new_generate_name_conflict(qualified_resource: GR, name: str, retry_after_seconds: int) -> StatusError:
    gr = GroupResource.parse(qualified_resource)
    return StatusError(_status(
        409, StatusReason.ALREADY_EXISTS,
        f"{gr} {go_quote(name)} already exists, the server was not able to generate a unique name for the object",
        _details(gr.group, gr.resource, name, retry_after_seconds=retry_after_seconds)))


def new_unauthorized(reason: str = "") -> StatusError:
    return StatusError(_status(401, StatusReason.UNAUTHORIZED, reason or "not authorized"))


def new_forbidden(qualified_resource: GR, name: str, err: Any) -> StatusError:
    gr = GroupResource.parse(qualified_resource)
    if gr.empty():
        message = f"forbidden: {err}"
    elif name == "":
        message = f"{gr} is forbidden: {err}"
    else:
        message = f"{gr} {go_quote(name)} is forbidden: {err}"
    return StatusError(_status(403, StatusReason.FORBIDDEN, message, _details(gr.group, gr.resource, name)))


def new_conflict(qualified_resource: GR, name: str, err: Any = OPTIMISTIC_LOCK_ERROR_MSG) -> StatusError:
    """NewConflict; the default ``err`` is the optimistic-lock message the
    registry uses when a resourceVersion is stale."""
    gr = GroupResource.parse(qualified_resource)
    return StatusError(_status(409, StatusReason.CONFLICT,
                               f"Operation cannot be fulfilled on {gr} {go_quote(name)}: {err}",
                               _details(gr.group, gr.resource, name)))


def new_gone(message: str) -> StatusError:
    return StatusError(_status(410, StatusReason.GONE, message))


def new_resource_expired(message: str) -> StatusError:
    return StatusError(_status(410, StatusReason.EXPIRED, message))


def new_invalid(qualified_kind: GK, name: str, errs: Iterable[FieldError]) -> StatusError:
    """NewInvalid: 422, reason Invalid, one cause per field error, and the
    message ``<Kind.group> "<name>" is invalid: <aggregate>`` (the aggregate is
    the lone error, or ``[a, b]``)."""
    gk = GroupKind.parse(qualified_kind)
    errs = ErrorList(errs)
    causes = [e.to_cause() for e in errs]
    agg = errs.to_aggregate_message()
    if agg is None:
        message = f"{gk} {go_quote(name)} is invalid"
    else:
        message = f"{gk} {go_quote(name)} is invalid: {agg}"
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if gk.group:
        d["group"] = gk.group
    if gk.kind:
        d["kind"] = gk.kind
    d["causes"] = causes
    st = StatusError(_status(422, StatusReason.INVALID, message, d))
    st.field_errors = errs  # type: ignore[attr-defined]
    return st


def new_bad_request(reason: str) -> StatusError:
    return StatusError(_status(400, StatusReason.BAD_REQUEST, reason))


def new_decode_error(kind: str, version: str, err: Any, into_kind: Optional[str] = None) -> StatusError:
    """The BadRequest the apiserver's create/update handlers return when the
    body does not decode (e.g. ``cpu: abc``): transformDecodeError in
    ``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go``::

        Pod in version "v1" cannot be handled as a Pod: quantities must match ...
    """
    return new_bad_request(f"{kind} in version {go_quote(version)} cannot be handled as a {into_kind or kind}: {err}")


def new_too_many_requests(message: str, retry_after_seconds: int) -> StatusError:
    return StatusError(_status(429, StatusReason.TOO_MANY_REQUESTS, message,
                               _details(retry_after_seconds=retry_after_seconds)))


def new_too_many_requests_error(message: str) -> StatusError:
    return StatusError(_status(429, StatusReason.TOO_MANY_REQUESTS, f"Too many requests: {message}"))


# metav1.CauseTypeUnexpectedServerResponse
CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE = "UnexpectedServerResponse"

_GENERIC = {
    400: (StatusReason.BAD_REQUEST, "the server rejected our request for an unknown reason"),
    401: (StatusReason.UNAUTHORIZED, "the server has asked for the client to provide credentials"),
    404: (StatusReason.NOT_FOUND, "the server could not find the requested resource"),
    405: (StatusReason.METHOD_NOT_ALLOWED, "the server does not allow this method on the requested resource"),
    422: (StatusReason.INVALID, "the server rejected our request due to an error in our request"),
    429: (StatusReason.TOO_MANY_REQUESTS, "the server has received too many requests and has asked us to try again later"),
    503: (StatusReason.SERVICE_UNAVAILABLE, "the server is currently unable to handle the request"),
    504: (StatusReason.TIMEOUT, "the server was unable to return a response in the time allotted, "
                               "but may still be processing the request"),
}


def new_generic_server_response(code: int, verb: str, qualified_resource: GR, name: str, server_message: str,
                                retry_after_seconds: int = 0, is_unexpected_response: bool = False) -> StatusError:
    """errors.NewGenericServerResponse: a Status for an answer in no recognisable form. What
    client-go makes of a body that is not a Status (``is_unexpected_response``: plain text
    from a filter), e.g. for a 429 from max-inflight: ``the server has received too many
    requests and has asked us to try again later (post pods)``; and what kube-apiserver
    answers a JSON patch that does not apply: (422, "", {}, "", err). The server's own
    message is kept only for 403 (and as the cause of an unexpected response)."""
    gr = GroupResource.parse(qualified_resource) if qualified_resource else GroupResource("", "")
    reason, message = StatusReason.UNKNOWN, f"the server responded with the status code {code} but did not return more information"
    if code == 409:
        reason = StatusReason.ALREADY_EXISTS if verb.upper() == "POST" else StatusReason.CONFLICT
        message = "the server reported a conflict"
    elif code == 403:
        reason, message = StatusReason.FORBIDDEN, server_message
    elif code in _GENERIC:
        reason, message = _GENERIC[code]
    elif code >= 500:
        reason = StatusReason.INTERNAL_ERROR
        message = f"an error on the server ({go_quote(server_message)}) has prevented the request from succeeding"
    if not gr.empty() and name:
        message = f"{message} ({verb.lower()} {gr} {name})"
    elif not gr.empty():
        message = f"{message} ({verb.lower()} {gr})"
    causes = [{"type": CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE, "message": server_message}] if is_unexpected_response else None
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if gr.group:
        details["group"] = gr.group
    if gr.resource:
        details["kind"] = gr.resource
    if causes:
        details["causes"] = causes
    if retry_after_seconds:
        details["retryAfterSeconds"] = retry_after_seconds
    return StatusError(_status(code, reason, message, details))


def new_service_unavailable(reason: str) -> StatusError:
    return StatusError(_status(503, StatusReason.SERVICE_UNAVAILABLE, reason))


def new_method_not_supported(qualified_resource: GR, action: str) -> StatusError:
    gr = GroupResource.parse(qualified_resource)
    return StatusError(_status(405, StatusReason.METHOD_NOT_ALLOWED,
                               f"{action} is not supported on resources of kind {go_quote(str(gr))}",
                               _details(gr.group, gr.resource)))


def new_server_timeout(qualified_resource: GR, operation: str, retry_after_seconds: int) -> StatusError:
    gr = GroupResource.parse(qualified_resource)
    return StatusError(_status(
        500, StatusReason.SERVER_TIMEOUT,
        f"The {operation} operation against {gr} could not be completed at this time, please try again.",
        _details(gr.group, gr.resource, operation, retry_after_seconds=retry_after_seconds)))


def new_server_timeout_for_kind(qualified_kind: GK, operation: str, retry_after_seconds: int) -> StatusError:
    gk = GroupKind.parse(qualified_kind)
    return new_server_timeout(GroupResource(gk.group, gk.kind), operation, retry_after_seconds)


def from_error(err: Any) -> StatusError:
    """errors.ToAPIStatus for an error that is not a Status (an etcd failure, say): 500 with
    reason Unknown ("") and the error's own text; kubectl prints ``Error from server: ...``."""
    return StatusError(_status(500, "", str(err)))


def new_internal_error(err: Any) -> StatusError:
    return StatusError(_status(500, StatusReason.INTERNAL_ERROR, f"Internal error occurred: {err}",
                               {"causes": [{"message": str(err)}]}))


def new_timeout_error(message: str, retry_after_seconds: int) -> StatusError:
    return StatusError(_status(504, StatusReason.TIMEOUT, f"Timeout: {message}",
                               _details(retry_after_seconds=retry_after_seconds)))


new_timeout = new_timeout_error


def new_request_entity_too_large(message: str) -> StatusError:
    return StatusError(_status(413, StatusReason.REQUEST_ENTITY_TOO_LARGE, f"Request entity too large: {message}"))


# ---------------------------------------------------------------------------
# predicates (errors.go: ReasonForError and Is*)

_CODE_FOR_REASON = {
    StatusReason.NOT_FOUND: 404,
    StatusReason.ALREADY_EXISTS: 409,
    StatusReason.CONFLICT: 409,
    StatusReason.INVALID: 422,
    StatusReason.GONE: 410,
    StatusReason.EXPIRED: 410,
    StatusReason.SERVICE_UNAVAILABLE: 503,
    StatusReason.METHOD_NOT_ALLOWED: 405,
    StatusReason.BAD_REQUEST: 400,
    StatusReason.UNAUTHORIZED: 401,
    StatusReason.FORBIDDEN: 403,
    StatusReason.TIMEOUT: 504,
    StatusReason.TOO_MANY_REQUESTS: 429,
    StatusReason.INTERNAL_ERROR: 500,
}


def reason_for_error(err: Any) -> str:
    return err.reason if isinstance(err, StatusError) else StatusReason.UNKNOWN


def _is(err: Any, reason: str, by_code: bool = True) -> bool:
    if not isinstance(err, StatusError):
        return False
    if err.reason == reason:
        return True
    # a Status with an unknown reason is judged by its code, as upstream does
    return by_code and err.reason not in _KNOWN and err.code == _CODE_FOR_REASON.get(reason, -1)


_KNOWN = {v for k, v in vars(StatusReason).items() if k.isupper() and v}


def is_not_found(err: Any) -> bool:
    return _is(err, StatusReason.NOT_FOUND)


def is_already_exists(err: Any) -> bool:
    return _is(err, StatusReason.ALREADY_EXISTS, by_code=False)


def is_conflict(err: Any) -> bool:
    return _is(err, StatusReason.CONFLICT)


def is_invalid(err: Any) -> bool:
    return _is(err, StatusReason.INVALID)


def is_gone(err: Any) -> bool:
    return _is(err, StatusReason.GONE)


def is_resource_expired(err: Any) -> bool:
    return _is(err, StatusReason.EXPIRED, by_code=False)


def is_bad_request(err: Any) -> bool:
    return _is(err, StatusReason.BAD_REQUEST)


def is_unauthorized(err: Any) -> bool:
    return _is(err, StatusReason.UNAUTHORIZED)


def is_forbidden(err: Any) -> bool:
    return _is(err, StatusReason.FORBIDDEN)


def is_method_not_supported(err: Any) -> bool:
    return _is(err, StatusReason.METHOD_NOT_ALLOWED)


def is_service_unavailable(err: Any) -> bool:
    return _is(err, StatusReason.SERVICE_UNAVAILABLE)


def is_timeout(err: Any) -> bool:
    return _is(err, StatusReason.TIMEOUT)


def is_server_timeout(err: Any) -> bool:
    return _is(err, StatusReason.SERVER_TIMEOUT, by_code=False)


def is_internal_error(err: Any) -> bool:
    return _is(err, StatusReason.INTERNAL_ERROR)


def is_too_many_requests(err: Any) -> bool:
    return _is(err, StatusReason.TOO_MANY_REQUESTS)


# ---------------------------------------------------------------------------
# kubectl's rendering


def add_source_to_err(verb: str, source: str, err: StatusError) -> StatusError:
    """cmdutil.AddSourceToErr: ``error when creating "STDIN": <message>``."""
    if not source:
        return err
    st = err.to_dict()
    st["message"] = f"error when {verb} {go_quote(source)}: {st.get('message', '')}"
    return StatusError(st)


def kubectl_message(err: Any, verb: Optional[str] = None, source: Optional[str] = None) -> str:
    """What kubectl prints for an error (without the trailing newline).

    ``verb``/``source`` add apply's ``error when creating "STDIN": `` prefix
    (not shown for Invalid, whose text kubectl rebuilds from the details):

    - ``Error from server (NotFound): deployments.apps "web" not found``
    - ``The Deployment "web" is invalid: spec.replicas: Invalid value: -1: ...``
    - several causes: ``The Deployment "web" is invalid: `` then ``* cause`` lines
    """
    if not isinstance(err, StatusError):
        return f"error: {err}"
    if verb and source:
        err = add_source_to_err(verb, source, err)
    if is_invalid(err):
        details = err.details
        s = "The request is invalid"
        if details is None:
            return s + (": " + err.message if err.message else "")
        causes = details.get("causes") or []
        if details.get("kind") or details.get("name"):
            s = f"The {details.get('kind', '')} {go_quote(details.get('name', ''))} is invalid"
        elif err.message and not causes:
            s += ": " + err.message
        if not causes:
            return s
        msgs: list[str] = []
        for c in causes:  # statusCausesToAggrError: dedupe "field: message"
            m = f"{c.get('field', '')}: {c.get('message', '')}"
            if m not in msgs:
                msgs.append(m)
        if len(msgs) == 1:
            return f"{s}: {msgs[0]}"
        return f"{s}: \n" + "\n".join(f"* {m}" for m in msgs)
    if err.reason == StatusReason.UNAUTHORIZED:
        return f"error: You must be logged in to the server ({err.message})"
    if err.reason:
        return f"Error from server ({err.reason}): {err.message}"
    return f"Error from server: {err.message}"

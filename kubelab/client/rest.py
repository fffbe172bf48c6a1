"""The API client every component uses (client-go's typed clients, in miniature).

Every call crosses the simulated network from the component's host to an API server
and back, and returns a simulation :class:`~kubelab.sim.Event`: inside a process,
``pod = yield client.create(pod)``; a failure is thrown into the process as a
:class:`~kubelab.api.errors.StatusError` (from the server) or :class:`ClientError`
(the connection: refused, or the client's timeout).

Retries are client-go's (``k8s.io/client-go/rest/with_retry.go``, ``request.go``): an
answer of 429 Too Many Requests or any 5xx that carries ``Retry-After`` (the API server
sets the header from the Status's ``details.retryAfterSeconds``) is sent again after that
many seconds, up to :attr:`APIClient.max_retries` (client-go's default: 10) times — so
11 attempts in all. Anything else, or the last attempt's answer, goes to the caller.
Transport errors are not retried (client-go retries only a GET whose connection was reset,
which the simulated network never does). When the last answer was a plain-text 429 (the
max-inflight filter's), the caller gets what client-go makes of a body that is not a
Status (``errors.NewGenericServerResponse``), which kubectl prints as::

    Error from server (TooManyRequests): the server has received too many requests and has asked us to try again later (post pods)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from kubelab.api import errors
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import kind_by_name
from kubelab.sim import Event, Network, Simulator

if TYPE_CHECKING:
    from kubelab.apiserver.server import APIServer

KindRef = Union[type[KubeObject], str]


class ClientError(Exception):
    """The request never got an answer from a server (client-go's transport errors)."""


def resolve_kind(kind: KindRef) -> type[KubeObject]:
    if isinstance(kind, type):
        if not issubclass(kind, KubeObject):
            raise TypeError(f"kind must be a kind name (str) or an API class, not {kind.__name__}")
        return kind
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a kind name (str) or an API class, not {type(kind).__name__}")
    cls = kind_by_name(kind)
    if cls is None:
        raise ValueError(f'the server doesn\'t have a resource type "{kind}"')
    return cls


class APIClient:
    """A connection from ``host`` to the API server that ``resolve(host)`` picks (the local
    one on a master, the load balancer's choice on a worker)."""

    def __init__(self, sim: Simulator, network: Network, host: str,
                 resolve: Callable[[str], Optional["APIServer"]], user_agent: str = "kubelab",
                 timeout: float = 30.0, user: Any = None, credentials: Any = None, max_retries: int = 10):
        self.sim = sim
        self.user = user  # a kubelab.apiserver.user.UserInfo: who this client authenticates as
        # or what it presents for the server to authenticate (kubelab.apiserver.authn.Credentials)
        self.credentials = credentials
        self.network = network
        self.host = host
        self.resolve = resolve
        self.user_agent = user_agent
        self.timeout = timeout
        # client-go's rest.Request maxRetries (request.go: "maxRetries: 10")
        self.max_retries = max_retries
        self.requests = 0
        self.failures = 0
        self.retries = 0  # attempts sent again after a Retry-After

    def __repr__(self) -> str:
        return f"<APIClient {self.user_agent}@{self.host}>"

    # -- transport ----------------------------------------------------------------------
    def request(self, req: Any) -> Event:
        """Send ``req``; the returned event settles with the last attempt's answer."""
        req.user_agent = self.user_agent
        if self.user is not None:
            req.user = self.user
        if self.credentials is not None:
            req.credentials = self.credentials
        out = self.sim.event()
        self._attempt(req, out, 0)
        return out

    def _attempt(self, req: Any, out: Event, attempt: int) -> None:
        self.requests += 1
        answer = self.sim.event()
        answer.add_callback(lambda e: self._answered(req, out, attempt, e))
        server = self.resolve(self.host)
        if server is None or not self.network.can_reach(self.host, server.host):
            # what a client sees with no server to talk to
            answer.fail(ClientError("The connection to the server was refused - did you specify the right host or port?"))
            return
        timer = self.sim.call_later(self.timeout, self._timed_out, answer, req)
        self.network.send(self.host, server.host, self._at_server, server, req, answer, timer)

    def _answered(self, req: Any, out: Event, attempt: int, e: Event) -> None:
        e.defused = True
        if e.ok:
            out.succeed(e.value)
            return
        exc = e.exception
        wait = retry_after(exc)
        # withRetry.IsNextRetry: attempts counted from 1, no retry once they pass maxRetries
        if wait is not None and attempt + 1 <= self.max_retries:
            self.retries += 1
            # withRetry.Before sleeps Retry-After, then the backoff manager's delay (client-go's
            # default manager is NoBackoff unless KUBE_CLIENT_BACKOFF_BASE is set: zero)
            self.sim.call_later(float(wait), self._attempt, req, out, attempt + 1)
            return
        self.failures += 1
        if isinstance(exc, errors.StatusError) and getattr(exc, "text_body", None) is not None:
            exc = generic_server_response(exc, req)
        out.fail(exc)

    def _timed_out(self, out: Event, req: Any) -> None:
        if not out.triggered:
            # client-go's http.Client timeout, as kubectl prints it
            out.fail(ClientError(f"{req.describe()}: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"))

    def _at_server(self, server: "APIServer", req: Any, out: Event, timer) -> None:
        ev = server.handle(req)

        def reply(e: Event) -> None:
            e.defused = True
            self.network.send(server.host, self.host, self._deliver, out, e, timer)

        ev.add_callback(reply)

    def _deliver(self, out: Event, e: Event, timer) -> None:
        timer.cancel()
        if out.triggered:
            return
        if e.ok:
            out.succeed(e.value)
        else:
            out.fail(e.exception)

    # -- verbs --------------------------------------------------------------------------
    def _req(self, verb: str, kind: KindRef, namespace=None, name=None, body=None, subresource=None, **options):
        from kubelab.apiserver.server import Request

        cls = resolve_kind(kind)
        return self.request(Request(verb, cls, namespace if cls.NAMESPACED else None, name, body, subresource, options))

    def create(self, obj: KubeObject, namespace: Optional[str] = None, dry_run: bool = False) -> Event:
        return self._req("create", type(obj), namespace or obj.metadata.namespace or "default", obj.metadata.name, obj,
                         **_dry(dry_run))

    def get(self, kind: KindRef, name: str, namespace: Optional[str] = "default",
            subresource: Optional[str] = None) -> Event:
        return self._req("get", kind, namespace, name, subresource=subresource)

    def list(self, kind: KindRef, namespace: Optional[str] = None, label_selector=None, field_selector=None) -> Event:
        return self._req("list", kind, namespace, label_selector=label_selector, field_selector=field_selector)

    def update(self, obj: KubeObject, dry_run: bool = False, subresource: Optional[str] = None) -> Event:
        return self._req("update", type(obj), obj.metadata.namespace, obj.metadata.name, obj, subresource,
                         **_dry(dry_run))

    def update_status(self, obj: KubeObject) -> Event:
        return self._req("update", type(obj), obj.metadata.namespace, obj.metadata.name, obj, subresource="status")

    def finalize_namespace(self, ns: KubeObject) -> Event:
        """PUT namespaces/<name>/finalize: what the namespace controller does last."""
        return self._req("update", type(ns), None, ns.metadata.name, ns, "finalize")

    def patch(self, kind: KindRef, name: str, namespace: Optional[str], patch: Any,
              patch_type: str = "strategic", subresource: Optional[str] = None, dry_run: bool = False) -> Event:
        return self._req("patch", kind, namespace, name, patch, subresource, patch_type=patch_type, **_dry(dry_run))

    def delete(self, kind: KindRef, name: str, namespace: Optional[str] = "default",
               propagation_policy: Optional[str] = None, grace_period_seconds: Optional[int] = None,
               preconditions: Optional[dict] = None, dry_run: bool = False) -> Event:
        return self._req("delete", kind, namespace, name, propagation_policy=propagation_policy,
                         grace_period_seconds=grace_period_seconds, preconditions=preconditions, **_dry(dry_run))

    def evict(self, name: str, namespace: str) -> Event:
        """POST pods/<name>/eviction (policy/v1 Eviction; what ``kubectl drain`` sends)."""
        return self._req("create", "pods", namespace, name, None, "eviction")

    def bind(self, name: str, namespace: str, node_name: str) -> Event:
        """POST pods/<name>/binding (what the scheduler's DefaultBinder does)."""
        return self._req("bind", "pods", namespace, name, node_name, "binding")

    # -- watch --------------------------------------------------------------------------
    def watch(self, kind: KindRef, handler: Callable[[list], None], on_error: Callable[[Exception], None],
              namespace: Optional[str] = None, resource_version: int = 0,
              label_selector=None, field_selector=None, health_period: float = 2.0) -> "ClientWatch":
        """Open a watch. ``handler(events)`` gets batches of WatchEvents; ``on_error(exc)``
        is called once when the watch breaks (server gone, link cut, 410 Expired)."""
        return ClientWatch(self, resolve_kind(kind), handler, on_error, namespace, resource_version,
                           label_selector, field_selector, health_period)


def retry_after(exc: BaseException) -> Optional[int]:
    """client-go's checkWait: the seconds to wait when the answer is a 429 or a 5xx that
    carries ``Retry-After``; None when it is not to be retried."""
    if not isinstance(exc, errors.StatusError):
        return None
    code = exc.code
    if code != 429 and code < 500:
        return None
    seconds = (exc.details or {}).get("retryAfterSeconds")
    if not seconds:
        return None
    return int(seconds)


# http method per kubelab verb, as the message of NewGenericServerResponse lower-cases it
_METHODS = {"create": "post", "get": "get", "list": "get", "update": "put", "patch": "patch",
            "delete": "delete", "bind": "post", "watch": "get"}


def generic_server_response(exc: errors.StatusError, req: Any) -> errors.StatusError:
    """request.go's newUnstructuredResponseError for a body that is not a Status: the
    message is client-go's own, with ``(<method> <resource>[ <name>])`` appended."""
    gr = req.kind.group_resource()
    # POST to a collection has no name in its URL (request.go: r.resourceName)
    name = "" if req.verb == "create" else (req.name or "")
    return errors.new_generic_server_response(exc.code, _METHODS.get(req.verb, req.verb), gr, name,
                                              exc.text_body, int((exc.details or {}).get("retryAfterSeconds") or 0),
                                              is_unexpected_response=True)


class ClientWatch:
    """One open watch. The connection is checked every ``health_period`` simulated seconds
    (the HTTP/2 ping that tells client-go its server is gone)."""

    def __init__(self, client: APIClient, kind, handler, on_error, namespace, rv, ls, fs, health_period):
        self.client = client
        self.kind = kind
        self.handler = handler
        self.on_error = on_error
        self.stopped = False
        self.server = client.resolve(client.host)
        self._server_watch = None
        self._health = None
        net = client.network
        if self.server is None or not net.can_reach(client.host, self.server.host):
            client.sim.call_soon(self._fail, ClientError("The connection to the server was refused"))
            return
        net.send(client.host, self.server.host, self._open, namespace, rv, ls, fs)
        # The health check runs on a fixed beat (every health_period from now), but only at the
        # first beat after something broke a path (a host stopped, a link cut, a server
        # stopped): an idle cluster's hundreds of watches cost no events.
        self._period = health_period
        self._next_beat = client.sim.now + health_period
        self._health = None
        net.on_break(self, self._on_break)
        if not self._healthy():
            self._on_break()  # already broken one way (or the server stopping): the first beat sees it

    def _open(self, namespace, rv, ls, fs) -> None:
        if self.stopped:
            return
        try:
            self._server_watch = self.server.watch(self.kind, namespace, rv, self._send, ls, fs, user=self.client.user,
                                                   credentials=self.client.credentials)
        except Exception as exc:  # noqa: BLE001 — 410 Expired, bad selector, server stopping
            self.client.network.send(self.server.host, self.client.host, self._fail, exc)

    def _send(self, events: list) -> None:
        # server side: ship the batch to the client's host
        self.client.network.send(self.server.host, self.client.host, self._deliver, events)

    def _deliver(self, events: list) -> None:
        if not self.stopped:
            self.handler(events)

    def _on_break(self) -> None:
        if self.stopped or self._health is not None:
            return
        sim = self.client.sim
        beat = self._next_beat
        while beat < sim.now:
            beat += self._period  # as a ticker adds its period at each beat
        self._next_beat = beat
        self._health = sim.call_at(beat, self._beat)

    def _beat(self) -> None:
        self._health = None
        self._next_beat = self.client.sim.now + self._period
        self._check()

    def _healthy(self) -> bool:
        s = self.server
        net = self.client.network
        return s.running and net.can_reach(self.client.host, s.host) and net.can_reach(s.host, self.client.host)

    def _check(self) -> None:
        if self.stopped:
            return
        s = self.server
        if not self._healthy():
            self._fail(ClientError(f"watch of {self.kind.RESOURCE} closed: connection to {s.name} lost"))

    def _fail(self, exc: Exception) -> None:
        if self.stopped:
            return
        self.stop()
        self.on_error(exc)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.client.network.off_break(self)
        if self._health is not None:
            self._health.cancel()
        if self._server_watch is not None:
            self._server_watch.stop()


def _dry(dry_run: bool) -> dict:
    """``?dryRun=All``: the server validates and admits the request but stores nothing."""
    return {"dry_run": "All"} if dry_run else {}

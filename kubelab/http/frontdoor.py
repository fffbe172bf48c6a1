"""The one place where HTTP requests cross into the simulation.

:class:`FrontDoor` turns a parsed HTTP request into what kube-apiserver's handler chain
would answer: it routes the path (``/api/v1/namespaces/default/pods/web-1/status``), reads
the query (selectors, ``limit``/``continue``, ``watch``, ``dryRun``, ``fieldValidation``),
negotiates the answer's shape (object, list, Table, discovery documents) and hands the verb to
the API servers through the load balancer, exactly as every other client of the simulated
cluster does. Reads look at the chosen API server's watch cache and change nothing (as the
in-process facade's reads do); writes travel the simulated network, so they run the simulation
until the API server answers. Every failure is a metav1.Status with kube-apiserver's wording.

The front door is synchronous and single-threaded: the asyncio server calls :meth:`handle`
on the thread that owns the simulation, one request at a time.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import parse_qs

import yaml

from kubelab.api import errors
from kubelab.api import events as eventsv1
from kubelab.api.core import ComponentStatus
from kubelab.api.events import EventsV1Event
from kubelab.api.meta import KubeObject
from kubelab.api.version import SERVER_INFO
from kubelab.apiserver import healthz
from kubelab.apiserver.server import Request
from kubelab.apiserver.user import UserInfo
from kubelab.client import APIClient, ClientError

from . import discovery, openapi, protobuf
from . import table as tables

MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024  # k8s.io/apiserver/pkg/server/config.go MaxRequestBodyBytes
SERVER_VERSION = SERVER_INFO  # /version: what `kubectl version` shows for the simulated server
JSON = "application/json"
PROTOBUF = "application/vnd.kubernetes.protobuf"


@dataclass
class HTTPRequest:
    method: str
    target: str  # path?query
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    user: Optional[UserInfo] = None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        q = self.target.split("?", 1)[1] if "?" in self.target else ""
        return parse_qs(q, keep_blank_values=True)

    def param(self, name: str, default: Optional[str] = None) -> Optional[str]:
        v = self.query.get(name)
        return v[0] if v else default


@dataclass
class HTTPResponse:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Any = None  # a WatchStream: the server sends headers, then its chunks


def status_response(err: errors.StatusError, headers: Optional[list] = None) -> HTTPResponse:
    st = err.to_dict()
    return HTTPResponse(int(st.get("code") or 500), _dumps(st), JSON, headers or [])


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def not_found() -> errors.StatusError:
    # the NotFound handler of the generic API server (genericapifilters / handlers/responsewriters)
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": "the server could not find the requested resource", "reason": "NotFound",
                               "details": {}, "code": 404})


def method_not_allowed() -> errors.StatusError:
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": "the server does not allow this method on the requested resource",
                               "reason": "MethodNotAllowed", "details": {}, "code": 405})


def unauthorized() -> errors.StatusError:
    # k8s.io/apiserver/pkg/endpoints/handlers/responsewriters Unauthorized
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": "Unauthorized", "reason": "Unauthorized", "code": 401})


def _not_acceptable(types: str) -> errors.StatusError:
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": f"only the following media types are accepted: {types}",
                               "reason": "NotAcceptable", "code": 406})


def _unsupported_media(ct: str, accepted: str) -> errors.StatusError:
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": f"the body of the request was in an unknown format - accepted media types include: {accepted}",
                               "reason": "UnsupportedMediaType", "code": 415})


def _success(code: int = 200, details: Optional[dict] = None) -> dict:
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        st["details"] = details
    st["code"] = code
    return st


# -- media types --------------------------------------------------------------------------
@dataclass
class MediaType:
    type: str
    params: dict[str, str]

    @property
    def table(self) -> bool:
        return self.params.get("as") == "Table" and self.params.get("g") == "meta.k8s.io"


def parse_accept(value: Optional[str]) -> list[MediaType]:
    out = []
    for part in (value or "*/*").split(","):
        bits = [b.strip() for b in part.split(";")]
        params = {}
        for b in bits[1:]:
            if "=" in b:
                k, _, v = b.partition("=")
                params[k.strip()] = v.strip()
        out.append(MediaType(bits[0].lower(), params))
    return out


def _accepts_json(accept: list[MediaType]) -> bool:
    return any(m.type in ("application/json", "application/*", "*/*", "application/yaml") and "as" not in m.params
               for m in accept)


# -- routing ------------------------------------------------------------------------------
@dataclass
class Route:
    resource: Optional[discovery.Resource]
    namespace: Optional[str] = None
    name: Optional[str] = None
    subresource: Optional[str] = None


class FrontDoor:
    """kube-apiserver's HTTP handlers over the simulated API servers.

    ``pick`` returns the API server the load balancer would route the user to (or None when
    none is reachable), without moving its round robin; ``client_host`` is where the user's
    requests come from on the simulated network; ``metrics`` (optional) answers
    ``metrics.k8s.io`` as metrics-server would."""

    def __init__(self, sim, network, pick: Callable[[str, bool], Any], client_host: str = "kubectl",
                 metrics: Optional[Callable[[str, Optional[str]], dict]] = None, server_address: str = "127.0.0.1:6443",
                 write_limit: float = 120.0, on_write: Optional[Callable[[Request], None]] = None):
        self.sim = sim
        self.on_write = on_write  # told of each request that may change the cluster
        self.network = network
        self.pick = pick
        self.client_host = client_host
        self.metrics = metrics
        self.server_address = server_address
        self.write_limit = write_limit
        self._clients: dict[tuple, APIClient] = {}
        self.requests = 0
        # the JSON of stored objects as reads return them, by (uid, resourceVersion, in a list):
        # an object read back at the same resourceVersion is the same bytes (write responses,
        # dry runs among them, are always encoded afresh)
        self._encoded: dict[tuple, bytes] = {}

    # -- the crossing ----------------------------------------------------------------------
    def handle(self, req: HTTPRequest) -> HTTPResponse:
        """Answer one request. Never raises: whatever goes wrong becomes a Status."""
        self.requests += 1
        try:
            return self._route(req)
        except errors.StatusError as exc:
            return status_response(exc)
        except ClientError as exc:
            return status_response(errors.new_service_unavailable(str(exc)))
        except Exception as exc:  # noqa: BLE001 — a bug must not stop the server
            return status_response(errors.new_internal_error(f"{type(exc).__name__}: {exc}"))

    def _route(self, req: HTTPRequest) -> HTTPResponse:
        if req.user is None:
            return status_response(unauthorized())
        pf = self._pf_headers(req)
        if not pf:
            return self._serve(req)
        try:
            resp = self._serve(req)
        except errors.StatusError as exc:
            resp = status_response(exc)
        resp.headers = list(resp.headers) + pf
        return resp

    # server/filters/priority-and-fairness.go: every request the filter classifies is answered
    # with the UIDs of the FlowSchema and the priority level it matched (net/http writes the
    # names canonicalised: X-Kubernetes-Pf-Flowschema-Uid)
    PF_FLOW_SCHEMA_UID = "X-Kubernetes-Pf-Flowschema-Uid"
    PF_PRIORITY_LEVEL_UID = "X-Kubernetes-Pf-Prioritylevel-Uid"

    def _pf_headers(self, req: HTTPRequest) -> list[tuple[str, str]]:
        server = self.pick(self.client_host, False)
        if server is None or not getattr(server, "enable_priority_and_fairness", False):
            return []
        apf = server.flowcontrol
        parts = [p for p in req.path.split("/") if p]
        # RequestInfo: /api/v1/<resource>... and /apis/<group>/<version>/<resource>... are resource requests
        lead = 2 if parts[:1] == ["api"] else 3 if parts[:1] == ["apis"] else 0
        rest = parts[lead:] if lead else []
        if not rest:
            c = apf.classify_non_resource("get" if req.method == "HEAD" else req.method.lower(), req.path, req.user)
        else:
            group = parts[1] if lead == 3 else ""
            ns = ""
            if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
                ns, rest = rest[1], rest[2:]
            resource = rest[0] + (f"/{rest[2]}" if len(rest) >= 3 else "")
            named = len(rest) >= 2
            watch = _truthy(req.param("watch"))
            verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(req.method) or (
                ("delete" if named else "deletecollection") if req.method == "DELETE" else
                "watch" if watch else "get" if named else "list")
            c = apf.classify(verb, group, resource, ns, req.user)
        fs = server.caches["FlowSchema"].get(None, c.flow_schema)
        pl = server.caches["PriorityLevelConfiguration"].get(None, c.priority_level)
        return [(self.PF_FLOW_SCHEMA_UID, fs.metadata.uid if fs is not None else ""),
                (self.PF_PRIORITY_LEVEL_UID, pl.metadata.uid if pl is not None else "")]

    def _serve(self, req: HTTPRequest) -> HTTPResponse:
        path = req.path
        parts = [p for p in path.split("/") if p]
        if req.method not in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            raise method_not_allowed()
        if not parts:
            return self._json({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v2", "/openapi/v3",
                                         "/readyz", "/version"]})
        head = parts[0]
        if head == "version" and len(parts) == 1:
            return self._get_only(req, lambda: self._json(SERVER_VERSION))
        if head in ("healthz", "livez", "readyz"):
            return self._get_only(req, lambda: self._health(head, parts[1:], req))
        if head == "openapi":
            return self._get_only(req, lambda: self._openapi(parts[1:], req))
        if head == "api":
            return self._api(req, "", parts[1:])
        if head == "apis":
            if len(parts) >= 2 and parts[1] == discovery.METRICS_GROUP and self.metrics is not None:
                return self._get_only(req, lambda: self._metrics(parts[2:], req))
            if len(parts) == 1:
                return self._get_only(req, lambda: self._discovery_apis(req))
            return self._api(req, parts[1], parts[2:])
        raise not_found()

    def _get_only(self, req: HTTPRequest, fn) -> HTTPResponse:
        if req.method not in ("GET", "HEAD"):
            raise method_not_allowed()
        return fn()

    def _json(self, obj: Any, status: int = 200, content_type: str = JSON, headers=None) -> HTTPResponse:
        return HTTPResponse(status, _dumps(obj), content_type, headers or [])

    # -- health, openapi, discovery -----------------------------------------------------------
    def _health(self, which: str, rest: list[str], req: HTTPRequest) -> HTTPResponse:
        res = healthz.answer(which, rest, req.param("verbose") is not None, self.pick(self.client_host, False))
        if res is None:
            raise not_found()
        code, body = res
        return HTTPResponse(code, body.encode(), "text/plain; charset=utf-8")

    def _openapi(self, rest: list[str], req: HTTPRequest) -> HTTPResponse:
        if rest == ["v2"]:
            # kube-openapi handler.go: the first of the client's accepted types it can serve
            for m in parse_accept(req.headers.get("accept")):
                if m.type in openapi.V2_PROTOBUF_TYPES:
                    return HTTPResponse(200, openapi.v2_protobuf(), openapi.V2_PROTOBUF)
                if _accepts_json([m]):
                    return HTTPResponse(200, openapi.v2_document(), JSON)
            raise _not_acceptable("application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
        if rest == ["v3"]:
            return HTTPResponse(200, openapi.v3_root(), JSON)
        if len(rest) >= 3 and rest[0] == "v3":
            gv = rest[1:]
            if gv == ["api", "v1"]:
                group, version = "", "v1"
            elif len(gv) == 3 and gv[0] == "apis":
                group, version = gv[1], gv[2]
            else:
                raise not_found()
            if version not in discovery.group_versions().get(group, []):
                raise not_found()
            return HTTPResponse(200, openapi.v3_document(group, version), JSON,
                                [("Cache-Control", "public, immutable"), ("Etag", '"' + openapi.v3_hash(group, version) + '"')])
        raise not_found()

    def _aggregated_wanted(self, req: HTTPRequest) -> bool:
        for m in parse_accept(req.headers.get("accept")):
            if m.params.get("as") == "APIGroupDiscoveryList" and m.params.get("v") == "v2":
                return True
            if _accepts_json([m]):
                return False
        return False

    def _discovery_apis(self, req: HTTPRequest) -> HTTPResponse:
        if self._aggregated_wanted(req):
            extra = [discovery.metrics_aggregated()] if self.metrics is not None else []
            return self._json(discovery.aggregated(False, extra), content_type=discovery.AGGREGATED_CONTENT_TYPE,
                              headers=[("Vary", "Accept")])
        extra = {discovery.METRICS_GROUP: ["v1beta1"]} if self.metrics is not None else {}
        return self._json(discovery.api_group_list(extra), headers=[("Vary", "Accept")])

    # -- the resource API ---------------------------------------------------------------------
    def _api(self, req: HTTPRequest, group: str, rest: list[str]) -> HTTPResponse:
        gvs = discovery.group_versions()
        if group == "":
            if not rest:
                if req.method not in ("GET", "HEAD"):
                    raise method_not_allowed()
                if self._aggregated_wanted(req):
                    return self._json(discovery.aggregated(True), content_type=discovery.AGGREGATED_CONTENT_TYPE,
                                      headers=[("Vary", "Accept")])
                return self._json(discovery.api_versions(self.server_address), headers=[("Vary", "Accept")])
        elif group not in gvs:
            raise not_found()
        elif not rest:
            if req.method not in ("GET", "HEAD"):
                raise method_not_allowed()
            return self._json(discovery.api_group(group, gvs[group]))
        version, rest = rest[0], rest[1:]
        if version not in gvs.get(group, []):
            raise not_found()
        if not rest:
            if req.method not in ("GET", "HEAD"):
                raise method_not_allowed()
            return self._json(discovery.api_resource_list(group, version))
        route = self._parse_route(group, version, rest)
        return self._verb(req, route)

    def _parse_route(self, group: str, version: str, rest: list[str]) -> Route:
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        res = discovery.lookup(group, version, rest[0])
        if res is None or len(rest) > 3:
            raise not_found()
        if ns is not None and not res.kind.NAMESPACED:
            raise not_found()
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if sub is not None and res.sub(sub) is None:
            raise not_found()
        return Route(res, ns, name, sub)

    def _verb(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        if r.resource.kind is EventsV1Event:
            return self._events_v1(req, r)
        if r.resource.kind is ComponentStatus:
            return self._component_statuses(req, r)
        m = req.method
        if r.subresource:
            verbs = r.resource.sub(r.subresource).verbs
            verb = {"GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "POST": "create"}.get(m)
            if verb not in verbs:
                raise method_not_allowed()
            return self._subresource(req, r, verb)
        if r.name is None:
            if m in ("GET", "HEAD"):
                if _truthy(req.param("watch")):
                    return self._watch(req, r)
                return self._list(req, r)
            if m == "POST":
                return self._create(req, r)
            if m == "DELETE":
                return self._deletecollection(req, r)
            raise method_not_allowed()
        if m in ("GET", "HEAD"):
            if _truthy(req.param("watch")):
                return self._watch(req, r, name=r.name)
            return self._get(req, r)
        if m == "PUT":
            return self._update(req, r)
        if m == "PATCH":
            return self._patch(req, r)
        if m == "DELETE":
            return self._delete(req, r)
        raise method_not_allowed()

    # -- reads ------------------------------------------------------------------------------
    def _server(self):
        s = self.pick(self.client_host, False)
        if s is None:
            raise errors.new_service_unavailable("the API servers behind the load balancer are unreachable")
        return s

    def _shape(self, req: HTTPRequest) -> tuple[str, str]:
        """("table", meta api version) | ("json", "") from the Accept header."""
        accept = parse_accept(req.headers.get("accept"))
        for mt in accept:
            if mt.table and mt.params.get("v") in ("v1", "v1beta1"):
                return "table", f"meta.k8s.io/{mt.params['v']}"
            if _accepts_json([mt]):
                return "json", ""
        if any(mt.type == "application/vnd.kubernetes.protobuf" for mt in accept):
            raise _not_acceptable("application/json, application/yaml, application/vnd.kubernetes.protobuf")
        raise _not_acceptable("application/json, application/yaml, application/vnd.kubernetes.protobuf")

    def _component_statuses(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        """componentstatuses: probed by the answering API server on each read (its REST has
        get and list only), with the deprecation warning (rest.go WarningsOnCreate/List)."""
        if req.method not in ("GET", "HEAD") or _truthy(req.param("watch")):
            raise method_not_allowed()
        server = self._server()
        warn = [("Warning", '299 - "v1 ComponentStatus is deprecated in v1.19+"')]
        if r.name is not None:
            items = [server.component_statuses.get(ComponentStatus, r.name)]
            if items[0] is None:
                raise errors.new_not_found(ComponentStatus.group_resource(), r.name)
        else:
            items = server.component_statuses.list(ComponentStatus)
        shape, mv = self._shape(req)
        if shape == "table":
            return self._json(tables.table("ComponentStatus", items, self.sim.now, None,
                                           req.param("includeObject", "Metadata"), mv), headers=warn)
        if r.name is not None:
            return self._json(items[0].to_dict(), headers=warn)
        return self._json({"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {},
                           "items": [o.to_dict() for o in items]}, headers=warn)

    def _get(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        kind = r.resource.kind
        shape, mv = self._shape(req)
        obj = self._server().read(kind, r.name, r.namespace if kind.NAMESPACED else None)
        if shape == "table":
            return self._json(tables.table(kind.KIND, [obj], self.sim.now, None, req.param("includeObject", "Metadata"), mv))
        return HTTPResponse(200, self._encode_stored(obj, False) + b"\n", JSON, [])

    def _encode_stored(self, obj, in_list: bool) -> bytes:
        """A stored object's JSON (without apiVersion and kind as a list item), cached by uid and
        resourceVersion: re-reading an unchanged object costs neither a model dump nor an encode."""
        m = obj.metadata
        key = (m.uid, m.resource_version, in_list)
        b = self._encoded.get(key) if m.uid and m.resource_version else None
        if b is None:
            d = obj.to_dict()
            if in_list:
                d.pop("apiVersion", None)
                d.pop("kind", None)
            b = json.dumps(d, separators=(",", ":")).encode()
            if m.uid and m.resource_version:
                if len(self._encoded) >= 50_000:
                    self._encoded.clear()
                self._encoded[key] = b
        return b

    def _list(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        kind = r.resource.kind
        shape, mv = self._shape(req)
        server = self._server()
        res = server.read_list(kind, r.namespace, req.param("labelSelector") or None, req.param("fieldSelector") or None)
        items, rv = res.items, res.resource_version
        cont, remaining = None, None
        limit = _int_param(req, "limit")
        start = req.param("continue")
        if start:
            try:
                tok = json.loads(base64.b64decode(start + "=" * (-len(start) % 4)))
                after, rv = tok["start"], str(tok["rv"])
            except Exception:  # noqa: BLE001
                raise errors.new_bad_request("continue key is not valid: illegal base64 data at input byte 0") from None
            items = [o for o in items if _key(o) >= after]
        if limit and limit > 0 and len(items) > limit:
            nxt = items[limit]
            remaining = len(items) - limit
            items = items[:limit]
            # the etcd3 store's continue token: {"v":"meta.k8s.io/v1","rv":<rv>,"start":"<next key>"}
            cont = base64.b64encode(json.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": _key(nxt)},
                                               separators=(",", ":")).encode()).decode().rstrip("=")
        if shape == "table":
            return self._json(tables.table(kind.KIND, items, self.sim.now, rv, req.param("includeObject", "Metadata"), mv,
                                           continue_=cont, remaining=remaining))
        meta: dict = {"resourceVersion": rv}
        if cont:
            meta["continue"] = cont
            meta["remainingItemCount"] = remaining
        # the bytes json.dumps would write for {"kind", "apiVersion", "metadata", "items"}, the
        # items from the cache of stored objects' encodings
        head = json.dumps({"kind": f"{kind.KIND}List", "apiVersion": kind.api_version_str(), "metadata": meta},
                          separators=(",", ":")).encode()
        body = b"".join((head[:-1], b',"items":[', b",".join(self._encode_stored(o, True) for o in items), b"]}\n"))
        return HTTPResponse(200, body, JSON, [])

    def _watch(self, req: HTTPRequest, r: Route, name: Optional[str] = None) -> HTTPResponse:
        from .watch import WatchStream

        kind = r.resource.kind
        shape, mv = self._shape(req)
        fs = req.param("fieldSelector") or None
        if name is not None:
            fs = f"metadata.name={name}" + (f",{fs}" if fs else "")
        initial = _watch_list_options(req)
        rv_s = req.param("resourceVersion") or "0"
        try:
            rv = int(rv_s)
        except ValueError:
            raise errors.new_bad_request(f'invalid resource version: strconv.ParseUint: parsing "{rv_s}": invalid syntax') from None
        server = self._server()
        if initial is True:
            # the state "not older than" the resourceVersion asked for: the cache's, which is
            # at least as new as any version a client has seen from it (cacher.go, Watch)
            rv = 0
        elif initial is False and not req.param("resourceVersion"):
            rv = server.caches[kind.KIND].revision  # from now on, no initial events
        timeout = _int_param(req, "timeoutSeconds")
        bookmarks = _truthy(req.param("allowWatchBookmarks"))
        stream = WatchStream(self, server, kind, r.namespace, rv, req.param("labelSelector") or None, fs,
                             table=shape == "table", meta_version=mv, include=req.param("includeObject", "Metadata"),
                             bookmarks=_truthy(req.param("allowWatchBookmarks")),
                             timeout=float(timeout) if timeout else 1800.0,
                             initial_events=_truthy(req.param("sendInitialEvents")))
        stream.validate()
        return HTTPResponse(200, b"", JSON, [], stream)

    # -- writes -------------------------------------------------------------------------------
    def _client(self, req: HTTPRequest) -> APIClient:
        ua = req.headers.get("user-agent", "")
        key = (ua, req.user)
        c = self._clients.get(key)
        if c is None:
            c = APIClient(self.sim, self.network, self.client_host, lambda h: self.pick(h, True), ua or "kubectl",
                          user=req.user)
            if len(self._clients) > 64:
                self._clients.clear()
            self._clients[key] = c
        return c

    def _send(self, req: HTTPRequest, request: Request) -> Any:
        if self.on_write is not None and request.verb not in ("get", "list", "watch"):
            self.on_write(request)
        ev = self._client(req).request(request)
        return self.sim.run_until(ev, limit=self.write_limit)

    def _body(self, req: HTTPRequest) -> Any:
        ct = (req.headers.get("content-type") or JSON).split(";")[0].strip().lower()
        if ct == PROTOBUF:
            # kubectl's typed commands (create deployment, create configmap, drain's evictions...)
            # send protobuf bodies and do not fall back to JSON; see protobuf.py
            try:
                return protobuf.decode(req.body or b"")
            except protobuf.ProtobufError as exc:
                # apimachinery's protobuf serializer refuses the body as a bad request
                raise errors.new_bad_request(str(exc)) from None
        if ct not in (JSON, "application/yaml", "*/*", "") and ct not in self._PATCH_TYPES:
            raise _unsupported_media(ct, "application/json, application/yaml, application/vnd.kubernetes.protobuf")
        text = req.body
        if not text:
            raise errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                    "message": "Object 'Kind' is missing in '{}'", "reason": "BadRequest", "code": 400})
        try:
            if ct in ("application/yaml", "application/apply-patch+yaml"):
                data = yaml.safe_load(text.decode("utf-8"))
            else:
                data = json.loads(text)
        except (ValueError, yaml.YAMLError) as exc:
            # apimachinery's decoder (runtime/serializer/json): the kind cannot be read
            raise errors.new_bad_request(f"couldn't get version/kind; json parse error: {_go_json_error(exc)}") from None
        return data

    def _object_body(self, req: HTTPRequest, r: Route) -> tuple[dict, list[tuple[str, str]]]:
        data = self._body(req)
        kind = r.resource.kind
        if not isinstance(data, dict):
            raise errors.new_bad_request(f"couldn't get version/kind; json parse error: json: cannot unmarshal {_json_type(data)} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}")
        # the handler decodes with the URL's group/version/kind as defaults (handlers/create.go)
        data.setdefault("kind", kind.KIND)
        data.setdefault("apiVersion", kind.api_version_str())
        if data.get("kind") != kind.KIND or (data.get("apiVersion") or kind.api_version_str()) != kind.api_version_str():
            raise errors.new_bad_request(
                f"the API version in the data ({data.get('apiVersion')}) does not match the expected API version ({kind.api_version_str()})"
                if data.get("kind") == kind.KIND else
                f"the kind of the provided object ({data.get('kind')}) does not match the request ({kind.KIND})")
        data.setdefault("apiVersion", kind.api_version_str())
        return data, self._field_validation(req, kind, data)

    def _field_validation(self, req: HTTPRequest, kind, data: dict) -> list[tuple[str, str]]:
        """fieldValidation=Strict (kubectl's default) lets the strict decoder refuse unknown
        fields; Warn (the server's default) and Ignore drop them, Warn with a warning header."""
        mode = req.param("fieldValidation") or "Warn"
        if mode not in ("Strict", "Warn", "Ignore"):
            raise errors.new_bad_request(f"fieldValidation parameter unsupported: {mode}")
        if mode == "Strict":
            return []
        unknown = openapi.unknown_fields(kind, data)
        if mode == "Ignore":
            return []
        return [("Warning", '299 - "unknown field \\"%s\\""' % p) for p in unknown]

    def _dry_run(self, req: HTTPRequest) -> bool:
        vals = req.query.get("dryRun", [])
        for v in vals:
            if v != "All":
                raise errors.StatusError(
                    {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": f'dryRun: Unsupported value: "{v}": supported values: "All"', "reason": "BadRequest", "code": 400})
        return bool(vals)

    def _create(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        kind = r.resource.kind
        data, warnings = self._object_body(req, r)
        if kind.NAMESPACED:
            meta = data.setdefault("metadata", {}) if isinstance(data.get("metadata"), dict) or data.get("metadata") is None else data["metadata"]
            if meta is None:
                data["metadata"] = meta = {}
            if r.namespace is None:
                raise not_found()
        dry = self._dry_run(req)
        obj = self._send(req, Request("create", kind, r.namespace, None, data, None, {"dry_run": dry}))
        return self._json(obj.to_dict(), 201, headers=warnings)

    def _update(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        kind = r.resource.kind
        data, warnings = self._object_body(req, r)
        dry = self._dry_run(req)
        obj = self._send(req, Request("update", kind, r.namespace, r.name, data, None, {"dry_run": dry}))
        return self._json(obj.to_dict(), 200, headers=warnings)

    _PATCH_TYPES = {"application/json-patch+json": "json", "application/merge-patch+json": "merge",
                    "application/strategic-merge-patch+json": "strategic", "application/apply-patch+yaml": "apply"}

    def _patch_type(self, req: HTTPRequest, r: Route) -> str:
        ct = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
        pt = self._PATCH_TYPES.get(ct)
        if pt is None:
            raise _unsupported_media(ct, ", ".join(self._PATCH_TYPES))
        return pt

    def _patch(self, req: HTTPRequest, r: Route, subresource: Optional[str] = None) -> HTTPResponse:
        kind = r.resource.kind
        pt = self._patch_type(req, r)
        body = self._body(req)
        if pt == "json" and not isinstance(body, list):
            raise errors.new_bad_request(f"json: cannot unmarshal {_json_type(body)} into Go value of type jsonpatch.Patch")
        if pt != "json" and not isinstance(body, dict):
            raise errors.new_bad_request(f"json: cannot unmarshal {_json_type(body)} into Go value of type map[string]interface {{}}")
        dry = self._dry_run(req)
        if pt == "apply":
            return self._server_side_apply(req, r, body, dry)
        obj = self._send(req, Request("patch", kind, r.namespace, r.name, body, subresource,
                                      {"patch_type": pt, "dry_run": dry}))
        return self._json(obj.to_dict())

    def _server_side_apply(self, req: HTTPRequest, r: Route, body: dict, dry: bool) -> HTTPResponse:
        """``application/apply-patch+yaml``: create the object when it is missing, otherwise
        merge the applied configuration into it (an approximation: kubelab keeps no
        managedFields, so fields another manager set are never reported as conflicts)."""
        if not req.param("fieldManager"):
            raise errors.new_bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
        kind = r.resource.kind
        try:
            self._server().read(kind, r.name, r.namespace if kind.NAMESPACED else None)
            exists = True
        except errors.StatusError:
            exists = False
        if not exists:
            data = dict(body)
            data.setdefault("metadata", {})["name"] = r.name
            obj = self._send(req, Request("create", kind, r.namespace, None, data, None, {"dry_run": dry}))
            return self._json(obj.to_dict(), 201)
        patch = {k: v for k, v in body.items() if k not in ("apiVersion", "kind")}
        obj = self._send(req, Request("patch", kind, r.namespace, r.name, patch, None, {"patch_type": "strategic", "dry_run": dry}))
        return self._json(obj.to_dict())

    def _delete_options(self, req: HTTPRequest) -> dict:
        opts: dict = {}
        if req.body:
            data = self._body(req)
            if not isinstance(data, dict):
                raise errors.new_bad_request(f"json: cannot unmarshal {_json_type(data)} into Go value of type v1.DeleteOptions")
            opts.update(data)
        for k in ("propagationPolicy", "gracePeriodSeconds"):
            v = req.param(k)
            if v is not None:
                opts[k] = v
        out = {}
        pp = opts.get("propagationPolicy")
        if pp is not None and pp not in ("Orphan", "Background", "Foreground"):
            raise errors.StatusError(
                {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                 "message": f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "{pp}": supported values: "Foreground", "Background", "Orphan", "nil"',
                 "reason": "Invalid", "details": {"group": "meta.k8s.io", "kind": "DeleteOptions"}, "code": 422})
        if opts.get("orphanDependents") is True and pp is None:
            pp = "Orphan"
        out["propagation_policy"] = pp
        g = opts.get("gracePeriodSeconds")
        if g is not None:
            try:
                out["grace_period_seconds"] = int(g)
            except (TypeError, ValueError):
                raise errors.new_bad_request(f'strconv.ParseInt: parsing "{g}": invalid syntax') from None
        if opts.get("preconditions"):
            out["preconditions"] = opts["preconditions"]
        out["dry_run"] = self._dry_run(req) or bool(opts.get("dryRun"))
        return out

    def _delete(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        kind = r.resource.kind
        opts = self._delete_options(req)
        obj = self._send(req, Request("delete", kind, r.namespace, r.name, None, None, opts))
        if obj.metadata.deletion_timestamp is not None and not opts.get("dry_run"):
            still = True
            try:
                self._server().read(kind, r.name, r.namespace if kind.NAMESPACED else None)
            except errors.StatusError:
                still = False
            if still or kind.KIND == "Pod":
                return self._json(obj.to_dict())
        if kind.KIND == "Pod":
            return self._json(obj.to_dict())
        # the object is gone: a Status with what was deleted (handlers/delete.go)
        return self._json(_success(200, {"name": r.name, "group": kind.GROUP, "kind": kind.RESOURCE,
                                         "uid": obj.metadata.uid}))

    def _deletecollection(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        kind = r.resource.kind
        opts = self._delete_options(req)
        server = self._server()
        items = server.read_list(kind, r.namespace, req.param("labelSelector") or None,
                                 req.param("fieldSelector") or None).items
        out = []
        for o in items:
            try:
                d = self._send(req, Request("delete", kind, o.metadata.namespace, o.metadata.name, None, None, dict(opts)))
            except errors.StatusError as exc:
                if errors.is_not_found(exc):
                    continue
                raise
            dd = d.to_dict()
            dd.pop("apiVersion", None)
            dd.pop("kind", None)
            out.append(dd)
        return self._json({"kind": f"{kind.KIND}List", "apiVersion": kind.api_version_str(),
                           "metadata": {"resourceVersion": str(server.caches[kind.KIND].revision)}, "items": out})

    # -- events.k8s.io/v1 ----------------------------------------------------------------------
    def _events_v1(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        """events.k8s.io/v1: the stored core/v1 Events, converted on the way in and out
        (pkg/apis/events/v1/conversion.go). Field selectors use the v1 names (``regarding.name``,
        ``reportingController``...); Tables come from the same printer as core Events."""
        core = Route(discovery.lookup("", "v1", "events"), r.namespace, r.name, r.subresource)
        fs = req.param("fieldSelector")
        if fs:
            from kubelab.api.labels import parse_field_selector

            try:
                sel = parse_field_selector(fs)
            except ValueError as exc:
                raise errors.new_bad_request(str(exc)) from None
            parts = []
            for q in sel.requirements:
                label = eventsv1.V1_FIELD_LABELS.get(q.field)
                if label is None:
                    raise errors.new_bad_request(f'field label not supported: {q.field}')
                parts.append(f"{label}{'!=' if q.operator in ('!=',) else '='}{q.value}")
            req = _with_query(req, "fieldSelector", ",".join(parts))
        m = req.method
        if m in ("POST", "PUT"):
            data = self._body(req)
            if not isinstance(data, dict):
                raise errors.new_bad_request(f"couldn't get version/kind; json parse error: json: cannot unmarshal {_json_type(data)} into Go value of type struct")
            if data.get("apiVersion") not in (None, "events.k8s.io/v1") or data.get("kind") not in (None, "Event"):
                raise errors.new_bad_request(f"the API version in the data ({data.get('apiVersion')}) does not match the "
                                             "expected API version (events.k8s.io/v1)")
            et = data.get("eventTime")
            if et is not None and not (isinstance(et, str) and _RFC3339_MICRO.fullmatch(et)):
                # metav1.MicroTime.UnmarshalJSON parses RFC3339Micro only
                raise errors.new_bad_request(f'Event in version "v1" cannot be handled as a Event: parsing time '
                                             f'"{et}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "{et}" as '
                                             '"2006-01-02T15:04:05.000000Z07:00"')
            req = _with_body(req, eventsv1.from_v1(data))
        elif m == "PATCH":
            from kubelab.api.patch import apply_patch

            pt = self._patch_type(req, r)
            body = self._body(req)
            kind = core.resource.kind
            current = eventsv1.to_v1(self._server().read(kind, r.name, r.namespace).to_dict())
            try:
                patched = apply_patch(current, body, pt if pt not in ("apply", "strategic") else "merge")
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise errors.new_bad_request(str(exc)) from None
            data = eventsv1.from_v1(patched)
            obj = self._send(req, Request("update", kind, r.namespace, r.name, data, None, {"dry_run": self._dry_run(req)}))
            return self._json(eventsv1.to_v1(obj.to_dict()))
        if m in ("GET", "HEAD") and _truthy(req.param("watch")):
            resp = self._watch(req, core, name=r.name) if r.name else self._watch(req, core)
            if not resp.stream.table:
                resp.stream.convert = eventsv1.to_v1
            return resp
        resp = self._verb(req, core)
        if resp.content_type != JSON or resp.status >= 300:
            return resp
        doc = json.loads(resp.body)
        if doc.get("kind") == "Event":
            doc = eventsv1.to_v1(doc)
        elif doc.get("kind") == "EventList":
            doc["apiVersion"] = "events.k8s.io/v1"
            items = []
            for it in doc.get("items") or ():
                v1 = eventsv1.to_v1(it)
                v1.pop("kind")
                v1.pop("apiVersion")
                items.append(v1)
            doc["items"] = items
        return HTTPResponse(resp.status, _dumps(doc), resp.content_type, resp.headers)

    # -- subresources -------------------------------------------------------------------------
    def _subresource(self, req: HTTPRequest, r: Route, verb: str) -> HTTPResponse:
        kind = r.resource.kind
        sub = r.subresource
        if sub == "scale":
            return self._scale(req, r, verb)
        if sub == "binding":
            data = self._body(req)
            target = (data or {}).get("target") or {} if isinstance(data, dict) else {}
            if not target.get("name"):
                raise errors.StatusError(
                    {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": f'Binding "{r.name}" is invalid: target.name: Required value', "reason": "Invalid",
                     "details": {"name": r.name, "kind": "Binding", "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": "target.name"}]},
                     "code": 422})
            self._send(req, Request("bind", kind, r.namespace, r.name, target["name"], "binding"))
            return self._json(_success(201), 201)
        if sub == "eviction":
            return self._evict(req, r)
        if sub == "log":
            return self._log(req, r)
        if verb == "get":
            return self._get(req, Route(r.resource, r.namespace, r.name))
        if verb == "update":
            data, warnings = self._object_body(req, r)
            obj = self._send(req, Request("update", kind, r.namespace, r.name, data, sub, {"dry_run": self._dry_run(req)}))
            return self._json(obj.to_dict(), headers=warnings)
        return self._patch(req, r, sub)

    def _log(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        """``GET pods/{name}/log``: the API server checks RBAC on pods/log and the options, the
        pod's kubelet answers (text/plain). ``follow=true`` streams (chunked) until the
        container stops or the request's ``timeout`` runs out; new lines arrive as simulated
        time passes (paused mode: ``handle.run``; live mode: by itself)."""
        from kubelab.api.base import parse_time

        server = self._server()
        server.authorize(Request("get", r.resource.kind, r.namespace, r.name, subresource="log"), req.user)
        params: dict[str, Any] = {"container": req.param("container")}
        for k in ("tailLines", "sinceSeconds", "limitBytes"):
            params[k] = _int_param(req, k)
        for k in ("previous", "timestamps", "follow"):
            params[k] = _bool_param(req, k)
        st = req.param("sinceTime")
        if st:
            try:
                params["sinceTime"] = parse_time(st)
            except ValueError:
                raise errors.new_bad_request(f'parsing time "{st}" as "2006-01-02T15:04:05Z07:00": cannot parse "{st}" as "2006"') from None
        out = server.pod_log(r.namespace, r.name, params)
        if isinstance(out, str):
            return HTTPResponse(200, out.encode(), "text/plain")
        timeout = _go_duration_param(req.param("timeout"))
        if timeout is not None:
            out.timeout = timeout
        return HTTPResponse(200, b"", "text/plain", [], out)

    def _scale_of(self, obj: KubeObject) -> dict:
        from kubelab.kubectl.printers import format_label_selector

        m = obj.metadata
        sel = format_label_selector(obj.spec.selector)
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": m.name, "namespace": m.namespace, "uid": m.uid, "resourceVersion": m.resource_version,
                             "creationTimestamp": m.creation_timestamp},
                "spec": {"replicas": obj.spec.replicas if obj.spec.replicas is not None else 1},
                "status": {"replicas": obj.status.replicas or 0, "selector": "" if sel == "<none>" else sel}}

    def _scale(self, req: HTTPRequest, r: Route, verb: str) -> HTTPResponse:
        kind = r.resource.kind
        if verb == "get":
            return self._json(self._scale_of(self._server().read(kind, r.name, r.namespace)))
        if verb == "update":
            data = self._body(req)
            if not isinstance(data, dict) or data.get("kind") not in (None, "Scale"):
                raise errors.new_bad_request("the kind of the provided object does not match Scale")
            replicas = ((data.get("spec") or {}).get("replicas"))
            rv = (data.get("metadata") or {}).get("resourceVersion")
            patch: dict = {"spec": {"replicas": replicas}}
            if rv:
                patch["metadata"] = {"resourceVersion": rv}
            pt = "merge"
        else:
            pt = self._patch_type(req, r)
            current = self._scale_of(self._server().read(kind, r.name, r.namespace))
            body = self._body(req)
            from kubelab.api.patch import apply_patch

            try:
                scale = apply_patch(current, body, pt if pt != "apply" else "merge")
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise errors.new_bad_request(str(exc)) from None
            replicas = (scale.get("spec") or {}).get("replicas")
            patch = {"spec": {"replicas": replicas}}
            pt = "merge"
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                      "message": f'Scale.autoscaling "{r.name}" is invalid: spec.replicas: Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0',
                                      "reason": "Invalid", "details": {"name": r.name, "group": "autoscaling", "kind": "Scale",
                                      "causes": [{"reason": "FieldValueInvalid", "message": f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0", "field": "spec.replicas"}]},
                                      "code": 422})
        obj = self._send(req, Request("patch", kind, r.namespace, r.name, patch, None,
                                      {"patch_type": pt, "dry_run": self._dry_run(req)}))
        return self._json(self._scale_of(obj))

    def _evict(self, req: HTTPRequest, r: Route) -> HTTPResponse:
        """pods/eviction (pkg/registry/core/pod/storage/eviction.go): refused with 429 when a
        PodDisruptionBudget covering a running pod allows no disruption; otherwise the pod is
        deleted with the eviction's DeleteOptions."""
        data = self._body(req)
        if not isinstance(data, dict) or data.get("kind") != "Eviction":
            raise errors.new_bad_request("the kind of the provided object does not match Eviction")
        opts = (data.get("deleteOptions") or {}) if isinstance(data.get("deleteOptions"), dict) else {}
        # the API server's eviction REST checks the budget and spends one disruption
        self._send(req, Request("create", r.resource.kind, r.namespace, r.name, None, "eviction",
                                {"grace_period_seconds": opts.get("gracePeriodSeconds"),
                                 "dry_run": self._dry_run(req)}))
        return self._json(_success(201), 201)

    # -- metrics.k8s.io -----------------------------------------------------------------------
    def _metrics(self, rest: list[str], req: HTTPRequest) -> HTTPResponse:
        from kubelab.api.base import rfc3339

        if not rest:
            return self._json(discovery.api_group(discovery.METRICS_GROUP, ["v1beta1"]))
        if rest[0] != "v1beta1":
            raise not_found()
        rest = rest[1:]
        if not rest:
            return self._json(discovery.metrics_resource_list())
        ts = rfc3339(self.sim.now)
        if rest[0] == "nodes" and len(rest) <= 2:
            data = self.metrics("Node", None)
            items = [{"metadata": {"name": n, "creationTimestamp": ts}, "timestamp": ts, "window": "20.05s", "usage": u}
                     for n, u in sorted(data.items())]
            if len(rest) == 2:
                found = [i for i in items if i["metadata"]["name"] == rest[1]]
                if not found:
                    raise errors.new_not_found("nodes.metrics.k8s.io", rest[1])
                return self._json({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **found[0]})
            return self._json({"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items})
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        if rest[0] != "pods" or len(rest) > 2:
            raise not_found()
        data = self.metrics("Pod", ns)
        server = self._server()
        items = []
        for key, u in sorted(data.items()):
            pns, pname = key.split("/", 1)
            try:
                pod = server.read(_kind("Pod"), pname, pns)
            except errors.StatusError:
                continue
            cs = [c.name for c in pod.spec.containers]
            share = _split_usage(u, len(cs))
            items.append({"metadata": {"name": pname, "namespace": pns, "creationTimestamp": ts,
                                       "labels": pod.metadata.labels or {}},
                          "timestamp": ts, "window": "20.05s",
                          "containers": [{"name": c, "usage": share[i]} for i, c in enumerate(cs)]})
        sel = req.param("labelSelector")
        if sel:
            from kubelab.api.labels import parse_selector

            s = parse_selector(sel)
            items = [i for i in items if s.matches(i["metadata"]["labels"])]
        if len(rest) == 2:
            found = [i for i in items if i["metadata"]["name"] == rest[1]]
            if not found:
                raise errors.new_not_found("pods.metrics.k8s.io", rest[1])
            return self._json({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **found[0]})
        return self._json({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items})


def _split_usage(u: dict, n: int) -> list[dict]:
    from kubelab.api.quantity import parse_quantity

    n = max(1, n)
    cpu = parse_quantity(u["cpu"]).milli_value()
    mem = parse_quantity(u["memory"]).value()
    out = []
    for i in range(n):
        c = cpu // n + (1 if i < cpu % n else 0)
        m = mem // n + (1 if i < mem % n else 0)
        out.append({"cpu": f"{c * 1_000_000}n", "memory": f"{m // 1024}Ki"})
    return out


def _kind(name: str):
    from kubelab.api.scheme import kind_by_kind

    return kind_by_kind(name)


def _key(o: KubeObject) -> str:
    ns = o.metadata.namespace
    return f"{ns}/{o.metadata.name}" if ns else o.metadata.name


def _watch_list_options(req: HTTPRequest) -> Optional[bool]:
    """``sendInitialEvents`` of a watch (the WatchList protocol kubectl 1.35+ uses for
    ``rollout status`` and ``wait``), None when not given; refused as validateWatchOptions
    refuses it (k8s.io/apimachinery/pkg/apis/meta/internalversion/validation/validation.go)."""
    from kubelab.api import field as fielderr

    sie = req.param("sendInitialEvents")
    match = req.param("resourceVersionMatch") or ""
    errs = []
    if sie is not None and match != "NotOlderThan":
        errs.append(fielderr.forbidden(fielderr.new_path("resourceVersionMatch"),
                                       "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
    if match:
        if sie is None:
            errs.append(fielderr.forbidden(fielderr.new_path("resourceVersionMatch"),
                                           "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        if match != "NotOlderThan":
            errs.append(fielderr.not_supported(fielderr.new_path("resourceVersionMatch"), match, ["NotOlderThan"]))
    if errs:
        raise errors.new_invalid("ListOptions.meta.k8s.io", "", errs)
    return None if sie is None else _truthy(sie)


def _truthy(v: Optional[str]) -> bool:
    return v is not None and v.lower() in ("1", "true", "t", "yes")


def _int_param(req: HTTPRequest, name: str) -> Optional[int]:
    v = req.param(name)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise errors.new_bad_request(f'strconv.ParseInt: parsing "{v}": invalid syntax') from None


_RFC3339_MICRO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)")


def _with_query(req: HTTPRequest, name: str, value: str) -> HTTPRequest:
    from urllib.parse import urlencode

    q = {k: v for k, v in req.query.items() if k != name}
    q[name] = [value]
    return HTTPRequest(req.method, req.path + "?" + urlencode(q, doseq=True), req.headers, req.body, req.user)


def _with_body(req: HTTPRequest, data: dict) -> HTTPRequest:
    headers = dict(req.headers, **{"content-type": JSON})
    return HTTPRequest(req.method, req.target, headers, json.dumps(data).encode(), req.user)


def _bool_param(req: HTTPRequest, name: str) -> bool:
    v = req.param(name)
    if v is None or v == "":
        return False
    if v.lower() in ("1", "t", "true"):
        return True
    if v.lower() in ("0", "f", "false"):
        return False
    raise errors.new_bad_request(f'strconv.ParseBool: parsing "{v}": invalid syntax')


def _go_duration_param(v: Optional[str]) -> Optional[float]:
    """The ``timeout`` query parameter client-go sends for ``--request-timeout`` (``5s``, ``1m0s``)."""
    if not v:
        return None
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|s|m|h)", v):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        pos = m.end()
    return total if pos == len(v) and total > 0 else None


def _json_type(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}.get(type(v), "number")


def _go_json_error(exc: Exception) -> str:
    msg = str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid character looking for beginning of value ({exc.msg} at offset {exc.pos})"
    return msg

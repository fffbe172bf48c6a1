"""kube-apiserver in miniature: the only door to etcd.

A request goes through what the real server's handler chain does, in that order:
decode (strict) → admission (mutating: defaulting, NamespaceLifecycle, LimitRanger,
ServiceAccount, Priority, DefaultTolerationSeconds, ...) → the resource's strategy
(PrepareForCreate / PrepareForUpdate) → validation → validating admission (LimitRanger,
Priority, PodSecurity, ResourceQuota last) → the etcd3 store's transaction. Every failure is a
:class:`~kubelab.api.errors.StatusError` carrying a metav1.Status, and a refused request
changes nothing.

Reads (get, list, watch) are served from the watch cache, which follows etcd through one
watch per resource (``k8s.io/apiserver/pkg/storage/cacher``).
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from kubelab.api import errors
from kubelab.api import field as fielderr
from kubelab.api import patch, podutil
from kubelab.api.base import rfc3339
from kubelab.api.labels import FieldSelector, Selector
from kubelab.api.meta import KubeObject
from kubelab.api.scheme import KINDS, DecodeError, decode
from kubelab.api.validation import check_decode
from kubelab.sim import Event, Network, Simulator

from . import (admission, audit, authn, authz, bootstrappolicy, componentstatus, flowcontrol, noderestriction, reconcilers,
               registry, storage)
from .user import SYSTEM_PRIVILEGED_GROUP, UserInfo

# the API server's own loopback identity (server/config.go: system:apiserver in system:masters);
# in-process callers that carry no user are this one
LOOPBACK = UserInfo("system:apiserver", groups=(SYSTEM_PRIVILEGED_GROUP,))
from .watchcache import SELECTABLE_FIELDS, Expired, WatchCache, WatchEvent
from kubelab.sim import journaled

# utilrand.String's alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no 0/1/3.
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# names.SimpleNameGenerator: generateName + 5 random characters (k8s.io/apiserver/pkg/storage/names)
_RANDOM_LENGTH = 5
_MAX_GENERATED_NAME_LENGTH = 63 - _RANDOM_LENGTH


@dataclass
class Request:
    verb: str  # create get list update patch delete watch
    kind: type[KubeObject]
    namespace: Optional[str] = None
    name: Optional[str] = None
    body: Any = None
    subresource: Optional[str] = None  # status | binding | scale
    options: dict[str, Any] = field(default_factory=dict)
    user_agent: str = "kubectl"
    user: Optional[UserInfo] = None  # who sent it (set by the client or the HTTPS front door)
    credentials: Any = None  # an authn.Credentials to authenticate (certificate, token, --as)
    span: str = ""  # set when the request is followed on the trace (a user's write: request_path)

    def describe(self) -> str:
        sub = f"/{self.subresource}" if self.subresource else ""
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.verb.upper()} {self.kind.RESOURCE}{sub} {where}{self.name or ''}".rstrip()


@dataclass
class ListResult:
    items: list[KubeObject]
    resource_version: str

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class APIServer:
    """One kube-apiserver replica on ``host``, storing through ``etcd_client``."""

    def __init__(self, sim: Simulator, network: Network, host: str, etcd_client: Any,
                 name: str | None = None, watch_cache_size: int = 5000):
        self.sim = sim
        self.network = network
        self.host = host
        self.name = name or f"kube-apiserver-{host}"
        self.storage = storage.Storage(sim, etcd_client)
        self.caches: dict[str, WatchCache] = {k.KIND: WatchCache(k, watch_cache_size) for k in KINDS}
        self.running = False
        self._etcd_watches: list[Any] = []
        self._rng = sim.rng(f"apiserver/{host}")
        # uids from a stream of their own: an object more or less (a controller's ServiceAccount,
        # an Event) does not shift the generated names and addresses that follow
        self._uid_rng = sim.rng(f"apiserver/{host}/uid")
        self.admission = admission.AdmissionChain(self)
        self.authorizer = authz.Authorizer(self)
        self.authenticator = authn.Authenticator()  # the cluster replaces it with one sharing its CA
        self.denials = 0
        self.audit_log = audit.AuditLog()  # the newest audit events (--audit-log-path, in memory)
        self._audit_seq = 0
        # the aggregation layer (kube-aggregator): API groups served by another server, as
        # metrics.k8s.io is by metrics-server; group -> a backend with get/list
        self.api_services: dict[str, Any] = {}
        # the kubelet client (--kubelet-client-certificate): node name -> that node's kubelet
        # (or None), for the pods/log subresource; the cluster sets it
        self.kubelet_client: Optional[Callable[[str], Any]] = None
        # counters (the load model of issue 5 reads them)
        self.requests_total = 0
        self.inflight = 0
        self.inflight_mutating = 0
        self.max_requests_inflight = 400  # --max-requests-inflight default
        self.max_mutating_requests_inflight = 200  # --max-mutating-requests-inflight default
        # --enable-priority-and-fairness (default true): requests queue fairly per priority
        # level (flowcontrol.py) instead of meeting the max-inflight filter's 429
        self.enable_priority_and_fairness = True
        self.flowcontrol = flowcontrol.APFController(sim, self.max_requests_inflight + self.max_mutating_requests_inflight)
        self._apf_status_pending: dict[str, tuple] = {}  # FlowSchema -> (resourceVersion, Dangling) being written
        # The capacity model: requests share `cores`; each costs a small CPU demand, so
        # latency stays flat until the replica is busy and then grows with its queue.
        self.cores = 4
        self.latencies: list[tuple[float, float]] = []  # (finished at, seconds) — the load view reads it
        self._latency_window = 20_000
        # --advertise-address: set, the server keeps its lease under /registry/masterleases and
        # the ``kubernetes`` Service's endpoints (reconcilers.py)
        self.advertise_address: Optional[str] = None
        self._endpoint_reconciler: Optional[reconcilers.LeaseEndpointReconciler] = None
        # componentstatuses: the probes of the components on this server's machine (set by whoever
        # lays the control plane out; see componentstatus.py)
        self.component_statuses = componentstatus.ComponentStatusREST()

    def __repr__(self) -> str:
        return f"<APIServer {self.name} {'running' if self.running else 'stopped'}>"

    # -- lifecycle ------------------------------------------------------------------------
    @journaled
    def start(self) -> Event:
        """List every resource from etcd into the watch cache, then watch from there on.
        The returned event fires when the caches are synced (the server is ready); starting
        a running server again only hands back that event."""
        if self.running:
            return self._started
        self.running = True
        if hasattr(self.storage.client, "compact_async"):
            self._start_compactor()
        lists = []
        for kind in KINDS:
            lists.append(self._prime(kind))
        started = self.sim.event()
        self._started = started

        def synced(ev: Event) -> None:
            # the rbac/bootstrap-roles and priority-and-fairness-config-producer post-start
            # hooks: /readyz waits for both
            self._apf_config_changed()
            hooks = [self.sim.spawn(self._bootstrap_policy(), name=f"{self.name}/rbac-bootstrap"),
                     self.sim.spawn(self._apf_ensure(), name=f"{self.name}/apf-config-producer")]
            self.sim.all_of(hooks).add_callback(lambda e: started.succeed(None) if not started.triggered else None)
            self._apf_ensurer = self.sim.every(self.APF_ENSURE_INTERVAL, self._apf_ensure_tick)
            if self.advertise_address and self.running:
                # the bootstrap-controller post-start hook starts the endpoint reconciler
                self._endpoint_reconciler = reconcilers.LeaseEndpointReconciler(self, self.advertise_address)
                self._endpoint_reconciler.start()

        self.sim.all_of(lists).add_callback(synced)
        return started

    def _bootstrap_policy(self):
        """Create the default ClusterRoles and ClusterRoleBindings that are missing
        (pkg/registry/rbac/rest/storage_rbac.go ensureRBACPolicy; an existing object is
        left as it is, so an administrator's change survives a restart)."""
        in_flight = []
        for obj in bootstrappolicy.default_objects():
            if self.caches[obj.KIND].get(None, obj.metadata.name) is not None:
                continue
            obj = obj.copy_deep()
            batched = obj.metadata.name.startswith(bootstrappolicy.SEPARATE_UID_STREAM)
            if batched:
                rng = self.sim.rng(f"apiserver/{self.host}/controller-roles")
                obj.metadata.uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            else:
                obj.metadata.uid = self._new_uid()
            obj.metadata.creation_timestamp = rfc3339(self.sim.now)
            key = storage.object_key(type(obj), None, obj.metadata.name)
            if batched:
                # the controllers' roles and bindings go out together (one Raft round, not one
                # each: real etcd commits in milliseconds, kubelab's disk model in tens of them)
                in_flight.append(self.storage.create(key, storage.encode(obj)))
                continue
            try:
                yield self.storage.create(key, storage.encode(obj))
            except Exception:  # noqa: BLE001 - another replica created it, or etcd is away: the next start retries
                pass
        for ev in in_flight:
            try:
                yield ev
            except Exception:  # noqa: BLE001 - as above
                pass

    # -- API Priority and Fairness configuration ----------------------------------------------
    # The config producer (pkg/registry/flowcontrol/rest/storage_flowcontrol.go and
    # pkg/registry/flowcontrol/ensurer) creates the bootstrap FlowSchemas and
    # PriorityLevelConfigurations at start and checks them every minute; the config consumer
    # (util/flowcontrol/apf_controller.go) reads them back from the watch cache.
    APF_ENSURE_INTERVAL = 60.0

    def _apf_ensure_tick(self) -> None:
        if self.running and self.ready:
            self.sim.spawn(self._apf_ensure(), name=f"{self.name}/apf-config-producer")

    def _apf_ensure(self):
        """One pass of the ensurer: a missing bootstrap object is created; an existing one
        whose spec may be auto-updated (a mandatory one always; a suggested one while its
        ``apf.kubernetes.io/autoupdate-spec`` annotation says "true", or has none and
        generation 1) gets the bootstrap spec back, and the annotation is set to match;
        an object with that annotation "true" that is no longer a bootstrap one is deleted."""
        from kubelab.api.flowcontrol import AUTO_UPDATE_ANNOTATION

        rng = self.sim.rng(f"apiserver/{self.host}/apf-config")  # uids apart from the server's stream
        writes = []
        wanted: dict[str, set[str]] = {"FlowSchema": set(), "PriorityLevelConfiguration": set()}
        for want in flowcontrol.bootstrap_objects():
            kind, name = type(want), want.metadata.name
            wanted[want.KIND].add(name)
            mandatory = name in (flowcontrol.MANDATORY_FLOW_SCHEMAS if want.KIND == "FlowSchema"
                                 else flowcontrol.MANDATORY_PRIORITY_LEVELS)
            have = self.caches[want.KIND].get(None, name)
            key = storage.object_key(kind, None, name)
            if have is None:
                want.metadata.uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                want.metadata.creation_timestamp = rfc3339(self.sim.now)
                want.metadata.generation = 1
                writes.append(self.storage.create(key, storage.encode(want)))
                continue
            revised = _apf_revise(have, want, mandatory, AUTO_UPDATE_ANNOTATION)
            if revised is not None:
                writes.append(self.storage.update(key, storage.encode(revised), int(have.metadata.resource_version)))
        for kind_name, names in wanted.items():
            for o in self.caches[kind_name].list():
                if o.metadata.name not in names and \
                        (o.metadata.annotations or {}).get(AUTO_UPDATE_ANNOTATION) == "true":
                    writes.append(self.storage.delete(storage.object_key(type(o), None, o.metadata.name),
                                                      int(o.metadata.resource_version)))
        for ev in writes:
            try:
                yield ev
            except Exception:  # noqa: BLE001 - another replica wrote first, or etcd is away: the next pass retries
                pass

    def _apf_config_changed(self) -> None:
        """The config consumer: the flow-control objects in the watch cache changed. Reload the
        configuration and write each FlowSchema's Dangling condition where it is not yet right."""
        fs_cache = self.caches["FlowSchema"]
        pl_cache = self.caches["PriorityLevelConfiguration"]
        if not (fs_cache.synced and pl_cache.synced):
            return
        dangling = self.flowcontrol.load(fs_cache.list(), pl_cache.list())
        for fs in fs_cache.list():
            bad = dangling.get(fs.metadata.name)
            if bad is None:
                continue
            want = "True" if bad else "False"
            cond = fs.condition("Dangling")
            pending = self._apf_status_pending.get(fs.metadata.name)
            if (cond is not None and cond.status == want) or pending == (fs.metadata.resource_version, want):
                continue
            self._apf_status_pending[fs.metadata.name] = (fs.metadata.resource_version, want)
            self._apf_write_dangling(fs, bad)

    def _apf_write_dangling(self, fs: KubeObject, bad: bool) -> None:
        from kubelab.api.flowcontrol import FlowSchemaCondition

        pl = fs.spec.priority_level_configuration.name
        new = fs.copy_deep()
        cond = FlowSchemaCondition(
            type="Dangling", status="True" if bad else "False", last_transition_time=rfc3339(self.sim.now),
            reason="NotFound" if bad else "Found",
            message=(f"This FlowSchema references the PriorityLevelConfiguration object named {fielderr.go_quote(pl)} "
                     + ("but there is no such object" if bad else "and it exists")))
        new.status.conditions = [c for c in new.status.conditions or () if c.type != "Dangling"] + [cond]
        ev = self.storage.update(storage.object_key(type(fs), None, fs.metadata.name), storage.encode(new),
                                 int(fs.metadata.resource_version))
        ev.add_callback(lambda e: setattr(e, "defused", True))

    # -- compaction (k8s.io/apiserver/pkg/storage/etcd3/compact.go) -------------------------
    COMPACTION_INTERVAL = 300.0  # --etcd-compaction-interval default: 5 minutes
    COMPACT_REV_KEY = "compact_rev_key"

    def _start_compactor(self) -> None:
        """Every interval, compact etcd to the revision seen one interval earlier. The
        txn on ``compact_rev_key`` makes the API servers take turns: only the one whose
        view of the key's version is current gets to compact."""
        state = {"t": 0, "rev": 0}

        def tick() -> None:
            if not self.running:
                return
            from kubelab.etcd import mvcc

            ev = self.storage.client.txn_async(
                compare=[mvcc.Compare.version(self.COMPACT_REV_KEY, "=", state["t"])],
                success=[mvcc.PutRequest(self.COMPACT_REV_KEY, str(state["rev"]))],
                failure=[mvcc.RangeRequest(self.COMPACT_REV_KEY)])

            def done(e: Event) -> None:
                e.defused = True
                if not e.ok:
                    return
                resp = e.value
                cur_rev = resp.header.revision
                if not resp.succeeded:
                    kvs = resp.responses[0].response.kvs
                    state["t"], state["rev"] = (kvs[0].version if kvs else 0), cur_rev
                    return
                rev, state["t"], state["rev"] = state["rev"], state["t"] + 1, cur_rev
                if rev:
                    self.storage.client.compact_async(rev).add_callback(lambda c: setattr(c, "defused", True))
                    self.sim.trace.record(self.name, "Compacted", f"etcd compacted to revision {rev}")

            ev.add_callback(done)

        self._compactor = self.sim.every(self.COMPACTION_INTERVAL, tick)

    def _prime(self, kind: type[KubeObject]) -> Event:
        cache = self.caches[kind.KIND]
        done = self.sim.event()
        prefix = storage.resource_prefix(kind)

        def listed(ev: Event) -> None:
            if not ev.ok:
                ev.defused = True
                # etcd unavailable: try again shortly, as the real cacher's reflector does
                if self.running:
                    self.sim.call_later(1.0, lambda: self._prime(kind).add_callback(lambda e: done.succeed(None) if not done.triggered else None))
                return
            kvs, rev = ev.value
            cache.replace([storage.decode_cached(kind, v, r) for _, v, r in kvs], rev)
            if kind.KIND in _APF_KINDS:
                self._apf_config_changed()
            w = self.storage.watch(prefix, rev + 1, lambda evs: self._on_etcd_events(kind, evs))
            self._etcd_watches.append(w)
            if not done.triggered:
                done.succeed(None)

        self.storage.list(prefix).add_callback(listed)
        return done

    def _on_etcd_events(self, kind: type[KubeObject], events: list[storage.StoredEvent]) -> None:
        if not self.running:
            return
        cache = self.caches[kind.KIND]
        tr = self.sim.trace
        for e in events:
            if tr.followed:
                span = tr.followed_span(e.key, e.revision)
                if span is not None:
                    tr.record(self.name, "WatchCacheUpdated", f"{span} {e.type} revision={e.revision}")
            if e.type == "DELETED":
                obj = storage.decode_cached(kind, e.prev_value, e.revision) if e.prev_value else None
                if obj is None:
                    continue
                cache.apply("DELETED", obj, e.revision)
            else:
                cache.apply(e.type, storage.decode_cached(kind, e.value, e.revision), e.revision)
        if kind.KIND in _APF_KINDS:
            self._apf_config_changed()

    @journaled
    def stop(self) -> None:
        self.running = False
        self.network.notify_break()  # its clients' watches notice at their next health check
        if self._endpoint_reconciler is not None:
            self._endpoint_reconciler.stop()
            self._endpoint_reconciler = None
        if getattr(self, "_compactor", None) is not None:
            self._compactor.cancel()
        if getattr(self, "_apf_ensurer", None) is not None:
            self._apf_ensurer.cancel()
            self._apf_ensurer = None
        for w in self._etcd_watches:
            w.cancel()
        self._etcd_watches.clear()
        for cache in self.caches.values():
            for w in list(cache._watchers) + [x for ws in cache._node_watchers.values() for x in ws]:
                w.stop()
            cache.synced = False

    @property
    def ready(self) -> bool:
        # /readyz: the caches synced and the post-start hooks (rbac/bootstrap-roles) done
        started = getattr(self, "_started", None)
        return self.running and all(c.synced for c in self.caches.values()) and \
            started is not None and started.triggered

    # -- the entry point ------------------------------------------------------------------
    def handle(self, req: Request) -> Event:
        """Serve one request; the event succeeds with the result or fails with StatusError.

        The filters in the real chain's order (server/config.go DefaultBuildHandlerChain):
        authentication and impersonation, then flow control (API Priority and Fairness, or
        max-inflight when it is turned off), then authorization and the handler."""
        self.requests_total += 1
        out = self.sim.event()
        if not self.running:
            out.fail(errors.new_service_unavailable("apiserver is shutting down"))
            return out
        started = self.sim.now
        decision = {"decision": "", "reason": ""}
        try:
            if req.credentials is not None:
                # the authentication filter, then impersonation (endpoints/filters)
                user = self.authenticator.authenticate(self, req.credentials)
                req.user = self.authenticator.impersonate(self, user, req.credentials)
        except errors.StatusError as exc:
            self._audit(req, started, decision, exc)
            out.fail(exc)
            return out
        mutating = req.verb not in ("get", "list", "watch")
        if not self.enable_priority_and_fairness:
            # the max-inflight filter (k8s.io/apiserver/pkg/server/filters/maxinflight.go)
            if mutating and self.inflight_mutating >= self.max_mutating_requests_inflight or (
                not mutating and self.inflight >= self.max_requests_inflight
            ):
                self._too_many_requests(req, out, started, 1)
                return out
            self._execute(req, out, mutating, started, None)
            return out
        # API Priority and Fairness (server/filters/priority-and-fairness.go): the server's
        # concurrency limit is the sum of the two max-inflight flags
        apf = self.flowcontrol
        apf.configure(self.max_requests_inflight + self.max_mutating_requests_inflight)
        kind = req.kind
        resource = f"{kind.RESOURCE}/{req.subresource}" if req.subresource else kind.RESOURCE
        if req.verb == "bind":
            resource = f"{kind.RESOURCE}/binding"
        c = apf.classify(authz._VERBS.get(req.verb, req.verb), kind.GROUP, resource,
                         (req.namespace or "") if kind.NAMESPACED else "", req.user or LOOPBACK)
        seats = 1
        if req.verb == "list":  # list_work_estimator.go: one seat per 100 objects listed
            seats = flowcontrol.list_seats(len(getattr(self.caches.get(kind.KIND), "objects", ())))
        apf.admit(c, seats, lambda ticket: self._execute(req, out, mutating, started, ticket),
                  lambda reason, retry_after: self._too_many_requests(req, out, started, retry_after))
        return out

    def _too_many_requests(self, req: Request, out: Event, started: float, retry_after: int) -> None:
        # tooManyRequests(): "Retry-After: N" and a plain-text body, not a Status
        err = errors.new_too_many_requests("Too many requests, please try again later.", retry_after)
        err.text_body = "Too many requests, please try again later.\n"
        self._audit(req, started, {"decision": "", "reason": ""}, err)
        out.fail(err)

    def _execute(self, req: Request, out: Event, mutating: bool, started: float,
                 ticket: Optional[flowcontrol.Ticket]) -> None:
        """A request past flow control: it holds a seat (counted in flight) until it is answered."""
        if mutating:
            self.inflight_mutating += 1
        else:
            self.inflight += 1
        decision = {"decision": "", "reason": ""}
        # a user's write is followed through the layers (the request_path view draws it)
        if mutating and req.user_agent.startswith("kubectl") and req.kind.KIND in self.caches:
            req.span = self.sim.trace.new_span()
            self._step(req, "RequestReceived", f"{req.describe()} ({req.user_agent})")

        def finish(ev: Event) -> None:
            self._audit(req, started, decision, None if ev.ok else ev.exception)
            if req.span:
                if ev.ok:
                    code = "201 Created" if req.verb == "create" else "200 OK"
                else:
                    exc = ev.exception
                    code = f"{getattr(exc, 'code', 500)} {getattr(exc, 'reason', '') or type(exc).__name__}"
                self._step(req, "ResponseSent", f"{code} after {self.sim.now - started:.6f}s")
            lat = self.latencies
            lat.append((self.sim.now, self.sim.now - started))
            if len(lat) > self._latency_window:
                del lat[: self._latency_window // 2]
            if mutating:
                self.inflight_mutating -= 1
            else:
                self.inflight -= 1
            if ticket is not None:
                self.flowcontrol.finish(ticket)
            if ev.ok:
                out.succeed(ev.value)
            else:
                ev.defused = True
                out.fail(ev.exception)

        try:
            if req.span:
                who = req.user or LOOPBACK
                self._step(req, "Authenticated", f"user={who.name} groups={','.join(who.groups)}")
            decision["decision"], decision["reason"] = "forbid", ""
            decision["decision"], decision["reason"] = self.authorize(req, req.user)
            if req.span:
                reason = decision["reason"]
                self._step(req, "Authorized", f"allow ({reason})" if reason else "allow")
        except errors.StatusError as exc:
            if exc.code == 403:
                decision["reason"] = getattr(exc, "authz_reason", "")
            finish(self.sim.event().fail(exc))
            return
        if req.kind.KIND in ("SubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview",
                             "SelfSubjectReview") and req.verb == "create":
            proc = self.sim.spawn(self._guard(self._access_review, req), name=f"{self.name}/review")
            proc.add_callback(finish)
            return
        handler = getattr(self, f"_{req.verb}", None)
        if req.kind.KIND not in self.caches:
            handler = self._proxy  # an aggregated API: no storage here
        if handler is None:
            finish(self.sim.event().fail(errors.new_method_not_supported(req.kind.group_resource(), req.verb)))
            return
        proc = self.sim.spawn(self._guard(handler, req), name=f"{self.name}/{req.verb}")
        proc.add_callback(finish)

    def authorize(self, req: Request, user: Optional[UserInfo]) -> str:
        """The authorization filter (endpoints/filters/authorization.go): the privileged-group
        authorizer (system:masters may do anything), then Node, then RBAC. Raises 403;
        answers which authorizer allowed it."""
        user = user or LOOPBACK
        if SYSTEM_PRIVILEGED_GROUP in user.groups:
            return "allow", ""  # authorizerfactory.NewPrivilegedGroups: no reason given
        attrs = authz.attributes_for(req, user)
        decision, reason = self.authorizer.authorize(attrs)
        if decision == authz.ALLOW:
            return "allow", reason
        self.denials += 1
        self.sim.trace.record(self.name, "Forbidden", f"{user.name}: {req.describe()}")
        err = errors.new_forbidden(req.kind.group_resource(), attrs.name, authz.forbidden_message(attrs))
        err.authz_reason = reason
        raise err

    # -- auditing (k8s.io/apiserver/pkg/audit, endpoints/filters/audit.go) -------------------
    def audit_read(self, req: Request, decision: str, reason: str, exc: Optional[BaseException] = None) -> None:
        """Audit a read served straight from the cache (the in-process clients' looks)."""
        self._audit(req, self.sim.now, {"decision": decision, "reason": reason}, exc)

    def _audit(self, req: Request, received: float, decision: dict, exc: Optional[BaseException]) -> None:
        """Record the request's audit event at stage ResponseComplete."""
        user = req.user or LOOPBACK
        if exc is None:
            code, message = (201 if req.verb in ("create", "bind") else 200), ""
        else:
            code = getattr(exc, "code", 500) or 500
            message = str(exc)
        self._audit_seq += 1
        kind = req.kind
        sub = "binding" if req.verb == "bind" else (req.subresource or "")
        self.audit_log.record(audit.AuditEvent(
            seq=self._audit_seq,
            time=self.sim.now, received=received, server=self.name,
            verb=authz._VERBS.get(req.verb, req.verb) if req.verb != "bind" else "create",
            user=user.name, groups=tuple(user.groups), user_agent=req.user_agent,
            resource=kind.RESOURCE, api_group=kind.GROUP, api_version=kind.VERSION,
            namespace=(req.namespace or "") if kind.NAMESPACED else "", name=req.name or "", subresource=sub,
            request_uri=_request_uri(req, sub), code=int(code), decision=decision["decision"] or
            ("allow" if code != 401 else ""), reason=decision["reason"], message=message))

    def _step(self, req: Request, reason: str, detail: str = "") -> None:
        """One step of a followed request on the trace: ``<span> <detail>``."""
        self.sim.trace.record(self.name, reason, f"{req.span} {detail}".rstrip())

    def _follow(self, req: Request, key: str, obj: KubeObject, revision: int = 0) -> None:
        """Ask etcd, the watch caches and the informers to record what concerns this write."""
        tr = self.sim.trace
        for k in (key.encode(), key, f"{obj.KIND} {obj.key()}"):
            tr.follow(k, req.span, revision)

    def service_time(self, req: Request) -> float:
        """CPU seconds the request costs this replica, stretched when more requests are in
        flight than it has cores (processor sharing)."""
        demand = 0.002 if req.verb == "get" else 0.005 if req.verb != "list" else \
            0.002 + 0.00002 * len(getattr(self.caches.get(req.kind.KIND), "objects", ()))
        busy = self.inflight + self.inflight_mutating
        return demand * max(1.0, busy / self.cores)

    def _guard(self, handler: Callable, req: Request):
        yield self.sim.timeout(self.service_time(req))
        try:
            result = yield from handler(req)
        except errors.StatusError:
            raise
        except (storage.KeyExists, storage.KeyNotFound, storage.RevisionMismatch):
            raise
        except Exception as exc:  # etcd failures: the server answers, it does not hang
            raise self._storage_error(exc, req) from exc
        return result

    def _storage_error(self, exc: Exception, req: Request) -> errors.StatusError:
        msg = str(exc)
        if msg == "context deadline exceeded":
            # the request's context ran out waiting for etcd (endpoints/handlers/finisher.go)
            return errors.new_timeout_error(f"request did not complete within requested timeout - {msg}", 0)
        # etcd's own errors ("etcdserver: request timed out", "etcdserver: no leader") reach
        # the client as they are, through errors.ToAPIStatus
        return errors.from_error(exc)

    # -- the aggregation layer (k8s.io/kube-aggregator) -------------------------------------
    def register_api_service(self, group: str, backend: Any) -> None:
        """An APIService: requests for ``group`` are proxied to ``backend`` (its ``get(kind,
        name, namespace)`` and ``list(kind, namespace, label_selector)``)."""
        self.api_services[group] = backend

    def _proxy(self, req: Request):
        if False:
            yield
        backend = self.api_services.get(req.kind.GROUP)
        if req.kind.KIND == "ComponentStatus":
            backend = self.component_statuses
        what = f"{req.verb} {req.kind.RESOURCE}.{req.kind.GROUP}"
        if backend is None:
            status = dict(errors.new_not_found(req.kind.group_resource(), req.name or "").status)
            status["message"] = f"the server could not find the requested resource ({what})"
            raise errors.StatusError(status)
        if not getattr(backend, "available", True):
            raise errors.new_service_unavailable(f"the server is currently unable to handle the request ({what})")
        if req.verb == "get":
            obj = backend.get(req.kind, req.name, req.namespace)
            if obj is None:
                raise errors.new_not_found(req.kind.group_resource(), req.name)
            return obj
        if req.verb == "list":
            ls, _ = self._selectors(req.kind, req.options.get("label_selector"), None)
            return ListResult(backend.list(req.kind, req.namespace, ls), "0")
        raise errors.new_method_not_supported(req.kind.group_resource(), req.verb)

    # -- pods/log (pkg/registry/core/pod/rest/log.go) ------------------------------------------
    def pod_log(self, namespace: str, name: str, params: dict[str, Any]) -> Any:
        """``GET pods/{name}/log``: validate the PodLogOptions, choose the container
        (LogLocation in pkg/registry/core/pod/strategy.go), then ask the pod's kubelet, which
        answers the text (or, with ``follow``, a stream). ``params`` are the query's names:
        container, previous, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes, follow.
        The caller has authorized ``get pods/log``."""
        from kubelab.api.core import Pod

        errs = []
        tail, limit, since = params.get("tailLines"), params.get("limitBytes"), params.get("sinceSeconds")
        if tail is not None and tail < 0:
            errs.append(fielderr.invalid("tailLines", tail, "must be greater than or equal to 0"))
        if limit is not None and limit < 1:
            errs.append(fielderr.invalid("limitBytes", limit, "must be greater than 0"))
        if since is not None and params.get("sinceTime") is not None:
            errs.append(fielderr.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
        elif since is not None and since < 1:
            errs.append(fielderr.invalid("sinceSeconds", since, "must be greater than 0"))
        if errs:
            raise errors.new_invalid("PodLogOptions", name, errs)
        pod = self.read(Pod, name, namespace)
        # validateContainer (pkg/registry/core/pod/strategy.go): one container is the default;
        # otherwise every container is listed, init containers first (podutil.VisitContainers)
        container = params.get("container") or ""
        inits = [c.name for c in pod.spec.init_containers or ()]
        names = [c.name for c in pod.spec.containers]
        if not container:
            if len(names) != 1:
                raise errors.new_bad_request(f"a container name must be specified for pod {name}, "
                                             f"choose one of: [{' '.join(inits + names)}]")
            container = names[0]
        elif container not in names and container not in inits:
            raise errors.new_bad_request(f"container {container} is not valid for pod {name}")
        node = pod.spec.node_name
        if not node:
            return ""  # no location yet: an empty stream (LocationStreamer with a nil URL)
        kubelet = self.kubelet_client(node) if self.kubelet_client is not None else None
        ip = getattr(getattr(kubelet, "machine", None), "internal_ip", lambda: node)()
        url = f"https://{ip}:10250/containerLogs/{namespace}/{name}/{container}"
        if kubelet is None or not kubelet.running:
            raise _dial_error(url, ip, "connect: no route to host")
        if kubelet.hung or not self.network.can_reach(self.host, node) or not self.network.can_reach(node, self.host):
            raise _dial_error(url, ip, "i/o timeout")
        return kubelet.container_logs(pod, container, dict(params, container=container))

    # -- reads ------------------------------------------------------------------------------
    def _cache(self, kind: type[KubeObject]) -> WatchCache:
        return self.caches[kind.KIND]

    def read(self, kind: type[KubeObject], name: str, namespace: Optional[str] = None) -> KubeObject:
        """A synchronous cache read (what notebook inspection uses: looking changes nothing)."""
        if kind.KIND not in self.caches:
            return _run_now(self._proxy(Request("get", kind, namespace, name)))
        obj = self._cache(kind).get(namespace if kind.NAMESPACED else None, name)
        if obj is None:
            raise errors.new_not_found(kind.group_resource(), name)
        return obj

    def read_list(self, kind: type[KubeObject], namespace: Optional[str] = None,
                  label_selector: Selector | str | None = None,
                  field_selector: FieldSelector | str | None = None) -> ListResult:
        if kind.KIND not in self.caches:
            return _run_now(self._proxy(Request("list", kind, namespace, options={"label_selector": label_selector})))
        ls, fs = self._selectors(kind, label_selector, field_selector)
        cache = self._cache(kind)
        return ListResult(cache.list(namespace if kind.NAMESPACED else None, ls, fs), str(cache.revision))

    def _selectors(self, kind, label_selector, field_selector):
        from kubelab.api.labels import parse_field_selector, parse_selector

        try:
            ls = parse_selector(label_selector) if isinstance(label_selector, str) else label_selector
            fs = parse_field_selector(field_selector) if isinstance(field_selector, str) else field_selector
        except ValueError as exc:
            raise errors.new_bad_request(str(exc)) from None
        if fs is not None:
            allowed = SELECTABLE_FIELDS.get(kind.KIND, ("metadata.name", "metadata.namespace"))
            for r in fs.requirements:
                if r.field not in allowed:
                    # pkg/registry/.../strategy.go: "field label not supported: <label>"
                    raise errors.new_bad_request(f"field label not supported: {r.field}")
        return ls, fs

    def _get(self, req: Request):
        if False:
            yield
        # the client decodes its own copy in the real world: never hand out the cache's object
        return self.read(req.kind, req.name, req.namespace).copy_deep()

    def _list(self, req: Request):
        if False:
            yield
        return self.read_list(req.kind, req.namespace, req.options.get("label_selector"), req.options.get("field_selector"))

    def watch(self, kind: type[KubeObject], namespace: Optional[str], resource_version: int,
              send: Callable[[list[WatchEvent]], None], label_selector=None, field_selector=None,
              user: Optional[UserInfo] = None, credentials: Any = None):
        """Register an API watch on the cache; ``send`` is called with event batches (the
        transport delivers them to the client). Raises StatusError 410 Expired when too old, 403
        when ``user`` may not watch the resource."""
        if not self.running:
            raise errors.new_service_unavailable("apiserver is shutting down")
        req = Request("watch", kind, namespace, user=user, user_agent="")
        decision = {"decision": "", "reason": ""}
        try:
            if credentials is not None:
                req.user = user = self.authenticator.impersonate(
                    self, self.authenticator.authenticate(self, credentials), credentials)
            decision["decision"] = "forbid"
            decision["decision"], decision["reason"] = self.authorize(req, user)
            ls, fs = self._selectors(kind, label_selector, field_selector)
            try:
                watch = self._cache(kind).watch(namespace if kind.NAMESPACED else None, ls, fs, resource_version, send)
            except Expired as exc:
                raise errors.new_resource_expired(str(exc)) from None  # 410, reason Expired
        except errors.StatusError as exc:
            if exc.code == 403:
                decision["reason"] = getattr(exc, "authz_reason", "")
            self._audit(req, self.sim.now, decision, exc)
            raise
        self._audit(req, self.sim.now, decision, None)
        return watch

    # -- writes -----------------------------------------------------------------------------
    def _decode_body(self, req: Request) -> KubeObject:
        body = req.body
        if isinstance(body, KubeObject):
            obj = body.copy_deep()
        else:
            try:
                obj = decode(body)
            except DecodeError as exc:
                if exc.causes:  # missing required fields: what validation would say
                    name = ((body or {}).get("metadata") or {}).get("name", "")
                    raise errors.new_invalid(req.kind.group_kind(), name, [fielderr.required(c["field"]) for c in exc.causes]) from None
                raise errors.new_bad_request(exc.message) from None
        # quantities are parsed while decoding in the real server: a bad one is a 400
        check_decode(obj)
        if obj.KIND != req.kind.KIND:
            raise errors.new_bad_request(f"the kind of the provided object ({obj.KIND}) does not match the request ({req.kind.KIND})")
        if req.kind.NAMESPACED:
            ns = obj.metadata.namespace
            if ns and req.namespace and ns != req.namespace:
                # k8s.io/apiserver/pkg/endpoints/handlers/rest.go
                raise errors.new_bad_request("the namespace of the provided object does not match the namespace sent on the request")
            obj.metadata.namespace = ns or req.namespace or "default"
        else:
            obj.metadata.namespace = None
        return obj

    def _generate_name(self, base: str) -> str:
        if len(base) > _MAX_GENERATED_NAME_LENGTH:
            base = base[:_MAX_GENERATED_NAME_LENGTH]
        return base + "".join(self._rng.choice(_RAND_ALPHABET) for _ in range(_RANDOM_LENGTH))

    def _new_uid(self) -> str:
        return str(uuid.UUID(int=self._uid_rng.getrandbits(128), version=4))

    def _create(self, req: Request):
        if req.subresource == "eviction":
            return (yield from self._evict(req))
        obj = self._decode_body(req)
        meta = obj.metadata
        if not meta.name and meta.generate_name:
            meta.name = self._generate_name(meta.generate_name)
        # rest.BeforeCreate: the server owns these fields
        meta.uid = self._new_uid()
        meta.creation_timestamp = rfc3339(self.sim.now)
        meta.resource_version = None
        meta.deletion_timestamp = None
        meta.deletion_grace_period_seconds = None
        meta.self_link = None
        yield from self.admission.admit_create(obj, req)
        if req.span:
            self._step(req, "MutatingAdmission", ", ".join(admission.mutating_plugins(obj, create=True)))
        if req.kind.KIND == "Service":
            self._allocate_service(obj)
        registry.prepare_for_create(obj, self.sim.now)
        registry.validate_create(obj)
        if req.span:
            self._step(req, "Validated", f"{obj.KIND} {obj.key()}")
        yield from self.admission.validate(obj, None, req)  # validating admission
        if req.span:
            self._step(req, "ValidatingAdmission", ", ".join(admission.validating_plugins(obj)))
        key = storage.object_key(req.kind, meta.namespace, meta.name)
        if _dry_run(req):
            # dryRun=All (handlers/create.go): validated and admitted, the answer is what
            # would be stored, and nothing is; an existing name is still AlreadyExists
            if (yield self.storage.get(key)) is not None:
                raise errors.new_already_exists(req.kind.group_resource(), meta.name)
            return obj
        if req.span:
            self._follow(req, key, obj)
            self._step(req, "EtcdTxn", f"create {key}")
        try:
            rev = yield self.storage.create(key, storage.encode(obj))
        except storage.KeyExists:
            raise errors.new_already_exists(req.kind.group_resource(), meta.name) from None
        meta.resource_version = str(rev)
        if req.span:
            self._follow(req, key, obj, rev)
            self._step(req, "Stored", f"revision={rev}")
        return obj

    def _access_review(self, req: Request):
        """authorization.k8s.io SubjectAccessReview / SelfSubjectAccessReview: ask the
        authorizer, answer in ``status``; nothing is stored (pkg/registry/authorization)."""
        if False:
            yield
        from kubelab.api.rbac import SubjectAccessReviewStatus

        body = req.body
        review = body.copy_deep() if isinstance(body, KubeObject) else decode(body)
        if review.KIND == "SelfSubjectReview":
            return self._self_subject_review(review, req.user or LOOPBACK)
        if review.KIND == "SelfSubjectRulesReview":
            return self._rules_review(review, req.user or LOOPBACK)
        spec = review.spec
        if review.KIND == "SelfSubjectAccessReview":
            who = req.user or LOOPBACK
        else:
            if not spec.user and not spec.groups:
                raise errors.new_invalid(req.kind.group_kind(), "", [fielderr.invalid(
                    "spec.user", spec.user or "", "at least one of user or group must be specified")])
            who = UserInfo(spec.user or "", uid=spec.uid or "", groups=tuple(spec.groups or ()))
        ra, nra = spec.resource_attributes, spec.non_resource_attributes
        if ra is not None:
            attrs = authz.Attributes(user=who, verb=ra.verb or "", resource=ra.resource or "",
                                     api_group=ra.group or "", subresource=ra.subresource or "",
                                     namespace=ra.namespace or "", name=ra.name or "")
        elif nra is not None:
            attrs = authz.Attributes(user=who, verb=nra.verb or "", path=nra.path or "/")
        else:
            raise errors.new_invalid(req.kind.group_kind(), "", [fielderr.required(
                "spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified")])
        if SYSTEM_PRIVILEGED_GROUP in who.groups:
            decision, reason = authz.ALLOW, ""
        else:
            decision, reason = self.authorizer.authorize(attrs)
        review.status = SubjectAccessReviewStatus(allowed=decision == authz.ALLOW, reason=reason or None)
        review.metadata.creation_timestamp = None
        return review

    def _self_subject_review(self, review: KubeObject, who: UserInfo) -> KubeObject:
        """authentication.k8s.io SelfSubjectReview (pkg/registry/authentication/selfsubjectreview):
        the user the request authenticated as."""
        from kubelab.api.rbac import SelfSubjectReviewStatus, UserInfoStatus

        review.status = SelfSubjectReviewStatus(user_info=UserInfoStatus(
            username=who.name, uid=who.uid or None, groups=list(who.groups) or None,
            extra={k: list(v) for k, v in (who.extra or {}).items()} or None))
        review.metadata.creation_timestamp = None
        return review

    def _rules_review(self, review: KubeObject, who: UserInfo) -> KubeObject:
        """authorization.k8s.io SelfSubjectRulesReview (pkg/registry/authorization/
        selfsubjectrulesreview/rest.go): the RBAC rule resolver's rules for the user in
        ``spec.namespace`` (rbac.go RulesFor), split into resource and non-resource rules."""
        from kubelab.api.rbac import NonResourceRule, ResourceRule, SubjectRulesReviewStatus

        namespace = review.spec.namespace or ""
        if not namespace:
            raise errors.new_bad_request("no namespace on request")
        status = SubjectRulesReviewStatus()
        for _, r in self.authorizer.rbac.rules_for(who, namespace):
            if r.resources:
                status.resource_rules.append(ResourceRule(
                    verbs=list(r.verbs or []), api_groups=list(r.api_groups or []), resources=list(r.resources),
                    resource_names=list(r.resource_names or []) or None))
            if r.non_resource_urls:
                status.non_resource_rules.append(NonResourceRule(verbs=list(r.verbs or []),
                                                                 non_resource_urls=list(r.non_resource_urls)))
        review.status = status
        review.metadata.creation_timestamp = None
        return review

    # --service-cluster-ip-range (kubeadm's default) and --service-node-port-range
    SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
    NODE_PORTS = (30000, 32767)

    def _allocate_service(self, svc: KubeObject, old: Optional[KubeObject] = None) -> None:
        """The service registry's allocators (pkg/registry/core/service/storage/alloc.go with
        ipallocator and portallocator): a ClusterIP picked at random from the service CIDR or the
        one asked for, and node ports for NodePort and LoadBalancer services. What is allocated
        is what the stored Services hold, so deleting a Service frees its IP and ports.

        A requested ClusterIP outside every ServiceCIDR is refused by the MetaAllocator
        (ipallocator/cidrallocator.go, MultiCIDRServiceAllocator GA since v1.33) with
        ErrMismatchedNetwork; the range's own network and broadcast addresses with
        ErrNotInRange (ipallocator/ipallocator.go); one in use with ErrAllocated. A requested
        nodePort outside --service-node-port-range or in use gets portallocator's errors.
        On update (``old``), the values already allocated to this Service stay its own."""
        spec = svc.spec
        me = (svc.metadata.namespace, svc.metadata.name)
        others = [s for s in self.caches["Service"].objects.values()
                  if (s.metadata.namespace, s.metadata.name) != me]
        name = svc.metadata.name or ""
        old_spec = old.spec if old is not None else None
        if spec.type != "ExternalName" and spec.cluster_ip != "None":
            if not spec.cluster_ip and spec.cluster_ips:
                spec.cluster_ip = spec.cluster_ips[0]
            if not spec.cluster_ip and old_spec is not None and old_spec.cluster_ip not in (None, "", "None"):
                spec.cluster_ip = old_spec.cluster_ip  # storage.go patchAllocatedValues
            used = {s.spec.cluster_ip for s in others}
            if spec.cluster_ip and (old_spec is None or spec.cluster_ip != old_spec.cluster_ip):
                err = self._check_cluster_ip(spec.cluster_ip, used)
                if err:
                    # alloc.go allocIPs: field.Invalid(spec.clusterIPs, ClusterIPs, "failed to allocate IP %v: %v")
                    raise errors.new_invalid("Service", name, [fielderr.invalid(
                        "spec.clusterIPs", list(spec.cluster_ips or [spec.cluster_ip]),
                        f"failed to allocate IP {spec.cluster_ip}: {err}")])
            elif not spec.cluster_ip:
                size = self.SERVICE_CIDR.num_addresses
                while True:
                    ip = str(self.SERVICE_CIDR[self._rng.randrange(16, size - 1)])
                    if ip not in used:
                        break
                spec.cluster_ip = ip
            spec.cluster_ips = [spec.cluster_ip]
            spec.ip_families = spec.ip_families or ["IPv4"]
            spec.ip_family_policy = spec.ip_family_policy or "SingleStack"
        if spec.type in ("NodePort", "LoadBalancer") and spec.allocate_load_balancer_node_ports is not False:
            mine = {p.node_port for p in ((old_spec.ports or ()) if old_spec is not None else ()) if p.node_port}
            if old_spec is not None:
                # patchAllocatedValues: a port that names no nodePort keeps the one it had
                had = {(p.port, p.protocol or "TCP"): p.node_port for p in old_spec.ports or () if p.node_port}
                for p in spec.ports or ():
                    if not p.node_port and (p.port, p.protocol or "TCP") in had:
                        p.node_port = had[(p.port, p.protocol or "TCP")]
            used_ports = {p.node_port for s in others for p in (s.spec.ports or ()) if p.node_port}
            lo, hi = self.NODE_PORTS
            for i, p in enumerate(spec.ports or ()):
                if not p.node_port or p.node_port in mine:
                    continue
                # portallocator/allocator.go ErrNotInRange / ErrAllocated, wrapped by alloc.go
                # as field.Invalid(spec.ports[i].nodePort, nodePort, err.Error())
                if not lo <= p.node_port <= hi:
                    detail = f"provided port is not in the valid range. The range of valid ports is {lo}-{hi}"
                elif p.node_port in used_ports:
                    detail = "provided port is already allocated"
                else:
                    used_ports.add(p.node_port)
                    continue
                raise errors.new_invalid("Service", name, [fielderr.invalid(f"spec.ports[{i}].nodePort", p.node_port, detail)])
            for p in spec.ports or ():
                if p.node_port:
                    continue
                while True:
                    port = self._rng.randint(lo, hi)
                    if port not in used_ports:
                        break
                p.node_port = port
                used_ports.add(port)

    def _check_cluster_ip(self, ip: str, used: set) -> Optional[str]:
        """Why ``ip`` cannot be allocated, in the allocators' words, or None."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None  # not an IP: validation (ValidateService) says so
        cidr = self.SERVICE_CIDR
        if addr.version != cidr.version or addr not in cidr:
            return "the provided network does not match the current range"  # ErrMismatchedNetwork
        if addr in (cidr.network_address, cidr.broadcast_address):
            return f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}"
        if ip in used:
            return "provided IP is already allocated"
        return None

    def _current(self, req: Request, name: str, shared: bool = False):
        """GuaranteedUpdate reads the current state from etcd (not the cache): the
        precondition compares against what is really stored.

        ``shared``: the caller only reads the object (an update's ``old``), so when the watch
        cache already holds this key at this very revision (the same stored bytes, decoded
        once) that object is answered instead of a second decode; it must not be changed."""
        ns = req.namespace if req.kind.NAMESPACED else None
        key = storage.object_key(req.kind, ns, name)
        got = yield self.storage.get(key)
        if got is None:
            raise errors.new_not_found(req.kind.group_resource(), name)
        value, rev = got
        if shared:
            cache = self.caches.get(req.kind.KIND)
            cached = cache.get(ns, name) if cache is not None else None
            if cached is not None and cached.metadata.resource_version == str(rev):
                return key, cached, rev
        return key, storage.decode(req.kind, value, rev), rev

    # GuaranteedUpdate (etcd3/store.go) retries a compare-and-swap that lost a race, as long
    # as the caller did not pin a resourceVersion: only a stale precondition is a Conflict.
    _GUARANTEED_UPDATE_TRIES = 5

    def _conflict(self, req: Request, name: str) -> errors.StatusError:
        return errors.new_conflict(req.kind.group_resource(), name, errors.OPTIMISTIC_LOCK_ERROR_MSG)

    def _update(self, req: Request):
        body = self._decode_body(req)
        name = body.metadata.name or req.name
        if req.name and body.metadata.name and req.name != body.metadata.name:
            raise errors.new_bad_request("the name of the object (%s) does not match the name on the URL (%s)" % (body.metadata.name, req.name))
        want = body.metadata.resource_version
        for _ in range(self._GUARANTEED_UPDATE_TRIES):
            key, old, rev = yield from self._current(req, name, shared=True)
            if want and want != str(rev):
                raise self._conflict(req, name)
            try:
                # a pinned resourceVersion is never retried (a lost race is a Conflict): that
                # one attempt may change the body, which _decode_body already copied
                result = yield from self._write_update(req, key, old, body if want else body.copy_deep(), rev)
                return result
            except storage.RevisionMismatch:
                if want:
                    raise self._conflict(req, name) from None
        raise self._conflict(req, name)

    def _write_update(self, req: Request, key: str, old: KubeObject, new: KubeObject, rev: int):
        # rest.BeforeUpdate: identity and server-owned metadata come from the stored object
        m, om = new.metadata, old.metadata
        m.uid, m.creation_timestamp, m.namespace, m.name = om.uid, om.creation_timestamp, om.namespace, om.name
        if om.deletion_timestamp:
            m.deletion_timestamp = om.deletion_timestamp
            m.deletion_grace_period_seconds = om.deletion_grace_period_seconds
        if m.generate_name is None:
            m.generate_name = om.generate_name
        registry.prepare_for_update(new, old, req.subresource)
        yield from self.admission.admit_update(new, old, req)
        if req.span:
            self._step(req, "MutatingAdmission", ", ".join(admission.mutating_plugins(new, create=False)))
        if new.KIND == "Service" and not req.subresource:
            self._allocate_service(new, old)  # the service REST's beginUpdate (storage.go)
        registry.validate_update(new, old, req.subresource)
        if req.span:
            self._step(req, "Validated", f"{new.KIND} {new.key()}")
        if not req.subresource:
            yield from self.admission.validate(new, old, req)  # validating admission
            if req.span:
                self._step(req, "ValidatingAdmission", ", ".join(admission.validating_plugins(new)))
        m.resource_version = None
        # serialised once: compared with the stored object, then written (store.go
        # GuaranteedUpdate also encodes the new object once and compares the bytes)
        new_dict = new.to_dict()
        if _same_dict_without_rv(new_dict, old):
            # a no-op update writes nothing (etcd3 store.go GuaranteedUpdate); the answer is
            # the caller's own copy (``old`` may be the watch cache's object)
            return old.copy_deep()
        if _dry_run(req):
            m.resource_version = str(rev)  # dryRun=All: the object as it would be, not stored
            return new
        # the last finalizer gone from an object being deleted (and no grace period left to
        # wait for): the update completes the deletion (generic registry store.go)
        if m.deletion_timestamp and not m.finalizers and not m.deletion_grace_period_seconds and not (
                new.KIND == "Namespace" and new.spec.finalizers):
            drev, _ = yield self.storage.delete(key, rev)  # a lost race is retried by the caller
            m.resource_version = str(drev)
            return new
        if req.span:
            self._follow(req, key, new)
            self._step(req, "EtcdTxn", f"update {key} if mod_revision={rev}")
        try:
            nrev = yield self.storage.update(key, storage.encode_dict(new_dict), rev)
        except storage.KeyNotFound:
            raise errors.new_not_found(req.kind.group_resource(), m.name) from None
        m.resource_version = str(nrev)
        if req.span:
            self._follow(req, key, new, nrev)
            self._step(req, "Stored", f"revision={nrev}")
        return new

    def _patch(self, req: Request):
        patch_type = req.options.get("patch_type", "strategic")
        pinned = isinstance(req.body, dict) and (req.body.get("metadata") or {}).get("resourceVersion")
        if isinstance(req.body, list) and len(req.body) > patch.MAX_JSON_PATCH_OPERATIONS:
            raise errors.new_request_entity_too_large(  # handlers/patch.go applyJSPatch
                f"The allowed maximum operations in a JSON patch is {patch.MAX_JSON_PATCH_OPERATIONS}, got {len(req.body)}")
        for _ in range(self._GUARANTEED_UPDATE_TRIES):
            key, old, rev = yield from self._current(req, req.name, shared=True)
            try:
                merged = patch.apply_patch(old.to_dict(), req.body, patch_type)
            except patch.JSONPatchError as exc:
                # handlers/patch.go: NewGenericServerResponse(422, "", GroupResource{}, "", err, 0, false)
                raise errors.new_generic_server_response(422, "", "", "", str(exc)) from None
            except ValueError as exc:
                raise errors.new_bad_request(str(exc)) from None
            if pinned and pinned != str(rev):
                raise self._conflict(req, req.name)
            merged.setdefault("metadata", {})["resourceVersion"] = str(rev)
            try:
                new = decode(merged)
            except DecodeError as exc:
                raise errors.new_bad_request(exc.message) from None
            check_decode(new)
            if req.kind.NAMESPACED:
                new.metadata.namespace = old.metadata.namespace
            try:
                result = yield from self._write_update(req, key, old, new, rev)
                return result
            except storage.RevisionMismatch:
                continue
        raise self._conflict(req, req.name)

    def _delete(self, req: Request):
        if req.kind.KIND == "Namespace" and req.name in admission.UNDELETABLE_NAMESPACES:
            # plugin/pkg/admission/namespace/lifecycle: the immortal namespaces
            raise errors.new_forbidden("namespaces", req.name, "this namespace may not be deleted")
        key, obj, rev = yield from self._current(req, req.name, shared=True)  # read; ``new`` is the copy
        self.admission.admit_delete(obj, req)
        opts = req.options
        pre = opts.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != obj.metadata.uid:
            raise errors.new_conflict(req.kind.group_resource(), req.name, f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {obj.metadata.uid}")
        if pre.get("resourceVersion") and pre["resourceVersion"] != str(rev):
            raise errors.new_conflict(req.kind.group_resource(), req.name, f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, ResourceVersion in object meta: {rev}")
        policy = opts.get("propagation_policy")
        grace = opts.get("grace_period_seconds")
        new = obj.copy_deep()
        m = new.metadata
        finalizers = list(m.finalizers or [])
        # pkg/registry/generic/registry/store.go: deletion with finalizers, and the GC's
        # foregroundDeletion / orphan finalizers for the propagation policies
        if policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        elif policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        graceful = registry.graceful_deletion_seconds(obj, grace)
        # a Namespace waits in Terminating for its spec.finalizers (the namespace controller)
        ns_finalizers = obj.KIND == "Namespace" and bool(obj.spec.finalizers)
        if ns_finalizers:
            new.status.phase = "Terminating"
        if _dry_run(req):
            # dryRun=All (handlers/delete.go): admitted, answered, nothing changes
            if finalizers or graceful or ns_finalizers:
                if m.deletion_timestamp is None:
                    m.deletion_timestamp = rfc3339(self.sim.now + (graceful or 0))
                    m.deletion_grace_period_seconds = graceful or 0
                m.finalizers = finalizers or None
            return new
        if finalizers or graceful or ns_finalizers:
            if m.deletion_timestamp is None:
                m.deletion_timestamp = rfc3339(self.sim.now + (graceful or 0))
                m.deletion_grace_period_seconds = graceful or 0
            elif graceful is not None and m.deletion_grace_period_seconds is not None and graceful < m.deletion_grace_period_seconds:
                m.deletion_timestamp = rfc3339(self.sim.now + graceful)
                m.deletion_grace_period_seconds = graceful
            m.finalizers = finalizers or None
            try:
                nrev = yield self.storage.update(key, storage.encode(new), rev)
            except storage.RevisionMismatch:
                raise self._conflict(req, req.name) from None
            m.resource_version = str(nrev)
            return new
        try:
            drev, _ = yield self.storage.delete(key, rev)
        except storage.RevisionMismatch:
            raise self._conflict(req, req.name) from None
        except storage.KeyNotFound:
            raise errors.new_not_found(req.kind.group_resource(), req.name) from None
        m.resource_version = str(drev)
        return new

    def _evict(self, req: Request):
        """POST pods/<name>/eviction (pkg/registry/core/pod/storage/eviction.go): delete the
        pod gracefully unless its PodDisruptionBudget has no disruption to spare; an allowed
        eviction spends one (checkAndDecrement: disruptionsAllowed - 1 and the pod recorded in
        disruptedPods, written to the budget's status before the pod is deleted)."""
        from kubelab.api.coordination import PodDisruptionBudget
        from kubelab.api.labels import Selector

        _, pod, _ = yield from self._current(req, req.name)
        noderestriction.admit(self, req, "CREATE", pod)
        phase = pod.status.phase if pod.status else None
        # canIgnorePDB: terminal, pending or already deleting pods are not protected
        if phase not in ("Succeeded", "Failed", "Pending") and pod.metadata.deletion_timestamp is None:
            def matching():
                out = []
                for b in self._cache(PodDisruptionBudget).list(pod.metadata.namespace, None, None):
                    sel = Selector.from_label_selector(b.spec.selector)
                    # a PDB with a nil or empty selector matches nothing here (getPodDisruptionBudgets)
                    if not sel.empty() and sel.matches(pod.metadata.labels or {}):
                        out.append(b)
                return out
            pdbs = matching()
            if len(pdbs) > 1:
                raise errors.new_internal_error(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
            if pdbs:
                yield from self._check_and_decrement(req, pod, pdbs[0])
        delete = Request("delete", req.kind, req.namespace, req.name, options=dict(req.options))
        return (yield from self._delete(delete))

    _EVICTIONS_RETRIES = 5  # eviction.go EvictionsRetry (retry.DefaultRetry steps)

    def _check_and_decrement(self, req: Request, pod: KubeObject, pdb: KubeObject):
        from kubelab.api.coordination import PodDisruptionBudget
        from kubelab.api.pdbhelper import update_disruption_allowed_condition
        from kubelab.api.podutil import is_pod_ready

        if not is_pod_ready(pod):
            # an unhealthy pod does not count towards the budget: it may go when the budget is
            # met (IfHealthyBudget, the default) or always (AlwaysAllow)
            if pdb.spec.unhealthy_pod_eviction_policy == "AlwaysAllow":
                return
            if pdb.status.current_healthy >= pdb.status.desired_healthy and pdb.status.desired_healthy > 0:
                return
        ns, name = pdb.metadata.namespace, pdb.metadata.name
        for attempt in range(self._EVICTIONS_RETRIES):
            if attempt:  # refresh after a conflict
                key = storage.object_key(PodDisruptionBudget, ns, name)
                got = yield self.storage.get(key)
                if got is None:
                    raise errors.new_not_found(PodDisruptionBudget.group_resource(), name)
                pdb = storage.decode(PodDisruptionBudget, got[0], got[1])
            st = pdb.status
            if (st.observed_generation or 0) < (pdb.metadata.generation or 0):
                err = errors.new_too_many_requests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
                err.status.setdefault("details", {}).setdefault("causes", []).append({
                    "reason": "DisruptionBudget",
                    "message": f"The disruption budget {name} is still being processed by the server."})
                raise err
            if st.disruptions_allowed < 0:
                raise errors.new_forbidden("poddisruptionbudget.policy", name, "pdb disruptions allowed is negative")
            if len(st.disrupted_pods or {}) > 2000:  # MaxDisruptedPodSize
                raise errors.new_forbidden("poddisruptionbudget.policy", name,
                                           "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
            if st.disruptions_allowed == 0:
                err = errors.new_too_many_requests("Cannot evict pod as it would violate the pod's disruption budget.", 0)
                err.status.setdefault("details", {}).setdefault("causes", []).append({
                    "reason": "DisruptionBudget",
                    "message": f"The disruption budget {name} needs {st.desired_healthy} healthy pods "
                               f"and has {st.current_healthy} currently"})
                raise err
            new = pdb.copy_deep()
            new.status.disruptions_allowed -= 1
            if new.status.disruptions_allowed == 0:
                update_disruption_allowed_condition(new.status, self.sim.now)
            if _dry_run(req):
                return
            new.status.disrupted_pods = dict(new.status.disrupted_pods or {}, **{pod.metadata.name: rfc3339(self.sim.now)})
            update = Request("update", PodDisruptionBudget, ns, name, new, "status", user=req.user)
            try:
                yield from self._update(update)
                return
            except errors.StatusError as exc:
                if not errors.is_conflict(exc):
                    raise
        raise errors.new_too_many_requests("Cannot evict pod as it would violate the pod's disruption budget.", 10)

    def _bind(self, req: Request):
        """pods/binding (pkg/registry/core/pod/storage/storage.go BindingREST.assignPod)."""
        key, pod, rev = yield from self._current(req, req.name, shared=True)
        node = req.body
        if pod.metadata.deletion_timestamp is not None:
            raise errors.new_conflict("pods", req.name, "pod %s is being deleted, cannot be assigned to a host" % req.name)
        if pod.spec.node_name:
            raise errors.new_conflict("pods", req.name, f'pod {req.name} is already assigned to node "{pod.spec.node_name}"')
        # this request's own copy of what is stored (a copy of the cache's decoded object is
        # cheaper than decoding the bytes again), changed in place as assignPod's
        # GuaranteedUpdate changes the object it decoded
        new = pod.copy_deep()
        new.spec.node_name = node
        podutil.update_pod_condition(new, "PodScheduled", "True", self.sim.now)
        try:
            nrev = yield self.storage.update(key, storage.encode(new), rev)
        except storage.RevisionMismatch:
            raise self._conflict(req, req.name) from None
        new.metadata.resource_version = str(nrev)
        return new


_APF_KINDS = ("FlowSchema", "PriorityLevelConfiguration")
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}  # strconv.ParseBool


def _apf_revise(have: KubeObject, want: KubeObject, mandatory: bool, annotation: str) -> Optional[KubeObject]:
    """ensurer.go ReviseIfNeeded: the object to write back, or None when it is as it should be."""
    parsed = _GO_BOOLS.get((have.metadata.annotations or {}).get(annotation, ""))
    # shouldUpdateSpec: the annotation decides; without one, only an object never changed (generation 1)
    auto = mandatory or (parsed if parsed is not None else (have.metadata.generation or 0) == 1)
    update_annotation = parsed is None or parsed != auto
    expected = want.spec
    if want.KIND == "PriorityLevelConfiguration" and want.metadata.name == "exempt" and have.spec.exempt is not None:
        # plcSpecEqualish: the exempt level's shares and lendablePercent are the administrator's
        expected = want.spec.copy_deep()
        expected.exempt.nominal_concurrency_shares = have.spec.exempt.nominal_concurrency_shares
        expected.exempt.lendable_percent = have.spec.exempt.lendable_percent
    spec_changed = auto and have.spec != expected
    if not (update_annotation or spec_changed):
        return None
    new = have.copy_deep()
    if spec_changed:
        new.spec = expected.copy_deep()
        new.metadata.generation = (have.metadata.generation or 1) + 1
    if update_annotation:
        new.metadata.annotations = dict(new.metadata.annotations or {}, **{annotation: "true" if auto else "false"})
    return new


def _dial_error(url: str, ip: str, why: str) -> errors.StatusError:
    # the proxy's transport error, through ErrorToAPIStatus: 500 with no reason ("Error from server: ...")
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": f'Get "{url}": dial tcp {ip}:10250: {why}', "code": 500})


def _dry_run(req: Request) -> bool:
    """``?dryRun=All`` on a write (the only value the API accepts besides none)."""
    value = req.options.get("dry_run")
    if value in (None, "", False):
        return False
    if value is not True and value != "All":  # True: the front door has checked the query
        raise errors.new_bad_request(f'invalid dry run option: "{value}"')
    return True


def _request_uri(req: Request, sub: str) -> str:
    """The request's path as the HTTP API spells it (/api/v1/..., /apis/<group>/<version>/...)."""
    kind = req.kind
    base = f"/api/{kind.VERSION}" if not kind.GROUP else f"/apis/{kind.GROUP}/{kind.VERSION}"
    if kind.NAMESPACED and req.namespace:
        base += f"/namespaces/{req.namespace}"
    base += f"/{kind.RESOURCE}"
    if req.name and req.verb != "create" or sub:
        base += f"/{req.name or ''}"
    if sub:
        base += f"/{sub}"
    return base + ("?watch=true" if req.verb == "watch" else "")


def _run_now(gen):
    """Run a handler generator that never yields (an aggregated API's answer)."""
    try:
        next(gen)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("handler yielded")


def _same_without_rv(a: KubeObject, b: KubeObject) -> bool:
    return _same_dict_without_rv(a.to_dict(), b)


def _same_dict_without_rv(da: dict, b: KubeObject) -> bool:
    """``_same_without_rv`` with the first object already serialised (``da`` is not changed)."""
    db = b.to_dict()
    db["metadata"].pop("resourceVersion", None)
    if "resourceVersion" in da["metadata"]:
        da = {**da, "metadata": {k: v for k, v in da["metadata"].items() if k != "resourceVersion"}}
    return da == db

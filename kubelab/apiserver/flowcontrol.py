"""API Priority and Fairness (k8s.io/apiserver/pkg/util/flowcontrol): how kube-apiserver
limits the requests it executes at once, on by default since v1.20 and GA in v1.29
(``--enable-priority-and-fairness=true``; the older max-inflight filter only serves when
it is turned off).

* Every request is **classified** by the first FlowSchema that matches it (lowest
  ``matchingPrecedence``, then name): its subjects (user, group, service account) and a
  resource rule (verb, API group, resource, namespace). The FlowSchema names a priority
  level and how to tell flows apart (ByUser, ByNamespace).
* The server's concurrency limit, ``--max-requests-inflight`` + ``--max-mutating-requests-inflight``
  (400 + 200), is split among the non-exempt priority levels in proportion to their
  ``nominalConcurrencyShares``: NominalCL(i) = ceil(ServerCL * NCS(i) / sum NCS).
* A request that finds no free seat **waits in a queue** of its priority level rather than
  being refused: shuffle sharding deals the flow a hand of queues and it joins the
  shortest (``shufflesharding.Dealer``, ``queueset.go`` chooseQueueIndexLocked); queues are
  served fairly (the one whose next request has the smallest virtual start time, so flows
  take turns). Only a full queue (``queueLengthLimit``) or a wait past a quarter of the
  request timeout (60 s / 4 = 15 s, ``getRequestWaitContext``) gets **429** — with the
  same plain text as max-inflight and a ``Retry-After`` that grows while the level keeps
  dropping requests (``droppedRequestsTracker``: 1 s, doubling to at most 32).
* ``system:masters`` is **exempt** (never queued). kubeadm's admin.conf is in
  ``kubeadm:cluster-admins`` since v1.29, so the user's kubectl lands in ``global-default``;
  kubelets in ``node-high`` (their Node and Lease) and ``system``; the scheduler and the
  controller manager in ``workload-high``; leader election in ``leader-election``.

The configuration is API objects (flowcontrol.apiserver.k8s.io/v1 FlowSchema and
PriorityLevelConfiguration, ``kubectl get flowschemas``): the API server creates the bootstrap
ones (``apis/flowcontrol/bootstrap/default.go``, built from PRIORITY_LEVELS and FLOW_SCHEMAS
below by :func:`bootstrap_objects`) and puts them back every minute unless their
``apf.kubernetes.io/autoupdate-spec`` annotation says "false"; :meth:`APFController.load`
reads them back from the watch cache whenever they change (a FlowSchema naming a missing level
is Dangling and ignored; a missing exempt or catch-all is imagined from the bootstrap one).
Not modelled: borrowing between levels (``lendablePercent``), the extra seats a write
holds while its watchers are notified (``mutating_work_estimator.go``).
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from .user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, NODES_GROUP, SYSTEM_PRIVILEGED_GROUP, UserInfo

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim import Simulator

# --request-timeout's default is 1m; a request may wait a quarter of it in a queue
# (server/filters/priority-and-fairness.go getRequestWaitContext: min(timeout / 4, 1m))
REQUEST_TIMEOUT = 60.0
REQUEST_WAIT_LIMIT = REQUEST_TIMEOUT / 4
MAX_RETRY_AFTER = 32  # util/flowcontrol/dropped_requests_tracker.go maxRetryAfter
OBJECTS_PER_SEAT = 100  # request/config.go: a list costs one seat per 100 objects it reads
MAXIMUM_SEATS = 10  # request/config.go maximumSeatsLimit


@dataclass(frozen=True)
class PriorityLevel:
    """A PriorityLevelConfiguration: exempt, or limited with queues (or Reject, catch-all)."""

    name: str
    shares: int = 0  # nominalConcurrencyShares
    exempt: bool = False
    queues: int = 0  # 0: limitResponse Reject
    hand_size: int = 0
    queue_length_limit: int = 0
    lendable_percent: int = 0  # kept on the object; borrowing is not modelled


@dataclass(frozen=True)
class ResourceRule:
    """flowcontrol/v1 ResourcePolicyRule."""

    verbs: tuple[str, ...] = ("*",)
    groups: tuple[str, ...] = ("*",)
    resources: tuple[str, ...] = ("*",)
    namespaces: tuple[str, ...] = ("*",)
    cluster_scope: bool = True

    def matches(self, verb: str, group: str, resource: str, namespace: str) -> bool:
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        if "*" not in self.groups and group not in self.groups:
            return False
        if "*" not in self.resources and resource not in self.resources:
            return False
        if not namespace:
            return self.cluster_scope
        return "*" in self.namespaces or namespace in self.namespaces


@dataclass(frozen=True)
class NonResourceRule:
    """flowcontrol/v1 NonResourcePolicyRule (/healthz and the like: kubelab's probes do not
    pass through flow control, so these only travel to and from the API objects)."""

    verbs: tuple[str, ...] = ("*",)
    urls: tuple[str, ...] = ("*",)

    def matches(self, verb: str, path: str) -> bool:
        """rule.go matchesNonResourceRule: the verb, and matchPolicyRuleNonResourceURL (``*``,
        the path itself, or a path that starts with the rule's, its trailing ``*`` and ``/`` cut)."""
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        for u in self.urls:
            if u == "*" or u == path:
                return True
            prefix = u[:-1] if u.endswith("*") else u
            if not u.endswith("/") and prefix.endswith("/"):
                prefix = prefix[:-1]
            if path.startswith(prefix):
                return True
        return False


@dataclass(frozen=True)
class FlowSchema:
    """A FlowSchema with one rule (PolicyRulesWithSubjects): ``subjects`` are
    ("User", name), ("Group", name) or ("ServiceAccount", "namespace/name")."""

    name: str
    priority_level: str
    precedence: int
    distinguisher: Optional[str]  # "ByUser", "ByNamespace" or None
    subjects: tuple[tuple[str, str], ...]
    rules: tuple[ResourceRule, ...] = (ResourceRule(),)
    non_resource_rules: tuple[NonResourceRule, ...] = (NonResourceRule(),)

    def matches_subject(self, user: UserInfo) -> bool:
        for kind, value in self.subjects:
            if kind == "Group" and (value == "*" or value in user.groups):
                return True
            if kind == "User" and (value == "*" or value == user.name):
                return True
            if kind == "ServiceAccount":
                ns, name = value.split("/", 1)
                prefix = f"system:serviceaccount:{ns}:"
                if user.name.startswith(prefix) and (name == "*" or user.name == prefix + name):
                    return True
        return False


# -- the bootstrap configuration (apis/flowcontrol/bootstrap/default.go, v1.34) ---------------------
# The one source of truth: the API server's config producer creates the objects from these
# (bootstrap_objects) and its config consumer reads the objects back (APFController.load).
PRIORITY_LEVELS: tuple[PriorityLevel, ...] = (
    PriorityLevel("exempt", 0, exempt=True),  # Exempt: nominalConcurrencyShares 0, lendablePercent 0
    PriorityLevel("system", 30, queues=64, hand_size=6, queue_length_limit=50, lendable_percent=33),
    PriorityLevel("node-high", 40, queues=64, hand_size=6, queue_length_limit=50, lendable_percent=25),
    PriorityLevel("leader-election", 10, queues=16, hand_size=4, queue_length_limit=50, lendable_percent=0),
    PriorityLevel("workload-high", 40, queues=128, hand_size=6, queue_length_limit=50, lendable_percent=50),
    PriorityLevel("workload-low", 100, queues=128, hand_size=6, queue_length_limit=50, lendable_percent=90),
    PriorityLevel("global-default", 20, queues=128, hand_size=6, queue_length_limit=50, lendable_percent=50),
    PriorityLevel("catch-all", 5, lendable_percent=0),  # limitResponse: Reject
)
MANDATORY_PRIORITY_LEVELS = ("exempt", "catch-all")
MANDATORY_FLOW_SCHEMAS = ("exempt", "catch-all")

_KUBE_SYSTEM_SAS = (("ServiceAccount", "kube-system/*"),)
_LEADER_ELECTION_RULES = (
    ResourceRule(("get", "create", "update"), ("",), ("endpoints", "configmaps"), ("kube-system",), False),
    ResourceRule(("get", "create", "update"), ("coordination.k8s.io",), ("leases",), ("*",), False),
)
_ALL_USERS = (("Group", ALL_UNAUTHENTICATED), ("Group", ALL_AUTHENTICATED))
FLOW_SCHEMAS: tuple[FlowSchema, ...] = tuple(sorted((
    FlowSchema("exempt", "exempt", 1, None, (("Group", SYSTEM_PRIVILEGED_GROUP),)),
    FlowSchema("probes", "exempt", 2, None, _ALL_USERS, (),
               (NonResourceRule(("get",), ("/healthz", "/readyz", "/livez")),)),
    FlowSchema("system-leader-election", "leader-election", 100, "ByUser",
               (("User", "system:kube-controller-manager"), ("User", "system:kube-scheduler")) + _KUBE_SYSTEM_SAS,
               _LEADER_ELECTION_RULES, ()),
    FlowSchema("endpoint-controller", "workload-high", 150, "ByUser",
               (("User", "system:kube-controller-manager"), ("ServiceAccount", "kube-system/endpoint-controller"),
                ("ServiceAccount", "kube-system/endpointslicemirroring-controller")),
               (ResourceRule(("get", "create", "update"), ("",), ("endpoints",), ("*",), False),), ()),
    FlowSchema("workload-leader-election", "leader-election", 200, "ByUser", _KUBE_SYSTEM_SAS,
               (ResourceRule(("get", "create", "update"), ("",), ("endpoints", "configmaps"), ("*",), False),
                _LEADER_ELECTION_RULES[1]), ()),
    FlowSchema("system-node-high", "node-high", 400, "ByUser", (("Group", NODES_GROUP),),
               (ResourceRule(("*",), ("",), ("nodes", "nodes/status"), ("*",), True),
                ResourceRule(("*",), ("coordination.k8s.io",), ("leases",), ("*",), False)), ()),
    FlowSchema("system-nodes", "system", 500, "ByUser", (("Group", NODES_GROUP),)),
    FlowSchema("kube-controller-manager", "workload-high", 800, "ByNamespace",
               (("User", "system:kube-controller-manager"),)),
    FlowSchema("kube-scheduler", "workload-high", 800, "ByNamespace", (("User", "system:kube-scheduler"),)),
    FlowSchema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", _KUBE_SYSTEM_SAS),
    FlowSchema("service-accounts", "workload-low", 9000, "ByUser", (("Group", "system:serviceaccounts"),)),
    FlowSchema("global-default", "global-default", 9900, "ByUser", _ALL_USERS),
    FlowSchema("catch-all", "catch-all", 10000, "ByUser", _ALL_USERS),
), key=lambda fs: (fs.precedence, fs.name)))


# -- to and from the API objects (flowcontrol.apiserver.k8s.io/v1) ----------------------------------
def priority_level_object(pl: PriorityLevel):
    """The PriorityLevelConfiguration default.go builds for ``pl`` (newPriorityLevelConfiguration:
    the autoupdate-spec annotation "true")."""
    from kubelab.api import flowcontrol as api
    from kubelab.api.meta import ObjectMeta

    if pl.exempt:
        spec = api.PriorityLevelConfigurationSpec(type="Exempt", exempt=api.ExemptPriorityLevelConfiguration(
            nominal_concurrency_shares=pl.shares, lendable_percent=pl.lendable_percent))
    else:
        queuing = api.QueuingConfiguration(queues=pl.queues, hand_size=pl.hand_size,
                                           queue_length_limit=pl.queue_length_limit) if pl.queues else None
        spec = api.PriorityLevelConfigurationSpec(type="Limited", limited=api.LimitedPriorityLevelConfiguration(
            nominal_concurrency_shares=pl.shares, lendable_percent=pl.lendable_percent,
            limit_response=api.LimitResponse(type="Queue" if pl.queues else "Reject", queuing=queuing)))
    return api.PriorityLevelConfiguration(
        metadata=ObjectMeta(name=pl.name, annotations={api.AUTO_UPDATE_ANNOTATION: "true"}), spec=spec)


def _subject_object(kind: str, value: str):
    from kubelab.api import flowcontrol as api

    if kind == "ServiceAccount":
        ns, name = value.split("/", 1)
        return api.Subject(kind=kind, service_account=api.ServiceAccountSubject(namespace=ns, name=name))
    if kind == "User":
        return api.Subject(kind=kind, user=api.UserSubject(name=value))
    return api.Subject(kind=kind, group=api.GroupSubject(name=value))


def flow_schema_object(fs: FlowSchema):
    """The FlowSchema default.go builds for ``fs`` (newFlowSchema)."""
    from kubelab.api import flowcontrol as api
    from kubelab.api.meta import ObjectMeta

    rule = api.PolicyRulesWithSubjects(
        subjects=[_subject_object(k, v) for k, v in fs.subjects],
        resource_rules=[api.ResourcePolicyRule(verbs=list(r.verbs), api_groups=list(r.groups),
                                               resources=list(r.resources), cluster_scope=r.cluster_scope or None,
                                               namespaces=list(r.namespaces) or None) for r in fs.rules] or None,
        non_resource_rules=[api.NonResourcePolicyRule(verbs=list(r.verbs), non_resource_urls=list(r.urls))
                            for r in fs.non_resource_rules] or None)
    return api.FlowSchema(
        metadata=ObjectMeta(name=fs.name, annotations={api.AUTO_UPDATE_ANNOTATION: "true"}),
        spec=api.FlowSchemaSpec(
            priority_level_configuration=api.PriorityLevelConfigurationReference(name=fs.priority_level),
            matching_precedence=fs.precedence,
            distinguisher_method=api.FlowDistinguisherMethod(type=fs.distinguisher) if fs.distinguisher else None,
            rules=[rule]))


def bootstrap_objects() -> list:
    """What the priority-and-fairness-config-producer post-start hook creates: every
    PriorityLevelConfiguration, then every FlowSchema, defaulted as the server stores them."""
    from kubelab.api.defaults import apply_defaults

    return [apply_defaults(priority_level_object(pl)) for pl in PRIORITY_LEVELS] + \
        [apply_defaults(flow_schema_object(fs)) for fs in FLOW_SCHEMAS]


def priority_level_from_object(obj) -> PriorityLevel:
    spec = obj.spec
    if spec.type == "Exempt":
        ex = spec.exempt
        return PriorityLevel(obj.metadata.name, (ex.nominal_concurrency_shares or 0) if ex else 0, exempt=True,
                             lendable_percent=(ex.lendable_percent or 0) if ex else 0)
    lim = spec.limited
    q = lim.limit_response.queuing if lim.limit_response.type == "Queue" else None
    return PriorityLevel(obj.metadata.name, lim.nominal_concurrency_shares or 0,
                         queues=q.queues if q else 0, hand_size=q.hand_size if q else 0,
                         queue_length_limit=q.queue_length_limit if q else 0,
                         lendable_percent=lim.lendable_percent or 0)


def flow_schemas_from_object(obj) -> list[FlowSchema]:
    """One internal FlowSchema per PolicyRulesWithSubjects (same name and precedence, so the
    first that matches classifies as the whole object would)."""
    spec = obj.spec
    out = []
    for rule in spec.rules or ():
        subjects = []
        for s in rule.subjects:
            if s.kind == "ServiceAccount" and s.service_account is not None:
                subjects.append(("ServiceAccount", f"{s.service_account.namespace}/{s.service_account.name}"))
            elif s.kind == "User" and s.user is not None:
                subjects.append(("User", s.user.name))
            elif s.kind == "Group" and s.group is not None:
                subjects.append(("Group", s.group.name))
        out.append(FlowSchema(
            obj.metadata.name, spec.priority_level_configuration.name, spec.matching_precedence,
            spec.distinguisher_method.type if spec.distinguisher_method else None, tuple(subjects),
            tuple(ResourceRule(tuple(r.verbs), tuple(r.api_groups), tuple(r.resources), tuple(r.namespaces or ()),
                               bool(r.cluster_scope)) for r in rule.resource_rules or ()),
            tuple(NonResourceRule(tuple(r.verbs), tuple(r.non_resource_urls)) for r in rule.non_resource_rules or ())))
    return out


def hash_flow_id(flow_schema: str, distinguisher: str) -> int:
    """queueset.go hashFlowID: the first 8 bytes of sha256(fsName NUL distinguisher), little-endian."""
    digest = hashlib.sha256(flow_schema.encode() + b"\x00" + distinguisher.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def deal(hash_value: int, deck_size: int, hand_size: int) -> list[int]:
    """shufflesharding.Dealer.Deal: ``hand_size`` distinct queue indices from the hash."""
    remainders = []
    for i in range(hand_size):
        nxt = hash_value // (deck_size - i)
        remainders.append(hash_value - (deck_size - i) * nxt)
        hash_value = nxt
    hand = []
    for i in range(hand_size):
        card = remainders[i]
        for j in range(i, 0, -1):
            if card >= remainders[j - 1]:
                card += 1
        hand.append(card)
    return hand


@dataclass
class Ticket:
    """A dispatched request's seats: handed to ``dispatch``, given back to :meth:`APFController.finish`."""

    level: "PriorityLevelState"
    queue: Optional["_Queue"]
    seats: int


@dataclass
class _Waiting:
    seats: int
    dispatch: Callable[[Ticket], None]
    reject: Callable[[str, int], None]
    queue: "_Queue"
    timer: Any = None


@dataclass(eq=False)
class _Queue:
    waiting: deque = field(default_factory=deque)
    seats_waiting: int = 0
    seats_in_use: int = 0
    next_r: float = 0.0  # virtual start time of its next request (fair queuing)


class _DroppedRequests:
    """dropped_requests_tracker.go: Retry-After for a level doubles (to 32 s) when it
    dropped at least 3 x Retry-After requests in the last Retry-After seconds, and falls
    back by one when it dropped fewer than Retry-After."""

    def __init__(self) -> None:
        self.retry_after = 1
        self._history: list[tuple[int, int]] = []  # (unix second, dropped)
        self._current = (0, 0)
        self._updated = 0

    def record(self, now: float) -> None:
        sec = int(now)
        cur_sec, count = self._current
        if sec == cur_sec:
            self._current = (sec, count + 1)
            return
        self._history.append(self._current)
        keep = min(2 * self.retry_after, MAX_RETRY_AFTER)
        self._history = [(s, c) for s, c in self._history if sec - s <= keep]
        self._current = (sec, 1)
        dropped = sum(c for s, c in self._history if sec - s <= self.retry_after and s < sec)
        if sec - self._updated >= self.retry_after and dropped >= 3 * self.retry_after:
            self.retry_after = min(self.retry_after * 2, MAX_RETRY_AFTER)
            self._updated = sec
        elif dropped < self.retry_after and self.retry_after > 1:
            self.retry_after -= 1


class PriorityLevelState:
    """One priority level's seats and queues (queueset.go's queueSet)."""

    def __init__(self, config: PriorityLevel, concurrency_limit: int) -> None:
        self.config = config
        self.concurrency_limit = concurrency_limit
        self.seats_in_use = 0
        self.queues = [_Queue() for _ in range(config.queues)]
        self.nonempty: dict[int, _Queue] = {}  # id -> queue, the queues with requests waiting
        self.virtual_time = 0.0  # the start tag of the last request dispatched from a queue
        self.waiting = 0
        self.dispatched = 0
        self.rejected: dict[str, int] = {"queue-full": 0, "time-out": 0, "concurrency-limit": 0}
        self.dropped = _DroppedRequests()

    def __repr__(self) -> str:
        return (f"<PriorityLevel {self.config.name} seats {self.seats_in_use}/{self.concurrency_limit} "
                f"waiting {self.waiting}>")


@dataclass(frozen=True)
class Classification:
    flow_schema: str
    priority_level: str
    distinguisher: str


class APFController:
    """The API server's flow-control filter: classify, then execute, queue or reject."""

    def __init__(self, sim: "Simulator", server_concurrency_limit: int = 600) -> None:
        self.sim = sim
        self.levels: dict[str, PriorityLevelState] = {}
        self.server_concurrency_limit = 0
        # the configuration in force: the bootstrap one until load() reads the API objects
        self.priority_levels: tuple[PriorityLevel, ...] = PRIORITY_LEVELS
        self.flow_schemas: tuple[FlowSchema, ...] = FLOW_SCHEMAS
        self.dangling: dict[str, bool] = {}  # FlowSchema name -> its priority level is missing
        self._classified_for: Optional[tuple] = None  # classify's memo holds for these schemas
        self._classified: dict[tuple, Classification] = {}
        self.configure(server_concurrency_limit)

    def __repr__(self) -> str:
        return f"<APFController {self.server_concurrency_limit} seats, {len(self.levels)} priority levels>"

    def configure(self, server_concurrency_limit: int) -> None:
        """NominalCL(i) = ceil(ServerCL * NCS(i) / sum NCS), the sum over every level (the
        exempt one's shares count too, 0 by default; apf_controller.go digestConfigObjects)."""
        if server_concurrency_limit == self.server_concurrency_limit and self.levels:
            return
        self.server_concurrency_limit = server_concurrency_limit
        self._apply_levels()

    def _apply_levels(self) -> None:
        total = sum(pl.shares for pl in self.priority_levels) or 1
        wanted = {pl.name for pl in self.priority_levels}
        for name in [n for n in self.levels if n not in wanted]:
            # a removed level: requests holding its seats give them back to the old state
            del self.levels[name]
        for pl in self.priority_levels:
            limit = 0 if pl.exempt else math.ceil(self.server_concurrency_limit * pl.shares / total)
            state = self.levels.get(pl.name)
            if state is None:
                self.levels[pl.name] = PriorityLevelState(pl, limit)
                continue
            state.concurrency_limit = limit
            if state.config != pl:
                old_queues = state.queues
                state.config = pl
                if len(old_queues) != pl.queues:
                    self._requeue(state, old_queues)
            if not pl.exempt:
                self._dispatch_waiting(state)

    def _requeue(self, state: PriorityLevelState, old_queues: list) -> None:
        """The level's queues changed in number: waiting requests move to the new queues
        (the same index, modulo), in their order; a level that lost its queues (Reject)
        lets them wait on in one queue until they are served or time out."""
        state.queues = [_Queue() for _ in range(state.config.queues or (1 if state.waiting else 0))]
        state.nonempty.clear()
        for i, old in enumerate(old_queues):
            if not old.waiting:
                continue
            new = state.queues[i % len(state.queues)]
            if not new.waiting:
                new.next_r = max(new.next_r, old.next_r)
            for w in old.waiting:
                w.queue = new
                new.waiting.append(w)
                new.seats_waiting += w.seats
            state.nonempty[id(new)] = new

    def load(self, flow_schema_objects, priority_level_objects) -> dict[str, bool]:
        """The config consumer (apf_controller.go digestConfigObjects): take the configuration
        from the FlowSchema and PriorityLevelConfiguration objects. A missing mandatory level or
        schema (exempt, catch-all) is imagined from the bootstrap one; a FlowSchema whose level
        does not exist is dangling and ignored. Returns each object's dangling state."""
        levels = {o.metadata.name: priority_level_from_object(o) for o in priority_level_objects
                  if o.metadata.deletion_timestamp is None}
        for pl in PRIORITY_LEVELS:
            if pl.name in MANDATORY_PRIORITY_LEVELS and pl.name not in levels:
                levels[pl.name] = pl  # imaginePL
        dangling: dict[str, bool] = {}
        schemas: list[FlowSchema] = []
        names = set()
        for o in flow_schema_objects:
            if o.metadata.deletion_timestamp is not None:
                continue
            names.add(o.metadata.name)
            ok = o.spec.priority_level_configuration.name in levels
            dangling[o.metadata.name] = not ok
            if ok:
                schemas.extend(flow_schemas_from_object(o))
        for fs in FLOW_SCHEMAS:
            if fs.name in MANDATORY_FLOW_SCHEMAS and fs.name not in names:
                schemas.append(fs)  # imagineFS
        self.flow_schemas = tuple(sorted(schemas, key=lambda fs: (fs.precedence, fs.name)))
        self.priority_levels = tuple(sorted(levels.values(), key=lambda pl: pl.name))
        self.dangling = dangling
        self._apply_levels()
        return dangling

    def classify(self, verb: str, group: str, resource: str, namespace: str, user: UserInfo) -> Classification:
        # the answer depends on the schemas and these fields only: remember it per schema set
        # (every request is classified; a cluster's requests come in a few hundred shapes)
        key = (verb, group, resource, namespace, user.name, user.groups)
        if self._classified_for is not self.flow_schemas:
            self._classified_for = self.flow_schemas
            self._classified = {}
        c = self._classified.get(key)
        if c is None:
            c = self._classify(verb, group, resource, namespace, user)
            if len(self._classified) >= 65536:
                self._classified.clear()
            self._classified[key] = c
        return c

    def _classify(self, verb: str, group: str, resource: str, namespace: str, user: UserInfo) -> Classification:
        for fs in self.flow_schemas:
            if not fs.matches_subject(user):
                continue
            if not any(r.matches(verb, group, resource, namespace) for r in fs.rules):
                continue
            if fs.distinguisher == "ByUser":
                dist = user.name
            elif fs.distinguisher == "ByNamespace":
                dist = namespace
            else:
                dist = ""
            return Classification(fs.name, fs.priority_level, dist)
        return Classification("catch-all", "catch-all", user.name)

    def classify_non_resource(self, verb: str, path: str, user: UserInfo) -> Classification:
        """A request for a path that is not a resource (/healthz, /version, discovery), by the
        schemas' nonResourceRules (the HTTP front door's requests; its verb is the method)."""
        for fs in self.flow_schemas:
            if fs.matches_subject(user) and any(r.matches(verb, path) for r in fs.non_resource_rules):
                return Classification(fs.name, fs.priority_level, user.name if fs.distinguisher == "ByUser" else "")
        return Classification("catch-all", "catch-all", user.name)

    def admit(self, c: Classification, seats: int, dispatch: Callable[[Ticket], None],
              reject: Callable[[str, int], None]) -> None:
        """Call ``dispatch(ticket)`` now or when a seat frees, or ``reject(reason, retry_after)``;
        the caller gives the ticket back to :meth:`finish` when the request completes."""
        level = self.levels[c.priority_level]
        cfg = level.config
        if cfg.exempt:
            level.dispatched += 1
            dispatch(Ticket(level, None, 0))
            return
        seats = max(1, min(seats, level.concurrency_limit or 1))
        if not cfg.queues:  # Reject: no queues, a seat now or 429
            if level.seats_in_use + seats <= level.concurrency_limit:
                self._start(level, None, seats, dispatch)
            else:
                self._reject(level, "concurrency-limit", reject)
            return
        hand = deal(hash_flow_id(c.flow_schema, c.distinguisher), cfg.queues, cfg.hand_size)
        # the shortest queue of the hand, counting seats waiting and executing (ties: first dealt)
        queue = min((level.queues[i] for i in hand), key=lambda q: q.seats_waiting + q.seats_in_use)
        if not level.waiting and level.seats_in_use + seats <= level.concurrency_limit:
            self._start(level, queue, seats, dispatch)
            return
        if len(queue.waiting) >= cfg.queue_length_limit:
            self._reject(level, "queue-full", reject)
            return
        if not queue.waiting:
            # queueset.go: a queue with nothing waiting or executing starts afresh at the
            # level's virtual time (its past turns earn no penalty); a busy one keeps its place
            vt = self._virtual_time(level)
            queue.next_r = vt if not queue.seats_in_use else max(queue.next_r, vt)
        w = _Waiting(seats, dispatch, reject, queue)
        w.timer = self.sim.call_later(REQUEST_WAIT_LIMIT, self._time_out, level, w)
        queue.waiting.append(w)
        queue.seats_waiting += seats
        level.nonempty[id(queue)] = queue
        level.waiting += 1

    def finish(self, ticket: Ticket) -> None:
        """The request is done: its seats go to the next waiting requests."""
        level = ticket.level
        if level.config.exempt:
            return
        level.seats_in_use -= ticket.seats
        if ticket.queue is not None:
            ticket.queue.seats_in_use -= ticket.seats
        self._dispatch_waiting(level)

    # -- internals -----------------------------------------------------------------------------
    def _start(self, level: PriorityLevelState, queue: Optional[_Queue], seats: int,
               dispatch: Callable[[Ticket], None]) -> None:
        level.seats_in_use += seats
        level.dispatched += 1
        if queue is not None:
            queue.seats_in_use += seats
            queue.next_r += seats
        dispatch(Ticket(level, queue, seats))

    def _virtual_time(self, level: PriorityLevelState) -> float:
        if level.nonempty:
            return min(q.next_r for q in level.nonempty.values())
        return level.virtual_time

    def _dispatch_waiting(self, level: PriorityLevelState) -> None:
        """queueset.go dispatchLocked: while seats are free, the queue with the smallest
        virtual start time sends its oldest request."""
        while level.waiting:
            if level.seats_in_use >= level.concurrency_limit:
                return  # no seat free: whichever queue is first, its request (1 seat or more) waits
            queue = min(level.nonempty.values(), key=_next_r)
            w = queue.waiting[0]
            if level.seats_in_use + w.seats > level.concurrency_limit:
                return
            queue.waiting.popleft()
            self._dequeued(level, queue, w)
            level.virtual_time = queue.next_r
            if w.timer is not None:
                w.timer.cancel()
            self._start(level, queue, w.seats, w.dispatch)

    def _dequeued(self, level: PriorityLevelState, queue: _Queue, w: _Waiting) -> None:
        queue.seats_waiting -= w.seats
        if not queue.waiting:
            del level.nonempty[id(queue)]
        level.waiting -= 1

    def _time_out(self, level: PriorityLevelState, w: _Waiting) -> None:
        try:
            w.queue.waiting.remove(w)
        except ValueError:
            return
        self._dequeued(level, w.queue, w)
        self._reject(level, "time-out", w.reject)

    def _reject(self, level: PriorityLevelState, reason: str, reject: Callable[[str, int], None]) -> None:
        level.rejected[reason] += 1
        level.dropped.record(self.sim.now)
        reject(reason, level.dropped.retry_after)


def _next_r(q: _Queue) -> float:
    return q.next_r


def list_seats(objects: int) -> int:
    """list_work_estimator.go: a list costs ceil(objects / 100) seats, 1 to 10."""
    return max(1, min(MAXIMUM_SEATS, math.ceil(objects / OBJECTS_PER_SEAT)))


__all__ = ["APFController", "Classification", "FLOW_SCHEMAS", "FlowSchema", "MANDATORY_FLOW_SCHEMAS",
           "MANDATORY_PRIORITY_LEVELS", "NonResourceRule", "PRIORITY_LEVELS", "PriorityLevel", "PriorityLevelState",
           "REQUEST_WAIT_LIMIT", "ResourceRule", "Ticket", "bootstrap_objects", "deal", "flow_schema_object",
           "flow_schemas_from_object", "hash_flow_id", "list_seats", "priority_level_from_object",
           "priority_level_object"]

"""One small protocol per extension point (pkg/scheduler/framework/interface.go).

A plugin is any object with a ``name`` and the methods of the points it implements.
Two kubelab additions, both optional, are vector fast paths the runner prefers when a
plugin has them: ``filter_nodes`` and ``score_nodes`` take an array of node indices and
answer for all of them at once (same verdicts and numbers as the per-node methods,
which remain the reference and are what the tests compare against). ``filter_nodes``
returns ``(codes, statuses)``: 0 passes, k > 0 is ``statuses[k - 1]``; ``(None, ())``
says every node passes.

``pre_filter`` may return None (Success), a Status, a :class:`PreFilterResult` (Success,
downstream looks at those nodes only) or a ``(PreFilterResult or None, Status or None)``
pair, as upstream's ``PreFilter`` returns ``(*PreFilterResult, *Status)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover

    from .cache import Snapshot
    from .cycle_state import CycleState
    from .status import Status
    from .types import NodeInfo, PodInfo

# extension point names, as a KubeSchedulerConfiguration spells them
QUEUE_SORT = "queueSort"
PRE_FILTER = "preFilter"
FILTER = "filter"
POST_FILTER = "postFilter"
PRE_SCORE = "preScore"
SCORE = "score"
RESERVE = "reserve"
PERMIT = "permit"
PRE_BIND = "preBind"
BIND = "bind"
POST_BIND = "postBind"
EXTENSION_POINTS = (QUEUE_SORT, PRE_FILTER, FILTER, POST_FILTER, PRE_SCORE, SCORE, RESERVE, PERMIT, PRE_BIND, BIND, POST_BIND)

# which method makes a plugin implement which point
POINT_METHODS = {
    QUEUE_SORT: "less",
    PRE_FILTER: "pre_filter",
    FILTER: "filter",
    POST_FILTER: "post_filter",
    PRE_SCORE: "pre_score",
    SCORE: "score",
    RESERVE: "reserve",
    PERMIT: "permit",
    PRE_BIND: "pre_bind",
    BIND: "bind",
    POST_BIND: "post_bind",
}

# cluster events a plugin can register for (framework/types.go ClusterEvent, simplified)
NODE_ADD = "NodeAdd"
NODE_UPDATE = "NodeUpdate"
NODE_DELETE = "NodeDelete"
POD_ADD = "AssignedPodAdd"
POD_UPDATE = "AssignedPodUpdate"
POD_DELETE = "AssignedPodDelete"
PVC_ADD = "PersistentVolumeClaimAdd"
PVC_UPDATE = "PersistentVolumeClaimUpdate"
PV_ADD = "PersistentVolumeAdd"
PV_UPDATE = "PersistentVolumeUpdate"
SC_ADD = "StorageClassAdd"
CSINODE_ADD = "CSINodeAdd"
CSINODE_UPDATE = "CSINodeUpdate"
UNSCHEDULABLE_TIMEOUT = "UnschedulableTimeout"
FORCE_ACTIVATE = "ForceActivate"


class PreFilterResult:
    """interface.go PreFilterResult: the set of nodes downstream should consider;
    ``node_names`` None means all nodes are eligible."""

    __slots__ = ("node_names",)

    def __init__(self, node_names: Optional[Iterable[str]] = None):
        self.node_names = None if node_names is None else set(node_names)

    def all_nodes(self) -> bool:
        """AllNodes: ``p == nil || p.NodeNames == nil`` (a None result counts too: use
        :func:`all_nodes`)."""
        return self.node_names is None

    def merge(self, other: Optional["PreFilterResult"]) -> Optional["PreFilterResult"]:
        """Merge: None if both allow all nodes, else the intersection of the sets given."""
        return merge_pre_filter_results(self, other)

    def __eq__(self, other: object) -> bool:
        if other is None:
            return self.node_names is None
        return isinstance(other, PreFilterResult) and self.node_names == other.node_names

    def __repr__(self) -> str:
        return "PreFilterResult(all nodes)" if self.node_names is None else f"PreFilterResult({sorted(self.node_names)})"


def all_nodes(r: Optional[PreFilterResult]) -> bool:
    """PreFilterResult.AllNodes on a possibly nil result."""
    return r is None or r.node_names is None


def merge_pre_filter_results(p: Optional[PreFilterResult], q: Optional[PreFilterResult]) -> Optional[PreFilterResult]:
    """interface.go (*PreFilterResult).Merge, nil-safe as upstream's method is."""
    if all_nodes(p) and all_nodes(q):
        return None
    if all_nodes(p):
        return PreFilterResult(q.node_names)
    if all_nodes(q):
        return PreFilterResult(p.node_names)
    return PreFilterResult(p.node_names & q.node_names)


def split_pre_filter(r: Any) -> tuple[Optional[PreFilterResult], Any]:
    """What a ``pre_filter`` returned, as (result, status-or-None)."""
    if r is None:
        return None, None
    if type(r) is tuple:
        return r[0], r[1]
    if isinstance(r, PreFilterResult):
        return r, None
    return None, r


class Plugin(Protocol):
    name: str


@runtime_checkable
class QueueSortPlugin(Protocol):
    name: str

    def less(self, a: Any, b: Any) -> bool: ...


@runtime_checkable
class PreFilterPlugin(Protocol):
    name: str

    def pre_filter(self, state: "CycleState", pod: "PodInfo", snapshot: "Snapshot") -> Any: ...


@runtime_checkable
class FilterPlugin(Protocol):
    name: str

    def filter(self, state: "CycleState", pod: "PodInfo", node: "NodeInfo") -> Optional["Status"]: ...


@runtime_checkable
class PostFilterPlugin(Protocol):
    name: str

    def post_filter(self, state: "CycleState", pod: "PodInfo", node_statuses: dict) -> tuple[Any, "Status"]: ...


@runtime_checkable
class PreScorePlugin(Protocol):
    name: str

    def pre_score(self, state: "CycleState", pod: "PodInfo", nodes: list) -> Optional["Status"]: ...


@runtime_checkable
class ScorePlugin(Protocol):
    """``score`` gives a raw number; ``normalize_score`` (optional, the ScoreExtensions)
    maps the array of raw numbers for the feasible nodes to 0..100."""

    name: str

    def score(self, state: "CycleState", pod: "PodInfo", node: "NodeInfo") -> int: ...


@runtime_checkable
class ReservePlugin(Protocol):
    name: str

    def reserve(self, state: "CycleState", pod: "PodInfo", node_name: str) -> Optional["Status"]: ...

    def unreserve(self, state: "CycleState", pod: "PodInfo", node_name: str) -> None: ...


@runtime_checkable
class PermitPlugin(Protocol):
    name: str

    def permit(self, state: "CycleState", pod: "PodInfo", node_name: str) -> tuple[Optional["Status"], float]: ...


@runtime_checkable
class PreBindPlugin(Protocol):
    name: str

    def pre_bind(self, state: "CycleState", pod: "PodInfo", node_name: str) -> Optional["Status"]: ...


@runtime_checkable
class BindPlugin(Protocol):
    name: str

    def bind(self, state: "CycleState", pod: "PodInfo", node_name: str) -> Any: ...


@runtime_checkable
class PostBindPlugin(Protocol):
    name: str

    def post_bind(self, state: "CycleState", pod: "PodInfo", node_name: str) -> None: ...

"""One small protocol per extension point (pkg/scheduler/framework/interface.go).

A plugin is any object with a ``name`` and the methods of the points it implements.
Two kubelab additions, both optional, are vector fast paths the runner prefers when a
plugin has them: ``filter_nodes`` and ``score_nodes`` take an array of node indices and
answer for all of them at once (same verdicts and numbers as the per-node methods,
which remain the reference and are what the tests compare against). ``filter_nodes``
returns ``(codes, statuses)``: 0 passes, k > 0 is ``statuses[k - 1]``; ``(None, ())``
says every node passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Protocol, runtime_checkable

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


class Plugin(Protocol):
    name: str


@runtime_checkable
class QueueSortPlugin(Protocol):
    name: str

    def less(self, a: Any, b: Any) -> bool: ...


@runtime_checkable
class PreFilterPlugin(Protocol):
    name: str

    def pre_filter(self, state: "CycleState", pod: "PodInfo", snapshot: "Snapshot") -> Optional["Status"]: ...


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

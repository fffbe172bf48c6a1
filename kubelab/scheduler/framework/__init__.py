"""The scheduling framework: statuses, cycle state, node infos, cache, runner."""

from .cache import Cache, Snapshot
from .cycle_state import CycleState
from .interface import PreFilterResult
from .runtime import Framework, FrameworkError
from .status import Code, Status
from .types import AffinityTerm, NodeInfo, PodInfo

__all__ = ["AffinityTerm", "Cache", "Code", "CycleState", "Framework", "FrameworkError", "NodeInfo", "PodInfo", "PreFilterResult",
           "Snapshot", "Status"]

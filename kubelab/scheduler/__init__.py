"""kube-scheduler in miniature: the scheduling framework, its default plugins, the
queue, preemption, and a decision record for every attempt (``explain``)."""

from .config import DEFAULT_SCHEDULER_NAME
from .explain import Decision
from .framework.cycle_state import CycleState
from .framework.status import Code, Status
from .framework.types import NodeInfo, PodInfo
from .port import APIServerPort, InMemoryPort, SchedulerPort
from .scheduler import Scheduler

__all__ = ["APIServerPort", "Code", "CycleState", "DEFAULT_SCHEDULER_NAME", "Decision", "InMemoryPort", "NodeInfo",
           "PodInfo", "Scheduler", "SchedulerPort", "Status"]

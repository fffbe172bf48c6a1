"""The journal: every call a user makes that changes the simulation, where it was made.

History is part of the model (DESIGN.md): the methods that a user calls to change a
cluster are declared ``@journaled`` where they are defined, in whatever layer they live
(``Cluster.apply``, an etcd ``Member.stop``, a ``Kubelet.hang``, a scheduler's
``register_plugin``...). A call is recorded when it comes from outside the simulation:
not while the kernel is running an event (a component acting on its own), and not when
it is nested in another recorded call (``scale`` inside ``kubectl``).

Each record holds the simulated time and the number of kernel events processed when the
call was made, the *address* of the object called (a path from the cluster's root, e.g.
``("etcd", "etcd-1")``), the method's name and deep copies of its arguments. Because the
kernel is deterministic, replaying the records at the same event counts on a freshly
built twin lives the same history; that is how a cluster forks (``kubelab.cluster``).

A call on an object that has no address (one the cluster does not know how to find
again) is still recorded, marked unreplayable: a fork then refuses with the reason,
rather than build a silently different twin.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

UNADDRESSED = ("?",)


@dataclass(frozen=True)
class Action:
    """One call the user made: where in the history, on what, with which arguments."""

    time: float
    events: int  # kernel events processed before the call: its exact place in the history
    target: tuple  # the called object's address, e.g. ("cluster",) or ("kubelet", "vm-1")
    verb: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    problem: Optional[str] = None  # why this call cannot be replayed, if it cannot

    def __repr__(self) -> str:
        shown = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        where = ".".join(str(p) for p in self.target)
        return f"[{self.time:8.3f}] {where}.{self.verb}({', '.join(shown)})"


@dataclass(frozen=True)
class Ref:
    """An argument that is itself an object of the simulation (an etcd member, say),
    recorded by its address: a replay passes the twin's object."""

    address: tuple

    def __repr__(self) -> str:
        return "<" + ".".join(str(p) for p in self.address) + ">"


def _short(v: Any) -> str:
    s = repr(v).replace("\n", " ")
    return s if len(s) <= 40 else s[:37] + "..."


class Journal:
    """The record of user calls on one simulation (``sim.journal``). Closed until the
    owner opens it: building a cluster is not an action to replay, it is the recipe."""

    def __init__(self, sim: Any):
        self.sim = sim
        self.actions: list[Action] = []
        self.open = False
        self._depth = 0
        self._addresses: dict[int, tuple[Any, tuple]] = {}  # id(obj) -> (obj, address)
        self._listeners: list[Callable[[Action], None]] = []
        # the owner's way to name an object it did not register (an etcd member added later...)
        self.namer: Optional[Callable[[Any], Optional[tuple]]] = None

    # -- naming the objects a user can act on -------------------------------------------
    def address(self, obj: Any, address: tuple) -> None:
        """Give ``obj`` a path from the root, so a replay can find its twin."""
        self._addresses[id(obj)] = (obj, tuple(address))

    def address_of(self, obj: Any) -> Optional[tuple]:
        entry = self._addresses.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        return self.namer(obj) if self.namer is not None else None

    def on_action(self, fn: Callable[[Action], None]) -> None:
        """``fn(action)`` after each recorded call has returned (or raised)."""
        self._listeners.append(fn)

    # -- recording --------------------------------------------------------------------------
    def _record_arg(self, value: Any) -> Any:
        if isinstance(value, (str, int, float, bool, type(None))):
            return value
        address = self.address_of(value)
        return Ref(address) if address is not None else copy.deepcopy(value)

    def recording(self) -> bool:
        return self.open and self._depth == 0 and not self.sim.running

    def call(self, obj: Any, verb: str, fn: Callable, args: tuple, kwargs: dict) -> Any:
        if not self.recording():
            self._depth += 1
            try:
                return fn(obj, *args, **kwargs)
            finally:
                self._depth -= 1
        target = self.address_of(obj)
        problem = None
        if target is None:
            target, problem = UNADDRESSED, f"{type(obj).__name__}.{verb} was called on an object the cluster cannot find again"
        try:
            rec_args = tuple(self._record_arg(a) for a in args)
            rec_kwargs = {k: self._record_arg(v) for k, v in kwargs.items()}
        except Exception as exc:  # noqa: BLE001 - an argument that cannot be copied cannot be replayed
            rec_args, rec_kwargs = args, kwargs
            problem = problem or f"{verb}: an argument cannot be copied ({exc})"
        action = Action(self.sim.now, self.sim.events_processed, target, verb, rec_args, rec_kwargs, problem)
        self.actions.append(action)
        self._depth += 1
        try:
            return fn(obj, *args, **kwargs)
        finally:
            self._depth -= 1
            for listener in self._listeners:
                listener(action)


    def unreplayable(self, what: str, reason: str) -> None:
        """Note a change from outside that no replay can repeat (a fork then refuses)."""
        if self.recording():
            self.actions.append(Action(self.sim.now, self.sim.events_processed, UNADDRESSED, what, (), {}, reason))


def journaled(fn: Callable) -> Callable:
    """Declare a method as a user action: recorded in ``self.sim.journal`` when called from
    outside the simulation. The object must have a ``sim`` attribute."""

    @functools.wraps(fn)
    def action(self, *args, **kwargs):
        journal = getattr(getattr(self, "sim", None), "journal", None)
        if journal is None:
            return fn(self, *args, **kwargs)
        return journal.call(self, fn.__name__, fn, args, kwargs)

    action.__kubelab_journaled__ = True
    return action


__all__ = ["Action", "Journal", "Ref", "UNADDRESSED", "journaled"]

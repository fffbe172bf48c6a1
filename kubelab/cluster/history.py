"""``cluster.history``: the cluster's life as a journal of user actions, and forks of it.

Every public action that changes a cluster is declared ``@journaled`` where it is
defined (:mod:`kubelab.sim.journal`), whatever part it lives in. The journal opens when
the cluster has finished building, so it holds everything the user did since; a fork
builds a twin from the same recipe (constructor arguments and seed) and replays each
action at the same kernel event, then runs the clock to the moment asked for. Because
the kernel is deterministic, the twin lives the same history: ``twin.history.digest()``
equals the original's at the same moment.

A journaled call on an object the cluster cannot address (an object made outside it),
or whose arguments cannot be copied, makes ``fork`` refuse with the reason.

``every(seconds, fn)`` asks ``cluster.run`` to stop the clock at multiples of
``seconds`` and call ``fn()`` there (the dashboard takes its snapshots so); the events
are the same as one uninterrupted run.
"""

from __future__ import annotations

import copy
import hashlib
import math
from typing import TYPE_CHECKING, Any, Callable, Optional

from kubelab.apiserver.server import APIServer
from kubelab.etcd.member import Member
from kubelab.node import Kubelet
from kubelab.scheduler import Scheduler
from kubelab.sim.journal import Action, Ref

if TYPE_CHECKING:
    from .cluster import Cluster


class ForkError(RuntimeError):
    """A fork cannot reproduce the original (a call could not be journaled, or replay diverged)."""


class History:
    def __init__(self, cluster: "Cluster"):
        self.cluster = cluster
        self.sim = cluster.sim
        self.journal = cluster.sim.journal
        self.started_at: tuple[float, int] = (0.0, 0)
        self.load_generators: list[Any] = []
        self.watches: list[Any] = []  # opened by cluster.api.watch: their stop() is an action too
        self._checkpoints: list[tuple[float, Callable[[], None]]] = []
        self._after_run: list[Callable[[], None]] = []

    def start(self) -> None:
        """Open the journal: the cluster is built; from now on every user action is recorded."""
        j = self.journal
        j.namer = self.address_of
        for name, part in (("api", self.cluster.api), ("faults", self.cluster.faults)):
            j.address(part, (name,))
        j.address(self.cluster, ("cluster",))
        for m in self.cluster.masters:
            j.address(m, ("machines", m.name))
        self.started_at = (self.sim.now, self.sim.events_processed)
        j.open = True

    @property
    def actions(self) -> list[Action]:
        """Every user action since the cluster was built, in order."""
        return list(self.journal.actions)

    def on_action(self, fn: Callable[[Action], None]) -> None:
        """``fn(action)`` after each user action."""
        self.journal.on_action(fn)

    # -- addresses: how a replay finds the twin of the object a call was made on -----------
    def address_of(self, obj: Any) -> Optional[tuple]:
        c = self.cluster
        if isinstance(obj, Member) and obj.cluster is c.etcd:
            return ("etcd", obj.name)
        if obj is c.etcd:
            return ("etcd",)
        if isinstance(obj, Kubelet):
            for name, w in c.workers.items():
                if w.kubelet is obj:
                    return ("machines", name, "kubelet")
        if isinstance(obj, Scheduler):
            for m in c.masters:
                if m.scheduler is obj:
                    return ("machines", m.name, "scheduler")
        if isinstance(obj, APIServer):
            if any(s is obj for s in c.apiservers):
                return ("apiservers", obj.name)
        return None

    def resolve(self, address: tuple) -> Any:
        c = self.cluster
        head, rest = address[0], address[1:]
        if head == "cluster":
            return c
        if head in ("api", "faults"):
            return getattr(c, head)
        if head == "machines":
            obj = c.machine(rest[0])
            for attr in rest[1:]:
                obj = getattr(obj, attr)
            return obj
        if head == "etcd":
            return c.etcd.member(rest[0]) if rest else c.etcd
        if head == "apiservers":
            return next(s for s in c.apiservers if s.name == rest[0])
        if head == "load":
            return self.load_generators[rest[0]]
        if head == "watch":
            return self.watches[rest[0]]
        raise ForkError(f"cannot find {address!r} in the twin")

    # -- time -------------------------------------------------------------------------------
    def every(self, seconds: float, fn: Callable[[], None]) -> None:
        """Call ``fn()`` at every multiple of ``seconds`` that ``cluster.run`` passes."""
        if not seconds > 0:
            raise ValueError("seconds must be > 0")
        self._checkpoints.append((float(seconds), fn))

    def run(self, seconds: float) -> None:
        end = self.sim.now + seconds  # as Simulator.run_for computes it
        self._run_checkpoints_before(end)
        self.sim.run(until=end)
        for fn in self._after_run:
            fn()

    def after_run(self, fn: Callable[[], None]) -> None:
        """``fn()`` when ``cluster.run`` returns."""
        self._after_run.append(fn)

    def _run_checkpoints_before(self, t: float) -> None:
        """Run to each checkpoint strictly before ``t`` and call its hooks there."""
        sim = self.sim
        while self._checkpoints:
            due = [(math.floor(sim.now / p + 1e-9) + 1) * p for p, _ in self._checkpoints]
            boundary = min(due)
            if boundary >= t - 1e-9:
                return
            sim.run(until=boundary)
            for (_, fn), b in zip(self._checkpoints, due):
                if b == boundary:
                    fn()

    # -- forks ------------------------------------------------------------------------------
    def check_replayable(self, until: Optional[float] = None) -> None:
        for a in self.journal.actions:
            if until is not None and a.time > until + 1e-9:
                break
            if a.problem:
                raise ForkError(f"cannot fork: {a!r} cannot be replayed ({a.problem})")

    def fork(self, at: Optional[float] = None, prepare: Optional[Callable[["Cluster"], None]] = None,
             events: Optional[int] = None) -> "Cluster":
        """A new Cluster that has lived the same history up to ``at`` (default: now): built
        from the same recipe, every user action replayed at the same kernel event, then
        time run to ``at``. An action made at ``at`` itself is part of the fork when ``at``
        is now, or when it was made within the first ``events`` kernel events (a snapshot's
        count: the state it shows). ``prepare(twin)`` is called before the replay (to watch it)."""
        from .cluster import Cluster

        sim = self.sim
        if at is None:
            at, events = sim.now, sim.events_processed
        at = float(at)
        if at > sim.now + 1e-9:
            raise ValueError(f"cannot fork at t={at}: the cluster has only reached t={sim.now}")
        self.check_replayable(at)  # (a little early: refusing is the safe side)
        twin = Cluster(**copy.deepcopy(self.cluster.recipe))
        if (twin.sim.now, twin.sim.events_processed) != self.started_at:
            raise ForkError("the twin was built differently from the original (its recipe changed)")
        if prepare is not None:
            prepare(twin)
        twin.history.replay([a for a in self.journal.actions if a.time < at - 1e-9 or (
            a.time <= at + 1e-9 and events is not None and a.events <= events)])
        if at > twin.sim.now:
            twin.history.run(at - twin.sim.now)
        return twin

    def replay(self, actions: list[Action]) -> None:
        sim = self.sim
        for a in actions:
            self._run_checkpoints_before(a.time)
            while sim.events_processed < a.events:
                if not sim.step():
                    break
            if sim.events_processed != a.events or sim.now > a.time + 1e-9:
                raise ForkError(f"replay diverged before {a!r}: {sim.events_processed} events at t={sim.now}, "
                                f"expected {a.events} at t={a.time}")
            sim.now = max(sim.now, a.time)
            target = self.resolve(a.target)
            args = [self._arg(x) for x in a.args]
            kwargs = {k: self._arg(v) for k, v in a.kwargs.items()}
            try:
                getattr(target, a.verb)(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the original call failed the same way
                pass

    def _arg(self, value: Any) -> Any:
        return self.resolve(value.address) if isinstance(value, Ref) else copy.deepcopy(value)

    # -- comparing histories ----------------------------------------------------------------
    def digest(self) -> str:
        """A fingerprint of the cluster's state and history: every key and value under
        /registry/ in etcd (from the first running member), the trace, the clock."""
        h = hashlib.sha256()
        h.update(repr((self.sim.now, self.sim.events_processed)).encode())
        for r in self.sim.trace:
            h.update(repr(tuple(r)).encode())
        member = next((m for m in self.cluster.etcd.members if m.running and m.kv is not None), None)
        if member is not None:
            for kv in member.kv.range("/registry/", prefix=True).kvs:
                h.update(repr((kv.key, kv.mod_revision, kv.value)).encode())
        return h.hexdigest()

    def __repr__(self) -> str:
        return f"<History: {len(self.journal.actions)} actions since t={self.started_at[0]:.1f}s>"


__all__ = ["ForkError", "History"]

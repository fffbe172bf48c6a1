"""Simulated hosts and links: latency, cuts (one-way too), heals, stopped hosts.

A message is a callback delivered on the clock after the link's latency. It is dropped
when the link is cut or either end is down — checked when it is sent *and* when it
arrives, so a host that dies with messages in flight never receives them.
"""

from __future__ import annotations

from typing import Any, Callable

from .kernel import Simulator


class Network:
    def __init__(self, sim: Simulator, default_latency: float = 0.0005):
        self.sim = sim
        self.default_latency = default_latency
        self._down: set[str] = set()
        self._cut: set[tuple[str, str]] = set()  # directed (src, dst) pairs that drop
        self._latency: dict[tuple[str, str], float] = {}
        self._host_latency: dict[str, float] = {}  # extra latency on every link of a host
        self.sent = 0
        self.dropped = 0
        # called when something may have broken a path (a host stopped, a link cut, a server
        # stopped): the connections that used to poll their health every tick wait for this
        self._break_listeners: dict[Any, Callable[[], None]] = {}

    def on_break(self, key: Any, fn: Callable[[], None]) -> None:
        """Call ``fn()`` whenever a host stops or a link is cut (until :meth:`off_break`)."""
        self._break_listeners[key] = fn

    def off_break(self, key: Any) -> None:
        self._break_listeners.pop(key, None)

    def notify_break(self) -> None:
        """Tell the listeners that a path may be broken (a server stopped serving)."""
        for fn in list(self._break_listeners.values()):
            fn()

    # -- hosts -----------------------------------------------------------------------------
    def stop(self, host: str) -> None:
        self._down.add(host)
        self.notify_break()

    def start(self, host: str) -> None:
        self._down.discard(host)

    def is_up(self, host: str) -> bool:
        return host not in self._down

    # -- links -----------------------------------------------------------------------------
    def cut(self, a: str, b: str, oneway: bool = False) -> None:
        """Cut the link a→b (and b→a unless ``oneway``)."""
        self._cut.add((a, b))
        if not oneway:
            self._cut.add((b, a))
        self.notify_break()

    def heal(self, a: str | None = None, b: str | None = None) -> None:
        """Heal a→b and b→a, every link of ``a``, or (no arguments) every link."""
        if a is None:
            self._cut.clear()
        elif b is None:
            self._cut = {p for p in self._cut if a not in p}
        else:
            self._cut.discard((a, b))
            self._cut.discard((b, a))

    def partition(self, *groups: list[str]) -> None:
        """Cut every link between hosts of different groups."""
        for i, g in enumerate(groups):
            for h in groups[i + 1 :]:
                for a in g:
                    for b in h:
                        self.cut(a, b)

    def set_latency(self, a: str, b: str, seconds: float, oneway: bool = False) -> None:
        self._latency[(a, b)] = seconds
        if not oneway:
            self._latency[(b, a)] = seconds

    def slow_host(self, host: str, extra_seconds: float) -> None:
        """Add latency to every message to or from ``host`` (0 restores it)."""
        if extra_seconds:
            self._host_latency[host] = extra_seconds
        else:
            self._host_latency.pop(host, None)

    def cuts(self) -> list[tuple[str, str]]:
        return sorted(self._cut)

    def can_reach(self, src: str, dst: str) -> bool:
        if src == dst:
            return src not in self._down
        return src not in self._down and dst not in self._down and (src, dst) not in self._cut

    def latency(self, src: str, dst: str) -> float:
        if src == dst:
            base = 0.0
        else:
            base = self._latency.get((src, dst), self.default_latency)
        if self._host_latency:
            base += self._host_latency.get(src, 0.0) + self._host_latency.get(dst, 0.0)
        return base

    # -- messages --------------------------------------------------------------------------
    def send(self, src: str, dst: str, fn: Callable[..., Any], *args: Any) -> bool:
        """Deliver ``fn(*args)`` at ``dst`` after the link's latency. False if dropped now."""
        self.sent += 1
        if not self.can_reach(src, dst):
            self.dropped += 1
            return False
        self.sim.call_later(self.latency(src, dst), self._deliver, src, dst, fn, args)
        return True

    def _deliver(self, src: str, dst: str, fn: Callable, args: tuple) -> None:
        if not self.can_reach(src, dst):
            self.dropped += 1
            return
        fn(*args)

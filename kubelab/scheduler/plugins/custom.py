"""Plugins written in a notebook cell.

A plain function is the smallest plugin::

    def gpu_only(pod, node):                  # pod: Pod, node: Node (the API models)
        return node.labels.get("gpu") == "true"   # True / None: fits; False or a str: rejected
    cluster.scheduler.register_plugin(gpu_only, point="filter")

    def prefer_cheap(pod, node):              # a score plugin returns 0..100
        return 100 if node.labels.get("cost") == "low" else 0
    cluster.scheduler.register_plugin(prefer_cheap, point="score", weight=2)

A class works too: give it a ``name`` and ``filter(pod, node)`` / ``score(pod, node)``
(models), or the framework's own signatures ``filter(state, pod_info, node_info)`` and
``score(state, pod_info, node_info)`` (plus ``normalize_score(state, pod, scores, idx)``
if it wants one). A rejection shows in ``explain`` with the plugin's name and reason.
"""

from __future__ import annotations

import inspect
from typing import Any, Optional

from ..framework import interface as ep
from ..framework.status import Code, Status


def _arity(fn) -> int:
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return 2
    return len(params)


def _to_status(name: str, r: Any) -> Optional[Status]:
    if r is None or r is True:
        return None
    if r is False:
        return Status(Code.Unschedulable, f"node(s) rejected by {name}")
    if isinstance(r, str):
        return Status(Code.Unschedulable, r)
    if isinstance(r, Status):
        return r
    raise TypeError(f"filter plugin {name} returned {r!r}; return True/None (fits), False or a reason string")


class FunctionFilter:
    def __init__(self, name: str, fn, framework_sig: bool):
        self.name, self.fn, self.framework_sig = name, fn, framework_sig

    def filter(self, state, pod, node):
        r = self.fn(state, pod, node) if self.framework_sig else self.fn(pod.pod, node.node)
        return _to_status(self.name, r)

    def __repr__(self) -> str:
        return f"<filter plugin {self.name}>"


class FunctionScore:
    def __init__(self, name: str, fn, framework_sig: bool, normalize=None):
        self.name, self.fn, self.framework_sig = name, fn, framework_sig
        if normalize is not None:
            self.normalize_score = normalize

    def score(self, state, pod, node):
        r = self.fn(state, pod, node) if self.framework_sig else self.fn(pod.pod, node.node)
        if isinstance(r, tuple):
            return r
        if not isinstance(r, (int, float)) or isinstance(r, bool):
            raise TypeError(f"score plugin {self.name} returned {r!r}; return a number 0..100")
        return int(r)

    def __repr__(self) -> str:
        return f"<score plugin {self.name}>"


def adapt(plugin: Any, point: str, name: Optional[str] = None):
    """(plugin instance, extension points) for a function or an object."""
    point = {"filter": ep.FILTER, "score": ep.SCORE}.get(point, point)
    if point not in (ep.FILTER, ep.SCORE, ep.PRE_FILTER, ep.PRE_SCORE, ep.RESERVE, ep.PERMIT, ep.PRE_BIND, ep.POST_BIND):
        raise ValueError(f'point must be "filter" or "score" (or another extension point), not {point!r}')
    if inspect.isfunction(plugin) or inspect.ismethod(plugin) or (callable(plugin) and not hasattr(plugin, point)):
        pname = name or getattr(plugin, "__name__", "CustomPlugin")
        fw = _arity(plugin) >= 3
        if point == ep.FILTER:
            return FunctionFilter(pname, plugin, fw), [ep.FILTER]
        if point == ep.SCORE:
            return FunctionScore(pname, plugin, fw), [ep.SCORE]
        raise ValueError("a function can be a filter or a score plugin; use a class for other points")
    if inspect.isclass(plugin):
        plugin = plugin()
    pname = name or getattr(plugin, "name", None) or type(plugin).__name__
    points = [p for p, m in ep.POINT_METHODS.items() if callable(getattr(plugin, m, None)) and p != ep.QUEUE_SORT]
    if not points:
        raise ValueError(f"{plugin!r} implements no extension point (define filter(...) or score(...))")
    # methods written against the API models (pod, node) are wrapped; framework ones used as they are
    if ep.FILTER in points and _arity(plugin.filter) == 2:
        f = FunctionFilter(pname, plugin.filter, False)
        plugin.filter = f.filter  # type: ignore[attr-defined]
    if ep.SCORE in points and _arity(plugin.score) == 2:
        s = FunctionScore(pname, plugin.score, False)
        plugin.score = s.score  # type: ignore[attr-defined]
    try:
        plugin.name = pname
    except AttributeError:
        pass
    return plugin, points

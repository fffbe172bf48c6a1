"""``cluster.views``: the views the view layer registers.

Models never import the view layer (not even lazily): ``kubelab.viz``, when imported,
registers its views here by name (``register_view("dashboard", Dashboard)``), and its
IPython display formatters for the model types. ``import kubelab`` imports the view layer,
so in a notebook ``cluster.views.dashboard()`` is there."""

from __future__ import annotations

import functools
from typing import Any, Callable

_VIEWS: dict[str, Callable[..., Any]] = {}


def register_view(name: str, fn: Callable[..., Any]) -> None:
    """Make ``cluster.views.<name>(...)`` call ``fn(cluster, ...)``."""
    _VIEWS[name] = fn


class Views:
    def __init__(self, cluster: Any):
        self._cluster = cluster

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        fn = _VIEWS.get(name)
        if fn is None:
            known = ", ".join(sorted(_VIEWS)) or "none: import kubelab.viz first"
            raise AttributeError(f"no view named {name!r} (views: {known})")
        return functools.wraps(fn)(functools.partial(fn, self._cluster))

    def __dir__(self) -> list[str]:
        return sorted(_VIEWS)

    def __repr__(self) -> str:
        return f"<views: {', '.join(sorted(_VIEWS))}>"


__all__ = ["Views", "register_view"]

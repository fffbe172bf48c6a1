"""``cluster.views`` / ``etcd.views``: the views the view layer registers.

Models never import the view layer (not even lazily): ``kubelab.viz``, when imported,
registers its views here by name (``register_view("dashboard", Dashboard)``), each for the
kinds of model it draws ("cluster", "etcd"). It lives at the bottom of the layers so that
a model of any layer (a bare ``kl.EtcdCluster`` as well as a ``kl.Cluster``) can offer
them; ``import kubelab`` imports the view layer, so in a notebook they are there."""

from __future__ import annotations

import functools
from typing import Any, Callable

_VIEWS: dict[str, tuple[Callable[..., Any], frozenset[str]]] = {}


def register_view(name: str, fn: Callable[..., Any], on: tuple[str, ...] = ("cluster",)) -> None:
    """Make ``<model>.views.<name>(...)`` call ``fn(model, ...)`` for the models named in
    ``on`` ("cluster": a ``kl.Cluster``; "etcd": a ``kl.EtcdCluster``)."""
    _VIEWS[name] = (fn, frozenset(on))


class Views:
    def __init__(self, model: Any, scope: str = "cluster"):
        self._model = model
        self._scope = scope

    def _names(self) -> list[str]:
        return sorted(n for n, (_, on) in _VIEWS.items() if self._scope in on)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        got = _VIEWS.get(name)
        if got is None or self._scope not in got[1]:
            known = ", ".join(self._names()) or "none: import kubelab.viz first"
            raise AttributeError(f"no view named {name!r} (views: {known})")
        return functools.wraps(got[0])(functools.partial(got[0], self._model))

    def __dir__(self) -> list[str]:
        return self._names()

    def __repr__(self) -> str:
        return f"<views: {', '.join(self._names())}>"


__all__ = ["Views", "register_view"]

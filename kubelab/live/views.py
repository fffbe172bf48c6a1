"""``live.views``: the views the view layer registers for a connected cluster.

As with ``cluster.views`` (kubelab.cluster.views), the view layer registers itself here when
imported; only views that need nothing but API data are offered (no etcd members, load
balancer counters or simulated machines: a real cluster does not show them). A view first
advances the watches (``live.refresh()``) unless ``live.refresh_on_view`` is False."""

from __future__ import annotations

import functools
from typing import Any, Callable

_VIEWS: dict[str, Callable[..., Any]] = {}


def register_view(name: str, fn: Callable[..., Any]) -> None:
    """Make ``live.views.<name>(...)`` call ``fn(live, ...)`` (after a refresh)."""
    _VIEWS[name] = fn


class LiveViews:
    def __init__(self, live: Any):
        self._live = live

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        fn = _VIEWS.get(name)
        if fn is None:
            known = ", ".join(sorted(_VIEWS)) or "none: import kubelab.viz first"
            raise AttributeError(f"no view named {name!r} (views: {known})")
        live = self._live

        @functools.wraps(fn)
        def view(*args: Any, **kw: Any) -> Any:
            if live.refresh_on_view:
                live.refresh()
            return fn(live, *args, **kw)

        return view

    def __dir__(self) -> list[str]:
        return sorted(_VIEWS)

    def __repr__(self) -> str:
        return f"<views: {', '.join(sorted(_VIEWS))}>"


__all__ = ["LiveViews", "register_view"]

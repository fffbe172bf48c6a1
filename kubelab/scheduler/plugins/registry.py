"""The in-tree registry (pkg/scheduler/framework/plugins/registry.go): plugin name ->
factory(args, handle)."""

from __future__ import annotations

from typing import Any, Callable

from ..framework import interface as ep
from .. import config as cfgmod


def _factories() -> dict[str, Callable[[dict, Any], Any]]:
    from .defaultbinder import DefaultBinder
    from .imagelocality import ImageLocality
    from .nodeaffinity import NodeAffinity
    from .nodename import NodeName
    from .nodeports import NodePorts
    from .noderesources import BalancedAllocation, NodeResourcesFit
    from .nodeunschedulable import NodeUnschedulable
    from .queuesort import PrioritySort
    from .nodevolumelimits import NodeVolumeLimits
    from .tainttoleration import TaintToleration
    from .volumebinding import VolumeBinding
    from .volumezone import VolumeZone

    f: dict[str, Callable[[dict, Any], Any]] = {
        "PrioritySort": lambda a, h: PrioritySort(),
        "NodeUnschedulable": lambda a, h: NodeUnschedulable(),
        "NodeName": lambda a, h: NodeName(),
        "TaintToleration": lambda a, h: TaintToleration(),
        "NodeAffinity": lambda a, h: NodeAffinity(a),
        "NodePorts": lambda a, h: NodePorts(),
        "NodeResourcesFit": lambda a, h: NodeResourcesFit(a),
        "NodeResourcesBalancedAllocation": lambda a, h: BalancedAllocation(a),
        "ImageLocality": lambda a, h: ImageLocality(),
        "DefaultBinder": lambda a, h: DefaultBinder(h),
        "NodeVolumeLimits": lambda a, h: NodeVolumeLimits(h),
        "VolumeBinding": lambda a, h: VolumeBinding(h),
        "VolumeZone": lambda a, h: VolumeZone(h),
    }
    try:
        from .interpodaffinity import InterPodAffinity

        f["InterPodAffinity"] = lambda a, h: InterPodAffinity(a, h)
    except ImportError:
        pass
    try:
        from .podtopologyspread import PodTopologySpread

        f["PodTopologySpread"] = lambda a, h: PodTopologySpread(a, h)
    except ImportError:
        pass
    try:
        from .defaultpreemption import DefaultPreemption

        f["DefaultPreemption"] = lambda a, h: DefaultPreemption(a, h)
    except ImportError:
        pass
    return f


REGISTRY = _factories()
_IMPLEMENTS: dict[str, set[str]] = {}


def implements(name: str) -> set[str]:
    """The extension points the plugin ``name`` implements (by the methods it has)."""
    pts = _IMPLEMENTS.get(name)
    if pts is None:
        if name not in REGISTRY:
            raise cfgmod.ConfigError(f'plugin "{name}" does not exist')
        inst = REGISTRY[name]({}, None)
        pts = {p for p, m in ep.POINT_METHODS.items() if callable(getattr(inst, m, None))}
        _IMPLEMENTS[name] = pts
    return pts


def build_plugins(names, profile: dict, handle) -> dict[str, Any]:
    out = {}
    for n in names:
        if n not in REGISTRY:
            raise cfgmod.ConfigError(f'plugin "{n}" does not exist')
        out[n] = REGISTRY[n](cfgmod.plugin_args(profile, n), handle)
    return out

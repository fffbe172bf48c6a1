"""KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), as a dict or YAML.

Defaults follow pkg/scheduler/apis/config/v1/default_plugins.go (the MultiPoint list and
its score weights) and defaults.go (plugin args, backoff, percentageOfNodesToScore)::

    apiVersion: kubescheduler.config.k8s.io/v1
    kind: KubeSchedulerConfiguration
    profiles:
    - schedulerName: default-scheduler
      plugins:
        score:
          disabled: [{name: NodeResourcesBalancedAllocation}]
      pluginConfig:
      - name: NodeResourcesFit
        args: {scoringStrategy: {type: MostAllocated}}
"""

from __future__ import annotations

import copy
from typing import Any, Optional, Union

DEFAULT_SCHEDULER_NAME = "default-scheduler"

# default_plugins.go getDefaultPlugins(): MultiPoint, in order, with score weights
DEFAULT_MULTIPOINT: list[tuple[str, Optional[int]]] = [
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
]

# defaults.go: the args each default plugin gets
DEFAULT_PLUGIN_ARGS: dict[str, dict] = {
    "NodeResourcesFit": {"scoringStrategy": {"type": "LeastAllocated",
                                             "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]}},
    "NodeResourcesBalancedAllocation": {"resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]},
    "InterPodAffinity": {"hardPodAffinityWeight": 1, "ignorePreferredTermsOfExistingPods": False},
    "PodTopologySpread": {"defaultingType": "System"},
    "DefaultPreemption": {"minCandidateNodesPercentage": 10, "minCandidateNodesAbsolute": 100},
    "NodeAffinity": {},
    "VolumeBinding": {"bindTimeoutSeconds": 600},
}

DEFAULTS = {
    "percentageOfNodesToScore": 0,  # 0 = adaptive
    "podInitialBackoffSeconds": 1,
    "podMaxBackoffSeconds": 10,
}


class ConfigError(ValueError):
    pass


def load(config: Union[None, str, dict]) -> dict:
    """A complete configuration: the user's (dict or YAML text) over the defaults."""
    if config is None:
        cfg: dict[str, Any] = {}
    elif isinstance(config, str):
        import yaml

        cfg = yaml.safe_load(config) or {}
    else:
        cfg = copy.deepcopy(config)
    if not isinstance(cfg, dict):
        raise ConfigError("a KubeSchedulerConfiguration must be a mapping")
    kind = cfg.get("kind", "KubeSchedulerConfiguration")
    if kind != "KubeSchedulerConfiguration":
        raise ConfigError(f'no kind "{kind}" is registered for version "kubescheduler.config.k8s.io/v1"')
    for k, v in DEFAULTS.items():
        cfg.setdefault(k, v)
    pct = cfg["percentageOfNodesToScore"]
    if pct is not None and not 0 <= int(pct) <= 100:
        raise ConfigError(f"percentageOfNodesToScore: Invalid value: {pct}: not in valid range [0-100]")
    profiles = cfg.get("profiles") or [{}]
    names = set()
    for p in profiles:
        p.setdefault("schedulerName", DEFAULT_SCHEDULER_NAME)
        if p["schedulerName"] in names:
            raise ConfigError(f'profiles[].schedulerName: Duplicate value: "{p["schedulerName"]}"')
        names.add(p["schedulerName"])
    cfg["profiles"] = profiles
    return cfg


def _names(lst) -> list[tuple[str, Optional[int]]]:
    out = []
    for e in lst or ():
        if isinstance(e, str):
            out.append((e, None))
        else:
            out.append((e["name"], e.get("weight")))
    return out


def plugin_args(profile: dict, name: str) -> dict:
    """Default args for ``name`` with the profile's pluginConfig laid over them."""
    args = copy.deepcopy(DEFAULT_PLUGIN_ARGS.get(name, {}))
    for pc in profile.get("pluginConfig") or ():
        if pc.get("name") == name:
            user = pc.get("args") or {}
            for k, v in user.items():
                args[k] = v
    return args


def expand_profile(profile: dict, implements) -> tuple[list[str], dict[str, list[str]], dict[str, int]]:
    """Which plugins, at which points, with which weights (the framework's own expansion
    of MultiPoint: a plugin is enabled at every point it implements).

    ``implements(name) -> set of points`` is given by the registry."""
    plugins_cfg = profile.get("plugins") or {}
    mp = plugins_cfg.get("multiPoint") or {}
    disabled_mp = {n for n, _ in _names(mp.get("disabled"))}
    order: list[tuple[str, Optional[int]]] = []
    if "*" not in disabled_mp:
        order = [(n, w) for n, w in DEFAULT_MULTIPOINT if n not in disabled_mp]
    for n, w in _names(mp.get("enabled")):
        order = [(m, x) for m, x in order if m != n] + [(n, w)]
    points: dict[str, list[str]] = {}
    weights: dict[str, int] = {}
    for n, w in order:
        for p in implements(n):
            points.setdefault(p, []).append(n)
        if w is not None:
            weights[n] = w
    for point, spec in plugins_cfg.items():
        if point == "multiPoint" or not isinstance(spec, dict):
            continue
        lst = points.setdefault(point, [])
        dis = {n for n, _ in _names(spec.get("disabled"))}
        if "*" in dis:
            lst.clear()
        else:
            lst[:] = [n for n in lst if n not in dis]
        for n, w in _names(spec.get("enabled")):
            if point not in implements(n):
                raise ConfigError(f'plugin "{n}" does not extend {point} plugin')
            if n not in lst:
                lst.append(n)
            if w is not None and point == "score":
                weights[n] = w
    for n in points.get("score", ()):
        weights.setdefault(n, 1)
        if weights[n] == 0:
            weights[n] = 1  # a score weight of 0 means the default 1 in v1
    if len(points.get("queueSort", ())) > 1:
        raise ConfigError("only one queue sort plugin can be enabled")
    if not points.get("bind"):
        raise ConfigError("at least one bind plugin is needed")
    used = [n for n, _ in order]
    for p in points.values():
        for n in p:
            if n not in used:
                used.append(n)
    return used, points, weights

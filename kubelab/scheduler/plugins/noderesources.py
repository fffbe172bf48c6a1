"""NodeResourcesFit and NodeResourcesBalancedAllocation (plugins/noderesources).

Fit filter (fit.go fitsRequest): ``Too many pods`` when the pod count would pass
allocatable pods; then, if the pod requests anything, ``Insufficient cpu`` /
``Insufficient memory`` / ``Insufficient ephemeral-storage`` / ``Insufficient <name>``
for each resource whose request exceeds allocatable minus requested; all the reasons of
a node are kept (Unschedulable).

Fit score, by ``scoringStrategy.type`` (resource_allocation.go, least_allocated.go,
most_allocated.go, requested_to_capacity_ratio.go):
  LeastAllocated  (capacity - requested) * 100 / capacity, weighted mean over resources
  MostAllocated   requested * 100 / capacity (requested capped at capacity)
  RequestedToCapacityRatio  a broken-linear shape of utilisation, scores scaled x10
Requested counts the scheduler's non-zero defaults (cpu 100m, memory 200Mi for a
container that sets none) for cpu and memory, both on the node and for the pod.

BalancedAllocation (balanced_allocation.go): (1 - std of the requested/allocatable
fractions) * 100, on actual requests; best-effort pods are skipped.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..framework import interface as ep
from ..framework.status import Status
from ..framework.types import CPU, EPHEMERAL_STORAGE, MAX_NODE_SCORE, MEMORY
from .helper import build_broken_linear_function

FIT = "NodeResourcesFit"
BALANCED = "NodeResourcesBalancedAllocation"
LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
MAX_CUSTOM_PRIORITY_SCORE = 10  # config.MaxCustomPriorityScore
MAX_UTILIZATION = 100
DEFAULT_RESOURCES = [{"name": CPU, "weight": 1}, {"name": MEMORY, "weight": 1}]
_PREFILTER_KEY = "PreFilter" + FIT
_NATIVE = (CPU, MEMORY, EPHEMERAL_STORAGE)


def insufficient(resource: str) -> str:
    return f"Insufficient {resource}"


def _is_scalar(name: str) -> bool:
    return name not in _NATIVE and name != "pods"


def _is_extended(name: str) -> bool:
    return "/" in name and not name.startswith("kubernetes.io/") and not name.startswith("requests.")


def validate_resources(resources: list[dict], path: str) -> None:
    """validation.validateResources: weights in [1, 100] (field.Invalid, as upstream words it)."""
    from ..config import ConfigError

    for i, r in enumerate(resources):
        w = r.get("weight", 1)
        if not isinstance(w, int) or w <= 0 or w > 100:
            raise ConfigError(f"{path}[{i}].weight: Invalid value: {w}: resource weight of {r.get('name')} not in valid range [1, 100]")


class _Scorer:
    """resourceAllocationScorer: per-resource (allocatable, requested) then a scorer."""

    def __init__(self, resources: list[dict], use_requested: bool, scorer):
        self.resources = [(r["name"], int(r.get("weight", 1))) for r in resources]
        self.use_requested = use_requested
        self.scorer = scorer
        # memo_rows' (fn, one) per pod request vector: pure functions of the node's rows
        # and the vector, so kept (bounded) rather than made again every cycle
        self._fns: dict[tuple, tuple] = {}

    def pod_requests(self, pod) -> list[int]:
        out = []
        for name, _ in self.resources:
            if not self.use_requested and name == CPU:
                out.append(pod.non_zero[0])
            elif not self.use_requested and name == MEMORY:
                out.append(pod.non_zero[1])
            else:
                out.append(pod.requests.get(name, 0))
        return out

    def matrices(self, cache, idx, pod_req: list[int]):
        """(requested, allocatable) as (resources x nodes) int64 arrays."""
        r = len(self.resources)
        req = np.zeros((r, idx.size), dtype=np.int64)
        alloc = np.zeros((r, idx.size), dtype=np.int64)
        for k, (name, _) in enumerate(self.resources):
            col = cache.res_index.get(name)
            if col is None:
                continue
            if _is_scalar(name) and pod_req[k] == 0:
                continue  # an extended resource the pod does not ask for is not scored
            a = cache.alloc[idx, col]
            if not self.use_requested and name in (CPU, MEMORY):
                used = cache.nz[idx, 0 if name == CPU else 1]
            else:
                used = cache.req[idx, col]
            alloc[k] = a
            req[k] = np.where(a == 0, 0, used + pod_req[k])
        return req, alloc

    def score_nodes(self, cache, idx, pod_req):
        # a node's score depends on its own rows and the pod's requests only: kept per
        # node between cycles (Cache.memo_rows), recomputed for the nodes that changed
        key = tuple(pod_req)
        fns = self._fns.get(key)
        if fns is None or fns[0] is not cache:
            if len(self._fns) >= 64:
                self._fns.clear()
            req = list(key)
            fns = self._fns[key] = (cache, (id(self), key), lambda ix: self._score_rows(cache, ix, req),
                                    lambda i: self._score_one(cache, i, req))
        return cache.rows(cache.memo_rows(fns[1], fns[2], fns[3]), idx)

    def _score_one(self, cache, i, pod_req):
        """_score_rows for the one node ``i``, in plain Python (None: use _score_rows)."""
        one = getattr(self.scorer, "fast_one", None)
        if one is None or not (self._cpu_memory and pod_req[0] and pod_req[1]):
            return None
        used = (cache.req if self.use_requested else cache.nz)[i].tolist()  # cpu, memory first
        return one(used, cache.alloc[i].tolist(), pod_req)

    def _score_rows(self, cache, idx, pod_req):
        fast = getattr(self.scorer, "fast_cpu_memory", None)
        if fast is not None and self._cpu_memory and pod_req[0] and pod_req[1]:
            # the default resources (cpu, memory), both requested: one gather per array,
            # the same integer arithmetic as the general matrices below
            rows = cache.rows
            used = rows(cache.req, idx)[:, :2] if self.use_requested else rows(cache.nz, idx)
            a = rows(cache.alloc, idx)[:, :2]
            out = fast(used, a, pod_req)
            if out is not None:
                return out
        req, alloc = self.matrices(cache, idx, pod_req)
        return self.scorer(req, alloc)

    @property
    def _cpu_memory(self) -> bool:
        return len(self.resources) == 2 and self.resources[0][0] == CPU and self.resources[1][0] == MEMORY


def least_resource_scorer(weights: list[int]):
    w = np.asarray(weights, dtype=np.int64)[:, None]

    def f(req, alloc):
        present = alloc > 0
        safe = np.where(present, alloc, 1)
        s = np.where(req > alloc, 0, ((alloc - req) * MAX_NODE_SCORE) // safe)
        node = (s * w * present).sum(axis=0)
        ws = (w * present).sum(axis=0)
        return np.where(ws == 0, 0, node // np.where(ws == 0, 1, ws))

    w0, w1 = int(weights[0]), int(weights[-1])

    def fast_cpu_memory(used, alloc, pod_req):
        """(nodes x 2) used and allocatable; None unless every node has both resources."""
        if len(weights) != 2 or not (alloc > 0).all():
            return None
        req = used + np.asarray(pod_req, dtype=np.int64)
        s = np.where(req > alloc, 0, ((alloc - req) * MAX_NODE_SCORE) // alloc)
        return (s[:, 0] * w0 + s[:, 1] * w1) // (w0 + w1)

    def fast_one(used, alloc, pod_req):
        """fast_cpu_memory for one node, in Python ints (the same integer arithmetic)."""
        if len(weights) != 2 or alloc[0] <= 0 or alloc[1] <= 0:
            return None
        r0, r1 = used[0] + pod_req[0], used[1] + pod_req[1]
        s0 = 0 if r0 > alloc[0] else ((alloc[0] - r0) * MAX_NODE_SCORE) // alloc[0]
        s1 = 0 if r1 > alloc[1] else ((alloc[1] - r1) * MAX_NODE_SCORE) // alloc[1]
        return (s0 * w0 + s1 * w1) // (w0 + w1)

    f.fast_cpu_memory = fast_cpu_memory
    f.fast_one = fast_one
    return f


def most_resource_scorer(weights: list[int]):
    w = np.asarray(weights, dtype=np.int64)[:, None]

    def f(req, alloc):
        present = alloc > 0
        safe = np.where(present, alloc, 1)
        r = np.minimum(req, alloc)
        s = (r * MAX_NODE_SCORE) // safe
        node = (s * w * present).sum(axis=0)
        ws = (w * present).sum(axis=0)
        return np.where(ws == 0, 0, node // np.where(ws == 0, 1, ws))

    return f


def requested_to_capacity_ratio_scorer(weights: list[int], shape: list[dict]):
    scaled = [(int(p["utilization"]), int(p["score"]) * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE)) for p in shape]
    raw = build_broken_linear_function(scaled)
    w = np.asarray(weights, dtype=np.int64)[:, None]

    def f(req, alloc):
        present = alloc > 0
        safe = np.where(present, alloc, 1)
        util = np.where((alloc == 0) | (req > alloc), MAX_UTILIZATION, (req * MAX_UTILIZATION) // safe)
        s = raw(util)
        use = present & (s > 0)
        node = (s * w * use).sum(axis=0)
        ws = (w * use).sum(axis=0)
        return np.where(ws == 0, 0, np.floor(node / np.where(ws == 0, 1, ws) + 0.5)).astype(np.int64)

    return f


def balanced_resource_scorer(req, alloc):
    present = alloc > 0
    safe = np.where(present, alloc, 1)
    frac = np.minimum(req.astype(np.float64) / safe.astype(np.float64), 1.0) * present
    count = present.sum(axis=0)
    if req.shape[0] == 2:
        std = np.where(count == 2, np.abs((frac[0] - frac[1]) / 2), 0.0)
    else:
        mean = frac.sum(axis=0) / np.where(count == 0, 1, count)
        var = (((frac - mean) ** 2) * present).sum(axis=0) / np.where(count == 0, 1, count)
        std = np.where(count > 2, np.sqrt(var), 0.0)
        if (count == 2).any():  # the exact two-resource formula for nodes with two present
            for j in np.nonzero(count == 2)[0].tolist():
                a, b = frac[present[:, j], j]
                std[j] = abs((a - b) / 2)
    return np.trunc((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)


def _balanced_fast_cpu_memory(used, alloc, pod_req):
    """balanced_resource_scorer for two resources present on every node (else None)."""
    if not (alloc > 0).all():
        return None
    frac = np.minimum((used + np.asarray(pod_req, dtype=np.int64)) / alloc, 1.0)
    std = np.abs((frac[:, 0] - frac[:, 1]) / 2)
    return np.trunc((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)


def _balanced_fast_one(used, alloc, pod_req):
    """_balanced_fast_cpu_memory for one node: float64 as numpy computes it (each int
    converted to a double, then divided)."""
    if alloc[0] <= 0 or alloc[1] <= 0:
        return None
    f0 = min(float(used[0] + pod_req[0]) / float(alloc[0]), 1.0)
    f1 = min(float(used[1] + pod_req[1]) / float(alloc[1]), 1.0)
    std = abs((f0 - f1) / 2)
    return int((1 - std) * float(MAX_NODE_SCORE))  # np.trunc, then to int64


balanced_resource_scorer.fast_cpu_memory = _balanced_fast_cpu_memory
balanced_resource_scorer.fast_one = _balanced_fast_one


class NodeResourcesFit:
    name = FIT
    events = {ep.NODE_ADD, ep.NODE_UPDATE, ep.POD_DELETE}

    def __init__(self, args: Optional[dict] = None):
        args = args or {}
        strat = args.get("scoringStrategy") or {}
        self.strategy = strat.get("type") or LEAST_ALLOCATED
        resources = strat.get("resources") or DEFAULT_RESOURCES
        validate_resources(resources, "scoringStrategy.resources")
        weights = [int(r.get("weight", 1)) for r in resources]
        if self.strategy == LEAST_ALLOCATED:
            scorer = least_resource_scorer(weights)
        elif self.strategy == MOST_ALLOCATED:
            scorer = most_resource_scorer(weights)
        elif self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            shape = (strat.get("requestedToCapacityRatio") or {}).get("shape") or [
                {"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]
            scorer = requested_to_capacity_ratio_scorer(weights, shape)
        else:
            raise ValueError(f'scoringStrategy.type: Unsupported value: "{self.strategy}"')
        self.scorer = _Scorer(resources, use_requested=False, scorer=scorer)
        self.ignored = set(args.get("ignoredResources") or ())
        self.ignored_groups = set(args.get("ignoredResourceGroups") or ())
        self._mask_fns: dict[tuple, tuple] = {}  # filter_nodes' memo_rows (key, fn, one) per request vector

    # -- filter ----------------------------------------------------------------------------
    def _pod_vector(self, pod, cache):
        """(resource name, column, request) for each non-zero request to check."""
        out = []
        for name in (CPU, MEMORY, EPHEMERAL_STORAGE):
            v = pod.requests.get(name, 0)
            if v > 0:
                out.append((name, cache.column(name), v))
        for name, v in pod.requests.items():
            if name in _NATIVE or name == "pods" or v == 0:
                continue
            if _is_extended(name) and (name in self.ignored or name.split("/")[0] in self.ignored_groups):
                continue
            out.append((name, cache.column(name), v))
        return out

    def pre_filter(self, state, pod, snapshot):
        if pod.parse_error:
            return Status.unresolvable(pod.parse_error)
        state.write(_PREFILTER_KEY, self._pod_vector(pod, snapshot.cache))
        return None

    def filter(self, state, pod, node):
        vec = state.get(_PREFILTER_KEY)
        cache = node._cache
        if vec is None:
            vec = self._pod_vector(pod, cache)
        i = node.idx
        reasons = []
        if cache.npods[i] + 1 > cache.max_pods[i]:
            reasons.append("Too many pods")
        for name, col, v in vec:
            if v > cache.alloc[i, col] - cache.req[i, col]:
                reasons.append(insufficient(name))
        return Status.unschedulable(*reasons) if reasons else None

    def filter_nodes(self, state, pod, snapshot, idx):
        cache = snapshot.cache
        vec = state.get(_PREFILTER_KEY)
        if vec is None:
            vec = self._pod_vector(pod, cache)
        # the verdict bits of a node depend on its rows and the pod's requests only: kept
        # per node between cycles (Cache.memo_rows)
        fkey = tuple(vec)
        fns = self._mask_fns.get(fkey)
        if fns is None or fns[0] is not cache:
            if len(self._mask_fns) >= 64:
                self._mask_fns.clear()
            v2 = list(fkey)
            fns = self._mask_fns[fkey] = (cache, (id(self), tuple([(col, v) for _, col, v in v2])),
                                          lambda ix: self._mask_rows(cache, v2, ix), lambda i: self._mask_one(cache, v2, i))
        mask = cache.rows(cache.memo_rows(fns[1], fns[2], fns[3]), idx)
        if not np.count_nonzero(mask):
            return None, ()  # every node passes
        uniq, inv = np.unique(mask, return_inverse=True)
        statuses = []
        codes_for = np.zeros(uniq.size, dtype=np.int64)
        for k, m in enumerate(uniq.tolist()):
            if m == 0:
                continue
            reasons = []
            if m & 1:
                reasons.append("Too many pods")
            for bit, (name, _, _) in enumerate(vec, start=1):
                if m >> bit & 1:
                    reasons.append(insufficient(name))
            statuses.append(Status.unschedulable(*reasons))
            codes_for[k] = len(statuses)
        return codes_for[inv.reshape(-1)], statuses

    @staticmethod
    def _mask_rows(cache, vec, idx):
        """Bit 0: Too many pods; bit k: the k-th requested resource is insufficient."""
        rows = cache.rows
        mask = (rows(cache.npods, idx) + 1 > rows(cache.max_pods, idx)).astype(np.int64)
        if vec:
            alloc, req = rows(cache.alloc, idx), rows(cache.req, idx)
            for bit, (name, col, v) in enumerate(vec, start=1):
                mask |= (v > alloc[:, col] - req[:, col]).astype(np.int64) << bit
        return mask

    @staticmethod
    def _mask_one(cache, vec, i):
        """_mask_rows for the one node ``i``, in Python ints."""
        mask = 1 if int(cache.npods[i]) + 1 > int(cache.max_pods[i]) else 0
        if vec:
            alloc, req = cache.alloc[i].tolist(), cache.req[i].tolist()
            for bit, (name, col, v) in enumerate(vec, start=1):
                if v > alloc[col] - req[col]:
                    mask |= 1 << bit
        return mask

    # -- score -----------------------------------------------------------------------------
    def score(self, state, pod, node):
        return int(self.score_nodes(state, pod, node._cache.snapshot, np.asarray([node.idx]))[0])

    def score_nodes(self, state, pod, snapshot, idx):
        return self.scorer.score_nodes(snapshot.cache, idx, self.scorer.pod_requests(pod))


class BalancedAllocation:
    name = BALANCED
    events = {ep.NODE_ADD, ep.NODE_UPDATE, ep.POD_DELETE}
    _KEY = "PreScore" + BALANCED

    def __init__(self, args: Optional[dict] = None):
        args = args or {}
        resources = args.get("resources") or DEFAULT_RESOURCES
        validate_resources(resources, "resources")
        self.scorer = _Scorer(resources, use_requested=True, scorer=balanced_resource_scorer)

    def pre_score(self, state, pod, nodes):
        reqs = self.scorer.pod_requests(pod)
        if not any(reqs):  # isBestEffortPod: skip, or best-effort pods would pile on one node
            return Status.skip()
        state.write(self._KEY, reqs)
        return None

    def score(self, state, pod, node):
        return int(self.score_nodes(state, pod, node._cache.snapshot, np.asarray([node.idx]))[0])

    def score_nodes(self, state, pod, snapshot, idx):
        reqs = state.get(self._KEY)
        if reqs is None:
            reqs = self.scorer.pod_requests(pod)
            if not any(reqs):
                return np.zeros(idx.size, dtype=np.int64)
        return self.scorer.score_nodes(snapshot.cache, idx, reqs)

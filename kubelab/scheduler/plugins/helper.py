"""Shared helpers (pkg/scheduler/framework/plugins/helper): DefaultNormalizeScore,
BuildBrokenLinearFunction, Go integer division, toleration matching."""

from __future__ import annotations

import numpy as np

from ..framework.types import MAX_NODE_SCORE


def go_div(a: np.ndarray, b) -> np.ndarray:
    """Go's integer division truncates toward zero (Python's // floors)."""
    a = np.asarray(a, dtype=np.int64)
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (np.asarray(b) < 0), -q, q)


def default_normalize_score(max_priority: int, reverse: bool, scores: np.ndarray) -> np.ndarray:
    """helper.DefaultNormalizeScore (plugins/helper/normalize_score.go)."""
    max_count = int(np.maximum.reduce(scores)) if scores.size else 0
    if max_count <= 0:
        if reverse:
            scores[:] = max_priority
        return scores
    out = go_div(max_priority * scores, max_count)
    if reverse:
        out = max_priority - out
    return out


def build_broken_linear_function(shape: list[tuple[int, int]]):
    """helper.BuildBrokenLinearFunction over (utilization, score) points, vectorised."""

    def f(p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=np.int64)
        out = np.full(p.shape, shape[-1][1], dtype=np.int64)
        done = np.zeros(p.shape, dtype=bool)
        for i, (u, s) in enumerate(shape):
            hit = (~done) & (p <= u)
            if i == 0:
                val = np.full(p.shape, s, dtype=np.int64)
            else:
                u0, s0 = shape[i - 1]
                val = s0 + go_div((s - s0) * (p - u0), (u - u0))
            out = np.where(hit, val, out)
            done |= hit
        return out

    return f


def tolerations_tolerate_taint(tolerations, taint) -> bool:
    return any(t.tolerates(taint) for t in tolerations)


def find_matching_untolerated_taint(taints, tolerations, effects):
    """v1helper.FindMatchingUntoleratedTaint: the first taint of those effects not tolerated."""
    for t in taints:
        if t.effect in effects and not tolerations_tolerate_taint(tolerations, t):
            return t
    return None


__all__ = ["MAX_NODE_SCORE", "build_broken_linear_function", "default_normalize_score", "find_matching_untolerated_taint",
           "go_div", "tolerations_tolerate_taint"]

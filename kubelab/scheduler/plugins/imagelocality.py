"""ImageLocality (plugins/imagelocality/image_locality.go): prefer nodes that already
have the pod's images, scaled by how widely each image is spread across nodes."""

from __future__ import annotations

import numpy as np

from ..framework import interface as ep
from ..framework.types import MAX_NODE_SCORE

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def calculate_priority(sum_scores, num_containers: int):
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    s = np.clip(np.asarray(sum_scores, dtype=np.int64), MIN_THRESHOLD, max_threshold)
    return MAX_NODE_SCORE * (s - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


def scaled_image_score(size: int, num_nodes: int, total_num_nodes: int) -> int:
    spread = float(num_nodes) / float(total_num_nodes)
    return int(float(size) * spread)


class ImageLocality:
    name = NAME
    events = {ep.NODE_ADD, ep.NODE_UPDATE}

    def score(self, state, pod, node):
        cache = node._cache
        total = cache.n
        s = 0
        for img in pod.images:
            d = cache.images.get(img)
            if d and node.name in d:
                s += scaled_image_score(d[node.name], len(d), total)
        return int(calculate_priority(s, pod.num_containers))

    def score_nodes(self, state, pod, snapshot, idx):
        cache = snapshot.cache
        total = cache.n
        full = None
        for img in pod.images:
            d = cache.images.get(img)
            if not d:
                continue
            if full is None:
                full = np.zeros(cache.n, dtype=np.int64)
            k = len(d)
            for name, size in d.items():
                ni = cache.nodes.get(name)
                if ni is not None:
                    full[ni.idx] += scaled_image_score(size, k, total)
        if full is None:  # no node has any of the images: every node scores 0
            return np.zeros(idx.size, dtype=np.int64)
        sums = full[idx]
        return calculate_priority(sums, max(1, pod.num_containers))

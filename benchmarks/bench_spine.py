"""Spine benchmark: wall time from `apply` of a 100-replica Deployment to 100 Running
pods on 10 nodes, with the whole control plane in the loop (Raft-backed etcd, API
server, scheduler, controllers, kubelets).

    python benchmarks/bench_spine.py
"""

from __future__ import annotations

import time

import kubelab as kl

DEPLOY = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bench"},
    "spec": {"replicas": 100, "selector": {"matchLabels": {"app": "bench"}},
             "template": {"metadata": {"labels": {"app": "bench"}},
                          "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                                   "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}},
}


def main() -> None:
    t0 = time.perf_counter()
    cluster = kl.Cluster(masters=1, seed=1)
    for i in range(10):
        cluster.add_node(kl.VM(f"vm-{i}", cpu="8", memory="32Gi"))
    cluster.run(seconds=5)
    t_build = time.perf_counter() - t0
    start_sim = cluster.now
    ev0 = cluster.sim.events_processed
    t1 = time.perf_counter()
    cluster.apply(DEPLOY)
    running = 0
    while cluster.now - start_sim < 600:
        cluster.run(seconds=1)
        running = sum(1 for p in cluster.list("Pod") if p.status.phase == "Running" and p.is_ready())
        if running == 100:
            break
    wall = time.perf_counter() - t1
    print(f"cluster build (1 master, 10 nodes): {t_build:.2f} s wall")
    print(f"apply -> {running}/100 pods Running: {wall:.2f} s wall, {cluster.now - start_sim:.1f} s simulated, "
          f"{cluster.sim.events_processed - ev0} simulation events")
    print(f"simulated/wall speed-up: {(cluster.now - start_sim) / wall:.1f}x")


if __name__ == "__main__":
    main()

"""Steady state of a settled cluster: 100 nodes running 1,000 pods (a 1,000-replica Deployment),
then the cluster left alone; measures simulated seconds per wall second while nothing changes
but the heartbeats (node leases, node status, leader-election renewals, controller resyncs,
kubelet syncs and probes, addons).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_steady_state.py [--nodes 100] [--pods 1000] [--seconds 300] [--profile]

Target (issue 12): >= 1,000x real time (simulated seconds per wall second).
"""

from __future__ import annotations

import argparse
import time

import kubelab as kl
from sizing import master_for, network_for  # benchmarks/sizing.py (the script's folder is on sys.path)
from kubelab.api import Pod



def deployment(replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "steady"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "steady"}},
                     "template": {"metadata": {"labels": {"app": "steady"}},
                                  "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                                           "resources": {"requests": {"cpu": "100m",
                                                                                      "memory": "128Mi"}}}]}}}}


def build(nodes: int, pods: int):
    cluster = kl.Cluster(masters=[master_for(nodes)], seed=1, **network_for(nodes))
    for i in range(nodes):
        cluster.add_node(kl.VM(f"node-{i:04d}", cpu="4", memory="32Gi"))
    cluster.run(seconds=30)
    cluster.apply(deployment(pods))
    start = cluster.now
    running = 0
    while cluster.now - start < 900:
        cluster.run(seconds=5)
        running = sum(1 for p in cluster.api.server().read_list(Pod, "default").items
                      if p.status.phase == "Running")
        if running >= pods:
            break
    cluster.run(seconds=60)  # let the last status updates and resyncs settle
    return cluster, running


def measure(cluster, seconds: float) -> dict:
    ev0 = cluster.sim.events_processed
    s0 = cluster.now
    t0, c0 = time.perf_counter(), time.process_time()
    cluster.run(seconds=seconds)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sim_s = cluster.now - s0
    return {"wall_s": wall, "cpu_s": cpu, "sim_s": sim_s, "ratio": sim_s / wall, "cpu_ratio": sim_s / cpu,
            "events": cluster.sim.events_processed - ev0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    cluster, running = build(a.nodes, a.pods)
    t_build = time.perf_counter() - t0
    if a.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        r = measure(cluster, a.seconds)
        prof.disable()
        prof.dump_stats("/tmp/bench_steady.prof")
        pstats.Stats("/tmp/bench_steady.prof").sort_stats("tottime").print_stats(30)
    else:
        r = measure(cluster, a.seconds)
    print(f"steady state: {a.nodes} nodes, {running}/{a.pods} pods Running (build {t_build:.1f} s wall); "
          f"{r['sim_s']:.0f} s simulated in {r['wall_s']:.2f} s wall, {r['events']} simulation events: "
          f"{r['ratio']:,.0f}x real time ({r['cpu_ratio']:,.0f}x per CPU second of this process: "
          f"{r['cpu_s']:.2f} s CPU, the figure that does not depend on the machine's other load)")


if __name__ == "__main__":
    main()

"""Scale benchmark (kubelab issue 12): 5,000 nodes and 150,000 pods from 30 Deployments
of 5,000 replicas, the whole control plane in the loop (Raft-backed etcd, API server,
scheduler, controllers, kubelets). Reports the wall time to every Node Ready, the wall
time from ``apply`` to every pod Running, and the peak RSS.

Targets: all Running in <= 10 min wall, <= 4 GiB peak RSS.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_5000_nodes.py                  # full size
    PYTHONPATH=. .venv/bin/python benchmarks/bench_5000_nodes.py --nodes 1000 --replicas 1000
    PYTHONPATH=. .venv/bin/python benchmarks/bench_5000_nodes.py --nodes 200 --replicas 200 --profile

The pod network is sizing.network_for's: 10.128.0.0/9 with a /24 per node past 255 nodes
(the default 10.244.0.0/16 holds 256 nodes only; upstream's large-cluster guide sizes
--cluster-cidr the same way).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import kubelab as kl
from sizing import master_for, network_for  # benchmarks/sizing.py (the script's folder is on sys.path)




def deployment(i: int, replicas: int) -> dict:
    name = f"scale-{i:02d}"
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                                       "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}}]}}},
    }


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(nodes: int, deployments: int, replicas: int, step: float, limit_wall: float) -> dict:
    out: dict = {"nodes": nodes, "pods": deployments * replicas}
    t0 = time.perf_counter()
    cluster = kl.Cluster(masters=[master_for(nodes)], seed=1, **network_for(nodes))
    for i in range(nodes):
        cluster.add_node(kl.VM(f"vm-{i}", cpu="8", memory="32Gi"))
    out["build_s"] = time.perf_counter() - t0
    sim0 = cluster.now
    ready = 0
    while time.perf_counter() - t0 < limit_wall:
        cluster.run(seconds=step)
        ready = sum(1 for n in cluster.list("Node", namespace=None) if n.is_ready())
        if ready >= nodes + 1:  # the workers and the master (a Node too)
            break
    out["nodes_ready"] = ready
    out["nodes_ready_wall_s"] = time.perf_counter() - t0
    out["nodes_ready_sim_s"] = cluster.now - sim0
    out["rss_after_nodes_mib"] = rss_mib()
    print(f"{ready} Nodes Ready: {out['nodes_ready_wall_s']:.1f} s wall ({out['nodes_ready_sim_s']:.0f} s simulated), "
          f"RSS {out['rss_after_nodes_mib']:.0f} MiB", flush=True)

    t1 = time.perf_counter()
    sim1 = cluster.now
    for i in range(deployments):
        cluster.apply(deployment(i, replicas))
    want = deployments * replicas
    avail = 0
    while time.perf_counter() - t1 < limit_wall:
        cluster.run(seconds=step)
        avail = sum((d.status.ready_replicas or 0) for d in cluster.list("Deployment"))
        print(f"  t={cluster.now - sim1:6.0f}s sim, {time.perf_counter() - t1:7.1f}s wall: "
              f"{avail}/{want} ready replicas, RSS {rss_mib():.0f} MiB", flush=True)
        if avail >= want:
            break
    out["apply_to_ready_wall_s"] = time.perf_counter() - t1
    out["apply_to_ready_sim_s"] = cluster.now - sim1
    running = sum(1 for p in cluster.list("Pod") if p.status.phase == "Running")
    out["running"] = running
    out["peak_rss_mib"] = rss_mib()
    out["events"] = cluster.sim.events_processed
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--deployments", type=int, default=30)
    ap.add_argument("--replicas", type=int, default=5000)
    ap.add_argument("--step", type=float, default=10.0, help="simulated seconds between progress checks")
    ap.add_argument("--limit", type=float, default=3600.0, help="give up after this many wall seconds per phase")
    ap.add_argument("--profile", action="store_true", help="cProfile the run (slower), top functions by own time")
    a = ap.parse_args(argv)
    if a.profile:
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        r = run(a.nodes, a.deployments, a.replicas, a.step, a.limit)
        pr.disable()
        pstats.Stats(pr, stream=sys.stdout).sort_stats("tottime").print_stats(40)
    else:
        r = run(a.nodes, a.deployments, a.replicas, a.step, a.limit)
    print(f"{r['nodes']} nodes, {r['pods']} pods: build {r['build_s']:.1f} s; {r['nodes_ready']}/{r['nodes'] + 1} "
          f"Nodes Ready after {r['nodes_ready_wall_s']:.1f} s wall; apply -> {r['running']}/{r['pods']} Running "
          f"{r['apply_to_ready_wall_s']:.1f} s wall ({r['apply_to_ready_sim_s']:.0f} s simulated); "
          f"peak RSS {r['peak_rss_mib']:.0f} MiB; {r['events']} simulation events")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())

"""Whole control plane, SchedulingBasic-shaped (kubernetes/test/integration/scheduler_perf's
SchedulingBasic at 500 nodes): 500 nodes of 4 CPU / 32 GiB / 110 pods, then 2,000 pods
created through the API by one client keeping 100 requests in flight; measures pods bound
per second of wall time from the first create to the last binding.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_scheduling_basic.py [--nodes 500] [--pods 2000] [--profile]

Target (issue 12): >= 1,000 pods/s of wall time.
"""

from __future__ import annotations

import argparse
import time

import kubelab as kl
from sizing import master_for, network_for  # benchmarks/sizing.py (the script's folder is on sys.path)
from kubelab.api import Pod, decode
from kubelab.apiserver.user import ADMIN
from kubelab.client import APIClient



def pod(i: int):
    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"pod-{i:05d}", "namespace": "default"},
                   "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                            "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}})


def run(nodes: int, pods: int, inflight: int = 100) -> dict:
    t0 = time.perf_counter()
    cluster = kl.Cluster(masters=[master_for(nodes)], seed=1, **network_for(nodes))
    for i in range(nodes):
        cluster.add_node(kl.VM(f"node-{i:04d}", cpu="4", memory="32Gi"))
    cluster.run(seconds=30)
    build = time.perf_counter() - t0
    ready = sum(1 for n in cluster.list("Node"))
    sim = cluster.sim
    # kubeadm's admin identity (not system:masters): API Priority and Fairness queues its
    # creates in global-default, as it would a real client's
    client = APIClient(sim, cluster.network, "bench-client", lambda h: cluster.load_balancer.pick(h), "bench",
                       user=ADMIN)
    cluster.network.start("bench-client")
    state = {"next": 0, "created": 0, "failed": 0}

    def one() -> None:
        i = state["next"]
        if i >= pods:
            return
        state["next"] += 1

        def done(ev) -> None:
            ev.defused = True
            state["created" if ev.ok else "failed"] += 1
            one()

        client.create(pod(i)).add_callback(done)

    sim_start = sim.now
    t1 = time.perf_counter()
    for _ in range(inflight):
        one()
    bound = 0
    while sim.now - sim_start < 600:
        cluster.run(seconds=0.5)
        # count in the API server's watch cache itself (cluster.list hands out copies)
        bound = sum(1 for p in cluster.api.server().read_list(Pod, "default").items if p.spec.node_name)
        if bound >= pods:
            break
    wall = time.perf_counter() - t1
    return {"nodes": ready, "build_s": build, "bound": bound, "failed": state["failed"], "wall_s": wall,
            "sim_s": sim.now - sim_start, "pods_per_s": bound / wall, "requests": client.requests,
            "retries": client.retries}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--inflight", type=int, default=100)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    if a.profile:
        import cProfile
        import pstats

        cProfile.runctx("run(a.nodes, a.pods, a.inflight)", globals(), locals(), "/tmp/bench_sb.prof")
        pstats.Stats("/tmp/bench_sb.prof").sort_stats("cumulative").print_stats(30)
        return
    r = run(a.nodes, a.pods, a.inflight)
    print(f"SchedulingBasic shape: {r['nodes']} Nodes registered (build {r['build_s']:.1f} s wall); "
          f"{r['bound']}/{a.pods} pods bound in {r['wall_s']:.2f} s wall ({r['sim_s']:.1f} s simulated): "
          f"{r['pods_per_s']:,.0f} pods/s wall; {r['failed']} creates failed, {r['retries']} retried after 429")


if __name__ == "__main__":
    main()

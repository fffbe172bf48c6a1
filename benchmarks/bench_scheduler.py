"""kube-scheduler throughput, after upstream's scheduler_perf ``SchedulingBasic``
(test/integration/scheduler_perf/config/performance-config.yaml): nodes of cpu 4 /
memory 32Gi / 110 pods, pods requesting cpu 100m / memory 500Mi, the full default
plugin set, pods/s measured after a warm-up.

kubelab measures the scheduler itself (queue, cycle, assume, in-memory bind) on the
simulated clock, without the API server in the loop.

    .venv/bin/python benchmarks/bench_scheduler.py            # 500 and 5000 nodes
    .venv/bin/python benchmarks/bench_scheduler.py --quick    # 500 nodes only
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one core: no BLAS threads either

from kubelab.api.core import Node, Pod
from kubelab.scheduler import Scheduler
from kubelab.sim.kernel import Simulator


def make_node(i: int) -> Node:
    name = f"node-{i}"
    return Node.model_validate({
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {"capacity": {"cpu": "4", "memory": "32Gi", "pods": "110"},
                   "allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    })


def make_pod(i: int, prefix: str = "pod") -> Pod:
    return Pod.model_validate({
        "metadata": {"name": f"{prefix}-{i}", "namespace": "default", "uid": f"{prefix}-uid-{i}"},
        "spec": {"schedulerName": "default-scheduler",
                 "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                                 "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]},
    })


def run(nodes: int, init_pods: int, measure_pods: int, trace_memory: bool) -> dict:
    gc.collect()
    if trace_memory:
        tracemalloc.start()
    sim = Simulator(seed=1)
    s = Scheduler(sim, detail_limit=2000)
    for i in range(nodes):
        s.add_node(make_node(i))
    # warm-up: the init pods (scheduled, not measured), as the workload's createPods step
    for i in range(init_pods):
        s.add_pod(make_pod(i, "init"))
    t0 = time.perf_counter()
    s.run_until_idle()
    warm = time.perf_counter() - t0
    pods = [make_pod(i) for i in range(measure_pods)]
    for p in pods:
        s.add_pod(p)
    t0 = time.perf_counter()
    n = s.run_until_idle()
    dt = time.perf_counter() - t0
    out = {"nodes": nodes, "init_pods": init_pods, "measured_pods": n, "seconds": dt, "pods_per_second": n / dt,
           "warmup_pods_per_second": (init_pods / warm) if warm and init_pods else None,
           "scheduled": s.scheduled, "placed": s.cache.pod_count()}
    if trace_memory:
        cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["traced_peak_mib"] = peak / 2**20
    out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="500 nodes only")
    ap.add_argument("--memory", action="store_true", help="trace Python allocations (slower)")
    a = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # pin to one core
    cases = [(500, 500, 1000)]  # SchedulingBasic/500Nodes: 500 init pods, 1000 measured
    if not a.quick:
        cases.append((5000, 1000, 49000))  # 5000Nodes_50000Pods: 50,000 pods placed in all
    for nodes, init, measure in cases:
        r = run(nodes, init, measure, a.memory)
        print(f"SchedulingBasic/{nodes}Nodes: {r['measured_pods']} pods in {r['seconds']:.2f}s = "
              f"{r['pods_per_second']:.0f} pods/s (after {init} warm-up pods); placed {r['placed']}; "
              f"max RSS {r['max_rss_mib']:.0f} MiB" + (f"; traced peak {r['traced_peak_mib']:.0f} MiB" if 'traced_peak_mib' in r else ""))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

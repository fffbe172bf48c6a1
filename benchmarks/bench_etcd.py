"""etcd benchmark: committed writes per wall-clock second through a 3-member kubelab
cluster (pipelined puts from one client, in-process), write latency in simulated time,
and the same client pattern against a real etcd-server on loopback if one is installed.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_etcd.py [--writes 200000] [--window 1000] [--curve]

``--curve`` prints the latency-throughput curve (closed-loop client steps) of kubelab in
simulated time next to a real etcd 3.4 on loopback (the Python client bounds the real
side at a few thousand writes/s, so its curve shows the client as much as etcd).

Targets: issue 3, >= 50,000 committed writes/s of wall time in-process on one core; issue 12,
>= 150,000 pipelined, and the simulated curve within 2x of the real etcd's at each step.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

from kubelab.etcd import EtcdCluster, latency_throughput


def bench_kubelab(writes: int, window: int, members: int = 3, value: bytes = b"x" * 64) -> dict:
    etcd = EtcdCluster(members=members, seed=1)
    c = etcd.client()
    c.put("/warm", "up")
    sim = etcd.sim
    issued = [0]
    done = [0]
    lat: list[float] = []
    keys = [f"/bench/{i % 10000:05d}" for i in range(writes)]

    def one():
        i = issued[0]
        issued[0] += 1
        t0 = sim.now
        ev = c.put_async(keys[i], value)

        def cb(ev, t0=t0):
            if not ev.ok:
                ev.defused = True
                raise ev.exception
            done[0] += 1
            lat.append(sim.now - t0)
            if issued[0] < writes:
                one()

        ev.add_callback(cb)

    start_sim = sim.now
    wall = time.perf_counter()
    for _ in range(min(window, writes)):
        one()
    while done[0] < writes:
        sim.run(until=sim.now + 0.1)
    wall = time.perf_counter() - wall
    lat.sort()
    rev = etcd.leader.kv.rev
    assert all(m.kv.rev == rev for m in etcd.members) or etcd.run(1) is None
    return {
        "writes": writes,
        "wall_s": wall,
        "writes_per_s": writes / wall,
        "sim_s": sim.now - start_sim,
        "lat_p50_ms": 1000 * lat[len(lat) // 2],
        "lat_p99_ms": 1000 * lat[int(len(lat) * 0.99)],
        "revision": rev,
    }


def bench_kubelab_latency(n: int = 200) -> dict:
    """Unloaded write latency: one put at a time (default 1 ms fsync, 0.5 ms links)."""
    etcd = EtcdCluster(members=3, seed=2)
    c = etcd.client()
    c.put("/warm", "up")
    lat = []
    for i in range(n):
        t0 = etcd.sim.now
        c.put(f"/l/{i}", "v")
        lat.append(etcd.sim.now - t0)
    return {"lat_p50_ms": 1000 * statistics.median(lat), "lat_max_ms": 1000 * max(lat)}


def kubelab_curve(steps=(1, 8, 32, 128, 512, 2048), seconds: float = 2.0) -> list[dict]:
    """The latency-throughput curve in simulated time (kubelab.etcd.latency_throughput:
    ``c`` closed-loop clients each keeping one put in flight, ``seconds`` per step), in ms."""
    return [{"clients": r.clients, "writes_per_s": r.writes_per_second, "p50_ms": 1000 * r.p50, "p99_ms": 1000 * r.p99}
            for r in latency_throughput(EtcdCluster(members=3, seed=3), clients=steps, seconds=seconds)]


def real_curve(steps=(1, 8, 32, 128), writes_per_client: int = 300) -> list[dict]:
    rows = []
    for c in steps:
        r = bench_real(writes_per_client * c if c > 1 else 1000, c)
        if r is None:
            return []
        rows.append({"clients": c, "writes_per_s": r["writes_per_s"], "p50_ms": r["lat_p50_ms"], "p99_ms": r["lat_p99_ms"]})
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_real(writes: int, window: int, members: int = 3) -> dict | None:
    """The same pattern against a real etcd cluster (``members`` processes on loopback, JSON
    gateway of the first): ``window`` puts in flight from one client (threads over
    keep-alive HTTP connections)."""
    binary = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
    if binary is None:
        return None
    import http.client

    d = tempfile.mkdtemp(prefix="kubelab-bench-etcd-")
    ports = [(_free_port(), _free_port()) for _ in range(members)]
    initial = ",".join(f"b{i}=http://127.0.0.1:{pp}" for i, (_, pp) in enumerate(ports))
    procs = []
    for i, (c, pp) in enumerate(ports):
        curl_i, purl = f"http://127.0.0.1:{c}", f"http://127.0.0.1:{pp}"
        procs.append(subprocess.Popen(
            [binary, "--name", f"b{i}", "--data-dir", f"{d}/data{i}", "--listen-client-urls", curl_i,
             "--advertise-client-urls", curl_i, "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
             "--initial-cluster", initial, "--initial-cluster-state", "new", "--log-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    cp = ports[0][0]
    curl = f"http://127.0.0.1:{cp}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(urllib.request.Request(
                    curl + "/v3/kv/put", data=json.dumps({"key": "d2FybQ==", "value": "dXA="}).encode(),
                    method="POST"), timeout=1).read()
                break  # a write went through: the cluster has a leader
            except OSError:
                time.sleep(0.1)
        val = base64.b64encode(b"x" * 64).decode()
        counter = iter(range(writes))
        lock = threading.Lock()
        lat: list[float] = []

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", cp, timeout=10)
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                body = json.dumps({"key": base64.b64encode(f"/bench/{i % 10000:05d}".encode()).decode(),
                                   "value": val})
                t0 = time.perf_counter()
                conn.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
                conn.getresponse().read()
                lat.append(time.perf_counter() - t0)
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(window)]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
        lat.sort()
        return {"writes": writes, "wall_s": wall, "writes_per_s": writes / wall,
                "lat_p50_ms": 1000 * lat[len(lat) // 2], "lat_p99_ms": 1000 * lat[int(len(lat) * 0.99)],
                "clients": window, "members": members}
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writes", type=int, default=200_000)
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--real-writes", type=int, default=20_000)
    ap.add_argument("--real-window", type=int, default=64)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--curve", action="store_true", help="only the latency-throughput curves")
    a = ap.parse_args()
    if a.curve:
        print("latency-throughput: clients each keeping one 64-byte put in flight (closed loop), 3 members")
        real = {r["clients"]: r for r in real_curve()}
        print(f"{'clients':>8} | {'kubelab writes/s':>16} {'p50 ms':>8} {'p99 ms':>8} (simulated) | "
              f"{'real writes/s':>13} {'p50 ms':>8} {'p99 ms':>8} (etcd 3.4, loopback, Python client)")
        for k in kubelab_curve():
            r = real.get(k["clients"])
            rs = f"{r['writes_per_s']:13,.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}" if r else f"{'-':>13} {'-':>8} {'-':>8}"
            print(f"{k['clients']:8d} | {k['writes_per_s']:16,.0f} {k['p50_ms']:8.2f} {k['p99_ms']:8.2f}             | {rs}")
        return
    if a.profile:
        import cProfile
        import pstats

        cProfile.runctx("bench_kubelab(a.writes, a.window)", globals(), locals(), "/tmp/bench_etcd.prof")
        pstats.Stats("/tmp/bench_etcd.prof").sort_stats("tottime").print_stats(25)
        return
    # CPython's cyclic GC, not the simulation, dominated with thousands of requests in
    # flight; the kernel now raises the collector's thresholds while the clock runs
    # (kubelab.sim.kernel._collector_tuned). Both rows: the interpreter's defaults as a
    # user has them, and thresholds set by hand before the run.
    for label, threshold in (("interpreter's GC defaults", None),
                             ("gc.set_threshold(200000, 50, 1000) by hand", (200000, 50, 1000))):
        old = gc.get_threshold()
        if threshold:
            gc.set_threshold(*threshold)
        gc.collect()
        try:
            k = bench_kubelab(a.writes, a.window)
        finally:
            gc.set_threshold(*old)
        print(f"kubelab 3-member cluster, {k['writes']} pipelined puts from one client (window {a.window}, "
              f"{label}): {k['writes_per_s']:,.0f} committed writes/s wall ({k['wall_s']:.2f} s wall, "
              f"{k['sim_s']:.3f} s simulated); latency under load p50 {k['lat_p50_ms']:.2f} ms, "
              f"p99 {k['lat_p99_ms']:.2f} ms simulated")
    u = bench_kubelab_latency()
    print(f"kubelab unloaded write latency: p50 {u['lat_p50_ms']:.2f} ms, max {u['lat_max_ms']:.2f} ms simulated")
    r = bench_real(a.real_writes, a.real_window) if a.real_writes > 0 else None
    if a.real_writes <= 0:
        print("real etcd: skipped (--real-writes 0)")
    elif r is None:
        print("real etcd: not installed (apt-get install etcd-server)")
    else:
        print(f"real etcd 3.4 ({r['members']} members, loopback, JSON gateway, {r['clients']} concurrent clients): "
              f"{r['writes_per_s']:,.0f} committed writes/s wall; latency p50 {r['lat_p50_ms']:.2f} ms, "
              f"p99 {r['lat_p99_ms']:.2f} ms wall")


if __name__ == "__main__":
    main()

"""HTTPS front door benchmark: GET latency (p50, p99) and requests/s over TLS against a
100-node, 1,000-pod cluster, and the real `kubectl get pods -A` on those 1,000 pods.

    .venv/bin/python benchmarks/bench_http.py [--nodes 100] [--pods 1000] [--requests 2000]

Targets (issue 10): p50 <= 3 ms, >= 500 requests/s on one core. One keep-alive connection
from this process (the server runs on its own thread, the one that owns the simulation).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import ssl
import subprocess
import time

import kubelab as kl


def build(nodes: int, pods: int):
    c = kl.Cluster(seed=1)
    for i in range(nodes):
        c.add_node(kl.VM(f"vm-{i + 1}", cpu="32", memory="128Gi"))
    c.run(30)
    per = 100
    for d in range(pods // per):
        c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"app-{d}"},
                 "spec": {"replicas": per, "selector": {"matchLabels": {"app": f"app-{d}"}},
                          "template": {"metadata": {"labels": {"app": f"app-{d}"}},
                                       "spec": {"containers": [{"name": "c", "image": "nginx",
                                                                "resources": {"requests": {"cpu": "10m"}}}]}}}})
        c.run(10)
    c.run(60)
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=2000)
    a = ap.parse_args()
    t0 = time.perf_counter()
    c = build(a.nodes, a.pods)
    print(f"cluster: {a.nodes} nodes, {len(c.list('pods'))} pods, built in {time.perf_counter() - t0:.1f}s")
    h = c.serve()
    d = h.kubeconfig.parent
    (d / "b.crt").write_bytes(h.server.pki.admin.cert_pem)
    (d / "b.key").write_bytes(h.server.pki.admin.key_pem)
    ctx = ssl.create_default_context(cafile=str(h.server.files.ca_crt))
    ctx.load_cert_chain(str(d / "b.crt"), str(d / "b.key"))
    conn = http.client.HTTPSConnection("127.0.0.1", h.server.port, context=ctx)
    names = h.call(lambda: [p.metadata.name for p in c.list("pods", "default")])
    lat = []
    start = time.perf_counter()
    for i in range(a.requests):
        t = time.perf_counter()
        conn.request("GET", f"/api/v1/namespaces/default/pods/{names[i % len(names)]}")
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        lat.append(time.perf_counter() - t)
    wall = time.perf_counter() - start
    lat.sort()
    p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
    print(f"GET pod over HTTPS: p50 {p50:.2f} ms, p99 {p99:.2f} ms, {a.requests / wall:.0f} requests/s "
          f"(targets: p50 <= 3 ms, >= 500 requests/s)")
    t = time.perf_counter()
    conn.request("GET", "/api/v1/pods")
    r = conn.getresponse()
    body = r.read()
    print(f"LIST {len(json.loads(body)['items'])} pods (JSON): {(time.perf_counter() - t) * 1000:.0f} ms, {len(body) / 1e6:.1f} MB")
    if shutil.which("kubectl"):
        env = dict(os.environ, KUBECONFIG=str(h.kubeconfig), HOME=str(d))
        t = time.perf_counter()
        out = subprocess.run(["kubectl", "get", "pods", "-A"], env=env, capture_output=True, text=True, check=True).stdout
        print(f"kubectl get pods -A ({len(out.splitlines()) - 1} rows): {time.perf_counter() - t:.2f} s")
    else:
        print("kubectl not installed: skipping `kubectl get pods -A`")
    h.stop()


if __name__ == "__main__":
    main()

"""``kubelab serve``: a simulated cluster behind the Kubernetes API over HTTPS.

    $ kubelab serve --masters 1 --workers vm=2,metal=1 --seed 7 --speed 1
    export KUBECONFIG=/tmp/kubelab-x1y2/admin.conf
    $ kubectl get nodes

Runs until Ctrl-C. ``--paused`` keeps the clock still (it moves only with writes, each
answered when the API server answers); by default the clock follows wall time × ``--speed``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

_KINDS = {"vm": "VM", "metal": "BareMetal", "baremetal": "BareMetal", "cloud": "CloudInstance"}


def _workers(spec: str) -> list[tuple[str, int]]:
    out = []
    for part in filter(None, spec.split(",")):
        kind, _, n = part.partition("=")
        if kind.lower() not in _KINDS:
            raise argparse.ArgumentTypeError(f"unknown worker kind {kind!r} (use vm, metal or cloud)")
        try:
            out.append((kind.lower(), int(n or "1")))
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad worker count in {part!r}") from None
    return out


def build_cluster(masters: int, workers: list[tuple[str, int]], seed: int):
    import kubelab as kl

    cluster = kl.Cluster(masters=masters, seed=seed)
    counts: dict[str, int] = {}
    for kind, n in workers:
        for _ in range(n):
            counts[kind] = counts.get(kind, 0) + 1
            name = f"{'metal' if kind == 'baremetal' else kind}-{counts[kind]}"
            cls = getattr(kl, _KINDS[kind])
            if cls.__name__ == "CloudInstance":
                cluster.add_node(cls(name, instance_type="m5.large", zone="eu-west-1a"))
            else:
                cluster.add_node(cls(name, cpu="8", memory="32Gi"))
    cluster.run(10)
    return cluster


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="kubelab serve", description="Serve a simulated cluster's Kubernetes API over HTTPS.")
    p.add_argument("command", nargs="?", default="serve", choices=["serve"])
    p.add_argument("--masters", type=int, default=1)
    p.add_argument("--workers", type=_workers, default=_workers("vm=2"), help="kind=count,... (vm, metal, cloud)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second (live mode)")
    p.add_argument("--paused", action="store_true", help="keep the clock still between requests")
    p.add_argument("--kubeconfig", default=None, help="where to write the kubeconfig (default: a temporary directory)")
    p.add_argument("--address", default="127.0.0.1", help="the address to bind (127.0.0.1 unless told otherwise)")
    p.add_argument("--port", type=int, default=6443)
    a = p.parse_args(argv)
    from kubelab.http import FrontDoor, HTTPSServer

    cluster = build_cluster(a.masters, a.workers, a.seed)
    door = FrontDoor(cluster.sim, cluster.network, cluster.load_balancer.pick, "kubectl", metrics=cluster.api.metrics)
    server = HTTPSServer(door, cluster.sim, host=a.address, port=a.port, mode="paused" if a.paused else "live",
                         speed=a.speed, kubeconfig=a.kubeconfig)
    print(f"kubelab: the Kubernetes API of {cluster!r}", file=sys.stderr)
    print(f"kubelab: serving at {server.url} ({server.mode}{'' if a.paused else f', x{a.speed:g}'}); Ctrl-C stops", file=sys.stderr)
    print(server.handle().export, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

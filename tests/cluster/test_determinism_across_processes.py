"""Same seed, same history — across interpreter processes too, whatever PYTHONHASHSEED is
(nothing may depend on Python's per-process string hashing or on object addresses)."""

import hashlib
import os
import subprocess
import sys

SCRIPT = r"""
import hashlib, json
import kubelab as kl
c = kl.Cluster(masters=3, seed=5)
c.add_node(kl.BareMetal("metal-1", cpu="16", memory="64Gi"))
c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
c.add_node(kl.CloudInstance("cloud-1", instance_type="m5.large", zone="eu-west-1b"))
c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})
c.run(30)
c.faults.stop("master-1")
c.run(30)
h = hashlib.sha256()
for r in c.trace:
    h.update(repr(tuple(r)).encode())
for kind in ("Pod", "Node", "ReplicaSet", "Deployment", "Event", "Lease", "Service"):
    for o in c.list(kind):
        h.update(json.dumps(o.to_dict(), sort_keys=True).encode())
print(h.hexdigest(), c.sim.events_processed)
"""


def _run(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_two_processes_with_different_hash_seeds_replay_the_same_history():
    a, b = _run("1"), _run("2")
    assert a == b
    assert len(a.split()[0]) == 64

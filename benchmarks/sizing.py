"""Machines for the benchmarks, sized as upstream sizes them."""

from __future__ import annotations

import kubelab as kl


def master_for(nodes: int) -> kl.VM:
    """A control-plane machine sized for ``nodes`` as kube-up sizes its masters
    (cluster/gce/config-common.sh get-master-size: >5 nodes 2 CPUs, >10 4, >100 8, >250 16,
    >500 32, >3000 64; n1-standard machines, about 4 GiB a CPU): an API server's capacity is
    its machine's, so a 5,000-node cluster gets SIG Scalability's 64-core master."""
    cpus = 2
    for above, size in ((10, 4), (100, 8), (250, 16), (500, 32), (3000, 64)):
        if nodes > above:
            cpus = size
    return kl.VM("master-1", cpu=str(cpus), memory=f"{cpus * 4}Gi")


def network_for(nodes: int) -> dict:
    """The pod network for ``nodes`` workers (and the master, a Node too): kubeadm's default
    10.244.0.0/16 with a /24 per node holds 256 nodes, and a node past them gets no podCIDR
    (the node IPAM controller's CIDRNotAvailable) so its pods never get a network; larger
    clusters configure a larger --cluster-cidr, as upstream's large-cluster guide says:
    10.128.0.0/9 holds 32,768 /24 node ranges."""
    if nodes + 1 <= 256:
        return {}
    return {"cluster_cidr": "10.128.0.0/9", "node_cidr_mask_size": 24}

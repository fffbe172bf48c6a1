"""The node IPAM controller (pkg/controller/nodeipam/ipam/range_allocator.go): a /24 of
the cluster CIDR per Node, and CIDRNotAvailable once they are all taken."""

import pytest

from kubelab.controllers.base import ControllerContext
from kubelab.controllers.nodeipam import NodeIpamController

from .world import World


def ipam_world(n_nodes, **options):
    w = World(nodes=(), kubelet=False)
    w.ctx = ControllerContext(w.sim, w.client, w.informers, host="master-1", options=options)
    w.start(NodeIpamController)
    # kubeadm init: the first control-plane node registers first
    for name in ["master-1"] + [f"vm-{i}" for i in range(1, n_nodes + 1)]:
        w.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    w.run(5)
    return w


def test_each_node_gets_the_next_24_of_the_cluster_cidr_after_the_control_planes():
    w = ipam_world(3)
    cidrs = {n.metadata.name: (n.spec.pod_cidr, n.spec.pod_cidrs) for n in w.list("Node")}
    # 10.244.0.0/24 is the first control-plane node's, as on a kubeadm cluster
    assert cidrs == {"master-1": ("10.244.0.0/24", ["10.244.0.0/24"]),
                     "vm-1": ("10.244.1.0/24", ["10.244.1.0/24"]),
                     "vm-2": ("10.244.2.0/24", ["10.244.2.0/24"]),
                     "vm-3": ("10.244.3.0/24", ["10.244.3.0/24"])}


def test_the_256th_node_of_a_default_16_registers_without_a_pod_cidr_and_gets_cidr_not_available():
    w = ipam_world(256)
    nodes = {n.metadata.name: n for n in w.list("Node")}
    assert len(nodes) == 257  # master-1 and 256 workers: none refused as invalid
    assert nodes["vm-255"].spec.pod_cidr == "10.244.255.0/24"
    assert nodes["vm-256"].spec.pod_cidr is None and nodes["vm-256"].spec.pod_cidrs is None
    ev = w.events("CIDRNotAvailable")
    assert [(e.involved_object.kind, e.involved_object.name, e.type, e.message, e.source.component)
            for e in ev] == [("Node", "vm-256", "Normal", "Node vm-256 status is now: CIDRNotAvailable", "cidrAllocator")]
    # the allocator keeps trying (rate-limited requeue); repeats aggregate into a count
    w.run(60)
    assert w.events("CIDRNotAvailable")[0].count > 1
    # a node leaves: its subnet is released and the waiting node gets it
    w.call(w.client.delete("Node", "vm-7", None))
    w.run(400)
    assert w.get("Node", "vm-256", None).spec.pod_cidr == "10.244.7.0/24"


def test_a_larger_cluster_cidr_or_a_smaller_node_mask_fits_more_nodes():
    w = ipam_world(300, cluster_cidr="10.128.0.0/12", node_cidr_mask_size=24)
    assert w.get("Node", "vm-300", None).spec.pod_cidr == "10.129.44.0/24"  # subnet 300 of 4096
    w = ipam_world(300, node_cidr_mask_size=25)  # 512 subnets of 128 addresses in 10.244.0.0/16
    assert w.get("Node", "vm-300", None).spec.pod_cidr == "10.244.150.0/25"
    assert not w.events("CIDRNotAvailable")


def test_a_node_mask_wider_than_the_cluster_cidr_is_refused():
    with pytest.raises(ValueError, match="mask size of cluster CIDR must be less than or equal to --node-cidr-mask-size"):
        ipam_world(0, cluster_cidr="10.244.0.0/16", node_cidr_mask_size=12)


def test_300_nodes_register_with_podcidrs_on_a_cluster_built_with_a_wider_pod_network():
    import kubelab as kl

    import ipaddress

    for opts, network, mask in (({"cluster_cidr": "10.240.0.0/12"}, "10.240.0.0/12", 24),
                                ({"node_cidr_mask_size": 25}, "10.244.0.0/16", 25)):
        cluster = kl.Cluster(masters=1, seed=2, **opts)
        for i in range(1, 301):
            cluster.add_node(kl.VM(f"vm-{i:03d}", cpu="2", memory="4Gi"))
        cluster.run(seconds=40)
        # the workers (the master is a Node too, with its own podCIDR)
        nodes = cluster.list("Node", label_selector="!node-role.kubernetes.io/control-plane")
        assert len(nodes) == 300
        assert all(n.spec.pod_cidr for n in nodes), [n.metadata.name for n in nodes if not n.spec.pod_cidr]
        assert len({n.spec.pod_cidr for n in nodes}) == 300
        for n in nodes:
            net = ipaddress.ip_network(n.spec.pod_cidr)
            assert net.subnet_of(ipaddress.ip_network(network)) and net.prefixlen == mask
        assert not [e for e in cluster.list("Event") if e.reason == "CIDRNotAvailable"]
        assert cluster.recipe["cluster_cidr"] == opts.get("cluster_cidr", "10.244.0.0/16")


@pytest.mark.parametrize("kwargs, message", [
    ({"cluster_cidr": "10.244.0.0/16", "node_cidr_mask_size": 8},
     "Controller: Invalid --cluster-cidr, mask size of cluster CIDR must be less than or equal to "
     "--node-cidr-mask-size configured for CIDR family"),
    ({"node_cidr_mask_size": 33}, "SubNetMask is invalid, should be lower or equal to 32 for IPv4 and to 128 for IPv6"),
    ({"cluster_cidr": "fd00::/48", "node_cidr_mask_size": 120}, "New CIDR set failed; the node CIDR size is too big"),
    ({"cluster_cidr": "10.244.0.0/33"}, "invalid CIDR address: 10.244.0.0/33"),
])
def test_a_bad_pod_network_is_refused_when_the_cluster_is_built(kwargs, message):
    import kubelab as kl

    with pytest.raises(ValueError) as exc:
        kl.Cluster(masters=1, **kwargs)
    assert str(exc.value) == message

"""The node IPAM controller (pkg/controller/nodeipam, ``--allocate-node-cidrs``): the range
allocator (ipam/range_allocator.go over ipam/cidrset/cidr_set.go) gives every Node one
``--node-cidr-mask-size`` subnet of ``--cluster-cidr`` as ``spec.podCIDR``/``podCIDRs``.

kubeadm's defaults for a flannel cluster are ``--cluster-cidr=10.244.0.0/16`` and a /24 per
node (``--node-cidr-mask-size`` defaults to 24 for IPv4): 256 subnets. When they are all
taken, a new Node still registers, without a podCIDR, and the allocator records
``CIDRNotAvailable`` on it (``controllerutil.RecordNodeStatusChange``:
``Node <name> status is now: CIDRNotAvailable``) and tries again later; large clusters pick
a larger cluster CIDR or a smaller per-node subnet for exactly this reason.

On a kubeadm cluster the first control-plane node registers first and takes the first
subnet (``10.244.0.0/24``), the other masters and the workers the next ones, in the order
they register. ``reserved_subnets`` (default 0) marks subnets taken from the start.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Optional

from kubelab.api.core import Node
from kubelab.client.informer import tombstone_object
from kubelab.api.meta import ObjectMeta

from .base import Controller, ControllerContext

DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"  # kubeadm --pod-network-cidr for flannel
DEFAULT_NODE_CIDR_MASK_SIZE = 24  # kube-controller-manager --node-cidr-mask-size (IPv4)


class CIDRRangeNoCIDRsRemaining(Exception):
    """cidrset.ErrCIDRRangeNoCIDRsRemaining."""

    def __str__(self) -> str:
        return "cidr allocation failed; there are no remaining CIDRs left to allocate in the accepted range"


class CidrSet:
    """ipam/cidrset: the subnets of one cluster CIDR, a bitmap of used ones, and the next
    candidate that AllocateNext starts from (round robin)."""

    def __init__(self, cluster_cidr: str, node_mask: int):
        try:
            self.cluster = ipaddress.ip_network(cluster_cidr, strict=False)
        except ValueError:
            raise ValueError(f'invalid CIDR address: {cluster_cidr}') from None
        if node_mask > self.cluster.max_prefixlen or node_mask < 0:
            # cidrset.ErrSubNetMaskSizeInvalid
            raise ValueError("SubNetMask is invalid, should be lower or equal to 32 for IPv4 and to 128 for IPv6")
        if node_mask < self.cluster.prefixlen:
            # cidrset.NewCIDRSet / the controller manager's startup check
            raise ValueError("Controller: Invalid --cluster-cidr, mask size of cluster CIDR must be less than "
                             "or equal to --node-cidr-mask-size configured for CIDR family")
        if self.cluster.version == 6 and node_mask - self.cluster.prefixlen > 16:
            # cidrset.NewCIDRSet: clusterSubnetMaxDiff (16) bounds IPv6 sets only
            # (pkg/controller/nodeipam/ipam/cidrset/cidr_set.go, ErrCIDRSetSubNetTooBig)
            raise ValueError("New CIDR set failed; the node CIDR size is too big")
        self.node_mask = node_mask
        self.max_cidrs = 1 << (node_mask - self.cluster.prefixlen)
        self.used: set[int] = set()
        self.next_candidate = 0
        self._step = 1 << (self.cluster.max_prefixlen - node_mask)

    def subnet(self, index: int) -> str:
        addr = self.cluster.network_address + index * self._step
        return f"{addr}/{self.node_mask}"

    def index_of(self, cidr: str) -> Optional[int]:
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return None
        if net.version != self.cluster.version or not net.subnet_of(self.cluster) or net.prefixlen != self.node_mask:
            return None
        return (int(net.network_address) - int(self.cluster.network_address)) // self._step

    def allocate_next(self) -> str:
        for i in range(self.max_cidrs):
            candidate = (self.next_candidate + i) % self.max_cidrs
            if candidate not in self.used:
                self.used.add(candidate)
                self.next_candidate = (candidate + 1) % self.max_cidrs
                return self.subnet(candidate)
        raise CIDRRangeNoCIDRsRemaining()

    def occupy(self, cidr: str) -> None:
        i = self.index_of(cidr)
        if i is not None:
            self.used.add(i)

    def release(self, cidr: str) -> None:
        i = self.index_of(cidr)
        if i is not None:
            self.used.discard(i)

    @property
    def free(self) -> int:
        return self.max_cidrs - len(self.used)


class NodeIpamController(Controller):
    """node-ipam-controller with the RangeAllocator. Options (the controller manager's
    ``options``): ``cluster_cidr``, ``node_cidr_mask_size``, ``reserved_subnets``."""

    name = "node-ipam-controller"

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        opts = ctx.options
        self.cidrs = CidrSet(opts.get("cluster_cidr", DEFAULT_CLUSTER_CIDR),
                             int(opts.get("node_cidr_mask_size", DEFAULT_NODE_CIDR_MASK_SIZE)))
        for i in range(int(opts.get("reserved_subnets", 0))):
            self.cidrs.used.add(i)
            self.cidrs.next_candidate = i + 1
        self.recorder = ctx.recorder("cidrAllocator")  # range_allocator.go's EventSource
        self.assigned: dict[str, str] = {}  # node name -> the CIDR this allocator gave or saw
        self.nodes = ctx.informers.informer(Node)
        self.nodes.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self._deleted)

    def _deleted(self, node: Any) -> None:
        node = tombstone_object(node)
        cidr = self.assigned.pop(node.metadata.name, None)
        if cidr is not None:
            self.cidrs.release(cidr)  # ReleaseCIDR

    def sync(self, key: str):
        node = self.nodes.get(key)
        if node is None:
            return
        name = node.metadata.name
        have = node.spec.pod_cidrs or ([node.spec.pod_cidr] if node.spec.pod_cidr else [])
        if have:
            if self.assigned.get(name) != have[0]:  # occupyCIDRs
                self.cidrs.occupy(have[0])
                self.assigned[name] = have[0]
            return
        cidr = self.assigned.get(name)
        if cidr is None:
            try:
                cidr = self.cidrs.allocate_next()
            except CIDRRangeNoCIDRsRemaining as exc:
                ref = Node(metadata=ObjectMeta(name=name, uid=name))  # the Node's ObjectReference
                self.recorder.event(ref, "Normal", "CIDRNotAvailable", f"Node {name} status is now: CIDRNotAvailable")
                raise RuntimeError(f"failed to allocate cidr from cluster cidr at idx:0: {exc}") from None
            self.assigned[name] = cidr
        # updateCIDRsAllocation: nodeutil.PatchNodeCIDRs (a strategic merge patch on spec)
        yield self.client.patch(Node, name, None, {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})

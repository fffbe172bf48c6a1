"""Worker machines of mixed kinds: bare metal, virtual machines, cloud instances.

A machine is hardware plus what the kubelet will report: capacity, allocatable
(capacity minus ``--kube-reserved``, ``--system-reserved`` and the hard eviction thresholds,
by default the kubelet's ``memory.available<100Mi`` and ``nodefs.available<10%``), labels,
addresses and system info.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Optional

from kubelab.api.quantity import parse_quantity

# A few instance types of the public clouds (vCPU, memory) — enough for workshops.
INSTANCE_TYPES: dict[str, tuple[str, str]] = {
    # AWS
    "t3.medium": ("2", "4Gi"), "t3.large": ("2", "8Gi"), "m5.large": ("2", "8Gi"),
    "m5.xlarge": ("4", "16Gi"), "m5.2xlarge": ("8", "32Gi"), "m5.4xlarge": ("16", "64Gi"),
    "c5.xlarge": ("4", "8Gi"), "c5.2xlarge": ("8", "16Gi"), "r5.xlarge": ("4", "32Gi"),
    # GCP
    "e2-standard-2": ("2", "8Gi"), "e2-standard-4": ("4", "16Gi"), "n2-standard-4": ("4", "16Gi"),
    "n2-standard-8": ("8", "32Gi"),
    # Azure
    "Standard_D2s_v5": ("2", "8Gi"), "Standard_D4s_v5": ("4", "16Gi"), "Standard_D8s_v5": ("8", "32Gi"),
}

PROVIDER_OF_TYPE = {
    **{t: "aws" for t in INSTANCE_TYPES if "." in t},
    **{t: "gce" for t in INSTANCE_TYPES if t.startswith(("e2-", "n2-"))},
    **{t: "azure" for t in INSTANCE_TYPES if t.startswith("Standard_")},
}

KUBELET_VERSION = "v1.34.1"


def _sub(total: str, *parts: Optional[str]) -> str:
    q = parse_quantity(total)
    for p in parts:
        if p:
            q = q - parse_quantity(p)
    return str(q)


def _threshold(value: Optional[str], capacity: str) -> Optional[str]:
    """evictionapi.GetThresholdQuantity: a quantity, or a percentage of the capacity in bytes,
    int64(float64(capacity) * float64(percentage)) with the percentage a float32 as
    pkg/kubelet/eviction/api parsePercentage keeps it (10% of 100Gi is 10737418400, not
    10737418240: a real node's allocatable ephemeral-storage is such a raw byte count)."""
    if not value or not value.endswith("%"):
        return value
    f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]  # noqa: E731
    percentage = f32(f32(float(value[:-1])) / 100)
    return str(int(parse_quantity(capacity).value() * percentage))


@dataclass
class Machine:
    """A worker node's hardware. Subclasses: :class:`BareMetal`, :class:`VM`, :class:`CloudInstance`."""

    name: str
    cpu: str = "4"
    memory: str = "16Gi"
    pods: int = 110  # kubelet --max-pods default
    ephemeral_storage: str = "100Gi"
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[dict] = field(default_factory=list)
    kube_reserved: dict[str, str] = field(default_factory=dict)
    system_reserved: dict[str, str] = field(default_factory=dict)
    # --eviction-hard's memory.available and nodefs.available (pkg/kubelet/eviction/defaults_linux.go
    # DefaultEvictionHard); None = no threshold. A percentage is of the capacity.
    eviction_hard_memory: Optional[str] = "100Mi"
    eviction_hard_nodefs: Optional[str] = "10%"
    images: dict[str, int] = field(default_factory=dict)  # image -> size in bytes, pre-pulled
    # link to the image registry, bytes per simulated second
    pull_bandwidth: float = 100e6
    KIND = "Machine"
    index: int = 0  # set by the cluster: used for addresses
    ip: Optional[str] = field(default=None, repr=False)  # the InternalIP; None: the cluster picks one

    def __post_init__(self) -> None:
        self.cpu = str(parse_quantity(self.cpu))
        self.memory = str(parse_quantity(self.memory))

    # -- what the kubelet reports --------------------------------------------------------
    def capacity(self) -> dict[str, str]:
        return {"cpu": self.cpu, "memory": self.memory, "pods": str(self.pods),
                "ephemeral-storage": self.ephemeral_storage, "hugepages-1Gi": "0", "hugepages-2Mi": "0"}

    def allocatable(self) -> dict[str, str]:
        """pkg/kubelet/cm/node_container_manager_linux.go GetNodeAllocatableReservation:
        capacity - kube-reserved - system-reserved - hard eviction threshold."""
        cap = self.capacity()
        out = dict(cap)
        eviction = {"memory": self.eviction_hard_memory, "ephemeral-storage": self.eviction_hard_nodefs}
        for res in ("cpu", "memory", "ephemeral-storage"):
            extra = _threshold(eviction.get(res), cap[res])
            out[res] = _sub(cap[res], self.kube_reserved.get(res), self.system_reserved.get(res), extra)
        return out

    def node_labels(self) -> dict[str, str]:
        # labels the kubelet sets itself (pkg/kubelet/kubelet_node_status.go initialNode)
        base = {
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": "amd64",
            "kubelab.io/machine-kind": self.KIND,
        }
        base.update(self.labels)
        return base

    def internal_ip(self) -> str:
        if self.ip is not None:
            return self.ip
        return f"10.0.{1 + self.index // 250}.{10 + self.index % 250}"

    def addresses(self) -> list[dict[str, str]]:
        return [{"type": "InternalIP", "address": self.internal_ip()}, {"type": "Hostname", "address": self.name}]

    def os_image(self) -> str:
        return "Ubuntu 24.04.1 LTS"

    def kernel_version(self) -> str:
        return "6.8.0-45-generic"

    def describe(self) -> str:
        return f"{self.KIND} {self.name}: {self.cpu} cpu, {self.memory} memory"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, cpu={self.cpu!r}, memory={self.memory!r})"


@dataclass(repr=False)
class BareMetal(Machine):
    """A physical server: all of its cores and memory are the node's."""

    KIND = "BareMetal"
    pull_bandwidth: float = 125e6  # 1 Gbit/s uplink

    def os_image(self) -> str:
        return "Ubuntu 24.04.1 LTS"


@dataclass(repr=False)
class VM(Machine):
    """A virtual machine on a hypervisor you run (e.g. KVM, vSphere)."""

    KIND = "VM"
    hypervisor: str = "kvm"
    pull_bandwidth: float = 60e6

    def kernel_version(self) -> str:
        return "6.8.0-45-generic"


@dataclass(repr=False)
class CloudInstance(Machine):
    """An instance at a cloud provider; its size comes from the instance type."""

    KIND = "CloudInstance"
    instance_type: str = "m5.large"
    zone: str = "eu-west-1a"
    provider: Optional[str] = None
    pull_bandwidth: float = 200e6

    def __init__(self, name: str, instance_type: str = "m5.large", zone: str = "eu-west-1a",
                 provider: Optional[str] = None, **kw):
        if instance_type not in INSTANCE_TYPES and ("cpu" not in kw or "memory" not in kw):
            known = ", ".join(sorted(INSTANCE_TYPES))
            raise ValueError(f"unknown instance type {instance_type!r}: give cpu= and memory=, or one of {known}")
        cpu, mem = INSTANCE_TYPES.get(instance_type, (kw.get("cpu"), kw.get("memory")))
        kw.setdefault("cpu", cpu)
        kw.setdefault("memory", mem)
        self.instance_type = instance_type
        self.zone = zone
        self.provider = provider or PROVIDER_OF_TYPE.get(instance_type, "aws")
        super().__init__(name, **{k: v for k, v in kw.items() if k in Machine.__dataclass_fields__})
        self.pull_bandwidth = kw.get("pull_bandwidth", 200e6)

    @property
    def region(self) -> str:
        # eu-west-1a -> eu-west-1 (AWS); europe-west1-b -> europe-west1 (GCP)
        z = self.zone
        if self.provider == "gce" and z.count("-") >= 2:
            return z.rsplit("-", 1)[0]
        return z[:-1] if z and z[-1].isalpha() else z

    def provider_id(self) -> str:
        # the providerID formats of the cloud providers (aws:///<zone>/<instance-id>, gce://...)
        iid = f"i-{abs(hash_name(self.name)):017x}"[:19]
        if self.provider == "gce":
            return f"gce://kubelab-project/{self.zone}/{self.name}"
        if self.provider == "azure":
            return f"azure:///subscriptions/kubelab/resourceGroups/kubelab/providers/Microsoft.Compute/virtualMachines/{self.name}"
        return f"aws:///{self.zone}/{iid}"

    def cloud_labels(self) -> dict[str, str]:
        """What the cloud provider knows: set by the cloud node controller (or, with no
        cloud-controller-manager, by the kubelet's legacy in-tree provider)."""
        return {
            "node.kubernetes.io/instance-type": self.instance_type,
            "topology.kubernetes.io/zone": self.zone,
            "topology.kubernetes.io/region": self.region,
        }

    def describe(self) -> str:
        return f"CloudInstance {self.name}: {self.instance_type} in {self.zone} ({self.cpu} cpu, {self.memory} memory)"

    def __repr__(self) -> str:
        return f"CloudInstance({self.name!r}, instance_type={self.instance_type!r}, zone={self.zone!r})"


def hash_name(name: str) -> int:
    """A stable (seed-independent) hash, for ids derived from names."""
    import hashlib

    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")

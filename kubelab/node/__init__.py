"""Worker nodes: machine kinds (bare metal, VM, cloud instance) and the kubelet."""

from .kubelet import Kubelet
from .machines import VM, BareMetal, CloudInstance, Machine

__all__ = ["BareMetal", "CloudInstance", "Kubelet", "Machine", "VM"]

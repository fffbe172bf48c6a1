"""cloud-controller-manager's controllers and the cloud provider interface they use."""

from .provider import CloudProvider, Instance, SimulatedCloud

__all__ = ["CloudProvider", "Instance", "SimulatedCloud"]

"""The cluster a user builds, and its parts: machines, the user's API client, faults,
views (registered by the view layer), history."""

from kubelab.kubectl.apply import Applied, ManifestError, parse_manifests

from .api import ClusterAPI, ObjectList, Watch
from .readmodel import ClusterState
from .runs import RunSummary
from .topology import Topology
from .cluster import Cluster
from .faults import Faults
from .history import ForkError, History
from .machines import EtcdHost, Host, Master, Worker
from .views import Views, register_view

__all__ = ["Applied", "Cluster", "ClusterAPI", "ClusterState", "RunSummary", "Topology", "EtcdHost", "Faults", "ForkError", "History", "Host",
           "ManifestError", "Master", "ObjectList", "Views", "Watch", "Worker", "parse_manifests", "register_view"]

"""kubelab: a simulated Kubernetes cluster inside a Jupyter notebook.

    import kubelab as kl
    cluster = kl.Cluster(masters=1, seed=1)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(open("web.yaml").read())
    cluster.run(seconds=60)
"""

from .cluster import Cluster, ManifestError
from .etcd import EtcdCluster
from .node import VM, BareMetal, CloudInstance, Machine

__version__ = "0.1.0"

__all__ = ["BareMetal", "CloudInstance", "Cluster", "EtcdCluster", "Machine", "ManifestError", "VM", "__version__"]

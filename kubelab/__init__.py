"""kubelab: a simulated Kubernetes cluster inside a Jupyter notebook.

    import kubelab as kl
    cluster = kl.Cluster(masters=1, seed=1)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(manifest)
    cluster.run(seconds=60)

    live = kl.connect()            # the same views over any cluster a kubeconfig reaches
    live.views.topology()
"""

from .cluster import Cluster, ForkError, ManifestError
from .etcd import EtcdCluster
from .live import connect
from .node import VM, BareMetal, CloudInstance, Machine

# The view layer registers itself (cluster.views, IPython display formatters) on import;
# nothing below it imports it.
from . import viz  # noqa: E402,F401  isort: skip
from . import exercises  # noqa: E402,F401  isort: skip

__version__ = "0.1.0"

__all__ = ["BareMetal", "CloudInstance", "Cluster", "EtcdCluster", "ForkError", "Machine", "ManifestError", "VM",
           "__version__", "connect"]

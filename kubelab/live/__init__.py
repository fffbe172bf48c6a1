"""Live mode: kubelab's views over any cluster a kubeconfig reaches.

    live = kl.connect()                               # $KUBECONFIG or ~/.kube/config, its current context
    live = kl.connect(kubeconfig=handle.kubeconfig)   # a cluster this notebook serves (cluster.serve())
    live.views.topology()                             # nodes by kind, from their labels
    live.views.ownership()                            # Deployment -> ReplicaSet -> Pods (ownerReferences)
    live.views.reconciliation()                       # desired against actual, and who closes the gap
    live.views.events()                               # the events, oldest first
    live.views.rollout("web")                         # one Deployment's rollout
    live.refresh()                                    # advance the watches now

It is how a learner takes kubelab's pictures from the simulation to kind, minikube or a
cloud cluster: the same renderers (:mod:`kubelab.viz`, which registers them here as it does
on ``cluster.views``) read :class:`LiveState`, a read model shaped like ``cluster.state``
but kept by list+watch over HTTPS.

The client is the official ``kubernetes`` package (``pip install kubelab[live]``); see
:mod:`kubelab.live.cluster` for why. ``import kubelab`` works without it: only
:func:`connect` needs it, and says how to install it when it is missing.

Layers: beside ``http`` and ``serve``, above the object model (it parses what the server
sends into kubelab's pydantic models) and below the view layer, which registers its views
here (nothing here imports it).
"""

from .cluster import INSTALL_HINT, WATCHED, LiveCluster, LiveState, WatchStats, connect, parse_object
from .views import LiveViews, register_view

__all__ = ["INSTALL_HINT", "LiveCluster", "LiveState", "LiveViews", "WATCHED", "WatchStats", "connect", "parse_object",
           "register_view"]

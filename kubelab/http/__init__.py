"""The Kubernetes API over HTTPS, for the real kubectl and client libraries.

    door = FrontDoor(sim, network, pick=lambda host, advance: lb.pick(host, advance))
    server = HTTPSServer(door, sim)
    handle = server.start_thread()      # or .start() on a kernel's loop, .serve_forever()
    print(handle.export)                # export KUBECONFIG=/tmp/kubelab-.../admin.conf

Layers: above the API servers and the client, below the cluster (which wires it up in
``Cluster.serve``).
"""

from .frontdoor import SERVER_VERSION, FrontDoor, HTTPRequest, HTTPResponse
from .pki import ClusterPKI
from .server import HTTPSServer, ServeHandle

__all__ = ["ClusterPKI", "FrontDoor", "HTTPRequest", "HTTPResponse", "HTTPSServer", "SERVER_VERSION", "ServeHandle"]

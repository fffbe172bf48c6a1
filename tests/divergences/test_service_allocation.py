"""Service allocation as kube-apiserver does it: node ports from --service-node-port-range
(30000-32767) and cluster IPs from the service CIDR (10.96.0.0/12), each given to one Service
at a time and freed when it is deleted (pkg/registry/core/service/storage/alloc.go,
pkg/registry/core/service/portallocator/allocator.go,
pkg/registry/core/service/ipallocator/cidrallocator.go and ipallocator.go)."""

import kubelab as kl


def svc(name, type_="NodePort", node_port=None, cluster_ip=None):
    port = f"\n    nodePort: {node_port}" if node_port else ""
    ip = f"\n  clusterIP: {cluster_ip}" if cluster_ip else ""
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: {type_}{ip}
  selector:
    app: web
  ports:
  - port: 80{port}
"""


def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    return c


def test_a_node_port_outside_the_range_is_refused_and_nothing_is_created():
    c = cluster()
    out = c.kubectl("apply -f -", stdin=svc("web", node_port=40000))
    assert str(out).strip().endswith(
        'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 40000: '
        "provided port is not in the valid range. The range of valid ports is 30000-32767")
    assert str(c.kubectl("get svc web")).strip() == 'Error from server (NotFound): services "web" not found'


def test_a_node_port_is_given_to_one_service_and_freed_on_delete():
    c = cluster()
    assert str(c.kubectl("apply -f -", stdin=svc("a", node_port=30080))).strip() == "service/a created"
    out = c.kubectl("apply -f -", stdin=svc("b", node_port=30080))
    assert str(out).strip().endswith(('Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
                                "provided port is already allocated"))
    # re-applying the owner keeps its own port
    assert str(c.kubectl("apply -f -", stdin=svc("a", node_port=30080))).strip() == "service/a unchanged"
    c.kubectl("delete svc a")
    c.run(1)
    assert str(c.kubectl("apply -f -", stdin=svc("b", node_port=30080))).strip() == "service/b created"


def test_an_update_cannot_take_a_port_in_use_or_out_of_range():
    c = cluster()
    c.kubectl("apply -f -", stdin=svc("a", node_port=30080))
    c.kubectl("apply -f -", stdin=svc("b"))
    out = c.kubectl("apply -f -", stdin=svc("b", node_port=30080))
    assert "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated" in str(out)
    out = c.kubectl("apply -f -", stdin=svc("b", node_port=80))
    assert "provided port is not in the valid range. The range of valid ports is 30000-32767" in str(out)


def test_a_cluster_ip_outside_the_service_cidr_is_refused():
    # v1.34 allocates through the MetaAllocator (MultiCIDRServiceAllocator, GA since v1.33):
    # an IP no ServiceCIDR contains is ErrMismatchedNetwork (ipallocator/cidrallocator.go)
    c = cluster()
    out = c.kubectl("apply -f -", stdin=svc("web", "ClusterIP", cluster_ip="10.0.0.1"))
    assert str(out).strip().endswith(('Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: '
                                "failed to allocate IP 10.0.0.1: the provided network does not match the current range"))
    # the CIDR's own network address is not in the allocator's range (ipallocator/ipallocator.go)
    out = c.kubectl("apply -f -", stdin=svc("web", "ClusterIP", cluster_ip="10.96.0.0"))
    assert ("failed to allocate IP 10.96.0.0: the provided IP (10.96.0.0) is not in the valid range. "
            "The range of valid IPs is 10.96.0.0/12") in str(out)


def test_a_cluster_ip_is_given_to_one_service_and_freed_on_delete():
    c = cluster()
    out = c.kubectl("apply -f -", stdin=svc("dns2", "ClusterIP", cluster_ip="10.96.0.1"))
    assert str(out).strip().endswith(('Service "dns2" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: '
                                "failed to allocate IP 10.96.0.1: provided IP is already allocated"))  # kubernetes
    assert str(c.kubectl("apply -f -", stdin=svc("a", "ClusterIP", cluster_ip="10.96.7.7"))).strip() == "service/a created"
    assert "provided IP is already allocated" in str(c.kubectl("apply -f -", stdin=svc("b", "ClusterIP", cluster_ip="10.96.7.7")))
    c.kubectl("delete svc a")
    c.run(1)
    assert str(c.kubectl("apply -f -", stdin=svc("b", "ClusterIP", cluster_ip="10.96.7.7"))).strip() == "service/b created"

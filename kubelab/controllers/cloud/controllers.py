"""cloud-controller-manager controllers (k8s.io/cloud-provider/controllers: node,
nodelifecycle, route, service).

* cloud node controller (node_controller.go): a node carrying the
  ``node.cloudprovider.kubernetes.io/uninitialized`` taint gets its providerID, the
  ``node.kubernetes.io/instance-type``, ``topology.kubernetes.io/zone`` and
  ``topology.kubernetes.io/region`` labels and its addresses from the provider; then the
  taint is removed.
* cloud node lifecycle (node_lifecycle_controller.go): every 5 s, a not-Ready node whose
  instance no longer exists is deleted (``DeletingNode``); one whose instance is shut
  down gets the ``node.cloudprovider.kubernetes.io/shutdown`` NoSchedule taint.
* route controller (route_controller.go): a route per node podCIDR, and the node's
  NetworkUnavailable condition set False (``RouteCreated``).
* service controller (controller.go): a Service of type LoadBalancer gets the
  ``service.kubernetes.io/load-balancer-cleanup`` finalizer, a load balancer from the
  provider and ``status.loadBalancer.ingress`` (events ``EnsuringLoadBalancer`` /
  ``EnsuredLoadBalancer``); deleting it or changing its type tears the balancer down
  (``DeletingLoadBalancer`` / ``DeletedLoadBalancer``).
"""

from __future__ import annotations

from kubelab.api import errors
from kubelab.api.base import rfc3339
from kubelab.api.core import LoadBalancerIngress, LoadBalancerStatus, Node, NodeAddress, NodeCondition, Service, Taint

from ..base import Controller, ControllerContext

UNINITIALIZED = "node.cloudprovider.kubernetes.io/uninitialized"
SHUTDOWN = "node.cloudprovider.kubernetes.io/shutdown"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"
ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"
LB_FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
CLUSTER_NAME = "kubernetes"  # --cluster-name


class CloudNodeController(Controller):
    name = "cloud-node-controller"
    workers = 1

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.provider = ctx.cloud
        self.node_informer = ctx.informers.informer(Node)
        self.recorder = ctx.recorder("cloud-node-controller")
        self.node_informer.add_event_handler(self._maybe, lambda o, n: self._maybe(n), None)

    def _maybe(self, node) -> None:
        if any(t.key == UNINITIALIZED for t in node.spec.taints or ()):
            self.enqueue(node)

    def sync(self, key: str):
        node = self.node_informer.get(key)
        if node is None or not any(t.key == UNINITIALIZED for t in node.spec.taints or ()):
            return
        yield self.sim.timeout(self.provider.api_latency)
        inst = self.provider.instance(node.name)
        if inst is None:
            self.recorder.event(node, "Warning", "InstanceNotFound",
                                f"failed to get instance metadata for node {node.name}: instance not found")
            self.enqueue_after(key, 30)
            return
        fresh = (yield self.client.get(Node, node.name, None)).copy_deep()
        labels = dict(fresh.metadata.labels or {})
        labels.update({INSTANCE_TYPE: inst.instance_type, ZONE: inst.zone, REGION: inst.region,
                       "beta.kubernetes.io/instance-type": inst.instance_type,
                       "failure-domain.beta.kubernetes.io/zone": inst.zone,
                       "failure-domain.beta.kubernetes.io/region": inst.region})
        fresh.metadata.labels = labels
        fresh.spec.provider_id = fresh.spec.provider_id or inst.provider_id
        fresh.spec.taints = [t for t in fresh.spec.taints or [] if t.key != UNINITIALIZED] or None
        updated = yield self.client.update(fresh)
        st = updated.copy_deep()
        st.status.addresses = [NodeAddress(type=t, address=a) for t, a in inst.addresses]
        yield self.client.update_status(st)
        self.recorder.event(node, "Normal", "Synced", "Node synced successfully")
        self.sim.trace.record(self.name, "NodeInitialized",
                              f"{node.name}: {inst.instance_type} in {inst.zone} ({inst.region})")


class CloudNodeLifecycleController(Controller):
    name = "cloud-node-lifecycle-controller"
    workers = 1
    period = 5.0  # --node-monitor-period

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.provider = ctx.cloud
        self.node_informer = ctx.informers.informer(Node)
        self.recorder = ctx.recorder("cloud-node-lifecycle-controller")
        self._ticker = None

    def on_start(self) -> None:
        self._ticker = self.sim.every(self.period, self._tick)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    def _tick(self) -> None:
        for node in self.node_informer.list():
            if not node.is_ready() or any(t.key == SHUTDOWN for t in node.spec.taints or ()):
                self.enqueue(node)

    def sync(self, key: str):
        node = self.node_informer.get(key)
        if node is None:
            return
        if not node.spec.provider_id and not any(t.key == UNINITIALIZED for t in node.spec.taints or ()):
            return  # not a cloud node (bare metal in a mixed cluster)
        yield self.sim.timeout(self.provider.api_latency)
        inst = self.provider.instance(node.name)
        if inst is None:
            if node.is_ready():
                return
            self.recorder.event(node, "Normal", "DeletingNode",
                                f"Deleting node {node.name} because it's not present according to cloud provider")
            self.sim.trace.record(self.name, "DeletingNode", node.name)
            try:
                yield self.client.delete(Node, node.name, None)
            except errors.StatusError as exc:
                if not errors.is_not_found(exc):
                    raise
            return
        has = any(t.key == SHUTDOWN for t in node.spec.taints or ())
        if (not inst.running and not node.is_ready()) != has:
            fresh = (yield self.client.get(Node, node.name, None)).copy_deep()
            taints = [t for t in fresh.spec.taints or [] if t.key != SHUTDOWN]
            if not has:
                taints.append(Taint(key=SHUTDOWN, effect="NoSchedule"))
            fresh.spec.taints = taints or None
            yield self.client.update(fresh)


class RouteController(Controller):
    name = "route-controller"
    workers = 1
    period = 10.0  # --route-reconciliation-period

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.provider = ctx.cloud
        self.node_informer = ctx.informers.informer(Node)
        self.node_informer.add_event_handler(lambda n: self.queue.add("routes"), lambda o, n: None,
                                             lambda n: self.queue.add("routes"))
        self._ticker = None

    def on_start(self) -> None:
        self._ticker = self.sim.every(self.period, lambda: self.queue.add("routes"))

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()

    def sync(self, key: str):
        nodes = {n.name: n for n in self.node_informer.list()}
        routes = self.provider.list_routes(CLUSTER_NAME)
        for name, node in sorted(nodes.items()):
            cidr = node.spec.pod_cidr
            if not cidr:
                continue
            if routes.get(name) != cidr:
                yield self.sim.timeout(self.provider.api_latency)
                self.provider.create_route(CLUSTER_NAME, name, cidr)
            cond = node.status.condition("NetworkUnavailable")
            if cond is None or cond.status != "False":
                new = node.copy_deep()
                now = rfc3339(self.sim.now)
                conds = [c for c in new.status.conditions or [] if c.type != "NetworkUnavailable"]
                conds.append(NodeCondition(type="NetworkUnavailable", status="False", reason="RouteCreated",
                                           message="RouteController created a route",
                                           last_heartbeat_time=now, last_transition_time=now))
                new.status.conditions = conds
                try:
                    yield self.client.update_status(new)
                except errors.StatusError as exc:
                    if not (errors.is_conflict(exc) or errors.is_not_found(exc)):
                        raise
        for name in sorted(set(routes) - set(nodes)):
            yield self.sim.timeout(self.provider.api_latency)
            self.provider.delete_route(CLUSTER_NAME, name)


class ServiceController(Controller):
    name = "service-controller"
    workers = 1  # --concurrent-service-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.provider = ctx.cloud
        self.svc_informer = ctx.informers.informer(Service)
        self.node_informer = ctx.informers.informer(Node)
        self.recorder = ctx.recorder("service-controller")
        self.svc_informer.add_event_handler(self.enqueue, lambda o, n: self.enqueue(n), None)

    @staticmethod
    def wants_lb(svc: Service) -> bool:
        return svc.spec.type == "LoadBalancer" and svc.metadata.deletion_timestamp is None

    def sync(self, key: str):
        svc = self.svc_informer.get(key)
        if svc is None:
            return
        has_finalizer = LB_FINALIZER in (svc.metadata.finalizers or [])
        if not self.wants_lb(svc):
            if has_finalizer or (svc.status.load_balancer and svc.status.load_balancer.ingress):
                self.recorder.event(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer")
                yield self.sim.timeout(self.provider.api_latency)
                self.provider.ensure_load_balancer_deleted(CLUSTER_NAME, key)
                self.recorder.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer")
                if svc.status.load_balancer and svc.status.load_balancer.ingress and svc.metadata.deletion_timestamp is None:
                    new = svc.copy_deep()
                    new.status.load_balancer = LoadBalancerStatus()
                    svc = yield self.client.update_status(new)
                if has_finalizer:
                    fresh = (yield self.client.get(Service, svc.name, svc.metadata.namespace)).copy_deep()
                    fresh.metadata.finalizers = [f for f in fresh.metadata.finalizers or [] if f != LB_FINALIZER] or None
                    yield self.client.update(fresh)
            return
        if not has_finalizer:
            new = svc.copy_deep()
            new.metadata.finalizers = list(new.metadata.finalizers or []) + [LB_FINALIZER]
            svc = yield self.client.update(new)
        self.recorder.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
        yield self.sim.timeout(self.provider.lb_provision_seconds)
        nodes = sorted(n.name for n in self.node_informer.list() if n.is_ready())
        ingress = self.provider.ensure_load_balancer(CLUSTER_NAME, key, [p.port for p in svc.spec.ports or ()], nodes)
        fresh = (yield self.client.get(Service, svc.name, svc.metadata.namespace)).copy_deep()
        want = LoadBalancerStatus(ingress=[LoadBalancerIngress(**ingress, ip_mode="VIP" if "ip" in ingress else None)])
        if fresh.status.load_balancer != want:
            fresh.status.load_balancer = want
            yield self.client.update_status(fresh)
        self.recorder.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer")

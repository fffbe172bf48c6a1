"""kube-controller-manager and cloud-controller-manager, in miniature.

Each controller is a ``sync(key)`` loop (controller-runtime's reconcile) fed by shared
informers and a rate-limited work queue, running as worker processes on the simulated
clock (:mod:`.base`). Upstream sources are cited in each module:

==============================  ==========================================================
replicaset-controller           pkg/controller/replicaset            :mod:`.replicaset`
deployment-controller           pkg/controller/deployment            :mod:`.deployment`
garbage-collector-controller    pkg/controller/garbagecollector      :mod:`.garbagecollector`
namespace-controller            pkg/controller/namespace             :mod:`.namespace`
node-lifecycle-controller       pkg/controller/nodelifecycle (+podgc) :mod:`.nodelifecycle`
taint-eviction-controller       pkg/controller/tainteviction         :mod:`.nodelifecycle`
endpoints-controller            pkg/controller/endpoint              :mod:`.endpoint`
endpointslice-controller        pkg/controller/endpointslice         :mod:`.endpointslice`
daemonset-controller            pkg/controller/daemon                :mod:`.daemonset`
statefulset-controller          pkg/controller/statefulset           :mod:`.statefulset`
job-controller / cronjob        pkg/controller/job, cronjob          :mod:`.job`
cloud node / lifecycle / route  k8s.io/cloud-provider/controllers    :mod:`.cloud.controllers`
/ service
==============================  ==========================================================

:class:`~.manager.ControllerManager` and :class:`~.manager.CloudControllerManager`
run them behind Lease leader election in kube-system.
"""

from .manager import CloudControllerManager, ControllerManager, default_controllers

__all__ = ["CloudControllerManager", "ControllerManager", "default_controllers"]

"""Two controllers that give every namespace what its pods need to reach the API server.

- The service account controller (pkg/controller/serviceaccount/serviceaccounts_controller.go):
  a ``default`` ServiceAccount in every active namespace, made again when it is deleted.
- The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher/
  publisher.go): a ConfigMap ``kube-root-ca.crt`` whose ``ca.crt`` is the cluster CA
  (kube-controller-manager's ``--root-ca-file``, kubeadm's /etc/kubernetes/pki/ca.crt) in
  every namespace, put back when it is deleted or its data or description annotation changed.

Both are keyed by namespace and read the informers; a namespace being deleted is skipped
(upstream's create would be refused by NamespaceLifecycle and not retried).
"""

from __future__ import annotations

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.core import ConfigMap, Namespace, ServiceAccount
from kubelab.api.meta import ObjectMeta

from .base import Controller, ControllerContext

DEFAULT_SERVICE_ACCOUNT = "default"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
               "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
               "distributions of Kubernetes clusters.")


def _active(ns) -> bool:
    return ns is not None and ns.metadata.deletion_timestamp is None and ns.status.phase != "Terminating"


class ServiceAccountsController(Controller):
    name = "serviceaccount-controller"
    workers = 1  # startServiceAccountController: Run(ctx, 1)

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.ns_informer = ctx.informers.informer(Namespace)
        self.sa_informer = ctx.informers.informer(ServiceAccount)
        self.ns_informer.add_event_handler(self._namespace, lambda o, n: self._namespace(n), None)
        self.sa_informer.add_event_handler(None, None, self._sa_deleted)

    def _namespace(self, ns) -> None:
        self.queue.add(ns.name)

    def _sa_deleted(self, sa) -> None:
        sa = tombstone_object(sa)
        if sa.name == DEFAULT_SERVICE_ACCOUNT:
            self.queue.add(sa.metadata.namespace)

    def sync(self, key: str):
        ns = self.ns_informer.get(key)
        if not _active(ns):
            return
        if self.sa_informer.get(f"{key}/{DEFAULT_SERVICE_ACCOUNT}") is not None:
            return
        sa = ServiceAccount(metadata=ObjectMeta(name=DEFAULT_SERVICE_ACCOUNT, namespace=key))
        try:
            yield self.client.create(sa)
        except errors.StatusError as exc:
            if not (errors.is_already_exists(exc) or errors.is_not_found(exc) or errors.is_forbidden(exc)):
                raise


class RootCACertPublisher(Controller):
    name = "root-ca-certificate-publisher-controller"
    workers = 1  # startRootCACertPublisher: Run(ctx, 1)

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.root_ca = ctx.options.get("root_ca_pem", "")
        self.ns_informer = ctx.informers.informer(Namespace)
        self.cm_informer = ctx.informers.informer(ConfigMap)
        self.ns_informer.add_event_handler(self._namespace, self._namespace_updated, None)
        self.cm_informer.add_event_handler(None, lambda o, n: self._configmap(n), self._configmap)

    def _namespace(self, ns) -> None:
        self.queue.add(ns.name)

    def _namespace_updated(self, old, new) -> None:
        if new.status.phase == "Active":
            self.queue.add(new.name)

    def _configmap(self, cm) -> None:
        cm = tombstone_object(cm)
        if cm.name == ROOT_CA_CONFIGMAP:
            self.queue.add(cm.metadata.namespace)

    def sync(self, key: str):
        if not _active(self.ns_informer.get(key)):
            return
        data = {"ca.crt": self.root_ca}
        cm = self.cm_informer.get(f"{key}/{ROOT_CA_CONFIGMAP}")
        try:
            if cm is None:
                yield self.client.create(ConfigMap(
                    metadata=ObjectMeta(name=ROOT_CA_CONFIGMAP, namespace=key,
                                        annotations={DESCRIPTION_ANNOTATION: DESCRIPTION}), data=data))
                return
            ann = cm.metadata.annotations or {}
            if cm.data == data and ann.get(DESCRIPTION_ANNOTATION) == DESCRIPTION:
                return
            cm = cm.copy_deep()
            cm.data = data
            cm.metadata.annotations = {**ann, DESCRIPTION_ANNOTATION: DESCRIPTION}
            yield self.client.update(cm)
        except errors.StatusError as exc:
            # the namespace went away or is terminating: nothing to publish
            if not (errors.is_not_found(exc) or errors.is_forbidden(exc) or errors.is_already_exists(exc)):
                raise

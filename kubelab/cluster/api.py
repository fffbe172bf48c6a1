"""``cluster.api``: the user's own client, shaped like lightkube's (and kubectl's view of a
cluster: it satisfies :class:`kubelab.kubectl.source.Source`).

Every request goes where kubectl's would: from the user's machine, through the load
balancer, to an API server. A write advances the simulated clock until the API server
answers (the cluster lives meanwhile); a read looks at the answering API server's cache
and changes nothing (not even the load balancer's round robin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from kubelab.api import errors
from kubelab.api.core import Event as KEvent
from kubelab.api.coordination import PriorityClass
from kubelab.api.core import Namespace, Service
from kubelab.api.meta import KubeObject, ObjectMeta
from kubelab.api.scheme import decode
from kubelab.apiserver.server import APIServer
from kubelab.apiserver.user import ADMIN
from kubelab.client import APIClient, ClientError
from kubelab.client.rest import resolve_kind
from kubelab.sim import journaled

if TYPE_CHECKING:
    from .cluster import Cluster

USER_HOST = "kubectl"  # where the user's requests come from (outside the cluster)
KindRef = Union[str, type[KubeObject]]


class ObjectList(list):
    """A list answer, with the resourceVersion to start a watch from."""

    resource_version: str = ""


class Watch:
    """An open watch (``cluster.api.watch(...)``): its events arrive while time runs.
    ``watch.events`` holds them all; iterating yields those not seen yet."""

    def __init__(self, client: APIClient, kind: type[KubeObject], namespace, resource_version, label_selector,
                 field_selector):
        self.sim = client.sim  # stop() is journaled
        self.kind = kind
        self.events: list[Any] = []
        self.error: Optional[Exception] = None
        self._read = 0
        rv = int(resource_version or 0)
        self._watch = client.watch(kind, self.events.extend, self._broken, namespace=namespace, resource_version=rv,
                                   label_selector=label_selector, field_selector=field_selector)

    def _broken(self, exc: Exception) -> None:
        self.error = exc

    def __iter__(self):
        while self._read < len(self.events):
            self._read += 1
            yield self.events[self._read - 1]

    @journaled
    def stop(self) -> None:
        self._watch.stop()

    def __repr__(self) -> str:
        state = f"broken: {self.error}" if self.error else "open"
        return f"<Watch {self.kind.RESOURCE}: {len(self.events)} events, {state}>"


class ClusterAPI:
    """get / list / watch / create / update / patch / delete / scale / evict, as the user."""

    def __init__(self, cluster: "Cluster", user: Optional[str] = None, credentials: Any = None):
        self.cluster = cluster
        self.sim = cluster.sim
        self.user = user  # None: the cluster admin (admin.conf); else a user of cluster.add_user
        self._as: dict[str, "ClusterAPI"] = {}
        if user is None and credentials is None:
            self._client = self.client_for(USER_HOST, "kubectl", user=ADMIN)
        else:
            lb = cluster.load_balancer
            self._client = APIClient(self.sim, cluster.network, USER_HOST, lambda h: lb.pick(h), "kubectl",
                                     credentials=credentials if credentials is not None else cluster.users[user])

    def _with_token(self, token: str) -> "ClusterAPI":
        """This client presenting a bearer token (``kubectl --token``) instead of a certificate."""
        from kubelab.apiserver.authn import Credentials

        return ClusterAPI(self.cluster, user=f"token:{token[:12]}", credentials=Credentials(token=token))

    @staticmethod
    def _kind(kind: KindRef) -> type[KubeObject]:
        return resolve_kind(kind)

    def as_user(self, name: str) -> "ClusterAPI":
        """This client as ``name`` (a user made by ``cluster.add_user``): every request
        presents their client certificate, so the API server authenticates them and RBAC
        decides (``kubectl --context NAME``)."""
        if not isinstance(name, str):
            raise TypeError(f"as_user(name=...) takes a str, not {type(name).__name__}")
        root = self.cluster.api
        if name not in self.cluster.users:
            raise KeyError(f"no user named {name!r} (add one with cluster.add_user({name!r}, groups=[...]))")
        if name not in root._as:
            api = root._as[name] = ClusterAPI(self.cluster, name)
            self.sim.journal.address(api, ("api", "as", name))
        return root._as[name]

    def _authorize_read(self, verb: str, cls: type[KubeObject], namespace: Optional[str], name: Optional[str],
                        server: APIServer, subresource: Optional[str] = None) -> None:
        """A read looks at the API server's cache without a round trip; as a user it is still
        authenticated and authorized as the real request would be (403 with upstream's words)."""
        from kubelab.apiserver import authz
        from kubelab.apiserver.server import Request
        from kubelab.apiserver.user import SYSTEM_PRIVILEGED_GROUP

        req = Request(verb, cls, namespace if cls.NAMESPACED else None, name, subresource=subresource,
                      user_agent="kubectl")
        if self.user is None:
            req.user = ADMIN
            server.audit_read(req, "allow", server.authorizer.authorize(authz.attributes_for(req, ADMIN))[1])
            return
        creds = self._client.credentials
        try:
            who = server.authenticator.impersonate(server, server.authenticator.authenticate(server, creds), creds)
        except errors.StatusError as exc:
            server.audit_read(req, "", "", exc)
            raise
        req.user = who
        if SYSTEM_PRIVILEGED_GROUP in who.groups:
            server.audit_read(req, "allow", "")
            return
        # the authorization filter's decision and words, without its side effects on the
        # cluster (a look changes nothing; it is audited, as every request is): server.authorize
        attrs = authz.attributes_for(req, who)
        decision, reason = server.authorizer.authorize(attrs)
        if decision != authz.ALLOW:
            exc = errors.new_forbidden(cls.group_resource(), name or "", authz.forbidden_message(attrs))
            server.audit_read(req, "forbid", reason, exc)
            raise exc
        server.audit_read(req, "allow", reason)

    def client_for(self, host: str, user_agent: str, user: Any = None) -> APIClient:
        """A client on ``host`` that reaches the API servers through the load balancer."""
        lb = self.cluster.load_balancer
        return APIClient(self.sim, self.cluster.network, host, lambda h: lb.pick(h), user_agent, user=user)

    # -- plumbing ---------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    def server(self) -> APIServer:
        """The API server a request of the user's would reach now (looking changes nothing)."""
        s = self.cluster.load_balancer.pick(USER_HOST, advance=False)
        if s is None:
            raise ClientError("The connection to the server lb:6443 was refused - did you specify the right host or port?")
        return s

    def _write(self, request: Callable[[], Any], ignore_exists: bool = False, limit: float = 120.0):
        try:
            return self.sim.run_until(request(), limit=limit)
        except errors.StatusError as exc:
            if ignore_exists and errors.is_already_exists(exc):
                return None
            raise

    @staticmethod
    def _ns(cls: type[KubeObject], namespace: Optional[str]) -> Optional[str]:
        return (namespace or "default") if cls.NAMESPACED else None

    def bootstrap(self) -> None:
        """What the API server's bootstrap controller and kubeadm create: the system
        namespaces and the ``kubernetes`` Service."""
        c = self.cluster
        self.sim.run_until(c.masters[0].apiserver.start(), limit=60)  # the caches synced
        end = self.sim.now + 60
        while c.load_balancer.pick(USER_HOST) is None and self.sim.now < end:
            self.sim.run_for(0.1)
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self._write(lambda ns=ns: self._client.create(Namespace(metadata=ObjectMeta(name=ns))), ignore_exists=True)
        svc = Service.model_validate({
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        })
        self._write(lambda: self._client.create(svc), ignore_exists=True)
        # the scheduling API's post-start hook (pkg/registry/scheduling/rest/storage_scheduling.go
        # AddSystemPriorityClasses, values and descriptions from pkg/apis/scheduling/types.go)
        for name, value, desc in (
                ("system-node-critical", 2000001000,
                 "Used for system critical pods that must not be moved from their current node."),
                ("system-cluster-critical", 2000000000,
                 "Used for system critical pods that must run in the cluster, but can be moved to another node "
                 "if necessary.")):
            pc = PriorityClass(metadata=ObjectMeta(name=name), value=value, description=desc,
                               preemption_policy="PreemptLowerPriority")
            self._write(lambda pc=pc: self._client.create(pc), ignore_exists=True)

    def install_addons(self, manifests: list[dict]) -> None:
        """kubeadm init's phases after the control plane answers (upload-config, bootstrap-token's
        cluster-info, addons): each object created as kubeadm's CreateOrUpdate does (no apply
        annotation; one that exists is left alone). The requests go out together and the call
        returns when every one is answered."""
        pending = [self._client.create(decode(doc)) for doc in manifests]
        for ev in pending:
            try:
                self.sim.run_until(ev, limit=120.0)
            except errors.StatusError as exc:
                if not errors.is_already_exists(exc):
                    raise

    # -- reads ------------------------------------------------------------------------------
    def raw(self, path: str) -> tuple[int, str]:
        """GET ``path`` as kubectl's ``get --raw`` does: the same handlers as the HTTPS front door
        (``/readyz?verbose``, ``/version``, ``/api/v1/namespaces``...). Returns the status code
        and the body."""
        from kubelab.http import FrontDoor
        from kubelab.http.frontdoor import HTTPRequest

        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"raw takes an absolute path (\"/readyz?verbose\"), not {path!r}")
        c = self.cluster
        if self.user is None:
            who = ADMIN
        else:
            server = self.server()
            who = server.authenticator.authenticate(server, self._client.credentials)
        door = FrontDoor(self.sim, c.network, c.load_balancer.pick, USER_HOST, metrics=self.metrics)
        resp = door.handle(HTTPRequest("GET", path, {"accept": "application/json"}, user=who))
        return resp.status, resp.body.decode("utf-8", "replace")

    def get(self, kind: KindRef, name: str, namespace: Optional[str] = "default") -> KubeObject:
        cls = resolve_kind(kind)
        _check_name(name)
        server = self.server()
        self._authorize_read("get", cls, self._ns(cls, namespace), name, server)
        # a copy, as every client decodes its own: changing what you read changes nothing
        # in the API server's cache (or etcd) until you write it back
        return server.read(cls, name, self._ns(cls, namespace)).copy_deep()

    def list(self, kind: KindRef, namespace: Optional[str] = "default", label_selector: Optional[str] = None,
             field_selector: Optional[str] = None) -> ObjectList:
        """Objects of a kind in ``namespace`` (None: every namespace), a copy of each."""
        cls = resolve_kind(kind)
        server = self.server()
        self._authorize_read("list", cls, namespace, None, server)
        res = server.read_list(cls, namespace if cls.NAMESPACED else None, label_selector, field_selector)
        out = ObjectList([o.copy_deep() for o in res.items])
        out.resource_version = res.resource_version
        return out

    @journaled
    def watch(self, kind: KindRef, namespace: Optional[str] = None, resource_version: Union[int, str, None] = None,
              label_selector: Optional[str] = None, field_selector: Optional[str] = None) -> Watch:
        """Open a watch from ``resource_version`` (that of a list, say); the events arrive
        while the cluster runs. ``stop()`` it when done."""
        cls = resolve_kind(kind)
        w = Watch(self._client, cls, namespace if cls.NAMESPACED else None, resource_version,
                  label_selector, field_selector)
        history = self.cluster.history
        self.sim.journal.address(w, ("watch", len(history.watches)))
        history.watches.append(w)
        return w

    def events_for(self, obj: KubeObject) -> list[KEvent]:
        """core/v1 Events about ``obj`` (by uid, else kind, namespace and name), oldest first."""
        return self.events(obj)

    def events(self, obj: Optional[KubeObject] = None, namespace: Optional[str] = None) -> list[KEvent]:
        """Events, oldest first; only those about ``obj`` when given."""
        evs = self.list(KEvent, namespace)
        if obj is not None:
            evs = [e for e in evs if e.involved_object.uid == obj.metadata.uid or (
                e.involved_object.name == obj.metadata.name and e.involved_object.kind == obj.KIND
                and (e.involved_object.namespace or None) == (obj.metadata.namespace or None))]
        return sorted(evs, key=lambda e: e.last_seen_key())

    def logs(self, name: str, namespace: Optional[str] = "default", container: Optional[str] = None,
             previous: bool = False, tail_lines: Optional[int] = None, since_seconds: Optional[int] = None,
             since_time: Optional[str] = None, timestamps: bool = False, limit_bytes: Optional[int] = None) -> str:
        """A container's log, as ``GET pods/{name}/log`` answers it: the API server checks the
        options and the container, then asks the pod's kubelet (``kubectl logs``). ``since_time``
        is RFC 3339; ``previous`` reads the instance before the last restart."""
        from kubelab.api.base import parse_time
        from kubelab.api.core import Pod

        _check_name(name)
        server = self.server()
        self._authorize_read("get", Pod, namespace or "default", name, server, subresource="log")
        params: dict[str, Any] = {"container": container, "previous": previous, "tailLines": tail_lines,
                                  "sinceSeconds": since_seconds, "timestamps": timestamps, "limitBytes": limit_bytes}
        if since_time is not None:
            try:
                params["sinceTime"] = parse_time(since_time)
            except ValueError:
                raise errors.new_bad_request(f'parsing time "{since_time}" as "2006-01-02T15:04:05Z07:00": cannot parse') from None
        return server.pod_log(namespace or "default", name, params)

    def metrics(self, kind: str, namespace: Optional[str] = None) -> dict[str, dict[str, str]]:
        """What metrics-server serves (metrics.k8s.io) from the kubelets' resource usage, for
        ``kubectl top``: node name, or ``namespace/name`` for pods, to ``{"cpu", "memory"}``.
        A stopped or hung node reports nothing, as its kubelet cannot be scraped."""
        out: dict[str, dict[str, str]] = {}
        for name, worker in self.cluster.workers.items():
            kubelet = worker.kubelet
            if not kubelet.running or kubelet.hung:
                continue
            if kind == "Node":
                u = kubelet.node_usage()
                out[name] = {"cpu": f"{u['cpu']}m", "memory": f"{u['memory'] // 1024}Ki"}
            else:
                for key, u in kubelet.pod_usage().items():
                    if namespace is None or key.split("/", 1)[0] == namespace:
                        out[key] = {"cpu": f"{u['cpu']}m", "memory": f"{u['memory'] // 1024}Ki"}
        return out

    def run(self, seconds: float) -> Any:
        """Let time pass (``kubectl get -w`` watches the cluster meanwhile)."""
        return self.cluster.run(seconds)

    # -- writes -----------------------------------------------------------------------------
    @journaled
    def create(self, obj: KubeObject, namespace: Optional[str] = None, dry_run: bool = False) -> KubeObject:
        """POST; ``dry_run=True`` is ``?dryRun=All`` (validated and admitted, not stored)."""
        _check_object(obj, "create")
        return self._write(lambda: self._client.create(obj, namespace, dry_run=dry_run))

    @journaled
    def update(self, obj: KubeObject, dry_run: bool = False) -> KubeObject:
        _check_object(obj, "update")
        return self._write(lambda: self._client.update(obj, dry_run=dry_run))

    @journaled
    def patch(self, kind: KindRef, name: str, patch: Any, namespace: Optional[str] = "default",
              patch_type: str = "strategic", dry_run: bool = False) -> KubeObject:
        """``patch_type``: ``"strategic"`` (kubectl's default), ``"merge"`` (RFC 7386) or
        ``"json"`` (RFC 6902, a list of operations)."""
        cls = resolve_kind(kind)
        _check_name(name)
        if patch_type not in ("strategic", "merge", "json"):
            raise ValueError(f'patch_type must be "strategic", "merge" or "json", not {patch_type!r}')
        return self._write(lambda: self._client.patch(cls, name, self._ns(cls, namespace), patch, patch_type,
                                                      dry_run=dry_run))

    @journaled
    def delete(self, kind: KindRef, name: str, namespace: Optional[str] = "default",
               propagation_policy: Optional[str] = None, grace_period_seconds: Optional[int] = None,
               dry_run: bool = False) -> KubeObject:
        cls = resolve_kind(kind)
        _check_name(name)
        return self._write(lambda: self._client.delete(cls, name, self._ns(cls, namespace),
                                                       propagation_policy, grace_period_seconds, dry_run=dry_run))

    @journaled
    def scale(self, kind: KindRef, name: str, replicas: int, namespace: Optional[str] = "default") -> KubeObject:
        """Set ``spec.replicas`` (the scale subresource's effect)."""
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise TypeError(f"replicas must be an int, not {type(replicas).__name__}")
        return self.patch(kind, name, {"spec": {"replicas": replicas}}, namespace, "merge")

    @journaled
    def apply(self, manifest: Any, namespace: Optional[str] = None):
        """``kubectl apply`` (client side) of YAML/JSON text, a path, a dict, a list or a model."""
        from kubelab.kubectl.apply import apply_manifests

        return apply_manifests(self, manifest, namespace)

    @journaled
    def evict(self, name: str, namespace: Optional[str] = "default") -> None:
        """POST pods/<name>/eviction (what ``kubectl drain`` sends): the API server deletes
        the pod unless a PodDisruptionBudget forbids it (429)."""
        _check_name(name)
        self._write(lambda: self._client.evict(name, namespace or "default"))


def _check_name(name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")


def _check_object(obj: Any, verb: str) -> None:
    if not isinstance(obj, KubeObject):
        raise TypeError(f"{verb} takes an API object (e.g. kubelab.api.Pod), not {type(obj).__name__}")


__all__ = ["ClusterAPI", "ObjectList", "USER_HOST", "Watch"]

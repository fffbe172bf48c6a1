"""A cluster reached through a kubeconfig, kept current by list+watch.

Why the official ``kubernetes`` client (kubernetes-client/python): it is maintained by
Kubernetes SIG API Machinery alongside client-go and generated from the same OpenAPI; it
loads a kubeconfig exactly as kubectl does (``$KUBECONFIG`` lists merged, contexts, client
certificates, bearer tokens, exec and auth-provider plugins for EKS/GKE/AKS, in-cluster
service accounts), and its list calls speak watch (``watch=True``, ``resourceVersion``,
``allowWatchBookmarks``, ``timeoutSeconds``). kr8s and lightkube are pleasant but smaller
projects with their own kubeconfig loaders; a learner who leaves kubelab meets this one in
the Kubernetes documentation.

How it is used here: the client authenticates, builds the URLs and opens the connections;
responses are read raw (``_preload_content=False``) and their JSON parsed into kubelab's own
pydantic models (shaped like the API), so every kubelab renderer works on them. Fields a
newer server sends that kubelab does not model are dropped first, as kubelab's own API
server drops them under ``fieldValidation=Ignore`` (:func:`kubelab.http.openapi.unknown_fields`).

Watches, as an informer keeps them (client-go's reflector, tools/cache/reflector.go):
one list per kind gives the objects and a resourceVersion; from then on each
:meth:`LiveCluster.refresh` opens a watch from the last resourceVersion, applies what the
server sends (ADDED, MODIFIED, DELETED, BOOKMARK) and remembers the newest resourceVersion,
so the next refresh resumes where this one stopped. A resourceVersion the server no longer
has (``410 Expired``) means list again. Each watch asks the server to end it after
``timeoutSeconds=1`` (the smallest it takes), so a refresh costs about a second; the kinds
are watched side by side from a small thread pool that lives only during the refresh, and
the cache is changed on the caller's thread after they all return — nothing runs between
refreshes, so the object is safe in a notebook.

Time: ages are measured on the API server's clock, read from the ``Date`` header of its
newest response (kube-apiserver's net/http stamps every response; kubelab's server stamps
its simulated clock), so a served kubelab cluster's views are as deterministic as the
cluster. Without a ``Date`` the local clock is used.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as _dt
import email.utils
import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from kubelab.api.base import SIM_EPOCH
from kubelab.api.meta import KubeObject
from kubelab.client.rest import resolve_kind
from kubelab.cluster.readmodel import LEADER_LEASES, identity_host
from kubelab.cluster.topology import Component, EtcdMemberInfo, MasterInfo, PodInfo, Topology, WorkerInfo
from kubelab.http.openapi import unknown_fields

from .views import LiveViews

__all__ = ["LiveCluster", "LiveState", "WATCHED", "WatchStats", "connect", "parse_object"]

INSTALL_HINT = ("kl.connect needs the official Kubernetes Python client: pip install 'kubelab[live]' "
                "(or pip install kubernetes)")

# What the views read, and how the official client lists each (API class, list method, namespace).
# Leases only in kube-system: the leader-election Leases (who runs the controllers).
WATCHED: tuple[tuple[str, str, str, Optional[str]], ...] = (
    ("Node", "CoreV1Api", "list_node", None),
    ("Pod", "CoreV1Api", "list_pod_for_all_namespaces", None),
    ("Service", "CoreV1Api", "list_service_for_all_namespaces", None),
    ("Endpoints", "CoreV1Api", "list_endpoints_for_all_namespaces", None),
    ("Event", "CoreV1Api", "list_event_for_all_namespaces", None),
    ("Deployment", "AppsV1Api", "list_deployment_for_all_namespaces", None),
    ("ReplicaSet", "AppsV1Api", "list_replica_set_for_all_namespaces", None),
    ("DaemonSet", "AppsV1Api", "list_daemon_set_for_all_namespaces", None),
    ("StatefulSet", "AppsV1Api", "list_stateful_set_for_all_namespaces", None),
    ("Job", "BatchV1Api", "list_job_for_all_namespaces", None),
    ("Lease", "CoordinationV1Api", "list_namespaced_lease", "kube-system"),
)

# node labels that say what a node is (well-known labels, kubernetes.io/docs/reference/labels-annotations-taints)
MACHINE_KIND_LABEL = "kubelab.io/machine-kind"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
ZONE_LABEL = "topology.kubernetes.io/zone"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
# kubeadm's static pods carry component=<name>, tier=control-plane (cmd/kubeadm/app/util/staticpod)
CONTROL_PLANE_COMPONENTS = ("kube-apiserver", "kube-scheduler", "kube-controller-manager", "cloud-controller-manager")

WATCH_TIMEOUT_SECONDS = 1  # the server ends each watch after this long (metav1.ListOptions.TimeoutSeconds)
LIST_PAGE = 500  # kubectl's --chunk-size default
LOOP_CONNECT_TIMEOUT = 3.0  # a blocking refresh from a thread that runs an event loop (a notebook cell)


def _client():
    try:  # an optional extra (kubelab[live]): a bare `pip install kubelab` imports without it
        from kubernetes import client, config
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return client, config


def connect(kubeconfig: Union[str, os.PathLike, None] = None, context: Optional[str] = None, *,
            refresh_on_view: bool = True) -> "LiveCluster":
    """A :class:`LiveCluster` for the cluster a kubeconfig names, as kubectl would pick it:
    ``kubeconfig`` or else ``$KUBECONFIG`` (a list of files, merged) or ``~/.kube/config``,
    and its current context unless ``context`` is given; inside a pod with none of those,
    the pod's service account. Nothing is requested yet: the first view (or
    :meth:`LiveCluster.refresh`) lists.

    When this very kernel serves the cluster (``cluster.serve()`` in a notebook), the API
    server answers only between cells and while a cell awaits: pass ``refresh_on_view=False``
    and ``await live.arefresh()`` before looking."""
    client, config = _client()
    cfg = client.Configuration()
    # read $KUBECONFIG now (the client reads it once, when imported), a list of files as kubectl merges them
    path = os.fspath(kubeconfig) if kubeconfig is not None else \
        (os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config"))
    if kubeconfig is None and not any(os.path.exists(os.path.expanduser(p)) for p in path.split(os.pathsep) if p) \
            and os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_incluster_config(client_configuration=cfg)
        ctx_name = "in-cluster"
    else:
        config.load_kube_config(config_file=path, context=context, client_configuration=cfg, persist_config=False)
        contexts, active = config.list_kube_config_contexts(config_file=path)
        ctx_name = context or (active or {}).get("name", "")
    return LiveCluster(cfg, ctx_name, refresh_on_view=refresh_on_view)


@dataclass
class WatchStats:
    """What the watches of one kind have done: lists (the first, and after 410 Expired),
    watches opened, events applied, bookmarks seen."""

    lists: int = 0
    watches: int = 0
    events: int = 0
    bookmarks: int = 0
    expired: int = 0
    skipped: list[str] = field(default_factory=list)  # objects kubelab's models could not read, and why
    error: Optional[str] = None  # the last request's failure (e.g. 403 Forbidden), None once it answers


@dataclass
class _Result:
    kind: str
    relist: Optional[list[dict]] = None  # a full list: replace the cache
    events: list[tuple[str, dict]] = field(default_factory=list)
    rv: Optional[str] = None
    date: Optional[float] = None
    error: Optional[str] = None
    expired: bool = False
    bookmarks: int = 0


class LiveCluster:
    """A cluster seen through the official client; see the module docstring.

    ``live.views.<name>()`` draws with kubelab's renderers; ``live.state`` is the read
    model they read; ``live.list(kind)`` / ``live.get(kind, name)`` read the watched cache."""

    def __init__(self, configuration: Any, context: str = "", *, refresh_on_view: bool = True,
                 request_timeout: float = 30.0):
        client, _ = _client()
        configuration.connection_pool_maxsize = max(getattr(configuration, "connection_pool_maxsize", 0) or 0,
                                                    len(WATCHED) + 2)
        configuration.retries = 1  # a server that never answers should not hang a cell for long
        self.configuration = configuration
        self.url = configuration.host
        self.context = context
        self.refresh_on_view = refresh_on_view
        self.request_timeout = request_timeout
        self._api_client = client.ApiClient(configuration)
        self._apis: dict[str, Any] = {}
        self._client_module = client
        self.cache: dict[str, dict[tuple[str, str], KubeObject]] = {k: {} for k, *_ in WATCHED}
        self.resource_versions: dict[str, Optional[str]] = {k: None for k, *_ in WATCHED}
        self.stats: dict[str, WatchStats] = {k: WatchStats() for k, *_ in WATCHED}
        self.server_time: Optional[float] = None  # the newest Date the server sent, on kubelab's time axis
        self.refreshes = 0
        self.state = LiveState(self)
        self.views = LiveViews(self)

    # -- reading ---------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """The API server's clock (seconds on kubelab's time axis, as object timestamps are read)."""
        if self.server_time is not None:
            return self.server_time
        return (_dt.datetime.now(_dt.timezone.utc) - SIM_EPOCH).total_seconds()

    def list(self, kind: Union[str, type[KubeObject]], namespace: Optional[str] = None,
             label_selector: Optional[str] = None) -> list[KubeObject]:
        return self.state.list(kind, namespace, label_selector)

    def get(self, kind: Union[str, type[KubeObject]], name: str, namespace: Optional[str] = "default") \
            -> Optional[KubeObject]:
        return self.state.get(kind, name, namespace)

    def __repr__(self) -> str:
        n = {k: len(v) for k, v in self.cache.items()}
        seen = "not listed yet" if not self.refreshes else \
            f"{n['Node']} nodes, {n['Pod']} pods, {n['Deployment']} deployments"
        return f"<LiveCluster {self.context or self.url} at {self.url}: {seen}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    # -- keeping current -------------------------------------------------------------------
    def refresh(self) -> dict[str, int]:
        """Advance every watch (listing first where there is nothing to resume from, or the
        server answered 410 Expired); returns the number of changes applied per kind."""
        # Blocking here while this thread's event loop serves the cluster (cluster.serve() in
        # a notebook) would wait for an answer that cannot come: connect quickly, and say so.
        in_loop = _loop_running()
        connect = min(self.request_timeout, LOOP_CONNECT_TIMEOUT) if in_loop else self.request_timeout
        jobs = [(kind, api, method, ns) for kind, api, method, ns in WATCHED]
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="kubelab-live") as pool:
            results = list(pool.map(lambda j: self._fetch(*j, rv=self.resource_versions[j[0]], connect=connect), jobs))
        if in_loop and all(r.error and "timed out" in r.error.lower() for r in results):
            raise TimeoutError(f"the API server at {self.url} did not answer within {connect:g} s. If this kernel "
                               "serves the cluster (cluster.serve() in a notebook), it answers only between cells "
                               "and while a cell awaits: use `await live.arefresh()`, and "
                               "kl.connect(..., refresh_on_view=False)")
        changed: dict[str, int] = {}
        for r in results:  # applied here, on the caller's thread, in WATCHED's order
            changed[r.kind] = self._apply(r)
        self.refreshes += 1
        return {k: v for k, v in changed.items() if v}

    async def arefresh(self) -> dict[str, int]:
        """:meth:`refresh` on a worker thread, so the caller's event loop keeps running — in a
        notebook whose kernel serves the cluster, the loop is what answers the requests."""
        return await asyncio.to_thread(self.refresh)

    def close(self) -> None:
        self._api_client.close()

    def __enter__(self) -> "LiveCluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- one kind (on a pool thread: requests only, no shared state touched) ------------------
    def _api(self, name: str) -> Any:
        api = self._apis.get(name)
        if api is None:
            api = self._apis[name] = getattr(self._client_module, name)(self._api_client)
        return api

    def _call(self, api: str, method: str, namespace: Optional[str], **kw: Any):
        fn = getattr(self._api(api), method)
        args = (namespace,) if namespace is not None else ()
        return fn(*args, _preload_content=False, **kw)

    def _fetch(self, kind: str, api: str, method: str, namespace: Optional[str], rv: Optional[str],
               connect: float) -> _Result:
        ApiException = self._client_module.ApiException
        timeout = (connect, self.request_timeout)  # urllib3's (connect, read)
        try:
            if rv is not None:
                r = self._watch(kind, api, method, namespace, rv, timeout)
                if not r.expired:
                    return r
            return self._list(kind, api, method, namespace, timeout)
        except ApiException as exc:
            return _Result(kind, error=f"{exc.status} {exc.reason}: {_status_message(exc.body)}")
        except Exception as exc:  # noqa: BLE001 - a connection refused, a timeout: say so, keep the cache
            return _Result(kind, error=f"{type(exc).__name__}: {exc}")

    def _list(self, kind: str, api: str, method: str, namespace: Optional[str], timeout: tuple) -> _Result:
        items: list[dict] = []
        cont: Optional[str] = None
        date = None
        while True:
            kw: dict[str, Any] = {"limit": LIST_PAGE, "_request_timeout": timeout}
            if cont:
                kw["_continue"] = cont
            resp = self._call(api, method, namespace, **kw)
            date = _date(resp.headers) or date
            body = json.loads(resp.data)
            items.extend(body.get("items") or [])
            meta = body.get("metadata") or {}
            cont = meta.get("continue")
            if not cont:
                return _Result(kind, relist=items, rv=meta.get("resourceVersion"), date=date)

    def _watch(self, kind: str, api: str, method: str, namespace: Optional[str], rv: str, timeout: tuple) -> _Result:
        resp = self._call(api, method, namespace, watch=True, resource_version=rv, allow_watch_bookmarks=True,
                          timeout_seconds=WATCH_TIMEOUT_SECONDS,
                          _request_timeout=timeout)
        out = _Result(kind, rv=rv, date=_date(resp.headers))
        try:
            buf = b""
            for chunk in resp.stream(amt=None, decode_content=False):
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    if line.strip():
                        self._event(out, json.loads(line))
                if out.expired:
                    break
            if buf.strip() and not out.expired:
                self._event(out, json.loads(buf))
        finally:
            resp.release_conn()
        return out

    @staticmethod
    def _event(out: _Result, ev: dict) -> None:
        typ, obj = ev.get("type"), ev.get("object") or {}
        if typ == "ERROR":
            if obj.get("code") == 410:  # "too old resource version": list again (reflector.go, isExpiredError)
                out.expired = True
            else:
                out.error = f"{obj.get('code')} {obj.get('reason')}: {obj.get('message')}"
            return
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if typ == "BOOKMARK":
            out.bookmarks += 1
        else:
            out.events.append((typ, obj))
        if rv:
            out.rv = rv

    # -- applying (the caller's thread) ------------------------------------------------------
    def _apply(self, r: _Result) -> int:
        st = self.stats[r.kind]
        if r.date is not None and (self.server_time is None or r.date > self.server_time):
            self.server_time = r.date
        st.error = r.error
        if r.error is not None and r.relist is None and not r.events:
            return 0
        cls = resolve_kind(r.kind)
        cache = self.cache[r.kind]
        n = 0
        if r.relist is not None:
            st.lists += 1
            if self.resource_versions[r.kind] is not None:
                st.expired += 1
            fresh: dict[tuple[str, str], KubeObject] = {}
            for d in r.relist:
                obj = self._parse(cls, d, st)
                if obj is not None:
                    fresh[_key(obj)] = obj
            n = len(fresh.keys() ^ cache.keys()) + sum(1 for k in fresh.keys() & cache.keys()
                                                       if fresh[k].metadata.resource_version != cache[k].metadata.resource_version)
            self.cache[r.kind] = fresh
        else:
            st.watches += 1
            st.bookmarks += r.bookmarks
            for typ, d in r.events:
                obj = self._parse(cls, d, st)
                if obj is None:
                    continue
                st.events += 1
                n += 1
                if typ == "DELETED":
                    cache.pop(_key(obj), None)
                else:
                    cache[_key(obj)] = obj
        if r.rv:
            self.resource_versions[r.kind] = r.rv
        return n

    @staticmethod
    def _parse(cls: type[KubeObject], data: dict, st: WatchStats) -> Optional[KubeObject]:
        try:
            return parse_object(cls, data)
        except Exception as exc:  # noqa: BLE001 - show the rest; say which object could not be read
            meta = data.get("metadata") or {}
            st.skipped.append(f"{cls.KIND} {meta.get('namespace', '')}/{meta.get('name', '')}: {exc}".strip())
            del st.skipped[:-20]
            return None


def parse_object(kind: Union[str, type[KubeObject]], data: dict) -> KubeObject:
    """An object as a server sent it (JSON; a list's items lack ``kind`` and ``apiVersion``)
    as kubelab's model. Fields kubelab does not model (a newer server's) are dropped first,
    as kubelab's API server drops them under ``fieldValidation=Ignore``; ``data`` is changed
    in place."""
    cls = resolve_kind(kind)
    data.setdefault("apiVersion", cls.api_version_str())
    data.setdefault("kind", cls.KIND)
    unknown_fields(cls, data)
    return cls.model_validate(data)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _key(obj: KubeObject) -> tuple[str, str]:
    return (obj.metadata.namespace or "", obj.metadata.name or "")


def _date(headers: Any) -> Optional[float]:
    value = headers.get("Date") if headers is not None else None
    if not value:
        return None
    try:
        return (email.utils.parsedate_to_datetime(value) - SIM_EPOCH).total_seconds()
    except (TypeError, ValueError):
        return None


def _status_message(body: Any) -> str:
    try:
        return json.loads(body).get("message", "")
    except Exception:  # noqa: BLE001
        return str(body or "")[:200]


def _natural(s: str) -> list:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


class LiveState:
    """The read model of a :class:`LiveCluster`, shaped like ``cluster.state``
    (kubelab.cluster.readmodel.ClusterState) for the parts the views read from API data:
    ``list``, ``get``, ``readable``, ``leases``, ``lease_masters``, ``leader``, ``topology``."""

    def __init__(self, live: LiveCluster):
        self.live = live

    def __repr__(self) -> str:
        return f"<LiveState of {self.live.url}, {'readable' if self.readable else 'nothing read yet'}>"

    @property
    def now(self) -> float:
        return self.live.now

    @property
    def readable(self) -> bool:
        """True once nodes or pods were listed (as kubectl, with nothing answering, shows nothing)."""
        return any(self.live.stats[k].lists for k in ("Node", "Pod"))

    def list(self, kind: Union[str, type[KubeObject]], namespace: Optional[str] = None,
             label_selector: Optional[str] = None) -> list[KubeObject]:
        """Watched objects of a kind, sorted by namespace and name ([] for a kind not watched)."""
        try:
            cls = resolve_kind(kind)
        except (KeyError, ValueError, TypeError):
            return []
        objs = self.live.cache.get(cls.KIND, {})
        out = [o for (ns, _), o in sorted(objs.items()) if namespace is None or not cls.NAMESPACED or ns == namespace]
        if label_selector:
            from kubelab.api.labels import parse_selector

            sel = parse_selector(label_selector)
            out = [o for o in out if sel.matches(o.metadata.labels or {})]
        return out

    def get(self, kind: Union[str, type[KubeObject]], name: str, namespace: Optional[str] = "default") \
            -> Optional[KubeObject]:
        cls = resolve_kind(kind)
        return self.live.cache.get(cls.KIND, {}).get(((namespace or "") if cls.NAMESPACED else "", name))

    # -- leadership: the Lease holder, as kubectl get lease -n kube-system shows it -------------
    def leases(self) -> dict[str, Any]:
        return {lease.metadata.name: lease for lease in self.list("Lease", "kube-system")}

    def lease_masters(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, lease in self.leases().items():
            if name not in dict(LEADER_LEASES):
                continue
            host = identity_host(lease.spec.holder_identity if lease.spec else None)
            if host:
                out[name] = host
        return out

    def leader(self, component: str) -> Optional[str]:
        return self.lease_masters().get(component)

    # -- the topology, from node labels ------------------------------------------------------
    def topology(self, name: Optional[str] = None) -> Topology:
        """Masters (control-plane nodes, and the hosts the leader-election Leases name), their
        components (kubeadm's static pods; leader badges from the Leases) and etcd member;
        workers grouped by kind: ``kubelab.io/machine-kind`` when set, else a cloud
        instance when ``node.kubernetes.io/instance-type`` is, else "Node"; each with its
        instance type and zone, or its capacity, and its pods."""
        from urllib.parse import urlsplit

        from kubelab.kubectl.printers import node_status, pod_status_reason

        url = urlsplit(self.live.url)
        topo = Topology(name=name or self.live.context or url.netloc, time=self.now, load_balancer=url.hostname,
                        endpoint=url.netloc)
        nodes = {n.metadata.name: n for n in self.list("Node")}
        pods = self.list("Pod")
        holders = self.lease_masters()
        static: dict[str, dict[str, Any]] = {}  # node -> component -> its static pod
        for p in pods:
            comp = (p.metadata.labels or {}).get("component")
            if p.metadata.namespace == "kube-system" and p.spec.node_name and \
                    comp in CONTROL_PLANE_COMPONENTS + ("etcd",):
                static.setdefault(p.spec.node_name, {})[comp] = p
        control = {n for n, node in nodes.items() if CONTROL_PLANE_LABEL in (node.metadata.labels or {})}
        masters = sorted(control | set(holders.values()) | set(static), key=_natural)
        for m in masters:
            node = nodes.get(m)
            info = MasterInfo(m, node.is_ready() if node is not None else True)
            mine = static.get(m, {})
            for cname in CONTROL_PLANE_COMPONENTS:
                pod = mine.get(cname)
                leads = holders.get(cname) == m
                if pod is None and not leads:
                    continue
                running = pod_status_reason(pod)[0] == "Running" if pod is not None else True
                info.components.append(Component(cname, running, leads, serving=running))
            if "etcd" in mine:
                running = pod_status_reason(mine["etcd"])[0] == "Running"
                info.etcd = EtcdMemberInfo(m, m, "member" if running else "stopped")
            topo.masters.append(info)
        pods_on: dict[str, list[PodInfo]] = {}
        for p in pods:
            if p.spec.node_name:
                pods_on.setdefault(p.spec.node_name, []).append(
                    PodInfo(p.metadata.name or "", p.metadata.namespace or "", pod_status_reason(p)[0]))
        for wname in sorted(nodes, key=_natural):
            if wname in masters:
                continue
            node = nodes[wname]
            labels = node.metadata.labels or {}
            kind = labels.get(MACHINE_KIND_LABEL) or ("CloudInstance" if labels.get(INSTANCE_TYPE_LABEL) else "Node")
            detail = ", ".join(x for x in (labels.get(INSTANCE_TYPE_LABEL), labels.get(ZONE_LABEL)) if x)
            if not detail:
                cap = (node.status.capacity or {}) if node.status else {}
                detail = f"{cap.get('cpu', '?')} cpu, {cap.get('memory', '?')}"
            topo.workers.append(WorkerInfo(wname, kind, node.is_ready(), bool(node.spec.unschedulable), detail,
                                           pods_on.get(wname, []), node_status(node)))
        return topo

"""The kubelet: registers its node, renews its Lease, and runs the pods bound to it.

It watches only its own pods (a field selector on ``spec.nodeName``), admits each one
against what is left of the node's allocatable (``OutOfcpu`` like the real one), creates
the sandbox, pulls images one at a time (``--serialize-image-pulls=true``), runs the init
containers one at a time (native sidecars, ``restartPolicy: Always``, are left running beside
the app and stopped after it), creates and starts containers, and reports phase, conditions
and container statuses through the pods' ``/status``. A pod being deleted gracefully is stopped and then deleted for good.
Events are worded as pkg/kubelet words them.
"""

from __future__ import annotations

import ipaddress

from collections import deque
from typing import Any, Optional

from kubelab.api import errors
from kubelab.client.informer import tombstone_object
from kubelab.api.base import rfc3339, rfc3339_micro
from kubelab.api.coordination import Lease, LeaseSpec
from kubelab.api.core import (
    ContainerImage,
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    Node,
    NodeAddress,
    NodeCondition,
    NodeSpec,
    NodeStatus,
    NodeSystemInfo,
    PersistentVolumeClaim,
    Pod,
    PodIP,
    Taint,
)
from kubelab.api.meta import ObjectMeta, OwnerReference
from kubelab.api.podutil import update_pod_condition
from kubelab.api.quantity import parse_quantity
from kubelab.api.resourcehelper import pod_requests, quantity_value
from kubelab.client import APIClient, EventRecorder, SharedInformer
from kubelab.sim import Simulator

from . import logs as container_logs_mod
from . import prober
from .machines import KUBELET_VERSION, CloudInstance, Machine, hash_name
from kubelab.sim import journaled

# Image sizes (bytes) for well-known images; anything else is 50 MB.
IMAGE_SIZES = {"nginx": 72_000_000, "busybox": 4_300_000, "redis": 45_000_000, "postgres": 160_000_000,
               "httpd": 58_000_000, "python": 380_000_000, "registry.k8s.io/pause": 320_000, "perl": 330_000_000}
DEFAULT_IMAGE_SIZE = 50_000_000
# Annotations a workshop can put on a pod to shape the simulation.
RUN_SECONDS = "sim.kubelab.io/run-seconds"  # containers exit after this many seconds
EXIT_CODE = "sim.kubelab.io/exit-code"  # ... with this exit code (default 0)
# RUN_SECONDS + ".<name>" and EXIT_CODE + ".<name>" shape one init container or sidecar
START_SECONDS = "sim.kubelab.io/start-seconds"  # time from start to ready (default 0)

NODE_LEASE_DURATION = 40  # kubelet nodeLeaseDurationSeconds default
LEASE_RENEW_INTERVAL = NODE_LEASE_DURATION * 0.25  # 25% of the duration: 10 s
NODE_STATUS_REPORT_FREQUENCY = 300.0  # nodeStatusReportFrequency: 5 min when nothing changes
NODE_STATUS_UPDATE_FREQUENCY = 10.0  # nodeStatusUpdateFrequency: how often status is computed


def image_size(image: str) -> int:
    repo = image.split("@")[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: repo.rfind(":")]
    base = repo.rsplit("/", 1)[-1] if repo.startswith(("docker.io/", "library/")) else repo
    return IMAGE_SIZES.get(base, IMAGE_SIZES.get(repo, DEFAULT_IMAGE_SIZE))


def normalise_image(image: str) -> str:
    """What containerd records: docker.io/library/nginx:1.27 for nginx:1.27."""
    name = image
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in name:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif "." not in first and ":" not in first and first != "localhost":
        name = "docker.io/" + name
    return name


def _milli(q: Any) -> int:
    return parse_quantity(q).milli_value()


class _InitContainer:
    """What the runtime holds for one init container (a sidecar when ``restartPolicy: Always``)."""

    __slots__ = ("spec", "name", "restartable", "id", "started_at", "image", "running", "term", "last", "restarts",
                 "waiting", "exit", "started_ev", "proc", "stopping")

    def __init__(self, spec: Any):
        self.spec, self.name = spec, spec.name
        self.restartable = spec.restart_policy == "Always"  # podutil.IsRestartableInitContainer
        self.id: Optional[str] = None  # no container created yet
        self.started_at = 0.0
        self.image = ""
        self.running = False
        self.term: Optional[ContainerStateTerminated] = None  # state.terminated of the last instance
        self.last: Optional[ContainerStateTerminated] = None  # lastState.terminated
        self.restarts = 0
        self.waiting: Optional[tuple[str, str]] = None  # (reason, message), e.g. CrashLoopBackOff
        self.exit = None  # fires with (why, exit code) when the running instance exits
        self.started_ev = None  # fires when a sidecar's startup probe succeeds
        self.proc = None  # a sidecar's supervising process
        self.stopping = False  # the kubelet is killing it for good

    def as_info(self) -> dict:
        return {"id": self.id, "started_at": self.started_at, "image": self.image, "running": self.running}


class _RunningPod:
    """What the container runtime holds for one pod."""

    __slots__ = ("uid", "key", "ip", "pod", "started", "containers", "done", "stopping", "proc", "restarts",
                 "last_state", "workers", "results", "exit", "app_up_at", "killing", "inits")

    def __init__(self, uid: str, key: str, ip: str, pod: Pod):
        self.uid, self.key, self.ip = uid, key, ip
        # the pod as the kubelet last saw it (the pod manager's copy): the worker reads this one
        # rather than keeping the version it started with alive for the pod's whole life
        self.pod = pod
        self.started = False
        self.containers: dict[str, dict] = {}
        self.restarts = 0
        self.last_state: dict[str, ContainerStateTerminated] = {}  # containerStatuses[].lastState
        self.done = False
        self.stopping = False
        self.proc = None
        self.workers: list[prober.ProbeWorker] = []  # the prober manager's workers for this pod
        self.results: dict[tuple[str, str], str] = {}  # (container, kind) -> Success | Failure | Unknown
        self.exit = None  # fires with (why, exit code) when the running containers exit
        self.app_up_at = 0.0  # when the app has finished starting (sim.kubelab.io/start-seconds)
        self.killing = False
        self.inits: dict[str, _InitContainer] = {}  # spec.initContainers, in order

    def stop_probes(self) -> None:
        for w in self.workers:
            w.stop()
        self.workers = []

    def kill_sidecars(self) -> None:
        for r in self.inits.values():
            if r.proc is not None:
                r.proc.kill()
                r.proc = None

    def info(self, name: str) -> Optional[dict]:
        """The runtime's record of container ``name`` (a regular or an init container)."""
        if name in self.containers:
            return self.containers[name]
        r = self.inits.get(name)
        return r.as_info() if r is not None and r.id is not None else None


class Kubelet:
    def __init__(self, sim: Simulator, client: APIClient, machine: Machine, cloud_provider_external: bool = False,
                 legacy_cloud_labels: bool = False, node_labels: Optional[dict[str, str]] = None,
                 register_with_taints: Optional[list[dict]] = None, static_pods: Optional[list[Pod]] = None):
        self.sim = sim
        self.client = client
        self.machine = machine
        self.node_name = machine.name
        self.cloud_provider_external = cloud_provider_external
        self.legacy_cloud_labels = legacy_cloud_labels
        # labels and taints the Node is registered with on top of the machine's own (a
        # control-plane node's, from kubeadm's mark-control-plane phase)
        self.node_labels = dict(node_labels or {})
        self.register_with_taints = list(register_with_taints or [])
        # the pods of its manifests directory (--pod-manifest-path, /etc/kubernetes/manifests)
        self.static_pods: list[Pod] = [self._static_pod(p) for p in static_pods or ()]
        self.recorder = EventRecorder(client, "kubelet", machine.name)
        self.informer: Optional[SharedInformer] = None
        self.running = False
        self.hung = False
        self.pods: dict[str, _RunningPod] = {}  # uid -> runtime state
        self.images: dict[str, int] = {normalise_image(i): s for i, s in machine.images.items()}
        self._pull_queue: deque = deque()
        self._pulling = False
        self._ip_seq = 1
        self.pod_cidr: Optional[str] = None  # the Node's spec.podCIDR, once the IPAM controller set it
        self._lease_timer = None
        self._latest_lease: Optional[Lease] = None  # the lease controller's latestLease
        self._status_timer = None
        self._last_status_post = -1e18
        self._node_status_dirty = True
        self._rng = sim.rng(f"kubelet/{machine.name}")
        self.registered = False
        self.started_at = sim.now  # prober_manager's start: probe workers jitter only just after
        self._served: dict[str, deque] = {}  # pod key -> (time, requests) the app answered recently
        self._usage_base: dict[str, tuple] = {}  # pod uid -> (pod version, cpu, memory) for pod_usage
        # pod uid -> container name -> its log files: the running instance and the last dead one
        self.logs: dict[str, dict[str, list[container_logs_mod.ContainerLog]]] = {}

    def __repr__(self) -> str:
        state = "hung" if self.hung else ("running" if self.running else "stopped")
        return f"<Kubelet {self.node_name} {state} pods={len(self.pods)}>"

    # -- lifecycle ------------------------------------------------------------------------
    @journaled
    def start(self) -> None:
        """Start (or restart after a power cycle): register, then sync pods."""
        self.running = True
        self.hung = False
        self.started_at = self.sim.now
        self.sim.spawn(self._register(), name=f"kubelet/{self.node_name}/register")

    @journaled
    def stop(self) -> None:
        """The machine goes down: every container dies with it."""
        self.running = False
        if self.informer is not None:
            self.informer.stop()
            self.informer = None
        for t in (self._lease_timer, self._status_timer):
            if t is not None:
                t.cancel()
        for rp in self.pods.values():
            rp.stop_probes()
            rp.kill_sidecars()
            if rp.proc is not None:
                rp.proc.kill()
            self._stop_logs(rp.uid)
        self.pods.clear()
        self._pull_queue.clear()
        self._pulling = False

    @journaled
    def hang(self) -> None:
        """The kubelet stops responding (containers keep running): no lease, no status."""
        self.hung = True
        self.sim.trace.record(f"kubelet/{self.node_name}", "KubeletHung", "kubelet stopped responding")

    @journaled
    def unhang(self) -> None:
        self.hung = False
        # the kubelet's next status sync sees its Ready condition differs from the node's
        # (the node lifecycle controller set Unknown) and posts at once (kubelet_node_status.go)
        self._node_status_dirty = True
        self.sim.trace.record(f"kubelet/{self.node_name}", "KubeletResumed", "kubelet is responding again")

    # -- node registration and heartbeats -------------------------------------------------
    def _node_object(self) -> Node:
        m = self.machine
        labels = m.node_labels()
        labels.update(self.node_labels)
        taints = [Taint.model_validate(t) for t in list(m.taints) + self.register_with_taints]
        # no podCIDR: the node IPAM controller assigns it (kube-controller-manager --allocate-node-cidrs)
        spec = NodeSpec(taints=taints or None)
        if isinstance(m, CloudInstance):
            if self.cloud_provider_external:
                # --cloud-provider=external: the cloud-controller-manager initialises the node
                spec.taints = (spec.taints or []) + [Taint(key="node.cloudprovider.kubernetes.io/uninitialized",
                                                           value="true", effect="NoSchedule")]
            elif self.legacy_cloud_labels:
                # no cloud-controller-manager: the kubelet's legacy in-tree provider did this
                spec.provider_id = m.provider_id()
                labels.update(m.cloud_labels())
        return Node(
            metadata=ObjectMeta(name=m.name, labels=labels,
                                annotations={"node.alpha.kubernetes.io/ttl": "0",
                                             "volumes.kubernetes.io/controller-managed-attach-detach": "true"}),
            spec=spec,
            status=NodeStatus(capacity=m.capacity(), allocatable=m.allocatable(),
                              addresses=[NodeAddress(**a) for a in m.addresses()],
                              node_info=self._node_info(), conditions=self._conditions(), images=self._images(),
                              daemon_endpoints={"kubeletEndpoint": {"Port": 10250}}),
        )

    def _node_info(self) -> NodeSystemInfo:
        m = self.machine
        h = f"{hash_name(m.name + '/boot') % (16**8):08x}"
        return NodeSystemInfo(machine_id=f"{m.name}-machine", system_uuid=f"{m.name}-uuid", boot_id=h,
                              kernel_version=m.kernel_version(), os_image=m.os_image(),
                              container_runtime_version="containerd://1.7.24", kubelet_version=KUBELET_VERSION,
                              kube_proxy_version="", operating_system="linux", architecture="amd64")

    def _conditions(self, prev: Optional[list[NodeCondition]] = None) -> list[NodeCondition]:
        now = rfc3339(self.sim.now)
        old = {c.type: c for c in prev or ()}
        out = []
        specs = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        for typ, status, reason, msg in specs:
            o = old.get(typ)
            ltt = o.last_transition_time if o is not None and o.status == status else now
            out.append(NodeCondition(type=typ, status=status, reason=reason, message=msg,
                                     last_heartbeat_time=now, last_transition_time=ltt))
        return out

    def _images(self) -> list[ContainerImage]:
        # node.status.images, biggest first (kubelet_node_status.go setNodeStatusImages)
        imgs = sorted(self.images.items(), key=lambda kv: (-kv[1], kv[0]))[:50]
        return [ContainerImage(names=[name], size_bytes=size) for name, size in imgs] or None

    def _register(self):
        while self.running and not self.registered:
            try:
                yield self.client.create(self._node_object())
                self.registered = True
                self.recorder.event(self._node_ref(), "Normal", "Starting", "Starting kubelet.")
                self.recorder.event(self._node_ref(), "Normal", "NodeReady",
                                    f"Node {self.node_name} status is now: NodeReady")
            except errors.StatusError as exc:
                if errors.is_already_exists(exc):
                    self.registered = True  # a restart: the Node object is still there
                else:
                    yield self.sim.timeout(7.0)  # kubelet_node_status.go registration retry
            except Exception:  # noqa: BLE001 — no API server reachable yet
                yield self.sim.timeout(7.0)
        if not self.running:
            return
        self._node_status_dirty = True
        self._latest_lease = None  # a new lease controller: its first sync gets or creates the lease
        self._lease_timer = self.sim.every(LEASE_RENEW_INTERVAL, self._renew_lease)
        self._status_timer = self.sim.every(NODE_STATUS_UPDATE_FREQUENCY, self._maybe_post_status)
        self._renew_lease()
        self._maybe_post_status()
        self.informer = SharedInformer(self.client, Pod, field_selector=f"spec.nodeName={self.node_name}")
        self.informer.add_event_handler(self._on_pod, lambda old, new: self._on_pod(new), self._on_pod_deleted)
        self.informer.start()
        if self.static_pods:
            self.sim.spawn(self._mirror_pods_once_synced(self.informer), name=f"kubelet/{self.node_name}/mirror-pods")

    # -- static pods and their mirror pods ----------------------------------------------------
    def _static_pod(self, manifest: Pod) -> Pod:
        """pkg/kubelet/config/common.go applyDefaults for a file source: the name gets
        ``-<node>``, the UID and ``kubernetes.io/config.hash`` are the file's hash, the pod is
        bound to this node, tolerates every NoExecute taint (not evicted when the node has
        problems) and is ``kubernetes.io/config.source: file``."""
        pod = Pod.model_validate(manifest) if isinstance(manifest, dict) else manifest.copy_deep()
        meta = pod.metadata
        meta.name = f"{meta.name}-{self.node_name.lower()}"
        meta.namespace = meta.namespace or "default"
        h = f"{hash_name(f'host:{self.node_name}/file:{meta.name}/{pod.model_dump_json()}'):016x}"
        h = (h * 2)[:32]
        ann = dict(meta.annotations or {})
        ann["kubernetes.io/config.hash"] = h
        ann["kubernetes.io/config.source"] = "file"
        meta.annotations = ann
        pod.spec.node_name = self.node_name
        tols = list(pod.spec.tolerations or [])
        if not any(t.operator == "Exists" and not t.key and t.effect == "NoExecute" for t in tols):
            from kubelab.api.core import Toleration

            tols.append(Toleration(operator="Exists", effect="NoExecute"))
        pod.spec.tolerations = tols
        return pod

    def _mirror_pod(self, static: Pod, node_uid: str) -> Pod:
        """pkg/kubelet/pod/mirror_client.go CreateMirrorPod: a copy of the static pod whose
        ``kubernetes.io/config.mirror`` annotation holds its hash, owned by the Node."""
        pod = static.copy_deep()
        ann = dict(pod.metadata.annotations)
        ann["kubernetes.io/config.mirror"] = ann["kubernetes.io/config.hash"]
        ann["kubernetes.io/config.seen"] = rfc3339_micro(self.started_at).replace("Z", "000Z")
        pod.metadata.annotations = ann
        pod.metadata.owner_references = [OwnerReference(api_version="v1", kind="Node", name=self.node_name,
                                                        uid=node_uid, controller=True)]
        return pod

    def _mirror_pods_once_synced(self, informer):
        yield informer.wait_for_sync()
        if self.informer is informer:
            yield from self._sync_mirror_pods()

    def _sync_mirror_pods(self):
        """The pod workers' mirror-pod step (kubelet.go SyncPod): a static pod without its
        mirror pod in the API gets one (again, if someone deleted it)."""
        if not self.static_pods or self.informer is None or not self.informer.has_synced():
            return
        missing = [s for s in self.static_pods if self.informer.get(s.key()) is None]
        if not missing:
            return
        try:
            node = yield self.client.get(Node, self.node_name, None)
        except Exception:  # noqa: BLE001 — retried on the next period
            return
        for s in missing:
            try:
                yield self.client.create(self._mirror_pod(s, node.metadata.uid))
            except Exception:  # noqa: BLE001 — exists already, or unreachable: next period
                pass

    def _node_ref(self) -> Node:
        return Node(metadata=ObjectMeta(name=self.node_name, uid=self.node_name))

    def _renew_lease(self) -> None:
        if not self.running or self.hung:
            return
        self.sim.spawn(self._renew_lease_once(), name=f"kubelet/{self.node_name}/lease")

    def _renew_lease_once(self):
        """The node lease controller's sync (component-helpers/apimachinery/lease/controller.go):
        update the lease it last wrote, assuming nobody else changed it ("Thanks to it we avoid
        GET call and reduce load on etcd and kube-apiserver"); on failure, get or create it."""
        now = self.sim.now
        if self._latest_lease is not None:
            try:
                self._latest_lease = yield self.client.update(self._renewed_lease(self._latest_lease, now))
                return
            except Exception:  # noqa: BLE001 — "failed to update lease using latest lease, fallback to ensure lease"
                self._latest_lease = None
        try:
            lease = yield self.client.get(Lease, self.node_name, "kube-node-lease")
            self._latest_lease = yield self.client.update(self._renewed_lease(lease, now))
        except errors.StatusError as exc:
            if errors.is_not_found(exc):
                lease = Lease(metadata=ObjectMeta(name=self.node_name, namespace="kube-node-lease"),
                              spec=LeaseSpec(holder_identity=self.node_name,
                                             lease_duration_seconds=NODE_LEASE_DURATION,
                                             renew_time=rfc3339_micro(now)))
                try:
                    self._latest_lease = yield self.client.create(lease)
                except Exception:  # noqa: BLE001
                    pass
        except Exception:  # noqa: BLE001 — the API server is unreachable: try next period
            pass

    def _renewed_lease(self, base: Lease, now: float) -> Lease:
        """The lease controller's newLease(base): a copy held by this node, renewed now."""
        new = base.copy_deep()
        new.spec.renew_time = rfc3339_micro(now)
        new.spec.holder_identity = self.node_name
        return new

    def _maybe_post_status(self) -> None:
        if not self.running or self.hung:
            return
        if self.static_pods:
            self.sim.spawn(self._sync_mirror_pods(), name=f"kubelet/{self.node_name}/mirror-pods")
        if self._node_status_dirty or self.sim.now - self._last_status_post >= NODE_STATUS_REPORT_FREQUENCY:
            self._node_status_dirty = False
            self._last_status_post = self.sim.now
            self.sim.spawn(self._post_status(), name=f"kubelet/{self.node_name}/status")

    def _post_status(self):
        try:
            node = yield self.client.get(Node, self.node_name, None)
            self.pod_cidr = node.spec.pod_cidr or self.pod_cidr
            new = node.copy_deep()
            st = new.status
            st.conditions = self._conditions(node.status.conditions)
            st.capacity, st.allocatable = self.machine.capacity(), self.machine.allocatable()
            st.images = self._images()
            st.node_info = self._node_info()
            yield self.client.update_status(new)
        except Exception:  # noqa: BLE001 — retried on the next period
            self._node_status_dirty = True

    # -- pods -----------------------------------------------------------------------------
    def _on_pod(self, pod: Pod) -> None:
        if not self.running:
            return
        rp = self.pods.get(pod.metadata.uid)
        if rp is not None:
            rp.pod = pod
        if pod.metadata.deletion_timestamp is not None:
            if rp is None:
                # never started here (or already stopped): finish the deletion
                self.sim.spawn(self._finish_delete(pod, None), name=f"kubelet/{self.node_name}/delete")
            elif not rp.stopping:
                rp.stopping = True
                self.sim.spawn(self._kill_pod(pod, rp), name=f"kubelet/{self.node_name}/kill")
            return
        if rp is None and pod.status.phase not in ("Succeeded", "Failed"):
            if self.hung:
                self.sim.call_later(1.0, self._on_pod_latest, pod.key())
                return
            rp = _RunningPod(pod.metadata.uid, pod.key(), self._next_ip_seq(), pod)
            rp.inits = {c.name: _InitContainer(c) for c in pod.spec.init_containers or ()}
            self.pods[pod.metadata.uid] = rp
            rp.proc = self.sim.spawn(self._sync_pod(pod, rp), name=f"kubelet/{self.node_name}/pod/{pod.metadata.name}")

    def _on_pod_latest(self, key: str) -> None:
        if self.informer is not None:
            pod = self.informer.get(key)
            if pod is not None:
                self._on_pod(pod)

    def _on_pod_deleted(self, pod: Any) -> None:
        pod = tombstone_object(pod)
        rp = self.pods.pop(pod.metadata.uid, None)
        if rp is not None:
            rp.stop_probes()
            rp.kill_sidecars()
            if rp.proc is not None:
                rp.proc.kill()
        self._stop_logs(pod.metadata.uid)
        self.logs.pop(pod.metadata.uid, None)  # the pod's log directory goes with it

    def _next_ip_seq(self) -> int:
        self._ip_seq = self._ip_seq % 253 + 1
        return self._ip_seq + 1

    def _pod_ip(self, seq: int) -> str:
        """The CNI's address for a pod: host ``seq`` of the node's podCIDR (host-local IPAM)."""
        net = ipaddress.ip_network(self.pod_cidr, strict=False)
        return str(net.network_address + seq % max(2, net.num_addresses - 1))

    def _network_ready(self, pod: Pod):
        """The pod network needs the Node's podCIDR (flannel writes it to subnet.env): learn
        it from the API server; without one, the sandbox fails as it does with flannel."""
        while self.pod_cidr is None:
            try:
                node = yield self.client.get(Node, self.node_name, None)
                self.pod_cidr = node.spec.pod_cidr
            except Exception:  # noqa: BLE001 — the API server is unreachable: try again
                pass
            if self.pod_cidr is None:
                self.recorder.event(pod, "Warning", "FailedCreatePodSandBox",
                                    'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup '
                                    'network for sandbox: plugin type="flannel" failed (add): loadFlannelSubnetEnv '
                                    'failed: open /run/flannel/subnet.env: no such file or directory')
                yield self.sim.timeout(10.0)

    def _wait_for_volumes(self, pod: Pod, rp: _RunningPod):
        """volumemanager WaitForAttachAndMount: a pod's PersistentVolumeClaims must be bound
        before its containers start (desired_state_of_world_populator getPVCExtractPV refuses
        a claim that is not Bound). The kubelet keeps trying; after the 2 min timeout it
        reports FailedMount and goes on waiting."""
        names = [(v.name, v.persistent_volume_claim.get("claimName", "")) for v in pod.spec.volumes or ()
                 if v.persistent_volume_claim]
        if not names:
            return
        ns = pod.metadata.namespace
        waited = 0.0
        while not rp.done and self.running:
            pending = []
            for vol, claim in names:
                try:
                    pvc = yield self.client.get(PersistentVolumeClaim, claim, ns)
                except Exception:  # noqa: BLE001 — not found, or the API server is unreachable
                    pvc = None
                if pvc is None or pvc.status.phase != "Bound" or not pvc.spec.volume_name:
                    pending.append(vol)
            if not pending:
                return
            if waited >= 120.0:
                unmounted = " ".join(sorted(pending))
                self.recorder.event(pod, "Warning", "FailedMount",
                                    f"Unable to attach or mount volumes: unmounted volumes=[{unmounted}], "
                                    f"unattached volumes=[{unmounted}], failed to process volumes=[{unmounted}]: "
                                    "timed out waiting for the condition")
                waited = 0.0
            yield self.sim.timeout(2.0)
            waited += 2.0

    def _used_by_others(self, uid: str) -> dict[str, int]:
        used: dict[str, int] = {"pods": 0}
        if self.informer is None:
            return used
        for p in self.informer.store.values():
            if p.metadata.uid == uid or p.status.phase in ("Succeeded", "Failed") or p.metadata.uid not in self.pods:
                continue
            used["pods"] += 1
            for k, v in pod_requests(p).items():
                used[k] = used.get(k, 0) + v
        return used

    def _admit(self, pod: Pod) -> Optional[tuple[str, str]]:
        """lifecycle/predicate.go: the kubelet's own resource check, as GeneralPredicates."""
        alloc = {k: quantity_value(k, v) for k, v in self.machine.allocatable().items()}
        used = self._used_by_others(pod.metadata.uid)
        req = pod_requests(pod)  # millicores for cpu, bytes / counts for the rest
        req["pods"] = 1
        for res in ("cpu", "memory", "pods", "ephemeral-storage"):
            if res not in req:
                continue
            if used.get(res, 0) + req[res] > alloc.get(res, 0):
                # e.g. "Node didn't have enough resource: cpu, requested: 500, used: 3800, capacity: 4000"
                msg = (f"Pod was rejected: Node didn't have enough resource: {res}, requested: {req[res]}, "
                       f"used: {used.get(res, 0)}, capacity: {alloc.get(res, 0)}")
                return f"OutOf{res}", msg
        return None

    def _sync_pod(self, pod: Pod, rp: _RunningPod):
        """The pod worker: admit, sandbox, images, containers, then watch them run."""
        ref = pod
        rejected = self._admit(pod)
        if rejected is not None:
            reason, msg = rejected
            self.recorder.event(ref, "Warning", reason, msg)
            yield from self._update_status(pod.key(), lambda p: self._set_failed(p, reason, msg))
            rp.done = True
            return
        if pod.spec.host_network:
            rp.ip = self.machine.internal_ip()  # the node's network namespace: the node's IP
        elif isinstance(rp.ip, int):
            yield from self._network_ready(pod)
            rp.ip = self._pod_ip(rp.ip)
        start_time = self.sim.now
        self._start_probe_workers(pod, rp)  # prober_manager AddPod: workers tick from admission on
        # PodReadyToStartContainers: sandbox and network up (~0.5-1 s with a CNI)
        yield from self._update_status(pod.key(), lambda p: self._mark_initializing(p, start_time, rp))
        yield from self._wait_for_volumes(pod, rp)
        yield self.sim.timeout(0.5 + 0.5 * self._rng.random())
        yield from self._update_status(pod.key(), lambda p: self._ready_to_start(p))
        if pod.spec.init_containers:
            ok = yield from self._run_init_containers(pod, rp)
            if not ok:
                return
        containers = list(pod.spec.containers)
        for c in containers:
            ref_path = f"spec.containers{{{c.name}}}"
            image = c.image or ""
            norm = normalise_image(image)
            policy = c.image_pull_policy or "IfNotPresent"
            if policy == "Never" and norm not in self.images:
                msg = f'Container image "{image}" is not present with pull policy of Never'
                self.recorder.event(ref, "Warning", "ErrImageNeverPull", msg, ref_path)
                yield from self._update_status(pod.key(), lambda p, n=c.name: self._waiting(p, n, "ErrImageNeverPull", msg))
                rp.done = True
                return
            yield from self._ensure_image_exists(ref, c, ref_path)
            self.recorder.event(ref, "Normal", "Created", f"Created container: {c.name}", ref_path)
            yield self.sim.timeout(0.05)
            cid = f"containerd://{self._rng.getrandbits(256):064x}"
            rp.containers[c.name] = {"id": cid, "started_at": self.sim.now, "image": norm, "running": True}
            self.recorder.event(ref, "Normal", "Started", f"Started container {c.name}", ref_path)
            self._start_log(pod, c, cid)
        rp.started = True
        pod = ref = containers = c = None  # the worker runs on with rp.pod, not this version
        yield from self._run(rp)

    # -- init containers and sidecars (kuberuntime_manager.go computePodActions,
    # kuberuntime_container.go computeInitContainerActions)
    def _run_init_containers(self, pod: Pod, rp: _RunningPod):
        """Init containers run one at a time, in order: a regular one must exit 0 before the
        next starts; a failed one is restarted with the crash-loop back-off, or, with the pod's
        restartPolicy Never, fails the pod. A restartable one (a native sidecar) is left
        running: the next starts once it has *started* (its startup probe succeeded, or it
        has none). False when the pod will not get to its app containers."""
        key = pod.key()
        policy = pod.spec.restart_policy or "Always"
        for c in pod.spec.init_containers or ():
            r = rp.inits[c.name]
            backoff = 0.0
            while True:
                if not (yield from self._start_init(pod, rp, r)):
                    rp.done = True
                    return False
                if r.restartable:
                    r.proc = self.sim.spawn(self._run_sidecar(pod, rp, r),
                                            name=f"kubelet/{self.node_name}/sidecar/{pod.metadata.name}/{c.name}")
                    while not self._sidecar_initialized(rp, r):
                        r.started_ev = self.sim.event()
                        yield r.started_ev
                    break
                began = self.sim.now
                _why, code = yield r.exit
                self._init_exited(pod, rp, r, code)
                if code == 0:
                    yield from self._update_status(key, lambda p: self._mark_inits(p, rp))
                    break
                if policy == "Never":
                    # getPhase: a failed init container under restartPolicy Never fails the pod;
                    # computePodActions kills what still runs (the sidecars started before it)
                    yield from self._stop_sidecars(pod, rp)
                    yield from self._update_status(key, lambda p: self._mark_inits(p, rp, phase="Failed"))
                    rp.done = True
                    rp.stop_probes()
                    return False
                yield from self._update_status(key, lambda p: self._mark_inits(p, rp))  # Init:Error
                if self.sim.now - began >= 600:
                    backoff = 0.0
                yield from self._back_off(pod, rp, r, backoff)
                backoff = 10.0 if backoff == 0 else min(backoff * 2, 300.0)
                r.restarts += 1
        return True

    def _start_init(self, pod: Pod, rp: _RunningPod, r: _InitContainer):
        """startContainer for an init container: image, Created, Started, its exit armed."""
        c = r.spec
        ref_path = f"spec.initContainers{{{c.name}}}"
        image = c.image or ""
        norm = normalise_image(image)
        if (c.image_pull_policy or "IfNotPresent") == "Never" and norm not in self.images:
            msg = f'Container image "{image}" is not present with pull policy of Never'
            self.recorder.event(pod, "Warning", "ErrImageNeverPull", msg, ref_path)
            r.waiting = ("ErrImageNeverPull", msg)
            yield from self._update_status(pod.key(), lambda p: self._mark_inits(p, rp))
            return False
        yield from self._ensure_image_exists(pod, c, ref_path)
        self.recorder.event(pod, "Normal", "Created", f"Created container: {c.name}", ref_path)
        yield self.sim.timeout(0.05)
        r.id = f"containerd://{self._rng.getrandbits(256):064x}"
        r.started_at, r.image, r.running, r.waiting, r.term = self.sim.now, norm, True, None, None
        for kind in (prober.STARTUP, prober.READINESS):  # results are per container ID: a new one has none
            if (c.name, kind) in rp.results:
                rp.results[(c.name, kind)] = prober.INITIAL[kind]
        r.exit = exit_ev = self.sim.event()
        self.recorder.event(pod, "Normal", "Started", f"Started container {c.name}", ref_path)
        log = self._start_log(pod, c, r.id)
        ann = pod.metadata.annotations or {}
        code = ann.get(f"{EXIT_CODE}.{c.name}")
        run_for = ann.get(f"{RUN_SECONDS}.{c.name}")
        if run_for is not None:
            self.sim.call_later(float(run_for), self._exited, exit_ev, "exited", int(code or 0))
        elif not r.restartable:
            # a regular init container exits when its program ends, with its status
            def ended(ev, exit_ev=exit_ev):
                status = ev._value if ev.ok else None
                if status is not None and not exit_ev.triggered:
                    exit_ev.succeed(("exited", int(code) if code is not None else int(status)))
            log.writer.add_callback(ended)
        mutate = (lambda p: self._mark_running(p, rp)) if rp.started else (lambda p: self._mark_inits(p, rp))
        yield from self._update_status(pod.key(), mutate)
        self._trigger_readiness(rp)
        return True

    def _init_started(self, rp: _RunningPod, r: _InitContainer) -> bool:
        """A sidecar counts as started once running with its startup probe passed (or none)."""
        return r.running and rp.results.get((r.name, prober.STARTUP), prober.SUCCESS) == prober.SUCCESS

    def _sidecar_initialized(self, rp: _RunningPod, r: _InitContainer) -> bool:
        """computeInitContainerActions: the next init container starts once the sidecar has
        started and, when it has a liveness probe, that probe has a result for this container
        (its worker has seen it: "If the liveness probe has not been run, wait for it")."""
        if not self._init_started(rp, r):
            return False
        return all(w.container_id == r.id for w in rp.workers
                   if w.kind == prober.LIVENESS and w.container.name == r.name)

    def _init_exited(self, pod: Pod, rp: _RunningPod, r: _InitContainer, code: int) -> None:
        self._stop_logs(rp.uid, {r.name})
        r.running = False
        r.term = ContainerStateTerminated(exit_code=code, reason="Completed" if code == 0 else "Error",
                                          container_id=r.id, started_at=rfc3339(r.started_at),
                                          finished_at=rfc3339(self.sim.now))

    def _back_off(self, pod: Pod, rp: _RunningPod, r: _InitContainer, backoff: float):
        """Before restarting an init container: CrashLoopBackOff while the back-off runs."""
        r.last = r.term
        if backoff <= 0:
            return
        who = f"{pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})"  # format.Pod
        r.waiting = ("CrashLoopBackOff",
                     f"back-off {_go_duration_long(backoff)} restarting failed container={r.name} pod={who}")
        self.recorder.event(pod, "Warning", "BackOff", f"Back-off restarting failed container {r.name} in pod {who}",
                            f"spec.initContainers{{{r.name}}}")
        mutate = (lambda p: self._mark_running(p, rp)) if rp.started else (lambda p: self._mark_inits(p, rp))
        yield from self._update_status(pod.key(), mutate)
        yield self.sim.timeout(backoff)

    def _run_sidecar(self, pod: Pod, rp: _RunningPod, r: _InitContainer):
        """A restartable init container runs beside the app: whenever it exits it is started
        again, whatever the pod's restartPolicy, with the same back-off as any container."""
        backoff = 0.0
        while True:
            began = r.started_at
            _why, code = yield r.exit
            self._init_exited(pod, rp, r, code)
            if r.stopping or rp.done or not self.running:
                return
            mutate = (lambda p: self._mark_running(p, rp)) if rp.started else (lambda p: self._mark_inits(p, rp))
            yield from self._update_status(pod.key(), mutate)
            if self.sim.now - began >= 600:
                backoff = 0.0
            yield from self._back_off(pod, rp, r, backoff)
            backoff = 10.0 if backoff == 0 else min(backoff * 2, 300.0)
            if r.stopping or rp.done:
                return
            r.restarts += 1
            if not (yield from self._start_init(pod, rp, r)):
                return

    def _kill_delay(self, pod: Pod, c: Any, grace: Optional[int] = None) -> tuple[float, int]:
        """How long a container takes to die on SIGTERM, and its exit code: servers exit at
        once (0); a shell as PID 1 ignores it and is killed when the grace period ends (137)."""
        if prober.image_base(c.image or "") in prober.WELL_KNOWN:
            return 0.2 + 0.3 * self._rng.random(), 0
        if grace is None:
            grace = pod.spec.termination_grace_period_seconds
        return float(30 if grace is None else grace), 137

    def _stop_sidecars(self, pod: Pod, rp: _RunningPod):
        """killContainersWithSyncResult: after the regular containers, the restartable init
        containers are stopped one at a time, in reverse order."""
        for r in rp.inits.values():
            r.stopping = True
        for r in reversed(list(rp.inits.values())):
            if not r.restartable or not r.running:
                continue
            self.recorder.event(pod, "Normal", "Killing", f"Stopping container {r.name}",
                                f"spec.initContainers{{{r.name}}}")
            delay, code = self._kill_delay(pod, r.spec)
            if r.exit is not None and not r.exit.triggered:
                self.sim.call_later(delay, self._exited, r.exit, "killed", code)
                yield r.exit
            if r.running:  # its supervising process was not there to record it
                self._init_exited(pod, rp, r, code)

    def _run(self, rp: _RunningPod):
        """The containers run until they exit (``sim.kubelab.io/run-seconds``) or a liveness
        or startup probe fails; the restart policy decides what next. Restarts back off as
        the kubelet's do (pkg/kubelet/kuberuntime and kubelet.go: the first restart at once,
        then 10 s doubling up to 5 min, reset after a container has run for 10 min), showing
        CrashLoopBackOff while waiting. It holds no pod object while it waits: it reads
        ``rp.pod``, the newest version the kubelet has seen."""
        pod = rp.pod
        ann = pod.metadata.annotations or {}
        ready_after = float(ann.get(START_SECONDS, 0) or 0)
        run_for = ann.get(RUN_SECONDS)
        if run_for is None and pod.spec.restart_policy in ("Never", "OnFailure"):
            run_for = 5  # batch work with no stated duration finishes after a few seconds
        code = int(ann.get(EXIT_CODE, 0))
        policy = pod.spec.restart_policy or "Always"
        backoff = 0.0
        who = f"{pod.metadata.name}_{pod.metadata.namespace}({pod.metadata.uid})"  # format.Pod
        key = rp.key
        pod = ann = None
        while True:
            rp.exit = exit_ev = self.sim.event()
            rp.killing = False
            began = self.sim.now
            rp.app_up_at = began + ready_after
            timers = []
            if run_for is not None:
                timers.append(self.sim.call_later(float(run_for), self._exited, exit_ev, "exited", code))
            if ready_after > 0:  # the app finishes starting: status (and readiness) may change
                timers.append(self.sim.call_later(ready_after, self._refresh_status, rp))
            yield from self._update_status(key, lambda p: self._mark_running(p, rp))
            self._trigger_readiness(rp)
            why, exit_code = yield exit_ev
            for t in timers:
                t.cancel()
            self._stop_logs(rp.uid, {c.name for c in rp.pod.spec.containers})
            ran = self.sim.now - began
            if policy == "Never" or (policy == "OnFailure" and exit_code == 0):
                if any(r.running for r in rp.inits.values()):
                    # computePodActions: the regular containers are done and will not restart, so
                    # the pod is killed, sidecars included; they do not keep it from completing
                    yield from self._update_status(key, lambda p: self._mark_terminated(p, rp, exit_code, final=False))
                    yield from self._stop_sidecars(rp.pod, rp)
                for r in rp.inits.values():  # one waiting out a back-off is not started again
                    r.stopping, r.waiting = True, None
                yield from self._update_status(key, lambda p: self._mark_terminated(p, rp, exit_code))
                rp.done = True
                rp.stop_probes()
                return
            if ran >= 600:
                backoff = 0.0
            reason = "Completed" if exit_code == 0 else "Error"
            rp.last_state = {
                name: ContainerStateTerminated(exit_code=exit_code, reason=reason, container_id=info["id"],
                                               started_at=rfc3339(info["started_at"]), finished_at=rfc3339(self.sim.now))
                for name, info in rp.containers.items()}
            for name in rp.containers:
                rp.containers[name]["running"] = False
            if backoff > 0:
                for c in rp.pod.spec.containers:
                    msg = f"back-off {_go_duration_long(backoff)} restarting failed container={c.name} pod={who}"
                    self.recorder.event(rp.pod, "Warning", "BackOff",
                                        f"Back-off restarting failed container {c.name} in pod {who}",
                                        f"spec.containers{{{c.name}}}")
                    yield from self._update_status(key, lambda p, n=c.name, m=msg: self._crash_looping(p, rp, n, m))
                yield self.sim.timeout(backoff)
            backoff = 10.0 if backoff == 0 else min(backoff * 2, 300.0)
            rp.restarts += 1
            for c in rp.pod.spec.containers:
                ref_path = f"spec.containers{{{c.name}}}"
                # every start goes through EnsureImageExists: imagePullPolicy Always pulls again
                yield from self._ensure_image_exists(rp.pod, c, ref_path)
                self.recorder.event(rp.pod, "Normal", "Created", f"Created container: {c.name}", ref_path)
                rp.containers[c.name] = {"id": f"containerd://{self._rng.getrandbits(256):064x}",
                                         "started_at": self.sim.now, "image": normalise_image(c.image or ""),
                                         "running": True}
                self.recorder.event(rp.pod, "Normal", "Started", f"Started container {c.name}", ref_path)
                self._start_log(rp.pod, c, rp.containers[c.name]["id"])
            c = None

    @staticmethod
    def _exited(ev, why: str, code: int) -> None:
        if not ev.triggered:
            ev.succeed((why, code))

    # -- probes (pkg/kubelet/prober) --------------------------------------------------------
    def _start_probe_workers(self, pod: Pod, rp: _RunningPod) -> None:
        """prober_manager.go AddPod: a worker per container and probe kind."""
        rp.stop_probes()
        sidecars = [c for c in pod.spec.init_containers or () if c.restart_policy == "Always"]
        for c in sidecars + list(pod.spec.containers):
            for kind in (prober.STARTUP, prober.READINESS, prober.LIVENESS):
                spec = getattr(c, prober.FIELD[kind])
                if not spec:
                    continue
                probe = prober.Probe.parse(spec)
                recent = probe.period > self.sim.now - self.started_at
                jitter = self._rng.random() * probe.period if recent else None
                rp.results[(c.name, kind)] = prober.INITIAL[kind]
                rp.workers.append(prober.ProbeWorker(self.sim, _ProbeHost(self, rp), rp.uid, c, kind, probe, jitter))

    def _trigger_readiness(self, rp: _RunningPod) -> None:
        """The status manager triggers a readiness probe for a running, unready container."""
        for w in rp.workers:
            if w.kind == prober.READINESS:
                w.trigger()

    def _refresh_status(self, rp: _RunningPod) -> None:
        if rp.done or not self.running:
            return
        self._trigger_readiness(rp)
        self.sim.spawn(self._update_status(rp.key, lambda p: self._mark_running(p, rp)),
                       name=f"kubelet/{self.node_name}/probe-status")

    def _probe_failed(self, pod: Pod, rp: _RunningPod, w: prober.ProbeWorker) -> None:
        """A liveness or startup failure: kill the container so that it is restarted
        (kuberuntime_manager.go computePodActions, killContainer)."""
        r = rp.inits.get(w.container.name)
        if r is not None:  # a sidecar: only it is restarted
            if r.stopping or r.exit is None or r.exit.triggered:
                return
            # computeInitContainerActions words it so (no ", will be restarted" for init containers)
            self.recorder.event(pod, "Normal", "Killing", f"Init container {r.name} failed {w.kind} probe",
                                f"spec.initContainers{{{r.name}}}")
            delay, code = self._kill_delay(pod, r.spec, w.spec.termination_grace)
            self.sim.call_later(delay, self._exited, r.exit, "killed", code)
            return
        if rp.killing or rp.exit is None or rp.exit.triggered:
            return
        rp.killing = True
        name = w.container.name
        self.recorder.event(pod, "Normal", "Killing",
                            f"Container {name} failed {w.kind} probe, will be restarted", f"spec.containers{{{name}}}")
        delay, code = self._kill_delay(pod, w.container, w.spec.termination_grace)
        self.sim.call_later(delay, self._exited, rp.exit, "killed", code)

    def _ensure_image_exists(self, ref, c, ref_path: str):
        """pkg/kubelet/images/image_manager.go EnsureImageExists, run before every container
        start: pull when the policy is Always or the image is missing (Pulling, then Pulled
        with the time it took), else report it present."""
        image = c.image or ""
        norm = normalise_image(image)
        policy = c.image_pull_policy or "IfNotPresent"
        if policy == "Always" or norm not in self.images:
            self.recorder.event(ref, "Normal", "Pulling", f'Pulling image "{image}"', ref_path)
            queued = self.sim.now
            pulled = 0.3 if norm in self.images else self._pull_seconds(norm)
            yield self._pull(norm)
            took = self.sim.now - queued
            size = self.images[norm]
            self.recorder.event(ref, "Normal", "Pulled",
                                f'Successfully pulled image "{image}" in {_go_duration(pulled)} '
                                f"({_go_duration(took)} including waiting). Image size: {size} bytes.", ref_path)
        else:
            self.recorder.event(ref, "Normal", "Pulled", f'Container image "{image}" already present on machine', ref_path)

    def _pull(self, image: str):
        ev = self.sim.event()
        self._pull_queue.append((image, ev))
        if not self._pulling:
            self.sim.spawn(self._puller(), name=f"kubelet/{self.node_name}/puller")
        return ev

    def _pull_seconds(self, image: str) -> float:
        size = image_size(image)
        return 0.3 + size / self.machine.pull_bandwidth

    def _puller(self):
        self._pulling = True
        while self._pull_queue:
            image, ev = self._pull_queue.popleft()
            # a present image (pull policy Always) costs only the registry round trip
            yield self.sim.timeout(0.3 if image in self.images else self._pull_seconds(image))
            if image not in self.images:
                self.images[image] = image_size(image)
                self._node_status_dirty = True
            ev.succeed(None)
        self._pulling = False

    def _kill_pod(self, pod: Pod, rp: _RunningPod):
        rp.stop_probes()  # worker.go: a pod being deleted is no longer probed
        for c in pod.spec.containers:
            if c.name in rp.containers:
                self.recorder.event(pod, "Normal", "Killing", f"Stopping container {c.name}",
                                    f"spec.containers{{{c.name}}}")
        for r in reversed(list(rp.inits.values())):  # then the sidecars, in reverse order
            if r.running:
                self.recorder.event(pod, "Normal", "Killing", f"Stopping container {r.name}",
                                    f"spec.initContainers{{{r.name}}}")
        rp.kill_sidecars()
        if rp.proc is not None:
            rp.proc.kill()
        self._stop_logs(rp.uid)
        grace = pod.metadata.deletion_grace_period_seconds or 0
        # containers exit on SIGTERM quickly; the grace period is an upper bound
        yield self.sim.timeout(min(float(grace), 0.5 + self._rng.random()))
        yield from self._finish_delete(pod, rp)

    def _finish_delete(self, pod: Pod, rp: Optional[_RunningPod]):
        self.pods.pop(pod.metadata.uid, None)
        self._stop_logs(pod.metadata.uid)
        self.logs.pop(pod.metadata.uid, None)
        try:
            yield self.client.delete(Pod, pod.metadata.name, pod.metadata.namespace, grace_period_seconds=0,
                                     preconditions={"uid": pod.metadata.uid})
        except Exception:  # noqa: BLE001 — already gone, or retried when the informer resyncs
            pass

    # -- container logs (pkg/kubelet/kuberuntime/logs, server.go getContainerLogs) -----------
    def _start_log(self, pod: Pod, c: Any, container_id: str) -> container_logs_mod.ContainerLog:
        """A container instance started: a new log file, and the process that prints into it.
        The kubelet keeps one dead instance per container (MaxPerPodContainer=1)."""
        files = self.logs.setdefault(pod.metadata.uid, {}).setdefault(c.name, [])
        log = container_logs_mod.ContainerLog(container_id, c.name)
        files.append(log)
        del files[:-2]
        cpus = max(1, parse_quantity(self.machine.capacity().get("cpu", "1")).value())
        steps = container_logs_mod.program(pod, c, self.sim, self.machine.kernel_version(), cpus)
        log.writer = self.sim.spawn(container_logs_mod.writer(self.sim, log, steps),
                                    name=f"kubelet/{self.node_name}/log/{pod.metadata.name}/{c.name}")
        return log

    def _log_probe_request(self, rp: _RunningPod, w: prober.ProbeWorker, result: str, output: str) -> None:
        """nginx logs every request it answers, the kubelet's probes too (``kube-probe/1.34``),
        from the node's address on the pod network (the bridge's, the podCIDR's first)."""
        if container_logs_mod.image_base(w.container.image or "")[0] != "nginx":
            return
        files = self.logs.get(rp.uid, {}).get(w.container.name)
        if not files or not files[-1].running:
            return
        if result == prober.SUCCESS:
            status = 200
        elif output.startswith("HTTP probe failed with statuscode: "):
            status = int(output.rsplit(" ", 1)[1])
        else:
            return  # refused or timed out: nothing reached nginx's log
        log = files[-1]
        a = w.spec.action
        path = a.get("path") or "/"
        port = prober.resolve_port(w.container, a.get("port"))
        client = self.machine.internal_ip()
        if self.pod_cidr:
            client = str(next(ipaddress.ip_network(self.pod_cidr, strict=False).hosts()))
        now = self.sim.now
        log.requests += 1  # each probe is a new connection
        if status == 404:
            log.write(now, container_logs_mod.nginx_not_found(now, client, path, f"{rp.ip}:{port}", log.requests))
        log.write(now, container_logs_mod.nginx_access(now, client, "GET", path, status,
                                                        f"kube-probe/{KUBELET_VERSION.lstrip('v').rsplit('.', 1)[0]}"))

    def _stop_logs(self, uid: str, only: Optional[set[str]] = None) -> None:
        for name, files in self.logs.get(uid, {}).items():
            if only is not None and name not in only:
                continue
            for log in files:
                log.stop()

    def container_logs(self, pod: Pod, container: str, params: dict[str, Any]) -> Any:
        """``/containerLogs/{ns}/{pod}/{container}`` (server.go getContainerLogs): the text the
        options select, or with ``follow`` a :class:`~kubelab.node.logs.LogFollower`."""
        if pod.metadata.uid not in self.pods and pod.metadata.uid not in self.logs:
            raise errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                      "message": f'pod "{pod.metadata.name}" does not exist', "reason": "NotFound",
                                      "code": 404})
        log = self.container_log(pod, container, bool(params.get("previous")))
        since = params.get("sinceTime")
        if params.get("sinceSeconds") is not None:
            since = self.sim.now - float(params["sinceSeconds"])
        opts = container_logs_mod.LogOptions(params.get("tailLines"), since, bool(params.get("timestamps")),
                                             params.get("limitBytes"), bool(params.get("follow")))
        if log is None:
            log = container_logs_mod.ContainerLog("", container)
            log.running = False
        if opts.follow:
            return container_logs_mod.LogFollower(log, opts)
        return container_logs_mod.read_log(log, opts)

    def container_log(self, pod: Pod, container: str, previous: bool = False) -> Optional[container_logs_mod.ContainerLog]:
        """The log file ``kubectl logs`` reads: the running (or last terminated) instance, or
        with ``previous`` the one before it. Raises the kubelet's words as a 400 (they reach
        the user through the API server: validateContainerLogStatus in kubelet_pods.go)."""
        name = pod.metadata.name
        cs = next((s for s in list(pod.status.container_statuses or ()) + list(pod.status.init_container_statuses or ())
                   if s.name == container), None)
        if cs is None:
            raise errors.new_bad_request(f'container "{container}" in pod "{name}" is not available')
        state = cs.state or ContainerState()
        last = cs.last_state.terminated if cs.last_state is not None else None
        if previous:
            if last is None or not last.container_id:
                raise errors.new_bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
            cid = last.container_id
        elif state.running is not None:
            cid = cs.container_id
        elif state.terminated is not None:
            cid = state.terminated.container_id or (last.container_id if last is not None else None)
            if not cid:
                raise errors.new_bad_request(f'container "{container}" in pod "{name}" is terminated')
        elif last is not None:
            if not last.container_id:
                raise errors.new_bad_request(f'container "{container}" in pod "{name}" is terminated')
            cid = last.container_id
        elif state.waiting is not None:
            reason = state.waiting.reason or ""
            if reason == "ErrImagePull":
                reason = "image can't be pulled"
            elif reason == "ImagePullBackOff":
                reason = "trying and failing to pull image"
            raise errors.new_bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        else:
            raise errors.new_bad_request(f'container "{container}" in pod "{name}" is waiting to start - no logs yet')
        for log in self.logs.get(pod.metadata.uid, {}).get(container, ()):
            if log.container_id == cid:
                return log
        return None  # removed with its container: nothing to read

    # -- resource usage (what cAdvisor measures and /metrics/resource serves) ---------------
    CPU_USAGE = "sim.kubelab.io/cpu-usage"  # e.g. "350m": what the containers use, together
    MEMORY_USAGE = "sim.kubelab.io/memory-usage"
    SYSTEM_USAGE = {"cpu": 100, "memory": 600 * 1024 * 1024}  # kubelet, containerd, the OS: milli-cpu, bytes
    CPU_PER_REQUEST = "sim.kubelab.io/cpu-per-request"  # CPU one request/s costs, e.g. "2m"
    DEFAULT_CPU_PER_REQUEST = 1  # millicores per request/s: 1 ms of CPU time per request
    RATE_WINDOW = 10.0  # usage is a rate over this window, as cAdvisor's counters are differenced

    def receive_requests(self, key: str, count: int) -> bool:
        """``count`` requests reached the pod ``key`` ("ns/name") on this node. The app
        answers them if its containers run; their CPU shows in :meth:`pod_usage`. Returns
        whether anything answered (a stopped pod refuses the connection)."""
        rp = next((r for r in self.pods.values() if r.key == key), None)
        if rp is None or not rp.started or rp.done or not self.running:
            return False
        q = self._served.setdefault(key, deque())
        q.append((self.sim.now, count))
        while q and q[0][0] <= self.sim.now - self.RATE_WINDOW:
            q.popleft()
        return True

    def request_rate(self, key: str) -> float:
        """Requests per second the pod ``key`` answered over the last :attr:`RATE_WINDOW`."""
        q = self._served.get(key)
        if not q:
            return 0.0
        since = self.sim.now - self.RATE_WINDOW
        return sum(n for t, n in q if t > since) / self.RATE_WINDOW

    def pod_usage(self) -> dict[str, dict[str, int]]:
        """Usage of each running pod on this node, ``{"ns/name": {"cpu": millicores,
        "memory": bytes}}``. A pod uses what its annotations say, or a stable share (20-90 %)
        of its requests, or a little if it requests nothing."""
        out: dict[str, dict[str, int]] = {}
        if self.informer is None or self.hung:
            return out
        for rp in self.pods.values():
            pod = self.informer.get(rp.key)
            if pod is None or not rp.started or rp.done or pod.status.phase != "Running":
                continue
            ann = pod.metadata.annotations or {}
            base = self._usage_base.get(rp.uid)
            if base is None or base[0] is not pod:
                # the pod's own figures change only with the pod (informer objects are replaced,
                # never edited): computed once per version, not at every scrape
                req = pod_requests(pod)
                share = 0.2 + 0.7 * (hash_name(rp.uid + "/usage") % 1000) / 1000
                cpu = _milli(ann[self.CPU_USAGE]) if self.CPU_USAGE in ann else (
                    int(req.get("cpu", 0) * share) or 2 * len(pod.spec.containers))
                mem = _milli(ann[self.MEMORY_USAGE]) // 1000 if self.MEMORY_USAGE in ann else (
                    int(req.get("memory", 0) * share) or 8 * 1024 * 1024 * len(pod.spec.containers))
                if len(self._usage_base) > 2 * len(self.pods) + 16:
                    live = {r.uid for r in self.pods.values()}
                    self._usage_base = {u: b for u, b in self._usage_base.items() if u in live}
                base = self._usage_base[rp.uid] = (pod, cpu, mem)
            _, cpu, mem = base
            rate = self.request_rate(rp.key)
            if rate:
                per = float(self.DEFAULT_CPU_PER_REQUEST)  # millicores; a malformed annotation keeps it
                if self.CPU_PER_REQUEST in ann:
                    try:
                        per = parse_quantity(ann[self.CPU_PER_REQUEST]).as_approximate_float64() * 1000
                    except (ValueError, TypeError):
                        pass
                cpu += int(rate * per)
            out[rp.key] = {"cpu": cpu, "memory": mem}
        return out

    def node_usage(self, pods: Optional[dict[str, dict[str, int]]] = None) -> dict[str, int]:
        """The node's usage: the system's share plus its pods' (``pods`` is a :meth:`pod_usage`
        the caller already has)."""
        if pods is None:
            pods = self.pod_usage()
        return {"cpu": self.SYSTEM_USAGE["cpu"] + sum(u["cpu"] for u in pods.values()),
                "memory": self.SYSTEM_USAGE["memory"] + sum(u["memory"] for u in pods.values())}

    # -- status helpers -------------------------------------------------------------------
    def _update_status(self, key: str, mutate):
        """Read the latest pod from the cache, mutate a copy, write /status (retry on conflict)."""
        for _ in range(5):
            while self.hung and self.running:
                yield self.sim.timeout(1.0)
            if self.informer is None:
                return
            cur = self.informer.get(key)
            if cur is None or cur.metadata.deletion_timestamp is not None:
                return
            new = cur.copy_deep()
            if mutate(new) is False:
                return
            try:
                yield self.client.update_status(new)
                return
            except errors.StatusError as exc:
                if errors.is_conflict(exc):
                    yield self.sim.timeout(0.05)
                    continue
                if errors.is_not_found(exc):
                    return
                yield self.sim.timeout(1.0)
            except Exception:  # noqa: BLE001 — unreachable server: try again shortly
                yield self.sim.timeout(1.0)

    def _set_failed(self, p: Pod, reason: str, msg: str):
        p.status.phase = "Failed"
        p.status.reason = reason
        p.status.message = msg
        p.status.start_time = p.status.start_time or rfc3339(self.sim.now)

    def _mark_initializing(self, p: Pod, start_time: float, rp: _RunningPod):
        st = p.status
        st.start_time = rfc3339(start_time)
        st.host_ip = self.machine.internal_ip()
        st.host_ips = [PodIP(ip=st.host_ip)]
        update_pod_condition(p, "PodReadyToStartContainers", "False", self.sim.now)
        # convertToAPIContainerStatuses: the default waiting state is PodInitializing when the
        # pod has init containers (for them too), ContainerCreating otherwise
        waiting = "PodInitializing" if p.spec.init_containers else "ContainerCreating"
        st.container_statuses = [
            ContainerStatus(name=c.name, image=c.image or "", image_id="", ready=False, restart_count=0, started=False,
                            state=ContainerState(waiting=ContainerStateWaiting(reason=waiting)))
            for c in p.spec.containers
        ]
        self._set_init_statuses(p, rp)
        self._generate_conditions(p)

    def _ready_to_start(self, p: Pod):
        """The sandbox and its network are up: PodReadyToStartContainers True."""
        update_pod_condition(p, "PodReadyToStartContainers", "True", self.sim.now)
        self._generate_conditions(p)

    def _set_init_statuses(self, p: Pod, rp: _RunningPod) -> None:
        """initContainerStatuses (convertToAPIContainerStatuses, prober_manager UpdatePodStatus):
        started = running with its startup probe passed; a regular init container is ready once
        it exited 0, a sidecar once started and its readiness probe passes (or it has none)."""
        if not p.spec.init_containers:
            return
        out = []
        for c in p.spec.init_containers:
            r = rp.inits.get(c.name) or _InitContainer(c)
            if r.id is None:
                reason = r.waiting[0] if r.waiting else "PodInitializing"
                out.append(ContainerStatus(name=c.name, image=c.image or "", image_id="", ready=False,
                                           restart_count=0, started=False,
                                           state=ContainerState(waiting=ContainerStateWaiting(
                                               reason=reason, message=r.waiting[1] if r.waiting else None))))
                continue
            started = self._init_started(rp, r)
            if r.running:
                state = ContainerState(running=ContainerStateRunning(started_at=rfc3339(r.started_at)))
            elif r.waiting is not None:
                state = ContainerState(waiting=ContainerStateWaiting(reason=r.waiting[0], message=r.waiting[1]))
            else:
                state = ContainerState(terminated=r.term)
            if not r.restartable:
                ready = r.term is not None and not r.running and r.waiting is None and r.term.exit_code == 0
            elif not started:
                ready = False
            elif (c.name, prober.READINESS) in rp.results:
                ready = rp.results[(c.name, prober.READINESS)] == prober.SUCCESS
            else:
                ready = True
            out.append(ContainerStatus(
                name=c.name, image=c.image or "", image_id=f"{r.image.rsplit(':', 1)[0]}@sha256:{hash_name(r.image):016x}",
                container_id=r.id, ready=ready, restart_count=r.restarts, started=started, state=state,
                last_state=ContainerState(terminated=r.last) if r.last is not None else None))
        p.status.init_container_statuses = out

    def _mark_inits(self, p: Pod, rp: _RunningPod, phase: Optional[str] = None):
        """Status while the init containers run: the pod stays Pending (getPhase) unless one failed
        under restartPolicy Never."""
        self._set_init_statuses(p, rp)
        if phase is not None:
            p.status.phase = phase
            if phase == "Failed":
                update_pod_condition(p, "PodReadyToStartContainers", "False", self.sim.now)
        self._generate_conditions(p)

    _KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")

    def _generate_conditions(self, p: Pod) -> None:
        """pkg/kubelet/status/generate.go: Initialized, Ready and ContainersReady from the
        container statuses and the phase; then generateAPIPodStatus's order: conditions the
        kubelet does not own first, then PodReadyToStartContainers, Initialized, Ready,
        ContainersReady, PodScheduled."""
        st, spec = p.status, p.spec
        phase = st.phase or "Pending"
        statuses = {cs.name: cs for cs in list(st.init_container_statuses or ()) + list(st.container_statuses or ())}
        # GeneratePodInitializedCondition
        unknown, incomplete = [], []
        for c in spec.init_containers or ():
            cs = statuses.get(c.name)
            if cs is None:
                unknown.append(c.name)
            elif not (cs.started if c.restart_policy == "Always" else cs.ready):  # isInitContainerInitialized
                incomplete.append(c.name)
        regular_started = any(cs.name in {c.name for c in spec.containers} and cs.state is not None
                              and (cs.state.running is not None or cs.state.terminated is not None)
                              for cs in st.container_statuses or ())  # HasAnyRegularContainerStarted
        if phase == "Succeeded" and not unknown:
            update_pod_condition(p, "Initialized", "True", self.sim.now, "PodCompleted")
        elif regular_started or not (unknown or incomplete):
            update_pod_condition(p, "Initialized", "True", self.sim.now)
        else:
            msgs = [f"containers with unknown status: [{' '.join(unknown)}]"] if unknown else []
            msgs += [f"containers with incomplete status: [{' '.join(incomplete)}]"] if incomplete else []
            update_pod_condition(p, "Initialized", "False", self.sim.now, "ContainersNotInitialized", ", ".join(msgs))
        # GenerateContainersReadyCondition (sidecars count) and GeneratePodReadyCondition
        unknown, unready = [], []
        for c in [c for c in spec.init_containers or () if c.restart_policy == "Always"] + list(spec.containers):
            cs = statuses.get(c.name)
            if cs is None:
                unknown.append(c.name)
            elif not cs.ready:
                unready.append(c.name)
        if (phase == "Succeeded" and not unknown) or phase == "Failed":
            status, reason, msg = "False", "PodCompleted" if phase == "Succeeded" else "PodFailed", None
        else:
            msgs = [f"containers with unknown status: [{' '.join(unknown)}]"] if unknown else []
            msgs += [f"containers with unready status: [{' '.join(unready)}]"] if unready else []
            status, reason, msg = ("False", "ContainersNotReady", ", ".join(msgs)) if msgs else ("True", None, None)
        update_pod_condition(p, "Ready", status, self.sim.now, reason, msg)
        update_pod_condition(p, "ContainersReady", status, self.sim.now, reason, msg)
        conds = list(st.conditions or ())
        order = self._KUBELET_CONDITIONS
        st.conditions = [c for c in conds if c.type not in order] + sorted(
            (c for c in conds if c.type in order), key=lambda c: order.index(c.type))

    def _waiting(self, p: Pod, name: str, reason: str, msg: str):
        for cs in p.status.container_statuses or ():
            if cs.name == name:
                cs.state = ContainerState(waiting=ContainerStateWaiting(reason=reason, message=msg))

    def _container_flags(self, c: Any, rp: _RunningPod) -> tuple[bool, bool]:
        """(started, ready) of a running container: the startup probe's result (or True),
        then the readiness probe's (or whether the app has finished starting)."""
        started = rp.results.get((c.name, prober.STARTUP), prober.SUCCESS) == prober.SUCCESS
        if (c.name, prober.READINESS) in rp.results:
            ready = rp.results[(c.name, prober.READINESS)] == prober.SUCCESS
        else:
            ready = self.sim.now >= rp.app_up_at
        return started, started and ready

    def _mark_running(self, p: Pod, rp: _RunningPod):
        st = p.status
        st.phase = "Running"
        st.pod_ip = rp.ip
        st.pod_ips = [PodIP(ip=rp.ip)]
        statuses = []
        unready = []
        prev = {cs.name: cs for cs in st.container_statuses or ()}
        for c in p.spec.containers:
            info = rp.containers.get(c.name)
            if info is not None and not info.get("running", True) and c.name in prev:
                statuses.append(prev[c.name])  # exited, waiting to restart: as last reported
                continue
            started, ready = self._container_flags(c, rp)
            if info is None or not info.get("running", True):
                ready = False
            if not ready:
                unready.append(c.name)
            statuses.append(ContainerStatus(
                name=c.name, image=c.image or "", image_id=f"{info['image'].rsplit(':', 1)[0]}@sha256:{hash_name(info['image']):016x}" if info else "",
                container_id=info["id"] if info else None, ready=ready, restart_count=rp.restarts, started=started,
                state=ContainerState(running=ContainerStateRunning(started_at=rfc3339(info["started_at"]))) if info else None,
                last_state=ContainerState(terminated=rp.last_state[c.name]) if c.name in rp.last_state else None,
            ))
        st.container_statuses = statuses
        self._set_init_statuses(p, rp)
        # status_manager / generate.go: ContainersReady and Ready follow the containers
        self._generate_conditions(p)

    def _crash_looping(self, p: Pod, rp: _RunningPod, name: str, message: str):
        for cs in p.status.container_statuses or ():
            cs.ready = False  # the app containers exited together
            if cs.name == name:
                cs.ready = False
                cs.started = False
                cs.restart_count = rp.restarts
                cs.state = ContainerState(waiting=ContainerStateWaiting(reason="CrashLoopBackOff", message=message))
                if name in rp.last_state:
                    cs.last_state = ContainerState(terminated=rp.last_state[name])
        self._set_init_statuses(p, rp)
        self._generate_conditions(p)

    def _mark_terminated(self, p: Pod, rp: _RunningPod, code: int, final: bool = True):
        """The app containers exited for good. Not ``final`` while sidecars still run: the pod
        stays Running (getPhase counts them) until they are stopped."""
        st = p.status
        st.phase = ("Succeeded" if code == 0 else "Failed") if final else "Running"
        reason = "Completed" if code == 0 else "Error"
        for cs in st.container_statuses or ():
            info = rp.containers.get(cs.name)
            cs.ready = False
            cs.started = False
            if cs.state is not None and cs.state.terminated is not None and info and \
                    cs.state.terminated.container_id == info["id"]:
                continue  # already recorded when the app exited, before the sidecars stopped
            cs.state = ContainerState(terminated=ContainerStateTerminated(
                exit_code=code, reason=reason, container_id=info["id"] if info else None,
                started_at=rfc3339(info["started_at"]) if info else None, finished_at=rfc3339(self.sim.now)))
        self._set_init_statuses(p, rp)
        if final:
            update_pod_condition(p, "PodReadyToStartContainers", "False", self.sim.now)
        self._generate_conditions(p)


def _go_duration_long(seconds: float) -> str:
    """Go's time.Duration String() for whole seconds: 10s, 1m20s, 5m0s."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s}s"
    h, m = divmod(m, 60)
    return f"{h}h{m}m{s}s"


def _go_duration(seconds: float) -> str:
    """Go's time.Duration String() for the Pulled event: 2.345s, 523ms."""
    if seconds < 1:
        ms = seconds * 1000
        return f"{ms:.0f}ms" if ms == int(ms) else f"{ms:.3f}".rstrip("0").rstrip(".") + "ms"
    s = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return s + "s"


class _ProbeHost:
    """What a probe worker asks of the kubelet (its status manager and runtime)."""

    __slots__ = ("kubelet", "rp")

    def __init__(self, kubelet: Kubelet, rp: _RunningPod):
        self.kubelet, self.rp = kubelet, rp

    def container_state(self, uid: str, name: str):
        rp = self.rp
        if rp.done:
            return "terminated"
        info = rp.info(name)
        if info is None:
            return None
        started = rp.results.get((name, prober.STARTUP), prober.SUCCESS) == prober.SUCCESS
        return info["id"], info["started_at"], started, info.get("running", True) and not self.kubelet.hung

    def probe(self, w: prober.ProbeWorker):
        k, rp = self.kubelet, self.rp
        info = rp.info(w.container.name) or {}
        pod = (k.informer.get(rp.key) if k.informer is not None else None) or rp.pod
        result, output = prober.answer(w.kind, w.spec, w.container, rp.ip, pod.metadata.annotations or {},
                                       k.sim.now - info.get("started_at", k.sim.now), k.sim.now >= rp.app_up_at)
        if w.spec.handler == "httpGet":
            k._log_probe_request(rp, w, result, output)
        if result == prober.FAILURE:
            # prober.go: every failed probe is an event (the recorder counts repeats)
            field = "initContainers" if w.container.name in rp.inits else "containers"
            k.recorder.event(pod, "Warning", "Unhealthy", f"{prober.TYPE_NAME[w.kind]} probe failed: {output}",
                             f"spec.{field}{{{w.container.name}}}")
        return result

    def set_result(self, w: prober.ProbeWorker, result: str) -> None:
        k, rp = self.kubelet, self.rp
        rp.results[(w.container.name, w.kind)] = result
        if rp.done or not k.running:
            return
        if w.kind == prober.STARTUP and result == prober.SUCCESS:
            k._trigger_readiness(rp)
        r = rp.inits.get(w.container.name)
        if r is not None and r.started_ev is not None and not r.started_ev.triggered:
            r.started_ev.succeed(None)  # a sidecar's probe moved: may the next init container start?
        if w.kind != prober.LIVENESS and not rp.started:  # a sidecar's probe while initialising
            k.sim.spawn(k._update_status(rp.key, lambda p: k._mark_inits(p, rp)),
                        name=f"kubelet/{k.node_name}/probe-status")
        elif w.kind != prober.LIVENESS:  # readiness and startup results show in the pod's status
            k.sim.spawn(k._update_status(rp.key, lambda p: k._mark_running(p, rp) if rp.exit is not None
                                         and not rp.exit.triggered else False),
                        name=f"kubelet/{k.node_name}/probe-status")

    def failed(self, w: prober.ProbeWorker) -> None:
        k = self.kubelet
        pod = (k.informer.get(self.rp.key) if k.informer is not None else None) or self.rp.pod
        k._probe_failed(pod, self.rp, w)

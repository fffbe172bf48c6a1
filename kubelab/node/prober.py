"""Container probes as the kubelet runs them (pkg/kubelet/prober).

One :class:`ProbeWorker` per container and probe kind, as ``prober_manager.go`` starts
them when a pod is added: it waits a random part of its period only when the kubelet has
just started (``worker.go run``), then probes at once and on every tick of a
``periodSeconds`` ticker (plus the manual readiness trigger the status manager pulls
when a running container is not ready). ``doProbe`` is mirrored step by step: a new
container ID resets the result to the kind's initial value (readiness Failure, liveness
Success, startup Unknown) and lifts the hold; nothing is probed before
``initialDelaySeconds`` (whole seconds since the container started); the startup probe
gates the other two; a result counts only after ``successThreshold`` /
``failureThreshold`` consecutive runs; a liveness or startup failure puts the worker on
hold until the container is replaced.

What a probe gets back is decided by the simulated container (:func:`answer`): images
kubelab knows answer on their real ports (nginx serves ``/`` and 404s anything else, redis
accepts TCP on 6379, ...); an image it does not know answers on whatever port it is probed
on; pod annotations shape failures over time (see README, "Shaping the simulation").
Outputs are worded as ``pkg/probe/{http,tcp,exec,grpc}`` word them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim import Simulator

# probe kinds, in the order prober_manager.go AddPod creates their workers
STARTUP, READINESS, LIVENESS = "startup", "readiness", "liveness"
FIELD = {STARTUP: "startup_probe", READINESS: "readiness_probe", LIVENESS: "liveness_probe"}
TYPE_NAME = {STARTUP: "Startup", READINESS: "Readiness", LIVENESS: "Liveness"}  # probeType.String()
INITIAL = {READINESS: "Failure", LIVENESS: "Success", STARTUP: "Unknown"}  # worker.go newWorker
SUCCESS, FAILURE, UNKNOWN = "Success", "Failure", "Unknown"

# Annotations that shape how the simulated app answers its probes.
HEALTHY_SECONDS = "sim.kubelab.io/healthy-seconds"  # healthy this long after each start, then not
FAILING_PROBES = "sim.kubelab.io/failing-probes"  # e.g. "readiness" or "liveness,startup": always fail
PROBE_SECONDS = "sim.kubelab.io/probe-seconds"  # how long the app takes to answer a probe

# Servers kubelab knows: the ports they listen on and how they answer HTTP.
# "static": a web server's default site (200 on "/" and index pages, 404 elsewhere).
WELL_KNOWN = {
    "nginx": {"ports": {80: "static"}}, "httpd": {"ports": {80: "static"}},
    "redis": {"ports": {6379: "tcp"}}, "postgres": {"ports": {5432: "tcp"}}, "mysql": {"ports": {3306: "tcp"}},
    "memcached": {"ports": {11211: "tcp"}}, "registry.k8s.io/etcd": {"ports": {2379: "grpc", 2381: "app"}},
}
# Images that run a shell or a one-off command: nothing listens.
NO_SERVER = {"busybox", "alpine", "ubuntu", "debian", "perl", "python", "registry.k8s.io/pause", "bash"}


@dataclass
class Probe:
    """v1.Probe after SetDefaults_Probe (timeout 1, period 10, success 1, failure 3)."""

    handler: str  # exec | httpGet | tcpSocket | grpc
    action: dict
    initial_delay: int = 0
    timeout: int = 1
    period: int = 10
    success_threshold: int = 1
    failure_threshold: int = 3
    termination_grace: Optional[int] = None

    @classmethod
    def parse(cls, d: dict) -> "Probe":
        handler = next((h for h in ("exec", "httpGet", "tcpSocket", "grpc") if d.get(h) is not None), "exec")
        return cls(handler=handler, action=dict(d.get(handler) or {}),
                   initial_delay=int(d.get("initialDelaySeconds") or 0), timeout=int(d.get("timeoutSeconds") or 1),
                   period=int(d.get("periodSeconds") or 10), success_threshold=int(d.get("successThreshold") or 1),
                   failure_threshold=int(d.get("failureThreshold") or 3),
                   termination_grace=d.get("terminationGracePeriodSeconds"))


def image_base(image: str) -> str:
    repo = (image or "").split("@")[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: repo.rfind(":")]
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix):]
    return repo


def resolve_port(container: Any, port: Any) -> Optional[int]:
    """A named port resolves through the container's ports (kubelet findPortByName)."""
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    for p in container.ports or ():
        if p.name == port:
            return p.container_port
    return None


def _listens(container: Any, port: int) -> Optional[str]:
    """How the container answers on ``port``: a kind of server, or None (refused)."""
    base = image_base(container.image or "")
    known = WELL_KNOWN.get(base)
    if known is not None:
        return known["ports"].get(port) or ("app" if any(p.container_port == port for p in container.ports or ()
                                                         if p.container_port not in known["ports"]) else None)
    if base in NO_SERVER:
        return None
    return "app"  # an image kubelab does not know listens where it is probed


def answer(kind: str, probe: Probe, container: Any, pod_ip: str, annotations: dict,
           started_for: float, app_up: bool) -> tuple[str, str]:
    """What the simulated container answers: ``(Success | Failure, output)``.

    ``started_for`` is how long the container has run; ``app_up`` whether the app has
    finished starting (``sim.kubelab.io/start-seconds``)."""
    failing = {k.strip() for k in (annotations.get(FAILING_PROBES) or "").split(",") if k.strip()}
    healthy_for = annotations.get(HEALTHY_SECONDS)
    unhealthy = kind in failing or (healthy_for is not None and started_for >= float(healthy_for))
    slow = float(annotations.get(PROBE_SECONDS) or 0) > probe.timeout
    a = probe.action
    if probe.handler == "exec":
        cmd = [str(x) for x in a.get("command") or []]
        if slow:
            return FAILURE, f"command {' '.join(cmd)!r} timed out".replace("'", '"')  # exec.go TimeoutError
        if unhealthy or not app_up:
            if len(cmd) == 2 and cmd[0] == "cat":  # busybox's words for the classic example
                return FAILURE, f"cat: can't open '{cmd[1]}': No such file or directory"
            return FAILURE, ""
        return SUCCESS, ""
    port = resolve_port(container, a.get("port"))
    host = a.get("host") or pod_ip
    if port is None:
        return FAILURE, ""  # upstream returns an error: the result is thrown away (see worker)
    server = _listens(container, port) if app_up else None
    if probe.handler == "tcpSocket":
        if server is None or (kind in failing):
            return FAILURE, f"dial tcp {host}:{port}: connect: connection refused"
        if slow:
            return FAILURE, f"dial tcp {host}:{port}: i/o timeout"
        return SUCCESS, ""  # a hung app still accepts connections: TCP cannot tell
    if probe.handler == "grpc":
        if server is None:
            return FAILURE, f'timeout: failed to connect service "{host}:{port}" within {probe.timeout}s'
        if slow:
            return FAILURE, f"timeout: health rpc did not complete within {probe.timeout}s"
        if unhealthy:
            return FAILURE, 'service unhealthy (responded with "NOT_SERVING")'
        return SUCCESS, ""
    # httpGet (pkg/probe/http/http.go): 200 <= code < 400 is success
    scheme = (a.get("scheme") or "HTTP").lower()
    path = a.get("path") or "/"
    url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
    if server is None or server in ("tcp",):
        if server == "tcp":
            return FAILURE, f'Get "{url}": EOF'
        return FAILURE, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
    if slow:
        return FAILURE, f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    if unhealthy:
        return FAILURE, "HTTP probe failed with statuscode: 500"
    if server == "static" and path.split("?")[0] not in ("/", "/index.html", "/index.htm"):
        return FAILURE, "HTTP probe failed with statuscode: 404"
    return SUCCESS, ""


class ProbeWorker:
    """pkg/kubelet/prober/worker.go: probes one container for one kind, on a ticker.

    ``host`` is what the worker asks of the kubelet: ``container_state(pod_uid, name)``
    → ``(container_id, started_at, started, running)`` or None; ``probe(worker)`` → the
    result and output; ``set_result(worker, result)`` when the result changes."""

    def __init__(self, sim: "Simulator", host: Any, pod_uid: str, container: Any, kind: str, probe: Probe,
                 jitter: Optional[float]):
        self.sim, self.host, self.pod_uid, self.container, self.kind, self.spec = sim, host, pod_uid, container, kind, probe
        self.container_id: Optional[str] = None
        self.result = INITIAL[kind]
        self.last_result: Optional[str] = None
        self.result_run = 0
        self.on_hold = False
        self.stopped = False
        self._timer = None
        # worker.go run(): a random part of the period, only when the kubelet just started
        if jitter is not None:
            self._timer = sim.call_later(jitter, self._tick)
        else:
            self._timer = sim.call_soon(self._tick)

    def stop(self) -> None:
        self.stopped = True
        if self._timer is not None:
            self._timer.cancel()

    def trigger(self) -> None:
        """manualTriggerCh: probe now (the ticker keeps its phase)."""
        if not self.stopped:
            self.sim.call_soon(self._probe_once)

    def _tick(self) -> None:
        if self.stopped:
            return
        self._timer = self.sim.call_later(self.spec.period, self._tick)
        self._probe_once()

    def _probe_once(self) -> None:
        if self.stopped:
            return
        if not self.do_probe():
            self.stop()

    def _set(self, result: str) -> None:
        changed = result != self.result
        self.result = result
        if changed:
            self.host.set_result(self, result)

    def do_probe(self) -> bool:
        """doProbe: probe once, record the result; False when the worker should stop."""
        state = self.host.container_state(self.pod_uid, self.container.name)
        if state is None:
            return True  # not created yet (or gone): wait for more information
        if state == "terminated":
            return False  # the pod is finished: the worker exits
        cid, started_at, started, running = state
        if cid != self.container_id:
            self.container_id = cid
            self.last_result, self.result_run, self.result = None, 0, None
            self._set(INITIAL[self.kind])  # resultsManager.Set(containerID, initialValue)
            self.on_hold = False  # a new container: resume probing
        if self.on_hold:
            return True
        if not running:
            self._set(FAILURE)
            return True
        if int(self.sim.now - started_at) < self.spec.initial_delay:
            return True  # probe disabled for initialDelaySeconds
        if started:
            if self.kind == STARTUP:
                return True  # the startup probe is done once the container has started
        elif self.kind != STARTUP:
            return True  # other probes wait for the startup probe
        result = self.host.probe(self)
        if result is None:
            return True  # a prober error: the result is thrown away
        if self.last_result == result:
            self.result_run += 1
        else:
            self.last_result, self.result_run = result, 1
        if (result == FAILURE and self.result_run < self.spec.failure_threshold) or (
                result == SUCCESS and self.result_run < self.spec.success_threshold):
            return True  # below the threshold: the result stays as it was
        self._set(result)
        if self.kind in (LIVENESS, STARTUP) and result == FAILURE:
            # the container will be restarted: hold until a new container ID shows up
            self.on_hold = True
            self.result_run = 0
            self.host.failed(self)
        return True

"""What every controller is built on: a work queue fed by informer handlers, worker
processes on the simulated clock that call ``sync(key)``, expectations, and the small
helpers of pkg/controller/controller_utils.go.

A controller is level-based (controller-runtime's idiom): ``sync(key)`` reads the
current state from the informer caches and acts on the difference; all requeue policy
lives in :meth:`Controller._worker` (forget on success, rate-limited requeue on error).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from kubelab.api import errors
from kubelab.api.base import parse_time, rfc3339
from kubelab.api.meta import KubeObject, OwnerReference
from kubelab.api.podutil import is_pod_terminal
from kubelab.client import EventRecorder, RateLimitingQueue, SharedInformerFactory
from kubelab.client.informer import tombstone_object
from kubelab.sim import Event, Simulator

if TYPE_CHECKING:
    from kubelab.client import APIClient


class ControllerContext:
    """What a controller manager hands each controller: the clock, a client, the shared
    informers and a way to make event recorders (cmd/kube-controller-manager's
    ControllerContext)."""

    def __init__(self, sim: Simulator, client: "APIClient", informers: SharedInformerFactory,
                 host: Optional[str] = None, cloud: Any = None, options: Optional[dict[str, Any]] = None):
        self.sim = sim
        # the manager's flags that shape controllers (e.g. cluster_cidr, node_cidr_mask_size)
        self.options = dict(options or {})
        self.client = client
        self.informers = informers
        self.host = host
        self.cloud = cloud

    def recorder(self, component: str) -> EventRecorder:
        return EventRecorder(self.client, component, self.host)


class Controller:
    """Base of every controller: subclasses register informer handlers in ``__init__``
    (enqueueing keys) and implement ``sync(key)`` as a generator."""

    name = "controller"
    workers = 1

    def __init__(self, ctx: ControllerContext):
        self.ctx = ctx
        self.sim = ctx.sim
        self.client = ctx.client
        self.queue = RateLimitingQueue(ctx.sim, name=self.name)
        self._procs: list = []
        self.running = False
        self.syncs = 0
        self.errors = 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} running={self.running} queue={len(self.queue)}>"

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        self.running = True
        for i in range(self.workers):
            self._procs.append(self.sim.spawn(self._worker(), name=f"{self.name}/worker-{i}"))
        self.on_start()

    def on_start(self) -> None:
        """Hook for periodic loops (node monitor, cron schedule)."""

    def stop(self) -> None:
        self.running = False
        self.queue.shut_down()
        for p in self._procs:
            p.kill()
        self._procs.clear()
        self.on_stop()

    def on_stop(self) -> None:
        pass

    def enqueue(self, obj: Any) -> None:
        self.queue.add(tombstone_object(obj).key())

    def create_pod(self, owner: KubeObject, pod: KubeObject) -> Event:
        """controller_utils.go RealPodControl.CreatePods: create ``pod`` for ``owner`` and record
        SuccessfulCreate / FailedCreate on the owner; the event carries the created pod or the error."""
        ev, out = self.client.create(pod), self.sim.event()

        def done(e):
            e.defused = True
            if e.ok:
                self.recorder.event(owner, "Normal", "SuccessfulCreate", f"Created pod: {e.value.name}")
                out.succeed(e.value)
            else:
                self.recorder.event(owner, "Warning", "FailedCreate", f"Error creating: {e.exception}")
                out.fail(e.exception)
        ev.add_callback(done)
        return out

    def enqueue_after(self, obj_or_key: Any, delay: float) -> None:
        key = obj_or_key if isinstance(obj_or_key, str) else obj_or_key.key()
        self.queue.add_after(key, delay)

    def _worker(self):
        yield self.ctx.informers.wait_for_sync()
        while self.running:
            key = yield self.queue.get()
            try:
                self.syncs += 1
                yield from self.sync(key)
                self.queue.forget(key)
            except GeneratorExit:
                raise
            except Exception as exc:  # noqa: BLE001 — every error is a requeue (handleErr)
                self.errors += 1
                self.sim.trace.record(self.name, "SyncError", f"{key}: {exc}")
                self.queue.add_rate_limited(key)
            finally:
                self.queue.done(key)

    def sync(self, key: str):  # pragma: no cover - abstract
        raise NotImplementedError
        yield


# ----------------------------------------------------------------------------- expectations

EXPECTATIONS_TIMEOUT = 5 * 60.0  # controller_utils.go ExpectationsTimeout


class ControllerExpectations:
    """pkg/controller/controller_utils.go ControllerExpectations: how many creates and
    deletes a controller still waits to see in its informer before it trusts the cache."""

    def __init__(self, sim: Simulator):
        self.sim = sim
        self._store: dict[str, list] = {}  # key -> [add, del, timestamp]

    def satisfied(self, key: str) -> bool:
        e = self._store.get(key)
        if e is None:
            return True
        if e[0] <= 0 and e[1] <= 0:
            return True
        return self.sim.now - e[2] > EXPECTATIONS_TIMEOUT  # expired: sync anyway

    def set(self, key: str, add: int, dele: int) -> None:
        self._store[key] = [add, dele, self.sim.now]

    def expect_creations(self, key: str, n: int) -> None:
        self.set(key, n, 0)

    def expect_deletions(self, key: str, n: int) -> None:
        self.set(key, 0, n)

    def _lower(self, key: str, add: int, dele: int) -> None:
        e = self._store.get(key)
        if e is not None:
            e[0] -= add
            e[1] -= dele

    def creation_observed(self, key: str) -> None:
        self._lower(key, 1, 0)

    def deletion_observed(self, key: str) -> None:
        self._lower(key, 0, 1)

    def delete(self, key: str) -> None:
        self._store.pop(key, None)


# ----------------------------------------------------------------------------- helpers

def settle(sim: Simulator, events: Iterable[Event]) -> Event:
    """Wait for every event; fires with a list of ``(ok, value_or_exception)`` (no short
    circuit on failure, unlike ``all_of``: slowStartBatch counts its errors)."""
    events = list(events)
    out = sim.event()
    results: list = [None] * len(events)
    left = [len(events)]
    if not events:
        out.succeed([])
        return out

    def make(i):
        def cb(ev: Event) -> None:
            ev.defused = True
            results[i] = (ev.ok, ev.value if ev.ok else ev.exception)
            left[0] -= 1
            if left[0] == 0:
                out.succeed(results)
        return cb

    for i, ev in enumerate(events):
        ev.add_callback(make(i))
    return out


def slow_start_batch(sim: Simulator, count: int, initial: int, fn: Callable[[], Event]):
    """controller_utils.go slowStartBatch: call ``fn`` in batches of 1, 2, 4, ... and stop
    at the first batch with an error. Generator; returns (successes, first_error)."""
    remaining = count
    successes = 0
    batch = min(remaining, initial)
    while batch > 0:
        results = yield settle(sim, [fn() for _ in range(batch)])
        errs = [r[1] for r in results if not r[0]]
        successes += batch - len(errs)
        if errs:
            return successes, errs[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


def owner_ref(owner: KubeObject, block: bool = True) -> OwnerReference:
    """metav1.NewControllerRef."""
    return OwnerReference(api_version=owner.api_version_str(), kind=owner.KIND, name=owner.name,
                          uid=owner.uid, controller=True, block_owner_deletion=block)


def is_pod_active(pod) -> bool:
    """controller.IsPodActive."""
    return not is_pod_terminal(pod) and pod.metadata.deletion_timestamp is None


def is_pod_terminating(pod) -> bool:
    return pod.metadata.deletion_timestamp is not None and not is_pod_terminal(pod)


def resolve_int_or_percent(value, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    s = str(value)
    if s.endswith("%"):
        pct = int(s[:-1])
        v = pct * total / 100
        return int(math.ceil(v)) if round_up else int(math.floor(v))
    return int(s)


def status_error_code(exc: BaseException) -> int:
    return exc.code if isinstance(exc, errors.StatusError) else 0


def now_str(sim: Simulator) -> str:
    return rfc3339(sim.now)


def pod_from_template(template, owner: KubeObject, extra_labels: Optional[dict] = None, name=None,
                      generate_name: Optional[str] = None):
    """controller_utils.go GetPodFromTemplate: labels, annotations, finalizers and spec
    from the template, a controller ownerReference, generateName ``<owner>-``."""
    from kubelab.api.core import Pod
    from kubelab.api.meta import ObjectMeta

    tm = template.metadata
    labels = dict(tm.labels or {})
    labels.update(extra_labels or {})
    meta = ObjectMeta(
        name=name,
        generate_name=None if name else (generate_name or f"{owner.name}-"),
        namespace=owner.metadata.namespace,
        labels=labels or None,
        annotations=dict(tm.annotations) if tm.annotations else None,
        finalizers=list(tm.finalizers) if tm.finalizers else None,
        owner_references=[owner_ref(owner)],
    )
    return Pod(metadata=meta, spec=template.spec.copy_deep())

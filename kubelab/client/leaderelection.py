"""Lease-based leader election (k8s.io/client-go/tools/leaderelection).

Candidates race to hold a coordination.k8s.io Lease. The holder renews it every
``retry_period``; if it cannot renew within ``renew_deadline`` it steps down. Others take
the lease once ``lease_duration`` has passed since they last *observed* it change —
time measured on their own clock, never by trusting the holder's renewTime.
Defaults are kube-scheduler's and kube-controller-manager's: 15 s / 10 s / 2 s.
"""

from __future__ import annotations

from typing import Callable, Optional

from kubelab.api import errors
from kubelab.api.base import rfc3339_micro
from kubelab.api.coordination import Lease, LeaseSpec
from kubelab.api.meta import ObjectMeta

from .rest import APIClient


class LeaderElector:
    def __init__(self, client: APIClient, lease_name: str, identity: str, namespace: str = "kube-system",
                 lease_duration: float = 15.0, renew_deadline: float = 10.0, retry_period: float = 2.0,
                 on_started_leading: Optional[Callable[[], None]] = None,
                 on_stopped_leading: Optional[Callable[[], None]] = None,
                 on_new_leader: Optional[Callable[[str], None]] = None):
        self.client = client
        self.sim = client.sim
        self.lease_name, self.namespace, self.identity = lease_name, namespace, identity
        self.lease_duration, self.renew_deadline, self.retry_period = lease_duration, renew_deadline, retry_period
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.leading = False
        self.observed_holder: Optional[str] = None
        self._observed_record: Optional[tuple] = None
        self._observed_time = 0.0
        self._last_renew = 0.0
        self._lease: Optional[Lease] = None  # the lock's copy (resourcelock.LeaseLock.lease)
        self._proc = None

    def __repr__(self) -> str:
        return f"<LeaderElector {self.namespace}/{self.lease_name} id={self.identity} leading={self.leading}>"

    def start(self):
        self._proc = self.sim.spawn(self._run(), name=f"leaderelection/{self.lease_name}/{self.identity}")
        return self._proc

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc = None
        if self.leading:
            self.leading = False
            if self.on_stopped_leading:
                self.on_stopped_leading()

    def _run(self):
        # jitter the first attempt like wait.JitterUntil (JitterFactor 1.2)
        rng = self.sim.rng(f"leaderelection/{self.lease_name}/{self.identity}")
        while True:
            ok = yield from self._try_acquire_or_renew()
            now = self.sim.now
            if ok:
                self._last_renew = now
                if not self.leading:
                    self.leading = True
                    self.sim.trace.record(self.identity, "LeaderElection",
                                          f"became leader of {self.namespace}/{self.lease_name}")
                    if self.on_started_leading:
                        self.on_started_leading()
            elif self.leading and now - self._last_renew >= self.renew_deadline:
                self.leading = False
                self.sim.trace.record(self.identity, "LeaderElection",
                                      f"lost lease {self.namespace}/{self.lease_name}")
                if self.on_stopped_leading:
                    self.on_stopped_leading()
            delay = self.retry_period if self.leading else self.retry_period * (1 + 1.2 * rng.random())
            yield self.sim.timeout(delay)

    def _try_acquire_or_renew(self):
        now = self.sim.now
        # 1. the fast path (leaderelection.go tryAcquireOrRenew, client-go v1.27+): the leader
        # updates the lease it last saw, assuming nobody else wrote it: no GET per renewal
        if self._lease is not None and self.observed_holder == self.identity and \
                self._observed_time + self.lease_duration > now:
            try:
                updated = yield self.client.update(self._renewal(self._lease, now))
            except Exception:  # noqa: BLE001 — "falling back to slow path"
                self._lease = None
            else:
                self._observe(updated, now)
                return True
        # 2. the slow path: get (or create) the lease, then acquire or renew it
        try:
            lease = yield self.client.get(Lease, self.lease_name, self.namespace)
        except errors.StatusError as exc:
            if not errors.is_not_found(exc):
                return False
            new = Lease(metadata=ObjectMeta(name=self.lease_name, namespace=self.namespace),
                        spec=LeaseSpec(holder_identity=self.identity,
                                       lease_duration_seconds=int(self.lease_duration),
                                       acquire_time=rfc3339_micro(now), renew_time=rfc3339_micro(now),
                                       lease_transitions=0))
            try:
                created = yield self.client.create(new)
            except Exception:  # noqa: BLE001 — someone else created it first, or no server
                return False
            self._observe(created, now)
            return True
        except Exception:  # noqa: BLE001 — connection errors: cannot renew this round
            return False
        spec = lease.spec
        record = (spec.holder_identity, spec.renew_time, spec.lease_transitions)
        if record != self._observed_record:
            self._observe(lease, now)
        holder = spec.holder_identity
        if holder and holder != self.identity and self._observed_time + self.lease_duration > now:
            return False  # held by someone else, and not expired on our clock
        new = self._renewal(lease, now)
        if holder != self.identity:
            new.spec.holder_identity = self.identity
            new.spec.acquire_time = rfc3339_micro(now)
            new.spec.lease_transitions = (spec.lease_transitions or 0) + 1
        try:
            updated = yield self.client.update(new)
        except Exception:  # noqa: BLE001 — conflict (another candidate won) or no server
            return False
        self._observe(updated, now)
        return True

    def _renewal(self, lease: Lease, now: float) -> Lease:
        """A copy of ``lease`` renewed now (the LeaderElectionRecord's renewTime and duration)."""
        new = lease.copy_deep()
        new.spec.renew_time = rfc3339_micro(now)
        new.spec.lease_duration_seconds = int(self.lease_duration)
        return new

    def _observe(self, lease: Lease, now: float) -> None:
        self._lease = lease
        spec = lease.spec
        self._observed_record = (spec.holder_identity, spec.renew_time, spec.lease_transitions)
        self._observed_time = now
        if spec.holder_identity != self.observed_holder:
            self.observed_holder = spec.holder_identity
            if self.on_new_leader and spec.holder_identity:
                self.on_new_leader(spec.holder_identity)

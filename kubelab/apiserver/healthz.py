"""kube-apiserver's health endpoints: ``/healthz``, ``/livez``, ``/readyz`` (and ``/<which>/<check>``).

k8s.io/apiserver/pkg/server/healthz/healthz.go: each endpoint runs its checks; ``?verbose`` lists
them as ``[+]name ok`` / ``[-]name failed: reason withheld`` and ends with ``<which> check
passed`` (or ``failed``, status 500); without it the answer is ``ok``. The checks are
kube-apiserver's (ping, log, etcd, then one per post-start hook: pkg/controlplane and
k8s.io/apiserver/pkg/server/config.go); ``/readyz`` adds etcd-readiness, informer-sync and
shutdown. One implementation serves the HTTPS front door and ``kubectl get --raw``.

The list is what a kubeadm cluster's kube-apiserver prints (v1.33 and v1.35 print the same
list, so v1.34 does too). Not listed, as on kubeadm's default flags: ``kms-providers`` (only
with an --encryption-provider-config naming a KMS provider), ``poststarthook/storage-readiness``
(feature gate WatchCacheInitializationPostStartHook, off by default),
``etcd-override-<index>`` (only with --etcd-servers-overrides) and
``poststarthook/peer-endpoint-reconciler-controller`` (UnknownVersionInteroperabilityProxy, alpha).
"""

from __future__ import annotations

from typing import Any, Optional

# the post-start hooks a kubeadm v1.34 kube-apiserver registers, in the order it lists them
POST_START_HOOKS = [
    "start-apiserver-admission-initializer", "generic-apiserver-start-informers",
    "priority-and-fairness-config-consumer", "priority-and-fairness-filter", "storage-object-count-tracker-hook",
    "start-apiextensions-informers", "start-apiextensions-controllers", "crd-informer-synced",
    "start-system-namespaces-controller", "start-cluster-authentication-info-controller",
    "start-kube-apiserver-identity-lease-controller", "start-kube-apiserver-identity-lease-garbage-collector",
    "start-legacy-token-tracking-controller", "start-service-ip-repair-controllers", "rbac/bootstrap-roles",
    "scheduling/bootstrap-system-priority-classes", "priority-and-fairness-config-producer", "bootstrap-controller",
    "start-kubernetes-service-cidr-controller", "aggregator-reload-proxy-client-cert",
    "start-kube-aggregator-informers", "apiservice-status-local-available-controller",
    "apiservice-status-remote-available-controller", "apiservice-registration-controller",
    "apiservice-discovery-controller", "kube-apiserver-autoregistration",
]
_HOOKS = [f"poststarthook/{h}" for h in POST_START_HOOKS]
_TAIL = ["autoregister-completion", "poststarthook/apiservice-openapi-controller",
         "poststarthook/apiservice-openapiv3-controller"]
CHECKS = {
    "healthz": ["ping", "log", "etcd"] + _HOOKS + _TAIL,
    "livez": ["ping", "log", "etcd"] + _HOOKS + _TAIL,
    "readyz": ["ping", "log", "etcd", "etcd-readiness", "informer-sync"] + _HOOKS + _TAIL + ["shutdown"],
}
ALWAYS_OK = ("ping", "log")


def _passes(check: str, server: Any) -> bool:
    if check in ALWAYS_OK:
        return True
    return server is not None and bool(server.ready)


def answer(which: str, rest: list[str], verbose: bool, server: Optional[Any]) -> Optional[tuple[int, str]]:
    """The status code and body of ``/<which>[/<check>][?verbose]`` answered by ``server`` (None:
    no API server answers, every check but ping and log fails). None when the path names no check
    (a 404)."""
    checks = CHECKS[which]
    if rest:
        name = "/".join(rest)
        if name not in checks:
            return None
        if _passes(name, server):
            return 200, "ok"
        return 500, f"internal server error: {name} check failed"
    results = [(c, _passes(c, server)) for c in checks]
    ok = all(good for _, good in results)
    if not verbose and ok:
        return 200, "ok"
    lines = [f"[+]{c} ok" if good else f"[-]{c} failed: reason withheld" for c, good in results]
    lines.append(f"{which} check passed" if ok else f"{which} check failed")
    return (200 if ok else 500), "\n".join(lines) + "\n"


__all__ = ["CHECKS", "POST_START_HOOKS", "answer"]

"""kube-apiserver's health endpoints (k8s.io/apiserver/pkg/server/healthz/healthz.go): one
implementation behind the HTTPS front door and ``kubectl get --raw``."""

from kubelab.apiserver import healthz


class Ready:
    ready = True


def test_a_ready_server_answers_ok_and_lists_its_checks_when_asked():
    assert healthz.answer("readyz", [], False, Ready()) == (200, "ok")
    code, body = healthz.answer("readyz", [], True, Ready())
    lines = body.splitlines()
    assert code == 200 and lines[0] == "[+]ping ok" and lines[-1] == "readyz check passed"
    assert "[+]etcd-readiness ok" in lines and "[+]shutdown ok" in lines
    # /livez has no readiness-only checks
    livez = healthz.answer("livez", [], True, Ready())[1].splitlines()
    assert "[+]informer-sync ok" not in livez and "[+]shutdown ok" not in livez
    assert livez[-1] == "livez check passed"


def test_no_server_fails_every_check_but_ping_and_log_and_says_so_without_verbose():
    code, body = healthz.answer("healthz", [], False, None)
    lines = body.splitlines()
    # healthz.go: a failed check prints the verbose list even when not asked, status 500
    assert code == 500 and lines[:3] == ["[+]ping ok", "[+]log ok", "[-]etcd failed: reason withheld"]
    assert lines[-1] == "healthz check failed"
    assert healthz.answer("healthz", ["ping"], False, None) == (200, "ok")
    assert healthz.answer("readyz", ["etcd"], False, None) == (500, "internal server error: etcd check failed")
    assert healthz.answer("readyz", ["nope"], False, Ready()) is None  # a 404


# what `kubectl get --raw='/readyz?verbose'` prints against a kubeadm cluster's kube-apiserver
# (v1.33 and v1.35 print this very list; the hooks are registered by k8s.io/apiserver/pkg/server/config.go,
# pkg/controlplane/apiserver/server.go, pkg/controlplane/instance.go, apiextensions-apiserver and
# kube-aggregator, in that order)
KUBEADM_READYZ = """\
[+]ping ok
[+]log ok
[+]etcd ok
[+]etcd-readiness ok
[+]informer-sync ok
[+]poststarthook/start-apiserver-admission-initializer ok
[+]poststarthook/generic-apiserver-start-informers ok
[+]poststarthook/priority-and-fairness-config-consumer ok
[+]poststarthook/priority-and-fairness-filter ok
[+]poststarthook/storage-object-count-tracker-hook ok
[+]poststarthook/start-apiextensions-informers ok
[+]poststarthook/start-apiextensions-controllers ok
[+]poststarthook/crd-informer-synced ok
[+]poststarthook/start-system-namespaces-controller ok
[+]poststarthook/start-cluster-authentication-info-controller ok
[+]poststarthook/start-kube-apiserver-identity-lease-controller ok
[+]poststarthook/start-kube-apiserver-identity-lease-garbage-collector ok
[+]poststarthook/start-legacy-token-tracking-controller ok
[+]poststarthook/start-service-ip-repair-controllers ok
[+]poststarthook/rbac/bootstrap-roles ok
[+]poststarthook/scheduling/bootstrap-system-priority-classes ok
[+]poststarthook/priority-and-fairness-config-producer ok
[+]poststarthook/bootstrap-controller ok
[+]poststarthook/start-kubernetes-service-cidr-controller ok
[+]poststarthook/aggregator-reload-proxy-client-cert ok
[+]poststarthook/start-kube-aggregator-informers ok
[+]poststarthook/apiservice-status-local-available-controller ok
[+]poststarthook/apiservice-status-remote-available-controller ok
[+]poststarthook/apiservice-registration-controller ok
[+]poststarthook/apiservice-discovery-controller ok
[+]poststarthook/kube-apiserver-autoregistration ok
[+]autoregister-completion ok
[+]poststarthook/apiservice-openapi-controller ok
[+]poststarthook/apiservice-openapiv3-controller ok
[+]shutdown ok
readyz check passed
"""


def test_readyz_verbose_lists_a_kubeadm_v134_apiservers_checks_in_order():
    """No kms-providers (only with a KMS encryption provider), no poststarthook/storage-readiness
    (feature gate WatchCacheInitializationPostStartHook is off by default through v1.34)."""
    assert healthz.answer("readyz", [], True, Ready()) == (200, KUBEADM_READYZ)


def test_livez_and_healthz_are_readyz_without_its_readiness_only_checks():
    readiness_only = {"[+]etcd-readiness ok", "[+]informer-sync ok", "[+]shutdown ok"}
    expected = [line for line in KUBEADM_READYZ.splitlines()[:-1] if line not in readiness_only]
    for which in ("livez", "healthz"):
        code, body = healthz.answer(which, [], True, Ready())
        assert code == 200 and body.splitlines() == expected + [f"{which} check passed"]
    # one post-start hook by its path, as /readyz/poststarthook/rbac/bootstrap-roles
    assert healthz.answer("readyz", ["poststarthook", "rbac", "bootstrap-roles"], False, Ready()) == (200, "ok")
    assert healthz.answer("livez", ["kms-providers"], False, Ready()) is None  # a 404

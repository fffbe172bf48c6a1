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

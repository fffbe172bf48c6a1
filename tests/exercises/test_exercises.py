"""Every exercise in the catalogue: its check finds the problem it set up, and its solution
(public API only) makes the check pass."""

import pytest

import kubelab as kl
from kubelab.exercises import Exercise


def test_the_catalogue_has_the_cka_troubleshooting_classics():
    assert len(kl.exercises.names()) >= 10
    assert {"pending-taint", "pending-resources", "pending-affinity", "crashloop", "stuck-rollout",
            "notready-node", "drain-node", "etcd-member-down", "lost-quorum",
            "service-no-endpoints"} <= set(kl.exercises.names())


@pytest.mark.parametrize("name", kl.exercises.names())
def test_check_fails_before_the_solution_and_passes_after(name):
    ex = kl.exercises.get(name)
    cluster = ex.new_cluster()
    before = ex.check(cluster)
    assert before, f"{name}: the broken cluster already passes its check"
    assert all(isinstance(p, str) and p for p in before)
    assert ex.report(cluster).startswith("✘")
    assert ex.hints
    ex.solution(cluster)
    assert ex.check(cluster) == []
    assert ex.report(cluster).startswith("✔")


def test_the_taint_exercise_says_why_the_pod_is_pending():
    ex = kl.exercises.get("pending-taint")
    cluster = ex.new_cluster()
    (problem,) = ex.check(cluster)
    # the master is a Node too, with kubeadm's control-plane taint
    assert problem.startswith("pod app is not scheduled (Pending): 0/3 nodes are available: "
                              "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                              "2 node(s) had untolerated taint {dedicated: db}.")


def test_instructors_register_their_own():
    def setup(cluster):
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                       "data": {"mode": "debug"}})

    def check(cluster):
        mode = cluster.api.get("ConfigMap", "settings").data.get("mode")
        return [] if mode == "production" else [f"configmap settings has mode={mode}, want production"]

    def solution(cluster):
        cluster.api.patch("ConfigMap", "settings", {"data": {"mode": "production"}})

    ex = Exercise("config-mode", "Set the mode", "Set mode to production.", setup, check, solution,
                  hints=["kubectl edit"])
    kl.exercises.register(ex)
    try:
        assert kl.exercises.get("config-mode") is ex
        with pytest.raises(ValueError, match="already registered"):
            kl.exercises.register(ex)
        cluster = ex.new_cluster()
        assert ex.check(cluster) == ["configmap settings has mode=debug, want production"]
        ex.solution(cluster)
        assert ex.solved(cluster)
    finally:
        kl.exercises.unregister("config-mode")
    assert "config-mode" not in kl.exercises.names()


def test_an_unknown_name_lists_the_catalogue():
    with pytest.raises(KeyError, match="no exercise named 'nope'; there are: pending-taint"):
        kl.exercises.get("nope")

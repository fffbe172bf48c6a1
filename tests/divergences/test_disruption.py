"""PodDisruptionBudgets as v1.34 keeps them: the disruption controller computes the status
(pkg/controller/disruption/disruption.go), and the eviction subresource spends one disruption
per eviction and records the pod in disruptedPods (pkg/registry/core/pod/storage/eviction.go
checkAndDecrement), so a drain cannot take two protected pods at once."""

import pytest

import kubelab as kl
from kubelab.api import errors

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def budget(**spec):
    import json
    return json.dumps({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
                       "spec": dict(spec, selector={"matchLabels": {"app": "web"}})})


def cluster():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.add_node(kl.VM("vm-2", cpu="4", memory="8Gi"))
    c.apply(WEB)
    c.run(30)
    return c


def web_pods(c):
    return sorted((p for p in c.api.list("Pod", "default", label_selector="app=web")
                   if p.metadata.deletion_timestamp is None), key=lambda p: p.metadata.name)


def test_the_controller_computes_the_budget_status():
    c = cluster()
    c.kubectl("apply -f -", stdin=budget(minAvailable=2))
    c.run(5)
    pdb = c.api.get("PodDisruptionBudget", "web")
    st = pdb.status
    assert (st.current_healthy, st.desired_healthy, st.expected_pods, st.disruptions_allowed) == (3, 2, 3, 1)
    assert st.observed_generation == pdb.metadata.generation == 1
    cond = st.conditions[0]
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == \
        ("DisruptionAllowed", "True", "SufficientPods", "")
    lines = c.kubectl("get pdb").splitlines()
    assert lines[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]
    assert lines[1].split()[:4] == ["web", "2", "N/A", "1"]


def test_max_unavailable_as_a_percentage_counts_the_deployments_replicas():
    c = cluster()
    c.kubectl("apply -f -", stdin=budget(maxUnavailable="50%"))
    c.run(5)
    st = c.api.get("PodDisruptionBudget", "web").status
    # 50% of 3 rounded up is 2 unavailable: 1 must stay healthy
    assert (st.expected_pods, st.desired_healthy, st.disruptions_allowed) == (3, 1, 2)
    c.kubectl("scale deployment web --replicas=5")
    c.run(30)
    st = c.api.get("PodDisruptionBudget", "web").status
    assert (st.expected_pods, st.desired_healthy, st.current_healthy, st.disruptions_allowed) == (5, 2, 5, 3)


def test_an_eviction_spends_a_disruption_and_the_next_one_is_refused():
    c = cluster()
    c.kubectl("apply -f -", stdin=budget(minAvailable=2))
    c.run(5)
    first, second = web_pods(c)[:2]
    c.api.evict(first.metadata.name)
    st = c.api.get("PodDisruptionBudget", "web").status
    assert st.disruptions_allowed == 0 and list(st.disrupted_pods) == [first.metadata.name]
    assert st.conditions[0]["reason"] == "InsufficientPods"
    with pytest.raises(errors.StatusError) as e:
        c.api.evict(second.metadata.name)
    assert e.value.status["code"] == 429
    assert str(e.value) == "Cannot evict pod as it would violate the pod's disruption budget."
    # the controller has seen the first pod terminating: 2 healthy, none to spare
    assert e.value.status["details"]["causes"] == [
        {"reason": "DisruptionBudget", "message": "The disruption budget web needs 2 healthy pods and has 2 currently"}]
    assert c.api.get("Pod", second.metadata.name).metadata.deletion_timestamp is None
    # the replacement runs and becomes ready: a disruption is allowed again
    c.run(30)
    st = c.api.get("PodDisruptionBudget", "web").status
    assert (st.current_healthy, st.disruptions_allowed, st.disrupted_pods) == (3, 1, None)
    c.api.evict(second.metadata.name)


def test_drain_waits_for_the_budget_and_never_takes_two_protected_pods_at_once():
    c = cluster()
    c.kubectl("apply -f -", stdin=budget(minAvailable=2))
    c.run(5)
    node = max(("vm-1", "vm-2"), key=lambda n: sum(p.spec.node_name == n for p in web_pods(c)))
    on_node = [p.metadata.name for p in web_pods(c) if p.spec.node_name == node]
    assert len(on_node) == 2
    healthy_seen = []
    c.history.every(1.0, lambda: healthy_seen.append(sum(
        1 for p in web_pods(c) if p.status.phase == "Running"
        and any(x.type == "Ready" and x.status == "True" for x in p.status.conditions or ()))))
    out = c.kubectl(f"drain {node} --ignore-daemonsets --timeout=120s")
    assert out.ok, str(out)
    assert "Cannot evict pod as it would violate the pod's disruption budget." in out  # retried every 5 s
    assert f"node/{node} drained" in out
    assert all(p.spec.node_name != node for p in web_pods(c))
    assert min(healthy_seen) >= 2

"""kubelab.api.podutil: readiness, availability and terminal pods, as
k8s.io/kubernetes/pkg/api/v1/pod/util.go (IsPodReady, IsPodAvailable, IsPodTerminal,
UpdatePodCondition) and its util_test.go cases."""

from __future__ import annotations

from kubelab.api.base import rfc3339
from kubelab.api.core import Pod
from kubelab.api.podutil import (get_pod_condition, get_pod_ready_condition, is_pod_available, is_pod_ready,
                                 is_pod_terminal, pod_ready_since, update_pod_condition)


def pod_with(ready=None, since=None, phase="Running") -> Pod:
    conds = [{"type": "PodScheduled", "status": "True"}]
    if ready is not None:
        c = {"type": "Ready", "status": ready}
        if since is not None:
            c["lastTransitionTime"] = rfc3339(since)
        conds.append(c)
    return Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                               "status": {"phase": phase, "conditions": conds}})


def test_ready_is_the_ready_condition_true():
    assert is_pod_ready(pod_with("True"))
    assert not is_pod_ready(pod_with("False"))
    assert not is_pod_ready(pod_with("Unknown"))
    assert not is_pod_ready(pod_with(None))  # no Ready condition at all
    assert pod_with("True").is_ready()  # the model's shortcut asks the same helper


def test_get_pod_condition_gives_index_and_condition():
    pod = pod_with("True")
    i, c = get_pod_condition(pod.status, "Ready")
    assert i == 1 and c.status == "True"
    assert get_pod_condition(pod.status, "Initialized") == (-1, None)
    assert get_pod_ready_condition(pod.status) is c


def test_available_needs_ready_for_more_than_min_ready_seconds():
    # util_test.go TestIsPodAvailable: ready 0 s ago with minReadySeconds 1 is not available,
    # with 0 it is; ready 51 s ago with minReadySeconds 50 is.
    now = 1000.0
    assert is_pod_available(pod_with("True", since=now), 0, now)
    assert not is_pod_available(pod_with("True", since=now), 1, now)
    assert is_pod_available(pod_with("True", since=now - 51), 50, now)
    assert not is_pod_available(pod_with("False", since=now - 51), 50, now)


def test_available_is_strictly_after_the_window_and_needs_a_transition_time():
    # LastTransitionTime.Add(minReadySeconds).Before(now): exactly at the edge is not yet available,
    # and a Ready condition without lastTransitionTime never is (when minReadySeconds > 0)
    now = 1000.0
    assert not is_pod_available(pod_with("True", since=now - 10), 10, now)
    assert is_pod_available(pod_with("True", since=now - 11), 10, now)
    assert not is_pod_available(pod_with("True"), 10, now)
    assert is_pod_available(pod_with("True"), 0, now)


def test_ready_since_is_the_ready_transition():
    assert pod_ready_since(pod_with("True", since=42)) == 42
    assert pod_ready_since(pod_with("False", since=42)) is None


def test_terminal_phases():
    assert is_pod_terminal(pod_with(phase="Succeeded")) and is_pod_terminal(pod_with(phase="Failed"))
    assert not is_pod_terminal(pod_with(phase="Running")) and not is_pod_terminal(pod_with(phase="Pending"))


def test_update_pod_condition_moves_transition_time_only_on_a_status_change():
    pod = pod_with(None)
    assert update_pod_condition(pod, "Ready", "False", 10, "ContainersNotReady")
    assert pod.status.condition("Ready").last_transition_time == rfc3339(10)
    assert not update_pod_condition(pod, "Ready", "False", 20, "ContainersNotReady")  # nothing changed
    assert update_pod_condition(pod, "Ready", "False", 30, "PodCompleted")  # reason changed, status did not
    assert pod.status.condition("Ready").last_transition_time == rfc3339(10)
    assert update_pod_condition(pod, "Ready", "True", 40)
    assert pod.status.condition("Ready").last_transition_time == rfc3339(40)
    assert [c.type for c in pod.status.conditions] == ["PodScheduled", "Ready"]

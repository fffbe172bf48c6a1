"""client-go's retries (k8s.io/client-go/rest/with_retry.go): a 429 or a 5xx with
Retry-After is sent again after that many seconds, at most 10 times."""

import pytest

from kubelab.api import decode, errors


def pod(name="web"):
    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                   "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})


def no_flow_control(world):
    # the max-inflight filter answers 429 at once when full (API Priority and Fairness
    # would queue the request instead: tests/apiserver/test_flowcontrol.py)
    world.server.enable_priority_and_fairness = False


def test_a_429_is_retried_after_retry_after_and_then_succeeds(world):
    # the server takes no writes at all for 3.5 s (max-inflight full), then frees up
    no_flow_control(world)
    world.server.max_mutating_requests_inflight = 0
    world.sim.call_later(3.5, setattr, world.server, "max_mutating_requests_inflight", 200)
    created = world.do(world.client.create(pod()))
    assert created.metadata.name == "web"
    # attempts at ~0 s, 1 s, 2 s, 3 s were refused with "Retry-After: 1"; the fifth went through
    assert world.client.retries == 4 and world.client.requests == 5
    assert 4.0 <= world.sim.now < 4.1


def test_retries_end_after_ten_with_kubectls_wording(world):
    no_flow_control(world)
    world.server.max_mutating_requests_inflight = 0
    with pytest.raises(errors.StatusError) as exc:
        world.do(world.client.create(pod()))
    err = exc.value
    assert world.client.requests == 11 and world.client.retries == 10  # the first try + maxRetries
    assert 10.0 <= world.sim.now < 10.2
    assert err.code == 429 and errors.is_too_many_requests(err)
    assert errors.kubectl_message(err) == (
        "Error from server (TooManyRequests): the server has received too many requests "
        "and has asked us to try again later (post pods)")
    # the filter's plain-text body survives as the cause, as client-go keeps it
    assert err.details["causes"] == [{"type": "UnexpectedServerResponse",
                                      "message": "Too many requests, please try again later.\n"}]
    assert world.server.read_list(type(pod())).items == []  # nothing was created


def test_a_read_names_the_object_in_the_message(world):
    world.do(world.client.create(pod()))
    no_flow_control(world)
    world.server.max_requests_inflight = 0
    with pytest.raises(errors.StatusError) as exc:
        world.do(world.client.get("pods", "web"))
    assert str(exc.value).endswith("try again later (get pods web)")


def test_errors_without_retry_after_are_not_retried(world):
    world.do(world.client.create(pod()))
    with pytest.raises(errors.StatusError) as exc:
        world.do(world.client.create(pod()))  # 409 AlreadyExists
    assert errors.is_already_exists(exc.value)
    assert world.client.retries == 0


def test_a_server_timeout_with_retry_after_is_retried(world):
    # a 5xx whose Status carries retryAfterSeconds (the API server sends it as Retry-After)
    real = world.server.handle
    answers = [errors.new_server_timeout("pods", "create", 2)]

    def handle(req):
        if answers:
            return world.sim.event().fail(answers.pop())
        return real(req)

    world.server.handle = handle
    world.do(world.client.create(pod()))
    assert world.client.retries == 1 and 2.0 <= world.sim.now < 2.1

"""API Priority and Fairness (k8s.io/apiserver/pkg/util/flowcontrol), on by default: requests
are classified by FlowSchema into priority levels, wait in fair queues when their level's
seats are taken, and only a full queue or a 15 s wait gets a 429."""

import pytest

from kubelab.api import decode, errors
from kubelab.api.core import ConfigMap
from kubelab.apiserver import flowcontrol
from kubelab.apiserver.user import ADMIN, ALL_AUTHENTICATED, UserInfo, node_user, service_account_user
from kubelab.client import APIClient

SCHEDULER = UserInfo("system:kube-scheduler", groups=(ALL_AUTHENTICATED,))
CONTROLLER_MANAGER = UserInfo("system:kube-controller-manager", groups=(ALL_AUTHENTICATED,))


def cm(name):
    return decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})


@pytest.mark.parametrize("verb,group,resource,namespace,user,flow_schema,level", [
    # kubelets: their Node and Lease in node-high, the rest in system
    ("patch", "", "nodes/status", "", node_user("node-1"), "system-node-high", "node-high"),
    ("update", "coordination.k8s.io", "leases", "kube-node-lease", node_user("node-1"), "system-node-high", "node-high"),
    ("get", "", "pods", "default", node_user("node-1"), "system-nodes", "system"),
    # leader election before the component's own schema
    ("update", "coordination.k8s.io", "leases", "kube-system", SCHEDULER, "system-leader-election", "leader-election"),
    ("create", "", "pods/binding", "default", SCHEDULER, "kube-scheduler", "workload-high"),
    ("update", "", "endpoints", "default", CONTROLLER_MANAGER, "endpoint-controller", "workload-high"),
    ("create", "", "pods", "default", CONTROLLER_MANAGER, "kube-controller-manager", "workload-high"),
    ("create", "", "pods", "default", service_account_user("kube-system", "replicaset-controller"),
     "kube-system-service-accounts", "workload-high"),
    ("get", "", "configmaps", "default", service_account_user("default", "app"), "service-accounts", "workload-low"),
    # kubeadm's admin.conf (kubeadm:cluster-admins since v1.29) is an ordinary user
    ("create", "apps", "deployments", "default", ADMIN, "global-default", "global-default"),
    ("delete", "", "pods", "default", UserInfo("alice", groups=("system:masters",)), "exempt", "exempt"),
])
def test_requests_are_classified_as_the_bootstrap_flow_schemas_say(verb, group, resource, namespace, user,
                                                                    flow_schema, level):
    apf = flowcontrol.APFController(sim=None)
    c = apf.classify(verb, group, resource, namespace, user)
    assert (c.flow_schema, c.priority_level) == (flow_schema, level)


def test_the_servers_600_seats_are_split_by_nominal_concurrency_shares():
    # --max-requests-inflight 400 + --max-mutating-requests-inflight 200; ceil(600 * NCS / 245)
    apf = flowcontrol.APFController(sim=None, server_concurrency_limit=600)
    limits = {name: s.concurrency_limit for name, s in apf.levels.items()}
    assert limits == {"exempt": 0, "system": 74, "node-high": 98, "leader-election": 25, "workload-high": 98,
                      "workload-low": 245, "global-default": 49, "catch-all": 13}


def test_shuffle_sharding_deals_distinct_queues_from_the_flows_hash():
    h = flowcontrol.hash_flow_id("global-default", "kubernetes-admin")
    hand = flowcontrol.deal(h, 128, 6)
    assert len(set(hand)) == 6 and all(0 <= q < 128 for q in hand)
    assert hand == flowcontrol.deal(h, 128, 6)  # the same flow always gets the same hand
    assert hand != flowcontrol.deal(flowcontrol.hash_flow_id("global-default", "alice"), 128, 6)
    # a deck as small as the hand: every card once
    assert sorted(flowcontrol.deal(h, 6, 6)) == list(range(6))


def few_seats(world, seats):
    """Shrink the server so that global-default has ``seats`` seats."""
    server = world.server
    server.max_requests_inflight, server.max_mutating_requests_inflight = seats * 245 // 20, 0
    server.flowcontrol.configure(server.max_requests_inflight)
    assert server.flowcontrol.levels["global-default"].concurrency_limit == seats


def test_past_its_seats_a_request_waits_in_a_queue_instead_of_a_429(world):
    few_seats(world, 2)
    client = APIClient(world.sim, world.net, "user", lambda h: world.server, "kubectl", user=ADMIN, max_retries=0)
    evs = [client.create(cm(f"c{i}")) for i in range(20)]
    level = world.server.flowcontrol.levels["global-default"]
    world.sim.run_for(0.001)
    assert level.seats_in_use == 2 and level.waiting == 18
    world.sim.run_for(5)
    assert all(e.ok for e in evs)
    assert level.rejected == {"queue-full": 0, "time-out": 0, "concurrency-limit": 0}
    assert len(world.server.read_list(ConfigMap, "default").items) == 20


def test_a_full_queue_and_a_long_wait_are_answered_429_with_retry_after(world):
    few_seats(world, 1)
    server = world.server
    client = APIClient(world.sim, world.net, "user", lambda h: server, "kubectl", user=ADMIN, max_retries=0)
    level = server.flowcontrol.levels["global-default"]
    # one flow is dealt 6 of the 128 queues of 50: 1 executing + 300 waiting, the rest refused
    world.do(world.client.create(cm("c")))
    evs = [client.get(ConfigMap, "c", "default") for i in range(1 + 6 * 50 + 5)]
    world.sim.run_for(0.001)
    assert level.rejected["queue-full"] == 5 and level.waiting == 300
    world.sim.run_for(5)  # the 301 others are served one at a time (2 ms each): none waits 15 s
    refused = [e.exception for e in evs if not e.ok]
    assert len(refused) == 5 and all(errors.is_too_many_requests(e) for e in refused)
    err = refused[0]
    assert err.code == 429 and err.details["retryAfterSeconds"] >= 1
    # client-go's words for a 429 whose body is the filter's plain text
    assert str(err) == "the server has received too many requests and has asked us to try again later (get configmaps c)"
    assert err.details["causes"][0]["message"] == "Too many requests, please try again later.\n"


def test_a_wait_longer_than_a_quarter_of_the_request_timeout_is_refused(world):
    few_seats(world, 1)
    server = world.server
    apf = server.flowcontrol
    c = apf.classify("get", "", "configmaps", "default", ADMIN)
    held, outcomes = [], []
    apf.admit(c, 1, held.append, lambda reason, retry: outcomes.append(("rejected", reason)))
    apf.admit(c, 1, lambda t: outcomes.append(("dispatched", world.sim.now)),
              lambda reason, retry: outcomes.append(("rejected", reason, world.sim.now)))
    world.sim.run_for(14.9)
    assert outcomes == []  # still waiting
    world.sim.run_for(1)
    assert outcomes == [("rejected", "time-out", pytest.approx(15.0, abs=0.02))]
    apf.finish(held[0])
    assert apf.levels["global-default"].seats_in_use == 0


def test_queues_take_turns_so_a_flood_does_not_starve_another_user(world):
    few_seats(world, 1)
    apf = world.server.flowcontrol
    flood = apf.classify("get", "", "configmaps", "default", UserInfo("flood", groups=("kubeadm:cluster-admins", ALL_AUTHENTICATED)))
    user = apf.classify("get", "", "configmaps", "default", ADMIN)
    order, tickets = [], []

    def dispatched(who):
        return lambda t: (order.append(who), tickets.append(t))

    for _ in range(40):
        apf.admit(flood, 1, dispatched("flood"), lambda *a: None)
    apf.admit(user, 1, dispatched("user"), lambda *a: None)
    while tickets:  # each finished request lets the next queue in turn dispatch
        apf.finish(tickets.pop(0))
    # the user's single request waits at most one turn of each of the flood's 6 queues
    # (after the one that found a free seat), not behind all 40
    assert order.index("user") <= 1 + 6
    assert order.count("flood") == 40


def test_system_masters_is_exempt_and_never_waits(world):
    few_seats(world, 1)
    apf = world.server.flowcontrol
    c = apf.classify("get", "", "configmaps", "default", UserInfo("root", groups=("system:masters",)))
    dispatched = []
    for _ in range(100):
        apf.admit(c, 1, dispatched.append, lambda *a: None)
    assert len(dispatched) == 100 and apf.levels["exempt"].waiting == 0


def test_retry_after_doubles_while_a_level_keeps_dropping_and_falls_back():
    tracker = flowcontrol._DroppedRequests()
    for second in range(0, 4):
        for _ in range(10):
            tracker.record(second + 0.5)
    assert tracker.retry_after >= 2  # >= 3 x Retry-After drops in the last Retry-After seconds
    high = tracker.retry_after
    for second in range(10, 60, 5):  # one drop now and then
        tracker.record(second)
    assert tracker.retry_after < high


def test_turned_off_the_server_uses_max_inflight_instead(world):
    server = world.server
    server.enable_priority_and_fairness = False
    server.max_mutating_requests_inflight = 0
    client = APIClient(world.sim, world.net, "user", lambda h: server, "kubectl", user=ADMIN, max_retries=0)
    with pytest.raises(errors.StatusError) as exc:
        world.do(client.create(cm("x")))
    assert exc.value.code == 429 and world.sim.now < 0.1  # refused at once, not queued


def test_a_flow_that_was_busy_earlier_is_not_penalised_once_its_queue_went_idle(world):
    """queueset.go: a queue that is idle (nothing waiting, nothing executing) starts again at
    the level's virtual time, so a user's earlier burst costs nothing later."""
    few_seats(world, 1)
    apf = world.server.flowcontrol
    user = apf.classify("get", "", "configmaps", "default", ADMIN)
    flood = apf.classify("get", "", "configmaps", "default",
                         UserInfo("flood", groups=("kubeadm:cluster-admins", ALL_AUTHENTICATED)))
    for _ in range(200):  # the user's earlier burst, each served at once
        tickets = []
        apf.admit(user, 1, tickets.append, lambda *a: None)
        apf.finish(tickets[0])
    order, tickets = [], []
    for _ in range(30):
        apf.admit(flood, 1, lambda t: (order.append("flood"), tickets.append(t)), lambda *a: None)
    apf.admit(user, 1, lambda t: (order.append("user"), tickets.append(t)), lambda *a: None)
    while tickets:
        apf.finish(tickets.pop(0))
    assert order.index("user") <= 1 + 6

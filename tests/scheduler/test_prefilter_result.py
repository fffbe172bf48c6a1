"""PreFilterResult: a PreFilter plugin may name the only nodes worth filtering; the cycle then
looks at those nodes alone, and every other node gets the absent nodes' status.

upstream: pkg/scheduler/framework/interface.go (PreFilterResult, Merge, AllNodes),
pkg/scheduler/framework/runtime/framework.go (RunPreFilterPlugins),
pkg/scheduler/schedule_one.go (findNodesThatFitPod), framework/types.go (FitError.Error),
pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (PreFilter).
"""

import pytest
from helpers import make_node, make_pod, scheduler_with

from kubelab.scheduler.framework.cycle_state import CycleState
from kubelab.scheduler.framework.interface import PreFilterResult, merge_pre_filter_results
from kubelab.scheduler.framework.runtime import Framework, FrameworkError
from kubelab.scheduler.framework.status import Code, Status
from kubelab.scheduler.framework.types import PodInfo
from kubelab.scheduler.plugins.nodeaffinity import ERR_REASON_CONFLICT, ERR_REASON_POD, NodeAffinity


def node(name, cpu="4", **kw):
    return make_node(name, {"cpu": cpu, "memory": "8Gi", "pods": "110"},
                     labels={"kubernetes.io/hostname": name, **kw.pop("labels", {})}, **kw)


def name_in(*values):
    """A requirement on metadata.name, as the DaemonSet controller writes one."""
    return {"key": "metadata.name", "operator": "In", "values": list(values)}


def required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def ds_pod(name, node_name, cpu="100m"):
    return make_pod(name, reqs=[{"cpu": cpu}], affinity=required({"matchFields": [name_in(node_name)]}))


# -- PreFilterResult.Merge (interface.go) ------------------------------------------------------

@pytest.mark.parametrize("a, b, want", [
    (None, None, None),                                  # both nil: nil (all nodes)
    (None, PreFilterResult(), None),                     # nil NodeNames counts as all nodes
    (None, PreFilterResult(set()), set()),               # all nodes & empty set: empty
    (PreFilterResult(set()), None, set()),
    (PreFilterResult(set()), PreFilterResult(set()), set()),
    (None, PreFilterResult({"n1"}), {"n1"}),
    (PreFilterResult({"n1", "n2"}), None, {"n1", "n2"}),
    (PreFilterResult({"n1", "n2"}), PreFilterResult(set()), set()),
    (PreFilterResult({"n1", "n2"}), PreFilterResult({"n2", "n3"}), {"n2"}),
])
def test_pre_filter_result_merge_intersects_and_nil_means_all_nodes(a, b, want):
    """upstream: pkg/scheduler/framework/interface.go (*PreFilterResult).Merge / AllNodes."""
    got = merge_pre_filter_results(a, b)
    assert (got if got is None else got.node_names) == want
    if a is not None:
        m = a.merge(b)
        assert (m if m is None else m.node_names) == want


# -- NodeAffinity PreFilter (node_affinity_test.go TestNodeAffinity) ---------------------------

def _affinity_prefilter(pod):
    st = CycleState()
    r = NodeAffinity().pre_filter(st, PodInfo(pod), None)
    res, status = (r if isinstance(r, tuple) else (r, None)) if not isinstance(r, Status) else (None, r)
    return st, res, status


@pytest.mark.parametrize("name, terms, want_names", [
    ("Pod with matchFields using In operator that matches the existing node",
     [{"matchFields": [name_in("node1")]}], {"node1"}),
    ("Pod with two terms: matchFields does not match, but matchExpressions matches",
     [{"matchFields": [name_in("node1"), name_in("node2")]},
      {"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}], None),
    ("Pod with one term: matchFields does not match, but matchExpressions matches",
     [{"matchFields": [name_in("node1")], "matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}],
     {"node1"}),
    ("Pod with two terms of node.Name affinity",
     [{"matchFields": [name_in("node1")]}, {"matchFields": [name_in("node2")]}], {"node1", "node2"}),
    ("Pod with matchExpressions only (no node names): all nodes",
     [{"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}], None),
])
def test_node_affinity_pre_filter_result(name, terms, want_names):
    """upstream: plugins/nodeaffinity/node_affinity_test.go TestNodeAffinity, the
    wantPreFilterResult cases (terms ORed: a term without metadata.name allows every node;
    a term's name requirements are intersected)."""
    _, res, status = _affinity_prefilter(make_pod("p", affinity=required(*terms)))
    assert status is None
    assert (None if res is None else res.node_names) == want_names


def test_node_affinity_pre_filter_conflicting_match_fields():
    """upstream: node_affinity_test.go "Pod with two conflicting mach field requirements":
    PreFilter is UnschedulableAndUnresolvable "pod affinity terms conflict", and Filter
    still says ErrReasonPod for the node."""
    pod = make_pod("p", affinity=required({"matchFields": [name_in("node1"), name_in("node2")]}))
    st, res, status = _affinity_prefilter(pod)
    assert res is None
    assert status.code == Code.UnschedulableAndUnresolvable and status.reasons == (ERR_REASON_CONFLICT,)
    s = scheduler_with([node("node2", labels={"foo": "bar"})])
    f = NodeAffinity().filter(st, PodInfo(pod), s.cache.node_list[0])
    assert f.code == Code.UnschedulableAndUnresolvable and f.reasons == (ERR_REASON_POD,)


def test_node_affinity_added_affinity_names_no_nodes():
    """upstream: node_affinity_test.go "Matches added affinity and Pod's node affinity":
    only the pod's own terms make a PreFilterResult, not the profile's addedAffinity."""
    pl = NodeAffinity({"addedAffinity": required({"matchFields": [name_in("node2")]})["nodeAffinity"]})
    pod = make_pod("p", affinity=required({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["foo"]}]}))
    assert pl.pre_filter(CycleState(), PodInfo(pod), None) is None


# -- RunPreFilterPlugins (runtime/framework_test.go TestRunPreFilterPlugins) --------------------

class FakePreFilter:
    def __init__(self, name, code=Code.Success, names=None):
        self.name, self.code, self.names, self.called = name, code, names, False

    def pre_filter(self, state, pod, snapshot):
        self.called = True
        st = None if self.code == Code.Success else Status(self.code, "injected")
        return (None if self.names is None else PreFilterResult(self.names)), st


def framework_of(*plugins):
    return Framework("test", None, {p.name: p for p in plugins}, {"preFilter": [p.name for p in plugins]}, {})


@pytest.mark.parametrize("name, plugins, want_code, want_skipped, want_names", [
    ("all PreFilter returned success", [("success1", Code.Success), ("success2", Code.Success)],
     Code.Success, set(), None),
    ("all PreFilter plugins returned skip", [("skip1", Code.Skip), ("skip2", Code.Skip), ("skip3", Code.Skip)],
     Code.Success, {"skip1", "skip2", "skip3"}, None),
    ("some PreFilter plugins returned skip",
     [("skip1", Code.Skip), ("success1", Code.Success), ("skip2", Code.Skip), ("success2", Code.Success)],
     Code.Success, {"skip1", "skip2"}, None),
    ("one PreFilter plugin returned Unschedulable, but another PreFilter plugin should be executed",
     [("unschedulable", Code.Unschedulable), ("skip", Code.Skip)], Code.Unschedulable, {"skip"}, None),
    ("one PreFilter plugin returned UnschedulableAndUnresolvable, and all other plugins aren't executed",
     [("unresolvable", Code.UnschedulableAndUnresolvable), ("skip", Code.Skip)],
     Code.UnschedulableAndUnresolvable, set(), None),
    ("all nodes are filtered out by prefilter result, but other plugins aren't executed",
     [("reject-all-nodes", Code.Success, set()), ("skip", Code.Skip)],
     Code.UnschedulableAndUnresolvable, set(), set()),
])
def test_run_pre_filter_plugins(name, plugins, want_code, want_skipped, want_names):
    """upstream: runtime/framework_test.go TestRunPreFilterPlugins."""
    fwk = framework_of(*(FakePreFilter(*p) for p in plugins))
    state = CycleState()
    res, status, _ = fwk.run_pre_filter_plugins(state, PodInfo(make_pod("p")), None)
    assert status.code == want_code
    assert state.skip_filter_plugins == want_skipped
    assert (None if res is None else res.node_names) == want_names


@pytest.mark.parametrize("plugins", [
    [("success", Code.Success), ("error", Code.Error)],
    [("skip", Code.Skip), ("error", Code.Error)],
])
def test_run_pre_filter_plugins_error(plugins):
    """upstream: TestRunPreFilterPlugins "... another PreFilter plugin returned non-success":
    an Error aborts the cycle ('running PreFilter plugin "error": ...')."""
    fwk = framework_of(*(FakePreFilter(*p) for p in plugins))
    with pytest.raises(FrameworkError, match='running PreFilter plugin "error": injected'):
        fwk.run_pre_filter_plugins(CycleState(), PodInfo(make_pod("p")), None)


def test_run_pre_filter_plugins_merges_node_names():
    """upstream: runtime/framework.go RunPreFilterPlugins: results are intersected; the
    plugins that named nodes are reported (they become the diagnosis' UnschedulablePlugins);
    an empty intersection is UnschedulableAndUnresolvable, worded by how many plugins named
    nodes."""
    a, b, c = FakePreFilter("A", names={"n1", "n2"}), FakePreFilter("B"), FakePreFilter("C", names={"n2", "n3"})
    res, status, with_nodes = framework_of(a, b, c).run_pre_filter_plugins(CycleState(), PodInfo(make_pod("p")), None)
    assert status.is_success() and res.node_names == {"n2"} and with_nodes == {"A", "C"}

    d = FakePreFilter("D", names={"n9"})
    res, status, with_nodes = framework_of(a, c, d).run_pre_filter_plugins(CycleState(), PodInfo(make_pod("p")), None)
    assert status.code == Code.UnschedulableAndUnresolvable
    assert status.message() == "node(s) didn't satisfy plugin(s) [A C D] simultaneously"
    assert res.node_names == set() and with_nodes == {"A", "C", "D"}

    one = FakePreFilter("Only", names=set())
    later = FakePreFilter("Later")
    _, status, _ = framework_of(one, later).run_pre_filter_plugins(CycleState(), PodInfo(make_pod("p")), None)
    assert status.message() == "node(s) didn't satisfy plugin Only" and not later.called


# -- the scheduling cycle (schedule_one.go findNodesThatFitPod) --------------------------------

class CountingFilter:
    """A Filter plugin with no vector form: counts the nodes it is asked about."""
    name = "CountingFilter"

    def __init__(self):
        self.nodes = []

    def filter(self, state, pod, node):
        self.nodes.append(node.name)
        return None


def test_daemonset_pod_is_filtered_against_its_node_only():
    """upstream: schedule_one.go findNodesThatFitPod: `if !preRes.AllNodes()` only the named
    nodes are filtered; the others get the absent status "node(s) didn't satisfy plugin(s)
    [NodeAffinity]" (the DaemonSet controller's matchFields metadata.name In [<node>])."""
    s = scheduler_with([node(f"node-{i}") for i in range(10)], [ds_pod("ds-7", "node-7")])
    counter = CountingFilter()
    s.framework.add_plugin(counter, ["filter"])
    s.run_until_idle()
    d = s.explain("ds-7")
    assert d.result == "Scheduled" and d.selected_node == "node-7"
    assert counter.nodes == ["node-7"]
    assert d.evaluated_nodes == 1 and d.feasible_nodes == 1
    assert d.pre_filter_result == ["node-7"]
    assert len(d.filtered_out) == 9
    assert d.filtered_out["node-3"] == "node(s) didn't satisfy plugin(s) [NodeAffinity]"
    assert d.filter_code["node-3"] == "UnschedulableAndUnresolvable"
    assert d.filter_plugin["node-3"] == "NodeAffinity"
    assert "was not considered" in d.why_not("node-3")
    assert s.next_start_node_index == 1  # (0 + len(feasible) + len(NodeToStatus)) % 10


def test_daemonset_pod_whose_node_does_not_fit_gets_upstream_fit_error():
    """upstream: framework/types.go FitError.Error: the absent nodes count with the absent
    status' reason (NumAllNodes - NodeToStatus.Len()); preemption finds them
    UnschedulableAndUnresolvable (not helpful)."""
    nodes = [node(f"node-{i}") for i in range(10)]
    nodes[7] = node("node-7", cpu="1")
    s = scheduler_with(nodes, [ds_pod("ds-7", "node-7", cpu="2")])
    s.run_until_idle()
    d = s.explain("ds-7")
    assert d.result == "Unschedulable"
    assert d.message == (
        "0/10 nodes are available: 1 Insufficient cpu, 9 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
        "preemption: 0/10 nodes are available: 1 No preemption victims found for incoming pod, "
        "9 Preemption is not helpful for scheduling.")
    assert d.reason_counts() == {"Insufficient cpu": 1, "node(s) didn't satisfy plugin(s) [NodeAffinity]": 9}
    assert d.filtered_out["node-7"] == "Insufficient cpu" and d.filter_plugin["node-7"] == "NodeResourcesFit"
    # diagnosis.UnschedulablePlugins: the plugins that named nodes, and the rejecting ones
    assert s.queue.pods[d.uid].unschedulable_plugins == {"NodeAffinity", "NodeResourcesFit"}


def test_pre_filter_result_naming_only_missing_nodes():
    """upstream: schedule_one_test.go "test prefilter plugin returned an invalid node": names
    that are not nodes are dropped; with none left every node is absent:
    "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [FakePreFilter]."."""
    s = scheduler_with([node("1"), node("2")], [make_pod("test-prefilter")])
    s.framework.add_plugin(FakePreFilter("FakePreFilter", names={"invalid-node"}), ["preFilter"])
    s.run_until_idle()
    d = s.explain("test-prefilter")
    assert d.message.startswith("0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [FakePreFilter]. ")
    assert d.evaluated_nodes == 0 and d.pre_filter_result == []


def test_conflicting_node_names_reject_at_pre_filter():
    """upstream: node_affinity.go PreFilter errReasonConflict, reported as the PreFilter
    message (FitError.Error with PreFilterMsg)."""
    pod = make_pod("p", affinity=required({"matchFields": [name_in("node-1"), name_in("node-2")]}))
    s = scheduler_with([node(f"node-{i}") for i in range(3)], [pod])
    s.run_until_idle()
    assert s.explain("p").message.startswith("0/3 nodes are available: pod affinity terms conflict. ")


def test_start_index_walks_the_narrowed_list_and_advances_over_all_nodes():
    """upstream: schedule_one.go: findNodesThatPassFilters walks
    nodes[(nextStartNodeIndex+i) % len(nodes)] of the narrowed list, then nextStartNodeIndex
    = (nextStartNodeIndex + processed) % len(allNodes)."""
    s = scheduler_with([node(f"node-{i}") for i in range(10)])
    counter = CountingFilter()
    s.framework.add_plugin(counter, ["filter"])
    s.next_start_node_index = 4
    s.add_pod(make_pod("p", reqs=[{"cpu": "100m"}],
                       affinity=required({"matchFields": [name_in("node-1", "node-3", "node-5")]})))
    s.run_until_idle()
    assert counter.nodes == ["node-3", "node-5", "node-1"]  # start 4 % 3 = 1 in the narrowed list
    assert s.next_start_node_index == (4 + 3) % 10
    assert s.explain("p").selected_node in {"node-1", "node-3", "node-5"}

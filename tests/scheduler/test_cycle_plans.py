"""What the scheduling cycle keeps between cycles for speed must follow the profile.

upstream: pkg/scheduler/framework/runtime/framework.go (RunFilterPlugins /
RunScorePlugins walk the profile's plugins every cycle, minus those PreFilter / PreScore
skipped). kubelab keeps the per-cycle plugin lists per (plugin list, skipped set); these
tests change the profile between cycles and check the next cycle sees the change.
"""

from helpers import make_node, make_pod

from kubelab.scheduler import Scheduler
from kubelab.sim.kernel import Simulator


def _nodes(s, *names):
    for n in names:
        s.add_node(make_node(n, {"cpu": "4", "memory": "8Gi", "pods": "110"}, labels={"kubernetes.io/hostname": n}))


def test_a_filter_registered_after_cycles_ran_is_used_by_the_next_cycle():
    """upstream: framework.go RunFilterPlugins (every enabled filter, in order)."""
    s = Scheduler(Simulator(seed=1))
    _nodes(s, "a", "b")
    s.add_pod(make_pod("first"))
    s.run_until_idle()
    assert s.explain("first").result == "Scheduled"
    s.register_plugin(lambda pod, node: node.metadata.name == "b" or "not b", point="filter", name="only_b")
    s.add_pod(make_pod("second"))
    s.run_until_idle()
    d = s.explain("second")
    assert d.selected_node == "b"
    assert d.filtered_out == {"a": "not b"} and d.filter_plugin == {"a": "only_b"}
    s.unregister_plugin("only_b")
    s.add_pod(make_pod("third"))
    s.run_until_idle()
    assert s.explain("third").filtered_out == {}


def test_a_score_plugin_registered_after_cycles_ran_is_scored_and_weighted():
    """upstream: framework.go RunScorePlugins (scores x weight, summed per node)."""
    s = Scheduler(Simulator(seed=1))
    _nodes(s, "a", "b")
    s.add_pod(make_pod("first"))
    s.run_until_idle()
    assert "prefer_a" not in s.explain("first").weights
    s.register_plugin(lambda pod, node: 100 if node.metadata.name == "a" else 0, point="score", weight=7, name="prefer_a")
    s.add_pod(make_pod("second"))
    s.run_until_idle()
    d = s.explain("second")
    assert d.weights["prefer_a"] == 7 and d.scores["a"]["prefer_a"] == 100 and d.scores["b"]["prefer_a"] == 0
    assert d.selected_node == "a"
    for n, per in d.scores.items():
        assert d.total[n] == sum(v * d.weights[p] for p, v in per.items())


def test_raw_scores_past_int32_are_kept_exactly_when_normalize_brings_them_into_range():
    """upstream: framework.go runScorePlugins then NormalizeScore; the raw score a plugin
    gave (any int64) is what explain shows, not a wrapped int32."""
    class Huge:
        name = "Huge"

        def score(self, state, pod, node):
            return 2**40 if node.name == "a" else 2**39

        def normalize_score(self, state, pod, scores, idx):
            return scores * 100 // scores.max()

    # TaintToleration's Score off: Huge is the only plugin whose raw row normalising changes
    cfg = {"profiles": [{"schedulerName": "default-scheduler",
                         "plugins": {"score": {"disabled": [{"name": "TaintToleration"}]}}}]}
    s = Scheduler(Simulator(seed=1), config=cfg)
    _nodes(s, "a", "b")
    s.register_plugin(Huge(), point="score")
    s.add_pod(make_pod("p"))
    s.run_until_idle()
    d = s.explain("p")
    assert [p for p in d.weights if p in ("Huge", "TaintToleration", "NodeAffinity", "PodTopologySpread",
                                          "InterPodAffinity")] == ["Huge"]
    assert d.raw_scores["a"]["Huge"] == 2**40 and d.raw_scores["b"]["Huge"] == 2**39
    assert d.scores["a"]["Huge"] == 100 and d.scores["b"]["Huge"] == 50

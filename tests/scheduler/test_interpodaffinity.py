"""InterPodAffinity (plugins/interpodaffinity/filtering_test.go, scoring_test.go)."""

from helpers import make_node, make_pod, run_filter, run_score

ZONE = "zone"


def sel(**labels):
    return {"matchLabels": labels}


def aff(required=(), preferred=(), anti_required=(), anti_preferred=()):
    out = {}
    if required or preferred:
        out["podAffinity"] = {}
        if required:
            out["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = list(required)
        if preferred:
            out["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = list(preferred)
    if anti_required or anti_preferred:
        out["podAntiAffinity"] = {}
        if anti_required:
            out["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = list(anti_required)
        if anti_preferred:
            out["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = list(anti_preferred)
    return out


def t(key, **labels):
    return {"labelSelector": sel(**labels), "topologyKey": key}


def w(weight, key, **labels):
    return {"weight": weight, "podAffinityTerm": t(key, **labels)}


NODES = [make_node("m1", labels={ZONE: "z1", "region": "r1"}), make_node("m2", labels={ZONE: "z1", "region": "r1"}),
         make_node("m3", labels={ZONE: "z2", "region": "r1"})]


def test_required_affinity_matches_existing_pod_zone():
    existing = [make_pod("db", node="m1", labels={"app": "db"})]
    p = make_pod("web", labels={"app": "web"}, affinity=aff(required=[t(ZONE, app="db")]))
    got = run_filter("InterPodAffinity", p, NODES, existing)
    miss = ("UnschedulableAndUnresolvable", ("node(s) didn't match pod affinity rules",))
    assert got == {"m1": None, "m2": None, "m3": miss}


def test_required_affinity_first_pod_of_a_group_may_go_anywhere():
    # "satisfies the PodAffinity with labelSelector... pod matches its own terms"
    p = make_pod("web", labels={"app": "web"}, affinity=aff(required=[t(ZONE, app="web")]))
    assert run_filter("InterPodAffinity", p, NODES) == {"m1": None, "m2": None, "m3": None}


def test_required_anti_affinity_of_incoming_pod():
    existing = [make_pod("web-1", node="m1", labels={"app": "web"})]
    p = make_pod("web-2", labels={"app": "web"}, affinity=aff(anti_required=[t(ZONE, app="web")]))
    miss = ("Unschedulable", ("node(s) didn't match pod anti-affinity rules",))
    assert run_filter("InterPodAffinity", p, NODES, existing) == {"m1": miss, "m2": miss, "m3": None}


def test_existing_pods_anti_affinity():
    existing = [make_pod("loner", node="m3", labels={"app": "loner"}, affinity=aff(anti_required=[t(ZONE, app="web")]))]
    p = make_pod("web", labels={"app": "web"})
    miss = ("Unschedulable", ("node(s) didn't satisfy existing pods anti-affinity rules",))
    assert run_filter("InterPodAffinity", p, NODES, existing) == {"m1": None, "m2": None, "m3": miss}


def test_no_affinity_anywhere_is_skipped():
    assert run_filter("InterPodAffinity", make_pod(), NODES) == {"m1": None, "m2": None, "m3": None}


def test_score_preferred_affinity_per_topology():
    # pods with label security=S1 on m1 (zone z1): preferring them by zone gives m1, m2 the top score
    existing = [make_pod("s1", node="m1", labels={"security": "S1"}), make_pod("s2", node="m3", labels={"security": "S2"})]
    p = make_pod("p", affinity=aff(preferred=[w(5, ZONE, security="S1")]))
    assert run_score("InterPodAffinity", p, NODES, existing) == {"m1": 100, "m2": 100, "m3": 0}


def test_score_affinity_and_anti_affinity_combined():
    # affinity to S1 by region (+5 everywhere in r1), anti-affinity to S2 by zone (-3 in z2)
    existing = [make_pod("s1", node="m1", labels={"security": "S1"}), make_pod("s2", node="m3", labels={"security": "S2"})]
    p = make_pod("p", affinity=aff(preferred=[w(5, "region", security="S1")], anti_preferred=[w(3, ZONE, security="S2")]))
    assert run_score("InterPodAffinity", p, NODES, existing) == {"m1": 100, "m2": 100, "m3": 0}


def test_score_existing_pods_hard_affinity_counts_hard_pod_affinity_weight():
    # an existing pod requiring affinity to pods like the incoming one pulls it towards its zone
    existing = [make_pod("e", node="m3", labels={"x": "y"}, affinity=aff(required=[t(ZONE, app="web")]))]
    p = make_pod("web", labels={"app": "web"})
    assert run_score("InterPodAffinity", p, NODES, existing) == {"m1": 0, "m2": 0, "m3": 100}
    assert run_score("InterPodAffinity", p, NODES, existing, args={"hardPodAffinityWeight": 0}) is None


def test_score_skipped_without_any_affinity():
    assert run_score("InterPodAffinity", make_pod(), NODES, [make_pod("x", node="m1")]) is None

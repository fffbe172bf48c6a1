"""The HPA's replica calculation and stabilisation, case by case as upstream tests them
(pkg/controller/podautoscaler/replica_calculator_test.go, horizontal_test.go)."""

import pytest

from kubelab.api.autoscaling import HPAScalingPolicy, HPAScalingRules
from kubelab.api.base import rfc3339
from kubelab.api.core import Container, Pod, PodCondition, PodSpec, PodStatus, ResourceRequirements
from kubelab.api.meta import ObjectMeta
from kubelab.controllers.podautoscaler import (
    MetricsError,
    PodMetric,
    Recommender,
    resource_replicas,
    scale_down_limit,
    scale_up_limit,
)

NOW = 10_000.0
COOL = NOW - 600  # coolCPUCreationTime: started before the CPU initialisation period
HOT = NOW - 60  # hotCPUCreationTime


def pods(requests, readiness=None, phases=None, deleting=None, starts=None):
    out = []
    for i, req in enumerate(requests):
        ready = (readiness or ["True"] * len(requests))[i]
        start = (starts or [COOL] * len(requests))[i]
        p = Pod(metadata=ObjectMeta(name=f"test-pod-{i}", namespace="default"),
                spec=PodSpec(containers=[Container(name="c", image="app", resources=ResourceRequirements(requests={"cpu": req}))]),
                status=PodStatus(phase=(phases or ["Running"] * len(requests))[i], start_time=rfc3339(start),
                                 conditions=[PodCondition(type="Ready", status=ready,
                                                          last_transition_time=rfc3339(start))]))
        if deleting and deleting[i]:
            p.metadata.deletion_timestamp = rfc3339(NOW)
        out.append(p)
    return out


def levels(*values):
    return {f"test-pod-{i}": PodMetric(v, NOW - 5, 60.0) for i, v in enumerate(values)}


# (upstream test, current replicas, pods, metric levels, target %, expected replicas, utilization %, raw value)
CASES = [
    ("TestReplicaCalcScaleUp", 3, pods(["1", "1", "1"]), levels(300, 500, 700), 30, 5, 50, 500),
    ("TestReplicaCalcScaleUpUnreadyLessScale", 3, pods(["1", "1", "1"], readiness=["False", "True", "True"]),
     levels(300, 500, 700), 30, 4, 60, 600),
    ("TestReplicaCalcScaleUpHotCpuLessScale", 3, pods(["1", "1", "1"], starts=[HOT, COOL, COOL]),
     levels(300, 500, 700), 30, 4, 60, 600),
    ("TestReplicaCalcScaleUpUnreadyNoScale", 3, pods(["1", "1", "1"], readiness=["True", "False", "False"]),
     levels(400, 500, 700), 30, 3, 40, 400),
    ("TestReplicaCalcScaleDown", 5, pods(["1"] * 5), levels(100, 300, 500, 250, 250), 50, 3, 28, 280),
    ("TestReplicaCalcScaleDownExcludeUnreadyPods", 5, pods(["1"] * 5, readiness=["True"] * 3 + ["False"] * 2),
     levels(100, 300, 500, 250, 250), 50, 2, 30, 300),
    ("TestReplicaCalcScaleDownExcludeUnscheduledPods", 5,
     pods(["1"] * 5, readiness=["True"] + ["False"] * 4, phases=["Running"] + ["Pending"] * 4),
     levels(100), 50, 1, 10, 100),
    ("TestReplicaCalcScaleDownIgnoreHotCpuPods", 5, pods(["1"] * 5, starts=[COOL] * 3 + [HOT] * 2),
     levels(100, 300, 500, 250, 250), 50, 2, 30, 300),
    ("TestReplicaCalcScaleDownIgnoresFailedPods", 5,
     pods(["1"] * 7, readiness=["True"] * 5 + ["False"] * 2, phases=["Running"] * 5 + ["Failed"] * 2),
     levels(100, 300, 500, 250, 250), 50, 3, 28, 280),
    ("TestReplicaCalcScaleDownIgnoresDeletionPods", 5,
     pods(["1"] * 7, readiness=["True"] * 5 + ["False"] * 2, deleting=[False] * 5 + [True] * 2),
     levels(100, 300, 500, 250, 250), 50, 3, 28, 280),
    ("TestReplicaCalcTolerance", 3, pods(["900m", "1", "1100m"]), levels(1010, 1030, 1020), 100, 3, 102, 1020),
    # missing metrics: assumed at 100 % of request on the way down, 0 on the way up; no
    # change when that would flip the direction (upstream's pods have two containers, so its
    # raw values are twice these)
    ("TestReplicaCalcMissingMetricsNoChangeEq", 2, pods(["1", "1"]), levels(1000), 100, 2, 100, 1000),
    ("TestReplicaCalcMissingMetricsNoChangeGt", 2, pods(["1", "1"]), levels(1900), 100, 2, 190, 1900),
    ("TestReplicaCalcMissingMetricsNoChangeLt", 2, pods(["1", "1"]), levels(600), 100, 2, 60, 600),
    ("TestReplicaCalcMissingMetricsUnreadyChange", 3, pods(["1"] * 3, readiness=["False", "True", "True"]),
     levels(100, 450), 50, 3, 45, 450),
    ("TestReplicaCalcMissingMetricsHotCpuNoChange", 3, pods(["1"] * 3, starts=[HOT, COOL, COOL]),
     levels(100, 450), 50, 3, 45, 450),
    ("TestReplicaCalcMissingMetricsUnreadyScaleUp", 3, pods(["1"] * 3, readiness=["False", "True", "True"]),
     levels(100, 2000), 50, 4, 200, 2000),
    ("TestReplicaCalcMissingMetricsHotCpuScaleUp", 3, pods(["1"] * 3, readiness=["False", "True", "True"],
                                                            starts=[HOT, COOL, COOL]),
     levels(100, 2000), 50, 4, 200, 2000),
    ("TestReplicaCalcMissingMetricsUnreadyScaleDown", 4, pods(["1"] * 4, readiness=["False", "True", "True", "True"]),
     levels(100, 100, 100), 50, 3, 10, 100),
    ("TestReplicaCalcDuringRollingUpdateWithMaxSurge", 2, pods(["1"] * 3), levels(100, 100), 50, 2, 10, 100),
    ("TestReplicaCalcSuperfluousMetrics", 4, pods(["1"] * 4), levels(4000, 9500, 3000, 7000, 3200, 2000), 100, 24, 587,
     5875),
]


@pytest.mark.parametrize("case,current,pod_list,metrics,target,replicas,utilization,raw", CASES, ids=[c[0] for c in CASES])
def test_replica_calculation_matches_upstream(case, current, pod_list, metrics, target, replicas, utilization, raw):
    assert resource_replicas(current, target, "cpu", pod_list, metrics, NOW) == (replicas, utilization, raw)


def test_metrics_for_pods_that_are_not_targeted_match_nothing():
    # TestReplicaCalcDisjointResourcesMetrics
    with pytest.raises(MetricsError, match="no metrics returned matched known pods"):
        resource_replicas(1, 100, "cpu", pods(["1"]), {"an-older-pod-name": PodMetric(100, NOW, 30)}, NOW)


def test_a_container_without_a_request_cannot_be_scaled_on_utilization():
    p = pods(["1"])
    p[0].spec.containers[0].resources = None
    with pytest.raises(MetricsError, match="missing request for cpu in container c of Pod test-pod-0"):
        resource_replicas(1, 50, "cpu", p, levels(100), NOW)


def test_missing_metrics_count_as_full_use_on_the_way_down():
    # TestReplicaCalcMissingMetricsNoChangeLt: one pod without metrics blocks a scale-down to 1
    p = pods(["1", "1"])
    assert resource_replicas(2, 100, "cpu", p, {"test-pod-0": PodMetric(400, NOW - 5, 30)}, NOW)[0] == 2


def test_the_scale_down_stabilization_window_keeps_the_highest_recent_recommendation():
    r = Recommender()
    assert r.stabilize("ns/web", 6, 0.0) == 6
    assert r.stabilize("ns/web", 2, 100.0) == 6  # within 300 s of the recommendation for 6
    assert r.stabilize("ns/web", 2, 299.0) == 6
    assert r.stabilize("ns/web", 2, 301.0) == 2  # the 6 has left the window


def test_behavior_policies_limit_the_rate_of_scaling():
    up = HPAScalingRules(stabilization_window_seconds=0, select_policy="Max",
                         policies=[HPAScalingPolicy(type="Pods", value=4, period_seconds=15),
                                   HPAScalingPolicy(type="Percent", value=100, period_seconds=15)])
    # from 3 pods: +4 pods or +100 % (6), whichever is more -> 7
    assert scale_up_limit(3, [], [], up, 0.0) == 7
    # after scaling 3 -> 7 in this period, the period started at 3: still 7 at most
    assert scale_up_limit(7, [[4, 0.0, False]], [], up, 10.0) == 7
    down = HPAScalingRules(select_policy="Max", policies=[HPAScalingPolicy(type="Percent", value=50, period_seconds=60)])
    assert scale_down_limit(10, [], [], down, 0.0) == 5
    assert scale_down_limit(5, [], [[5, 0.0, False]], down, 30.0) == 5  # already halved in this minute


def one_pod(name, start_ago=None, ready=None, ready_ago=None):
    cond = [] if ready is None else [PodCondition(type="Ready", status=ready, last_transition_time=rfc3339(NOW - ready_ago))]
    return Pod(metadata=ObjectMeta(name=name, namespace="default"),
               spec=PodSpec(containers=[Container(name="c", image="app")]),
               status=PodStatus(phase="Succeeded", start_time=rfc3339(NOW - start_ago) if start_ago is not None else None,
                                conditions=cond))


# TestGroupPods (upstream's testing periods: CPU initialisation 2 min, initial readiness delay 10 s):
# (name, pod, metric (timestamp ago, window) or None, resource, ready count, unready/ignored, missing)
GROUP_PODS = [
    ("count in a ready pod - memory", one_pod("bentham"), (0, 60), "memory", 1, set(), set()),
    ("ignore a pod without ready condition - CPU", one_pod("lucretius", start_ago=0), (0, 60), "cpu", 0,
     {"lucretius"}, set()),
    ("count in a ready pod with fresh metrics during initialization period - CPU",
     one_pod("bentham", start_ago=60, ready="True", ready_ago=30), (0, 30), "cpu", 1, set(), set()),
    ("ignore a ready pod without fresh metrics during initialization period - CPU",
     one_pod("bentham", start_ago=60, ready="True", ready_ago=30), (0, 60), "cpu", 0, {"bentham"}, set()),
    ("ignore an unready pod during initialization period - CPU",
     one_pod("lucretius", start_ago=600, ready="False", ready_ago=594), (0, 60), "cpu", 0, {"lucretius"}, set()),
    ("count in a ready pod without fresh metrics after initialization period - CPU",
     one_pod("bentham", start_ago=180, ready="True", ready_ago=180), (120, 60), "cpu", 1, set(), set()),
    ("count in an unready pod that was ready after initialization period - CPU",
     one_pod("lucretius", start_ago=600, ready="False", ready_ago=540), (0, 60), "cpu", 1, set(), set()),
    ("ignore pod that has never been ready after initialization period - CPU",
     one_pod("lucretius", start_ago=600, ready="False", ready_ago=590), (0, 60), "cpu", 1, set(), set()),
    ("a missing pod", one_pod("epicurus", start_ago=180), None, "cpu", 0, set(), {"epicurus"}),
]


@pytest.mark.parametrize("name,pod,metric,resource,ready,unready,missing", GROUP_PODS, ids=[g[0] for g in GROUP_PODS])
def test_group_pods(name, pod, metric, resource, ready, unready, missing):
    from kubelab.controllers.podautoscaler import group_pods

    metrics = {} if metric is None else {pod.metadata.name: PodMetric(1, NOW - metric[0], float(metric[1]))}
    got_ready, got_unready, got_missing, _ = group_pods([pod], metrics, resource, NOW, cpu_initialization_period=120.0,
                                                        delay_of_initial_readiness_status=10.0)
    assert (got_ready, got_unready, got_missing) == (ready, unready, missing)


# calcPlainMetricReplicas: an AverageValue target (and upstream's Pods metrics, whose tests
# these are, with a metric that is not CPU: no readiness or initialisation rules)
# (upstream test, current, pods, levels, target average, expected replicas, average usage)
PLAIN_CASES = [
    ("TestReplicaCalcScaleUpCM", 3, pods(["1"] * 3), levels(20000, 10000, 30000), 15000, 4, 20000),
    ("TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale", 3,
     pods(["1"] * 3, readiness=["True", "True", "False"], starts=[COOL, COOL, HOT]),
     levels(50000, 10000, 30000), 15000, 6, 30000),
    ("TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown", 3,
     pods(["1"] * 3, readiness=["False", "True", "False"], starts=[HOT, COOL, HOT]),
     levels(50000, 15000, 30000), 15000, 7, 31666),
    ("TestReplicaCalcScaleUpCMExternalNoLabels", 1, pods(["1"]), levels(8600), 4400, 2, 8600),
    ("TestReplicaCalcScaleDownCM", 5, pods(["1"] * 5), levels(*[12000] * 5), 20000, 3, 12000),
    ("TestReplicaCalcToleranceCM", 3, pods(["1"] * 3), levels(20000, 21000, 21000), 20000, 3, 20666),
]


@pytest.mark.parametrize("case,current,pod_list,metrics,target,replicas,usage", PLAIN_CASES,
                         ids=[c[0] for c in PLAIN_CASES])
def test_plain_metric_replica_calculation_matches_upstream(case, current, pod_list, metrics, target, replicas, usage):
    from kubelab.controllers.podautoscaler import plain_metric_replicas

    assert plain_metric_replicas(current, target, "qps", pod_list, metrics, NOW) == (replicas, usage)


def test_an_average_value_cpu_target_ignores_unready_pods_as_upstream():
    # GetRawResourceReplicas goes through groupPods: the unready pod's sample is left out
    from kubelab.controllers.podautoscaler import plain_metric_replicas

    p = pods(["1"] * 3, readiness=["False", "True", "True"])
    assert plain_metric_replicas(3, 300, "cpu", p, levels(900, 300, 300), NOW) == (3, 300)

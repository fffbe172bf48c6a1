"""The HPA controller's reconcile, case by case as upstream tests it
(pkg/controller/podautoscaler/horizontal_test.go, v1.34).

Like upstream's fake clientsets, a small harness answers the controller's calls: the scale
target (a Deployment with ``spec_replicas`` / ``status_replicas``), the pods its selector
lists (two containers each requesting half of ``requests[i]``), and metrics.k8s.io
PodMetrics with ``levels[i]`` milli-CPU. One reconcile runs; the test then reads the
desired replica count, the conditions (type, status, reason) and the events.

Every row names the upstream test it mirrors. Upstream's ``init()`` raises the scale-up
limit factor of HPAs without spec.behavior to 8 "so we don't accidentally run into it";
the harness does the same (``SCALE_UP_LIMIT_FACTOR``) except where a case is about it.
"""

from __future__ import annotations

import pytest

from kubelab.api import decode, errors
from kubelab.api.autoscaling import ContainerMetrics, PodMetrics
from kubelab.api.base import rfc3339
from kubelab.api.core import Container, Pod, PodCondition, PodSpec, PodStatus, ResourceRequirements
from kubelab.api.meta import ObjectMeta
from kubelab.controllers import podautoscaler
from kubelab.controllers.podautoscaler import HorizontalPodAutoscalerController, Recommender

NOW = 100_000.0
COOL = NOW - 180  # coolCPUCreationTime: started 3 minutes ago
HOT = NOW  # hotCPUCreationTime: just started, inside the CPU initialisation period
LONG_AGO = NOW - 86_400  # an unset (zero) start time upstream: long before the period
NS, KEY = "test-namespace", "test-namespace/test-hpa"


def rules(pods=0, pods_period=0, percent=0, percent_period=0, window=0, select="Max"):
    """generateScalingRules."""
    policies = []
    if pods:
        policies.append({"type": "Pods", "value": pods, "periodSeconds": pods_period})
    if percent:
        policies.append({"type": "Percent", "value": percent, "periodSeconds": percent_period})
    return {"stabilizationWindowSeconds": window, "selectPolicy": select, "policies": policies}


class FakeSim:
    def __init__(self):
        self.now = NOW
        self.trace = self
        self.records = []

    def record(self, *args):
        self.records.append(args)


class Recorder:
    def __init__(self):
        self.events = []

    def event(self, obj, type_, reason, message):
        self.events.append((type_, reason, message))


class Harness:
    """The controller with fake clients around it (upstream's prepareTestClient)."""

    def __init__(self, *, min_replicas=2, max_replicas=6, spec_replicas=3, status_replicas=None, cpu_target=None,
                 metrics=None, levels=(), requests=None, readiness=None, starts=None, phases=None, deleting=None,
                 scale_up=None, scale_down=None, recommendations=None, fail_get_scale=False, fail_update_scale=False,
                 fail_metrics=False):
        self.spec_replicas = spec_replicas
        status_replicas = spec_replicas if status_replicas is None else status_replicas
        metric_specs = list(metrics or [])
        if cpu_target is not None:
            metric_specs.insert(0, {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": cpu_target}}})
        spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "test-dep"},
                "minReplicas": min_replicas, "maxReplicas": max_replicas, "metrics": metric_specs}
        if scale_up is not None or scale_down is not None:
            spec["behavior"] = {k: v for k, v in (("scaleUp", scale_up), ("scaleDown", scale_down)) if v is not None}
        self.hpa = decode({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                           "metadata": {"name": "test-hpa", "namespace": NS, "generation": 1}, "spec": spec,
                           "status": {"currentReplicas": spec_replicas, "desiredReplicas": spec_replicas}})
        self.target = decode({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "test-dep", "namespace": NS},
                              "spec": {"replicas": spec_replicas, "selector": {"matchLabels": {"name": "test-pod"}},
                                       "template": {"metadata": {"labels": {"name": "test-pod"}},
                                                    "spec": {"containers": [{"name": "c", "image": "app"}]}}},
                              "status": {"replicas": status_replicas}})
        n = status_replicas if requests is None else len(requests)
        requests = ["1"] * n if requests is None else requests
        self.pods = []
        for i, req in enumerate(requests):
            start = (starts or [LONG_AGO] * n)[i]
            half = f"{int(float(req) * 1000) // 2}m"
            p = Pod(metadata=ObjectMeta(name=f"test-pod-{i}", namespace=NS, labels={"name": "test-pod"}),
                    spec=PodSpec(containers=[
                        Container(name="container1", image="app", resources=ResourceRequirements(requests={"cpu": half})),
                        Container(name="container2", image="app", resources=ResourceRequirements(requests={"cpu": half}))]),
                    status=PodStatus(phase=(phases or ["Running"] * n)[i], start_time=rfc3339(start),
                                     conditions=[PodCondition(type="Ready", status=(readiness or ["True"] * n)[i],
                                                              last_transition_time=rfc3339(start))]))
            if deleting and deleting[i]:
                p.metadata.deletion_timestamp = rfc3339(NOW)
            self.pods.append(p)
        self.pod_metrics = [PodMetrics(metadata=ObjectMeta(name=f"test-pod-{i}", namespace=NS, labels={"name": "test-pod"}),
                                       timestamp=rfc3339(NOW), window="60s",
                                       containers=[ContainerMetrics(name="container1", usage={"cpu": f"{level}m"})])
                            for i, level in enumerate(levels)]
        self.fail_get_scale, self.fail_update_scale, self.fail_metrics = fail_get_scale, fail_update_scale, fail_metrics
        self.scaled_to = None
        self.status_writes = 0

        c = object.__new__(HorizontalPodAutoscalerController)
        c.sim, c.recorder, c.recommender, c.client = FakeSim(), Recorder(), Recommender(), self
        c.pod_informer = self
        if recommendations is not None:  # upstream: a non-nil list skips recordInitialRecommendation
            c.recommender.recommendations[KEY] = [[r, NOW - ago] for r, ago in recommendations]
        self.controller = c

    # -- the fake clients: each call returns an operation the driver answers ----------------
    def get(self, kind, name, ns, subresource=None):
        assert subresource == "scale"  # the scale client: GET <target>/scale
        return ("get", kind, name)

    def list(self, kind_or_ns, ns=None, label_selector=None):
        if kind_or_ns is PodMetrics:
            return ("metrics",)
        return [p for p in self.pods]  # the pod informer's list(ns, selector)

    def update(self, obj, subresource=None):
        assert subresource == "scale"  # the scale client: PUT <target>/scale
        return ("scale", obj.spec.replicas)

    def update_status(self, hpa):
        return ("status",)

    def answer(self, op):
        if op[0] == "get":
            if self.fail_get_scale:
                raise errors.new_not_found(("apps", "deployments"), op[2])
            return self.target.copy_deep()
        if op[0] == "metrics":
            if self.fail_metrics:
                raise RuntimeError("something went wrong")
            return list(self.pod_metrics)
        if op[0] == "scale":
            if self.fail_update_scale:
                raise RuntimeError("something went wrong")
            self.scaled_to = op[1]
            return None
        self.status_writes += 1
        return None

    def reconcile(self):
        gen = self.controller.reconcile(self.hpa, KEY)
        try:
            op = next(gen)
            while True:
                try:
                    result = self.answer(op)
                except Exception as exc:  # noqa: BLE001 — handed to the controller as the client would
                    op = gen.throw(exc)
                    continue
                op = gen.send(result)
        except StopIteration:
            pass
        return self

    @property
    def desired(self):
        return self.hpa.status.desired_replicas

    @property
    def conditions(self):
        return [(c.type, c.status, c.reason) for c in self.hpa.status.conditions or ()]

    @property
    def events(self):
        return self.controller.recorder.events


@pytest.fixture(autouse=True)
def upstream_scale_up_limit_factor(monkeypatch):
    monkeypatch.setattr(podautoscaler, "SCALE_UP_LIMIT_FACTOR", 8.0)


def status_ok(**overrides):
    """statusOkWithOverrides."""
    conds = {"AbleToScale": ("True", "SucceededRescale"), "ScalingActive": ("True", "ValidMetricFound"),
             "ScalingLimited": ("False", "DesiredWithinRange")}
    conds.update(overrides)
    return [(t, *conds[t]) for t in ("AbleToScale", "ScalingActive", "ScalingLimited")]


CHEDDAR = {"type": "CheddarCheese"}
R1 = ["1.0"] * 3

# (upstream test, harness arguments, expected desired replicas, expected conditions)
RECONCILE_CASES = [
    ("TestScaleUp", dict(cpu_target=30, levels=(300, 500, 700), requests=R1), 5, status_ok()),
    ("TestScaleUpDeployment", dict(cpu_target=30, levels=(300, 500, 700), requests=R1), 5, status_ok()),
    ("TestScaleUpUnreadyLessScale", dict(cpu_target=30, levels=(300, 500, 700), requests=R1,
                                         readiness=["False", "True", "True"]), 4, status_ok()),
    ("TestScaleUpHotCpuLessScale", dict(cpu_target=30, levels=(300, 500, 700), requests=R1,
                                        starts=[HOT, COOL, COOL]), 4, status_ok()),
    ("TestScaleUpUnreadyNoScale", dict(cpu_target=30, levels=(400, 500, 700), requests=R1,
                                       readiness=["True", "False", "False"]), 3,
     status_ok(AbleToScale=("True", "ReadyForNewScale"))),
    ("TestScaleUpHotCpuNoScale", dict(cpu_target=30, levels=(400, 500, 700), requests=R1,
                                      readiness=["True", "False", "False"], starts=[COOL, HOT, HOT]), 3,
     status_ok(AbleToScale=("True", "ReadyForNewScale"))),
    ("TestScaleUpIgnoresFailedPods", dict(spec_replicas=2, cpu_target=30, levels=(500, 700), requests=["1.0"] * 4,
                                          readiness=["True", "True", "False", "False"],
                                          phases=["Running", "Running", "Failed", "Failed"]), 4, status_ok()),
    ("TestScaleUpIgnoresDeletionPods", dict(spec_replicas=2, cpu_target=30, levels=(500, 700), requests=["1.0"] * 4,
                                            readiness=["True", "True", "False", "False"],
                                            deleting=[False, False, True, True]), 4, status_ok()),
    ("TestScaleDown", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250), requests=["1.0"] * 5,
                           recommendations=[]), 3, status_ok()),
    ("TestScaleDownWithScalingRules", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250),
                                           requests=["1.0"] * 5, recommendations=[],
                                           scale_up=rules(0, 0, 100, 15, 30)), 3, status_ok()),
    ("TestScaleDownStabilizeInitialSize", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250),
                                               requests=["1.0"] * 5), 5,
     status_ok(AbleToScale=("True", "ScaleDownStabilized"))),
    ("TestScaleDownIncludeUnreadyPods", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250),
                                             requests=["1.0"] * 5, readiness=["True"] * 3 + ["False"] * 2,
                                             recommendations=[]), 2, status_ok()),
    ("TestScaleDownIgnoreHotCpuPods", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250),
                                           requests=["1.0"] * 5, starts=[COOL] * 3 + [HOT] * 2,
                                           recommendations=[]), 2, status_ok()),
    ("TestScaleDownIgnoresFailedPods", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250),
                                            requests=["1.0"] * 7, readiness=["True"] * 5 + ["False"] * 2,
                                            phases=["Running"] * 5 + ["Failed"] * 2, recommendations=[]),
     3, status_ok()),
    ("TestScaleDownIgnoresDeletionPods", dict(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250),
                                              requests=["1.0"] * 7, readiness=["True"] * 5 + ["False"] * 2,
                                              deleting=[False] * 5 + [True] * 2, recommendations=[]),
     3, status_ok()),
    ("TestTolerance", dict(min_replicas=1, max_replicas=5, cpu_target=100, levels=(1010, 1030, 1020),
                           requests=["0.9", "1.0", "1.1"]), 3, status_ok(AbleToScale=("True", "ReadyForNewScale"))),
    ("TestMinReplicas", dict(max_replicas=5, cpu_target=90, levels=(10, 95, 10), requests=["0.9", "1.0", "1.1"],
                             recommendations=[]), 2, status_ok(ScalingLimited=("True", "TooFewReplicas"))),
    ("TestZeroMinReplicasDesiredZero", dict(min_replicas=0, max_replicas=5, cpu_target=90, levels=(0, 0, 0),
                                            requests=["0.9", "1.0", "1.1"], recommendations=[]), 0, status_ok()),
    ("TestMinReplicasDesiredZero", dict(max_replicas=5, cpu_target=90, levels=(0, 0, 0),
                                        requests=["0.9", "1.0", "1.1"], recommendations=[]), 2,
     status_ok(ScalingLimited=("True", "TooFewReplicas"))),
    ("TestZeroReplicas", dict(min_replicas=3, max_replicas=5, spec_replicas=0, cpu_target=90, requests=[]), 0,
     [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "ScalingDisabled")]),
    ("TestTooFewReplicas", dict(min_replicas=3, max_replicas=5, spec_replicas=2, cpu_target=90, requests=[]), 3,
     [("AbleToScale", "True", "SucceededRescale")]),
    ("TestTooManyReplicas", dict(min_replicas=3, max_replicas=5, spec_replicas=10, cpu_target=90, requests=[]), 5,
     [("AbleToScale", "True", "SucceededRescale")]),
    ("TestMaxReplicas", dict(max_replicas=5, cpu_target=90, levels=(8000, 9500, 1000), requests=["0.9", "1.0", "1.1"]),
     5, status_ok(ScalingLimited=("True", "TooManyReplicas"))),
    ("TestSuperfluousMetrics", dict(spec_replicas=4, cpu_target=100, levels=(4000, 9500, 3000, 7000, 3200, 2000),
                                    requests=["1.0"] * 4), 6, status_ok(ScalingLimited=("True", "TooManyReplicas"))),
    ("TestMissingMetrics", dict(spec_replicas=4, cpu_target=100, levels=(400, 95), requests=["1.0"] * 4,
                                recommendations=[]), 3, status_ok()),
    ("TestEmptyMetrics", dict(spec_replicas=4, cpu_target=100, levels=(), requests=["1.0"] * 4), 4,
     [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "FailedGetResourceMetric")]),
    ("TestEmptyCPURequest", dict(min_replicas=1, max_replicas=5, spec_replicas=1, cpu_target=100, levels=(200,),
                                 requests=[]), 1,
     [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "FailedGetResourceMetric")]),
    ("TestMissingReports", dict(min_replicas=1, max_replicas=5, spec_replicas=4, cpu_target=50, levels=(200,),
                                requests=["0.2"], recommendations=[]), 2, status_ok()),
    ("TestUpscaleCap", dict(min_replicas=1, max_replicas=100, cpu_target=10, levels=(100, 200, 300),
                            requests=["0.1"] * 3, scale_up=rules(0, 0, 700, 60, 0)), 24,
     status_ok(ScalingLimited=("True", "ScaleUpLimit"))),
    ("TestUpscaleCapGreaterThanMaxReplicas", dict(min_replicas=1, max_replicas=20, cpu_target=10, levels=(100, 200, 300),
                                                  requests=["0.1"] * 3, scale_up=rules(0, 0, 700, 60, 0)), 20,
     status_ok(ScalingLimited=("True", "TooManyReplicas"))),
    ("TestMoreReplicasThanSpecNoScale", dict(min_replicas=1, max_replicas=8, spec_replicas=4, status_replicas=5,
                                             cpu_target=50, levels=(500,) * 5, requests=["1"] * 5), 4,
     status_ok(AbleToScale=("True", "ReadyForNewScale"))),
    ("TestConditionFailedGetScale", dict(min_replicas=1, max_replicas=100, cpu_target=10, levels=(100, 200, 300),
                                         requests=["0.1"] * 3, fail_get_scale=True), 3,
     [("AbleToScale", "False", "FailedGetScale")]),
    ("TestConditionFailedUpdateScale", dict(min_replicas=1, max_replicas=5, cpu_target=100, levels=(150, 150, 150),
                                            requests=["0.1"] * 3, fail_update_scale=True), 3,
     status_ok(AbleToScale=("False", "FailedUpdateScale"))),
    ("TestConditionFailedGetMetrics/FailedGetResourceMetric", dict(min_replicas=1, max_replicas=100, cpu_target=10,
                                                                   levels=(100, 200, 300), requests=["0.1"] * 3,
                                                                   fail_metrics=True), 3,
     [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "FailedGetResourceMetric")]),
    ("TestConditionInvalidSourceType", dict(metrics=[CHEDDAR], levels=(20000,)), 3,
     [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "InvalidMetricSourceType")]),
    ("TestScaleUpOneMetricInvalid", dict(cpu_target=30, metrics=[CHEDDAR], levels=(300, 400, 500), requests=R1), 4,
     status_ok()),
    ("TestNoScaleDownOneMetricInvalid", dict(spec_replicas=5, cpu_target=50, metrics=[CHEDDAR],
                                             levels=(100, 300, 500, 250, 250), requests=["1.0"] * 5,
                                             recommendations=[]), 5,
     [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "InvalidMetricSourceType")]),
    ("TestStabilizeDownscale", dict(min_replicas=1, max_replicas=5, spec_replicas=4, cpu_target=100, levels=(50, 50, 50),
                                    requests=["0.1"] * 3, recommendations=[(10, 600), (4, 60)]), 4,
     status_ok(AbleToScale=("True", "ScaleDownStabilized"))),
    ("TestScaleUpRCImmediately", dict(min_replicas=2, spec_replicas=1, levels=(0, 0, 0, 0), requests=["1.0"] * 4), 2,
     [("AbleToScale", "True", "SucceededRescale")]),
    ("TestScaleDownRCImmediately", dict(max_replicas=5, spec_replicas=6, cpu_target=50, levels=(8000, 9500, 1000),
                                        requests=["0.9", "1.0", "1.1"]), 5, [("AbleToScale", "True", "SucceededRescale")]),
    # TestComputedToleranceAlgImplementation: 10 pods at 150m of ~300m requested (50 %); a 56 %
    # target is just outside the 10 % tolerance (-> 9 pods), a 55 % target just inside (-> 10)
    ("TestComputedToleranceAlgImplementation/outside", dict(
        min_replicas=0, max_replicas=1000, spec_replicas=10, cpu_target=56, levels=(150,) * 10, recommendations=[],
        requests=["0.4", "0.2", "0.31", "0.29", "0.302", "0.298", "0.301", "0.299", "0.3", "0.3"]), 9, status_ok()),
    ("TestComputedToleranceAlgImplementation/inside", dict(
        min_replicas=0, max_replicas=1000, spec_replicas=10, cpu_target=55, levels=(150,) * 10, recommendations=[],
        requests=["0.4", "0.2", "0.31", "0.29", "0.302", "0.298", "0.301", "0.299", "0.3", "0.3"]), 10,
     status_ok(AbleToScale=("True", "ReadyForNewScale"))),
]


@pytest.mark.parametrize("case,kwargs,desired,conditions", RECONCILE_CASES, ids=[c[0] for c in RECONCILE_CASES])
def test_reconcile_matches_upstream(case, kwargs, desired, conditions):
    h = Harness(**kwargs).reconcile()
    assert h.desired == desired
    assert h.conditions == conditions
    rescaled = any(r == "SuccessfulRescale" for _, r, _ in h.events)
    assert rescaled == (h.scaled_to is not None) == (desired != h.spec_replicas)
    if rescaled:
        assert h.scaled_to == desired


def test_a_rescale_is_announced_with_upstreams_event():
    # TestEventCreated
    h = Harness(min_replicas=1, max_replicas=5, spec_replicas=1, cpu_target=50, levels=(200,), requests=["0.2"]).reconcile()
    assert h.desired == 2
    assert h.events == [("Normal", "SuccessfulRescale",
                         "New size: 2; reason: cpu resource utilization (percentage of request) above target")]
    assert h.hpa.status.last_scale_time == rfc3339(NOW)
    msgs = {c.type: c.message for c in h.hpa.status.conditions}
    assert msgs == {"AbleToScale": "the HPA controller was able to update the target scale to 2",
                    "ScalingActive": "the HPA was able to successfully calculate a replica count from cpu resource "
                                     "utilization (percentage of request)",
                    "ScalingLimited": "the desired count is within the acceptable range"}


def test_current_replicas_is_the_targets_spec_as_read_this_sync():
    # setStatus(hpa, currentReplicas, ...): scale.spec.replicas, not the pods that exist
    # (TestMoreReplicasThanSpecNoScale: a rollout's surge pod is not counted)
    h = Harness(min_replicas=1, max_replicas=8, spec_replicas=4, status_replicas=5, cpu_target=50, levels=(500,) * 5,
                requests=["1"] * 5).reconcile()
    assert (h.hpa.status.current_replicas, h.hpa.status.desired_replicas) == (4, 4)
    h = Harness(cpu_target=30, levels=(300, 500, 700), requests=R1).reconcile()
    assert (h.hpa.status.current_replicas, h.hpa.status.desired_replicas) == (3, 5)


def test_no_event_when_the_size_is_right():
    # TestEventNotCreated
    h = Harness(min_replicas=1, max_replicas=5, spec_replicas=2, cpu_target=50, levels=(200, 200),
                requests=["0.4", "0.4"]).reconcile()
    assert h.desired == 2 and h.events == [] and h.hpa.status.last_scale_time is None
    assert h.conditions == status_ok(AbleToScale=("True", "ReadyForNewScale"))


def test_scaling_down_says_all_metrics_are_below_target_and_limits_say_why():
    # TestScaleDown's event; TestMinReplicas' ScalingLimited message
    h = Harness(spec_replicas=5, cpu_target=50, levels=(100, 300, 500, 250, 250), requests=["1.0"] * 5,
                recommendations=[]).reconcile()
    assert h.events == [("Normal", "SuccessfulRescale", "New size: 3; reason: All metrics below target")]
    h = Harness(max_replicas=5, cpu_target=90, levels=(10, 95, 10), requests=["0.9", "1.0", "1.1"],
                recommendations=[]).reconcile()
    limited = h.hpa.status.conditions[2]
    assert (limited.reason, limited.message) == ("TooFewReplicas",
                                                 "the desired replica count is less than the minimum replica count")


def test_replica_counts_outside_min_and_max_are_corrected_with_upstreams_reasons():
    # TestScaleUpRCImmediately, TestScaleDownRCImmediately
    h = Harness(spec_replicas=1, levels=(0,), requests=["1.0"]).reconcile()
    assert h.events == [("Normal", "SuccessfulRescale", "New size: 2; reason: Current number of replicas below Spec.MinReplicas")]
    h = Harness(max_replicas=5, spec_replicas=6, cpu_target=50, levels=(1,), requests=["1.0"]).reconcile()
    assert h.events == [("Normal", "SuccessfulRescale", "New size: 5; reason: Current number of replicas above Spec.MaxReplicas")]


def test_a_failed_rescale_keeps_the_old_desired_count_and_says_so():
    # TestConditionFailedUpdateScale
    h = Harness(min_replicas=1, max_replicas=5, cpu_target=100, levels=(150, 150, 150), requests=["0.1"] * 3,
                fail_update_scale=True).reconcile()
    assert h.events == [("Warning", "FailedRescale", "New size: 5; reason: cpu resource utilization (percentage of "
                                                     "request) above target; error: something went wrong")]
    assert h.hpa.status.conditions[0].message == ("the HPA controller was unable to update the target scale: "
                                                  "something went wrong")


def test_an_unknown_metric_source_type_is_reported_as_upstream_does():
    # TestConditionInvalidSourceType
    h = Harness(metrics=[CHEDDAR]).reconcile()
    assert h.events == [
        ("Warning", "InvalidMetricSourceType", 'unknown metric source type "CheddarCheese"'),
        ("Warning", "FailedComputeMetricsReplicas",
         'invalid metrics (1 invalid out of 1), first error is: unknown metric source type "CheddarCheese"')]
    assert h.hpa.status.conditions[1].message == ('the HPA was unable to compute the replica count: unknown metric '
                                                  'source type "CheddarCheese"')


def test_without_behavior_the_scale_up_rate_is_twice_the_current_size_or_four(monkeypatch):
    # TestConvertDesiredReplicasWithRules' last row, with upstream's real factor of 2
    monkeypatch.setattr(podautoscaler, "SCALE_UP_LIMIT_FACTOR", 2.0)
    h = Harness(min_replicas=1, max_replicas=100, cpu_target=10, levels=(100, 200, 300), requests=["0.1"] * 3).reconcile()
    assert h.desired == 6
    assert h.conditions == status_ok(ScalingLimited=("True", "ScaleUpLimit"))


# TestConvertDesiredReplicasWithRules (current, desired, min, max) -> (replicas, condition); factor 2
CONVERT_WITH_RULES = [
    ("prenormalized desired replicas within range", 5, 7, 3, 8, 7, "DesiredWithinRange"),
    ("prenormalized desired replicas < minReplicas", 3, 1, 2, 8, 2, "TooFewReplicas"),
    ("prenormalized desired zeroed replicas within range", 1, 0, 0, 10, 0, "DesiredWithinRange"),
    ("maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10, 10, "TooManyReplicas"),
    ("scaleUpLimit is the limit because scaleUpLimit < maxReplicas", 3, 1000, 1, 2000, 6, "ScaleUpLimit"),
]


@pytest.mark.parametrize("name,current,desired,min_r,max_r,replicas,condition", CONVERT_WITH_RULES,
                         ids=[c[0] for c in CONVERT_WITH_RULES])
def test_convert_desired_replicas_with_rules(monkeypatch, name, current, desired, min_r, max_r, replicas, condition):
    monkeypatch.setattr(podautoscaler, "SCALE_UP_LIMIT_FACTOR", 2.0)
    got = podautoscaler.convert_desired_replicas_with_rules(current, desired, min_r, max_r)
    assert got[:2] == (replicas, condition)


def spread(changes, period=120):
    """generateEventsUniformDistribution: events spread over the last ``period`` seconds."""
    seg = period / len(changes)
    return [[c, NOW - (period - seg * (i + 1) + seg / 2), False] for i, c in enumerate(changes)]


# TestScalingWithRules: (name, up events, down events, min, max, up rules, down rules, current, desired,
#                        expected replicas, expected condition)
SCALING_WITH_RULES = [
    ("prenormalized desired replicas within range", [], [], 3, 8, None, None, 5, 7, 7, "DesiredWithinRange"),
    ("prenormalized desired replicas < minReplicas", [], [], 2, 8, None, None, 3, 1, 2, "TooFewReplicas"),
    ("prenormalized desired replicas within range when minReplicas is 0", [], [], 0, 10, None, None, 1, 0, 0,
     "DesiredWithinRange"),
    ("maxReplicas is the limit because maxReplicas < scaleUpLimit", [], [], 1, 10, None, None, 20, 1000, 10,
     "TooManyReplicas"),
    ("desired replica count is more than the maximum replica count", [], [], 100, 150, None, None, 100, 1000, 150,
     "TooManyReplicas"),
    ("scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", [], [], 1, 2000,
     rules(0, 0, 1, 60, 0), None, 3, 1000, 4, "ScaleUpLimit"),
    ("scaleUp with default behavior", [], [], 1, 1000, None, None, 10, 50, 20, "ScaleUpLimit"),
    ("scaleUp with pods policy larger than percent policy", [], [], 1, 1000, rules(100, 60, 100, 60), None, 10, 500,
     110, "ScaleUpLimit"),
    ("scaleUp with percent policy larger than pods policy", [], [], 1, 1000, rules(2, 60, 100, 60), None, 10, 500, 20,
     "ScaleUpLimit"),
    ("scaleUp with spec MaxReplicas limitation with large pod policy", [], [], 1, 1000, rules(100, 60), None, 10, 50,
     50, "DesiredWithinRange"),
    ("scaleUp with pod policy limitation", [], [], 1, 1000, rules(30, 60), None, 10, 50, 40, "ScaleUpLimit"),
    ("scaleUp with percent policy limitation", [], [], 1, 1000, rules(0, 0, 200, 60), None, 10, 50, 30,
     "ScaleUpLimit"),
    ("scaleDown with percent policy larger than pod policy", [], [], 1, 1000, None, rules(20, 60, 1, 60, 300), 100, 2,
     80, "ScaleDownLimit"),
    ("scaleDown with pod policy larger than percent policy", [], [], 1, 1000, None, rules(2, 60, 1, 60, 300), 100, 2,
     98, "ScaleDownLimit"),
    ("scaleDown with spec MinReplicas limitation with large pod policy", [], [], 1, 1000, None,
     rules(100, 60, 0, 0, 300), 10, 0, 1, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large percent policy", [], [], 5, 1000, None,
     rules(0, 0, 100, 60, 300), 10, 2, 5, "TooFewReplicas"),
    ("scaleDown with pod policy limitation", [], [], 1, 1000, None, rules(5, 60, 0, 0, 300), 10, 2, 5,
     "ScaleDownLimit"),
    ("scaleDown with percent policy limitation", [], [], 1, 1000, None, rules(0, 0, 50, 60, 300), 10, 5, 5,
     "DesiredWithinRange"),
    ("scaleUp with spec MaxReplicas limitation with large pod policy and events", spread([1, 5, 9]), [], 1, 200,
     rules(300, 60), None, 100, 500, 200, "TooManyReplicas"),
    ("scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
     spread([1, 5, 9]), [], 1, 1000, rules(5, 120), None, 100, 500, 100, "ScaleUpLimit"),
    ("scaleUp with pod policy and previous scale up events", spread([1, 5, 9]), [], 1, 1000, rules(150, 120), None,
     100, 500, 235, "ScaleUpLimit"),
    ("scaleUp with percent policy and previous scale up events", spread([1, 5, 9]), [], 1, 1000, rules(0, 0, 200, 120),
     None, 100, 500, 255, "ScaleUpLimit"),
    ("scaleUp with percent policy and previous scale up and down events", spread([4]), spread([2]), 1, 1000,
     rules(0, 0, 300, 300), None, 6, 24, 16, "ScaleUpLimit"),
    ("scaleDown with default policy and previous events", [], spread([1, 5, 9]), 1, 1000, None, None, 10, 5, 5,
     "DesiredWithinRange"),
    ("scaleDown with spec MinReplicas limitation with large pod policy and previous events", [], spread([1, 5, 9]), 5,
     1000, None, rules(130, 120, 0, 0, 300), 100, 0, 5, "TooFewReplicas"),
    ("scaleDown with pod policy limitation and previous events", [], spread([1, 5, 9]), 1, 1000, None,
     rules(5, 120, 0, 0, 300), 100, 2, 100, "ScaleDownLimit"),
    ("scaleDown with percent policy limitation and previous events", [], spread([2, 4, 6]), 1, 1000, None,
     rules(0, 0, 50, 120, 300), 100, 0, 56, "ScaleDownLimit"),
    ("scaleDown with percent policy and previous scale up and down events", spread([2]), spread([4]), 1, 1000, None,
     rules(0, 0, 50, 180, 0), 10, 1, 6, "ScaleDownLimit"),
    ("scaleDown with previous events preventing further scale down", [], spread([10, 10, 10]), 1, 1000, None,
     rules(0, 0, 10, 120, 300), 100, 0, 100, "ScaleDownLimit"),
    ("scaleDown with with previous events still allowing more scale down", [], spread([10, 10, 10]), 1, 1000, None,
     rules(0, 0, 1000, 120, 300), 10, 5, 5, "DesiredWithinRange"),
    ("check that events were not marked 'outdated' for two different policies in the behavior for up",
     spread([8, 12, 9, 11]), [], 1, 1000, rules(1000, 120, 100, 60), None, 100, 200, 200, "DesiredWithinRange"),
]


@pytest.mark.parametrize("name,up_events,down_events,min_r,max_r,up,down,current,desired,replicas,condition",
                         SCALING_WITH_RULES, ids=[c[0] for c in SCALING_WITH_RULES])
def test_scaling_with_rules(name, up_events, down_events, min_r, max_r, up, down, current, desired, replicas, condition):
    from kubelab.api.autoscaling import HPAScalingRules
    from kubelab.api.defaults import hpa_scale_down_rules, hpa_scale_up_rules

    up_rules = hpa_scale_up_rules(HPAScalingRules.model_validate(up) if up else None)
    down_rules = hpa_scale_down_rules(HPAScalingRules.model_validate(down) if down else None)
    got = podautoscaler.convert_desired_replicas_with_behavior_rate(current, desired, min_r, max_r, up_rules, down_rules,
                                                                    up_events, down_events, NOW)
    assert got[:2] == (replicas, condition)


# TestNormalizeDesiredReplicasWithBehavior: (name, recommendations [(replicas, seconds ago)], current, desired,
#   up window, down window, expected, expected stored recommendations or None)
STABILIZE_WITH_BEHAVIORS = [
    ("empty recommendations for scaling down", [], 100, 5, 0, 0, 5, [5]),
    ("simple scale down stabilization", [(4, 120), (5, 60)], 100, 3, 0, 180, 5, [4, 5, 3]),
    ("simple scale up stabilization", [(4, 120), (5, 60)], 1, 7, 300, 0, 4, [4, 5, 7]),
    ("no scale down stabilization", [(1, 120), (2, 60)], 100, 3, 300, 0, 3, [1, 2, 3]),
    ("no scale up stabilization", [(4, 120), (5, 60)], 1, 3, 0, 300, 3, [4, 5, 3]),
    ("no scale down stabilization, reuse recommendation element", [(10, 600), (9, 540)], 100, 3, 0, 0, 3, [10, 3]),
    ("no scale up stabilization, reuse recommendation element", [(10, 600), (9, 540)], 1, 100, 0, 0, 100, [10, 100]),
    ("scale down stabilization, reuse one of obsolete recommendation element",
     [(10, 600), (4, 60), (5, 120), (9, 540)], 100, 3, 0, 180, 5, [10, 4, 5, 3]),
    ("scale up stabilization, reuse one of obsolete recommendation element",
     [(10, 6000), (6, 60), (5, 120), (9, 180)], 1, 100, 300, 0, 5, [100, 6, 5, 9]),
    ("scale up and down stabilization, do not scale up when prenormalized rec goes down", [(2, 6000), (3, 180)], 2, 1,
     300, 300, 2, None),
    ("scale up and down stabilization, do not scale down when prenormalized rec goes up", [(2, 6000), (1, 180)], 2, 3,
     300, 300, 2, None),
]


@pytest.mark.parametrize("name,recs,current,desired,up_window,down_window,expected,stored", STABILIZE_WITH_BEHAVIORS,
                         ids=[c[0] for c in STABILIZE_WITH_BEHAVIORS])
def test_stabilize_recommendation_with_behaviors(name, recs, current, desired, up_window, down_window, expected, stored):
    r = Recommender()
    r.recommendations["k"] = [[n, NOW - ago] for n, ago in recs]
    got, reason, _ = r.stabilize_with_behaviors("k", current, desired, up_window, down_window, NOW)
    assert got == expected
    assert reason == ("ScaleUpStabilized" if desired >= current else "ScaleDownStabilized")
    if stored is not None:
        assert [n for n, _ in r.recommendations["k"]] == stored


# TestNormalizeDesiredReplicas (no behavior, 5-minute window): (name, recommendations, desired, expected, log length)
STABILIZE = [
    ("empty log", [], 5, 5, 1),
    ("stabilize", [(4, 120), (5, 60)], 3, 5, 3),
    ("no stabilize", [(1, 120), (2, 60)], 3, 3, 3),
    ("no stabilize - old recommendations", [(10, 600), (9, 540)], 3, 3, 2),
    ("stabilize - old recommendations", [(10, 600), (4, 60), (5, 120), (9, 540)], 3, 5, 4),
]


@pytest.mark.parametrize("name,recs,desired,expected,length", STABILIZE, ids=[c[0] for c in STABILIZE])
def test_stabilize_recommendation(name, recs, desired, expected, length):
    r = Recommender()
    r.recommendations["k"] = [[n, NOW - ago] for n, ago in recs]
    assert r.stabilize("k", desired, NOW) == expected
    assert len(r.recommendations["k"]) == length


# TestStoreScaleEvents: (name, previous events [(change, seconds ago)], rules, change within 60 s before,
#                        stored events after [(change, outdated)])
STORE_SCALE_EVENTS = [
    ("empty entries with default behavior", [], None, 0, []),
    ("empty entries with two-policy-behavior", [], rules(10, 60, 100, 60), 0, [(5, False)]),
    ("one outdated entry to be kept untouched without behavior", [(7, 61)], None, 0, [(7, False)]),
    ("one outdated entry to be replaced with behavior", [(7, 61)], rules(10, 60, 100, 60), 0, [(5, False)]),
    ("one actual entry to be not touched with behavior", [(7, 58)], rules(10, 60, 100, 60), 7, [(7, False), (5, False)]),
    ("two entries, one of them to be replaced", [(7, 61), (6, 59)], rules(10, 60), 6, [(5, False), (6, False)]),
    ("replace one entry, use policies with different periods", [(8, 29), (6, 59), (7, 61), (9, 61)],
     rules(10, 60, 100, 30), 14, [(8, False), (6, False), (7, True), (5, False)]),
    ("two entries, both actual", [(7, 58), (6, 59)], rules(10, 120, 100, 30), 13,
     [(7, False), (6, False), (5, False)]),
]


@pytest.mark.parametrize("name,previous,scaling_rules,change_before,after", STORE_SCALE_EVENTS,
                         ids=[c[0] for c in STORE_SCALE_EVENTS])
@pytest.mark.parametrize("direction", ["up", "down"])
def test_store_scale_events(direction, name, previous, scaling_rules, change_before, after):
    from kubelab.api.autoscaling import HorizontalPodAutoscalerBehavior

    r = Recommender()
    events = r.scale_up_events if direction == "up" else r.scale_down_events
    events["k"] = [[c, NOW - ago, False] for c, ago in previous]
    assert podautoscaler.replicas_change_per_period(60, events["k"], NOW) == change_before
    behavior = None
    if scaling_rules is not None:
        behavior = HorizontalPodAutoscalerBehavior.model_validate(
            {"scaleUp" if direction == "up" else "scaleDown": scaling_rules})
    r.store_scale_event(behavior, "k", 10, 15 if direction == "up" else 5, NOW)
    assert [(c, outdated) for c, _, outdated in events["k"]] == after


def test_calculate_limits_with_the_min_select_policy():
    # TestCalculateScaleUpLimitWithScalingRules, TestCalculateScaleDownLimitWithBehaviors
    from kubelab.api.autoscaling import HPAScalingRules

    mn = HPAScalingRules.model_validate(rules(2, 60, 50, 60, 300, select="Min"))
    assert podautoscaler.scale_up_limit(1, [], [], mn, NOW) == 2
    assert podautoscaler.scale_down_limit(5, [], [], mn, NOW) == 3
    disabled = HPAScalingRules.model_validate(rules(2, 60, 50, 60, 300, select="Disabled"))
    assert podautoscaler.scale_up_limit(5, [], [], disabled, NOW) == 5


def test_scale_up_stabilization_holds_a_spike_until_it_lasts_the_window():
    # the behaviour rows above in a reconcile: a 60 s scale-up window keeps the lowest recent
    # recommendation, and the condition says ScaleUpStabilized
    h = Harness(cpu_target=30, levels=(300, 500, 700), requests=R1, scale_up=rules(4, 15, 100, 15, 60),
                recommendations=[(3, 30)]).reconcile()
    assert h.desired == 3 and h.scaled_to is None
    assert h.conditions == status_ok(AbleToScale=("True", "ScaleUpStabilized"), ScalingLimited=("False", "DesiredWithinRange"))
    assert h.hpa.status.conditions[0].message == ("recent recommendations were lower than current one, applying the "
                                                  "lowest recent recommendation")


def test_a_missing_target_cannot_be_scaled():
    # TestConditionFailedGetScale's event and message
    h = Harness(cpu_target=10, levels=(100,), requests=["0.1"], fail_get_scale=True).reconcile()
    assert h.events == [("Warning", "FailedGetScale", 'deployments.apps "test-dep" not found')]
    assert h.hpa.status.conditions[0].message == ("the HPA controller was unable to get the target's current scale: "
                                                  'deployments.apps "test-dep" not found')


def test_an_average_value_target_scales_on_raw_usage():
    # computeStatusForResourceMetric with target.averageValue: GetRawResourceReplicas, the
    # metric named "cpu resource", the status carries averageValue only
    avg = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "300m"}}}
    h = Harness(metrics=[avg], levels=(600, 600, 600), requests=R1).reconcile()
    assert h.desired == 6
    assert h.events == [("Normal", "SuccessfulRescale", "New size: 6; reason: cpu resource above target")]
    current = h.hpa.status.current_metrics[0].resource.current
    assert (current.average_value, current.average_utilization) == ("600m", None)


def test_scale_events_are_remembered_across_syncs_and_rate_limit_the_next_one():
    # storeScaleEvent + calculateScaleUpLimitWithScalingRules over two syncs: at most 2 pods
    # per 60 s, so after 3 -> 5 the next sync (15 s later) may not add more
    h = Harness(max_replicas=20, cpu_target=30, levels=(900, 900, 900), requests=R1,
                scale_up=rules(2, 60, 0, 0, 0)).reconcile()
    assert h.desired == 5 and h.conditions == status_ok(ScalingLimited=("True", "ScaleUpLimit"))
    assert h.controller.recommender.scale_up_events[KEY] == [[2, NOW, False]]
    h.target.spec.replicas, h.spec_replicas, h.scaled_to = 5, 5, None
    h.controller.sim.now = NOW + 15
    h.reconcile()
    assert h.desired == 5 and h.scaled_to is None
    assert h.conditions == status_ok(AbleToScale=("True", "ReadyForNewScale"), ScalingLimited=("True", "ScaleUpLimit"))
    h.controller.sim.now = NOW + 61  # the event has left the 60 s period: 2 more
    h.reconcile()
    assert h.scaled_to == 7

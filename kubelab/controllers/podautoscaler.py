"""The horizontal pod autoscaler (pkg/controller/podautoscaler: horizontal.go,
replica_calculator.go, metrics/utilization.go).

Every ``--horizontal-pod-autoscaler-sync-period`` (15 s) each HPA is reconciled: the
target's scale is read, resource metrics are listed from the metrics.k8s.io API (served by
metrics-server through the API server's aggregation layer), the replica calculator turns
usage into a recommendation (tolerance 0.1; pending, failed and deleted pods ignored;
unready and CPU-initialising pods and pods without metrics handled as upstream does), the
recommendation is stabilised and rate-limited (the default 300 s scale-down window and the
``max(2 × current, 4)`` scale-up limit, or ``spec.behavior``'s policies), and the target is
rescaled. Conditions and events carry upstream's wording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

from kubelab.api import errors
from kubelab.api.apps import Deployment, ReplicaSet, StatefulSet
from kubelab.api.autoscaling import (
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerCondition,
    MetricStatus,
    MetricValueStatus,
    PodMetrics,
    ResourceMetricStatus,
)
from kubelab.api.base import parse_time, rfc3339
from kubelab.api.core import Pod
from kubelab.api.defaults import hpa_scale_down_rules, hpa_scale_up_rules
from kubelab.api.labels import Selector
from kubelab.api.quantity import parse_quantity

from .base import Controller, ControllerContext

SYNC_PERIOD = 15.0  # --horizontal-pod-autoscaler-sync-period
TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance
CPU_INITIALIZATION_PERIOD = 300.0  # --horizontal-pod-autoscaler-cpu-initialization-period
DELAY_OF_INITIAL_READINESS_STATUS = 30.0  # --horizontal-pod-autoscaler-initial-readiness-delay
DOWNSCALE_STABILIZATION = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization
# horizontal.go: the scale-up limit of an HPA without spec.behavior, max(2 × current, 4)
SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
SCALABLE = {"Deployment": Deployment, "ReplicaSet": ReplicaSet, "StatefulSet": StatefulSet}


class MetricsError(Exception):
    pass


@dataclass
class PodMetric:
    value: int  # milli-units
    timestamp: float
    window: float


def _milli(q: Any) -> int:
    return parse_quantity(q).milli_value()


# -- replica_calculator.go ------------------------------------------------------------------

def group_pods(pods: list[Pod], metrics: dict[str, PodMetric], resource: str, now: float,
               cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
               delay_of_initial_readiness_status: float = DELAY_OF_INITIAL_READINESS_STATUS):
    """groupPods: (ready count, unready, missing, ignored) pod names."""
    ready_count, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        name = pod.metadata.name
        if pod.metadata.deletion_timestamp is not None or pod.status.phase == "Failed":
            ignored.add(name)
            continue
        if pod.status.phase == "Pending":  # pending pods are ignored
            ignored.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu":
            cond = pod.status.condition("Ready")
            start = parse_time(pod.status.start_time) if pod.status.start_time else None
            if cond is None or start is None:
                is_unready = True
            else:
                ltt = parse_time(cond.last_transition_time) or 0.0
                if start + cpu_initialization_period > now:
                    # still initialising: ignore the sample if unready, or if a whole metric
                    # window has not passed since the last transition
                    is_unready = cond.status == "False" or metric.timestamp < ltt + metric.window
                else:
                    # unready and never been ready
                    is_unready = cond.status == "False" and start + delay_of_initial_readiness_status > ltt
            if is_unready:
                unready.add(name)
                continue
        ready_count += 1
    return ready_count, unready, missing, ignored


def pod_requests(pods: list[Pod], resource: str) -> dict[str, int]:
    """calculatePodRequests: every container must request the resource."""
    out = {}
    for pod in pods:
        total = 0
        for c in pod.spec.containers:
            req = (c.resources.requests if c.resources else None) or {}
            if resource not in req:
                raise MetricsError(f"missing request for {resource} in container {c.name} of Pod {pod.metadata.name}")
            total += _milli(req[resource])
        out[pod.metadata.name] = total
    return out


def utilization_ratio(metrics: dict[str, PodMetric], requests: dict[str, int], target: int):
    """metrics.GetResourceUtilizationRatio: (ratio, utilization %, raw average value)."""
    metrics_total = requests_total = n = 0
    for name, m in metrics.items():
        if name not in requests:
            continue
        metrics_total += m.value
        requests_total += requests[name]
        n += 1
    if requests_total == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = (metrics_total * 100) // requests_total
    return utilization / target, utilization, metrics_total // n


def resource_replicas(current: int, target_utilization: int, resource: str, pods: list[Pod],
                      metrics: dict[str, PodMetric], now: float, tolerance: float = TOLERANCE,
                      cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
                      delay_of_initial_readiness_status: float = DELAY_OF_INITIAL_READINESS_STATUS):
    """GetResourceReplicas: (replicas, utilization %, raw average value in milli-units)."""
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    metrics = dict(metrics)
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now, cpu_initialization_period,
                                                  delay_of_initial_readiness_status)
    for name in ignored | unready:
        metrics.pop(name, None)
    if not metrics:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")
    requests = pod_requests(pods, resource)
    ratio, utilization, raw = utilization_ratio(metrics, requests, target_utilization)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if abs(1.0 - ratio) <= tolerance:
            return current, utilization, raw
        return math.ceil(ratio * ready), utilization, raw
    if missing:
        if ratio < 1.0:  # assume the missing pods use 100 % (or the target) on a scale-down
            fallback = max(100, target_utilization)
            for name in missing:
                metrics[name] = PodMetric(requests[name] * fallback // 100, 0, 0)
        elif ratio > 1.0:  # and nothing on a scale-up
            for name in missing:
                metrics[name] = PodMetric(0, 0, 0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0, 0, 0)
    new_ratio, _, _ = utilization_ratio(metrics, requests, target_utilization)
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 and new_ratio > 1.0) or (ratio > 1.0 and new_ratio < 1.0):
        return current, utilization, raw  # the direction flipped, or within tolerance: no change
    new = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new > current) or (new_ratio > 1.0 and new < current):
        return current, utilization, raw
    return new, utilization, raw


def plain_metric_replicas(current: int, target_usage: int, resource: str, pods: list[Pod],
                          metrics: dict[str, PodMetric], now: float, tolerance: float = TOLERANCE,
                          cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
                          delay_of_initial_readiness_status: float = DELAY_OF_INITIAL_READINESS_STATUS):
    """calcPlainMetricReplicas (an AverageValue target, and upstream's Pods metrics):
    (replicas, average usage in milli-units). Missing pods count as using exactly the
    target on a scale-down, nothing on a scale-up."""
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    metrics = dict(metrics)
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now, cpu_initialization_period,
                                                  delay_of_initial_readiness_status)
    for name in ignored | unready:
        metrics.pop(name, None)
    if not metrics:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")

    def ratio_of(ms):  # GetMetricUsageRatio
        usage = sum(m.value for m in ms.values()) // len(ms)
        return usage / target_usage, usage

    ratio, usage = ratio_of(metrics)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if abs(1.0 - ratio) <= tolerance:
            return current, usage
        return math.ceil(ratio * ready), usage
    if missing:
        for name in missing:
            if ratio < 1.0:
                metrics[name] = PodMetric(target_usage, 0, 0)
            elif ratio > 1.0:
                metrics[name] = PodMetric(0, 0, 0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0, 0, 0)
    new_ratio, _ = ratio_of(metrics)
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0 and new_ratio > 1.0) or (ratio > 1.0 and new_ratio < 1.0):
        return current, usage
    new = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new > current) or (new_ratio > 1.0 and new < current):
        return current, usage
    return new, usage


# -- horizontal.go: stabilisation and rate limits ---------------------------------------------

class Recommender:
    """The controller's memory per HPA (HorizontalController's recommendations,
    scaleUpEvents, scaleDownEvents): recent recommendations ``[replicas, time]`` and scale
    events ``[change, time, outdated]``."""

    def __init__(self):
        self.recommendations: dict[str, list[list]] = {}
        self.scale_up_events: dict[str, list[list]] = {}
        self.scale_down_events: dict[str, list[list]] = {}

    def forget(self, key: str) -> None:
        """reconcileKey on a deleted HPA."""
        for d in (self.recommendations, self.scale_up_events, self.scale_down_events):
            d.pop(key, None)

    def record_initial(self, key: str, current: int, now: float) -> None:
        """recordInitialRecommendation: the first sync remembers the current size, so a
        freshly created (or restarted-controller) HPA does not scale down at once."""
        if key not in self.recommendations:
            self.recommendations[key] = [[current, now]]

    def stabilize(self, key: str, desired: int, now: float, window: float = DOWNSCALE_STABILIZATION) -> int:
        """stabilizeRecommendation (no behavior): the highest recommendation in the window;
        the newest recommendation replaces an old one."""
        recs = self.recommendations.setdefault(key, [])
        best, old = desired, None
        for i, (r, t) in enumerate(recs):
            if t < now - window:
                old = i
            elif r > best:
                best = r
        if old is not None:
            recs[old] = [desired, now]
        else:
            recs.append([desired, now])
        return best

    def stabilize_with_behaviors(self, key: str, current: int, desired: int, up_window: float, down_window: float,
                                 now: float) -> tuple[int, str, str]:
        """stabilizeRecommendationWithBehaviors: up to the lowest recommendation of the
        scale-up window, down to the highest of the scale-down window."""
        recs = self.recommendations.setdefault(key, [])
        up, down, old = desired, desired, None
        for i, (r, t) in enumerate(recs):
            if t > now - up_window:
                up = min(up, r)
            if t > now - down_window:
                down = max(down, r)
            if t < now - up_window and t < now - down_window:
                old = i
        rec = current
        if rec < up:
            rec = up
        if rec > down:
            rec = down
        if old is not None:
            recs[old] = [desired, now]
        else:
            recs.append([desired, now])
        if desired >= current:
            return rec, "ScaleUpStabilized", ("recent recommendations were lower than current one, applying the "
                                              "lowest recent recommendation")
        return rec, "ScaleDownStabilized", ("recent recommendations were higher than current one, applying the "
                                            "highest recent recommendation")

    def store_scale_event(self, behavior, key: str, previous: int, new: int, now: float) -> None:
        """storeScaleEvent: only an HPA with spec.behavior keeps scale events; an event older
        than the longest policy period is marked outdated and the newest replaces one."""
        if behavior is None:
            return
        # (the API server defaults a direction left out of spec.behavior)
        if new > previous:
            rules, events, change = hpa_scale_up_rules(behavior.scale_up), self.scale_up_events.setdefault(key, []), \
                new - previous
        else:
            rules, events, change = hpa_scale_down_rules(behavior.scale_down), \
                self.scale_down_events.setdefault(key, []), previous - new
        longest = max((p.period_seconds for p in rules.policies or ()), default=0)  # getLongestPolicyPeriod
        old = None
        for i, e in enumerate(events):  # markScaleEventsOutdated
            if e[1] < now - longest:
                e[2] = True
            if e[2]:
                old = i
        if old is not None:
            events[old] = [change, now, False]
        else:
            events.append([change, now, False])


def replicas_change_per_period(period: float, events, now: float) -> int:
    """getReplicasChangePerPeriod: the changes of the events newer than ``period`` seconds."""
    return sum(e[0] for e in events if e[1] > now - period)


def scale_up_limit(current: int, up_events, down_events, rules, now: float) -> int:
    """calculateScaleUpLimitWithScalingRules: what each policy allows from the replica
    count at the start of its period; Max (default) picks the largest, Min the smallest."""
    if rules.select_policy == "Disabled":
        return current
    pick = min if rules.select_policy == "Min" else max
    result = None
    for p in rules.policies or ():
        added = replicas_change_per_period(p.period_seconds, up_events, now)
        deleted = replicas_change_per_period(p.period_seconds, down_events, now)
        start = current - added + deleted
        # the percentage is rounded up, or a small target would never grow
        proposed = start + p.value if p.type == "Pods" else math.ceil(start * (1 + p.value / 100))
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def scale_down_limit(current: int, up_events, down_events, rules, now: float) -> int:
    """calculateScaleDownLimitWithBehaviors."""
    if rules.select_policy == "Disabled":
        return current
    pick = max if rules.select_policy == "Min" else min
    result = None
    for p in rules.policies or ():
        added = replicas_change_per_period(p.period_seconds, up_events, now)
        deleted = replicas_change_per_period(p.period_seconds, down_events, now)
        start = current - added + deleted
        proposed = start - p.value if p.type == "Pods" else int(start * (1 - p.value / 100))
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def convert_desired_replicas_with_rules(current: int, desired: int, min_r: int, max_r: int) -> tuple[int, str, str]:
    """convertDesiredReplicasWithRules (an HPA without spec.behavior): between minReplicas
    and the smaller of maxReplicas and max(2 × current, 4)."""
    up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    if max_r > up_limit:
        allowed_max, reason, msg = up_limit, "ScaleUpLimit", \
            "the desired replica count is increasing faster than the maximum scale rate"
    else:
        allowed_max, reason, msg = max_r, "TooManyReplicas", \
            "the desired replica count is more than the maximum replica count"
    if desired < min_r:
        return min_r, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
    if desired > allowed_max:
        return allowed_max, reason, msg
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


def convert_desired_replicas_with_behavior_rate(current: int, desired: int, min_r: int, max_r: int, up_rules,
                                                down_rules, up_events, down_events, now: float) -> tuple[int, str, str]:
    """convertDesiredReplicasWithBehaviorRate: the policies' rate limits, then min/max."""
    if desired > current:
        limit = max(scale_up_limit(current, up_events, down_events, up_rules, now), current)
        if max_r > limit:
            allowed, reason, msg = limit, "ScaleUpLimit", \
                "the desired replica count is increasing faster than the maximum scale rate"
        else:
            allowed, reason, msg = max_r, "TooManyReplicas", \
                "the desired replica count is more than the maximum replica count"
        if desired > allowed:
            return allowed, reason, msg
    elif desired < current:
        limit = min(scale_down_limit(current, up_events, down_events, down_rules, now), current)
        if min_r < limit:
            allowed, reason, msg = limit, "ScaleDownLimit", \
                "the desired replica count is decreasing faster than the maximum scale rate"
        else:
            allowed, reason, msg = min_r, "TooFewReplicas", \
                "the desired replica count is less than the minimum replica count"
        if desired < allowed:
            return allowed, reason, msg
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


# -- the controller -----------------------------------------------------------------------------

class HorizontalPodAutoscalerController(Controller):
    name = "horizontal-pod-autoscaler-controller"
    workers = 5  # --concurrent-horizontal-pod-autoscaler-syncs

    def __init__(self, ctx: ControllerContext):
        super().__init__(ctx)
        self.recorder = ctx.recorder("horizontal-pod-autoscaler")
        self.hpa_informer = ctx.informers.informer(HorizontalPodAutoscaler)
        self.pod_informer = ctx.informers.informer(Pod)
        # enqueueHPA: queue.AddRateLimited with the HPA rate limiter, a fixed interval of the
        # sync period (rate_limiters.go) -- an added or updated HPA (its own status writes
        # included) is looked at on the next period, not at once
        self.hpa_informer.add_event_handler(lambda o: self.enqueue_after(o, SYNC_PERIOD),
                                            lambda o, n: self.enqueue_after(n, SYNC_PERIOD), None)
        self.recommender = Recommender()

    def sync(self, key: str):
        hpa = self.hpa_informer.get(key)
        if hpa is None:
            self.recommender.forget(key)
            return
        try:
            yield from self.reconcile(hpa.copy_deep(), key)
        finally:
            # the resync: every HPA is looked at again after the sync period
            if self.hpa_informer.get(key) is not None:
                self.enqueue_after(key, SYNC_PERIOD)

    # horizontal.go reconcileAutoscaler
    def reconcile(self, hpa: HorizontalPodAutoscaler, key: str):
        now = self.sim.now
        ns = hpa.metadata.namespace
        ref = hpa.spec.scale_target_ref
        kind = SCALABLE.get(ref.kind)
        st = hpa.status
        old_status = st.copy_deep()
        reference = f"{ref.kind}/{ref.name}"
        target = None
        if kind is not None:
            try:
                # the scale client (horizontal.go a.scaleNamespacer.Get): GET <target>/scale
                target = yield self.client.get(kind, ref.name, ns, subresource="scale")
            except errors.StatusError as exc:
                err = str(exc)
            except Exception as exc:  # noqa: BLE001 — unreachable: retried next period
                err = str(exc)
        else:
            err = f'no matches for kind "{ref.kind}" in group ""'
        if target is None:
            msg = f"the HPA controller was unable to get the target's current scale: {err}"
            self.recorder.event(hpa, "Warning", "FailedGetScale", err)
            _set_condition(st, "AbleToScale", "False", "FailedGetScale", msg, now)
            yield from self._write_status(hpa, old_status)
            return
        _set_condition(st, "AbleToScale", "True", "SucceededGetScale",
                       "the HPA controller was able to get the target's current scale", now)
        current = target.spec.replicas if target.spec.replicas is not None else 1
        self.recommender.record_initial(key, current, now)
        st.current_replicas = current  # setStatus: the scale's spec.replicas, as read this sync
        min_r = hpa.spec.min_replicas if hpa.spec.min_replicas is not None else 1
        max_r = hpa.spec.max_replicas
        rescale_reason = ""
        desired = 0
        if current == 0 and min_r != 0:
            desired = 0
            _set_condition(st, "ScalingActive", "False", "ScalingDisabled",
                           "scaling is disabled since the replica count of the target is zero", now)
        elif current > max_r:
            rescale_reason, desired = "Current number of replicas above Spec.MaxReplicas", max_r
        elif current < min_r:
            rescale_reason, desired = "Current number of replicas below Spec.MinReplicas", min_r
        else:
            selector = Selector.from_label_selector(target.spec.selector)
            pods = self.pod_informer.list(ns, selector)
            result = yield from self._compute_replicas(hpa, current, pods, selector, now)
            if result is None:
                yield from self._write_status(hpa, old_status)
                return
            metric_desired, metric_name = result
            desired = self._normalize(hpa, key, current, metric_desired, min_r, now)
            if desired > current:
                rescale_reason = f"{metric_name} above target"
            elif desired < current:
                rescale_reason = "All metrics below target"
        if desired != current:
            try:
                # scaleNamespacer.Update: PUT <target>/scale with the new spec.replicas
                scale = target.copy_deep()
                scale.spec.replicas = desired
                # unconditional (kubelab's scale is the whole object, whose status moves often;
                # a real Scale's resourceVersion would conflict as rarely as the object changes)
                scale.metadata.resource_version = None
                yield self.client.update(scale, subresource="scale")
            except Exception as exc:  # noqa: BLE001
                self.recorder.event(hpa, "Warning", "FailedRescale", f"New size: {desired}; reason: {rescale_reason}; error: {exc}")
                _set_condition(st, "AbleToScale", "False", "FailedUpdateScale",
                               f"the HPA controller was unable to update the target scale: {exc}", now)
                yield from self._write_status(hpa, old_status)  # desiredReplicas keeps its old value
                return
            _set_condition(st, "AbleToScale", "True", "SucceededRescale",
                           f"the HPA controller was able to update the target scale to {desired}", now)
            self.recorder.event(hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {rescale_reason}")
            self.recommender.store_scale_event(hpa.spec.behavior, key, current, desired, now)
            st.last_scale_time = rfc3339(now)
            self.sim.trace.record(self.name, "SuccessfulRescale", f"{reference}: {current} -> {desired}")
        st.desired_replicas = desired
        yield from self._write_status(hpa, old_status)

    def _compute_replicas(self, hpa, current: int, pods: list[Pod], selector: Selector, now: float):
        """computeReplicasForMetrics: the largest recommendation over the metrics."""
        st = hpa.status
        best, best_name, statuses, invalid, first_err, first_cond = 0, "", [], 0, None, None
        metrics_list = hpa.spec.metrics or []
        for spec in metrics_list:
            if spec.type != "Resource" or spec.resource is None:
                invalid += 1
                if spec.type in _UNSIMULATED_SOURCES:
                    # a valid source kubelab serves no API for: no custom/external metrics adapter
                    reason, err = _UNSIMULATED_SOURCES[spec.type]
                else:  # computeReplicasForMetric's default case
                    reason, err = "InvalidMetricSourceType", f"unknown metric source type {spec.type!r}".replace("'", '"')
                self.recorder.event(hpa, "Warning", reason, err)  # getUnableComputeReplicaCountCondition
                first_err = first_err or err
                first_cond = first_cond or (reason, f"the HPA was unable to compute the replica count: {err}")
                statuses.append(MetricStatus(type=""))
                continue
            res = spec.resource.name
            t = spec.resource.target
            try:
                metrics = yield from self._resource_metrics(hpa.metadata.namespace, selector, res)
                if t.type == "Utilization":
                    replicas, util, raw = resource_replicas(current, t.average_utilization or 80, res, pods, metrics, now)
                    statuses.append(MetricStatus(type="Resource", resource=ResourceMetricStatus(
                        name=res, current=MetricValueStatus(average_utilization=util, average_value=_format(raw, res)))))
                elif t.average_value is not None:  # GetRawResourceReplicas
                    replicas, usage = plain_metric_replicas(current, _milli(t.average_value), res, pods, metrics, now)
                    statuses.append(MetricStatus(type="Resource", resource=ResourceMetricStatus(
                        name=res, current=MetricValueStatus(average_value=_format(usage, res)))))
                else:
                    raise MetricsError("invalid resource metric source: neither a utilization target nor a value "
                                       "target was set")
            except MetricsError as exc:
                invalid += 1
                msg = f"failed to get {res} utilization: {exc}"
                first_err = first_err or msg
                self.recorder.event(hpa, "Warning", "FailedGetResourceMetric", str(exc))
                first_cond = first_cond or ("FailedGetResourceMetric",
                                            f"the HPA was unable to compute the replica count: {exc}")
                statuses.append(MetricStatus(type=""))
                continue
            if best_name == "" or replicas > best:
                best, best_name = replicas, f"{res} resource utilization (percentage of request)" \
                    if t.type == "Utilization" else f"{res} resource"
        if invalid == len(metrics_list) or (invalid > 0 and best < current):
            # a working metric may scale up, never down, while another is broken
            if first_cond is not None:
                _set_condition(st, "ScalingActive", "False", first_cond[0], first_cond[1], now)
            msg = f"invalid metrics ({invalid} invalid out of {len(metrics_list)}), first error is: {first_err}"
            self.recorder.event(hpa, "Warning", "FailedComputeMetricsReplicas", msg)
            st.current_metrics = [s for s in statuses if s.type] or None
            return None
        st.current_metrics = statuses
        _set_condition(st, "ScalingActive", "True", "ValidMetricFound",
                       f"the HPA was able to successfully calculate a replica count from {best_name}", now)
        return best, best_name

    def _resource_metrics(self, ns: str, selector: Selector, resource: str):
        """metrics client GetResourceMetric: PodMetrics from metrics.k8s.io, summed over containers."""
        try:
            result = yield self.client.list(PodMetrics, ns, label_selector=selector)
        except errors.StatusError as exc:
            raise MetricsError(f"unable to get metrics for resource {resource}: unable to fetch metrics from resource "
                               f"metrics API: {exc}") from None
        except Exception as exc:  # noqa: BLE001
            raise MetricsError(f"unable to get metrics for resource {resource}: {exc}") from None
        items = list(result)
        if not items:
            raise MetricsError(f"unable to get metrics for resource {resource}: no metrics returned from resource metrics API")
        out = {}
        for pm in items:
            total = 0
            for c in pm.containers:
                if resource in c.usage:
                    total += _milli(c.usage[resource])
            window = pm.window or "15s"
            out[pm.metadata.name] = PodMetric(total, parse_time(pm.timestamp) or 0.0, float(window.rstrip("s")))
        return out

    def _normalize(self, hpa, key: str, current: int, desired: int, min_r: int, now: float) -> int:
        st = hpa.status
        max_r = hpa.spec.max_replicas
        b = hpa.spec.behavior
        if b is None:
            # normalizeDesiredReplicas
            stabilized = self.recommender.stabilize(key, desired, now)
            if stabilized != desired:
                _set_condition(st, "AbleToScale", "True", "ScaleDownStabilized",
                               "recent recommendations were higher than current one, applying the highest recent "
                               "recommendation", now)
            else:
                _set_condition(st, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now)
            out, reason, msg = convert_desired_replicas_with_rules(current, stabilized, min_r, max_r)
        else:
            # normalizeDesiredReplicasWithBehaviors (maybeInitScaleDownStabilizationWindow: the
            # controller's --horizontal-pod-autoscaler-downscale-stabilization fills a nil window)
            up = hpa_scale_up_rules(b.scale_up)
            down = hpa_scale_down_rules(b.scale_down)
            stabilized, reason, msg = self.recommender.stabilize_with_behaviors(
                key, current, desired, float(up.stabilization_window_seconds),
                float(down.stabilization_window_seconds), now)
            if stabilized != desired:
                _set_condition(st, "AbleToScale", "True", reason, msg, now)
            else:
                _set_condition(st, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now)
            out, reason, msg = convert_desired_replicas_with_behavior_rate(
                current, stabilized, min_r, max_r, up, down, self.recommender.scale_up_events.get(key, []),
                self.recommender.scale_down_events.get(key, []), now)
        _set_condition(st, "ScalingLimited", "False" if out == stabilized else "True", reason, msg, now)
        return out

    def _write_status(self, hpa, old_status):
        hpa.status.observed_generation = hpa.metadata.generation
        if hpa.status == old_status:
            return
        try:
            yield self.client.update_status(hpa)
        except Exception:  # noqa: BLE001 — the next period writes it again
            pass


# metric sources that are valid but need an adapter kubelab does not run (horizontal.go
# computeStatusFor{Pods,Object,External,ContainerResource}Metric fail with these reasons)
_UNSIMULATED_SOURCES = {
    "Pods": ("FailedGetPodsMetric", "unable to fetch metrics from custom metrics API: no custom metrics API "
             "(custom.metrics.k8s.io) registered"),
    "Object": ("FailedGetObjectMetric", "unable to fetch metrics from custom metrics API: no custom metrics API "
               "(custom.metrics.k8s.io) registered"),
    "External": ("FailedGetExternalMetric", "unable to fetch metrics from external metrics API: no external metrics "
                 "API (external.metrics.k8s.io) registered"),
    "ContainerResource": ("FailedGetContainerResourceMetric", "ContainerResource metrics are not simulated by kubelab"),
}


def _format(milli: int, resource: str) -> str:
    if resource == "cpu":
        return f"{milli}m"
    b = milli // 1000
    return f"{b // 1024}Ki" if b % 1024 == 0 else str(b)


def _set_condition(st, type_: str, status: str, reason: str, message: str, now: float) -> None:
    """setCondition: lastTransitionTime moves only when the status changes."""
    conds = list(st.conditions or [])
    for i, c in enumerate(conds):
        if c.type == type_:
            ltt = c.last_transition_time if c.status == status else rfc3339(now)
            conds[i] = HorizontalPodAutoscalerCondition(type=type_, status=status, reason=reason, message=message,
                                                        last_transition_time=ltt)
            st.conditions = conds
            return
    conds.append(HorizontalPodAutoscalerCondition(type=type_, status=status, reason=reason, message=message,
                                                  last_transition_time=rfc3339(now)))
    # upstream keeps AbleToScale, ScalingActive, ScalingLimited in that order
    order = {"AbleToScale": 0, "ScalingActive": 1, "ScalingLimited": 2}
    st.conditions = sorted(conds, key=lambda c: order.get(c.type, 9))

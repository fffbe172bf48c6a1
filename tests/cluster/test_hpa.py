"""The HorizontalPodAutoscaler in a cluster: metrics-server scrapes the kubelets, the HPA
controller reads metrics.k8s.io through the API server and scales the Deployment."""

import pytest

import kubelab as kl
from kubelab.api import errors
from kubelab.api.autoscaling import PodMetrics


def web(cpu_usage="180m", replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.kubelab.io/cpu-usage": cpu_usage}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                           "resources": {"requests": {"cpu": "200m"}}}]}}}}


HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2, "maxReplicas": 10,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}


def cluster():
    c = kl.Cluster(masters=1, seed=2)
    c.add_node(kl.VM("vm-1", cpu="8", memory="32Gi"))
    c.run(5)
    return c


def test_pod_metrics_are_served_by_the_api_server_from_metrics_server():
    c = cluster()
    c.apply(web())
    c.run(40)
    metrics = c.list(PodMetrics, "default")
    assert len(metrics) == 2 and metrics[0].containers[0].usage["cpu"] == "180m" and metrics[0].window == "15s"


def test_the_hpa_scales_a_busy_deployment_up_and_reports_its_targets():
    c = cluster()
    c.apply(web())
    c.apply(HPA)
    c.run(90)
    hpa = c.get("HorizontalPodAutoscaler", "web")
    # 180m of 200m requested is 90 % against a 50 % target: ceil(2 * 1.8) = 4
    assert c.get("Deployment", "web").spec.replicas >= 4
    rescale = [e for e in c.api.events(hpa) if e.reason == "SuccessfulRescale"]
    assert rescale[0].message == "New size: 4; reason: cpu resource utilization (percentage of request) above target"
    conds = {x.type: x for x in hpa.status.conditions}
    assert conds["ScalingActive"].reason == "ValidMetricFound"
    out = c.kubectl("get hpa")
    assert out.splitlines()[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert "Deployment/web   cpu: 90%/50%" in out


def test_an_hpa_without_metrics_says_why_it_cannot_scale():
    c = cluster()
    c.apply(web())
    c.metrics_server.available = False  # the metrics API is down
    c.apply(HPA)
    c.run(40)
    hpa = c.get("HorizontalPodAutoscaler", "web")
    conds = {x.type: x for x in hpa.status.conditions}
    assert (conds["ScalingActive"].status, conds["ScalingActive"].reason) == ("False", "FailedGetResourceMetric")
    assert "cpu: <unknown>/50%" in c.kubectl("get hpa web")
    assert c.get("Deployment", "web").spec.replicas == 2


def test_the_api_server_refuses_an_hpa_whose_max_is_below_its_min():
    c = cluster()
    bad = {**HPA, "spec": {**HPA["spec"], "minReplicas": 5, "maxReplicas": 3}}
    with pytest.raises(errors.StatusError) as exc:
        c.apply(bad)
    assert "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`" in str(exc.value)

"""kubectl autoscale: an autoscaling/v2 HPA for a scalable workload, with kubectl's messages."""

import kubelab as kl

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                      "resources": {"requests": {"cpu": "200m"}}}]}}}}


def cluster():
    c = kl.Cluster(masters=1, seed=4)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.apply(WEB)
    c.run(10)
    return c


def test_autoscale_creates_an_hpa_that_get_hpa_lists():
    c = cluster()
    # kubectl 1.34 deprecates --cpu-percent for --cpu=50% (autoscale.go, PR #129373)
    assert c.kubectl("autoscale deployment web --cpu-percent=50 --min=2 --max=10") == (
        "Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity format "
        "(e.g., '70%' for utilization or '500m' for milliCPU).\n"
        "horizontalpodautoscaler.autoscaling/web autoscaled\n")
    hpa = c.get("HorizontalPodAutoscaler", "web")
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 10)
    ref = hpa.spec.scale_target_ref
    assert (ref.api_version, ref.kind, ref.name) == ("apps/v1", "Deployment", "web")
    m = hpa.spec.metrics[0]
    assert (m.type, m.resource.name, m.resource.target.type, m.resource.target.average_utilization) == \
        ("Resource", "cpu", "Utilization", 50)
    c.run(40)
    line = c.kubectl("get hpa").splitlines()[1].split()
    assert line[:2] == ["web", "Deployment/web"] and line[-4:-1] == ["2", "10", "2"]


def test_autoscale_with_cpu_and_memory_targets_and_a_name():
    c = cluster()
    out = c.kubectl("autoscale deploy/web --name=web-mem --max=5 --cpu=300m --memory=70%")
    assert out == "horizontalpodautoscaler.autoscaling/web-mem autoscaled\n"
    hpa = c.get("HorizontalPodAutoscaler", "web-mem")
    cpu, mem = hpa.spec.metrics
    assert (cpu.resource.target.type, cpu.resource.target.average_value) == ("AverageValue", "300m")
    assert (mem.resource.target.type, mem.resource.target.average_utilization) == ("Utilization", 70)
    assert hpa.spec.min_replicas == 1  # the server's default when --min is not given


def test_autoscale_refuses_bad_flags_and_unscalable_kinds_and_changes_nothing():
    c = cluster()
    r = c.kubectl("autoscale deployment web --min=2")
    assert (r.exit_code, str(r)) == (1, 'error: required flag(s) "max" not set\n')
    assert str(c.kubectl("autoscale deployment web --max=0")) == \
        "error: --max=MAXPODS is required and must be at least 1, max: 0\n"
    assert str(c.kubectl("autoscale deployment web --min=5 --max=3")) == \
        "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5\n"
    assert str(c.kubectl("autoscale deployment web --max=3 --cpu-percent=50 --cpu=50%")).endswith(
        "(e.g., '70%' for utilization or '500m' for milliCPU).\nerror: --cpu-percent and --cpu are mutually exclusive\n")
    pod = c.list("Pod", "default")[0].metadata.name
    assert str(c.kubectl(f"autoscale pod {pod} --max=3")) == \
        "error: cannot autoscale a Pod: could not find scale subresource for /v1, Resource=pods in discovery information\n"
    assert str(c.kubectl("autoscale deployment nope --max=3")) == \
        'Error from server (NotFound): deployments.apps "nope" not found\n'
    assert c.list("HorizontalPodAutoscaler", "default") == []
    assert c.kubectl("autoscale deployment web --max=3 --dry-run=client") == \
        "horizontalpodautoscaler.autoscaling/web autoscaled (dry run)\n"
    assert c.list("HorizontalPodAutoscaler", "default") == []
    c.kubectl("autoscale deployment web --max=3")
    assert str(c.kubectl("autoscale deployment web --max=3")) == \
        'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "web" already exists\n'

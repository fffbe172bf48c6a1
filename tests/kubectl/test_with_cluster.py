"""kubectl against a running simulated cluster (kubelab.Cluster implements the Source)."""

import re

import pytest

import kubelab as kl

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", resources: {requests: {cpu: 500m}}}]
"""


@pytest.fixture(scope="module")
def running():
    from kubelab.kubectl import Kubectl

    try:
        c = kl.Cluster(masters=1, seed=1)
        c.add_node(kl.BareMetal("metal-1", cpu="32", memory="128Gi"))
        c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
        c.add_node(kl.CloudInstance("cloud-1", instance_type="m5.xlarge", zone="eu-west-1a"))
    except Exception as e:  # noqa: BLE001 - the cluster is another module's; report, don't mask
        pytest.fail(f"could not build a cluster: {e!r}")
    k = Kubectl(c.api)
    assert k("apply -f -", stdin=WEB) == "deployment.apps/web created\n"
    c.run(60)
    return c, k


def test_get_and_describe_a_running_deployment(running):
    c, k = running
    lines = k("get pods").splitlines()
    assert lines[0] == "NAME                  READY   STATUS    RESTARTS   AGE"
    assert len(lines) == 4 and all(re.match(r"web-[a-z0-9]+-[a-z0-9]{5}\s+1/1\s+Running\s+0\s+\d+s$", ln) for ln in lines[1:])
    assert k("get deploy").splitlines()[1].startswith("web    3/3     3            3           ")
    nodes = k("get nodes -o wide")
    assert "INTERNAL-IP" in nodes and "metal-1" in nodes and "Ready" in nodes
    d = k("describe deployment web")
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable" in d
    assert re.search(r"NewReplicaSet:\s+web-[a-z0-9]+ \(3/3 replicas created\)", d)
    assert "ScalingReplicaSet" in d
    ev = k("get events --sort-by=.lastTimestamp")
    for reason in ("Scheduled", "Pulling", "Pulled", "Created", "Started", "SuccessfulCreate", "ScalingReplicaSet"):
        assert reason in ev


def test_errors_and_mutations_through_the_api_server(running):
    c, k = running
    assert k("get pod nope") == 'Error from server (NotFound): pods "nope" not found\n'
    assert k("scale deployment web --replicas=4") == "deployment.apps/web scaled\n"
    c.run(30)
    assert k("get deploy web -o jsonpath={.spec.replicas}") == "4"
    assert k("cordon vm-1") == "node/vm-1 cordoned\n"
    assert "SchedulingDisabled" in k("get node vm-1")
    assert k("uncordon vm-1") == "node/vm-1 uncordoned\n"
    assert k("label node metal-1 disk=ssd") == "node/metal-1 labeled\n"
    assert k("get nodes -l disk=ssd -o name") == "node/metal-1\n"
    assert k("rollout history deployment/web").startswith("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n")


def test_watch_replays_changes_as_time_runs():
    from kubelab.kubectl import Kubectl

    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(5)
    k = Kubectl(c.api)
    assert k("create -f -", stdin=WEB) == "deployment.apps/web created\n"
    lines = k("get pods -w --request-timeout=20s").splitlines()
    assert lines[0] == "NAME                  READY   STATUS              RESTARTS   AGE"
    statuses = [ln.split()[2] for ln in lines[1:]]
    assert statuses[:3] == ["ContainerCreating"] * 3 and statuses[-3:] == ["Running"] * 3
    assert all(len(ln.split()) == 5 for ln in lines[1:])
    assert c.now >= 25  # the watch advanced simulated time
    k("scale deploy web --replicas=1")
    lines = k("get pods -w --request-timeout=30s").splitlines()
    assert sum("0/1     Terminating" in ln for ln in lines) == 2
    assert k("get pods -w -o yaml") == 'error: watch is only simulated for table output, not "yaml"\n'


def test_watch_needs_a_source_that_runs():
    from kubelab.kubectl import Kubectl, MemorySource

    assert Kubectl(MemorySource())("get pods -w") == (
        "error: watch needs a running cluster (this source cannot advance time)\n")


def test_a_rollout_from_set_image_to_undo():
    from kubelab.kubectl import Kubectl

    c = kl.Cluster(masters=1, seed=2)
    c.add_node(kl.VM("vm-1", cpu="8", memory="16Gi"))
    c.run(5)
    k = Kubectl(c.api)
    assert k("create deployment web --image=nginx:1.27 --replicas=3") == "deployment.apps/web created\n"
    assert k("expose deployment web --port=80") == "service/web exposed\n"
    c.run(30)
    assert len(k("get ep web").splitlines()[1].split()[1].split(",")) == 3
    assert k("set image deployment/web nginx=nginx:1.28") == "deployment.apps/web image updated\n"
    c.run(60)
    assert k("rollout status deploy/web") == 'deployment "web" successfully rolled out\n'
    assert k("rollout history deploy/web").splitlines()[2:4] == ["1         <none>", "2         <none>"]
    assert k("rollout undo deploy/web") == "deployment.apps/web rolled back\n"
    c.run(60)
    assert "nginx:1.27" in k("get deploy web -o wide")
    assert k("rollout history deploy/web").splitlines()[2:4] == ["2         <none>", "3         <none>"]

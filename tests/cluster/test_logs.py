"""Container logs: what the kubelet keeps for each container and `kubectl logs` in the facade."""

import pytest

import kubelab as kl
from kubelab.api import errors
from kubelab.node.logs import Shell, date_line, rfc3339_nano


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(seed=11)
    c.add_node(kl.VM("vm-1", cpu="2", memory="8Gi"))
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: counter, labels: {app: count}}
spec:
  containers:
  - name: count
    image: busybox:1.36
    command: [sh, -c]
    args: ['i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done']
---
apiVersion: v1
kind: Pod
metadata:
  name: crashy
  labels: {app: count}
  annotations: {sim.kubelab.io/run-seconds: "3", sim.kubelab.io/exit-code: "1",
                sim.kubelab.io/log-lines: "booting\\nerror: config file /etc/app.conf not found"}
spec:
  containers: [{name: app, image: example.com/app:2}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
""")
    c.run(40)
    return c


def test_the_shell_evaluates_what_workshop_pods_run():
    now = [0.0]
    steps = []
    for kind, value in Shell({"NAME": "kubelab"}, lambda: now[0]).run(
            ["sh", "-c", 'echo "hello $NAME"; for i in 1 2; do echo item $i; done; sleep 2; date && echo done']):
        if kind == "sleep":
            now[0] += value
        steps.append((kind, value))
    assert steps == [("out", "hello kubelab"), ("out", "item 1"), ("out", "item 2"), ("sleep", 2.0),
                     ("out", "Wed Jan  1 00:00:02 UTC 2025"), ("out", "done")]
    assert date_line(86400 * 31 + 3661) == "Sat Feb  1 01:01:01 UTC 2025"
    assert rfc3339_nano(5.5) == "2025-01-01T00:00:05.5Z" and rfc3339_nano(5) == "2025-01-01T00:00:05Z"


def test_nginx_prints_its_entrypoint_and_one_worker_per_cpu(cluster):
    pod = cluster.list("pods", label_selector="app=web")[0].metadata.name
    out = cluster.kubectl(f"logs {pod}")
    lines = str(out).splitlines()
    assert lines[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    assert lines[8] == "/docker-entrypoint.sh: Configuration complete; ready for start up"
    assert lines[10].endswith("[notice] 1#1: nginx/1.27.5")
    assert sum("start worker process " in l for l in lines) == 2  # vm-1 has 2 CPUs


def test_tail_since_timestamps_and_limit_bytes(cluster):
    all_lines = str(cluster.kubectl("logs counter")).splitlines()
    assert all_lines[0].startswith("0: Wed Jan  1 00:00:") and len(all_lines) > 20
    assert all_lines[20].startswith("20: ")
    assert str(cluster.kubectl("logs counter --tail=2")).splitlines() == all_lines[-2:]
    assert len(str(cluster.kubectl("logs counter --since=5s")).splitlines()) == 5
    stamped = str(cluster.kubectl("logs counter --timestamps --tail=1"))
    stamp, line = stamped.rstrip("\n").split(" ", 1)
    assert line == all_lines[-1] and stamp.startswith("2025-01-01T00:00:") and stamp.endswith("Z")
    assert str(cluster.kubectl(f"logs counter --since-time={stamp}")) == all_lines[-1] + "\n"
    assert str(cluster.kubectl("logs counter --limit-bytes=3")) == "0: "
    assert cluster.kubectl("logs counter -f --tail=1").ok  # bounded: what exists now


def test_previous_reads_the_instance_before_the_restart(cluster):
    pod = cluster.get("pods", "crashy")
    assert pod.status.container_statuses[0].restart_count >= 1
    assert str(cluster.kubectl("logs crashy -p")) == "booting\nerror: config file /etc/app.conf not found\n"
    out = cluster.kubectl("logs counter --previous")
    assert not out.ok
    assert str(out) == 'Error from server (BadRequest): previous terminated container "count" in pod "counter" not found\n'


def test_selector_prefix_and_workload_forms(cluster):
    out = str(cluster.kubectl("logs -l app=count --prefix --tail=1"))
    lines = out.splitlines()
    assert lines[0].startswith("[pod/counter/count] ") and lines[1].startswith("[pod/crashy/app] ")
    web = str(cluster.kubectl("logs deploy/web"))
    assert web.startswith("Found 2 pods, using pod/web-") and "nginx/1.27.5" in web
    assert str(cluster.kubectl("logs -l app=web -f --max-log-requests=1")) == (
        "error: you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, "
        "use --max-log-requests to increase the limit\n")


def test_a_pod_not_started_yet_is_waiting(cluster):
    cluster.apply("""
apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers: [{name: db, image: postgres:17}]
""")
    cluster.run(3)  # scheduled, the 160 MB image still being pulled
    out = cluster.kubectl("logs big")
    assert str(out) == 'Error from server (BadRequest): container "db" in pod "big" is waiting to start: ContainerCreating\n'
    with pytest.raises(errors.StatusError) as e:
        cluster.api.logs("big", container="nope")
    assert e.value.status["message"] == "container nope is not valid for pod big"
    with pytest.raises(errors.StatusError) as e:
        cluster.api.logs("counter", tail_lines=-1, limit_bytes=0)
    assert e.value.status["code"] == 422
    assert e.value.status["message"] == ('PodLogOptions "counter" is invalid: [tailLines: Invalid value: -1: must be '
                                         'greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]')


def test_pods_log_is_authorized_on_its_own(cluster):
    cluster.add_user("viewer", groups=["viewers"])
    cluster.apply("""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers-read-pods}
subjects: [{kind: Group, name: viewers, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
""")
    assert cluster.kubectl("get pod counter", user="viewer").ok
    out = cluster.kubectl("logs counter", user="viewer")
    assert str(out) == ('Error from server (Forbidden): pods "counter" is forbidden: User "viewer" cannot get '
                        'resource "pods/log" in API group "" in the namespace "default"\n')


def test_kubectl_events_ages_follow_the_simulated_clock(cluster):
    out = str(cluster.kubectl("events --for pod/crashy"))
    lines = out.splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert any("Scheduled" in l and "Pod/crashy" in l for l in lines)
    first = lines[1].split()[0]
    cluster.run(120)
    later = str(cluster.kubectl("events --for pod/crashy")).splitlines()[1].split()[0]
    assert first.endswith("s") and later != first  # two simulated minutes later, not wall time
    assert str(cluster.kubectl("events -n kube-public")) == "No events found in kube-public namespace.\n"
    assert str(cluster.kubectl("events --types=Bogus")) == "error: valid --types are Normal or Warning\n"


def test_a_powered_off_node_cannot_be_asked_for_logs():
    c = kl.Cluster(seed=5)
    c.add_node(kl.VM("vm-1", cpu="2", memory="4Gi"))
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: nginx, image: 'nginx:1.27'}]\n")
    c.run(20)
    assert "start worker processes" in str(c.kubectl("logs web"))
    c.faults.stop("vm-1")
    out = c.kubectl("logs web")
    assert str(out) == ('Error from server: Get "https://10.0.1.11:10250/containerLogs/default/web/nginx": '
                        'dial tcp 10.0.1.11:10250: connect: no route to host\n')


def test_nginx_logs_the_kubelets_probes():
    c = kl.Cluster(seed=5)
    c.add_node(kl.VM("vm-1", cpu="2", memory="4Gi"))
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 10}
    livenessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 10, failureThreshold: 100}
""")
    c.run(40)
    lines = str(c.kubectl("logs web")).splitlines()
    ok = [l for l in lines if '"GET / HTTP/1.1" 200 615 "-" "kube-probe/1.34" "-"' in l]
    missing = [l for l in lines if '"GET /healthz HTTP/1.1" 404 153 "-" "kube-probe/1.34" "-"' in l]
    assert len(ok) >= 3 and len(missing) >= 3
    client = ok[0].split(" ", 1)[0]
    node = c.get("nodes", "vm-1", None)
    assert client == node.spec.pod_cidr.rsplit(".", 1)[0] + ".1"  # the bridge's address on the pod network
    assert any('[error] 29#29: *' in l and 'open() "/usr/share/nginx/html/healthz" failed (2: No such file or directory)' in l
               for l in lines)


def test_the_environment_holds_the_downward_api_and_expands_earlier_variables():
    """kubelet_pods.go makeEnvironmentVariables: ``value`` with ``$(VAR)`` of a variable defined
    before (third_party/forked/golang/expansion), ``valueFrom.fieldRef`` from the pod
    (podFieldSelectorRuntimeValue); an Indexed Job's pods read JOB_COMPLETION_INDEX that way."""
    c = kl.Cluster(seed=12)
    c.add_node(kl.VM("vm-1"))
    c.run(5)  # the service account controller creates "default" first
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: envy, namespace: default, labels: {tier: front}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:1.36
    command: [sh, -c, 'echo "$POD_NAME/$POD_NS $TIER $GREETING $UNSET"']
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
    - {name: GREETING, value: "hello from $(POD_NAME) $(LATER) $$(POD_NAME)"}
    - {name: LATER, value: "x"}
""")
    c.run(20)
    assert c.kubectl("logs envy") == "envy/default front hello from envy $(LATER) $(POD_NAME) \n"

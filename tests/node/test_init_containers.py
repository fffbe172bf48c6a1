"""Init containers and native sidecars in the kubelet, as Kubernetes v1.34 runs them.

Upstream: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions),
pkg/kubelet/kuberuntime/kuberuntime_container.go (computeInitContainerActions,
killContainersWithSyncResult), pkg/kubelet/status/generate.go, pkg/kubelet/kubelet_pods.go (convertToAPIContainerStatuses,
getPhase), pkg/printers/internalversion/printers.go (printPod) and kubectl's describe.go.
"""

import pytest

import kubelab as kl
from kubelab.api import errors
from kubelab.api.base import parse_time


def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(5)
    return c


def row(c, name):
    """The pod's row of ``kubectl get pod``: [NAME, READY, STATUS, RESTARTS..., AGE]."""
    return c.kubectl(f"get pod {name}").splitlines()[1].split()


def conditions(pod):
    return [(x.type, x.status, x.reason, x.message) for x in pod.status.conditions]


# The example of the Kubernetes docs, "Init Containers" (concepts/workloads/pods/init-containers),
# with the init containers' waits shortened to sleeps the simulated shell runs.
MYAPP = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "myapp-pod", "labels": {"app.kubernetes.io/name": "MyApp"}},
         "spec": {"containers": [{"name": "myapp-container", "image": "busybox:1.28",
                                  "command": ["sh", "-c", "echo The app is running! && sleep 3600"]}],
                  "initContainers": [
                      {"name": "init-myservice", "image": "busybox:1.28",
                       "command": ["sh", "-c", "echo waiting for myservice; sleep 4"]},
                      {"name": "init-mydb", "image": "busybox:1.28",
                       "command": ["sh", "-c", "echo waiting for mydb; sleep 6"]}]}}


def test_init_containers_run_one_at_a_time_and_the_pod_stays_pending():
    """upstream: kuberuntime_manager.go computePodActions (the next init container starts when
    the previous exited 0), generate.go GeneratePodInitializedCondition, kubelet_pods.go
    convertToAPIContainerStatuses (PodInitializing), printers.go printPod (Init:N/M)."""
    c = cluster()
    c.apply(MYAPP)
    c.run(2)
    pod = c.get("Pod", "myapp-pod")
    assert pod.status.phase == "Pending"
    assert row(c, "myapp-pod")[1:3] == ["0/1", "Init:0/2"]
    first, second = pod.status.init_container_statuses
    assert first.state.running is not None and first.started and not first.ready
    assert second.state.waiting.reason == "PodInitializing"
    assert pod.status.container_statuses[0].state.waiting.reason == "PodInitializing"
    # generateAPIPodStatus: kubelet-owned conditions in this order
    assert conditions(pod) == [
        ("PodReadyToStartContainers", "True", None, None),
        ("Initialized", "False", "ContainersNotInitialized",
         "containers with incomplete status: [init-myservice init-mydb]"),
        ("Ready", "False", "ContainersNotReady", "containers with unready status: [myapp-container]"),
        ("ContainersReady", "False", "ContainersNotReady", "containers with unready status: [myapp-container]"),
        ("PodScheduled", "True", None, None)]
    c.run(4)
    pod = c.get("Pod", "myapp-pod")
    first, second = pod.status.init_container_statuses
    assert first.state.terminated.reason == "Completed" and first.ready and not first.started
    assert second.state.running is not None
    assert row(c, "myapp-pod")[1:3] == ["0/1", "Init:1/2"]
    assert pod.status.condition("Initialized").message == "containers with incomplete status: [init-mydb]"
    c.run(8)
    pod = c.get("Pod", "myapp-pod")
    assert pod.status.phase == "Running" and pod.is_ready()
    assert row(c, "myapp-pod")[1:3] == ["1/1", "Running"]
    first, second = pod.status.init_container_statuses
    assert first.state.terminated.finished_at <= second.state.terminated.started_at
    assert second.state.terminated.finished_at <= pod.status.container_statuses[0].state.running.started_at
    assert c.kubectl("logs myapp-pod -c init-myservice") == "waiting for myservice\n"
    started = [e.involved_object.field_path for e in c.api.events(pod) if e.reason == "Started"]
    assert started == ["spec.initContainers{init-myservice}", "spec.initContainers{init-mydb}",
                       "spec.containers{myapp-container}"]


def init_pod(name, policy, exit_code=3):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": policy, "containers": [{"name": "app", "image": "nginx"}],
                     "initContainers": [{"name": "init-1", "image": "busybox:1.37",
                                         "command": ["sh", "-c", f"sleep 1; exit {exit_code}"]}]}}


def test_a_failing_init_container_is_restarted_with_the_crash_loop_back_off():
    """upstream: kuberuntime_container.go computeInitContainerActions (a failed init container is
    restarted unless restartPolicy is Never), kuberuntime_container.go doBackOff; printPod
    shows Init:CrashLoopBackOff and counts the init container's restarts."""
    c = cluster()
    c.apply(init_pod("loop", "Always"))
    c.run(5)
    pod = c.get("Pod", "loop")
    assert pod.status.phase == "Pending"
    cs = pod.status.init_container_statuses[0]
    assert cs.restart_count == 1 and cs.state.waiting.reason == "CrashLoopBackOff"
    assert cs.state.waiting.message.startswith("back-off 10s restarting failed container=init-1 pod=loop_default(")
    assert cs.last_state.terminated.exit_code == 3 and cs.last_state.terminated.reason == "Error"
    assert row(c, "loop")[1:4] == ["0/1", "Init:CrashLoopBackOff", "1"]
    backoff = [e for e in c.api.events(pod) if e.reason == "BackOff"]
    assert backoff[0].involved_object.field_path == "spec.initContainers{init-1}"
    assert pod.status.container_statuses[0].state.waiting.reason == "PodInitializing"
    c.run(60)
    assert c.get("Pod", "loop").status.init_container_statuses[0].restart_count == 3  # at once, +10 s, +20 s
    assert "app" not in {e.involved_object.field_path for e in c.api.events(pod) if e.reason == "Started"}


def test_a_failing_init_container_fails_the_pod_under_restart_policy_never():
    """upstream: kubelet_pods.go getPhase (failedInitialization with RestartPolicyNever is
    PodFailed), generate.go (ContainersReady False reason PodFailed), printPod (Init:Error)."""
    c = cluster()
    c.apply(init_pod("once", "Never"))
    c.run(10)
    pod = c.get("Pod", "once")
    assert pod.status.phase == "Failed"
    assert pod.status.init_container_statuses[0].state.terminated.exit_code == 3
    assert row(c, "once")[1:4] == ["0/1", "Init:Error", "0"]
    assert pod.status.container_statuses[0].state.waiting.reason == "PodInitializing"
    assert pod.status.condition("ContainersReady").reason == "PodFailed"
    assert pod.status.condition("Initialized").status == "False"


def test_an_init_container_exit_code_can_be_set_by_annotation():
    """The simulation's knobs per container: sim.kubelab.io/run-seconds.<name> and
    sim.kubelab.io/exit-code.<name>; the pod then fails as getPhase says (OnFailure restarts)."""
    c = cluster()
    pod = init_pod("shaped", "OnFailure", exit_code=0)
    pod["metadata"]["annotations"] = {"sim.kubelab.io/run-seconds.init-1": "3",
                                      "sim.kubelab.io/exit-code.init-1": "2"}
    c.apply(pod)
    c.run(4)
    cs = c.get("Pod", "shaped").status.init_container_statuses[0]
    assert cs.state.running is not None and cs.restart_count == 0
    c.run(2)
    cs = c.get("Pod", "shaped").status.init_container_statuses[0]
    assert cs.restart_count == 1 and cs.last_state.terminated.exit_code == 2


# -- native sidecars (init containers with restartPolicy: Always) --------------------------------

# The Deployment of the Kubernetes docs, "Sidecar containers" (concepts/workloads/pods/sidecar-containers,
# application/deployment-sidecar.yaml): a logshipper sidecar beside the app.
DEPLOYMENT_SIDECAR = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "myapp", "labels": {"app": "myapp"}},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "myapp"}}, "template": {
        "metadata": {"labels": {"app": "myapp"}},
        "spec": {"containers": [{"name": "myapp", "image": "alpine:latest",
                                 "command": ["sh", "-c", 'while true; do echo "logging" >> /opt/logs.txt; sleep 1; done'],
                                 "volumeMounts": [{"name": "data", "mountPath": "/opt"}]}],
                 "initContainers": [{"name": "logshipper", "image": "alpine:latest", "restartPolicy": "Always",
                                     "command": ["sh", "-c", "tail -F /opt/logs.txt"],
                                     "volumeMounts": [{"name": "data", "mountPath": "/opt"}]}],
                 "volumes": [{"name": "data", "emptyDir": {}}]}}}}

# application/job/job-sidecar.yaml of the same page: the Job completes although its sidecar never exits.
JOB_SIDECAR = {
    "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "myjob"},
    "spec": {"template": {"spec": {
        "containers": [{"name": "myjob", "image": "alpine:latest", "command": ["sh", "-c", 'echo "logging" > /opt/logs.txt'],
                        "volumeMounts": [{"name": "data", "mountPath": "/opt"}]}],
        "initContainers": [{"name": "logshipper", "image": "alpine:latest", "restartPolicy": "Always",
                            "command": ["sh", "-c", "tail -F /opt/logs.txt"],
                            "volumeMounts": [{"name": "data", "mountPath": "/opt"}]}],
        "restartPolicy": "Never", "volumes": [{"name": "data", "emptyDir": {}}]}}}}


def only_pod(c, prefix):
    pods = [p for p in c.list("Pod", "default") if p.metadata.name.startswith(prefix)]
    assert len(pods) == 1
    return pods[0]


def test_a_sidecar_keeps_running_beside_the_app_and_counts_in_ready():
    """upstream: kuberuntime_container.go computeInitContainerActions (a restartable init container
    is left running and the next step starts once it has started), generate.go
    GenerateContainersReadyCondition (restartable init containers count), printPod (READY
    counts them: 2/2 for one app container and one sidecar)."""
    c = cluster()
    c.apply(DEPLOYMENT_SIDECAR)
    c.run(15)
    pod = only_pod(c, "myapp-")
    assert row(c, pod.metadata.name)[1:4] == ["2/2", "Running", "0"]
    side = pod.status.init_container_statuses[0]
    assert side.name == "logshipper" and side.state.running is not None and side.started and side.ready
    app = pod.status.container_statuses[0]
    assert side.state.running.started_at <= app.state.running.started_at
    assert [x[:2] for x in conditions(pod)] == [("PodReadyToStartContainers", "True"), ("Initialized", "True"),
                                                ("Ready", "True"), ("ContainersReady", "True"),
                                                ("PodScheduled", "True")]
    assert c.get("Deployment", "myapp").status.ready_replicas == 1
    described = c.kubectl(f"describe pod {pod.metadata.name}")
    init = described.split("Init Containers:\n", 1)[1].split("Containers:\n", 1)[0]
    assert init.startswith("  logshipper:\n    Container ID:  containerd://")
    assert "    State:          Running\n" in init and "    Ready:          True\n" in init
    assert described.index("Init Containers:") < described.index("\nContainers:")


def test_a_job_with_a_sidecar_completes_when_its_app_container_does():
    """upstream: kuberuntime_manager.go computePodActions (regular containers done and not to be
    restarted: KillPod, sidecars included, InitContainersToStart cleared),
    killContainersWithSyncResult (sidecars after the regular containers, in reverse order),
    kubelet_pods.go getPhase (terminated restartable init containers do not count)."""
    c = cluster()
    c.apply(JOB_SIDECAR)
    c.run(12)  # the app's few seconds of batch work are over; the sidecar is being stopped
    pod = only_pod(c, "myjob-")
    assert pod.status.phase == "Running"  # getPhase: the sidecar still runs
    assert pod.status.container_statuses[0].state.terminated.reason == "Completed"
    assert row(c, pod.metadata.name)[1:3] == ["1/2", "Completed"]
    killing = [e for e in c.api.events(pod) if e.reason == "Killing"]
    assert [(e.message, e.involved_object.field_path) for e in killing] == [
        ("Stopping container logshipper", "spec.initContainers{logshipper}")]
    c.run(40)  # `sh -c 'tail -F ...'` ignores SIGTERM: killed when the 30 s grace period ends
    pod = only_pod(c, "myjob-")
    assert pod.status.phase == "Succeeded"
    side = pod.status.init_container_statuses[0]
    assert side.state.terminated.exit_code == 137 and not side.ready
    assert row(c, pod.metadata.name)[1:3] == ["0/2", "Completed"]
    assert pod.status.condition("Initialized").reason == "PodCompleted"
    assert pod.status.condition("ContainersReady").reason == "PodCompleted"
    job = c.get("Job", "myjob")
    assert job.status.succeeded == 1 and any(x.type == "Complete" for x in job.status.conditions)


def proxied(annotations=None):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "px", "annotations": annotations or {}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}],
                     "initContainers": [
                         {"name": "proxy", "image": "nginx:1.27", "restartPolicy": "Always",
                          "startupProbe": {"httpGet": {"path": "/", "port": 80},
                                           "initialDelaySeconds": 5, "periodSeconds": 1}},
                         {"name": "migrate", "image": "busybox:1.37", "command": ["sh", "-c", "sleep 2"]}]}}


def test_the_next_init_container_waits_for_the_sidecar_startup_probe():
    """upstream: kuberuntime_container.go computeInitContainerActions (a restartable init container
    that has not started yet holds back the next one), prober_manager.go UpdatePodStatus
    (started from the startup probe), printPod (a sidecar not started yet is Init:0/2)."""
    c = cluster()
    c.apply(proxied())
    c.run(6)
    pod = c.get("Pod", "px")
    proxy, migrate = pod.status.init_container_statuses
    assert proxy.state.running is not None and not proxy.started and not proxy.ready
    assert migrate.state.waiting.reason == "PodInitializing"
    assert row(c, "px")[1:3] == ["0/2", "Init:0/2"]
    c.run(10)
    pod = c.get("Pod", "px")
    proxy, migrate = pod.status.init_container_statuses
    assert migrate.state.terminated.reason == "Completed"
    assert parse_time(migrate.state.terminated.started_at) >= parse_time(proxy.state.running.started_at) + 5
    assert row(c, "px")[1:3] == ["2/2", "Running"]


def test_a_sidecar_liveness_probe_must_have_run_before_the_next_init_container():
    """upstream: kuberuntime_container.go computeInitContainerActions ("If the liveness probe
    has not been run, wait for it": no result for the new container yet holds back the next
    init container), prober/worker.go (a worker records its initial result when it first sees
    the container, on its next tick)."""
    c = cluster()
    pod = proxied()
    del pod["spec"]["initContainers"][0]["startupProbe"]
    pod["spec"]["initContainers"][0]["livenessProbe"] = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10}
    c.apply(pod)
    c.run(20)
    proxy, migrate = c.get("Pod", "px").status.init_container_statuses
    assert proxy.started  # no startup probe: started as soon as it runs...
    waited = parse_time(migrate.state.terminated.started_at) - parse_time(proxy.state.running.started_at)
    assert 3 <= waited <= 10  # ...but migrate waited for the liveness worker's next tick


def test_a_sidecar_failing_its_startup_probe_is_killed_and_restarted():
    """upstream: computeInitContainerActions (startup Failure: kill with "Init container %s failed
    startup probe" and start it again), prober.go (Unhealthy events)."""
    c = cluster()
    c.apply(proxied({"sim.kubelab.io/failing-probes": "startup"}))
    c.run(20)
    pod = c.get("Pod", "px")
    assert pod.status.init_container_statuses[0].restart_count == 1
    assert row(c, "px")[1:3] == ["0/2", "Init:CrashLoopBackOff"]
    events = [(e.reason, e.message, e.involved_object.field_path) for e in c.list("Event", "default")
              if e.reason in ("Killing", "Unhealthy") and e.involved_object.name == "px"]
    assert ("Killing", "Init container proxy failed startup probe", "spec.initContainers{proxy}") in events
    assert ("Unhealthy", "Startup probe failed: HTTP probe failed with statuscode: 500",
            "spec.initContainers{proxy}") in events


def test_a_sidecar_that_exits_is_restarted_and_its_restarts_show_in_kubectl_get():
    """upstream: kuberuntime_container.go computeInitContainerActions (a restartable init container
    that exited is restarted whatever the pod's restartPolicy, with the back-off), printPod
    (RESTARTS counts restartable init containers' restarts with "(Ns ago)"; a sidecar in
    back-off after initialisation shows Init:CrashLoopBackOff)."""
    c = cluster()
    c.apply(proxied({"sim.kubelab.io/run-seconds.proxy": "20"}))
    c.run(30)
    pod = c.get("Pod", "px")
    proxy = pod.status.init_container_statuses[0]
    assert proxy.restart_count == 1 and proxy.last_state.terminated.exit_code == 0
    assert pod.status.container_statuses[0].restart_count == 0  # the app was not touched
    assert pod.status.phase == "Running"
    # it exited at 20 s after it started (00:00:30), 8 s ago
    assert proxy.last_state.terminated.finished_at == "2025-01-01T00:00:30Z"
    assert row(c, "px")[1:6] == ["2/2", "Running", "1", "(8s", "ago)"]
    c.run(21)  # it exits again: now in back-off (10 s)
    pod = c.get("Pod", "px")
    proxy = pod.status.init_container_statuses[0]
    assert proxy.state.waiting.reason == "CrashLoopBackOff"
    assert row(c, "px")[1:3] == ["1/2", "Init:CrashLoopBackOff"]
    assert pod.status.condition("Initialized").status == "True"  # the app has run: still initialised
    assert pod.status.condition("Ready").message == "containers with unready status: [proxy]"


def test_deleting_a_pod_stops_the_sidecars_after_the_app_containers():
    """upstream: kuberuntime_container.go killContainersWithSyncResult (regular containers
    first, then restartable init containers in reverse order)."""
    c = cluster()
    c.apply(proxied())
    c.run(20)
    c.kubectl("delete pod px --wait=false")
    c.run(5)
    msgs = [(e.message, e.involved_object.field_path) for e in c.list("Event", "default")
            if e.reason == "Killing" and e.involved_object.name == "px"]
    assert msgs == [("Stopping container app", "spec.containers{app}"),
                    ("Stopping container proxy", "spec.initContainers{proxy}")]


@pytest.mark.parametrize("where,container,message", [
    ("containers", {"name": "app", "image": "nginx", "restartPolicy": "Always"},
     'Pod "bad" is invalid: spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'),
    ("initContainers", {"name": "init", "image": "busybox", "restartPolicy": "Never"},
     'Pod "bad" is invalid: spec.initContainers[0].restartPolicy: Unsupported value: "Never": '
     'supported values: "Always"'),
    ("initContainers", {"name": "init", "image": "busybox", "readinessProbe": {"tcpSocket": {"port": 80}}},
     'Pod "bad" is invalid: spec.initContainers[0].readinessProbe: Forbidden: may not be set for init '
     'containers without restartPolicy=Always'),
])
def test_container_restart_policy_validation(where, container, message):
    """upstream: pkg/apis/core/validation/validation.go validateInitContainers /
    validateContainers with the ContainerRestartRules gate off (its v1.34 default): only an
    init container may say restartPolicy, and only Always."""
    c = cluster()
    spec = {"containers": [{"name": "main", "image": "nginx"}]}
    spec.setdefault(where, []).insert(0, container)
    if where == "containers":
        spec["containers"] = [container]
    with pytest.raises(errors.StatusError) as e:
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"}, "spec": spec})
    assert e.value.code == 422
    assert str(e.value) == message


# -- kubectl get / describe -----------------------------------------------------------------------

def _pod(init, containers, status):
    from kubelab.api import decode

    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "test1", "namespace": "default"},
                   "spec": {"initContainers": init, "containers": containers}, "status": status})


SIDECARS = [{"name": "restartable-init-1", "image": "i", "restartPolicy": "Always"},
            {"name": "restartable-init-2", "image": "i", "restartPolicy": "Always"}]
NOW = 1000.0


def _cs(name, state, started=None, ready=False, restarts=0, finished_ago=None):
    d = {"name": name, "ready": ready, "restartCount": restarts, "image": "i", "imageID": "", "state": state}
    if started is not None:
        d["started"] = started
    if finished_ago is not None:
        from kubelab.api.base import rfc3339

        d["lastState"] = {"terminated": {"exitCode": 0, "finishedAt": rfc3339(NOW - finished_ago)}}
    return d


@pytest.mark.parametrize("phase,init_statuses,app_status,initialized,want", [
    # printers_test.go TestPrintPodWithRestartableInitContainer, its cases in order
    ("Pending", [_cs("restartable-init-1", {"running": {}}, False, restarts=3, finished_ago=10),
                 _cs("restartable-init-2", {"waiting": {}}, False)],
     _cs("c", {"waiting": {}}), "False", ["0/3", "Init:0/2", "3 (10s ago)"]),
    ("Pending", [_cs("restartable-init-1", {"running": {}}, True, restarts=3, finished_ago=10),
                 _cs("restartable-init-2", {"running": {}}, False)],
     _cs("c", {"waiting": {}}), "False", ["0/3", "Init:1/2", "3 (10s ago)"]),
    ("Running", [_cs("restartable-init-1", {"running": {}}, True, restarts=3, finished_ago=10),
                 _cs("restartable-init-2", {"running": {}}, True)],
     _cs("c", {"running": {}}, ready=True, restarts=4, finished_ago=20), "True", ["1/3", "Running", "7 (10s ago)"]),
    ("Succeeded", [_cs("restartable-init-1", {"terminated": {"reason": "Error", "exitCode": 137}}, False, restarts=3,
                       finished_ago=10),
                   _cs("restartable-init-2", {"terminated": {"reason": "Error", "exitCode": 137}}, False)],
     _cs("c", {"terminated": {"reason": "Completed", "exitCode": 0}}, restarts=4, finished_ago=20), "True",
     ["0/3", "Completed", "7 (10s ago)"]),
])
def test_printpod_counts_restartable_init_containers(phase, init_statuses, app_status, initialized, want):
    """upstream: pkg/printers/internalversion/printers.go printPod (and printers_test.go
    TestPrintPodWithRestartableInitContainer): READY counts started sidecars that are ready,
    RESTARTS adds the sidecars' restarts (only theirs once the pod is initialised) with the
    latest termination's age."""
    from kubelab.kubectl.printers import print_pod

    pod = _pod(SIDECARS, [{"name": "c", "image": "i"}],
               {"phase": phase, "initContainerStatuses": init_statuses, "containerStatuses": [app_status],
                "conditions": [{"type": "Initialized", "status": initialized}]})
    assert print_pod(pod, NOW, False)[1:4] == want


@pytest.mark.parametrize("state,want", [
    ({"terminated": {"exitCode": 137, "signal": 9}}, "Init:Signal:9"),  # no reason: the signal...
    ({"terminated": {"exitCode": 2}}, "Init:ExitCode:2"),  # ...or the exit code
    ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Init:Error"),
    ({"waiting": {"reason": "CrashLoopBackOff"}}, "Init:CrashLoopBackOff"),
    ({"waiting": {"reason": "PodInitializing"}}, "Init:0/1"),
])
def test_printpod_init_container_reasons(state, want):
    """upstream: printers.go printPod, the init container switch."""
    from kubelab.kubectl.printers import print_pod

    pod = _pod([{"name": "init", "image": "i"}], [{"name": "c", "image": "i"}],
               {"phase": "Pending", "initContainerStatuses": [_cs("init", state)],
                "containerStatuses": [_cs("c", {"waiting": {"reason": "PodInitializing"}})]})
    assert print_pod(pod, NOW, False)[2] == want


def test_pod_initializing_while_the_app_image_is_pulled():
    """upstream: kubelet_pods.go convertToAPIContainerStatuses (app containers wait with reason
    PodInitializing in a pod with init containers), printPod (initialised: the app
    containers' waiting reason, PodInitializing)."""
    c = cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "slow"},
             "spec": {"containers": [{"name": "app", "image": "python:3.13", "command": ["python", "-m", "http.server"]}],
                      "initContainers": [{"name": "init", "image": "busybox:1.37", "command": ["true"]}]}})
    c.run(4)  # python is 380 MB: its pull takes a while after the init container is done
    pod = c.get("Pod", "slow")
    assert pod.status.init_container_statuses[0].state.terminated.reason == "Completed"
    assert pod.status.condition("Initialized").status == "True"
    assert pod.status.container_statuses[0].state.waiting.reason == "PodInitializing"
    assert row(c, "slow")[1:3] == ["0/1", "PodInitializing"]


def test_kubectl_describe_lists_init_containers_first():
    """upstream: staging/src/k8s.io/kubectl/pkg/describe/describe.go describePod
    ("Init Containers:" before "Containers:", each as describeContainers prints it)."""
    c = cluster()
    c.apply(MYAPP)
    c.run(20)
    out = c.kubectl("describe pod myapp-pod")
    init = out.split("Init Containers:\n", 1)[1].split("\nContainers:\n", 1)[0].splitlines()
    pod = c.get("Pod", "myapp-pod")
    first = pod.status.init_container_statuses[0]
    assert init[:16] == [
        "  init-myservice:",
        f"    Container ID:  {first.container_id}",
        "    Image:         busybox:1.28",
        f"    Image ID:      {first.image_id}",
        "    Port:          <none>",
        "    Host Port:     <none>",
        "    Command:",
        "      sh",
        "      -c",
        "      echo waiting for myservice; sleep 4",
        "    State:          Terminated",
        "      Reason:       Completed",
        "      Exit Code:    0",
        f"      Started:      {_rfc1123z(first.state.terminated.started_at)}",
        f"      Finished:     {_rfc1123z(first.state.terminated.finished_at)}",
        "    Ready:          True",
    ]
    assert init[16] == "    Restart Count:  0"
    assert "  init-mydb:" in init


def _rfc1123z(ts):
    import datetime as dt

    return dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").strftime("%a, %d %b %Y %H:%M:%S +0000")

"""Init containers and native sidecars in the kubelet, as Kubernetes v1.34 runs them.

Upstream: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions,
computeInitContainerActions), pkg/kubelet/kuberuntime/kuberuntime_container.go,
pkg/kubelet/status/generate.go, pkg/kubelet/kubelet_pods.go (convertToAPIContainerStatuses,
getPhase), pkg/printers/internalversion/printers.go (printPod) and kubectl's describe.go.
"""

import pytest

import kubelab as kl
from kubelab.api import errors


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
    """upstream: kuberuntime_manager.go computeInitContainerActions (a failed init container is
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

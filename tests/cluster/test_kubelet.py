"""The kubelet: restart policies, CrashLoopBackOff with the kubelet's back-off, admission."""

import kubelab as kl


def crashing_pod(name, policy="Always", exit_code=1, run_seconds=2):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": {"sim.kubelab.io/run-seconds": str(run_seconds),
                                                       "sim.kubelab.io/exit-code": str(exit_code)}},
            "spec": {"restartPolicy": policy, "containers": [{"name": "app", "image": "busybox"}]}}


def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(5)
    return c


def test_a_crashing_container_is_restarted_with_growing_back_off():
    c = cluster()
    c.apply(crashing_pod("crashy"))
    c.run(150)
    pod = c.get("Pod", "crashy")
    cs = pod.status.container_statuses[0]
    # first restart at once, then back-off 10 s, 20 s, 40 s, 80 s (kubelet's 10 s doubling)
    assert cs.restart_count == 4
    assert cs.state.waiting.reason == "CrashLoopBackOff"
    assert cs.state.waiting.message.startswith("back-off 1m20s restarting failed container=app pod=crashy_default(")
    assert cs.last_state.terminated.exit_code == 1 and cs.last_state.terminated.reason == "Error"
    assert pod.status.phase == "Running" and not pod.is_ready()
    assert "CrashLoopBackOff" in c.kubectl("get pod crashy")
    backoffs = [e for e in c.api.events(pod) if e.reason == "BackOff"]
    assert backoffs and backoffs[0].type == "Warning"
    assert backoffs[0].message.startswith("Back-off restarting failed container app in pod crashy_default(")


def test_restart_policy_never_ends_the_pod_failed_and_on_failure_success_ends_it_succeeded():
    c = cluster()
    c.apply(crashing_pod("once", policy="Never", exit_code=3))
    c.apply(crashing_pod("done", policy="OnFailure", exit_code=0))
    c.run(30)
    once, done = c.get("Pod", "once"), c.get("Pod", "done")
    assert once.status.phase == "Failed"
    assert once.status.container_statuses[0].state.terminated.exit_code == 3
    assert done.status.phase == "Succeeded"
    assert "Completed" in c.kubectl("get pod done")


def test_the_kubelet_refuses_a_pod_bound_past_its_allocatable():
    c = cluster()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
           "spec": {"nodeName": "vm-1", "containers": [{"name": "c", "image": "busybox",
                                                        "resources": {"requests": {"cpu": "5"}}}]}}
    c.apply(pod)  # nodeName set by hand: no scheduler to stop it, the kubelet's admission does
    c.run(10)
    p = c.get("Pod", "big")
    assert p.status.phase == "Failed" and p.status.reason == "OutOfcpu"
    # used: what the pods already there request (a CoreDNS replica asks 100m, kube-proxy nothing)
    dns = [x for x in c.list("Pod", "kube-system", field_selector="spec.nodeName=vm-1") if x.metadata.name.startswith("coredns-")]
    assert p.status.message == ("Pod was rejected: Node didn't have enough resource: cpu, requested: 5000, "
                                f"used: {100 * len(dns)}, capacity: 4000")


def test_a_job_whose_pod_keeps_failing_in_place_hits_its_backoff_limit():
    c = cluster()
    c.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "flaky"},
             "spec": {"backoffLimit": 2, "template": {
                 "metadata": {"annotations": {"sim.kubelab.io/run-seconds": "1", "sim.kubelab.io/exit-code": "1"}},
                 "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}})
    c.run(60)
    job = c.get("Job", "flaky")
    failed = [x for x in job.status.conditions or [] if x.type == "Failed"]
    assert failed and failed[0].reason == "BackoffLimitExceeded"
    assert "BackoffLimitExceeded" in {e.reason for e in c.api.events(job)}


def test_kubectl_top_reads_what_the_kubelets_measure():
    c = cluster()
    c.add_node(kl.VM("vm-2", cpu="4", memory="16Gi"))
    c.apply({"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "busy", "annotations": {"sim.kubelab.io/cpu-usage": "750m",
                                                          "sim.kubelab.io/memory-usage": "300Mi"}},
             "spec": {"nodeName": "vm-1", "containers": [{"name": "c", "image": "busybox"}]}})
    c.run(20)
    pods = c.kubectl("top pods")
    assert pods.splitlines()[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert pods.splitlines()[1].split() == ["busy", "750m", "300Mi"]
    c.faults.stop("vm-2")
    nodes = c.kubectl("top nodes").splitlines()
    vm1 = next(line.split() for line in nodes if line.startswith("vm-1"))
    # the pods' usage (busy's 750m, and kube-system's kube-proxy and CoreDNS on vm-1) + 100m for
    # kubelet, containerd, the OS
    on_vm1 = {p.metadata.name for p in c.list("Pod", None, field_selector="spec.nodeName=vm-1")}
    assert "busy" in on_vm1 and any(n.startswith("kube-proxy-") for n in on_vm1)
    usage = {r[1]: int(r[2].rstrip("m")) for r in (line.split() for line in c.kubectl("top pods -A").splitlines()[1:])}
    want = 100 + sum(usage[n] for n in on_vm1)
    assert vm1[1] == f"{want}m" and vm1[2] == f"{want * 100 // 4000}%"
    assert next(line.split() for line in nodes if line.startswith("vm-2"))[1] == "<unknown>"

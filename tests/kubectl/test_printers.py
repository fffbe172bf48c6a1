"""kubectl get's columns and cells, against kubernetes/pkg/printers/internalversion/printers_test.go
cases and outputs known from real clusters."""

import pytest

from kubelab.api import decode
from kubelab.api.base import rfc3339
from kubelab.kubectl.printers import TABLES, print_pod, print_table

NOW = 1000.0


def mkpod(status, *, containers=2, init=0, spec_extra=None, meta_extra=None):
    spec = {"containers": [{"name": f"c{i}", "image": "busybox"} for i in range(containers)]}
    if init:
        spec["initContainers"] = [{"name": f"i{i}", "image": "busybox"} for i in range(init)]
    spec.update(spec_extra or {})
    md = {"name": "p", "namespace": "default", **(meta_extra or {})}
    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status})


def cs(name="c0", ready=False, restarts=0, state=None, last=None):
    d = {"name": name, "ready": ready, "restartCount": restarts, "image": "busybox", "imageID": ""}
    if state is not None:
        d["state"] = state
    if last is not None:
        d["lastState"] = last
    return d


RUNNING = {"running": {"startedAt": rfc3339(0)}}


@pytest.mark.parametrize(
    "status,want",
    [
        # printers_test.go TestPrintPod: name, ready count, container-state reasons
        ({"phase": "podPhase", "containerStatuses": [cs("c0", True, 3, RUNNING), cs("c1", False, 3)]}, ("1/2", "podPhase", "6")),
        ({"phase": "podPhase", "containerStatuses": [cs("c0", True, 3, RUNNING),
                                                     cs("c1", False, 3, {"waiting": {"reason": "ContainerWaitingReason"}})]},
         ("1/2", "ContainerWaitingReason", "6")),
        ({"phase": "podPhase", "containerStatuses": [cs("c0", False, 3, {"waiting": {"reason": "ContainerWaitingReason"}}),
                                                     cs("c1", False, 3, {"terminated": {"reason": "ContainerTerminatedReason", "exitCode": 1}})]},
         ("0/2", "ContainerWaitingReason", "6")),
        ({"phase": "podPhase", "containerStatuses": [cs("c0", True, 3), cs("c1", True, 3, RUNNING)]}, ("1/2", "podPhase", "6")),
        ({"phase": "podPhase", "reason": "podReason", "containerStatuses": [cs("c0", True, 3, RUNNING), cs("c1", True, 3)]},
         ("1/2", "podReason", "6")),
        # one container Completed, one running, no Ready condition -> NotReady; with it -> Running
        ({"phase": "Running", "containerStatuses": [cs("c0", True, 3, {"terminated": {"reason": "Completed", "exitCode": 0}}),
                                                    cs("c1", True, 3, RUNNING)]}, ("1/2", "NotReady", "6")),
        ({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
          "containerStatuses": [cs("c0", True, 3, {"terminated": {"reason": "Completed", "exitCode": 0}}),
                                cs("c1", True, 3, RUNNING)]}, ("1/2", "Running", "6")),
        # terminated without a reason: ExitCode / Signal
        ({"phase": "Running", "containerStatuses": [cs("c0", False, 0, {"terminated": {"exitCode": 137}}), cs("c1", False)]},
         ("0/2", "ExitCode:137", "0")),
        ({"phase": "Running", "containerStatuses": [cs("c0", False, 0, {"terminated": {"exitCode": 0, "signal": 9}}), cs("c1", False)]},
         ("0/2", "Signal:9", "0")),
        # images still being pulled
        ({"phase": "Pending", "containerStatuses": [cs("c0", False, 0, {"waiting": {"reason": "ContainerCreating"}}),
                                                    cs("c1", False, 0, {"waiting": {"reason": "ContainerCreating"}})]},
         ("0/2", "ContainerCreating", "0")),
        # not scheduled yet: the phase
        ({"phase": "Pending"}, ("0/2", "Pending", "0")),
        ({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]},
         ("0/2", "SchedulingGated", "0")),
    ],
)
def test_pod_ready_status_restarts(status, want):
    cells = print_pod(mkpod(status), NOW, wide=False)
    assert tuple(cells[1:4]) == want


def test_restarts_show_when_the_last_one_was():
    pod = mkpod({"phase": "Running", "containerStatuses": [
        cs("c0", False, 5, {"waiting": {"reason": "CrashLoopBackOff"}},
           last={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": rfc3339(NOW - 123)}})]}, containers=1)
    assert print_pod(pod, NOW, False)[1:4] == ["0/1", "CrashLoopBackOff", "5 (2m3s ago)"]


@pytest.mark.parametrize(
    "init_statuses,want",
    [
        ([cs("i0", False, 0, {"running": {}})], "Init:0/1"),
        ([cs("i0", False, 4, {"waiting": {"reason": "CrashLoopBackOff"}})], "Init:CrashLoopBackOff"),
        ([cs("i0", False, 0, {"terminated": {"exitCode": 2}})], "Init:ExitCode:2"),
        ([cs("i0", False, 0, {"terminated": {"exitCode": 1, "reason": "Error"}})], "Init:Error"),
        ([cs("i0", False, 0, {"waiting": {"reason": "PodInitializing"}})], "Init:0/1"),
    ],
)
def test_init_container_status(init_statuses, want):
    pod = mkpod({"phase": "Pending", "initContainerStatuses": init_statuses,
                 "containerStatuses": [cs("c0", False, 0, {"waiting": {"reason": "PodInitializing"}})]}, containers=1, init=1)
    assert print_pod(pod, NOW, False)[2] == want


def test_terminating_and_node_lost():
    deleting = {"deletionTimestamp": rfc3339(NOW - 1)}
    p = mkpod({"phase": "Running", "containerStatuses": [cs("c0", True, 0, RUNNING)]}, containers=1, meta_extra=deleting)
    assert print_pod(p, NOW, False)[2] == "Terminating"
    p = mkpod({"phase": "Running", "reason": "NodeLost"}, containers=1, meta_extra=deleting)
    assert print_pod(p, NOW, False)[2] == "Unknown"
    # a finished pod being deleted keeps its terminal status
    p = mkpod({"phase": "Succeeded", "containerStatuses": [cs("c0", False, 0, {"terminated": {"exitCode": 0, "reason": "Completed"}})]},
              containers=1, meta_extra=deleting)
    assert print_pod(p, NOW, False)[2] == "Completed"


def test_wide_pod_columns_and_readiness_gates():
    p = mkpod({"phase": "Running", "podIPs": [{"ip": "10.1.2.3"}], "nominatedNodeName": "n2",
               "conditions": [{"type": "example.com/gate", "status": "True"}]},
              containers=1, spec_extra={"nodeName": "n1", "readinessGates": [{"conditionType": "example.com/gate"}, {"conditionType": "other"}]})
    assert print_pod(p, NOW, True)[5:] == ["10.1.2.3", "n1", "n2", "1/2"]


def test_headers_are_kubectls():
    def headers(kind, wide=False):
        return [c.header for c in TABLES[kind].columns if wide or c.priority == 0]

    assert headers("Pod", True) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert headers("Node", True) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                                     "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    assert headers("Deployment", True) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert headers("ReplicaSet") == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert headers("DaemonSet") == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]
    assert headers("StatefulSet") == ["NAME", "READY", "AGE"]
    assert headers("Job") == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert headers("CronJob") == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    assert headers("Service", True) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    assert headers("Event") == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert headers("Event", True) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
    assert headers("PodDisruptionBudget") == ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]
    assert headers("PriorityClass", True) == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert headers("Lease") == ["NAME", "HOLDER", "AGE"]
    assert headers("Secret") == ["NAME", "TYPE", "DATA", "AGE"]
    assert headers("ConfigMap") == ["NAME", "DATA", "AGE"]
    assert headers("Namespace") == ["NAME", "STATUS", "AGE"]
    assert headers("Endpoints") == ["NAME", "ENDPOINTS", "AGE"]


def svc(spec, status=None):
    return decode({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default",
                   "creationTimestamp": rfc3339(NOW - 30)}, "spec": spec, "status": status or {}})


@pytest.mark.parametrize(
    "spec,status,want",
    [
        ({"type": "ClusterIP", "clusterIP": "10.96.0.10", "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
         None, ["s", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "30s"]),
        ({"type": "NodePort", "clusterIP": "10.96.0.11", "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]},
         None, ["s", "NodePort", "10.96.0.11", "<none>", "80:30080/TCP", "30s"]),
        ({"type": "LoadBalancer", "clusterIP": "10.96.0.12", "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]},
         None, ["s", "LoadBalancer", "10.96.0.12", "<pending>", "443:31443/TCP", "30s"]),
        ({"type": "LoadBalancer", "clusterIP": "10.96.0.12", "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]},
         {"loadBalancer": {"ingress": [{"hostname": "a1b2c3d4e5f6g7h8.elb.amazonaws.com"}]}},
         ["s", "LoadBalancer", "10.96.0.12", "a1b2c3d4e5f6g...", "443:31443/TCP", "30s"]),
        ({"type": "ExternalName", "externalName": "db.example.com"}, None, ["s", "ExternalName", "<none>", "db.example.com", "<none>", "30s"]),
        ({"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 80, "protocol": "TCP"}]}, None,
         ["s", "ClusterIP", "None", "<none>", "80/TCP", "30s"]),
    ],
)
def test_service_row(spec, status, want):
    from kubelab.kubectl.printers import print_service

    assert print_service(svc(spec, status), NOW, False) == want


def test_node_status_column():
    from kubelab.kubectl.printers import print_node

    def n(conds, unsched=False, labels=None):
        return decode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n", "labels": labels or {}},
                       "spec": {"unschedulable": unsched}, "status": {"conditions": conds}})

    assert print_node(n([{"type": "Ready", "status": "True"}]), NOW, False)[1] == "Ready"
    assert print_node(n([{"type": "Ready", "status": "Unknown"}]), NOW, False)[1] == "NotReady"
    assert print_node(n([]), NOW, False)[1] == "Unknown"
    assert print_node(n([{"type": "Ready", "status": "True"}], True), NOW, False)[1] == "Ready,SchedulingDisabled"
    roles = {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/etcd": "", "kubernetes.io/role": "infra"}
    assert print_node(n([], labels=roles), NOW, False)[2] == "control-plane,etcd,infra"


def test_job_status_and_completions():
    from kubelab.kubectl.printers import print_job

    def job(spec, status):
        return decode({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "creationTimestamp": rfc3339(0)},
                       "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}, **spec}, "status": status})

    assert print_job(job({"completions": 3}, {"succeeded": 1, "startTime": rfc3339(NOW - 70)}), NOW, False) == ["j", "Running", "1/3", "70s", "16m"]
    done = {"succeeded": 1, "startTime": rfc3339(10), "completionTime": rfc3339(200),
            "conditions": [{"type": "Complete", "status": "True"}]}
    assert print_job(job({}, done), NOW, False)[1:4] == ["Complete", "1/1", "3m10s"]
    assert print_job(job({"parallelism": 4}, {}), NOW, False)[1:4] == ["Running", "0/1 of 4", ""]


def test_table_with_namespace_labels_and_no_headers():
    pods = [mkpod({"phase": "Running"}, containers=1, meta_extra={"labels": {"b": "2", "a": "1"},
                                                                   "creationTimestamp": rfc3339(NOW - 5)})]
    out = print_table(pods, NOW, all_namespaces=True, show_labels=True)
    assert out == (
        "NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE   LABELS\n"
        "default     p      0/1     Running   0          5s    a=1,b=2\n"
    )
    assert print_table(pods, NOW, no_headers=True) == "p     0/1   Running   0     5s\n"
    assert print_table(pods, NOW, label_columns=["a"]).splitlines()[0].endswith("AGE   A")

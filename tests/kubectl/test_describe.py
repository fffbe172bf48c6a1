"""kubectl describe, checked against the layout real kubectl prints (describe.go)."""

from kubelab.kubectl.describe import pod_qos

POD_DESCRIBE = """\
Name:             web-7d4b9c8f5-abcde
Namespace:        default
Service Account:  default
Node:             vm-1/10.0.0.2
Start Time:       Wed, 01 Jan 2025 00:57:58 +0000
Labels:           app=web
Annotations:      <none>
Status:           Running
IP:               10.244.1.5
IPs:
  IP:           10.244.1.5
Controlled By:  ReplicaSet/web-7d4b9c8f5
Containers:
  c0:
    Container ID:   containerd://web-7d4b9c8f5-abcde0
    Image:          nginx:1.27
    Image ID:       docker.io/library/nginx@sha256:abc
    Port:           <none>
    Host Port:      <none>
    State:          Running
      Started:      Wed, 01 Jan 2025 00:58:02 +0000
    Ready:          True
    Restart Count:  0
    Limits:
      memory:  256Mi
    Requests:
      cpu:        500m
      memory:     128Mi
    Environment:  <none>
    Mounts:       <none>
Conditions:
  Type              Status
  Initialized       True 
  Ready             True 
  ContainersReady   True 
  PodScheduled      True 
Volumes:            <none>
QoS Class:          Burstable
Node-Selectors:     <none>
Tolerations:        node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                    node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type    Reason     Age   From               Message
  ----    ------     ----  ----               -------
  Normal  Scheduled  2m3s  default-scheduler  Successfully assigned default/web-7d4b9c8f5-abcde to vm-1
  Normal  Pulling    2m2s  kubelet            Pulling image "nginx:1.27"
  Normal  Pulled     118s  kubelet            Successfully pulled image "nginx:1.27" in 4.2s (4.2s including waiting). Image size: 72099501 bytes.
"""


def test_describe_pod_matches_kubectl_layout(kubectl):
    assert kubectl("describe pod web-7d4b9c8f5-abcde") == POD_DESCRIBE


def test_describe_pod_repeated_event_and_prefix_match(kubectl):
    out = kubectl("describe pods web-7d4b9c8f5-kl")  # kubectl falls back to a name prefix
    assert "Node:             <none>\n" in out
    assert "IPs:              <none>\n" in out
    assert out.endswith(
        "Events:\n"
        "  Type     Reason            Age               From               Message\n"
        "  ----     ------            ----              ----               -------\n"
        "  Warning  FailedScheduling  2s (x3 over 10s)  default-scheduler  0/3 nodes are available: 3 Insufficient cpu.\n"
    )
    assert kubectl("describe pod zzz") == 'Error from server (NotFound): pods "zzz" not found\n'


def test_describe_node_allocated_resources(kubectl):
    out = kubectl("describe node vm-1")
    assert out.startswith("Name:               vm-1\nRoles:              <none>\nLabels:             kubernetes.io/hostname=vm-1\n"
                          "                    kubernetes.io/os=linux\n")
    assert (
        "Non-terminated Pods:          (1 in total)\n"
        "  Namespace                   Name                   CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age\n"
        "  ---------                   ----                   ------------  ----------  ---------------  -------------  ---\n"
        "  default                     web-7d4b9c8f5-abcde    500m (12%)    0 (0%)      128Mi (0%)       256Mi (1%)     2m3s\n"
        "Allocated resources:\n"
        "  (Total limits may be over 100 percent, i.e., overcommitted.)\n"
        "  Resource           Requests    Limits\n"
        "  --------           --------    ------\n"
        "  cpu                500m (12%)  0 (0%)\n"
        "  memory             128Mi (0%)  256Mi (1%)\n"
        "  ephemeral-storage  0 (0%)      0 (0%)\n"
        "Events:              <none>\n"
    ) in out
    assert "Unschedulable:      false\n" in out
    assert "  Ready   True    Wed, 01 Jan 2025 00:59:50 +0000   Wed, 01 Jan 2025 00:00:13 +0000   KubeletReady   kubelet is posting ready status\n" in out


def test_describe_deployment_shows_replicasets_and_strategy(kubectl):
    out = kubectl("describe deployment web")
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable\n" in out
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n" in out
    assert "Pod Template:\n  Labels:  app=web\n  Containers:\n   nginx:\n    Image:      nginx:1.27\n" in out
    assert "OldReplicaSets:  <none>\nNewReplicaSet:   web-7d4b9c8f5 (3/3 replicas created)\n" in out
    assert "  Normal  ScalingReplicaSet  60m   deployment-controller  Scaled up replica set web-7d4b9c8f5 from 0 to 3\n" in out


def test_describe_service_and_replicaset(kubectl):
    svc = kubectl("describe svc web")
    assert "Port:              <unset>  80/TCP\nTargetPort:        8080/TCP\nEndpoints:         10.244.1.5:8080,10.244.0.7:8080\n" in svc
    rs = kubectl("describe rs web-7d4b9c8f5")
    assert "Replicas:       3 current / 3 desired\nPods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed\n" in rs
    assert "Controlled By:  Deployment/web\n" in rs


def test_describe_other_kinds_uses_the_generic_describer(cluster, kubectl):
    from kubelab.api import decode

    cluster.add(decode({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                        "metadata": {"name": "vm-1", "namespace": "kube-node-lease"},
                        "spec": {"holderIdentity": "vm-1", "leaseDurationSeconds": 40}}))
    out = kubectl("describe lease vm-1 -n kube-node-lease")
    assert out.startswith("Name:         vm-1\nNamespace:    kube-node-lease\n")
    assert "API Version:  coordination.k8s.io/v1\n" in out and "Kind:         Lease\n" in out
    assert "Spec:\n  Holder Identity:         vm-1\n  Lease Duration Seconds:  40\n" in out


def test_qos_classes():
    from kubectl_samples import pod

    assert pod_qos(pod("a")) == "BestEffort"
    assert pod_qos(pod("b", requests={"cpu": "1"})) == "Burstable"
    assert pod_qos(pod("c", requests={"cpu": "1", "memory": "1Gi"}, limits={"cpu": "1", "memory": "1Gi"})) == "Guaranteed"
    assert pod_qos(pod("d", limits={"cpu": "1", "memory": "1Gi"})) == "Burstable"  # (no defaulting of requests here)


def test_no_events_flag(kubectl):
    assert "Events" not in kubectl("describe pod web-7d4b9c8f5-abcde --show-events=false")


def test_describe_configmap_secret_namespace_endpoints(cluster, kubectl):
    from kubelab.api import decode

    cluster.add(decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
                        "data": {"b": "two\nlines", "a": "1"}}))
    cluster.add(decode({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
                        "type": "Opaque", "data": {"password": "c2VjcmV0MTIz"}}))
    cluster.add(decode({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}, "status": {"phase": "Active"}}))
    assert kubectl("describe cm cfg") == (
        "Name:         cfg\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\n"
        "Data\n====\na:\n----\n1\n\nb:\n----\ntwo\nlines\n\n\nBinaryData\n====\n\nEvents:  <none>\n")
    assert kubectl("describe secret s").endswith("\nType:  Opaque\n\nData\n====\npassword:  9 bytes\n")
    assert kubectl("describe ns default") == (
        "Name:         default\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Active\n\n"
        "No resource quota.\n\nNo LimitRange resource.\n")
    assert "  Addresses:          10.244.1.5,10.244.0.7\n  NotReadyAddresses:  <none>\n  Ports:\n" \
           "    Name     Port  Protocol\n    ----     ----  --------\n    <unset>  8080  TCP\n" in kubectl("describe ep web")


def test_describe_workload_kinds(cluster, kubectl):
    from kubelab.api import decode
    from kubelab.api.base import rfc3339

    tmpl = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    cluster.add(decode({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "default"},
                        "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": tmpl},
                        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 3,
                                   "numberMisscheduled": 0, "updatedNumberScheduled": 3, "numberAvailable": 3}}))
    cluster.add(decode({"apiVersion": "apps/v1", "kind": "StatefulSet",
                        "metadata": {"name": "db", "namespace": "default", "creationTimestamp": rfc3339(0)},
                        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "x"}}, "template": tmpl,
                                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
                        "status": {"replicas": 2}}))
    cluster.add(decode({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "namespace": "default"},
                        "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 6, "template": tmpl},
                        "status": {"startTime": rfc3339(10), "completionTime": rfc3339(200), "succeeded": 1}}))
    cluster.add(decode({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello", "namespace": "default"},
                        "spec": {"schedule": "*/1 * * * *", "concurrencyPolicy": "Allow", "suspend": False,
                                 "jobTemplate": {"spec": {"template": tmpl}}}}))
    ds = kubectl("describe ds agent")
    assert "Desired Number of Nodes Scheduled: 3\nCurrent Number of Nodes Scheduled: 3\n" in ds
    assert "Pods Status:  0 Running / 0 Waiting / 0 Succeeded / 0 Failed\n" in ds
    sts = kubectl("describe sts db")
    assert "Replicas:           2 desired | 2 total\nUpdate Strategy:    RollingUpdate\n  Partition:        0\n" in sts
    assert "Volume Claims:     <none>\n" in sts
    job = kubectl("describe job pi")
    assert "Duration:       3m10s\nPods Statuses:  0 Active / 1 Succeeded / 0 Failed\n" in job
    cj = kubectl("describe cronjob hello")
    assert "Schedule:                      */1 * * * *\n" in cj and "Active Jobs:         <none>\n" in cj

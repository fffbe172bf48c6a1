"""A hand-made cluster state (no controllers) to print: what kubectl would show for it is
known, so the printers can be checked against kubectl's own output."""

from __future__ import annotations

from kubelab.api import decode
from kubelab.api.base import rfc3339
from kubelab.kubectl import MemorySource

NOW = 3600.0  # simulated seconds


def pod(name, *, node="vm-1", phase="Running", ready=True, created=0.0, ip="10.244.1.5", labels=None,
        owner=None, restarts=0, waiting=None, terminated=None, last_finished=None, deleting=False,
        requests=None, limits=None, ns="default", containers=1):
    cstatuses = []
    for i in range(containers):
        state = {"running": {"startedAt": rfc3339(created + 5)}}
        if waiting:
            state = {"waiting": {"reason": waiting}}
        if terminated:
            state = {"terminated": terminated}
        cs = {"name": f"c{i}", "ready": ready and not waiting and not terminated, "restartCount": restarts,
              "image": "nginx:1.27", "imageID": "docker.io/library/nginx@sha256:abc", "containerID": f"containerd://{name}{i}",
              "state": state, "started": True}
        if last_finished is not None:
            cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": rfc3339(last_finished - 10),
                                              "finishedAt": rfc3339(last_finished)}}
        cstatuses.append(cs)
    resources = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    md = {"name": name, "namespace": ns, "creationTimestamp": rfc3339(created), "labels": labels or {"app": "web"},
          "uid": f"uid-{name}"}
    if owner:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": owner[2], "controller": True}]
    if deleting:
        md["deletionTimestamp"] = rfc3339(NOW - 5)
        md["deletionGracePeriodSeconds"] = 30
    status = {"phase": phase, "conditions": [
        {"type": "Initialized", "status": "True"},
        {"type": "Ready", "status": "True" if ready else "False"},
        {"type": "ContainersReady", "status": "True" if ready else "False"},
        {"type": "PodScheduled", "status": "True"},
    ], "hostIP": "10.0.0.2", "containerStatuses": cstatuses, "startTime": rfc3339(created + 1)}
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    spec = {"containers": [{"name": f"c{i}", "image": "nginx:1.27", **({"resources": resources} if resources else {})}
                           for i in range(containers)], "serviceAccountName": "default",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]}
    if node:
        spec["nodeName"] = node
    return decode({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status})


def node(name, *, ready=True, roles=(), unschedulable=False, created=0.0, cpu="4", memory="16Gi", ip="10.0.0.2",
         taints=None, labels=None):
    lbl = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    lbl.update({f"node-role.kubernetes.io/{r}": "" for r in roles})
    lbl.update(labels or {})
    spec = {}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    return decode({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": rfc3339(created), "labels": lbl, "uid": f"uid-{name}"},
        "spec": spec,
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "100Gi"},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False", "reason": "KubeletReady",
                            "message": "kubelet is posting ready status", "lastHeartbeatTime": rfc3339(NOW - 10),
                            "lastTransitionTime": rfc3339(created + 3)}],
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.31.0", "osImage": "Ubuntu 24.04 LTS", "kernelVersion": "6.8.0-45-generic",
                         "containerRuntimeVersion": "containerd://1.7.22", "kubeProxyVersion": "v1.31.0",
                         "machineID": "m-" + name, "systemUUID": "s-" + name, "bootID": "b-" + name,
                         "operatingSystem": "linux", "architecture": "amd64"},
        },
    })


def deployment(name="web", replicas=3, ready=3, updated=3, available=3, created=0.0, gen=1, observed=1):
    return decode({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": rfc3339(created), "uid": f"uid-{name}",
                     "generation": gen, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                       "resources": {"requests": {"cpu": "500m"}}}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": updated,
                   "availableReplicas": available, "observedGeneration": observed,
                   "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                  {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]},
    })


def replicaset(name="web-7d4b9c8f5", dep="web", replicas=3, ready=3, created=0.0, revision="1", image="nginx:1.27"):
    return decode({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": rfc3339(created), "uid": f"uid-{name}",
                     "labels": {"app": dep, "pod-template-hash": name.rsplit("-", 1)[1]},
                     "annotations": {"deployment.kubernetes.io/revision": revision},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": dep,
                                          "uid": f"uid-{dep}", "controller": True}]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": dep, "pod-template-hash": name.rsplit("-", 1)[1]}},
                 "template": {"metadata": {"labels": {"app": dep, "pod-template-hash": name.rsplit("-", 1)[1]}},
                              "spec": {"containers": [{"name": "nginx", "image": image,
                                                       "resources": {"requests": {"cpu": "500m"}}}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready},
    })


def event(name, obj_kind, obj_name, reason, message, *, first, last=None, count=1, type_="Normal", component="default-scheduler"):
    return decode({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": rfc3339(first)},
        "involvedObject": {"kind": obj_kind, "name": obj_name, "namespace": "default", "uid": f"uid-{obj_name}"},
        "reason": reason, "message": message, "source": {"component": component},
        "firstTimestamp": rfc3339(first), "lastTimestamp": rfc3339(last if last is not None else first),
        "count": count, "type": type_,
    })


def make_cluster():
    objs = [
        node("metal-1", roles=("control-plane",), created=0, ip="10.0.0.1", cpu="32", memory="128Gi"),
        node("vm-1", created=10, ip="10.0.0.2"),
        node("cloud-1", created=20, ip="10.0.0.3", unschedulable=True),
        deployment(),
        replicaset(),
        pod("web-7d4b9c8f5-abcde", created=3477, owner=("ReplicaSet", "web-7d4b9c8f5", "uid-web-7d4b9c8f5"),
            requests={"cpu": "500m", "memory": "128Mi"}, limits={"memory": "256Mi"}),
        pod("web-7d4b9c8f5-fghij", created=3000, node="metal-1", ip="10.244.0.7",
            owner=("ReplicaSet", "web-7d4b9c8f5", "uid-web-7d4b9c8f5")),
        pod("web-7d4b9c8f5-klmno", created=3590, node=None, phase="Pending", ready=False, ip=None,
            owner=("ReplicaSet", "web-7d4b9c8f5", "uid-web-7d4b9c8f5")),
        decode({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default",
                "creationTimestamp": rfc3339(100)}, "spec": {"type": "ClusterIP", "clusterIP": "10.96.12.34",
                "clusterIPs": ["10.96.12.34"], "selector": {"app": "web"},
                "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}}),
        decode({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default",
                "creationTimestamp": rfc3339(100)}, "subsets": [{"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.0.7"}],
                "ports": [{"port": 8080, "protocol": "TCP"}]}]}),
        # what kubectl describe service reads (1.32+): the slice, endpoints in the slice's order
        decode({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": "web-x7k2p", "namespace": "default", "creationTimestamp": rfc3339(100),
                             "labels": {"kubernetes.io/service-name": "web"}},
                "addressType": "IPv4", "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
                "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}},
                              {"addresses": ["10.244.0.7"], "conditions": {"ready": True}}]}),
    ]
    events = [
        event("web-7d4b9c8f5-abcde.1", "Pod", "web-7d4b9c8f5-abcde", "Scheduled",
              "Successfully assigned default/web-7d4b9c8f5-abcde to vm-1", first=3477),
        event("web-7d4b9c8f5-abcde.2", "Pod", "web-7d4b9c8f5-abcde", "Pulling", 'Pulling image "nginx:1.27"',
              first=3478, component="kubelet"),
        event("web-7d4b9c8f5-abcde.3", "Pod", "web-7d4b9c8f5-abcde", "Pulled",
              'Successfully pulled image "nginx:1.27" in 4.2s (4.2s including waiting). Image size: 72099501 bytes.',
              first=3482, component="kubelet"),
        event("web.1", "Deployment", "web", "ScalingReplicaSet", "Scaled up replica set web-7d4b9c8f5 from 0 to 3",
              first=0, component="deployment-controller"),
        event("web-7d4b9c8f5-klmno.1", "Pod", "web-7d4b9c8f5-klmno", "FailedScheduling",
              "0/3 nodes are available: 3 Insufficient cpu.", first=3590, last=3598, count=3, type_="Warning"),
    ]
    return MemorySource(objs, now=NOW, events=events)



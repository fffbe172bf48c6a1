"""What kubeadm writes on a control-plane machine: the static pod manifests in
/etc/kubernetes/manifests, which the master's kubelet runs and mirrors into kube-system.

Shapes from cmd/kubeadm/app/phases/controlplane/manifests.go (GetStaticPodSpecs: kube-apiserver,
kube-controller-manager, kube-scheduler) and cmd/kubeadm/app/phases/etcd/local.go
(GetEtcdPodSpec, stacked etcd only), both through staticpod.ComponentPod
(cmd/kubeadm/app/util/staticpod/utils.go): namespace kube-system, labels ``component`` and
``tier: control-plane``, ``hostNetwork: true``, ``priorityClassName: system-node-critical``,
a RuntimeDefault seccomp profile, CPU requests from ComponentResources.
"""

from __future__ import annotations

from typing import Any

KUBERNETES_VERSION = "v1.34.1"
ETCD_VERSION = "3.6.4-0"  # cmd/kubeadm/app/constants: the etcd image for 1.34
IMAGE_REPOSITORY = "registry.k8s.io"
# what `kubeadm config images pull` fetches during preflight: the images are on the machine
# before the kubelet starts the static pods (approximate compressed sizes)
IMAGES = {
    f"{IMAGE_REPOSITORY}/kube-apiserver:{KUBERNETES_VERSION}": 27_000_000,
    f"{IMAGE_REPOSITORY}/kube-controller-manager:{KUBERNETES_VERSION}": 22_000_000,
    f"{IMAGE_REPOSITORY}/kube-scheduler:{KUBERNETES_VERSION}": 17_000_000,
    f"{IMAGE_REPOSITORY}/etcd:{ETCD_VERSION}": 58_000_000,
    f"{IMAGE_REPOSITORY}/pause:3.10.1": 320_000,
}


def _component_pod(component: str, image: str, command: list[str], cpu: str, annotations: dict[str, str],
                   memory: str = "") -> dict[str, Any]:
    requests = {"cpu": cpu}
    if memory:
        requests["memory"] = memory
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": component, "namespace": "kube-system",
                     "labels": {"component": component, "tier": "control-plane"},
                     "annotations": annotations},
        "spec": {
            "containers": [{"name": component, "image": image, "imagePullPolicy": "IfNotPresent",
                            "command": command, "resources": {"requests": requests}}],
            "hostNetwork": True,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        },
    }


def static_pod_manifests(node_ip: str, stacked_etcd: bool, etcd_endpoints: list[str],
                         etcd_name: str = "", initial_cluster: str = "") -> list[dict[str, Any]]:
    """The manifests kubeadm writes for a control-plane node whose address is ``node_ip``."""
    repo, v = IMAGE_REPOSITORY, KUBERNETES_VERSION
    apiserver = _component_pod(
        "kube-apiserver", f"{repo}/kube-apiserver:{v}",
        ["kube-apiserver", f"--advertise-address={node_ip}", "--allow-privileged=true",
         "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
         "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
         "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
         "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
         "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
         f"--etcd-servers={','.join(etcd_endpoints)}", "--secure-port=6443",
         "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
         "--service-cluster-ip-range=10.96.0.0/12", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
         "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"],
        "250m", {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{node_ip}:6443"})
    controller_manager = _component_pod(
        "kube-controller-manager", f"{repo}/kube-controller-manager:{v}",
        ["kube-controller-manager", "--allocate-node-cidrs=true",
         "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
         "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
         "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--cluster-cidr=10.244.0.0/16",
         "--cluster-name=kubernetes", "--controllers=*,bootstrapsigner,tokencleaner",
         "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true",
         "--service-cluster-ip-range=10.96.0.0/12", "--use-service-account-credentials=true"],
        "200m", {})
    scheduler = _component_pod(
        "kube-scheduler", f"{repo}/kube-scheduler:{v}",
        ["kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
         "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
         "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"],
        "100m", {})
    pods = [apiserver, controller_manager, scheduler]
    if stacked_etcd:
        etcd = _component_pod(
            "etcd", f"{repo}/etcd:{ETCD_VERSION}",
            ["etcd", f"--advertise-client-urls=https://{node_ip}:2379", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
             "--client-cert-auth=true", "--data-dir=/var/lib/etcd",
             f"--initial-advertise-peer-urls=https://{node_ip}:2380", f"--initial-cluster={initial_cluster}",
             f"--listen-client-urls=https://127.0.0.1:2379,https://{node_ip}:2379",
             f"--listen-peer-urls=https://{node_ip}:2380", f"--name={etcd_name}",
             "--peer-client-cert-auth=true", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"],
            "100m", {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{node_ip}:2379"}, memory="100Mi")
        pods.insert(0, etcd)
    return pods


__all__ = ["IMAGES", "KUBERNETES_VERSION", "static_pod_manifests"]

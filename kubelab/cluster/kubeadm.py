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

import base64
import copy
import functools
from typing import Any

import yaml

KUBERNETES_VERSION = "v1.34.1"
ETCD_VERSION = "3.6.4-0"  # cmd/kubeadm/app/constants: the etcd image for 1.34
COREDNS_VERSION = "v1.12.1"  # cmd/kubeadm/app/constants CoreDNSVersion for 1.34
IMAGE_REPOSITORY = "registry.k8s.io"
KUBE_PROXY_IMAGE = f"{IMAGE_REPOSITORY}/kube-proxy:{KUBERNETES_VERSION}"
COREDNS_IMAGE = f"{IMAGE_REPOSITORY}/coredns/coredns:{COREDNS_VERSION}"
DNS_IP = "10.96.0.10"  # the tenth address of the service CIDR (kubeadm's GetDNSIP)
# what `kubeadm config images pull` fetches during preflight: the images are on the machine
# before the kubelet starts the static pods (approximate compressed sizes)
IMAGES = {
    f"{IMAGE_REPOSITORY}/kube-apiserver:{KUBERNETES_VERSION}": 27_000_000,
    f"{IMAGE_REPOSITORY}/kube-controller-manager:{KUBERNETES_VERSION}": 22_000_000,
    f"{IMAGE_REPOSITORY}/kube-scheduler:{KUBERNETES_VERSION}": 17_000_000,
    f"{IMAGE_REPOSITORY}/etcd:{ETCD_VERSION}": 58_000_000,
    f"{IMAGE_REPOSITORY}/pause:3.10.1": 320_000,
    KUBE_PROXY_IMAGE: 31_000_000,
    COREDNS_IMAGE: 22_000_000,
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
            # kubeadm's getEtcdCommand (cmd/kubeadm/app/phases/etcd/local.go), flags sorted
            ["etcd", f"--advertise-client-urls=https://{node_ip}:2379", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
             "--client-cert-auth=true", "--data-dir=/var/lib/etcd",
             f"--initial-advertise-peer-urls=https://{node_ip}:2380", f"--initial-cluster={initial_cluster}",
             "--key-file=/etc/kubernetes/pki/etcd/server.key",
             f"--listen-client-urls=https://127.0.0.1:2379,https://{node_ip}:2379",
             "--listen-metrics-urls=http://127.0.0.1:2381",
             f"--listen-peer-urls=https://{node_ip}:2380", f"--name={etcd_name}",
             "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt", "--peer-client-cert-auth=true",
             "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key", "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
             "--snapshot-count=10000", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"],
            "100m", {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{node_ip}:2379"}, memory="100Mi")
        pods.insert(0, etcd)
    return pods


# -- what kubeadm init installs once the control plane answers ------------------------------------

# cmd/kubeadm/app/phases/addons/proxy/manifests.go (KubeProxyConfigMap19, KubeProxyDaemonSet19) and
# proxy.go (the ServiceAccount, the kubeadm:node-proxier ClusterRoleBinding, the Role and RoleBinding
# that let joining nodes read the ConfigMap)
_KUBE_PROXY = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: kube-proxy, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "kubeadm:node-proxier"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:node-proxier"}
subjects:
- {kind: ServiceAccount, name: kube-proxy, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: kube-proxy, namespace: kube-system}
rules:
- {apiGroups: [""], resources: [configmaps], resourceNames: [kube-proxy], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: kube-proxy, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: kube-proxy}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:bootstrappers:kubeadm:default-node-token"}
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-proxy
  namespace: kube-system
  labels:
    app: kube-proxy
data:
  kubeconfig.conf: |-
    apiVersion: v1
    kind: Config
    clusters:
    - cluster:
        certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
        server: {control_plane_endpoint}
      name: default
    contexts:
    - context:
        cluster: default
        namespace: default
        user: default
      name: default
    current-context: default
    users:
    - name: default
      user:
        tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
  config.conf: |-
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    bindAddress: 0.0.0.0
    bindAddressHardFail: false
    clientConnection:
      acceptContentTypes: ""
      burst: 0
      contentType: ""
      kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
      qps: 0
    clusterCIDR: {cluster_cidr}
    configSyncPeriod: 0s
    conntrack:
      maxPerCore: null
      min: null
      tcpBeLiberal: false
      tcpCloseWaitTimeout: null
      tcpEstablishedTimeout: null
      udpStreamTimeout: 0s
      udpTimeout: 0s
    detectLocal:
      bridgeInterface: ""
      interfaceNamePrefix: ""
    detectLocalMode: ""
    enableProfiling: false
    healthzBindAddress: ""
    hostnameOverride: ""
    iptables:
      localhostNodePorts: null
      masqueradeAll: false
      masqueradeBit: null
      minSyncPeriod: 0s
      syncPeriod: 0s
    ipvs:
      excludeCIDRs: null
      minSyncPeriod: 0s
      scheduler: ""
      strictARP: false
      syncPeriod: 0s
      tcpFinTimeout: 0s
      tcpTimeout: 0s
      udpTimeout: 0s
    kind: KubeProxyConfiguration
    logging:
      flushFrequency: 0
      options:
        json:
          infoBufferSize: "0"
        text:
          infoBufferSize: "0"
      verbosity: 0
    metricsBindAddress: ""
    mode: ""
    nftables:
      masqueradeAll: false
      masqueradeBit: null
      minSyncPeriod: 0s
      syncPeriod: 0s
    nodePortAddresses: null
    oomScoreAdj: null
    portRange: ""
    showHiddenMetricsForVersion: ""
    winkernel:
      enableDSR: false
      forwardHealthCheckVip: false
      networkName: ""
      rootHnsEndpointName: ""
      sourceVip: ""
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    k8s-app: kube-proxy
  name: kube-proxy
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: kube-proxy
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
        k8s-app: kube-proxy
    spec:
      priorityClassName: system-node-critical
      containers:
      - name: kube-proxy
        image: {kube_proxy_image}
        imagePullPolicy: IfNotPresent
        command:
        - /usr/local/bin/kube-proxy
        - --config=/var/lib/kube-proxy/config.conf
        - --hostname-override=$(NODE_NAME)
        securityContext:
          privileged: true
        volumeMounts:
        - mountPath: /var/lib/kube-proxy
          name: kube-proxy
        - mountPath: /run/xtables.lock
          name: xtables-lock
          readOnly: false
        - mountPath: /lib/modules
          name: lib-modules
          readOnly: true
        env:
          - name: NODE_NAME
            valueFrom:
              fieldRef:
                fieldPath: spec.nodeName
      hostNetwork: true
      serviceAccountName: kube-proxy
      volumes:
      - name: kube-proxy
        configMap:
          name: kube-proxy
      - name: xtables-lock
        hostPath:
          path: /run/xtables.lock
          type: FileOrCreate
      - name: lib-modules
        hostPath:
          path: /lib/modules
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      - operator: Exists
      nodeSelector:
        kubernetes.io/os: linux
"""

# cmd/kubeadm/app/phases/addons/dns/manifests.go (CoreDNSServiceAccount, CoreDNSClusterRole,
# CoreDNSClusterRoleBinding, CoreDNSConfigMap, CoreDNSDeployment, CoreDNSService)
_COREDNS = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:coredns
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:coredns
subjects:
- kind: ServiceAccount
  name: coredns
  namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf {
           max_concurrent 1000
        }
        cache 30 {
           disable success cluster.local
           disable denial cluster.local
        }
        loop
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - key: k8s-app
                  operator: In
                  values: ["kube-dns"]
              topologyKey: kubernetes.io/hostname
      tolerations:
      - key: CriticalAddonsOnly
        operator: Exists
      - key: node-role.kubernetes.io/control-plane
        effect: NoSchedule
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: coredns
        image: {coredns_image}
        imagePullPolicy: IfNotPresent
        resources:
          limits:
            memory: 170Mi
          requests:
            cpu: 100m
            memory: 70Mi
        args: [ "-conf", "/etc/coredns/Corefile" ]
        volumeMounts:
        - name: config-volume
          mountPath: /etc/coredns
          readOnly: true
        ports:
        - containerPort: 53
          name: dns
          protocol: UDP
        - containerPort: 53
          name: dns-tcp
          protocol: TCP
        - containerPort: 9153
          name: metrics
          protocol: TCP
        - containerPort: 8080
          name: liveness-probe
          protocol: TCP
        - containerPort: 8181
          name: readiness-probe
          protocol: TCP
        livenessProbe:
          httpGet:
            path: /health
            port: liveness-probe
            scheme: HTTP
          initialDelaySeconds: 60
          timeoutSeconds: 5
          successThreshold: 1
          failureThreshold: 5
        readinessProbe:
          httpGet:
            path: /ready
            port: readiness-probe
            scheme: HTTP
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            add:
            - NET_BIND_SERVICE
            drop:
            - ALL
          readOnlyRootFilesystem: true
      dnsPolicy: Default
      volumes:
        - name: config-volume
          configMap:
            name: coredns
            items:
            - key: Corefile
              path: Corefile
---
apiVersion: v1
kind: Service
metadata:
  labels:
    k8s-app: kube-dns
    kubernetes.io/cluster-service: "true"
    kubernetes.io/name: "CoreDNS"
  name: kube-dns
  namespace: kube-system
  annotations:
    prometheus.io/port: "9153"
    prometheus.io/scrape: "true"
spec:
  clusterIP: {dns_ip}
  ports:
  - name: dns
    port: 53
    protocol: UDP
    targetPort: 53
  - name: dns-tcp
    port: 53
    protocol: TCP
    targetPort: 53
  - name: metrics
    port: 9153
    protocol: TCP
    targetPort: 9153
  selector:
    k8s-app: kube-dns
"""


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=32)
def _parsed(template: str, values: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any], ...]:
    for k, v in values:
        template = template.replace("{" + k + "}", v)
    return tuple(d for d in yaml.load_all(template, Loader=_LOADER) if d)


def _fill(template: str, **values: str) -> list[dict[str, Any]]:
    """The template's documents with ``{name}`` filled in (parsed once per set of values)."""
    return copy.deepcopy(list(_parsed(template, tuple(sorted(values.items())))))


def addon_manifests(control_plane_endpoint: str, cluster_cidr: str) -> list[dict[str, Any]]:
    """kubeadm init's ``addons`` phase: CoreDNS (cmd/kubeadm/app/phases/addons/dns) then
    kube-proxy (cmd/kubeadm/app/phases/addons/proxy), in the order kubeadm creates them."""
    return (_fill(_COREDNS, coredns_image=COREDNS_IMAGE, dns_ip=DNS_IP)
            + _fill(_KUBE_PROXY, kube_proxy_image=KUBE_PROXY_IMAGE, control_plane_endpoint=control_plane_endpoint,
                    cluster_cidr=cluster_cidr))


def ca_pem(ca_text: str) -> str:
    """The cluster CA as PEM text (the simulated certificate's description, base64 in PEM armour)."""
    b64 = base64.b64encode(ca_text.encode()).decode()
    body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


def cluster_info_manifests(control_plane_endpoint: str, ca_text: str) -> list[dict[str, Any]]:
    """kubeadm init's ``bootstrap-token`` phase (cmd/kubeadm/app/phases/bootstraptoken/clusterinfo/
    clusterinfo.go): the ``cluster-info`` ConfigMap in kube-public (a kubeconfig holding only the
    cluster: CA data and server) and the Role/RoleBinding ``kubeadm:bootstrap-signer-clusterinfo``
    that let ``system:anonymous`` read it, so a joining node can find the cluster."""
    kubeconfig = yaml.safe_dump({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": base64.b64encode(ca_pem(ca_text).encode()).decode(),
                                  "server": control_plane_endpoint}, "name": ""}],
        "contexts": None, "current-context": "", "kind": "Config", "preferences": {}, "users": None,
    }, sort_keys=False, width=10_000)
    name = "kubeadm:bootstrap-signer-clusterinfo"
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-info", "namespace": "kube-public"},
         "data": {"kubeconfig": kubeconfig}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": name, "namespace": "kube-public"},
         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["cluster-info"],
                    "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": name, "namespace": "kube-public"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
         "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:anonymous"}]},
    ]


def upload_config_manifests(control_plane_endpoint: str, cluster_cidr: str, etcd_endpoints: list[str]) -> list[dict[str, Any]]:
    """kubeadm init's ``upload-config`` phase: the ClusterConfiguration in ``kubeadm-config``
    (cmd/kubeadm/app/phases/uploadconfig/uploadconfig.go) and the kubelet's configuration in
    ``kubelet-config`` (cmd/kubeadm/app/phases/kubelet/config.go), each with the Role and
    RoleBinding that let joining nodes read it."""
    etcd: dict[str, Any] = ({"local": {"dataDir": "/var/lib/etcd"}} if not etcd_endpoints else
                            {"external": {"caFile": "/etc/kubernetes/pki/etcd/ca.crt",
                                          "certFile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
                                          "endpoints": list(etcd_endpoints),
                                          "keyFile": "/etc/kubernetes/pki/apiserver-etcd-client.key"}})
    cluster_config = {
        "apiServer": {}, "apiVersion": "kubeadm.k8s.io/v1beta4", "caCertificateValidityPeriod": "87600h0m0s",
        "certificateValidityPeriod": "8760h0m0s", "certificatesDir": "/etc/kubernetes/pki", "clusterName": "kubernetes",
        "controlPlaneEndpoint": control_plane_endpoint.removeprefix("https://"), "controllerManager": {}, "dns": {},
        "encryptionAlgorithm": "RSA-2048", "etcd": etcd, "imageRepository": IMAGE_REPOSITORY,
        "kind": "ClusterConfiguration", "kubernetesVersion": KUBERNETES_VERSION,
        "networking": {"dnsDomain": "cluster.local", "podSubnet": cluster_cidr, "serviceSubnet": "10.96.0.0/12"},
        "proxy": {}, "scheduler": {},
    }
    kubelet_config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"cacheTTL": "0s", "enabled": True},
                           "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}},
        "authorization": {"mode": "Webhook", "webhook": {"cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s"}},
        "cgroupDriver": "systemd", "clusterDNS": [DNS_IP], "clusterDomain": "cluster.local",
        "containerRuntimeEndpoint": "", "cpuManagerReconcilePeriod": "0s", "crashLoopBackOff": {},
        "evictionPressureTransitionPeriod": "0s", "fileCheckFrequency": "0s", "healthzBindAddress": "127.0.0.1",
        "healthzPort": 10248, "httpCheckFrequency": "0s", "imageMaximumGCAge": "0s", "imageMinimumGCAge": "0s",
        "kind": "KubeletConfiguration",
        "logging": {"flushFrequency": 0, "options": {"json": {"infoBufferSize": "0"}, "text": {"infoBufferSize": "0"}},
                    "verbosity": 0},
        "memorySwap": {}, "nodeStatusReportFrequency": "0s", "nodeStatusUpdateFrequency": "0s",
        "rotateCertificates": True, "runtimeRequestTimeout": "0s", "shutdownGracePeriod": "0s",
        "shutdownGracePeriodCriticalPods": "0s", "staticPodPath": "/etc/kubernetes/manifests",
        "streamingConnectionIdleTimeout": "0s", "syncFrequency": "0s", "volumeStatsAggPeriod": "0s",
    }

    def dump(doc: dict) -> str:
        return yaml.safe_dump(doc, sort_keys=False, width=10_000)

    def readable(name: str, role: str, groups: list[str]) -> list[dict[str, Any]]:
        return [
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": role, "namespace": "kube-system"},
             "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [name], "verbs": ["get"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": role, "namespace": "kube-system"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
             "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g} for g in groups]},
        ]

    nodes = ["system:bootstrappers:kubeadm:default-node-token", "system:nodes"]
    return ([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
              "data": {"ClusterConfiguration": dump(cluster_config)}}]
            + readable("kubeadm-config", "kubeadm:nodes-kubeadm-config", nodes)
            + [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubelet-config", "namespace": "kube-system"},
                "data": {"kubelet": dump(kubelet_config)}}]
            + readable("kubelet-config", "kubeadm:kubelet-config", nodes))


__all__ = ["COREDNS_IMAGE", "DNS_IP", "IMAGES", "KUBERNETES_VERSION", "KUBE_PROXY_IMAGE", "addon_manifests",
           "cluster_info_manifests", "static_pod_manifests", "upload_config_manifests"]

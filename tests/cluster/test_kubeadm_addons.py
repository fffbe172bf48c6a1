"""What kubeadm installs beyond the static pods, and what a fresh kubeadm v1.34 cluster prints.

- kube-proxy: cmd/kubeadm/app/phases/addons/proxy/manifests.go and proxy.go
- CoreDNS: cmd/kubeadm/app/phases/addons/dns/manifests.go and dns.go
- cluster-info: cmd/kubeadm/app/phases/bootstraptoken/clusterinfo/clusterinfo.go
- the ``kubernetes`` Service's endpoints: pkg/controlplane/reconcilers/lease.go, endpointsadapter.go
- /healthz, /livez, /readyz: k8s.io/apiserver/pkg/server/healthz/healthz.go
- componentstatuses: pkg/registry/core/componentstatus/rest.go
"""

import base64
import re

import yaml

import kubelab as kl


AGE = re.compile(r"\d+[smhd](\d+[smh])?")


def rows(out):
    """A table as rows of cells; ages masked (they depend on when the cell ran)."""
    return [["<age>" if AGE.fullmatch(c) else c for c in line.split()] for line in str(out).splitlines() if line.strip()]


def pod_name_shape(name):
    """A pod name with its random parts replaced: what a learner compares with a real cluster."""
    name = re.sub(r"^coredns-[a-z0-9]{8,10}-[a-z0-9]{5}$", "coredns-<hash>-<rand>", name)
    return re.sub(r"^kube-proxy-[a-z0-9]{5}$", "kube-proxy-<rand>", name)


# ------------------------------------------------------------------------------ kube-proxy


def test_kube_proxy_runs_on_every_node_masters_included():
    cluster = kl.Cluster(masters=2, seed=1)
    cluster.add_node(kl.VM("vm-1", cpu="2", memory="4Gi"))
    cluster.run(30)
    ds = cluster.get("DaemonSet", "kube-proxy", "kube-system")
    spec = ds.spec.template.spec
    assert ds.metadata.labels == {"k8s-app": "kube-proxy"}
    assert spec.containers[0].image == "registry.k8s.io/kube-proxy:v1.34.1"
    assert spec.containers[0].command == ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                          "--hostname-override=$(NODE_NAME)"]
    assert spec.host_network and spec.priority_class_name == "system-node-critical"
    assert spec.service_account_name == "kube-proxy"
    # tolerates everything, so it runs on tainted control-plane nodes too
    assert [(t.key, t.operator) for t in spec.tolerations][:2] == [("CriticalAddonsOnly", "Exists"), (None, "Exists")]
    assert spec.node_selector == {"kubernetes.io/os": "linux"}
    pods = cluster.list("Pod", "kube-system", label_selector="k8s-app=kube-proxy")
    assert sorted(p.spec.node_name for p in pods) == ["master-1", "master-2", "vm-1"]
    assert all(p.status.phase == "Running" and p.status.pod_ip == p.status.host_ip for p in pods)
    assert all(re.fullmatch(r"kube-proxy-[a-z0-9]{5}", p.metadata.name) for p in pods)
    cm = cluster.get("ConfigMap", "kube-proxy", "kube-system")
    assert sorted(cm.data) == ["config.conf", "kubeconfig.conf"]
    conf = yaml.safe_load(cm.data["config.conf"])
    assert conf["kind"] == "KubeProxyConfiguration" and conf["clusterCIDR"] == "10.244.0.0/16"
    assert yaml.safe_load(cm.data["kubeconfig.conf"])["clusters"][0]["cluster"]["server"] == "https://lb:6443"
    assert cluster.get("ServiceAccount", "kube-proxy", "kube-system")
    crb = cluster.get("ClusterRoleBinding", "kubeadm:node-proxier", None)
    assert crb.role_ref.name == "system:node-proxier"
    assert [(s.kind, s.name, s.namespace) for s in crb.subjects] == [("ServiceAccount", "kube-proxy", "kube-system")]


def test_a_joining_worker_gets_its_kube_proxy():
    cluster = kl.Cluster(seed=2)
    cluster.run(5)
    cluster.add_node(kl.BareMetal("metal-1", cpu="8", memory="32Gi"))
    cluster.run(30)
    on = {p.spec.node_name for p in cluster.list("Pod", "kube-system", label_selector="k8s-app=kube-proxy")
          if p.status.phase == "Running"}
    assert on == {"master-1", "metal-1"}


# ------------------------------------------------------------------------------ CoreDNS


def test_coredns_two_replicas_behind_kube_dns_at_the_tenth_service_address():
    cluster = kl.Cluster(seed=3)
    cluster.run(30)
    dep = cluster.get("Deployment", "coredns", "kube-system")
    assert dep.spec.replicas == 2 and dep.metadata.labels == {"k8s-app": "kube-dns"}
    spec = dep.spec.template.spec
    c = spec.containers[0]
    assert c.image == "registry.k8s.io/coredns/coredns:v1.12.1"
    assert spec.priority_class_name == "system-cluster-critical" and spec.service_account_name == "coredns"
    assert c.readiness_probe["httpGet"] == {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"}
    assert c.liveness_probe["httpGet"] == {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"}
    assert {p.name: p.container_port for p in c.ports}["readiness-probe"] == 8181
    term = spec.affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution[0]
    assert term.weight == 100 and term.pod_affinity_term.topology_key == "kubernetes.io/hostname"
    assert [(t.key, t.effect) for t in spec.tolerations] == [
        ("CriticalAddonsOnly", None), ("node-role.kubernetes.io/control-plane", "NoSchedule")]
    # with no worker yet they land on the master: they tolerate its taint
    pods = cluster.list("Pod", "kube-system", label_selector="k8s-app=kube-dns")
    assert [(p.spec.node_name, p.status.phase) for p in pods] == [("master-1", "Running")] * 2
    assert all(any(cd.type == "Ready" and cd.status == "True" for cd in p.status.conditions) for p in pods)
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa" in cluster.get("ConfigMap", "coredns", "kube-system").data["Corefile"]
    assert rows(cluster.kubectl("get svc kube-dns -n kube-system")) == [
        ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["kube-dns", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "<age>"]]
    svc = cluster.get("Service", "kube-dns", "kube-system")
    assert [(p.name, p.port, p.protocol) for p in svc.spec.ports] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    ips = sorted(p.status.pod_ip for p in pods)
    assert f" {ips[0]}:53,{ips[1]}:53,{ips[0]}:53 + 3 more... " in \
        str(cluster.kubectl("get endpoints kube-dns -n kube-system")).splitlines()[1]
    cr = cluster.get("ClusterRoleBinding", "system:coredns", None)
    assert (cr.role_ref.name, cr.subjects[0].name) == ("system:coredns", "coredns")


def test_coredns_spreads_over_control_plane_nodes():
    # podAntiAffinity, preferred: one replica per node when it can
    cluster = kl.Cluster(masters=3, seed=4)
    cluster.run(20)
    nodes = [p.spec.node_name for p in cluster.list("Pod", "kube-system", label_selector="k8s-app=kube-dns")]
    assert len(nodes) == 2 and len(set(nodes)) == 2


# -------------------------------------------------------------------- the kubernetes Service


def test_the_kubernetes_endpoints_list_every_live_api_server_and_drop_a_stopped_one():
    cluster = kl.Cluster(masters=3, seed=5)
    cluster.run(12)
    assert rows(cluster.kubectl("get endpoints kubernetes")) == [
        ["NAME", "ENDPOINTS", "AGE"], ["kubernetes", "10.0.0.10:6443,10.0.0.11:6443,10.0.0.12:6443", "<age>"]]
    ep = cluster.get("Endpoints", "kubernetes")
    assert ep.metadata.labels == {"endpointslice.kubernetes.io/skip-mirror": "true"}
    assert [(p.name, p.port, p.protocol) for p in ep.subsets[0].ports] == [("https", 6443, "TCP")]
    eps = cluster.get("EndpointSlice", "kubernetes")
    assert eps.metadata.labels == {"kubernetes.io/service-name": "kubernetes"} and eps.address_type == "IPv4"
    assert [e.addresses for e in eps.endpoints] == [["10.0.0.10"], ["10.0.0.11"], ["10.0.0.12"]]
    assert "Endpoints:                10.0.0.10:6443,10.0.0.11:6443,10.0.0.12:6443" in \
        str(cluster.kubectl("describe svc kubernetes"))
    # a master stopped (powered off) stops refreshing /registry/masterleases/10.0.0.11: the 15 s lease
    # expires and the next reconcile of a live server drops the address
    cluster.faults.stop("master-2")
    cluster.run(5)
    assert "10.0.0.11:6443" in str(cluster.kubectl("get endpoints kubernetes"))
    cluster.run(25)
    assert rows(cluster.kubectl("get endpoints kubernetes"))[1][1] == "10.0.0.10:6443,10.0.0.12:6443"
    assert [e.addresses for e in cluster.get("EndpointSlice", "kubernetes").endpoints] == [["10.0.0.10"], ["10.0.0.12"]]
    cluster.faults.start("master-2")
    cluster.run(20)
    assert rows(cluster.kubectl("get endpoints kubernetes"))[1][1] == "10.0.0.10:6443,10.0.0.11:6443,10.0.0.12:6443"


def test_a_master_added_then_removed_joins_and_leaves_the_kubernetes_endpoints():
    cluster = kl.Cluster(seed=6)
    cluster.run(5)
    cluster.add_master(kl.BareMetal("cp-metal", cpu="8", memory="32Gi"))
    cluster.run(12)
    assert rows(cluster.kubectl("get endpoints kubernetes"))[1][1] == "10.0.0.10:6443,10.0.0.11:6443"
    cluster.remove_master("cp-metal")
    cluster.run(30)
    assert rows(cluster.kubectl("get endpoints kubernetes"))[1][1] == "10.0.0.10:6443"


# ------------------------------------------------------------------------------ cluster-info


def test_cluster_info_in_kube_public_readable_by_anonymous():
    cluster = kl.Cluster(seed=7)
    cm = cluster.get("ConfigMap", "cluster-info", "kube-public")
    kubeconfig = yaml.safe_load(cm.data["kubeconfig"])
    cl = kubeconfig["clusters"][0]
    assert cl["name"] == "" and cl["cluster"]["server"] == "https://lb:6443"
    pem = base64.b64decode(cl["cluster"]["certificate-authority-data"]).decode()
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n") and pem.endswith("-----END CERTIFICATE-----\n")
    assert kubeconfig["users"] is None and kubeconfig["contexts"] is None
    role = cluster.get("Role", "kubeadm:bootstrap-signer-clusterinfo", "kube-public")
    assert [(r.resources, r.resource_names, r.verbs) for r in role.rules] == [(["configmaps"], ["cluster-info"], ["get"])]
    rb = cluster.get("RoleBinding", "kubeadm:bootstrap-signer-clusterinfo", "kube-public")
    assert [(s.kind, s.name) for s in rb.subjects] == [("User", "system:anonymous")]


# ------------------------------------------------------------------------------ health


def test_readyz_livez_healthz_through_kubectl_get_raw():
    cluster = kl.Cluster(seed=8)
    out = str(cluster.kubectl("get --raw /readyz?verbose"))
    lines = out.splitlines()
    assert lines[:3] == ["[+]ping ok", "[+]log ok", "[+]etcd ok"]
    assert "[+]informer-sync ok" in lines and "[+]poststarthook/rbac/bootstrap-roles ok" in lines
    assert "[+]poststarthook/bootstrap-controller ok" in lines
    assert lines[-2:] == ["[+]shutdown ok", "readyz check passed"]
    assert str(cluster.kubectl("get --raw /livez")) == "ok"
    assert str(cluster.kubectl("get --raw /healthz/etcd")) == "ok"
    assert str(cluster.kubectl("get --raw /healthz?verbose")).rstrip().endswith("healthz check passed")
    missing = cluster.kubectl("get --raw /readyz/nope")
    assert str(missing).strip() == "Error from server (NotFound): the server could not find the requested resource"
    assert str(cluster.kubectl("get pods --raw /readyz")).strip() == \
        "error: arguments may not be passed when --raw is specified"


# ------------------------------------------------------------------------------ componentstatuses


def test_componentstatuses_warn_and_probe_the_local_components():
    cluster = kl.Cluster(seed=9)
    out = str(cluster.kubectl("get cs"))
    assert out.splitlines()[0] == "Warning: v1 ComponentStatus is deprecated in v1.19+"
    assert rows(out.split("\n", 1)[1]) == [["NAME", "STATUS", "MESSAGE", "ERROR"],
                                           ["scheduler", "Healthy", "ok"],
                                           ["controller-manager", "Healthy", "ok"],
                                           ["etcd-0", "Healthy", "ok"]]
    cluster.masters[0].scheduler.stop()
    out = str(cluster.kubectl("get componentstatuses"))
    assert ("scheduler            Unhealthy             Get \"https://127.0.0.1:10259/healthz\": "
            "dial tcp 127.0.0.1:10259: connect: connection refused") in out
    assert str(cluster.kubectl("get cs nope")).splitlines()[-1] == "Error from server: Component not found: nope"


# ------------------------------------------------------------------------------ the whole picture


def test_a_fresh_three_master_cluster_with_mixed_workers_prints_what_kubeadm_prints():
    cluster = kl.Cluster(masters=[kl.VM("cp-vm", cpu="4", memory="8Gi"), kl.BareMetal("cp-metal", cpu="16", memory="64Gi"),
                                  kl.CloudInstance("cp-cloud", instance_type="m5.xlarge", zone="eu-west-1a")], seed=3)
    cluster.add_node(kl.BareMetal("metal-1", cpu="32", memory="128Gi"))
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.CloudInstance("cloud-1", instance_type="m5.large", zone="eu-west-1b"))
    cluster.run(60)
    assert rows(cluster.kubectl("get nodes")) == [
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        ["cloud-1", "Ready", "<none>", "<age>", "v1.34.1"],
        ["cp-cloud", "Ready", "control-plane", "<age>", "v1.34.1"],
        ["cp-metal", "Ready", "control-plane", "<age>", "v1.34.1"],
        ["cp-vm", "Ready", "control-plane", "<age>", "v1.34.1"],
        ["metal-1", "Ready", "<none>", "<age>", "v1.34.1"],
        ["vm-1", "Ready", "<none>", "<age>", "v1.34.1"]]
    pods = rows(cluster.kubectl("get pods -A"))
    assert pods[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    masters = ("cp-cloud", "cp-metal", "cp-vm")
    want = sorted(
        [("coredns-<hash>-<rand>",)] * 2
        + [(f"{c}-{m}",) for c in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler") for m in masters]
        + [("kube-proxy-<rand>",)] * 6)
    assert sorted((pod_name_shape(r[1]),) for r in pods[1:]) == want
    assert {(r[0], r[2], r[3], r[4]) for r in pods[1:]} == {("kube-system", "1/1", "Running", "0")}
    assert rows(cluster.kubectl("get svc -A")) == [
        ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["default", "kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "<age>"],
        ["kube-system", "kube-dns", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP,9153/TCP", "<age>"]]
    # the service account controller and the root CA publisher (kube-controller-manager)
    assert rows(cluster.kubectl("get sa,cm -n default")) == [
        ["NAME", "SECRETS", "AGE"],
        ["serviceaccount/default", "0", "<age>"],
        ["NAME", "DATA", "AGE"],
        ["configmap/kube-root-ca.crt", "1", "<age>"]]
    assert rows(cluster.kubectl("get priorityclasses")) == [
        ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE"],
        ["system-cluster-critical", "2000000000", "false", "<age>"],
        ["system-node-critical", "2000001000", "false", "<age>"]]
    ready = str(cluster.kubectl("get --raw /readyz?verbose")).splitlines()
    assert ready[0] == "[+]ping ok" and ready[-1] == "readyz check passed"
    assert all(line.startswith("[+]") and line.endswith(" ok") for line in ready[:-1])
    assert rows(cluster.kubectl("get ds,deploy -n kube-system")) == [
        ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE"],
        ["daemonset.apps/kube-proxy", "6", "6", "6", "6", "6", "kubernetes.io/os=linux", "<age>"],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ["deployment.apps/coredns", "2/2", "2", "2", "<age>"]]


def test_upload_config_keeps_the_cluster_and_kubelet_configuration_in_kube_system():
    # cmd/kubeadm/app/phases/uploadconfig/uploadconfig.go and phases/kubelet/config.go
    cluster = kl.Cluster(seed=10)
    conf = yaml.safe_load(cluster.get("ConfigMap", "kubeadm-config", "kube-system").data["ClusterConfiguration"])
    assert (conf["kind"], conf["kubernetesVersion"], conf["controlPlaneEndpoint"]) == (
        "ClusterConfiguration", "v1.34.1", "lb:6443")
    assert conf["networking"] == {"dnsDomain": "cluster.local", "podSubnet": "10.244.0.0/16",
                                  "serviceSubnet": "10.96.0.0/12"}
    assert conf["etcd"] == {"local": {"dataDir": "/var/lib/etcd"}}
    kubelet = yaml.safe_load(cluster.get("ConfigMap", "kubelet-config", "kube-system").data["kubelet"])
    assert kubelet["clusterDNS"] == ["10.96.0.10"] and kubelet["staticPodPath"] == "/etc/kubernetes/manifests"
    table = rows(cluster.kubectl("get cm -n kube-system"))
    assert table[0] == ["NAME", "DATA", "AGE"]
    assert [r for r in table if r[0] in ("coredns", "kube-proxy", "kubeadm-config", "kubelet-config")] == [
        ["coredns", "1", "<age>"], ["kube-proxy", "2", "<age>"], ["kubeadm-config", "1", "<age>"],
        ["kubelet-config", "1", "<age>"]]
    external = kl.Cluster(etcd="external", seed=10)
    conf = yaml.safe_load(external.get("ConfigMap", "kubeadm-config", "kube-system").data["ClusterConfiguration"])
    assert conf["etcd"]["external"]["endpoints"] == ["https://etcd-1:2379", "https://etcd-2:2379", "https://etcd-3:2379"]

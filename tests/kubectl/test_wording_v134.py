"""What kubectl prints changed between v1.32 and v1.34 (CHANGELOG-1.33.md, CHANGELOG-1.34.md,
SIG CLI entries); the facade prints what kubectl v1.34 prints. Each test names the upstream
file and pull request. The outputs were checked against the real kubectl 1.37 (same wording as
1.34 here) run against ``cluster.serve()``; tests/http/test_kubectl_script.py keeps the 1.32
vs 1.37 differences of the real binaries.
"""

import json

import yaml

from kubelab.api.scheme import decode
from kubelab.kubectl import Kubectl, MemorySource


def _source():
    cm = decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"}})
    other = decode({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "team"}})
    ns = decode({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    return MemorySource([cm, other, ns])


# -- staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go PrintObj (PR #126619, v1.34) ------------

def test_delete_names_the_namespace_of_a_namespaced_object_since_v134():
    k = Kubectl(_source())
    assert k("delete cm cfg --dry-run=client") == 'configmap "cfg" deleted from default namespace (dry run)\n'
    assert k("delete cm cfg --dry-run=server") == 'configmap "cfg" deleted from default namespace (server dry run)\n'
    assert k("delete cm cfg -n team") == 'configmap "cfg" deleted from team namespace\n'
    # -o name is unchanged
    assert k("delete cm cfg -o name") == "configmap/cfg\n"


def test_delete_of_a_cluster_scoped_object_names_no_namespace_and_force_keeps_its_word():
    k = Kubectl(_source())
    out = k("delete cm cfg --force --grace-period=0")
    assert out.endswith('configmap "cfg" force deleted from default namespace\n')
    assert k("delete ns team --dry-run=server") == 'namespace "team" deleted (server dry run)\n'
    assert k("delete ns team") == 'namespace "team" deleted\n'


# -- staging/src/k8s.io/kubectl/pkg/describe/describe.go describeService (PR #131491, v1.34) ------

def test_describe_service_prints_traffic_distribution_after_the_traffic_policies():
    svc = decode({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb", "namespace": "default"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP"}],
                 "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"], "externalTrafficPolicy": "Local",
                 "internalTrafficPolicy": "Cluster", "healthCheckNodePort": 31000, "sessionAffinity": "None",
                 "trafficDistribution": "PreferClose"}})
    out = str(Kubectl(MemorySource([svc]))("describe svc lb"))
    assert ("Session Affinity:         None\n"
            "External Traffic Policy:  Local\n"
            "Internal Traffic Policy:  Cluster\n"
            "Traffic Distribution:     PreferClose\n"
            "HealthCheck NodePort:     31000\n") in out
    # unset: no line (kubectl 1.32 never printed one)
    svc.spec.traffic_distribution = None
    assert "Traffic Distribution" not in str(Kubectl(MemorySource([svc]))("describe svc lb"))


# -- pkg/printers/internalversion/printers.go printJob (PR #132832, v1.34) ------------------------

def test_get_job_shows_success_criteria_met_before_complete():
    def job(conditions):
        return decode({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi", "namespace": "default", "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"completions": 1, "template": {"spec": {"containers": [{"name": "c", "image": "busybox"}],
                                                              "restartPolicy": "Never"}}},
            "status": {"succeeded": 1, "conditions": [{"type": t, "status": "True"} for t in conditions]}})
    # the job controller adds SuccessCriteriaMet (reason CompletionsReached) before Complete
    interim = Kubectl(MemorySource([job(["SuccessCriteriaMet"])], now=1735689660.0))("get job pi")
    assert interim.splitlines()[1].split()[:3] == ["pi", "SuccessCriteriaMet", "1/1"]
    done = Kubectl(MemorySource([job(["SuccessCriteriaMet", "Complete"])], now=1735689660.0))("get job pi")
    assert done.splitlines()[1].split()[:2] == ["pi", "Complete"]


# -- staging/src/k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go (-o json|yaml: PR #132604) --

def test_api_resources_wide_name_json_and_yaml():
    k = Kubectl(MemorySource())
    wide = k("api-resources -o wide").splitlines()
    assert wide[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]
    assert wide[1].split() == ["componentstatuses", "cs", "v1", "false", "ComponentStatus", "get,list"]
    deploy = next(line.split() for line in wide if line.startswith("deployments "))
    assert deploy == ["deployments", "deploy", "apps/v1", "true", "Deployment",
                      "create,delete,deletecollection,get,list,patch,update,watch", "all"]
    names = k("api-resources -o name").splitlines()
    assert names[:2] == ["componentstatuses", "configmaps"] and "deployments.apps" in names
    assert "events.events.k8s.io" in names and "events" in names
    # one APIResourceList, its entries carrying their own group and version (struct order, 4 spaces)
    text = k("api-resources -o json")
    assert text.startswith('{\n    "kind": "APIResourceList",\n    "apiVersion": "v1",\n    "groupVersion": "",\n')
    doc = json.loads(text)
    by_name = {(r.get("group", ""), r["name"]): r for r in doc["resources"]}
    assert list(by_name[("apps", "deployments")]) == ["name", "singularName", "namespaced", "group", "version",
                                                      "kind", "verbs", "shortNames", "categories"]
    assert list(by_name[("", "secrets")]) == ["name", "singularName", "namespaced", "version", "kind", "verbs"]
    assert yaml.safe_load(k("api-resources -o yaml")) == doc
    assert k("api-resources -o yaml").startswith('apiVersion: v1\ngroupVersion: ""\nkind: APIResourceList\n')
    bad = k("api-resources -o table")
    assert bad.exit_code == 1 and bad == ('error: unable to match a printer suitable for the output format "table", '
                                          "allowed formats are: json,name,wide,yaml\n")


# -- staging/src/k8s.io/kubectl/pkg/cmd/version/version.go; apimachinery/pkg/version/types.go -----

def test_version_prints_the_v1341_client_its_kustomize_and_the_server():
    k = Kubectl(MemorySource())
    # kubectl v1.34 vendors kustomize v5.7.1; client and server are one release: no skew warning
    assert k("version") == "Client Version: v1.34.1\nKustomize Version: v5.7.1\nServer Version: v1.34.1\n"
    assert k("version --client") == "Client Version: v1.34.1\nKustomize Version: v5.7.1\n"
    assert k("version -o xml") == "error: --output must be 'yaml' or 'json'\n"


def test_version_json_has_the_server_emulation_fields_and_the_client_none():
    """Since v1.33 (PR #130019) /version adds emulationMajor/Minor and minCompatibilityMajor/Minor
    (one minor lower); the client's Info omits them (omitempty). Two-space MarshalIndent, fields
    in struct order: what the kubectl v1.34.1 release prints."""
    text = Kubectl(MemorySource())("version -o json")
    doc = json.loads(text)
    assert list(doc) == ["clientVersion", "kustomizeVersion", "serverVersion"]
    assert list(doc["serverVersion"]) == [
        "major", "minor", "emulationMajor", "emulationMinor", "minCompatibilityMajor", "minCompatibilityMinor",
        "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"]
    assert doc["serverVersion"]["minCompatibilityMinor"] == "33" and doc["serverVersion"]["emulationMinor"] == "34"
    assert doc["clientVersion"] == {
        "major": "1", "minor": "34", "gitVersion": "v1.34.1", "gitCommit": "93248f9ae092f571eb870b7664c534bfc7d00f03",
        "gitTreeState": "clean", "buildDate": "2025-09-09T19:44:50Z", "goVersion": "go1.24.6", "compiler": "gc",
        "platform": "linux/amd64"}
    assert text.startswith('{\n  "clientVersion": {\n    "major": "1",\n')


def test_version_yaml_is_sorted_double_quoted_and_ends_with_a_blank_line():
    text = Kubectl(MemorySource())("version -o yaml")
    assert text.startswith('clientVersion:\n  buildDate: "2025-09-09T19:44:50Z"\n  compiler: gc\n')
    assert '\nkustomizeVersion: v5.7.1\nserverVersion:\n  buildDate: "2025-09-09T19:37:20Z"\n' in text
    assert '  major: "1"\n  minCompatibilityMajor: "1"\n  minCompatibilityMinor: "33"\n  minor: "34"\n' in text
    assert text.endswith("  platform: linux/amd64\n\n")  # version.go prints with Fprintln


# -- staging/src/k8s.io/kubectl/pkg/cmd/top, metricsutil/metrics_printer.go (PR #129458, v1.34) ---

def test_top_show_swap_adds_the_swap_columns():
    import kubelab as kl
    c = kl.Cluster(seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.apply("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
            "    spec: {containers: [{name: nginx, image: 'nginx:1.27'}]}\n")
    c.run(60)
    nodes = str(c.kubectl("top nodes --show-swap")).splitlines()
    assert nodes[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)", "SWAP(bytes)", "SWAP(%)"]
    # no swap reported by the simulated nodes: unknown, the last cell padded like the others
    assert all(line.split()[-2:] == ["<unknown>", "<unknown>"] and line.endswith("   ") for line in nodes[1:])
    pods = str(c.kubectl("top pods --show-swap")).splitlines()
    assert pods[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)", "SWAP(bytes)"]
    assert pods[1].split()[-1] == "0Mi"  # the sum of the containers' (absent) swap usage
    assert "SWAP" not in str(c.kubectl("top pods"))


# -- staging/src/k8s.io/kubectl/pkg/cmd/create/*.go, expose/expose.go: client-side dry runs ------

def test_client_dry_run_prints_no_namespace_unless_it_is_enforced_with_n():
    k = Kubectl(_source())
    out = k("create configmap empty --dry-run=client -o yaml")
    # no namespace (EnforceNamespace is false), no empty data map (omitempty)
    assert out == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: empty\n"
    assert "  namespace: team\n" in k("create configmap empty -n team --dry-run=client -o yaml")
    secret = k("create secret generic s --from-literal=a=b --dry-run=client -o yaml")
    assert secret == "apiVersion: v1\ndata:\n  a: Yg==\nkind: Secret\nmetadata:\n  name: s\n"  # no type: Opaque


def test_yaml_double_quotes_the_one_letter_booleans_of_go_yaml():
    """sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) reads y/Y/n/N as booleans, so it quotes them."""
    k = Kubectl(_source())
    assert k("create configmap y --dry-run=client -o yaml").endswith('  name: "y"\n')
    assert k("create configmap yy --dry-run=client -o yaml").endswith("  name: yy\n")


# -- staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go --interactive (PR #132251, v1.34) --------

def test_interactive_delete_asks_y_slash_capital_n_and_an_empty_line_cancels():
    k = Kubectl(_source())
    listing = "You are about to delete the following 1 resource(s):\nconfigmap/cfg\nDo you want to continue? (y/N): "
    assert k("delete cm cfg -i", stdin="\n") == listing + "deletion is cancelled\n"
    assert k("delete cm cfg --interactive", stdin="yes\n") == listing + "deletion is cancelled\n"  # only y
    assert k("delete cm cfg -i") == listing + "deletion is cancelled\n"  # nothing typed
    assert k("delete cm cfg -i", stdin="Y\n") == listing + 'configmap "cfg" deleted from default namespace\n'
    missing = k("delete cm cfg -i", stdin="y\n")  # listed without a lookup, then NotFound
    assert missing.exit_code == 1 and missing == (
        listing + 'Error from server (NotFound): configmaps "cfg" not found\n')
    assert k("delete cm -l app=none -i", stdin="y\n") == "No resources found\n"  # nothing to ask about


# -- staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go, label/label.go: --dry-run -------------------

def test_scale_and_label_dry_runs_change_nothing_and_say_so():
    """Checked against the real kubectl (the same wording in 1.32 and 1.37)."""
    import kubelab as kl
    c = kl.Cluster(seed=3)
    c.kubectl("create deployment web --image=nginx:1.27 --replicas=2")
    assert c.kubectl("scale deploy/web --replicas=3 --dry-run=client") == "deployment.apps/web scaled (dry run)\n"
    assert c.kubectl("scale deploy/web --replicas=3 --dry-run=server") == "deployment.apps/web scaled (server dry run)\n"
    assert c.kubectl("label deploy web a=b --dry-run=client") == "deployment.apps/web labeled (dry run)\n"
    assert c.kubectl("label deploy web app- --dry-run=server") == "deployment.apps/web unlabeled (server dry run)\n"
    assert c.kubectl("label deploy web app=web --dry-run") == "deployment.apps/web not labeled (dry run)\n"
    assert c.kubectl("annotate deploy web x=y --dry-run=client") == "deployment.apps/web annotated (dry run)\n"
    d = c.get("Deployment", "web")
    assert d.spec.replicas == 2 and d.metadata.labels == {"app": "web"} and "x" not in (d.metadata.annotations or {})


def test_create_deployment_dry_run_yaml_is_what_kubectl_134_prints():
    """The everyday `kubectl create deployment web --image=nginx --dry-run=client -o yaml > web.yaml`:
    create_deployment.go builds a typed Deployment; encoding/json prints its empty structs as {}
    (strategy, resources, status) and, since v1.34 (PR #130989), no `creationTimestamp: null`."""
    out = Kubectl(MemorySource())("create deployment web --image=nginx --dry-run=client -o yaml")
    assert out == (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app: web\n  name: web\n"
        "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n"
        "  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n"
        "      - image: nginx\n        name: nginx\n        resources: {}\nstatus: {}\n")


def test_run_expose_autoscale_dry_run_yaml_keep_the_typed_zero_values():
    import kubelab as kl
    c = kl.Cluster(seed=3)
    c.kubectl("create deployment web --image=nginx:1.27")
    assert "    resources: {}\n  dnsPolicy: ClusterFirst\n" in c.kubectl("run p --image=nginx --dry-run=client -o yaml")
    svc = c.kubectl("expose deploy web --port=80 --dry-run=client -o yaml")
    assert svc.endswith("  selector:\n    app: web\nstatus:\n  loadBalancer: {}\n") and "type:" not in svc
    hpa = c.kubectl("autoscale deploy web --max=3 --cpu=50% --dry-run=client -o yaml")
    assert hpa.endswith("status:\n  currentMetrics: null\n  desiredReplicas: 0\n")


# -- staging/src/k8s.io/kubectl/pkg/cmd/rollout/rollout_history.go, rollout_undo.go;
#    polymorphichelpers/history.go printTemplate (a bare PrefixWriter: tabs, no alignment) ---------

def test_rollout_history_revision_and_undo_dry_run_print_the_template_unaligned():
    import kubelab as kl
    c = kl.Cluster(seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.kubectl("create deployment web --image=nginx:1.27")
    c.run(30)
    c.kubectl("set image deploy/web nginx=nginx:1.28")
    c.run(60)
    rev1 = c.kubectl("rollout history deploy/web --revision=1")
    assert rev1.startswith("deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n\tpod-template-hash=")
    assert "    Image:\tnginx:1.27\n" in rev1 and rev1.endswith("  Tolerations:\t<none>\n\n")
    assert c.kubectl("rollout history deploy/web --revision=9") == "error: unable to find the specified revision\n"
    undo = c.kubectl("rollout undo deploy/web --dry-run=client")
    assert undo.startswith("deployment.apps/web Pod Template:\n  Labels:\tapp=web\n")
    assert undo.endswith("  Tolerations:\t<none>\n (dry run)\n")  # no 1.36 last-applied warning
    assert c.get("Deployment", "web").spec.template.spec.containers[0].image == "nginx:1.28"


# -- staging/src/k8s.io/kubectl/pkg/describe/describe.go describeHorizontalPodAutoscalerV2 ---------

def test_describe_hpa_prints_current_over_target_and_the_behavior():
    """Byte for byte what the real kubectl prints for this HPA against cluster.serve()."""
    import kubelab as kl
    c = kl.Cluster(seed=3)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.apply("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
            "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: nginx, image: 'nginx:1.27', "
            "resources: {requests: {cpu: 100m}}}]}\n")
    c.apply("""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: b}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}
  - {type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 200Mi}}}
  behavior:
    scaleUp: {selectPolicy: Min, policies: [{type: Pods, value: 4, periodSeconds: 15}]}
""")
    out = str(c.kubectl("describe hpa b"))
    assert ("Reference:                                             Deployment/web\n"
            "Metrics:                                               ( current / target )\n"
            "  resource cpu on pods  (as a percentage of request):  <unknown> / 60%\n"
            "  resource memory on pods:                             <unknown> / 200Mi\n"
            "Min replicas:                                          2\n"
            "Max replicas:                                          5\n"
            "Behavior:\n  Scale Up:\n    Stabilization Window: 0 seconds\n    Select Policy: Min\n    Policies:\n"
            "      - Type: Pods  Value: 4  Period: 15 seconds\n") in out
    c.run(120)
    out = str(c.kubectl("describe hpa b"))
    assert re_search(r"\n  resource cpu on pods  \(as a percentage of request\):  \d+% \(\d+m\) / 60%\n", out)
    assert re_search(r"\n  resource memory on pods: +\d+Mi / 200Mi\n", out)  # the canonical quantity
    # the replica count depends on the simulated usage (near the 60 % target): the layout is the point
    assert re_search(r"\nDeployment pods:       \d current / \d desired\nConditions:\n  Type            Status  Reason", out)


def re_search(pattern, text):
    import re
    return re.search(pattern, text) is not None

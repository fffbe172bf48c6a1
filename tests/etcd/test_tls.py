"""Transport security: a CA with real certificate fields on the simulated clock,
client-certificate authentication, expiry, revocation, auto-TLS."""

import pytest

from kubelab.etcd import EtcdCluster, errors as E
from kubelab.etcd.tls import YEAR, CertificateAuthority


def test_ca_issues_certificates_with_real_fields():
    etcd = EtcdCluster(members=3, seed=1, client_cert_auth=True)
    ca = etcd.ca
    cert = ca.issue_client("kube-apiserver-etcd-client", ["system:masters"])
    assert str(cert.subject) == "O=system:masters,CN=kube-apiserver-etcd-client"
    assert cert.issuer == ca.certificate.subject and str(cert.issuer) == "CN=etcd-ca"
    assert cert.not_after - cert.not_before == YEAR and cert.ext_key_usage == ("client auth",)
    assert cert.authority_key_id == ca.certificate.subject_key_id and not cert.self_signed
    server = etcd.tls.server_certs["etcd-1"]
    assert "etcd-1" in server.dns_names and "127.0.0.1" in server.ip_addresses
    assert "server auth" in server.ext_key_usage
    assert "Subject Alternative Name" in server.x509_text()
    assert ca.certificate.is_ca and ca.certificate.self_signed


def test_client_cert_auth_accepts_valid_and_refuses_others():
    etcd = EtcdCluster(members=3, seed=2, client_cert_auth=True)
    good = etcd.client(cert=etcd.ca.issue_client("kube-apiserver-etcd-client", ["system:masters"]))
    assert good.put("/registry/a", "1").header.revision == 2
    with pytest.raises(E.ErrAuthHandshake, match="transport: authentication handshake failed: remote error: "
                                                 "tls: bad certificate"):
        etcd.client().put("/x", "1")
    rejected = etcd.trace.filter(reason="RejectedConnection")
    assert "tls: client didn't provide a certificate" in rejected[-1].message
    other_ca = CertificateAuthority(etcd.sim, "someone-else")
    with pytest.raises(E.ErrAuthHandshake):
        etcd.client(cert=other_ca.issue_client("mallory")).put("/x", "1")
    assert "x509: certificate signed by unknown authority" in etcd.trace.filter(reason="RejectedConnection")[-1].message


def test_expired_and_revoked_client_certificates_fail():
    etcd = EtcdCluster(members=3, seed=3, client_cert_auth=True)
    short = etcd.ca.issue_client("short-lived", validity=10)
    c = etcd.client(cert=short)
    c.put("/a", "1")
    etcd.run(11)
    with pytest.raises(E.ErrAuthHandshake):
        c.put("/a", "2")
    assert "x509: certificate has expired or is not yet valid" in etcd.trace.filter(reason="RejectedConnection")[-1].message
    cert = etcd.ca.issue_client("to-revoke")
    c2 = etcd.client(cert=cert)
    c2.put("/b", "1")
    etcd.ca.revoke(cert)
    with pytest.raises(E.ErrAuthHandshake):
        c2.range("/b")
    assert f"transport: certificate serial {cert.serial:x} revoked" in etcd.trace.filter(
        reason="RejectedConnection")[-1].message


def test_client_refuses_a_server_it_does_not_trust():
    etcd = EtcdCluster(members=1, seed=4, auto_tls=True, peer_auto_tls=True)
    with pytest.raises(E.ErrAuthHandshake, match="x509: certificate signed by unknown authority"):
        etcd.client().put("/a", "1")
    ok = etcd.client(insecure_skip_tls_verify=True)  # etcdctl --insecure-skip-tls-verify
    assert ok.put("/a", "1").header.revision == 2
    assert etcd.tls.peer_certs["etcd-1"].self_signed


def test_watch_needs_a_certificate_too():
    etcd = EtcdCluster(members=3, seed=5, client_cert_auth=True)
    c = etcd.client()
    w = c.watch("/a")
    etcd.run(1)
    assert w.canceled and isinstance(w.error, E.ErrAuthHandshake)


def test_expired_peer_certificates_break_the_cluster():
    etcd = EtcdCluster(members=3, seed=6, peer_client_cert_auth=True)
    cert = etcd.ca.issue_client("admin")
    c = etcd.client(cert=cert)
    c.put("/a", "1")
    for h, pc in list(etcd.tls.peer_certs.items()):
        etcd.tls.peer_certs[h] = etcd.ca.issue_peer(h, validity=5)
    etcd.run(8)
    assert etcd.leader is None  # no member accepts another's connection any more
    assert any("failed to verify client's certificate" in r.message
               for r in etcd.trace.filter(reason="RejectedConnection"))

"""The cluster's certificates, laid out as kubeadm lays them out.

``kubeadm init`` writes ``/etc/kubernetes/pki/ca.{crt,key}`` (the cluster CA, CN
``kubernetes``), ``apiserver.{crt,key}`` (the serving certificate, CN ``kube-apiserver``, with
the SANs every client may dial) and ``/etc/kubernetes/admin.conf`` (a kubeconfig whose client
certificate says CN ``kubernetes-admin``, O ``kubeadm:cluster-admins`` since v1.29).
(cmd/kubeadm/app/phases/certs/certlist.go, phases/kubeconfig/kubeconfig.go.)

These are real X.509 certificates made with ``cryptography``: kubectl and client libraries
verify the server against ``ca.crt`` and present the admin certificate. Their validity is
wall-clock time (TLS needs it); nothing in the simulation reads it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# kubeadm's serving SANs: the node's names and addresses, then the Service's names and the
# first address of the service CIDR (certlist.go GetAPIServerAltNames).
SERVICE_NAMES = ("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                 "kubernetes.default.svc.cluster.local")
SERVICE_IP = "10.96.0.1"
ADMIN_CN = "kubernetes-admin"
ADMIN_GROUP = "kubeadm:cluster-admins"
CLUSTER_NAME = "kubernetes"
CA_VALIDITY = _dt.timedelta(days=3650)  # kubeadm: 10 years for CAs
CERT_VALIDITY = _dt.timedelta(days=365)  # and one year for leaf certificates


def _key() -> rsa.RSAPrivateKey:
    # kubeadm's default encryptionAlgorithm: RSA-2048
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class KeyPair:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def cert_pem(self) -> bytes:
        return _pem_cert(self.cert)

    @property
    def key_pem(self) -> bytes:
        return _pem_key(self.key)


class ClusterPKI:
    """A cluster CA and what kubeadm issues from it for the API server and the admin."""

    def __init__(self, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")):
        now = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5)
        ca_key = _key()
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now).not_valid_after(now + CA_VALIDITY)
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, key_cert_sign=True,
                                           content_commitment=False, data_encipherment=False, key_agreement=False,
                                           crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
        self.ca = KeyPair(ca, ca_key)
        names: list[x509.GeneralName] = []
        for h in (*SERVICE_NAMES, *hosts, SERVICE_IP):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(h)))
            except ValueError:
                names.append(x509.DNSName(h))
        self.hosts = hosts
        self.apiserver = self._issue([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")],
                                     ExtendedKeyUsageOID.SERVER_AUTH, names, now)
        self.admin = self.issue_client(ADMIN_CN, (ADMIN_GROUP,))

    def _issue(self, subject, usage, sans, now=None) -> KeyPair:
        now = now or _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(minutes=5)
        key = _key()
        b = (x509.CertificateBuilder().subject_name(x509.Name(subject)).issuer_name(self.ca.cert.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now).not_valid_after(now + CERT_VALIDITY)
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, key_cert_sign=False,
                                          content_commitment=False, data_encipherment=False, key_agreement=False,
                                          crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca.key.public_key()), critical=False))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return KeyPair(b.sign(self.ca.key, hashes.SHA256()), key)

    def issue_client(self, common_name: str, organizations: tuple[str, ...] = ()) -> KeyPair:
        """A client certificate: the API server's x509 authenticator reads the user name from
        the CN and the groups from the O attributes."""
        subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
        subject.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        return self._issue(subject, ExtendedKeyUsageOID.CLIENT_AUTH, None)

    # -- files --------------------------------------------------------------------------
    def write(self, directory: str | os.PathLike) -> "PKIFiles":
        """Write ``pki/ca.crt``, ``pki/ca.key``, ``pki/apiserver.crt``, ``pki/apiserver.key``
        under ``directory`` (keys readable by the owner only)."""
        d = Path(directory)
        pki = d / "pki"
        pki.mkdir(parents=True, exist_ok=True)
        files = PKIFiles(pki / "ca.crt", pki / "ca.key", pki / "apiserver.crt", pki / "apiserver.key")
        for path, data, secret in ((files.ca_crt, self.ca.cert_pem, False), (files.ca_key, self.ca.key_pem, True),
                                   (files.apiserver_crt, self.apiserver.cert_pem, False),
                                   (files.apiserver_key, self.apiserver.key_pem, True)):
            path.write_bytes(data)
            if secret:
                path.chmod(0o600)
        return files

    def kubeconfig(self, server: str, user: Optional[KeyPair] = None, user_name: str = ADMIN_CN) -> dict:
        """admin.conf's shape: one cluster, one user, one context ``kubernetes-admin@kubernetes``,
        everything embedded as base64 data."""
        user = user or self.admin
        b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
        ctx = f"{user_name}@{CLUSTER_NAME}"
        return {
            "apiVersion": "v1",
            "clusters": [{"cluster": {"certificate-authority-data": b64(self.ca.cert_pem), "server": server},
                          "name": CLUSTER_NAME}],
            "contexts": [{"context": {"cluster": CLUSTER_NAME, "user": user_name}, "name": ctx}],
            "current-context": ctx,
            "kind": "Config",
            "preferences": {},
            "users": [{"name": user_name, "user": {"client-certificate-data": b64(user.cert_pem),
                                                    "client-key-data": b64(user.key_pem)}}],
        }

    def write_kubeconfig(self, path: str | os.PathLike, server: str) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml.safe_dump(self.kubeconfig(server), sort_keys=False))
        p.chmod(0o600)
        return p


@dataclass
class PKIFiles:
    ca_crt: Path
    ca_key: Path
    apiserver_crt: Path
    apiserver_key: Path


def user_from_certificate(der: bytes):
    """The x509 request authenticator (k8s.io/apiserver/pkg/authentication/request/x509):
    the user is the subject's CN, its groups are the O values, plus system:authenticated."""
    from kubelab.apiserver.user import ALL_AUTHENTICATED, UserInfo

    cert = x509.load_der_x509_certificate(der)
    cn = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = tuple(a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    if not cn:
        return None
    return UserInfo(str(cn[0]), groups=tuple(str(o) for o in orgs) + (ALL_AUTHENTICATED,))

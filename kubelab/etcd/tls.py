"""Transport security, as etcd promises it: "secure — automatic TLS with optional
client-certificate authentication".

Simulated cryptography with real certificate fields: a :class:`CertificateAuthority`
(kubeadm's ``etcd-ca``) issues X.509-shaped :class:`Certificate` records — subject
(CN, O), issuer, SANs, serial, key usages, validity on the *simulated* clock — and
verification follows Go's crypto/x509 as etcd uses it:

* ``--client-cert-auth``: a client must present a certificate for client auth, signed by
  the trusted CA, valid now and not revoked (``--client-crl-file``);
* ``--auto-tls`` / ``--peer-auto-tls``: members make self-signed certificates, encrypted
  but unauthenticated (clients then need ``--insecure-skip-tls-verify``);
* a client checks the server's certificate against the CA it trusts.

Wording: what the client sees is grpc's (``transport: authentication handshake failed:
...``); what the server logs goes to the trace, as etcd's embed/config_logging.go logs it
(``rejected connection from "..." (error "...", ServerName "")``). Go 1.19 (etcd 3.4.23's)
crypto/tls words a bad client certificate ``tls: failed to verify client's certificate:``
and answers the client with the ``bad certificate`` alert.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import ErrAuthHandshake

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.sim import Simulator

YEAR = 365 * 24 * 3600.0

# Go crypto/x509 error strings
X509_UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority"
X509_EXPIRED = "x509: certificate has expired or is not yet valid"
X509_WRONG_USAGE = "x509: certificate specifies an incompatible key usage"
# what a client whose certificate was refused receives (the server's TLS alert)
BAD_CERTIFICATE = "transport: authentication handshake failed: remote error: tls: bad certificate"


@dataclass(frozen=True)
class Name:
    """An X.509 distinguished name (the parts Kubernetes uses: CN and O)."""

    common_name: str
    organization: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ",".join([f"O={o}" for o in self.organization] + [f"CN={self.common_name}"])


@dataclass(frozen=True)
class Certificate:
    serial: int
    subject: Name
    issuer: Name
    not_before: float  # simulated seconds
    not_after: float
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    ext_key_usage: tuple[str, ...] = ("client auth",)  # "client auth", "server auth"
    is_ca: bool = False
    subject_key_id: str = ""
    authority_key_id: str = ""

    @property
    def self_signed(self) -> bool:
        return self.subject_key_id == self.authority_key_id

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()

    def valid_at(self, now: float) -> bool:
        return self.not_before <= now <= self.not_after

    @property
    def pem(self) -> str:
        """The certificate as a PEM block, as ``ca.crt`` holds it. Simulated: the DER body is
        not a parseable certificate but a deterministic stand-in of a real one's size (an
        RSA-2048 CA is about 1.1 KB of DER: 25 base64 lines), derived from the fields, so the
        same CA always prints the same block and another CA another one."""
        der = bytearray(b"\x30\x82\x04\x5b")  # SEQUENCE, 1115 bytes: what a real one starts with
        block = hashlib.sha256(repr(self).encode()).digest()
        while len(der) < 1119:
            der += block
            block = hashlib.sha256(block).digest()
        body = base64.b64encode(bytes(der[:1119])).decode()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"

    def x509_text(self) -> str:
        """Roughly what ``openssl x509 -noout -text`` shows."""
        sans = [f"DNS:{d}" for d in self.dns_names] + [f"IP Address:{i}" for i in self.ip_addresses]
        return "\n".join([
            f"Serial Number: {self.serial:x}",
            f"Issuer: {self.issuer}",
            f"Validity: Not Before: {self.not_before:.0f}s  Not After: {self.not_after:.0f}s (simulated)",
            f"Subject: {self.subject}",
            f"X509v3 Basic Constraints: CA:{'TRUE' if self.is_ca else 'FALSE'}",
            f"X509v3 Extended Key Usage: {', '.join(self.ext_key_usage) or '-'}",
            f"X509v3 Subject Alternative Name: {', '.join(sans) or '-'}",
            f"X509v3 Subject Key Identifier: {self.subject_key_id}",
            f"X509v3 Authority Key Identifier: {self.authority_key_id}",
        ])

    def __repr__(self) -> str:
        return (f"Certificate(serial={self.serial:x}, subject={str(self.subject)!r}, issuer={str(self.issuer)!r}, "
                f"not_after={self.not_after:.0f})")


class CertificateAuthority:
    """A CA that issues and revokes certificates on the simulated clock.

    ``clock`` is anything with a ``now`` attribute (the Simulator)."""

    def __init__(self, clock: "Simulator", name: str = "etcd-ca", *, validity: float = 10 * YEAR):
        self.clock = clock
        self._rng = clock.rng(f"tls/{name}")
        self._key_id = self._new_key_id()
        now = clock.now
        self.certificate = Certificate(self._serial(), Name(name), Name(name), now, now + validity,
                                       ext_key_usage=(), is_ca=True, subject_key_id=self._key_id,
                                       authority_key_id=self._key_id)
        self.revoked: set[int] = set()  # serials on the CRL

    def _serial(self) -> int:
        return self._rng.getrandbits(128)

    def _new_key_id(self) -> str:
        return ":".join(f"{self._rng.getrandbits(8):02X}" for _ in range(20))

    def issue(self, common_name: str, organization: tuple[str, ...] | list[str] = (), *, dns_names=(),
              ip_addresses=(), usages=("client auth",), validity: float = YEAR, not_before: float | None = None
              ) -> Certificate:
        """Sign a certificate (kubeadm's leaf certificates last one year)."""
        nb = self.clock.now if not_before is None else not_before
        return Certificate(self._serial(), Name(common_name, tuple(organization)), self.certificate.subject, nb,
                           nb + validity, tuple(dns_names), tuple(ip_addresses), tuple(usages), False,
                           self._new_key_id(), self.certificate.subject_key_id)

    def issue_client(self, common_name: str, organization=(), **kw) -> Certificate:
        """A client certificate, e.g. kubeadm's ``kube-apiserver-etcd-client`` (O=system:masters)."""
        return self.issue(common_name, organization, usages=("client auth",), **kw)

    def issue_server(self, host: str, **kw) -> Certificate:
        """kubeadm's etcd/server: SANs the host, localhost and 127.0.0.1; server and client auth."""
        return self.issue(host, (), dns_names=(host, "localhost"), ip_addresses=("127.0.0.1",),
                          usages=("server auth", "client auth"), **kw)

    def issue_peer(self, host: str, **kw) -> Certificate:
        return self.issue(host, (), dns_names=(host, "localhost"), ip_addresses=("127.0.0.1",),
                          usages=("server auth", "client auth"), **kw)

    def revoke(self, cert: Certificate) -> None:
        """Put the certificate's serial on the CRL (etcd's ``--client-crl-file``)."""
        self.revoked.add(cert.serial)

    def verify(self, cert: Certificate, now: float, usage: str) -> str | None:
        """None if valid; else Go's x509 error."""
        if cert.authority_key_id != self.certificate.subject_key_id or cert.issuer != self.certificate.subject:
            return X509_UNKNOWN_AUTHORITY
        if not cert.valid_at(now) or not self.certificate.valid_at(now):
            return X509_EXPIRED
        if usage not in cert.ext_key_usage:
            return X509_WRONG_USAGE
        return None

    def __repr__(self) -> str:
        return f"CertificateAuthority({self.certificate.subject.common_name!r}, revoked={len(self.revoked)})"


def self_signed(clock: "Simulator", host: str, *, validity: float = YEAR) -> Certificate:
    """What ``--auto-tls`` / ``--peer-auto-tls`` generate (pkg/transport.SelfCert: one year)."""
    rng = clock.rng(f"tls/self-signed/{host}")
    kid = ":".join(f"{rng.getrandbits(8):02X}" for _ in range(20))
    now = clock.now
    return Certificate(rng.getrandbits(128), Name(host, ("etcd",)), Name(host, ("etcd",)), now, now + validity,
                       (host, "localhost"), ("127.0.0.1",), ("server auth", "client auth"), False, kid, kid)


@dataclass
class EtcdTLS:
    """A cluster's transport security settings (etcd's flags of the same names)."""

    ca: CertificateAuthority | None = None
    client_cert_auth: bool = False  # --client-cert-auth
    auto_tls: bool = False  # --auto-tls: self-signed serving certificates
    peer_auto_tls: bool = False  # --peer-auto-tls
    peer_client_cert_auth: bool = False  # --peer-client-cert-auth
    crl: bool = True  # honour ca.revoked (--client-crl-file)
    server_certs: dict = field(default_factory=dict)  # host -> Certificate
    peer_certs: dict = field(default_factory=dict)
    peer_cert: Certificate | None = None  # what cluster-internal admin calls present
    trace: object = None  # set by the cluster: where "rejected connection" lines go
    _last_log: dict = field(default_factory=dict)

    def provision(self, clock, host: str) -> None:
        """Give a member its serving and peer certificates (kubeadm's etcd/server and etcd/peer)."""
        if self.auto_tls or self.ca is None:
            self.server_certs[host] = self_signed(clock, host)
        else:
            self.server_certs[host] = self.ca.issue_server(host)
        if self.peer_auto_tls or self.ca is None:
            self.peer_certs[host] = self_signed(clock, host)
        else:
            self.peer_certs[host] = self.ca.issue_peer(host)
        if self.peer_cert is None:
            self.peer_cert = self.peer_certs[host]

    def _reject(self, now: float, server: str, remote: str, error: str) -> None:
        key = (server, remote, error)
        if now - self._last_log.get(key, -1e9) < 1.0:
            return  # one log line per second per peer, not one per message
        self._last_log[key] = now
        if self.trace is not None:
            self.trace.record(f"etcd/{server}", "RejectedConnection",
                              f'rejected connection from "{remote}" (error "{error}", ServerName "")')

    def check_client(self, cert: Certificate | None, now: float, server: str = "", remote: str = "") -> Exception | None:
        """The server side of the handshake for a client connection (None: accepted)."""
        if not self.client_cert_auth:
            return None
        if cert is None:
            self._reject(now, server, remote, "tls: client didn't provide a certificate")
            return ErrAuthHandshake(BAD_CERTIFICATE)
        if cert in self.peer_certs.values():
            return None  # a member's own peer certificate (cluster-internal admin calls)
        err = self.ca.verify(cert, now, "client auth") if self.ca else X509_UNKNOWN_AUTHORITY
        if err is not None:
            self._reject(now, server, remote, f"tls: failed to verify client's certificate: {err}")
            return ErrAuthHandshake(BAD_CERTIFICATE)
        if self.crl and cert.serial in self.ca.revoked:
            # pkg/transport/listener_tls.go checkCRL; the connection is closed after the handshake
            self._reject(now, server, remote, f"transport: certificate serial {cert.serial:x} revoked")
            return ErrAuthHandshake("transport: authentication handshake failed: EOF")
        return None

    def check_server(self, host: str, now: float, trusted: CertificateAuthority | None,
                     insecure_skip_verify: bool) -> Exception | None:
        """The client side: does the client trust the member's serving certificate?"""
        if insecure_skip_verify:
            return None
        cert = self.server_certs.get(host)
        if cert is None:
            return None
        if trusted is None:
            return ErrAuthHandshake(f"transport: authentication handshake failed: {X509_UNKNOWN_AUTHORITY}")
        err = trusted.verify(cert, now, "server auth")
        if err is not None:
            return ErrAuthHandshake(f"transport: authentication handshake failed: {err}")
        return None

    def check_peer(self, src: str, dst: str, now: float) -> bool:
        """May ``src`` talk to ``dst`` on the peer port? (--peer-client-cert-auth)"""
        if not self.peer_client_cert_auth:
            return True
        cert = self.peer_certs.get(src)
        if cert is None:
            self._reject(now, dst, src, "tls: client didn't provide a certificate")
            return False
        err = self.ca.verify(cert, now, "client auth") if self.ca else X509_UNKNOWN_AUTHORITY
        if err is not None:
            self._reject(now, dst, src, f"tls: failed to verify client's certificate: {err}")
            return False
        return True

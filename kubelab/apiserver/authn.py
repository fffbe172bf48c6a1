"""Authentication: who is this request from? (k8s.io/apiserver/pkg/authentication)

The authenticators kube-apiserver runs under kubeadm, in order (a union: the first that
recognises the credential answers):

* **x509 client certificates** signed by the cluster CA: the user is the certificate's CN,
  its groups are the O entries (authentication/request/x509/x509.go CommonNameUserConversion);
* **static bearer tokens** (``--token-auth-file``);
* **bootstrap tokens** ``<id>.<secret>`` stored as Secrets ``kube-system/bootstrap-token-<id>``
  (plugin/pkg/auth/authenticator/token/bootstrap): user ``system:bootstrap:<id>``, groups
  ``system:bootstrappers`` plus the secret's ``auth-extra-groups``;
* **service-account tokens** (pkg/serviceaccount/jwt.go, claims.go): JWTs the API server
  issues through TokenRequest, bound to an audience, an expiry and optionally a pod; the
  user is ``system:serviceaccount:<ns>:<name>``, groups ``system:serviceaccounts`` and
  ``system:serviceaccounts:<ns>``. The token stops working when it expires, when its
  service account or its pod is deleted (or recreated with another uid);
* **anonymous** (``--anonymous-auth=true``): ``system:anonymous`` in ``system:unauthenticated``.

Every authenticated user also gets ``system:authenticated``. Impersonation (``--as``,
``--as-group``, ``--as-uid``: endpoints/filters/impersonation.go) is checked afterwards: the
real user needs the ``impersonate`` verb on users / groups / serviceaccounts / uids.

Simulated cryptography: a token's signature is an HMAC-SHA256 over its header and claims
with the cluster's service-account key (the real one is RS256 with ``sa.key``); the
structure, claims and checks are the real ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from kubelab.api import errors
from kubelab.api.base import parse_time, rfc3339

from .user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, UserInfo

if TYPE_CHECKING:  # pragma: no cover
    from kubelab.etcd.tls import Certificate, CertificateAuthority

    from .server import APIServer

ISSUER = "https://kubernetes.default.svc.cluster.local"  # kubeadm's --service-account-issuer
API_AUDIENCES = (ISSUER,)  # --api-audiences defaults to the issuer
DEFAULT_EXPIRATION = 3600  # TokenRequestSpec.ExpirationSeconds default
MIN_EXPIRATION = 600  # "may not specify a duration less than 10 minutes"
BOOTSTRAP_TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
SA_PREFIX = "system:serviceaccount:"
SA_GROUP = "system:serviceaccounts"
BOOTSTRAPPERS = "system:bootstrappers"


@dataclass
class Credentials:
    """What a request presents: a client certificate, a bearer token, impersonation headers."""

    cert: Any = None
    token: Optional[str] = None
    as_user: Optional[str] = None  # Impersonate-User (kubectl --as)
    as_groups: tuple[str, ...] = ()  # Impersonate-Group (--as-group)
    as_uid: Optional[str] = None  # Impersonate-Uid (--as-uid)
    extra: dict = field(default_factory=dict)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def service_account_user(namespace: str, name: str, uid: str = "", extra: Optional[dict] = None) -> UserInfo:
    """serviceaccount.UserInfo."""
    return UserInfo(f"{SA_PREFIX}{namespace}:{name}", uid=uid,
                    groups=(SA_GROUP, f"{SA_GROUP}:{namespace}", ALL_AUTHENTICATED), extra=extra or {})


class Authenticator:
    """The union of authenticators of one cluster (shared by its API server replicas)."""

    def __init__(self, client_ca: "CertificateAuthority | None" = None, *, static_tokens: Optional[dict] = None,
                 anonymous: bool = True, key: bytes = b"kubelab sa.key", audiences=API_AUDIENCES):
        self.client_ca = client_ca
        self.static_tokens: dict[str, UserInfo] = dict(static_tokens or {})
        self.anonymous = anonymous
        self._key = hashlib.sha256(key).digest()
        self.audiences = tuple(audiences)

    # -- the chain ----------------------------------------------------------------------------
    def authenticate(self, server: "APIServer", creds: Optional[Credentials]) -> UserInfo:
        """The user behind ``creds``; raises 401 Unauthorized when a credential is presented
        and none of the authenticators accepts it."""
        creds = creds or Credentials()
        user = None
        if creds.cert is not None:
            user = self._x509(creds.cert, server.sim.now)
        if user is None and creds.token:
            user = (self.static_tokens.get(creds.token) or self._bootstrap(server, creds.token)
                    or self._service_account(server, creds.token))
            if user is None:
                raise errors.new_unauthorized("Unauthorized")
        if user is None:
            if creds.cert is not None or not self.anonymous:
                raise errors.new_unauthorized("Unauthorized")
            return UserInfo(ANONYMOUS, groups=(ALL_UNAUTHENTICATED,))
        if ALL_AUTHENTICATED not in user.groups:
            user = UserInfo(user.name, user.uid, (*user.groups, ALL_AUTHENTICATED), user.extra)
        return user

    def _x509(self, cert: "Certificate", now: float) -> Optional[UserInfo]:
        if self.client_ca is None or self.client_ca.verify(cert, now, "client auth") is not None:
            return None  # x509.go: a certificate that does not verify authenticates no one
        return UserInfo(cert.subject.common_name, groups=tuple(cert.subject.organization))

    def _bootstrap(self, server: "APIServer", token: str) -> Optional[UserInfo]:
        m = BOOTSTRAP_TOKEN.match(token)
        if m is None:
            return None
        tid, secret = m.groups()
        s = server.caches["Secret"].get("kube-system", f"bootstrap-token-{tid}")
        if s is None or s.type != "bootstrap.kubernetes.io/token":
            return None
        data = {k: base64.b64decode(v).decode() for k, v in (s.data or {}).items()}
        data.update(s.string_data or {})
        if data.get("token-id") != tid or not hmac.compare_digest(data.get("token-secret", ""), secret):
            return None
        if data.get("usage-bootstrap-authentication") != "true":
            return None
        exp = data.get("expiration")
        if exp and parse_time(exp) is not None and parse_time(exp) <= server.sim.now:
            return None
        extra = [g for g in data.get("auth-extra-groups", "").split(",") if g]
        return UserInfo(f"system:bootstrap:{tid}", groups=(BOOTSTRAPPERS, *extra))

    # -- service-account tokens -----------------------------------------------------------------
    def issue_token(self, server: "APIServer", namespace: str, name: str, *, audiences=None,
                    expiration_seconds: int = DEFAULT_EXPIRATION, pod: Any = None) -> tuple[str, str]:
        """TokenRequest (POST serviceaccounts/<name>/token): a bound token and its expiry
        time. Raises 404 for a missing service account, 422 for a bad request."""
        sa = server.caches["ServiceAccount"].get(namespace, name)
        if sa is None:
            raise errors.new_not_found("serviceaccounts", name)
        if expiration_seconds < MIN_EXPIRATION:
            from kubelab.api import field as fielderr
            raise errors.new_invalid("TokenRequest.authentication.k8s.io", "", [fielderr.invalid(
                "spec.expirationSeconds", expiration_seconds, "may not specify a duration less than 10 minutes")])
        now = int(server.sim.now)
        claims = {"aud": list(audiences or self.audiences), "exp": now + expiration_seconds, "iat": now,
                  "iss": ISSUER, "nbf": now, "sub": f"{SA_PREFIX}{namespace}:{name}",
                  "kubernetes.io": {"namespace": namespace,
                                    "serviceaccount": {"name": name, "uid": sa.metadata.uid}}}
        if pod is not None:
            claims["kubernetes.io"]["pod"] = {"name": pod.metadata.name, "uid": pod.metadata.uid}
        header = _b64(json.dumps({"alg": "RS256", "kid": _b64(self._key[:8])}, separators=(",", ":")).encode())
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        sig = _b64(hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest())
        return f"{header}.{body}.{sig}", rfc3339(claims["exp"])

    def _service_account(self, server: "APIServer", token: str) -> Optional[UserInfo]:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        header, body, sig = parts
        want = _b64(hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, sig):
            return None
        try:
            claims = json.loads(_unb64(body))
        except ValueError:
            return None
        now = server.sim.now
        if claims.get("iss") != ISSUER or not set(claims.get("aud") or ()) & set(self.audiences):
            return None
        if not claims.get("nbf", 0) <= now < claims.get("exp", 0):
            return None  # claims.go: "service account token has expired"
        k = claims.get("kubernetes.io") or {}
        ns, sa_ref = k.get("namespace"), k.get("serviceaccount") or {}
        sa = server.caches["ServiceAccount"].get(ns, sa_ref.get("name"))
        if sa is None or sa.metadata.uid != sa_ref.get("uid"):
            return None  # the service account was deleted (or recreated)
        extra = {}
        pod_ref = k.get("pod")
        if pod_ref:
            pod = server.caches["Pod"].get(ns, pod_ref.get("name"))
            if pod is None or pod.metadata.uid != pod_ref.get("uid") or pod.metadata.deletion_timestamp:
                return None  # the pod the token is bound to is gone
            extra = {"authentication.kubernetes.io/pod-name": (pod_ref["name"],),
                     "authentication.kubernetes.io/pod-uid": (pod_ref["uid"],)}
        return service_account_user(ns, sa_ref["name"], sa.metadata.uid, extra)

    # -- impersonation -----------------------------------------------------------------------------
    def impersonate(self, server: "APIServer", user: UserInfo, creds: Credentials) -> UserInfo:
        """endpoints/filters/impersonation.go: each requested identity needs ``impersonate``
        on users / serviceaccounts / groups / uids; the result is the impersonated user."""
        if not creds.as_user:
            if creds.as_groups or creds.as_uid:
                raise errors.new_internal_error(
                    "requested [{}] without impersonating a user".format(
                        ", ".join([f"{{Group {g}}}" for g in creds.as_groups])))
            return user
        from .server import Request
        name = creds.as_user
        checks = []
        if name.startswith(SA_PREFIX) and name.count(":") == 3:
            ns, sa = name[len(SA_PREFIX):].split(":")
            checks.append(("serviceaccounts", ns, sa))
            groups = [SA_GROUP, f"{SA_GROUP}:{ns}"]
        else:
            checks.append(("users", "", name))
            groups = []
        checks += [("groups", "", g) for g in creds.as_groups]
        if creds.as_uid:
            checks.append(("uids", "", creds.as_uid))
        for resource, ns, obj_name in checks:
            kind = _IMPERSONATE_KINDS[resource]
            server.authorize(Request("impersonate", kind, ns or None, obj_name), user)
        groups = list(dict.fromkeys([*groups, *creds.as_groups]))
        if name != ANONYMOUS and ALL_AUTHENTICATED not in groups:
            groups.append(ALL_AUTHENTICATED)
        elif name == ANONYMOUS and ALL_UNAUTHENTICATED not in groups:
            groups.append(ALL_UNAUTHENTICATED)
        return UserInfo(name, creds.as_uid or "", tuple(groups))


class _Pseudo:
    """A resource that exists only to be authorized (users, groups, uids)."""

    GROUP = ""
    NAMESPACED = False

    def __init__(self, resource: str):
        self.RESOURCE = resource

    def group_resource(self) -> str:
        return self.RESOURCE


def _sa_kind():
    from kubelab.api.core import ServiceAccount
    return ServiceAccount


class _Kinds(dict):
    def __missing__(self, key):
        if key == "serviceaccounts":
            return _sa_kind()
        return _Pseudo(key)


_IMPERSONATE_KINDS = _Kinds()

__all__ = ["API_AUDIENCES", "Authenticator", "Credentials", "ISSUER", "service_account_user"]

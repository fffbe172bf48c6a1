"""Who a request comes from (k8s.io/apiserver/pkg/authentication/user.Info).

The seam between the front doors (the in-process clients, the HTTPS server) and the
API server's filters (authentication, authorization, admission): every
:class:`~kubelab.apiserver.server.Request` carries one ``UserInfo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# well-known groups (k8s.io/apiserver/pkg/authentication/user/user.go)
ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
SYSTEM_PRIVILEGED_GROUP = "system:masters"
NODES_GROUP = "system:nodes"
ANONYMOUS = "system:anonymous"


@dataclass(frozen=True)
class UserInfo:
    """user.DefaultInfo: a name, a uid, groups and extra attributes."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    def __str__(self) -> str:
        return self.name


# kubeadm's admin.conf identity: CN=kubernetes-admin, O=kubeadm:cluster-admins (v1.29+)
ADMIN = UserInfo("kubernetes-admin", groups=("kubeadm:cluster-admins", ALL_AUTHENTICATED))

def node_user(node: str) -> UserInfo:
    """A kubelet's identity: its client certificate's CN=system:node:<name>, O=system:nodes."""
    return UserInfo(f"system:node:{node}", groups=(NODES_GROUP, ALL_AUTHENTICATED))


def service_account_user(namespace: str, name: str) -> UserInfo:
    """A service account's identity (serviceaccount.UserInfo): its name and the SA groups."""
    return UserInfo(f"system:serviceaccount:{namespace}:{name}",
                    groups=("system:serviceaccounts", f"system:serviceaccounts:{namespace}", ALL_AUTHENTICATED))


__all__ = ["ADMIN", "node_user", "service_account_user", "ALL_AUTHENTICATED", "ALL_UNAUTHENTICATED", "ANONYMOUS", "NODES_GROUP",
           "SYSTEM_PRIVILEGED_GROUP", "UserInfo"]

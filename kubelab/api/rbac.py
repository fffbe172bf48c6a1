"""rbac.authorization.k8s.io/v1 (Role, ClusterRole, RoleBinding, ClusterRoleBinding) and
authorization.k8s.io/v1 access reviews, shaped as k8s.io/api/rbac/v1/types.go and
k8s.io/api/authorization/v1/types.go."""

from __future__ import annotations

from typing import ClassVar, Optional

from pydantic import Field

from .base import K8sModel
from .meta import KubeObject, LabelSelector


class PolicyRule(K8sModel):
    verbs: list[str] = Field(default_factory=list)
    api_groups: Optional[list[str]] = Field(default=None, alias="apiGroups")
    resources: Optional[list[str]] = None
    resource_names: Optional[list[str]] = None
    non_resource_urls: Optional[list[str]] = Field(default=None, alias="nonResourceURLs")


class AggregationRule(K8sModel):
    cluster_role_selectors: Optional[list[LabelSelector]] = None


class Subject(K8sModel):
    kind: str  # User | Group | ServiceAccount
    api_group: Optional[str] = None
    name: str
    namespace: Optional[str] = None


class RoleRef(K8sModel):
    api_group: str = "rbac.authorization.k8s.io"
    kind: str  # Role | ClusterRole
    name: str


class Role(KubeObject):
    GROUP: ClassVar[str] = "rbac.authorization.k8s.io"
    KIND: ClassVar[str] = "Role"
    RESOURCE: ClassVar[str] = "roles"

    rules: Optional[list[PolicyRule]] = None


class ClusterRole(KubeObject):
    GROUP: ClassVar[str] = "rbac.authorization.k8s.io"
    KIND: ClassVar[str] = "ClusterRole"
    RESOURCE: ClassVar[str] = "clusterroles"
    NAMESPACED: ClassVar[bool] = False

    rules: Optional[list[PolicyRule]] = None
    aggregation_rule: Optional[AggregationRule] = None


class RoleBinding(KubeObject):
    GROUP: ClassVar[str] = "rbac.authorization.k8s.io"
    KIND: ClassVar[str] = "RoleBinding"
    RESOURCE: ClassVar[str] = "rolebindings"

    subjects: Optional[list[Subject]] = None
    role_ref: RoleRef


class ClusterRoleBinding(KubeObject):
    GROUP: ClassVar[str] = "rbac.authorization.k8s.io"
    KIND: ClassVar[str] = "ClusterRoleBinding"
    RESOURCE: ClassVar[str] = "clusterrolebindings"
    NAMESPACED: ClassVar[bool] = False

    subjects: Optional[list[Subject]] = None
    role_ref: RoleRef


# -- authorization.k8s.io/v1: asked, answered, never stored ---------------------------------


class ResourceAttributes(K8sModel):
    namespace: Optional[str] = None
    verb: Optional[str] = None
    group: Optional[str] = None
    version: Optional[str] = None
    resource: Optional[str] = None
    subresource: Optional[str] = None
    name: Optional[str] = None


class NonResourceAttributes(K8sModel):
    path: Optional[str] = None
    verb: Optional[str] = None


class SubjectAccessReviewSpec(K8sModel):
    resource_attributes: Optional[ResourceAttributes] = None
    non_resource_attributes: Optional[NonResourceAttributes] = None
    user: Optional[str] = None
    groups: Optional[list[str]] = None
    uid: Optional[str] = None


class SelfSubjectAccessReviewSpec(K8sModel):
    resource_attributes: Optional[ResourceAttributes] = None
    non_resource_attributes: Optional[NonResourceAttributes] = None


class SubjectAccessReviewStatus(K8sModel):
    allowed: bool = False
    denied: Optional[bool] = None
    reason: Optional[str] = None
    evaluation_error: Optional[str] = None


class SubjectAccessReview(KubeObject):
    GROUP: ClassVar[str] = "authorization.k8s.io"
    KIND: ClassVar[str] = "SubjectAccessReview"
    RESOURCE: ClassVar[str] = "subjectaccessreviews"
    NAMESPACED: ClassVar[bool] = False

    spec: SubjectAccessReviewSpec = Field(default_factory=SubjectAccessReviewSpec)
    status: Optional[SubjectAccessReviewStatus] = None


class SelfSubjectAccessReview(KubeObject):
    GROUP: ClassVar[str] = "authorization.k8s.io"
    KIND: ClassVar[str] = "SelfSubjectAccessReview"
    RESOURCE: ClassVar[str] = "selfsubjectaccessreviews"
    NAMESPACED: ClassVar[bool] = False

    spec: SelfSubjectAccessReviewSpec = Field(default_factory=SelfSubjectAccessReviewSpec)
    status: Optional[SubjectAccessReviewStatus] = None


class SelfSubjectRulesReviewSpec(K8sModel):
    namespace: Optional[str] = None


class ResourceRule(K8sModel):
    verbs: list[str] = Field(default_factory=list)
    api_groups: Optional[list[str]] = Field(default=None, alias="apiGroups")
    resources: Optional[list[str]] = None
    resource_names: Optional[list[str]] = None


class NonResourceRule(K8sModel):
    verbs: list[str] = Field(default_factory=list)
    non_resource_urls: Optional[list[str]] = Field(default=None, alias="nonResourceURLs")


class SubjectRulesReviewStatus(K8sModel):
    resource_rules: list[ResourceRule] = Field(default_factory=list)
    non_resource_rules: list[NonResourceRule] = Field(default_factory=list)
    incomplete: bool = False
    evaluation_error: Optional[str] = None


class SelfSubjectRulesReview(KubeObject):
    """What the requesting user may do in ``spec.namespace`` (kubectl auth can-i --list)."""

    GROUP: ClassVar[str] = "authorization.k8s.io"
    KIND: ClassVar[str] = "SelfSubjectRulesReview"
    RESOURCE: ClassVar[str] = "selfsubjectrulesreviews"
    NAMESPACED: ClassVar[bool] = False

    spec: SelfSubjectRulesReviewSpec = Field(default_factory=SelfSubjectRulesReviewSpec)
    status: Optional[SubjectRulesReviewStatus] = None


class UserInfoStatus(K8sModel):
    username: Optional[str] = None
    uid: Optional[str] = None
    groups: Optional[list[str]] = None
    extra: Optional[dict[str, list[str]]] = None


class SelfSubjectReviewStatus(K8sModel):
    user_info: UserInfoStatus = Field(default_factory=UserInfoStatus)


class SelfSubjectReview(KubeObject):
    """authentication.k8s.io/v1: who the API server thinks the requester is (kubectl auth whoami)."""

    GROUP: ClassVar[str] = "authentication.k8s.io"
    KIND: ClassVar[str] = "SelfSubjectReview"
    RESOURCE: ClassVar[str] = "selfsubjectreviews"
    NAMESPACED: ClassVar[bool] = False

    status: Optional[SelfSubjectReviewStatus] = None


# resources served without storage (create-only, answered by the server)
VIRTUAL = (SubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview)

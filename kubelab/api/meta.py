"""ObjectMeta, TypeMeta, owner references, label selectors, conditions (k8s.io/apimachinery/pkg/apis/meta/v1)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Optional

from pydantic import Field

from .base import K8sModel


class OwnerReference(K8sModel):
    api_version: str
    kind: str
    name: str
    uid: str
    controller: Optional[bool] = None
    block_owner_deletion: Optional[bool] = None


class ManagedFieldsEntry(K8sModel):
    manager: Optional[str] = None
    operation: Optional[str] = None
    api_version: Optional[str] = None
    time: Optional[str] = None
    fields_type: Optional[str] = None
    fields_v1: Optional[dict[str, Any]] = None
    subresource: Optional[str] = None


class ObjectMeta(K8sModel):
    name: Optional[str] = None
    generate_name: Optional[str] = None
    namespace: Optional[str] = None
    self_link: Optional[str] = None
    uid: Optional[str] = None
    resource_version: Optional[str] = None
    generation: Optional[int] = None
    creation_timestamp: Optional[str] = None
    deletion_timestamp: Optional[str] = None
    deletion_grace_period_seconds: Optional[int] = None
    labels: Optional[dict[str, str]] = None
    annotations: Optional[dict[str, str]] = None
    owner_references: Optional[list[OwnerReference]] = None
    finalizers: Optional[list[str]] = None
    managed_fields: Optional[list[ManagedFieldsEntry]] = None

    def controller_ref(self) -> Optional[OwnerReference]:
        """metav1.GetControllerOf: the owner reference with controller=true, if any."""
        for ref in self.owner_references or ():
            if ref.controller:
                return ref
        return None


class ListMeta(K8sModel):
    resource_version: Optional[str] = None
    continue_: Optional[str] = None
    remaining_item_count: Optional[int] = None


class LabelSelectorRequirement(K8sModel):
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: Optional[list[str]] = None


class LabelSelector(K8sModel):
    match_labels: Optional[dict[str, str]] = None
    match_expressions: Optional[list[LabelSelectorRequirement]] = None


class Condition(K8sModel):
    """metav1.Condition (the newer, shared condition type)."""

    type: str
    status: str
    observed_generation: Optional[int] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class KubeObject(K8sModel):
    """A top-level API object: apiVersion, kind, metadata (and usually spec / status).

    Subclasses set the class variables that the scheme reads: ``GROUP``, ``VERSION``,
    ``KIND``, ``RESOURCE`` (the plural used in URLs and etcd keys) and ``NAMESPACED``.
    """

    GROUP: ClassVar[str] = ""
    VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = ""
    RESOURCE: ClassVar[str] = ""
    NAMESPACED: ClassVar[bool] = True
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ()

    api_version: Optional[str] = None
    kind: Optional[str] = None
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    def model_post_init(self, __context: Any) -> None:
        # TypeMeta is always filled in, as the API server returns it.
        if self.api_version is None:
            self.api_version = self.api_version_str()
        if self.kind is None:
            self.kind = self.KIND

    @classmethod
    def api_version_str(cls) -> str:
        return f"{cls.GROUP}/{cls.VERSION}" if cls.GROUP else cls.VERSION

    @classmethod
    def group_resource(cls) -> str:
        """``deployments.apps`` / ``pods``: how errors name a resource."""
        return f"{cls.RESOURCE}.{cls.GROUP}" if cls.GROUP else cls.RESOURCE

    @classmethod
    def group_kind(cls) -> str:
        """``Deployment.apps`` / ``Pod``: how Invalid errors name a kind."""
        return f"{cls.KIND}.{cls.GROUP}" if cls.GROUP else cls.KIND

    # -- conveniences ------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.metadata.name or ""

    @property
    def namespace(self) -> Optional[str]:
        return self.metadata.namespace

    @property
    def uid(self) -> str:
        return self.metadata.uid or ""

    @property
    def labels(self) -> dict[str, str]:
        return self.metadata.labels or {}

    def key(self) -> str:
        """``namespace/name`` (cache.MetaNamespaceKeyFunc), or ``name`` when cluster-scoped."""
        ns = self.metadata.namespace
        return f"{ns}/{self.metadata.name}" if ns else (self.metadata.name or "")

    def __repr__(self) -> str:
        ns = f"{self.metadata.namespace}/" if self.metadata.namespace else ""
        rv = self.metadata.resource_version
        return f"<{self.KIND} {ns}{self.metadata.name}{' rv=' + rv if rv else ''}>"

    __str__ = __repr__



class Status(K8sModel):
    """metav1.Status: what the API server answers when a request fails."""

    KIND: ClassVar[str] = "Status"
    api_version: str = "v1"
    kind: Literal["Status"] = "Status"
    metadata: dict[str, Any] = Field(default_factory=dict)
    status: Optional[str] = None
    message: Optional[str] = None
    reason: Optional[str] = None
    details: Optional[dict[str, Any]] = None
    code: Optional[int] = None

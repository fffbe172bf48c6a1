"""flowcontrol.apiserver.k8s.io/v1 FlowSchema and PriorityLevelConfiguration
(k8s.io/api/flowcontrol/v1/types.go): the API Priority and Fairness configuration the API
server classifies and queues requests by (kubelab.apiserver.flowcontrol). Both are
cluster-scoped; the API server creates the bootstrap ones at start."""

from __future__ import annotations

from typing import ClassVar, Optional

from pydantic import Field

from .base import K8sModel
from .meta import KubeObject

# flowcontrol/v1 constants (types.go)
AUTO_UPDATE_ANNOTATION = "apf.kubernetes.io/autoupdate-spec"
FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE = 10000
CONDITION_DANGLING = "Dangling"


# -- FlowSchema ---------------------------------------------------------------------------------
class PriorityLevelConfigurationReference(K8sModel):
    name: str = ""


class FlowDistinguisherMethod(K8sModel):
    type: str = ""  # ByUser | ByNamespace


class UserSubject(K8sModel):
    name: str = ""


class GroupSubject(K8sModel):
    name: str = ""


class ServiceAccountSubject(K8sModel):
    namespace: str = ""
    name: str = ""


class Subject(K8sModel):
    kind: str = ""  # User | Group | ServiceAccount
    user: Optional[UserSubject] = None
    group: Optional[GroupSubject] = None
    service_account: Optional[ServiceAccountSubject] = None


class ResourcePolicyRule(K8sModel):
    verbs: list[str] = Field(default_factory=list)
    api_groups: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    cluster_scope: Optional[bool] = None
    namespaces: Optional[list[str]] = None


class NonResourcePolicyRule(K8sModel):
    verbs: list[str] = Field(default_factory=list)
    non_resource_urls: list[str] = Field(default_factory=list, alias="nonResourceURLs")


class PolicyRulesWithSubjects(K8sModel):
    subjects: list[Subject] = Field(default_factory=list)
    resource_rules: Optional[list[ResourcePolicyRule]] = None
    non_resource_rules: Optional[list[NonResourcePolicyRule]] = None


class FlowSchemaSpec(K8sModel):
    priority_level_configuration: PriorityLevelConfigurationReference = Field(
        default_factory=PriorityLevelConfigurationReference)
    matching_precedence: int = 0  # defaulted to 1000
    distinguisher_method: Optional[FlowDistinguisherMethod] = None
    rules: Optional[list[PolicyRulesWithSubjects]] = None


class FlowSchemaCondition(K8sModel):
    type: Optional[str] = None
    status: Optional[str] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class FlowSchemaStatus(K8sModel):
    conditions: Optional[list[FlowSchemaCondition]] = None


class FlowSchema(KubeObject):
    GROUP: ClassVar[str] = "flowcontrol.apiserver.k8s.io"
    KIND: ClassVar[str] = "FlowSchema"
    RESOURCE: ClassVar[str] = "flowschemas"
    NAMESPACED: ClassVar[bool] = False

    spec: FlowSchemaSpec = Field(default_factory=FlowSchemaSpec)
    status: FlowSchemaStatus = Field(default_factory=FlowSchemaStatus)

    def condition(self, type_: str) -> Optional[FlowSchemaCondition]:
        return next((c for c in self.status.conditions or () if c.type == type_), None)


# -- PriorityLevelConfiguration -------------------------------------------------------------------
class QueuingConfiguration(K8sModel):
    queues: int = 0  # defaulted to 64
    hand_size: int = 0  # defaulted to 8
    queue_length_limit: int = 0  # defaulted to 50


class LimitResponse(K8sModel):
    type: str = ""  # Queue | Reject
    queuing: Optional[QueuingConfiguration] = None


class LimitedPriorityLevelConfiguration(K8sModel):
    nominal_concurrency_shares: Optional[int] = None  # defaulted to 30
    limit_response: LimitResponse = Field(default_factory=LimitResponse)
    lendable_percent: Optional[int] = None  # defaulted to 0
    borrowing_limit_percent: Optional[int] = None


class ExemptPriorityLevelConfiguration(K8sModel):
    nominal_concurrency_shares: Optional[int] = None  # defaulted to 0
    lendable_percent: Optional[int] = None  # defaulted to 0


class PriorityLevelConfigurationSpec(K8sModel):
    type: str = ""  # Exempt | Limited
    limited: Optional[LimitedPriorityLevelConfiguration] = None
    exempt: Optional[ExemptPriorityLevelConfiguration] = None


class PriorityLevelConfigurationCondition(K8sModel):
    type: Optional[str] = None
    status: Optional[str] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class PriorityLevelConfigurationStatus(K8sModel):
    conditions: Optional[list[PriorityLevelConfigurationCondition]] = None


class PriorityLevelConfiguration(KubeObject):
    GROUP: ClassVar[str] = "flowcontrol.apiserver.k8s.io"
    KIND: ClassVar[str] = "PriorityLevelConfiguration"
    RESOURCE: ClassVar[str] = "prioritylevelconfigurations"
    NAMESPACED: ClassVar[bool] = False

    spec: PriorityLevelConfigurationSpec = Field(default_factory=PriorityLevelConfigurationSpec)
    status: PriorityLevelConfigurationStatus = Field(default_factory=PriorityLevelConfigurationStatus)


def default_flow_schema(fs: FlowSchema) -> None:
    """pkg/apis/flowcontrol/v1/defaults.go SetDefaults_FlowSchemaSpec: matchingPrecedence 1000."""
    if not fs.spec.matching_precedence:
        fs.spec.matching_precedence = 1000


def default_priority_level_configuration(pl: PriorityLevelConfiguration) -> None:
    """pkg/apis/flowcontrol/v1/defaults.go: an exempt level's shares and lendablePercent 0; a
    limited level's nominalConcurrencyShares 30 (when unset: v1 allows an explicit 0),
    lendablePercent 0; queuing 64 queues, handSize 8, queueLengthLimit 50."""
    ex = pl.spec.exempt
    if ex is not None:
        if ex.nominal_concurrency_shares is None:
            ex.nominal_concurrency_shares = 0
        if ex.lendable_percent is None:
            ex.lendable_percent = 0
    lim = pl.spec.limited
    if lim is not None:
        if lim.nominal_concurrency_shares is None:
            lim.nominal_concurrency_shares = 30
        if lim.lendable_percent is None:
            lim.lendable_percent = 0
        q = lim.limit_response.queuing
        if q is not None:
            q.hand_size = q.hand_size or 8
            q.queues = q.queues or 64
            q.queue_length_limit = q.queue_length_limit or 50


__all__ = ["AUTO_UPDATE_ANNOTATION", "CONDITION_DANGLING", "FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE", "FlowSchema",
           "FlowSchemaCondition", "PriorityLevelConfiguration", "default_flow_schema",
           "default_priority_level_configuration"]

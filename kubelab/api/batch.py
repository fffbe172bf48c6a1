"""The batch/v1 API group: Job and CronJob."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from pydantic import Field

from .base import K8sModel
from .core import PodTemplateSpec
from .meta import KubeObject, LabelSelector, ObjectMeta

Json = dict[str, Any]


class PodFailurePolicyOnExitCodesRequirement(K8sModel):
    container_name: Optional[str] = None
    operator: Optional[str] = None  # In NotIn
    values: Optional[list[int]] = None


class PodFailurePolicyOnPodConditionsPattern(K8sModel):
    type: Optional[str] = None
    status: Optional[str] = None  # defaulted to True


class PodFailurePolicyRule(K8sModel):
    action: Optional[str] = None  # FailJob FailIndex Ignore Count
    on_exit_codes: Optional[PodFailurePolicyOnExitCodesRequirement] = None
    on_pod_conditions: Optional[list[PodFailurePolicyOnPodConditionsPattern]] = None


class PodFailurePolicy(K8sModel):
    rules: Optional[list[PodFailurePolicyRule]] = None


class SuccessPolicyRule(K8sModel):
    succeeded_indexes: Optional[str] = None
    succeeded_count: Optional[int] = None


class SuccessPolicy(K8sModel):
    rules: Optional[list[SuccessPolicyRule]] = None


class JobSpec(K8sModel):
    parallelism: Optional[int] = None
    completions: Optional[int] = None
    active_deadline_seconds: Optional[int] = None
    pod_failure_policy: Optional[PodFailurePolicy] = None
    success_policy: Optional[SuccessPolicy] = None
    backoff_limit: Optional[int] = None
    backoff_limit_per_index: Optional[int] = None
    max_failed_indexes: Optional[int] = None
    selector: Optional[LabelSelector] = None
    manual_selector: Optional[bool] = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    ttl_seconds_after_finished: Optional[int] = None
    completion_mode: Optional[str] = None  # NonIndexed | Indexed
    suspend: Optional[bool] = None
    pod_replacement_policy: Optional[str] = None
    managed_by: Optional[str] = None


class JobCondition(K8sModel):
    type: str  # Complete Failed Suspended FailureTarget SuccessCriteriaMet
    status: str
    last_probe_time: Optional[str] = None
    last_transition_time: Optional[str] = None
    reason: Optional[str] = None
    message: Optional[str] = None


class JobStatus(K8sModel):
    conditions: Optional[list[JobCondition]] = None
    start_time: Optional[str] = None
    completion_time: Optional[str] = None
    active: Optional[int] = None
    succeeded: Optional[int] = None
    failed: Optional[int] = None
    terminating: Optional[int] = None
    completed_indexes: Optional[str] = None
    failed_indexes: Optional[str] = None
    uncounted_terminated_pods: Optional[Json] = None
    ready: Optional[int] = None


class Job(KubeObject):
    GROUP: ClassVar[str] = "batch"
    KIND: ClassVar[str] = "Job"
    RESOURCE: ClassVar[str] = "jobs"

    spec: JobSpec = Field(default_factory=JobSpec)
    status: JobStatus = Field(default_factory=JobStatus)


class JobTemplateSpec(K8sModel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: JobSpec = Field(default_factory=JobSpec)


class CronJobSpec(K8sModel):
    schedule: str = ""
    time_zone: Optional[str] = None
    starting_deadline_seconds: Optional[int] = None
    concurrency_policy: Optional[str] = None  # Allow Forbid Replace
    suspend: Optional[bool] = None
    job_template: JobTemplateSpec = Field(default_factory=JobTemplateSpec)
    successful_jobs_history_limit: Optional[int] = None
    failed_jobs_history_limit: Optional[int] = None


class CronJobStatus(K8sModel):
    active: Optional[list[Json]] = None
    last_schedule_time: Optional[str] = None
    last_successful_time: Optional[str] = None


class CronJob(KubeObject):
    GROUP: ClassVar[str] = "batch"
    KIND: ClassVar[str] = "CronJob"
    RESOURCE: ClassVar[str] = "cronjobs"
    SHORT_NAMES: ClassVar[tuple[str, ...]] = ("cj",)

    spec: CronJobSpec = Field(default_factory=CronJobSpec)
    status: CronJobStatus = Field(default_factory=CronJobStatus)

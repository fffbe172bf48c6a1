"""Defaulting, as the API server applies it before validation.

Each function mirrors a ``SetDefaults_*`` in ``pkg/apis/<group>/v1/defaults.go`` of
kubernetes/kubernetes (cited per function). Defaulting mutates the object in place.
"""

from __future__ import annotations

from .apps import (
    DaemonSet,
    DaemonSetUpdateStrategy,
    Deployment,
    DeploymentStrategy,
    ReplicaSet,
    RollingUpdateDaemonSet,
    RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy,
    StatefulSet,
    StatefulSetUpdateStrategy,
)
from .autoscaling import (
    HorizontalPodAutoscaler,
    HPAScalingPolicy,
    HPAScalingRules,
    MetricSpec,
    MetricTarget,
    ResourceMetricSource,
)
from .batch import CronJob, Job
from .core import Container, Namespace, Node, Pod, PodSpec, Secret, Service
from .meta import KubeObject


def _image_pull_policy(image: str | None) -> str:
    # pkg/apis/core/v1/defaults.go SetDefaults_Container: Always when the tag is
    # ":latest" or there is no tag (a digest counts as a tag); IfNotPresent otherwise.
    image = image or ""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def default_probe(probe: dict) -> None:
    """SetDefaults_Probe and SetDefaults_HTTPGetAction (probes are carried as plain data)."""
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def default_container(c: Container) -> None:
    if not c.image_pull_policy:
        c.image_pull_policy = _image_pull_policy(c.image)
    if not c.termination_message_path:
        c.termination_message_path = "/dev/termination-log"
    if not c.termination_message_policy:
        c.termination_message_policy = "File"
    for p in c.ports or ():
        if not p.protocol:
            p.protocol = "TCP"  # SetDefaults_ContainerPort
    for probe in (c.liveness_probe, c.readiness_probe, c.startup_probe):
        if probe:
            default_probe(probe)
    # SetDefaults_ResourceList / defaults.go: a limit with no request sets the request
    if c.resources and c.resources.limits:
        req = dict(c.resources.requests or {})
        for k, v in c.resources.limits.items():
            req.setdefault(k, v)
        c.resources.requests = req


def default_pod_spec(spec: PodSpec) -> None:
    """SetDefaults_PodSpec."""
    if not spec.restart_policy:
        spec.restart_policy = "Always"
    if not spec.dns_policy:
        spec.dns_policy = "ClusterFirst"
    if spec.termination_grace_period_seconds is None:
        spec.termination_grace_period_seconds = 30
    if spec.security_context is None:
        spec.security_context = {}
    if not spec.scheduler_name:
        spec.scheduler_name = "default-scheduler"
    if spec.enable_service_links is None:
        spec.enable_service_links = True
    if spec.host_network and spec.containers:
        for c in spec.containers:
            for p in c.ports or ():
                if p.host_port is None:
                    p.host_port = p.container_port
    for c in (spec.init_containers or []) + spec.containers:
        default_container(c)


def default_pod(pod: Pod) -> None:
    default_pod_spec(pod.spec)
    # The ServiceAccount admission plugin defaults serviceAccountName (to "default"); the
    # deprecated serviceAccount mirrors it (pkg/apis/core/v1/conversion.go)
    if not pod.spec.service_account_name and pod.spec.service_account:
        pod.spec.service_account_name = pod.spec.service_account
    if pod.spec.service_account_name:
        pod.spec.service_account = pod.spec.service_account_name


def _template_spec(spec: PodSpec) -> None:
    default_pod_spec(spec)


def default_deployment(d: Deployment) -> None:
    """pkg/apis/apps/v1/defaults.go SetDefaults_Deployment."""
    s = d.spec
    if s.replicas is None:
        s.replicas = 1
    if s.strategy is None:
        s.strategy = DeploymentStrategy()
    if not s.strategy.type:
        s.strategy.type = "RollingUpdate"
    if s.strategy.type == "RollingUpdate":
        if s.strategy.rolling_update is None:
            s.strategy.rolling_update = RollingUpdateDeployment()
        ru = s.strategy.rolling_update
        if ru.max_unavailable is None:
            ru.max_unavailable = "25%"
        if ru.max_surge is None:
            ru.max_surge = "25%"
    if s.revision_history_limit is None:
        s.revision_history_limit = 10
    if s.progress_deadline_seconds is None:
        s.progress_deadline_seconds = 600
    _template_spec(s.template.spec)


def default_replicaset(rs: ReplicaSet) -> None:
    if rs.spec.replicas is None:
        rs.spec.replicas = 1
    _template_spec(rs.spec.template.spec)


def default_daemonset(ds: DaemonSet) -> None:
    """SetDefaults_DaemonSet: RollingUpdate, maxUnavailable 1, maxSurge 0, history 10."""
    s = ds.spec
    if s.update_strategy is None:
        s.update_strategy = DaemonSetUpdateStrategy()
    if not s.update_strategy.type:
        s.update_strategy.type = "RollingUpdate"
    if s.update_strategy.type == "RollingUpdate":
        if s.update_strategy.rolling_update is None:
            s.update_strategy.rolling_update = RollingUpdateDaemonSet()
        ru = s.update_strategy.rolling_update
        if ru.max_unavailable is None:
            ru.max_unavailable = 1
        if ru.max_surge is None:
            ru.max_surge = 0
    if s.revision_history_limit is None:
        s.revision_history_limit = 10
    _template_spec(s.template.spec)


def default_statefulset(ss: StatefulSet) -> None:
    """SetDefaults_StatefulSet."""
    s = ss.spec
    if s.replicas is None:
        s.replicas = 1
    if not s.pod_management_policy:
        s.pod_management_policy = "OrderedReady"
    if s.update_strategy is None:
        s.update_strategy = StatefulSetUpdateStrategy()
    if not s.update_strategy.type:
        s.update_strategy.type = "RollingUpdate"
    if s.update_strategy.type == "RollingUpdate":
        if s.update_strategy.rolling_update is None:
            s.update_strategy.rolling_update = RollingUpdateStatefulSetStrategy()
        if s.update_strategy.rolling_update.partition is None:
            s.update_strategy.rolling_update.partition = 0
    if s.revision_history_limit is None:
        s.revision_history_limit = 10
    if s.persistent_volume_claim_retention_policy is None:
        s.persistent_volume_claim_retention_policy = {"whenDeleted": "Retain", "whenScaled": "Retain"}
    for t in s.volume_claim_templates or ():
        # the embedded PersistentVolumeClaims are defaulted as claims are
        if isinstance(t, dict):
            t.setdefault("apiVersion", "v1")
            t.setdefault("kind", "PersistentVolumeClaim")
            t.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
            t.setdefault("status", {}).setdefault("phase", "Pending")
    _template_spec(s.template.spec)


def default_job(job: Job) -> None:
    """pkg/apis/batch/v1/defaults.go SetDefaults_Job."""
    s = job.spec
    if s.completions is None and s.parallelism is None:
        s.completions = 1
        s.parallelism = 1
    if s.parallelism is None:
        s.parallelism = 1
    if s.backoff_limit is None:
        s.backoff_limit = 2147483647 if s.backoff_limit_per_index is not None else 6  # math.MaxInt32
    if not s.completion_mode:
        s.completion_mode = "NonIndexed"
    if s.suspend is None:
        s.suspend = False
    if s.manual_selector is None:
        pass  # left nil, as upstream
    for rule in (s.pod_failure_policy.rules or ()) if s.pod_failure_policy else ():
        for pattern in rule.on_pod_conditions or ():
            if not pattern.status:
                pattern.status = "True"
    if s.pod_replacement_policy is None:
        s.pod_replacement_policy = "Failed" if s.pod_failure_policy is not None else "TerminatingOrFailed"
    _template_spec(s.template.spec)


def default_cronjob(cj: CronJob) -> None:
    s = cj.spec
    if not s.concurrency_policy:
        s.concurrency_policy = "Allow"
    if s.suspend is None:
        s.suspend = False
    if s.successful_jobs_history_limit is None:
        s.successful_jobs_history_limit = 3
    if s.failed_jobs_history_limit is None:
        s.failed_jobs_history_limit = 1
    default_job_spec_template(cj)


def default_job_spec_template(cj: CronJob) -> None:
    js = cj.spec.job_template.spec
    if js.backoff_limit is None:
        js.backoff_limit = 6
    _template_spec(js.template.spec)


def default_service(svc: Service) -> None:
    """SetDefaults_Service (pkg/apis/core/v1/defaults.go)."""
    s = svc.spec
    if not s.type:
        s.type = "ClusterIP"
    if not s.session_affinity:
        s.session_affinity = "None"
    for p in s.ports or ():
        if not p.protocol:
            p.protocol = "TCP"
        if p.target_port is None or p.target_port == 0 or p.target_port == "":
            p.target_port = p.port
    if s.type in ("ClusterIP", "NodePort", "LoadBalancer") and not s.internal_traffic_policy:
        s.internal_traffic_policy = "Cluster"
    if s.type in ("NodePort", "LoadBalancer") and not s.external_traffic_policy:
        s.external_traffic_policy = "Cluster"
    if s.type == "LoadBalancer" and s.allocate_load_balancer_node_ports is None:
        s.allocate_load_balancer_node_ports = True


def default_namespace(ns: Namespace) -> None:
    # SetDefaults_Namespace: the kubernetes.io/metadata.name label (since 1.22)
    labels = dict(ns.metadata.labels or {})
    labels["kubernetes.io/metadata.name"] = ns.metadata.name or ""
    ns.metadata.labels = labels


def default_secret(s: Secret) -> None:
    if not s.type:
        s.type = "Opaque"


def default_node(n: Node) -> None:
    # SetDefaults_NodeStatus: allocatable defaults to capacity
    if n.status.capacity and not n.status.allocatable:
        n.status.allocatable = dict(n.status.capacity)


def hpa_scale_up_rules(rules: HPAScalingRules | None = None) -> HPAScalingRules:
    """GenerateHPAScaleUpRules (pkg/apis/autoscaling/v2/defaults.go): no stabilization,
    at most 4 pods or 100 % per 15 s, whichever is more."""
    r = rules.copy_deep() if rules else HPAScalingRules()
    if r.stabilization_window_seconds is None:
        r.stabilization_window_seconds = 0
    if r.select_policy is None:
        r.select_policy = "Max"
    if r.policies is None:
        r.policies = [HPAScalingPolicy(type="Pods", value=4, period_seconds=15),
                      HPAScalingPolicy(type="Percent", value=100, period_seconds=15)]
    return r


def hpa_scale_down_rules(rules: HPAScalingRules | None = None) -> HPAScalingRules:
    """GenerateHPAScaleDownRules: 300 s stabilization (--horizontal-pod-autoscaler-downscale-
    stabilization), then up to 100 % per 15 s."""
    r = rules.copy_deep() if rules else HPAScalingRules()
    if r.stabilization_window_seconds is None:
        r.stabilization_window_seconds = 300
    if r.select_policy is None:
        r.select_policy = "Max"
    if r.policies is None:
        r.policies = [HPAScalingPolicy(type="Percent", value=100, period_seconds=15)]
    return r


def default_hpa(hpa: HorizontalPodAutoscaler) -> None:
    """SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1, CPU at 80 % when
    no metric is given; a behavior that is given gets its missing rules filled in."""
    spec = hpa.spec
    if spec.min_replicas is None:
        spec.min_replicas = 1
    if not spec.metrics:
        spec.metrics = [MetricSpec(type="Resource", resource=ResourceMetricSource(
            name="cpu", target=MetricTarget(type="Utilization", average_utilization=80)))]
    if spec.behavior is not None:
        spec.behavior.scale_up = hpa_scale_up_rules(spec.behavior.scale_up)
        spec.behavior.scale_down = hpa_scale_down_rules(spec.behavior.scale_down)


def default_persistent_volume(pv) -> None:
    """SetDefaults_PersistentVolume: phase Pending, reclaim Retain, volumeMode Filesystem."""
    if not pv.status.phase:
        pv.status.phase = "Pending"
    if not pv.spec.persistent_volume_reclaim_policy:
        pv.spec.persistent_volume_reclaim_policy = "Retain"
    if not pv.spec.volume_mode:
        pv.spec.volume_mode = "Filesystem"


def default_persistent_volume_claim(pvc) -> None:
    """SetDefaults_PersistentVolumeClaim(Spec): phase Pending, volumeMode Filesystem."""
    if not pvc.status.phase:
        pvc.status.phase = "Pending"
    if not pvc.spec.volume_mode:
        pvc.spec.volume_mode = "Filesystem"


def default_storage_class(sc) -> None:
    """pkg/apis/storage/v1/defaults.go SetDefaults_StorageClass: Delete, Immediate."""
    if not sc.reclaim_policy:
        sc.reclaim_policy = "Delete"
    if not sc.volume_binding_mode:
        sc.volume_binding_mode = "Immediate"


def _flowcontrol_defaulters():
    from .flowcontrol import default_flow_schema, default_priority_level_configuration

    return {"FlowSchema": default_flow_schema, "PriorityLevelConfiguration": default_priority_level_configuration}


_DEFAULTERS = {
    "PersistentVolume": default_persistent_volume,
    "PersistentVolumeClaim": default_persistent_volume_claim,
    "StorageClass": default_storage_class,
    "HorizontalPodAutoscaler": default_hpa,
    "Pod": default_pod,
    "Deployment": default_deployment,
    "ReplicaSet": default_replicaset,
    "DaemonSet": default_daemonset,
    "StatefulSet": default_statefulset,
    "Job": default_job,
    "CronJob": default_cronjob,
    "Service": default_service,
    "Namespace": default_namespace,
    "Secret": default_secret,
    "Node": default_node,
    **_flowcontrol_defaulters(),
}


def apply_defaults(obj: KubeObject) -> KubeObject:
    fn = _DEFAULTERS.get(obj.KIND)
    if fn is not None:
        fn(obj)
    return obj

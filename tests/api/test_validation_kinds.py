"""Per-kind validation against upstream's exact messages
(pkg/apis/core/validation/validation.go, pkg/apis/apps/validation/validation.go,
pkg/apis/batch/validation/validation.go). Each case is a manifest as a user
would apply it; it is decoded, defaulted, then validated like the apiserver does."""

import pytest
import yaml

from kubelab.api import errors as E
from kubelab.api import validation as V
from kubelab.api.defaults import apply_defaults
from kubelab.api.quantity import ERR_FORMAT_WRONG
from kubelab.api.scheme import decode

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
ENV_MSG = ("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
           "and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex "
           "used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")


def obj(text):
    o = decode(yaml.safe_load(text))
    apply_defaults(o)
    return o


def errs_of(text):
    return [str(e) for e in V.validate_object(obj(text))]


POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
{spec}
"""


def pod(spec, name="p"):
    return POD.format(name=name, spec="\n".join("  " + line for line in spec.strip("\n").splitlines()))


def deploy(spec_extra="", labels="{app: web}", selector="{matchLabels: {app: web}}", pod_extra="",
           containers="[{name: web, image: nginx}]"):
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: default}}
spec:
  selector: {selector}
{spec_extra}
  template:
    metadata: {{labels: {labels}}}
    spec:
      containers: {containers}
{pod_extra}
"""


VALID = [
    pod("containers: [{name: c, image: nginx}]"),
    deploy(),
    """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
""",
    """
apiVersion: batch/v1
kind: Job
metadata: {name: pi, namespace: default}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl}]
""",
    """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: default}
data: {a.b: "1", C_D: "2"}
""",
    """
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
""",
]


@pytest.mark.parametrize("manifest", VALID)
def test_valid_manifests(manifest):
    assert errs_of(manifest) == []


INVALID = [
    # --- Pod
    ("no containers", pod("containers: []"), "spec.containers: Required value"),
    ("container name", pod("containers: [{name: Web_1, image: nginx}]"),
     'spec.containers[0].name: Invalid value: "Web_1": ' + LABEL_MSG),
    ("container name missing", pod("containers: [{image: nginx}]"), "spec.containers[0].name: Required value"),
    ("duplicate names", pod("containers: [{name: c, image: a}, {name: c, image: b}]"),
     'spec.containers[1].name: Duplicate value: "c"'),
    ("image required", pod("containers: [{name: c}]"), "spec.containers[0].image: Required value"),
    ("container port range", pod("containers: [{name: c, image: a, ports: [{containerPort: 70000}]}]"),
     "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ("port protocol", pod("containers: [{name: c, image: a, ports: [{containerPort: 80, protocol: HTTP}]}]"),
     'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
    ("port name", pod("containers: [{name: c, image: a, ports: [{name: '8080', containerPort: 80}]}]"),
     'spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)'),
    ("env name", pod("containers: [{name: c, image: a, env: [{name: 1BAD, value: x}]}]"),
     'spec.containers[0].env[0].name: Invalid value: "1BAD": ' + ENV_MSG),
    ("requests over limits",
     pod("containers: [{name: c, image: a, resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}}]"),
     'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ("negative request", pod("containers: [{name: c, image: a, resources: {requests: {memory: -1Mi}}}]"),
     'spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0'),
    ("bad resource name", pod("containers: [{name: c, image: a, resources: {requests: {gpu: '1'}}}]"),
     'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers'),
    ("extended resource must be whole",
     pod("containers: [{name: c, image: a, resources: {limits: {example.com/gpu: 500m}}}]"),
     "spec.containers[0].resources.limits[example.com/gpu]: Invalid value: 500m: must be an integer"),
    ("extended resource needs limit",
     pod("containers: [{name: c, image: a, resources: {requests: {example.com/gpu: '1'}}}]"),
     "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"),
    ("restartPolicy", pod("restartPolicy: Sometimes\ncontainers: [{name: c, image: a}]"),
     'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    ("dnsPolicy", pod("dnsPolicy: Google\ncontainers: [{name: c, image: a}]"),
     'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", '
     '"ClusterFirst", "Default", "None"'),
    ("nodeName", pod("nodeName: Node_1\ncontainers: [{name: c, image: a}]"),
     'spec.nodeName: Invalid value: "Node_1": ' + SUBDOMAIN_MSG),
    ("pull policy", pod("containers: [{name: c, image: a, imagePullPolicy: Sometimes}]"),
     'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", '
     '"IfNotPresent", "Never"'),
    ("toleration without key", pod("tolerations: [{operator: Equal, value: x}]\ncontainers: [{name: c, image: a}]"),
     'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, '
     'which means "match all values and all keys"'),
    ("toleration seconds", pod("tolerations: [{key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}]\n"
                               "containers: [{name: c, image: a}]"),
     "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
     "`tolerationSeconds` is set"),
    ("toleration effect", pod("tolerations: [{key: k, operator: Exists, effect: Never}]\n"
                              "containers: [{name: c, image: a}]"),
     'spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", '
     '"PreferNoSchedule", "NoExecute"'),
    ("toleration operator", pod("tolerations: [{key: k, operator: In}]\ncontainers: [{name: c, image: a}]"),
     'spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"'),
    ("affinity operator", pod("""
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: Near, values: [a]}]}]
containers: [{name: c, image: a}]"""),
     'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]'
     '.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'),
    ("affinity In without values", pod("""
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In}]}]
containers: [{name: c, image: a}]"""),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
     ".matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    ("affinity weight", pod("""
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 101
      podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: x}}}
containers: [{name: c, image: a}]"""),
     "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
     "Invalid value: 101: must be in the range 1-100"),
    ("volume name", pod("volumes: [{name: Data, emptyDir: {}}]\ncontainers: [{name: c, image: a}]"),
     'spec.volumes[0].name: Invalid value: "Data": ' + LABEL_MSG),
    ("volume type", pod("volumes: [{name: data}]\ncontainers: [{name: c, image: a}]"),
     "spec.volumes[0]: Required value: must specify a volume type"),
    ("volume mount not found",
     pod("containers: [{name: c, image: a, volumeMounts: [{name: data, mountPath: /d}]}]"),
     'spec.containers[0].volumeMounts[0].name: Not found: "data"'),
    ("activeDeadlineSeconds", pod("activeDeadlineSeconds: 0\ncontainers: [{name: c, image: a}]"),
     "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"),
    ("pod name", pod("containers: [{name: c, image: a}]", name="Bad_Name"),
     'metadata.name: Invalid value: "Bad_Name": ' + SUBDOMAIN_MSG),
    ("label value", """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, labels: {app: -web}}
spec: {containers: [{name: c, image: a}]}
""", 'metadata.labels: Invalid value: "-web": a valid label must be an empty string or consist of alphanumeric '
     "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
     "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    # --- Deployment
    ("replicas", deploy("  replicas: -1"), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ("selector required", deploy(selector="null"), "spec.selector: Required value"),
    ("selector required also mismatches", deploy(selector="null"),
     'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match '
     "template `labels`"),
    ("empty selector", deploy(selector="{}"),
     "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
     "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"),
    ("selector mismatch", deploy(labels="{app: other}"),
     'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match '
     "template `labels`"),
    ("template restartPolicy", deploy(pod_extra="      restartPolicy: OnFailure"),
     'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'),
    ("surge and unavailable both 0",
     deploy("  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}"),
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ("maxUnavailable percent", deploy("  strategy: {rollingUpdate: {maxUnavailable: 120%}}"),
     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 120%: must not be greater than 100%"),
    ("maxSurge not a percent", deploy("  strategy: {rollingUpdate: {maxSurge: lots}}"),
     "spec.strategy.rollingUpdate.maxSurge: Invalid value: lots: a valid percent string must be a numeric string "
     "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
    ("recreate with rollingUpdate", deploy("  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}"),
     "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"),
    ("strategy type", deploy("  strategy: {type: BlueGreen}"),
     'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", '
     'RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'),
    ("revisionHistoryLimit", deploy("  revisionHistoryLimit: -2"),
     "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0"),
    ("progressDeadline", deploy("  minReadySeconds: 30\n  progressDeadlineSeconds: 10"),
     "spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"),
    ("template container", deploy(containers="[{name: web}]"),
     "spec.template.spec.containers[0].image: Required value"),
    ("template labels path quirk", deploy(labels="{app: web, -x: y}"),
     'spec.template.labels: Invalid value: "-x": name part must consist of alphanumeric characters, \'-\', \'_\' '
     "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
     "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
    ("selector operator", deploy(selector="{matchExpressions: [{key: app, operator: Has}]}"),
     'spec.selector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator'),
    # --- ReplicaSet / DaemonSet / StatefulSet
    ("replicaset empty selector (upstream says deployment)", """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: default}
spec:
  selector: {}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: a}]}}
""", "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
     "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"),
    ("daemonset surge and unavailable", """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: default}
spec:
  selector: {matchLabels: {a: b}}
  updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: a}]}}
""", "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"),
    ("daemonset both zero", """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: default}
spec:
  selector: {matchLabels: {a: b}}
  updateStrategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: a}]}}
""", "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"),
    ("statefulset name is a DNS label", """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db.prod, namespace: default}
spec:
  selector: {matchLabels: {a: b}}
  serviceName: db
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: a}]}}
""", 'metadata.name: Invalid value: "db.prod": must not contain dots'),
    ("statefulset podManagementPolicy", """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  selector: {matchLabels: {a: b}}
  podManagementPolicy: Random
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: a}]}}
""", "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"),
    # --- Job
    ("job restartPolicy", """
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: default}
spec:
  template: {spec: {containers: [{name: c, image: a}]}}
""", 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'),
    ("job backoffLimit", """
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: default}
spec:
  backoffLimit: -1
  completions: -2
  parallelism: -3
  template: {spec: {restartPolicy: Never, containers: [{name: c, image: a}]}}
""", "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"),
    ("job indexed needs completions", """
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: default}
spec:
  completionMode: Indexed
  parallelism: 2
  template: {spec: {restartPolicy: Never, containers: [{name: c, image: a}]}}
""", "spec.completions: Required value: when completion mode is Indexed"),
    # --- Service
    ("service ports", """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}}
""", "spec.ports: Required value"),
    ("service name is DNS-1035", """
apiVersion: v1
kind: Service
metadata: {name: 1web, namespace: default}
spec: {ports: [{port: 80}]}
""", 'metadata.name: Invalid value: "1web": ' + DNS1035_MSG),
    ("service type", """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: Internal, ports: [{port: 80}]}
""", 'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", '
     '"LoadBalancer", "NodePort"'),
    ("service port names required", """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 80}, {port: 443}]}
""", "spec.ports[0].name: Required value"),
    ("service clusterIP", """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {clusterIP: 10.0.0.300, ports: [{port: 80}]}
""", 'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'),
    ("service nodePort on ClusterIP", """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 80, nodePort: 30080}]}
""", "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    # --- ConfigMap / Secret / Namespace / Node
    ("configmap key", """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: default}
data: {"bad key": x}
""", "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, "
     "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
     "'[-._a-zA-Z0-9]+')"),
    ("tls secret", """
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: default}
type: kubernetes.io/tls
data: {tls.crt: Zm9v}
""", "data[tls.key]: Required value"),
    ("namespace name", """
apiVersion: v1
kind: Namespace
metadata: {name: Team.A}
""", 'metadata.name: Invalid value: "Team.A": ' + LABEL_MSG),
    ("node taint effect", """
apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {taints: [{key: k, effect: Sometimes}]}
""", 'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", '
     '"PreferNoSchedule", "NoExecute"'),
    ("node duplicate taint", """
apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {taints: [{key: k, effect: NoSchedule}, {key: k, value: v, effect: NoSchedule}]}
""", 'spec.taints[1]: Duplicate value: core.Taint{Key:"k", Value:"v", Effect:"NoSchedule", '
     'TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair'),
]


@pytest.mark.parametrize("name,manifest,expected", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_manifests(name, manifest, expected):
    got = errs_of(manifest)
    assert expected in got, "\n".join(got)


def test_at_least_25_invalid_cases():
    assert len(INVALID) >= 25


def test_invalid_status_as_kubectl_shows_it():
    o = obj(deploy("  replicas: -1"))
    errs = V.validate_object(o)
    e = E.new_invalid(o.group_kind(), o.metadata.name, errs)
    assert E.kubectl_message(e) == \
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    assert str(e) == ('Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: '
                      'must be greater than or equal to 0')


def test_bad_quantity_is_a_decode_error():
    o = obj(deploy(containers="[{name: web, image: nginx, resources: {requests: {cpu: abc}}}]"))
    with pytest.raises(E.StatusError) as ei:
        V.validate_object(o)
    e = ei.value
    assert (e.code, e.reason) == (400, "BadRequest")
    assert str(e) == 'Deployment in version "v1" cannot be handled as a Deployment: ' + ERR_FORMAT_WRONG
    assert E.kubectl_message(e, "creating", "STDIN") == (
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be '
        'handled as a Deployment: ' + ERR_FORMAT_WRONG)


# --- updates

def _updated(text, mutate):
    old = obj(text)
    old.metadata.resource_version = "5"
    new = old.model_copy(deep=True)
    mutate(new)
    return [str(e) for e in V.validate_object_update(new, old)]


def test_deployment_selector_immutable():
    def m(d):
        d.spec.selector.match_labels = {"app": "web2"}
        d.spec.template.metadata.labels = {"app": "web2"}
    assert _updated(deploy(), m) == [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, '
        'MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']


def test_deployment_scale_is_fine():
    def m(d):
        d.spec.replicas = 5
    assert _updated(deploy(), m) == []


def test_pod_image_update_allowed_but_not_ports():
    p = pod("containers: [{name: c, image: nginx:1}]")

    def image(x):
        x.spec.containers[0].image = "nginx:2"
    assert _updated(p, image) == []

    def node(x):
        x.spec.node_selector = {"disk": "ssd"}
    got = _updated(p, node)
    assert len(got) == 1 and got[0].startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)\n")


def test_statefulset_forbidden_update():
    sts = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  selector: {matchLabels: {a: b}}
  serviceName: db
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: a}]}}
"""

    def m(s):
        s.spec.service_name = "other"
    assert _updated(sts, m) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]


def test_configmap_immutable():
    cm = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: default}
immutable: true
data: {a: "1"}
"""

    def m(c):
        c.data = {"a": "2"}
    assert _updated(cm, m) == ["data: Forbidden: field is immutable when `immutable` is set"]


def test_metadata_name_immutable():
    def m(d):
        d.metadata.name = "web2"
    assert 'metadata.name: Invalid value: "web2": field is immutable' in _updated(deploy(), m)


def test_status_update_skips_spec_rules():
    old = obj(deploy())
    new = old.model_copy(deep=True)
    new.spec.replicas = -1
    assert V.validate_object_update(new, old, "status") == []

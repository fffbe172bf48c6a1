"""kubectl get flowschemas / prioritylevelconfigurations: the columns and cells of
pkg/printers/internalversion/printers.go printFlowSchema(List) and
printPriorityLevelConfiguration, on the bootstrap objects (apis/flowcontrol/bootstrap/default.go)."""

from kubelab.api import decode
from kubelab.api.base import rfc3339
from kubelab.apiserver import flowcontrol
from kubelab.http.table import table
from kubelab.kubectl.printers import print_table

NOW = 3 * 86400.0


def bootstrap(kind):
    out = []
    for o in flowcontrol.bootstrap_objects():
        if o.KIND == kind:
            o.metadata.creation_timestamp = rfc3339(0)
            out.append(o)
    return sorted(out, key=lambda o: o.metadata.name)  # as a list comes back: by name


def test_get_flowschemas_sorts_by_matching_precedence_and_shows_missing_pl_unknown_before_status():
    """upstream: printers.go printFlowSchemaList sorts a FlowSchemaSequence (precedence, then
    name); MISSINGPL is "?" until the Dangling condition is written, <none> without a distinguisher."""
    assert print_table(bootstrap("FlowSchema"), NOW) == """\
NAME                           PRIORITYLEVEL     MATCHINGPRECEDENCE   DISTINGUISHERMETHOD   AGE   MISSINGPL
exempt                         exempt            1                    <none>                3d    ?
probes                         exempt            2                    <none>                3d    ?
system-leader-election         leader-election   100                  ByUser                3d    ?
endpoint-controller            workload-high     150                  ByUser                3d    ?
workload-leader-election       leader-election   200                  ByUser                3d    ?
system-node-high               node-high         400                  ByUser                3d    ?
system-nodes                   system            500                  ByUser                3d    ?
kube-controller-manager        workload-high     800                  ByNamespace           3d    ?
kube-scheduler                 workload-high     800                  ByNamespace           3d    ?
kube-system-service-accounts   workload-high     900                  ByNamespace           3d    ?
service-accounts               workload-low      9000                 ByUser                3d    ?
global-default                 global-default    9900                 ByUser                3d    ?
catch-all                      catch-all         10000                ByUser                3d    ?
"""


def test_missing_pl_is_the_dangling_conditions_status():
    """upstream: printers.go printFlowSchema: the status of the Dangling condition."""
    fs = decode({"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
                 "metadata": {"name": "mine", "creationTimestamp": rfc3339(NOW - 30)},
                 "spec": {"priorityLevelConfiguration": {"name": "gone"}, "matchingPrecedence": 500},
                 "status": {"conditions": [{"type": "Dangling", "status": "True", "reason": "NotFound"}]}})
    assert print_table([fs], NOW).splitlines()[1].split() == ["mine", "gone", "500", "<none>", "30s", "True"]


def test_get_prioritylevelconfigurations_prints_none_for_exempt_and_reject_levels():
    """upstream: printers.go printPriorityLevelConfiguration: shares only for a Limited level,
    queues, handSize and queueLengthLimit only when it queues."""
    assert print_table(bootstrap("PriorityLevelConfiguration"), NOW) == """\
NAME              TYPE      NOMINALCONCURRENCYSHARES   QUEUES   HANDSIZE   QUEUELENGTHLIMIT   AGE
catch-all         Limited   5                          <none>   <none>     <none>             3d
exempt            Exempt    <none>                     <none>   <none>     <none>             3d
global-default    Limited   20                         128      6          50                 3d
leader-election   Limited   10                         16       4          50                 3d
node-high         Limited   40                         64       6          50                 3d
system            Limited   30                         64       6          50                 3d
workload-high     Limited   40                         128      6          50                 3d
workload-low      Limited   100                        128      6          50                 3d
"""


def test_the_servers_table_has_the_same_columns_and_order():
    """upstream: the server-side Table (TableConvertor over printers.go) kubectl lays out."""
    t = table("FlowSchema", bootstrap("FlowSchema"), NOW)
    assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "PriorityLevel", "MatchingPrecedence",
                                                          "DistinguisherMethod", "Age", "MissingPL"]
    assert [r["cells"][0] for r in t["rows"]][:3] == ["exempt", "probes", "system-leader-election"]
    t = table("PriorityLevelConfiguration", bootstrap("PriorityLevelConfiguration"), NOW)
    assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "Type", "NominalConcurrencyShares", "Queues",
                                                          "HandSize", "QueueLengthLimit", "Age"]

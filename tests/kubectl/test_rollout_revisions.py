"""kubectl rollout history / undo / status for DaemonSets and StatefulSets, and
``kubectl get controllerrevisions``.

Upstream: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/history.go (DaemonSetHistoryViewer,
StatefulSetHistoryViewer, printHistory, printTemplate), rollback.go (DaemonSetRollbacker,
StatefulSetRollbacker, findHistory, printPodTemplate), rollout_status.go (DaemonSetStatusViewer,
StatefulSetStatusViewer), pkg/cmd/rollout/rollout_history.go and rollout_undo.go (the name
printer with the result as the operation), pkg/printers/internalversion/printers.go
printControllerRevision. The same outputs are checked byte for byte against the real kubectl
in tests/http/test_kubectl_revisions.py.
"""

from __future__ import annotations

import re

import pytest

import kubelab as kl
from kubelab.api import decode
from kubelab.kubectl import Kubectl, MemorySource

APPS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "busybox:1.36"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16"}]
"""


@pytest.fixture(scope="module")
def running():
    c = kl.Cluster(masters=1, seed=3)
    c.add_node(kl.VM("vm-1", cpu="8", memory="16Gi"))
    c.add_node(kl.VM("vm-2", cpu="8", memory="16Gi"))
    c.run(5)
    k = Kubectl(c.api)
    assert k("apply -f -", stdin=APPS) == "daemonset.apps/agent created\nstatefulset.apps/db created\n"
    c.run(60)
    return c, k


def test_get_controllerrevisions_prints_name_controller_revision_age(running):
    """printers.go printControllerRevision: CONTROLLER is ``<kind>.<group>/<name>``."""
    c, k = running
    lines = k("get controllerrevisions").splitlines()
    assert lines[0].split() == ["NAME", "CONTROLLER", "REVISION", "AGE"]
    rows = [ln.split() for ln in lines[1:]]
    assert [(r[1], r[2]) for r in rows] == [("daemonset.apps/agent", "1"), ("statefulset.apps/db", "1")]
    assert re.fullmatch(r"agent-[bcdfghjklmnpqrstvwxz2456789]+", rows[0][0])
    assert re.fullmatch(r"db-[bcdfghjklmnpqrstvwxz2456789]+", rows[1][0])


def test_history_status_and_undo_of_a_daemonset_and_a_statefulset(running):
    """history.go printHistory, rollback.go, rollout_status.go, end to end."""
    c, k = running
    assert k("rollout history ds/agent") == "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n\n"
    assert k("rollout history sts/db") == "statefulset.apps/db \nREVISION  CHANGE-CAUSE\n1         <none>\n\n"
    assert k("rollout status ds/agent") == 'daemon set "agent" successfully rolled out\n'
    # the set's default partition (0) makes it a partitioned roll out
    assert k("rollout status sts/db") == "partitioned roll out complete: 2 new pods have been updated...\n"
    assert k("rollout undo ds/agent") == "error: no last revision to roll back to\n"
    assert k("set image ds/agent agent=busybox:1.37") == "daemonset.apps/agent image updated\n"
    assert k("set image sts/db db=postgres:17") == "statefulset.apps/db image updated\n"
    c.run(1)
    assert k("rollout status ds/agent") == (
        'Waiting for daemon set "agent" rollout to finish: 0 out of 2 new pods have been updated...\n')
    assert k("rollout status sts/db") == (
        "Waiting for partitioned roll out to finish: 0 out of 2 new pods have been updated...\n")
    c.run(90)
    assert k("rollout history ds/agent") == (
        "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n")
    # printTemplate writes straight into a buffer: the tabs are not aligned
    one = k("rollout history sts/db --revision=1")
    assert one.startswith("statefulset.apps/db with revision #1\nPod Template:\n  Labels:\tapp=db\n")
    assert "    Image:\tpostgres:16\n" in one and one.endswith("  Tolerations:\t<none>\n\n")
    assert k("rollout history sts/db --revision=9") == "error: unable to find the specified revision\n"
    dry = k("rollout undo ds/agent --dry-run=client")
    assert dry.startswith("daemonset.apps/agent will roll back to Pod Template:\n")
    assert "Image:\tbusybox:1.36" in dry and dry.endswith("\n (dry run)\n")
    assert c.get("DaemonSet", "agent").spec.template.spec.containers[0].image == "busybox:1.37"  # a dry run
    assert k("rollout undo ds/agent --to-revision=7") == "error: unable to find specified revision 7 in history\n"
    assert k("rollout undo ds/agent --to-revision=2") == (
        "daemonset.apps/agent skipped rollback (current template already matches revision 2)\n")
    assert k("rollout undo ds/agent") == "daemonset.apps/agent rolled back\n"
    assert k("rollout undo sts/db --to-revision=1") == "statefulset.apps/db rolled back\n"
    c.run(90)
    assert c.get("DaemonSet", "agent").spec.template.spec.containers[0].image == "busybox:1.36"
    assert {p.spec.containers[0].image for p in c.list("Pod", "default") if p.name.startswith("db-")} == {"postgres:16"}
    # the controllers renumber the restored revision (constructHistory / getStatefulSetRevisions)
    assert k("rollout history ds/agent") == (
        "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n")
    assert k("rollout history sts/db") == (
        "statefulset.apps/db \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n")
    revs = {ln.split()[0]: ln.split()[2] for ln in k("get controllerrevisions").splitlines()[1:]}
    pod_hashes = {p.metadata.labels["controller-revision-hash"] for p in c.list("Pod", "default") if p.name.startswith("agent-")}
    assert {revs[f"agent-{h}"] for h in pod_hashes} == {"3"}


def _ds(**status):
    return decode({"apiVersion": "apps/v1", "kind": "DaemonSet",
                   "metadata": {"name": "agent", "namespace": "default", "generation": 2},
                   "spec": {"selector": {"matchLabels": {"app": "a"}}, "updateStrategy": {"type": "RollingUpdate"},
                            "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "image": "a"}]}}},
                   "status": dict({"observedGeneration": 2, "desiredNumberScheduled": 3}, **status)})


def _sts(strategy, replicas=3, **status):
    return decode({"apiVersion": "apps/v1", "kind": "StatefulSet",
                   "metadata": {"name": "db", "namespace": "default", "generation": 2},
                   "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "d"}}, "updateStrategy": strategy,
                            "template": {"metadata": {"labels": {"app": "d"}}, "spec": {"containers": [{"name": "d", "image": "d"}]}}},
                   "status": dict({"observedGeneration": 2}, **status)})


@pytest.mark.parametrize("obj, want", [
    (_ds(updatedNumberScheduled=1, numberAvailable=3),
     'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...\n'),
    (_ds(updatedNumberScheduled=3, numberAvailable=2),
     'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...\n'),
    (_ds(updatedNumberScheduled=3, numberAvailable=3, observedGeneration=1),
     "Waiting for daemon set spec update to be observed...\n"),
    (_sts({"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}, readyReplicas=2),
     "Waiting for 1 pods to be ready...\n"),
    (_sts({"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}, readyReplicas=3, updatedReplicas=1),
     "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n"),
    (_sts({"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}, readyReplicas=3, updatedReplicas=2),
     "partitioned roll out complete: 2 new pods have been updated...\n"),
    (_sts({"type": "RollingUpdate"}, readyReplicas=3, updatedReplicas=1, currentRevision="db-a", updateRevision="db-b"),
     "waiting for statefulset rolling update to complete 1 pods at revision db-b...\n"),
    (_sts({"type": "RollingUpdate"}, readyReplicas=3, currentReplicas=3, currentRevision="db-b", updateRevision="db-b"),
     "statefulset rolling update complete 3 pods at revision db-b...\n"),
    (_sts({"type": "RollingUpdate"}, observedGeneration=0), "Waiting for statefulset spec update to be observed...\n"),
    (_sts({"type": "OnDelete"}), "error: rollout status is only available for RollingUpdate strategy type\n"),
])
def test_rollout_status_messages(obj, want):
    """rollout_status.go DaemonSetStatusViewer and StatefulSetStatusViewer, one look each."""
    k = Kubectl(MemorySource([obj]))
    assert k(f"rollout status {obj.KIND.lower()}/{obj.metadata.name}") == want


def test_rollout_history_takes_revision_not_to_revision():
    """rollout_history.go: ``--revision`` (``--to-revision`` is rollout undo's), not negative."""
    k = Kubectl(MemorySource([_ds()]))
    assert k("rollout history ds/agent --revision=-1") == "error: revision must be a positive integer: -1\n"
    assert k("rollout history ds/agent") == "daemonset.apps/agent \nNo rollout history found.\n"

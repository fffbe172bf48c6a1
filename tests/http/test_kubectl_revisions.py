"""The real kubectl against a served cluster: ControllerRevisions and the rollout commands of
DaemonSets and StatefulSets print, byte for byte, what ``cluster.kubectl`` prints
(:meth:`Script.same`), and the real kubectl's rollbacker agrees with the controllers' patch.

Upstream: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/history.go, rollback.go
(daemonSetMatch / statefulsetMatch compare the revision's Data.Raw with the patch kubectl
computes from the live object, so "skipped rollback" proves the bytes are Go's),
rollout_status.go; pkg/printers/internalversion/printers.go printControllerRevision;
pkg/controller/daemon/update.go and statefulset/stateful_set_utils.go getPatch.
"""

from __future__ import annotations

# the same real-kubectl harness, a cluster of this module's own (the fixture is module-scoped)
from .test_kubectl_script import script  # noqa: F401

APPS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "busybox:1.36", ports: [{containerPort: 80}]}]
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
      containers: [{name: db, image: "postgres:16", resources: {requests: {cpu: 100m}}}]
"""


def test_revisions_and_rollouts_as_the_real_kubectl_prints_them(script):
    s = script
    assert s.out("create -f -", stdin=APPS) == "daemonset.apps/agent created\nstatefulset.apps/db created\n"
    assert s.while_time_runs("rollout status ds/agent", seconds=60).stdout.endswith(
        'daemon set "agent" successfully rolled out\n')
    assert s.while_time_runs("rollout status sts/db", seconds=60).stdout.endswith(
        "partitioned roll out complete: 2 new pods have been updated...\n")
    for args in ("get controllerrevisions", "get controllerrevisions -A", "rollout history ds/agent",
                 "rollout history sts/db", "rollout history ds/agent --revision=1",
                 "rollout history sts/db --revision=3", "rollout status ds/agent --watch=false",
                 "rollout status sts/db --watch=false", "rollout undo sts/db", "get ds agent -o yaml"):
        s.same(args)
    # one revision, the live template's: kubectl 1.32's match finds its own Go bytes in Data.Raw.
    # version skew: from 1.35 the API types omit a zero creationTimestamp (omitzero), so kubectl
    # 1.37's patch lacks the "creationTimestamp":null a 1.34 controller writes, and it patches
    skipped = "skipped rollback (current template already matches revision 1)"
    result = skipped if s.version == "1.32" else "rolled back"
    assert s.out("rollout undo ds/agent --to-revision=1") == f"daemonset.apps/agent {result}\n"
    assert s.out("rollout undo sts/db --to-revision=1") == f"statefulset.apps/db {result}\n"
    assert s.out("set image ds/agent agent=busybox:1.37") == "daemonset.apps/agent image updated\n"
    assert s.out("set image sts/db db=postgres:17") == "statefulset.apps/db image updated\n"
    s.handle.run(1)
    for args in ("rollout status ds/agent --watch=false", "rollout status sts/db --watch=false",
                 "rollout history ds/agent", "rollout history sts/db --revision=2", "get controllerrevisions",
                 "rollout undo ds/agent --dry-run=client", "rollout undo sts/db --dry-run=client"):
        s.same(args)
    s.while_time_runs("rollout status ds/agent", seconds=90)
    s.while_time_runs("rollout status sts/db", seconds=90)
    assert s.out("rollout undo ds/agent") == "daemonset.apps/agent rolled back\n"
    assert s.out("rollout undo sts/db") == "statefulset.apps/db rolled back\n"
    s.while_time_runs("rollout status ds/agent", seconds=90)
    s.while_time_runs("rollout status sts/db", seconds=90)
    for args in ("rollout history ds/agent", "rollout history sts/db", "get controllerrevisions",
                 "get controllerrevisions -o wide", "get pods -L controller-revision-hash,pod-template-generation"):
        s.same(args)
    name = s.out("get controllerrevisions -o name").splitlines()[0]
    s.same(f"get {name} -o yaml")

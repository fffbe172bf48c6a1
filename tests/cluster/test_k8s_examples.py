"""Real manifests from Kubernetes' own examples (../shared/k8s-examples): what the official
schema accepts, kubelab accepts; what it refuses, kubelab refuses with a clear error."""

import csv
from pathlib import Path

import pytest
import yaml

import kubelab as kl
from kubelab.api import errors

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "k8s-examples"
ROWS = list(csv.DictReader(open(EXAMPLES / "INDEX.tsv"), delimiter="\t")) if (EXAMPLES / "INDEX.tsv").exists() else []
needs_examples = pytest.mark.skipif(not ROWS, reason=f"../shared/k8s-examples is not here ({EXAMPLES})")


@pytest.fixture(scope="module")
def cluster():
    return kl.Cluster(masters=1, seed=1)


# Schema-valid, but the real API server's semantic validation refuses them too:
REFUSED_BY_THE_REAL_SERVER = {
    # container port protocols are case-sensitive: "TCP", not "tcp" (validateContainerPorts)
    "aws-web": 'spec.containers[0].ports[0].protocol: Unsupported value: "tcp"',
    # a template with its $ITEM placeholder never substituted is not a valid name
    "process-item-$ITEM": 'metadata.name: Invalid value: "process-item-$ITEM"',
}


def _manifest(row):
    return yaml.safe_load(open(EXAMPLES / row["file"]))


@needs_examples
@pytest.mark.parametrize("row", [r for r in ROWS if r["schema_strict"] == "valid"], ids=lambda r: r["file"][:80])
def test_valid_examples_are_accepted(cluster, row):
    doc = _manifest(row)
    # each example in a namespace of its own: several share names (nginx, my-nginx...)
    ns = "ex-" + str(ROWS.index(row))
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    if doc["kind"] != "Namespace":
        doc.setdefault("metadata", {})["namespace"] = ns
    if row["name"] in REFUSED_BY_THE_REAL_SERVER:
        with pytest.raises(errors.StatusError) as e:
            cluster.apply(doc)
        assert e.value.code == 422 and REFUSED_BY_THE_REAL_SERVER[row["name"]] in str(e.value)
        return
    out = cluster.apply(doc)
    assert out and out[0].action == "created"


@needs_examples
@pytest.mark.parametrize("row", [r for r in ROWS if r["schema_strict"] != "valid"], ids=lambda r: r["file"][:80])
def test_invalid_examples_are_refused_and_change_nothing(cluster, row):
    before = cluster.etcd.leader.kv.rev
    with pytest.raises((errors.StatusError, kl.ManifestError)) as e:
        cluster.apply(_manifest(row))
    assert str(e.value)
    assert cluster.etcd.leader.kv.rev == before

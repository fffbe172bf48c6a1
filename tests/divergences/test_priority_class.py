"""PriorityClass validation (pkg/apis/scheduling/validation/validation.go) and the Priority
admission plugin's single default (plugin/pkg/admission/priority/admission.go)."""

import json

import pytest

import kubelab as kl


def pc(name, value, **more):
    return json.dumps({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                       "metadata": {"name": name}, "value": value, **more})


@pytest.fixture(scope="module")
def cluster():
    return kl.Cluster(masters=1, seed=1)


@pytest.mark.parametrize("body, message", [
    (pc("huge", 1000000001),
     'PriorityClass.scheduling.k8s.io "huge" is invalid: value: Forbidden: maximum allowed value of a user '
     "defined priority is 1000000000"),
    (pc("system-mine", 10),
     'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names '
     "with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"),
    (pc("p", 10, preemptionPolicy="Sometimes"),
     'PriorityClass.scheduling.k8s.io "p" is invalid: preemptionPolicy: Unsupported value: "Sometimes": '
     'supported values: "PreemptLowerPriority", "Never"'),
])
def test_invalid_priority_classes_are_refused(cluster, body, message):
    out = str(cluster.kubectl("apply -f -", stdin=body)).strip()
    assert out.endswith(message), out
    assert "huge" not in cluster.kubectl("get priorityclasses")


def test_a_billion_is_the_highest_user_value_and_it_cannot_change(cluster):
    assert str(cluster.kubectl("apply -f -", stdin=pc("top", 1000000000))).strip() == \
        "priorityclass.scheduling.k8s.io/top created"
    out = str(cluster.kubectl("apply -f -", stdin=pc("top", 5))).strip()
    assert out.endswith('PriorityClass.scheduling.k8s.io "top" is invalid: value: Forbidden: '
                        "may not be changed in an update."), out


def test_only_one_priority_class_may_be_the_global_default(cluster):
    assert str(cluster.kubectl("apply -f -", stdin=pc("normal", 100, globalDefault=True))).strip() == \
        "priorityclass.scheduling.k8s.io/normal created"
    out = str(cluster.kubectl("apply -f -", stdin=pc("other", 50, globalDefault=True))).strip()
    assert out.endswith('priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already '
                        "marked as default. Only one default can exist"), out
    # the default itself may be re-applied
    assert str(cluster.kubectl("apply -f -", stdin=pc("normal", 100, globalDefault=True))).strip() == \
        "priorityclass.scheduling.k8s.io/normal unchanged"

"""API Priority and Fairness configuration as API objects (flowcontrol.apiserver.k8s.io/v1):
the API server creates the bootstrap FlowSchemas and PriorityLevelConfigurations at start
(the priority-and-fairness-config-producer post-start hook, pkg/registry/flowcontrol/rest),
keeps them as upstream's ensurer does (pkg/registry/flowcontrol/ensurer), and its flow
control reads them back (util/flowcontrol/apf_controller.go, the config consumer)."""

import pytest

from kubelab.api import decode, errors
from kubelab.apiserver import flowcontrol
from kubelab.apiserver.user import ADMIN, UserInfo

FS_API = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema"}
PL_API = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration"}
AUTOUPDATE = "apf.kubernetes.io/autoupdate-spec"


def flow_schema(name, spec, annotations=None):
    return decode({**FS_API, "metadata": {"name": name, "annotations": annotations or {}}, "spec": spec})


def level(name, spec, annotations=None):
    return decode({**PL_API, "metadata": {"name": name, "annotations": annotations or {}}, "spec": spec})


def objects(world, kind):
    return {o.metadata.name: o for o in world.server.caches[kind].list()}


def classify_admin(world):
    return world.server.flowcontrol.classify("create", "apps", "deployments", "default", ADMIN)


# -- the bootstrap configuration --------------------------------------------------------------------
def test_the_server_creates_upstreams_bootstrap_flow_schemas(world):
    """upstream: apis/flowcontrol/bootstrap/default.go (v1.34): 13 FlowSchemas, each with the
    autoupdate-spec annotation "true" and, once the config consumer has read them, Dangling False."""
    got = {name: (fs.spec.priority_level_configuration.name, fs.spec.matching_precedence,
                  fs.spec.distinguisher_method.type if fs.spec.distinguisher_method else None)
           for name, fs in objects(world, "FlowSchema").items()}
    assert got == {
        "exempt": ("exempt", 1, None),
        "probes": ("exempt", 2, None),
        "system-leader-election": ("leader-election", 100, "ByUser"),
        "endpoint-controller": ("workload-high", 150, "ByUser"),
        "workload-leader-election": ("leader-election", 200, "ByUser"),
        "system-node-high": ("node-high", 400, "ByUser"),
        "system-nodes": ("system", 500, "ByUser"),
        "kube-controller-manager": ("workload-high", 800, "ByNamespace"),
        "kube-scheduler": ("workload-high", 800, "ByNamespace"),
        "kube-system-service-accounts": ("workload-high", 900, "ByNamespace"),
        "service-accounts": ("workload-low", 9000, "ByUser"),
        "global-default": ("global-default", 9900, "ByUser"),
        "catch-all": ("catch-all", 10000, "ByUser"),
    }
    for fs in objects(world, "FlowSchema").values():
        assert fs.metadata.annotations == {AUTOUPDATE: "true"}
        assert fs.metadata.generation == 1
        cond = fs.condition("Dangling")
        assert (cond.status, cond.reason) == ("False", "Found")
    probes = objects(world, "FlowSchema")["probes"].to_dict()["spec"]["rules"]
    assert probes == [{"subjects": [{"kind": "Group", "group": {"name": "system:unauthenticated"}},
                                    {"kind": "Group", "group": {"name": "system:authenticated"}}],
                       "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/readyz", "/livez"]}]}]


def test_the_server_creates_upstreams_bootstrap_priority_levels(world):
    """upstream: apis/flowcontrol/bootstrap/default.go (v1.34): 8 levels with their
    nominalConcurrencyShares, lendablePercent and queuing; exempt has shares 0, catch-all Rejects."""
    pls = objects(world, "PriorityLevelConfiguration")
    assert pls["exempt"].to_dict()["spec"] == {"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0,
                                                                          "lendablePercent": 0}}
    assert pls["catch-all"].to_dict()["spec"] == {"type": "Limited", "limited": {
        "nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}, "lendablePercent": 0}}
    got = {}
    for name, pl in pls.items():
        lim = pl.spec.limited
        if lim is None or lim.limit_response.queuing is None:
            continue
        q = lim.limit_response.queuing
        got[name] = (lim.nominal_concurrency_shares, lim.lendable_percent, q.queues, q.hand_size, q.queue_length_limit)
    assert got == {
        "system": (30, 33, 64, 6, 50),
        "node-high": (40, 25, 64, 6, 50),
        "leader-election": (10, 0, 16, 4, 50),
        "workload-high": (40, 50, 128, 6, 50),
        "workload-low": (100, 90, 128, 6, 50),
        "global-default": (20, 50, 128, 6, 50),
    }


def test_the_objects_are_built_from_flowcontrols_one_configuration():
    """One source of truth: bootstrap_objects() turns flowcontrol.py's PRIORITY_LEVELS and
    FLOW_SCHEMAS into the objects, and the config consumer's conversion gives them back."""
    objs = flowcontrol.bootstrap_objects()
    pls = [o for o in objs if o.KIND == "PriorityLevelConfiguration"]
    fss = [o for o in objs if o.KIND == "FlowSchema"]
    assert tuple(flowcontrol.priority_level_from_object(o) for o in pls) == flowcontrol.PRIORITY_LEVELS
    assert tuple(fs for o in fss for fs in flowcontrol.flow_schemas_from_object(o)) == flowcontrol.FLOW_SCHEMAS


# -- the config consumer ------------------------------------------------------------------------------
def test_the_limits_come_from_the_objects_shares(world):
    """upstream: apf_controller.go: NominalCL = ceil(ServerCL * NCS / sum NCS) over the levels
    read from the API (600 seats; shares 0+30+40+10+40+100+20+5 = 245)."""
    limits = {n: s.concurrency_limit for n, s in world.server.flowcontrol.levels.items()}
    assert limits == {"exempt": 0, "system": 74, "node-high": 98, "leader-election": 25, "workload-high": 98,
                      "workload-low": 245, "global-default": 49, "catch-all": 13}


def test_an_administrator_who_turns_off_autoupdate_can_change_a_levels_shares(world):
    """upstream: ensurer.go shouldUpdateSpec: with apf.kubernetes.io/autoupdate-spec "false" the
    server leaves the edit alone; the consumer recomputes every level's limit (600 * 40 / 265)."""
    world.do(world.client.patch("prioritylevelconfigurations", "global-default", None, {
        "metadata": {"annotations": {AUTOUPDATE: "false"}},
        "spec": {"limited": {"nominalConcurrencyShares": 40}}}, "merge"))
    world.sim.run_for(0.1)
    levels = world.server.flowcontrol.levels
    assert levels["global-default"].concurrency_limit == 91
    assert levels["workload-low"].concurrency_limit == 227  # ceil(600 * 100 / 265)
    world.sim.run_for(61)  # the ensurer's next pass
    pl = objects(world, "PriorityLevelConfiguration")["global-default"]
    assert pl.spec.limited.nominal_concurrency_shares == 40 and pl.metadata.generation == 2
    assert levels["global-default"].concurrency_limit == 91


def test_an_edit_that_keeps_autoupdate_true_is_put_back_within_a_minute(world):
    """upstream: ensurer.go ReviseIfNeeded: a suggested object whose annotation is "true" gets
    the bootstrap spec back at the ensurer's next pass (every minute)."""
    world.do(world.client.patch("prioritylevelconfigurations", "global-default", None,
                                {"spec": {"limited": {"nominalConcurrencyShares": 40}}}, "merge"))
    world.sim.run_for(0.1)
    assert world.server.flowcontrol.levels["global-default"].concurrency_limit == 91
    world.sim.run_for(61)
    pl = objects(world, "PriorityLevelConfiguration")["global-default"]
    assert pl.spec.limited.nominal_concurrency_shares == 20 and pl.metadata.generation == 3
    assert world.server.flowcontrol.levels["global-default"].concurrency_limit == 49


def test_a_flow_schema_naming_a_missing_level_is_dangling_and_ignored(world):
    """upstream: apf_controller.go digestFlowSchemasLocked: Dangling True (reason NotFound) and the
    schema takes no requests; once the level exists it is Dangling False and classifies."""
    world.do(world.client.create(flow_schema("admins-first", {
        "priorityLevelConfiguration": {"name": "admins"}, "matchingPrecedence": 500,
        "distinguisherMethod": {"type": "ByUser"},
        "rules": [{"subjects": [{"kind": "User", "user": {"name": ADMIN.name}}],
                   "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "namespaces": ["*"],
                                      "clusterScope": True}]}]})))
    world.sim.run_for(0.1)
    fs = objects(world, "FlowSchema")["admins-first"]
    cond = fs.condition("Dangling")
    assert (cond.status, cond.reason, cond.message) == (
        "True", "NotFound",
        'This FlowSchema references the PriorityLevelConfiguration object named "admins" but there is no such object')
    assert classify_admin(world).flow_schema == "global-default"

    world.do(world.client.create(level("admins", {"type": "Limited", "limited": {
        "nominalConcurrencyShares": 10, "limitResponse": {"type": "Queue", "queuing": {"queues": 16, "handSize": 4}}}})))
    world.sim.run_for(0.1)
    assert objects(world, "FlowSchema")["admins-first"].condition("Dangling").status == "False"
    c = classify_admin(world)
    assert (c.flow_schema, c.priority_level) == ("admins-first", "admins")
    assert world.server.flowcontrol.levels["admins"].concurrency_limit == 24  # ceil(600 * 10 / 255)


def test_deleted_mandatory_objects_are_imagined_then_restored(world):
    """upstream: apf_controller.go imaginePL/imagineFS keep exempt and catch-all working while
    they are missing; ensurer.go EnsureConfiguration re-creates a missing object at its next pass."""
    world.do(world.client.delete("prioritylevelconfigurations", "exempt", None))
    world.do(world.client.delete("flowschemas", "catch-all", None))
    world.sim.run_for(0.1)
    assert "exempt" not in objects(world, "PriorityLevelConfiguration")
    master = UserInfo("alice", groups=("system:masters",))
    assert world.server.flowcontrol.classify("delete", "", "pods", "default", master).priority_level == "exempt"
    assert objects(world, "FlowSchema")["exempt"].condition("Dangling").status == "False"
    world.sim.run_for(61)
    assert "exempt" in objects(world, "PriorityLevelConfiguration")
    restored = objects(world, "FlowSchema")["catch-all"]
    assert restored.metadata.annotations == {AUTOUPDATE: "true"}
    assert restored.condition("Dangling").status == "False"


def test_a_mandatory_schemas_spec_is_put_back_whatever_its_annotation(world):
    """upstream: ensurer.go NewMandatoryEnsureStrategy (alwaysAutoUpdateSpec): the annotation is
    set back to "true" and the spec to the bootstrap one."""
    world.do(world.client.patch("flowschemas", "catch-all", None, {
        "metadata": {"annotations": {AUTOUPDATE: "false"}}, "spec": {"matchingPrecedence": 9999}}, "merge"))
    world.sim.run_for(61)
    fs = objects(world, "FlowSchema")["catch-all"]
    assert fs.spec.matching_precedence == 10000 and fs.metadata.annotations == {AUTOUPDATE: "true"}


def test_an_unwanted_autoupdate_object_is_removed_and_a_users_own_is_kept(world):
    """upstream: ensurer.go RemoveUnwantedObjects: an object that says autoupdate-spec "true" but
    is not a bootstrap one goes; one without the annotation is the user's."""
    spec = {"type": "Limited", "limited": {"limitResponse": {"type": "Reject"}}}
    world.do(world.client.create(level("leftover", spec, {AUTOUPDATE: "true"})))
    world.do(world.client.create(level("mine", spec)))
    world.sim.run_for(61)
    pls = objects(world, "PriorityLevelConfiguration")
    assert "leftover" not in pls and "mine" in pls
    assert pls["mine"].spec.limited.nominal_concurrency_shares == 30  # defaults.go


# -- validation (pkg/apis/flowcontrol/validation/validation.go) ------------------------------------------
RULE = {"subjects": [{"kind": "Group", "group": {"name": "team"}}],
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "namespaces": ["*"]}]}


@pytest.mark.parametrize("spec,message", [
    ({"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": -5},
     "spec.matchingPrecedence: Invalid value: -5: must be a positive value"),
    ({"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": 10001},
     "spec.matchingPrecedence: Invalid value: 10001: must not be greater than 10000"),
    ({"priorityLevelConfiguration": {"name": "global-default"}, "matchingPrecedence": 1},
     "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1"),
    ({"matchingPrecedence": 50},
     "spec.priorityLevelConfiguration.name: Required value: must reference a priority level"),
    ({"priorityLevelConfiguration": {"name": "x"}, "distinguisherMethod": {"type": "ByColour"}},
     'spec.distinguisherMethod.type: Unsupported value: flowcontrol.FlowDistinguisherMethod{Type:"ByColour"}: '
     'supported values: "ByNamespace", "ByUser"'),
    ({"priorityLevelConfiguration": {"name": "x"}, "rules": [{**RULE, "subjects": [{"kind": "Robot"}]}]},
     'spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"'),
    ({"priorityLevelConfiguration": {"name": "x"},
      "rules": [{**RULE, "subjects": [{"kind": "User", "group": {"name": "g"}}]}]},
     "[spec.rules[0].subjects[0].user: Required value: user is required when subject kind is 'User', "
     "spec.rules[0].subjects[0].group: Forbidden: group is forbidden when subject kind is not 'Group']"),
    ({"priorityLevelConfiguration": {"name": "x"},
      "rules": [{**RULE, "subjects": [{"kind": "ServiceAccount", "serviceAccount": {"name": "*"}}]}]},
     "spec.rules[0].subjects[0].serviceAccount.namespace: Required value: must specify namespace for service account"),
    ({"priorityLevelConfiguration": {"name": "x"}, "rules": [{"subjects": RULE["subjects"]}]},
     "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules has to be non-empty"),
])
def test_flow_schema_validation_messages(world, spec, message):
    """upstream: pkg/apis/flowcontrol/validation/validation.go ValidateFlowSchemaSpec and its
    subject and rule checks; a refused schema is not stored."""
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.create(flow_schema("mine", spec)))
    assert e.value.code == 422
    assert str(e.value) == f'FlowSchema.flowcontrol.apiserver.k8s.io "mine" is invalid: {message}'
    world.sim.run_for(0.1)
    assert "mine" not in objects(world, "FlowSchema")


@pytest.mark.parametrize("name,spec,message", [
    ("mine", {"type": "Exempt"},
     "spec.type: Invalid value: \"Exempt\": type must be 'Exempt' if and only if name is 'exempt'"),
    ("mine", {"type": "Sometimes"},
     'spec.type: Unsupported value: "Sometimes": supported values: "Exempt", "Limited"'),
    ("mine", {"type": "Limited"}, "spec.limited: Required value: must not be empty when type is Limited"),
    ("mine", {"type": "Limited", "limited": {"limitResponse": {"type": "Reject", "queuing": {"queues": 1}}}},
     "spec.limited.limitResponse.queuing: Forbidden: must be nil if limited.limitResponse.type is not Limited"),
    ("mine", {"type": "Limited", "limited": {"nominalConcurrencyShares": -1, "lendablePercent": 101,
                                             "limitResponse": {"type": "Queue",
                                                               "queuing": {"queues": 4, "handSize": 9}}}},
     "[spec.limited.nominalConcurrencyShares: Invalid value: -1: must be a non-negative integer, "
     "spec.limited.limitResponse.queuing.handSize: Invalid value: 9: should not be greater than queues (4), "
     "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive]"),
    ("mine", {"type": "Limited", "limited": {"limitResponse": {"type": "Queue",
                                                               "queuing": {"queues": 128, "handSize": 9}}}},
     "spec.limited.limitResponse.queuing.handSize: Invalid value: 9: required entropy bits of deckSize 128 and "
     "handSize 9 should not be greater than 60"),
])
def test_priority_level_validation_messages(world, name, spec, message):
    """upstream: pkg/apis/flowcontrol/validation/validation.go ValidatePriorityLevelConfigurationSpec,
    ValidateLimitedPriorityLevelConfiguration and ValidatePriorityLevelQueuingConfiguration."""
    with pytest.raises(errors.StatusError) as e:
        world.do(world.client.create(level(name, spec)))
    assert str(e.value) == f'PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "{name}" is invalid: {message}'


def test_a_new_level_gets_v1_defaults(world):
    """upstream: pkg/apis/flowcontrol/v1/defaults.go: shares 30, lendablePercent 0, queues 64,
    handSize 8, queueLengthLimit 50; a FlowSchema's matchingPrecedence 1000."""
    pl = world.do(world.client.create(level("mine", {"type": "Limited", "limited": {
        "limitResponse": {"type": "Queue", "queuing": {}}}})))
    assert pl.to_dict()["spec"]["limited"] == {"nominalConcurrencyShares": 30, "limitResponse": {
        "type": "Queue", "queuing": {"queues": 64, "handSize": 8, "queueLengthLimit": 50}}, "lendablePercent": 0}
    fs = world.do(world.client.create(flow_schema("mine", {"priorityLevelConfiguration": {"name": "mine"},
                                                           "rules": [RULE]})))
    assert fs.spec.matching_precedence == 1000 and fs.metadata.generation == 1


@pytest.mark.parametrize("verb,path,flow_schema", [
    ("get", "/healthz", "probes"),
    ("get", "/readyz", "probes"),
    ("get", "/livez/etcd", "probes"),  # rule.go matchPolicyRuleNonResourceURL: a path under the rule's
    ("post", "/healthz", "global-default"),  # probes only take get
    ("get", "/apis", "global-default"),
])
def test_non_resource_requests_are_classified_by_non_resource_rules(world, verb, path, flow_schema):
    """upstream: util/flowcontrol/rule.go matchesNonResourceRule over bootstrap/default.go's
    probes schema (exempt for get /healthz, /readyz, /livez) and the catch-all rules."""
    assert world.server.flowcontrol.classify_non_resource(verb, path, ADMIN).flow_schema == flow_schema


def test_waiting_requests_survive_a_change_of_their_levels_queues(world):
    """upstream: apf_controller.go applies a new configuration to a level in place (its requests
    keep their seats and their place); a larger limit lets waiting requests in at once."""
    apf = flowcontrol.APFController(world.sim, 245)  # limits equal to the bootstrap shares
    started, refused = [], []
    c = apf.classify("create", "", "configmaps", "default", ADMIN)
    for _ in range(25):
        apf.admit(c, 1, started.append, lambda reason, retry: refused.append(reason))
    assert (len(started), apf.levels["global-default"].waiting) == (20, 5)

    def objs(shares, queues):
        pls = []
        for o in flowcontrol.bootstrap_objects():
            if o.KIND == "PriorityLevelConfiguration" and o.metadata.name == "global-default":
                o.spec.limited.nominal_concurrency_shares = shares
                o.spec.limited.limit_response.queuing.queues = queues
            pls.append(o)
        return [o for o in pls if o.KIND == "FlowSchema"], [o for o in pls if o.KIND != "FlowSchema"]

    apf.load(*objs(20, 16))  # fewer queues, same limit: they keep waiting, now in the new queues
    level = apf.levels["global-default"]
    assert (len(started), level.waiting, len(level.queues)) == (20, 5, 16)
    apf.finish(started[0])
    assert (len(started), level.waiting) == (21, 4)
    apf.load(*objs(40, 16))  # ceil(245 * 40 / 265) = 37 seats: the rest go in
    assert (len(started), level.waiting, level.concurrency_limit, refused) == (25, 0, 37, [])


def test_the_ensurer_writes_nothing_while_the_objects_are_as_they_should_be(world):
    """upstream: ensurer.go ReviseIfNeeded returns no revision when the annotation and the
    (defaulted) spec already match: the minute passes leave every resourceVersion as it was."""
    def versions():
        return {(k, o.metadata.name): o.metadata.resource_version
                for k in ("FlowSchema", "PriorityLevelConfiguration") for o in world.server.caches[k].list()}

    before = versions()
    world.sim.run_for(130)
    assert versions() == before and len(before) == 21

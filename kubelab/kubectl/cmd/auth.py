"""kubectl auth (k8s.io/kubectl/pkg/cmd/auth):

* ``can-i VERB RESOURCE [NAME]`` (cani.go): asks the API server with a
  SelfSubjectAccessReview whether the current user may do VERB on a resource (or a
  non-resource URL) and prints ``yes``, or ``no`` and exits 1;
* ``can-i --list`` (cani.go RunAccessList): a SelfSubjectRulesReview for the namespace,
  each rule broken down and compacted (k8s.io/kubectl/pkg/util/rbac), sorted by the rule's
  Go String() as upstream does, printed as Resources / Non-Resource URLs / Resource Names / Verbs;
* ``whoami`` (whoami.go): a SelfSubjectReview, printed as ATTRIBUTE / VALUE."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.rbac import (NonResourceAttributes, ResourceAttributes, SelfSubjectAccessReview,
                              SelfSubjectAccessReviewSpec, SelfSubjectReview, SelfSubjectRulesReview,
                              SelfSubjectRulesReviewSpec)
from kubelab.api.scheme import KINDS

from ..tabwriter import tabulate

from .util import Args, KubectlError, format_error, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl

USAGE = "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples"


# cani.go resourceVerbs: the verbs it knows (another one is asked about, with a warning)
RESOURCE_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind",
                  "impersonate", "*", "approve", "sign", "escalate", "attest")


def _resource(text: str) -> tuple[str, str]:
    """A resource as the RESTMapper resolves it: ``pods``, ``deploy``, ``deployments.apps``;
    an unknown one is asked about as written (cani.go warns and goes on)."""
    name, _, group = text.partition(".")
    try:
        cls = resolve_kind(name)
    except KubectlError:
        return name, group
    if group and group != cls.GROUP:
        return name, group
    return cls.RESOURCE, cls.GROUP


def can_i(k: "Kubectl", a: Args) -> str:
    pos = list(a.positional)
    if a.get("list"):
        return can_i_list(k, a)
    if len(pos) < 2:
        raise KubectlError(USAGE)
    if len(pos) > 3:
        raise KubectlError(USAGE)
    verb, target = pos[0], pos[1]
    warnings = ""
    if target.startswith("/"):
        # a non-resource URL (cani.go: "NonResourceURL" when the argument starts with "/")
        spec = SelfSubjectAccessReviewSpec(non_resource_attributes=NonResourceAttributes(path=target, verb=verb))
    else:
        name = pos[2] if len(pos) == 3 else ""
        if "/" in target:
            target, name = target.split("/", 1)
        resource, group = _resource(target)
        namespace = "" if a.get("all-namespaces") else k.ns(a)
        spec = SelfSubjectAccessReviewSpec(resource_attributes=ResourceAttributes(
            namespace=namespace, verb=verb, group=group, resource=resource,
            subresource=a.get("subresource") or "", name=name))
        # cani.go validate: warnings on stderr before the answer (the WarningPrinter adds
        # "Warning: " and a newline to a message that ends in one)
        cls = next((c for c in KINDS if c.RESOURCE == resource and c.GROUP == group), None)
        if namespace and cls is not None and not cls.NAMESPACED:
            where = f" in group '{group}'" if group else ""
            warnings += f"Warning: resource '{resource}' is not namespace scoped{where}\n\n"
        if verb not in RESOURCE_VERBS:
            warnings += f"Warning: verb '{verb}' is not a known verb\n\n"
    review = SelfSubjectAccessReview(spec=spec)
    try:
        answer = k.source.create(review)
    except Exception as e:  # noqa: BLE001
        raise KubectlError(warnings + format_error(e)) from None
    st = answer.status
    if st is not None and st.allowed:
        return warnings + "yes\n"
    text = warnings + "no"
    if st is not None and st.reason:
        text += f" - {st.reason}"
    if st is not None and st.evaluation_error:
        text += f" - {st.evaluation_error}"
    raise KubectlError(text)


def _go_list(items) -> str:
    """fmt's %v of a []string."""
    return "[" + " ".join(items or ()) + "]"


def _breakdown(rule: dict) -> list[dict]:
    """rbac.BreakdownRule: one rule per group x resource x verb (x resource name), and one per
    non-resource URL x verb."""
    out = []
    for group in rule["apiGroups"]:
        for resource in rule["resources"]:
            for verb in rule["verbs"]:
                for name in rule["resourceNames"] or [None]:
                    out.append({"verbs": [verb], "apiGroups": [group], "resources": [resource],
                                "resourceNames": [name] if name is not None else [], "nonResourceURLs": []})
    for url in rule["nonResourceURLs"]:
        for verb in rule["verbs"]:
            out.append({"verbs": [verb], "apiGroups": [], "resources": [], "resourceNames": [],
                        "nonResourceURLs": [url]})
    return out


def _compact(rules: list[dict]) -> list[dict]:
    """rbac.CompactRules: rules on one group and one resource (and at most one name) that
    differ only by verb become one rule with the verbs in order of appearance."""
    compacted, simple = [], {}
    for r in rules:
        if len(r["resourceNames"]) > 1 or r["nonResourceURLs"] or len(r["apiGroups"]) != 1 or len(r["resources"]) != 1:
            compacted.append(r)
            continue
        key = (r["apiGroups"][0], r["resources"][0], tuple(r["resourceNames"]))
        if key in simple:
            simple[key]["verbs"] += [v for v in r["verbs"] if v not in simple[key]["verbs"]]
        else:
            simple[key] = {**r, "verbs": list(r["verbs"])}
    return compacted + list(simple.values())


def _go_string(r: dict) -> str:
    """The generated PolicyRule.String() that SortableRuleSlice compares."""
    return (f"&PolicyRule{{Verbs:{_go_list(r['verbs'])},APIGroups:{_go_list(r['apiGroups'])},"
            f"Resources:{_go_list(r['resources'])},ResourceNames:{_go_list(r['resourceNames'])},"
            f"NonResourceURLs:{_go_list(r['nonResourceURLs'])},}}")


def _resource_group(resources: list[str], groups: list[str]) -> str:
    """describe.CombineResourceGroup: ``resource.group/subresource``."""
    if not resources:
        return ""
    res, _, sub = resources[0].partition("/")
    out = res + (f".{groups[0]}" if groups and groups[0] else "")
    return out + (f"/{sub}" if sub else "")


def can_i_list(k: "Kubectl", a: Args) -> str:
    namespace = "" if a.get("all-namespaces") else k.ns(a)
    try:
        answer = k.source.create(SelfSubjectRulesReview(spec=SelfSubjectRulesReviewSpec(namespace=namespace)))
    except Exception as e:  # noqa: BLE001
        raise KubectlError(format_error(e)) from None
    st = answer.status
    rules = [{"verbs": list(r.verbs or []), "apiGroups": list(r.api_groups or []), "resources": list(r.resources or []),
              "resourceNames": list(r.resource_names or []), "nonResourceURLs": []} for r in st.resource_rules]
    rules += [{"verbs": list(r.verbs or []), "apiGroups": [], "resources": [], "resourceNames": [],
               "nonResourceURLs": list(r.non_resource_urls or [])} for r in st.non_resource_rules]
    broken = [b for r in rules for b in _breakdown(r)]
    compact = sorted(_compact(broken), key=_go_string)  # sort.Stable(SortableRuleSlice)
    rows = [] if a.get("no-headers") else [["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]]
    rows += [[_resource_group(r["resources"], r["apiGroups"]), _go_list(r["nonResourceURLs"]),
              _go_list(r["resourceNames"]), _go_list(r["verbs"])] for r in compact]
    text = tabulate(rows)
    if st.incomplete:
        text = f"warning: the list may be incomplete: {st.evaluation_error}\n" + text
    return text


def whoami(k: "Kubectl", a: Args) -> str:
    try:
        answer = k.source.create(SelfSubjectReview())
    except Exception as e:  # noqa: BLE001
        raise KubectlError(format_error(e)) from None
    ui = answer.status.user_info
    rows = [["ATTRIBUTE", "VALUE"]]
    if ui.username:
        rows.append(["Username", ui.username])
    if ui.uid:
        rows.append(["UID", ui.uid])
    if ui.groups:
        rows.append(["Groups", _go_list(ui.groups)])
    for key in sorted(ui.extra or {}):
        rows.append([f"Extra: {key}", _go_list(ui.extra[key])])
    return tabulate(rows)


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    pos = list(a.positional)
    if not pos:
        raise KubectlError("error: unknown command \"\" for \"kubectl auth\"")
    sub = pos[0]
    rest = Args(a.verb, pos[1:], a.flags)
    if sub == "can-i":
        return can_i(k, rest)
    if sub == "whoami":
        return whoami(k, rest)
    raise KubectlError(f'error: unknown command "{sub}" for "kubectl auth"')

"""kubectl strings never break kubectl or the cluster (issue #14): every input is answered
with kubectl's output or its error, and a refused input changes nothing."""

import random

import pytest

import kubelab as kl
from kubelab.kubectl import Kubectl, MemorySource, Output

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = kl.Cluster(masters=1, seed=7)
    c.add_node(kl.VM("vm-1", cpu="4", memory="8Gi"))
    c.apply(DEPLOY)
    c.run(20)
    return c


@pytest.mark.parametrize("command, message", [
    # expose.go: strconv.Atoi on --port
    ("expose svc web --port=1e3 --name=web2", 'error: strconv.Atoi: parsing "1e3": invalid syntax\n'),
    # pflag IntVar
    ("create deployment x --image=nginx --replicas=abc",
     'error: invalid argument "abc" for "--replicas" flag: strconv.ParseInt: parsing "abc": invalid syntax\n'),
    # client-go clientcmd ParseTimeout over time.ParseDuration (at most 2562047h)
    ("get pods -w --request-timeout=99999999999999999999h",
     "error: invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a "
     "corresponding time unit (e.g. 1s | 2m | 3h)\n"),
    ("get pods -o custom-columns=A:.metadata\x00name", None),
])
def test_bad_strings_print_errors(cluster, command, message):
    before = cluster.history.digest()
    out = cluster.kubectl(command)
    assert isinstance(out, Output) and out.exit_code == 1 and out.startswith("error: ")
    if message is not None:
        assert out == message
    assert cluster.history.digest() == before


def test_deeply_nested_input_is_refused():
    k = Kubectl(MemorySource())
    out = k("apply -f -", stdin="[" * 3000)
    assert out == "error: error parsing STDIN: error converting YAML to JSON: exceeded max depth\n"
    assert k("get all") == "No resources found in default namespace.\n"


def test_multi_document_apply_applies_every_document_and_reports_at_the_end():
    # apply.go: errors are collected and returned once every object was tried
    k = Kubectl(MemorySource())
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
            "apiVersion: v1\nkind: Nope\nmetadata: {name: b}\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: c-}\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n")
    out = k("apply -f -", stdin=text)
    assert out.exit_code == 1
    assert out == ("configmap/a created\nconfigmap/d created\n"
                   'error: resource mapping not found for name: "b" namespace: "" from "STDIN": no matches for kind '
                   '"Nope" in version "v1"\nensure CRDs are installed first\n'
                   "error: from c-: cannot use generate name with apply\n")
    assert [c.metadata.name for c in k.source.list("ConfigMap", "default")] == ["a", "d"]


def test_python_apply_also_tries_every_document():
    from kubelab.kubectl.apply import ApplyErrors, apply_manifests

    src = MemorySource()
    docs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}, "just a string",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "x-"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]
    with pytest.raises(ApplyErrors) as e:
        apply_manifests(src, docs)
    assert [str(r) for r in e.value.applied] == ["configmap/a created", "configmap/b created"]
    assert len(e.value.errors) == 2


# -- the fuzz test ------------------------------------------------------------------------------

SEEDS = [
    "get pods", "get pods -o wide", "get deploy web -o yaml", "get pods -l app=web", "get all -A",
    "get pods --field-selector=spec.nodeName=vm-1", "get pods -o jsonpath={.items[*].metadata.name}",
    "get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName", "get svc web -o json",
    "get pods --sort-by=.metadata.name", "get nodes --show-labels", "get deploy -L app",
    "describe deploy web", "describe pod", "describe node vm-1",
    "scale deploy web --replicas=3", "scale deploy web --replicas=2 --current-replicas=3",
    "label deploy web tier=front", "label deploy web tier-", "annotate deploy web note=x --overwrite",
    "patch deploy web -p '{\"spec\":{\"replicas\":2}}'", "patch deploy web --type=merge -p '{\"metadata\":{\"labels\":{\"a\":\"b\"}}}'",
    "patch deploy web --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]'",
    "set image deploy/web nginx=nginx:1.28", "rollout status deploy/web", "rollout history deploy/web",
    "rollout undo deploy/web", "rollout pause deploy/web", "rollout resume deploy/web", "rollout restart deploy/web",
    "create deployment api --image=nginx --replicas=1", "create namespace team-a", "create configmap cfg --from-literal=a=b",
    "create secret generic s --from-literal=k=v", "run box --image=busybox --restart=Never", "expose deploy web --port=8080 --name=web-x",
    "delete configmap cfg", "delete pod box --grace-period=0 --force", "delete deploy api --cascade=orphan",
    "cordon vm-1", "uncordon vm-1", "taint node vm-1 k=v:NoSchedule", "taint node vm-1 k:NoSchedule-",
    "top nodes", "top pods", "api-resources", "version", "create deployment x --image=nginx --dry-run=client -o yaml",
    "delete deploy web --dry-run=server", "get pods -w --request-timeout=2s",
]
JUNK = ["", "-", "--", "=", "'", "\"", "\x00", "1e3", "-1", "99999999999999999999", "nan", "é", "\ud800", "{", "[",
        "a b", "!", "*", "/", ":", ",", "..", "${x}", "--output", "-o", "-n", "--replicas", "--type", "--port",
        "--dry-run", "--cascade", "yaml", "json", "wide", "name", "jsonpath={", "custom-columns=", "deploy/", "pods,svc"]


def _mutate(rng: random.Random, command: str) -> str:
    words = command.split(" ")
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        i = rng.randrange(len(words))
        if op == 0:
            words[i] = rng.choice(JUNK)
        elif op == 1:
            words.insert(i, rng.choice(JUNK))
        elif op == 2 and len(words) > 1:
            del words[i]
        elif op == 3:
            w = words[i]
            j = rng.randrange(len(w) + 1)
            words[i] = w[:j] + rng.choice(JUNK) + w[j:]
        elif op == 4:
            words[i] = words[i] + "=" + rng.choice(JUNK)
        else:
            words.append(rng.choice(words))
    return " ".join(words)


def _state(src: MemorySource) -> list:
    return sorted((k, o.to_dict()) for k, o in src._objs.items())  # noqa: SLF001 - the store itself


def test_fuzzed_kubectl_strings_always_answer_and_refusals_change_nothing():
    from kubectl_samples import make_cluster

    rng = random.Random(20240914)
    src = make_cluster()
    k = Kubectl(src)
    seen_refusals = 0
    for n in range(2400):
        command = _mutate(rng, rng.choice(SEEDS)) if n % 4 else rng.choice(SEEDS)
        stdin = DEPLOY if "-f" in command else None
        before = _state(src)
        out = k(command, stdin=stdin)  # never raises
        assert isinstance(out, Output), command
        if not out.ok and not out.startswith(("evicting", "node/")) and "\n" not in out.rstrip("\n"):
            # a one-line refusal: nothing was written
            seen_refusals += 1
            assert _state(src) == before, command
    assert seen_refusals > 300

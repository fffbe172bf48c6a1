"""Fuzzing the public face (issue 14): mutated real manifests and raw YAML/JSON through
``cluster.apply``, kubectl command strings, and the Python API called with junk. Every input
gives a result or one of kubelab's intended errors — TypeError/ValueError/KeyError at the
boundary, a ManifestError or ApplyErrors from kubectl's client side, a StatusError other
than 500 from the server — and a refused input changes nothing:

* no write of the fuzzing user (kubernetes-admin) is accepted while it is handled (the
  audit log), and
* the keyspace, leases and events aside, is as it was (etcd's keys and mod revisions).

Seeded, ≥ 2,000 inputs per run. Mutated manifests come from ../shared/k8s-examples when it
is there; without it the built-in manifests are mutated instead (and the test says so).
"""

from __future__ import annotations

import copy
import json
import random
import warnings
from pathlib import Path

import pytest
import yaml

import kubelab as kl
from kubelab.api import errors

INPUTS = 2050
SEED = 1414


def _examples_dir() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        d = parent / "shared" / "k8s-examples"
        if d.is_dir():
            return d
    return None


BUILTIN = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
              "template": {"metadata": {"labels": {"app": "web"}},
                           "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                                    "ports": [{"containerPort": 80}],
                                                    "resources": {"requests": {"cpu": "100m"}},
                                                    "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                                    "volumes": [{"name": "data", "emptyDir": {}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
     "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "annotations": {"a": "b"}},
     "data": {"k": "v"}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"},
     "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}},
    {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "two"}, "stringData": {"p": "w"}}]},
]


def _load_examples() -> tuple[list[dict], str]:
    d = _examples_dir()
    if d is None:
        return [], "../shared/k8s-examples is not here: mutating the built-in manifests only"
    docs = []
    for f in sorted(d.glob("*.yaml"))[:120]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for doc in yaml.safe_load_all(f.read_text()):
                    if isinstance(doc, dict) and doc.get("kind"):
                        docs.append(doc)
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
    return docs, f"{len(docs)} manifests from {d}"


JUNK = [None, [], {}, "", "x", "-1", -1, 0, 2**31, 10**400, 1.5, float("nan"), True, "\ud800", "\x00", "Ünï",
        [1], [None], {"a": 1}, {"a": {"b": [{}]}}, "a" * 300, "1e3", "500m", "NaN", "*", "../..", "{}", "[]",
        "default", "kube-system", "Pod", "v1", ["v1"], {"$patch": "delete"}, {"$patch": "replace"}]
NAMES = ["web", "settings", "one", "two", "once", "fz-a", "fz-b"]

RAW = [
    "", "   ", "---", "---\n---\n", "[", "{", "]", "}", ":", "- - -", "a: &a [*a]", "\t", "apiVersion: v1",
    "kind: Pod", "apiVersion: v1\nkind: List\nitems: 5", "apiVersion: v1\nkind: List\nitems: null",
    "apiVersion: v1\nkind: List\nitems: [1, 2]", "apiVersion: v1\nkind: List\nitems: {a: 1}", "hello",
    '"just a string"', "42", "null", "[1, 2, 3]", "{\"apiVersion\": [\"v1\"], \"kind\": \"Pod\"}",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: BAD}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fz-a}\n---\nnot: [valid\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fz-b, annotations: null}\n",
    "!!python/object:os.system ls", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: !!binary aGVsbG8=\n",
    "[" * 3000, "{\"a\":" * 2000 + "1" + "}" * 2000, "- " * 1500 + "x",
    "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9)),
    "\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata: {name: fz-a}\n", "apiVersion: v1\r\nkind: ConfigMap\r\n",
    "%YAML 1.1\n---\na: b", "? complex key\n: value", "a: !!float nan", "apiVersion: v1\nkind: Namespace\nmetadata: {}",
]

KUBECTL = [
    "get pods", "get all -A", "get deploy web -o yaml", "get pods -o jsonpath={.items[*].metadata.name}",
    "get pods -o custom-columns=N:.metadata.name", "describe deployment web", "scale deployment web --replicas=3",
    "expose deployment web --port=80", "create deployment fz-a --image=nginx", "delete configmap fz-b",
    "label pods --all a=b", "annotate deployment web x=y", "rollout status deployment/web --timeout=1s",
    "auth can-i create pods", "auth whoami", "api-resources", "explain pods.spec", "get events", "top nodes",
    "patch deployment web -p {\"spec\":{\"replicas\":1}}", "set image deployment/web nginx=nginx:1.28",
    "cordon vm-1", "logs web", "version", "config view", "create configmap fz-a --from-literal=a=b",
]
KUBECTL_JUNK = ["--port=1e3", "--replicas=abc", "-o", "-o=bogus", "--request-timeout=99999999999999999999h", "--all",
                "-n", "--namespace=\x00", "-l", "-l=a==b", "--field-selector=spec.x=1", "'", "\"", "--", "-",
                "--selector=!!", "-o=custom-columns=A:.meta\x00data", "--timeout=-1s", "--dry-run=sideways", "=",
                "--grace-period=x", "-w --request-timeout=1e9h", "--sort-by={{", "--template={{.x"]


def _mutate(rng: random.Random, doc, depth: int = 0):
    """``doc`` with one random edit: a value replaced by junk, a key dropped or added, a
    list emptied or doubled."""
    doc = copy.deepcopy(doc)
    paths = []

    def walk(node, path):
        if len(paths) > 400:
            return
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [i])

    walk(doc, [])
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        path = rng.choice(paths)
        if not path:
            continue
        parent = doc
        try:
            for p in path[:-1]:
                parent = parent[p]
            key = path[-1]
            action = rng.random()
            if action < 0.6:
                parent[key] = copy.deepcopy(rng.choice(JUNK))
            elif action < 0.75 and isinstance(parent, dict):
                parent.pop(key, None)
            elif action < 0.85 and isinstance(parent, dict):
                parent[rng.choice(["bogus", "$patch", "metadata", "status", "x" * 70])] = copy.deepcopy(rng.choice(JUNK))
            elif isinstance(parent[key], list):
                parent[key] = parent[key] * 2 if rng.random() < 0.5 else []
            else:
                parent[key] = copy.deepcopy(rng.choice(JUNK))
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def _rename(rng: random.Random, doc):
    """Keep the fuzzer's objects few: names from a small pool, in the default namespace."""
    if isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
        doc["metadata"]["name"] = rng.choice(NAMES)
        doc["metadata"].pop("namespace", None)
    return doc


def _python_calls(c):
    api, faults, sched = c.api, c.faults, c.masters[0].scheduler
    j = lambda r: copy.deepcopy(r.choice(JUNK))  # noqa: E731
    return [
        lambda r: c.get(r.choice(["Deployment", "pods", 5, None, "Nope", kl.api.Pod]), r.choice(NAMES + [5, None])),
        lambda r: c.list(r.choice(["pods", "Deployment", "Widget", 3]), namespace=r.choice([None, "default", 7])),
        lambda r: api.patch(r.choice(["pods", "deployments", "configmaps"]), r.choice(NAMES), j(r),
                            patch_type=r.choice(["strategic", "merge", "json", "yaml", 1])),
        lambda r: api.patch("deployments", "web", {"spec": {"replicas": j(r)}}),
        lambda r: api.scale(r.choice(["Deployment", "StatefulSet", "ConfigMap"]), r.choice(NAMES), j(r)),
        lambda r: api.delete(r.choice(["configmaps", "Pod", "nodes", 9]), r.choice(NAMES + [None, 5]),
                             propagation_policy=r.choice([None, "Foreground", "Sideways", 3]),
                             grace_period_seconds=r.choice([None, 0, -5, "x"])),
        lambda r: api.create(j(r)),
        lambda r: api.update(j(r)),
        lambda r: api.evict(r.choice(NAMES + [None, 4])),
        lambda r: c.run(r.choice(["5", None, float("inf"), float("nan"), -1, [1], "x"])),
        lambda r: c.kubectl(r.choice([b"get pods", None, 5, ["get", "pods"], "get pods"]),
                            user=r.choice([None, None, 5, "nobody"])),
        lambda r: c.add_node(r.choice([None, "vm-9", 5, {"name": "x"}])),
        lambda r: c.add_user(r.choice([5, None, "", ["a"]]), groups=r.choice([(), "g", [5]])),
        lambda r: c.audit(user=j(r), limit=r.choice([None, -1, "2", 3])),
        lambda r: faults.partition(r.choice(["abc", ["nowhere"], 5, None]), r.choice([["x"], "vm"])),
        lambda r: faults.stop(r.choice([["vm-1"], None, 5, "nowhere"])),
        lambda r: faults.cut(r.choice(["a", 5, None]), r.choice(["b", ["c"]])),
        lambda r: faults.slow_disk(r.choice(["master-1", "nowhere", 3]), r.choice(["x", -1, float("nan"), None])),
        lambda r: c.generate_load(qps=r.choice(["x", -1, float("inf"), None]), clients=r.choice([0, "2", -3, 1.5])),
        lambda r: sched.explain(r.choice([5, None, "nope", ["web"]])),
        lambda r: kl.Cluster(masters=r.choice([1.5, 0, -1, "3", None]), seed=1),
        lambda r: kl.Cluster(masters=1, latency=r.choice([-1, float("nan"), "fast"])),
        lambda r: kl.Cluster(masters=1, etcd=r.choice(["sideways", 5, None])),
    ]


ALLOWED = (TypeError, ValueError, KeyError, kl.ManifestError)


def _intended(exc: BaseException) -> bool:
    """One of kubelab's intended errors (never a 500, never a crash of its own)."""
    from kubelab.kubectl.apply import ApplyErrors

    if isinstance(exc, ApplyErrors):
        return all(_intended(e) for e in exc.errors)
    if isinstance(exc, errors.StatusError):
        return exc.code != 500
    return type(exc) in ALLOWED or isinstance(exc, ALLOWED) and not isinstance(exc, (UnicodeError,))


def _keyspace(c) -> dict:
    kv = c.etcd.leader.kv
    out = {}
    for item in kv.range("/registry/", prefix=True).kvs:
        key = item.key.decode() if isinstance(item.key, bytes) else item.key
        if key.startswith(("/registry/leases/", "/registry/events/")):
            continue
        out[key] = item.mod_revision
    return out


def _target_key(doc) -> str | None:
    """The etcd key of the object a manifest names (None when it names none we know)."""
    from kubelab.apiserver.storage import object_key
    from kubelab.client.rest import resolve_kind

    try:
        cls = resolve_kind(doc["kind"])
        return object_key(cls, "default" if cls.NAMESPACED else None, doc["metadata"]["name"])
    except Exception:  # noqa: BLE001 - no such kind, no name: nothing of its own to compare
        return None


def _admin_writes(c, since: float) -> list:
    return [e for e in c.audit(user="kubernetes-admin", since=since)
            if e.verb in ("create", "update", "patch", "delete") and e.code < 400]


def test_two_thousand_inputs_give_results_or_intended_errors_and_refusals_change_nothing():
    rng = random.Random(SEED)
    examples, where = _load_examples()
    print(where)
    manifests = examples + BUILTIN
    c = kl.Cluster(masters=1, seed=14)
    c.run(5)
    calls = _python_calls(c)
    counts = {"applied": 0, "refused": 0, "kubectl": 0, "python": 0}
    for n in range(INPUTS):
        kind = rng.random()
        t0, keys, rev0 = c.now, _keyspace(c), c.etcd.leader.kv.rev
        what, target = "", None
        try:
            if kind < 0.45:
                doc = _rename(rng, _mutate(rng, rng.choice(manifests)))
                target = _target_key(doc)
                if rng.random() < 0.3:
                    text = json.dumps(doc) if rng.random() < 0.5 else yaml.safe_dump(doc)
                    what = f"apply text {text[:200]!r}"
                    c.apply(text)
                else:
                    what = f"apply {json.dumps(doc, default=repr)[:300]}"
                    c.apply(doc)
            elif kind < 0.6:
                text = rng.choice(RAW)
                what = f"apply raw {text[:80]!r}"
                c.apply(text)
            elif kind < 0.8:
                words = rng.choice(KUBECTL).split()
                for _ in range(rng.randint(0, 3)):
                    words.insert(rng.randint(0, len(words)), rng.choice(KUBECTL_JUNK))
                command = " ".join(words)
                what = f"kubectl {command!r}"
                stdin = rng.choice([None, rng.choice(RAW), yaml.safe_dump(BUILTIN[2])]) if "-f" in command else None
                out = c.kubectl(command, stdin=stdin)
                counts["kubectl"] += 1
                if out.exit_code == 0:
                    counts["applied"] += 1
                    c.run(2)
                    continue
                if any(line and not line.startswith(("error", "Error", "Warning")) for line in out.splitlines()):
                    c.run(1)  # some objects done, others refused: kubectl reports both (ContinueOnError)
                    continue
                raise ValueError(out)  # kubectl printed its error: a refusal
            else:
                call = rng.choice(calls)
                what = f"python call #{calls.index(call)}"
                counts["python"] += 1
                call(rng)
            counts["applied"] += 1
            c.run(1)  # let the controllers answer before the next input is judged
        except BaseException as exc:  # noqa: BLE001 - judged here
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            assert _intended(exc), f"input {n}: {what}\n-> {type(exc).__module__}.{type(exc).__name__}: {exc!r}"[:2000]
            applied = getattr(exc, "applied", None)
            if applied:  # a multi-document apply: the others went through (apply.go)
                c.run(2)
                continue
            counts["refused"] += 1
            assert _admin_writes(c, t0) == [], f"input {n}: {what} was refused but wrote"
            if c.now == t0:  # nothing ran meanwhile: nothing at all may have changed
                assert c.etcd.leader.kv.rev == rev0, f"input {n}: {what} was refused but etcd moved"
            elif target is not None:  # the controllers ran meanwhile: the object it names is as it was
                assert _keyspace(c).get(target) == keys.get(target), f"input {n}: {what} was refused but changed {target}"
    print(counts)
    assert counts["refused"] > 500 and counts["applied"] > 200 and counts["python"] > 300
    # and the cluster still works
    out = c.kubectl("create deployment after-fuzz --image=nginx")
    assert out.exit_code == 0, out
    c.run(5)
    assert c.get("Deployment", "after-fuzz").metadata.name == "after-fuzz"


def test_the_fuzzer_says_where_its_manifests_come_from():
    examples, where = _load_examples()
    if not examples:
        pytest.skip(where)
    assert len(examples) > 50

"""What a learner reads in a notebook: tracebacks without kubelab's frames, a bad
quantity named with its fix, ``run`` saying what changed, and cluster objects shown by
the formatters the view layer registers (models never import it)."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest
from IPython.core.interactiveshell import InteractiveShell

import kubelab as kl
from kubelab import viz
from kubelab.api.errors import StatusError
from kubelab.viz import html

ROOT = pathlib.Path(kl.__file__).parent

BAD_MEMORY = """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: app, image: nginx, resources: {requests: {memory: 5GB}}}]
"""


@pytest.fixture
def shell(capsys):
    sh = InteractiveShell.instance(colors="nocolor")
    viz.install(sh)
    yield sh
    viz.show_internal_frames(False)


def run_cell(shell, capsys, code: str) -> str:
    shell.run_cell(code)
    return re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # the shell may print in colour


def test_a_learners_traceback_shows_their_cell_and_the_message_not_kubelabs_frames(shell, capsys):
    out = run_cell(shell, capsys, "import kubelab as kl\nkl.Cluster(masters=0)")
    assert "----> 2 kl.Cluster(masters=0)" in out
    assert "ValueError: a cluster needs at least one master" in out
    assert "kubelab/cluster" not in out and "1 kubelab frame hidden" in out
    viz.show_internal_frames(True)
    out = run_cell(shell, capsys, "kl.Cluster(masters=0)")
    assert "kubelab/cluster/cluster.py" in out  # for kubelab's developers


def test_an_error_in_the_learners_own_code_is_shown_as_usual(shell, capsys):
    out = run_cell(shell, capsys, "def f():\n    return 1 / 0\nf()")
    assert "ZeroDivisionError" in out and "return 1 / 0" in out and "hidden" not in out


def test_a_bad_quantity_names_the_field_the_value_and_the_fix(shell, capsys):
    c = kl.Cluster(seed=1)
    with pytest.raises(StatusError) as exc:
        c.apply(BAD_MEMORY)
    # the message is the API server's own (transformDecodeError), verbatim ...
    assert str(exc.value).startswith('Pod in version "v1" cannot be handled as a Pod: quantities must match')
    # ... and a note names what the message does not
    assert exc.value.__notes__ == ['spec.containers[0].resources.requests.memory: "5GB" is not a quantity: '
                                   'use 5G (G = 10^9) or 5Gi (Gi = 2^30)']
    assert c.list("Pod", "default") == []  # nothing changed
    assert "hint: spec.containers[0].resources.requests.memory" in html.error_html(exc.value)
    shell.user_ns["c"], shell.user_ns["BAD"] = c, BAD_MEMORY
    out = run_cell(shell, capsys, "c.apply(BAD)")
    assert 'use 5G (G = 10^9) or 5Gi (Gi = 2^30)' in out and "kubelab/api" not in out


@pytest.mark.parametrize("bad, error", [(-5, ValueError), ("30s", TypeError), (float("nan"), ValueError),
                                        (True, TypeError)])
def test_run_rejects_bad_durations_and_changes_nothing(bad, error):
    c = kl.Cluster(seed=1)
    now = c.now
    with pytest.raises(error, match="run\\(seconds=...\\)"):
        c.run(bad)
    assert c.now == now


def test_run_says_what_changed():
    c = kl.Cluster(seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.27}]
""")
    start = c.now
    ran = c.run(30)
    assert (ran.start, ran.end) == (start, c.now) and ran.seconds == pytest.approx(30)
    # every pod, as `kubectl get pods -A`: the control plane's four static pods were Running
    # before (kubeadm init waits for them, not for its add-ons); then kube-proxy on both nodes,
    # CoreDNS's two replicas and the Deployment's two
    assert ran.pods == {"Running": 10} and ran.pods_before.get("Running") == 4
    assert ran.events > 0
    assert re.fullmatch(r"t=\d+\.\ds → t=\d+\.\ds: \d+ events; pods: 10 Running \(\+6\)(, 0 Pending \(-\d\))?",
                        repr(ran)), repr(ran)
    assert repr(c.run(5)).endswith("pods: 10 Running")  # nothing changed: no deltas
    # in a notebook the cell shows that line, not the cluster card
    data, _ = InteractiveShell.instance().display_formatter.format(ran)
    assert set(data) == {"text/plain"} and data["text/plain"] == repr(ran)


def test_cluster_objects_show_their_cards_through_the_registered_formatters():
    c = kl.Cluster(masters=2, seed=1)
    sh = InteractiveShell.instance()
    viz.install(sh)
    for obj, render in ((c, html.cluster_html), (c.masters[0], html.master_html)):
        assert not hasattr(type(obj), "_repr_html_")
        data, _ = sh.display_formatter.format(obj)
        assert data["text/html"] == render(obj)
    data, _ = sh.display_formatter.format(c.etcd)
    assert "etcd" in data["text/html"]


def test_no_model_module_imports_the_view_layer_not_even_lazily():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "viz" or rel.name == "__init__.py" and len(rel.parts) == 1:
            continue  # the view layer itself; kubelab/__init__ imports it to register it
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: from .. import viz
                    package = ("kubelab",) + rel.parts[:-1]
                    base = ".".join(package[:len(package) - node.level + 1])
                    module = f"{base}.{module}" if module else base
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
            if any(n == "kubelab.viz" or n.startswith("kubelab.viz.") for n in names):
                offenders.append(f"{rel}:{node.lineno}")
        if re.search(r"_repr_html_", path.read_text()):
            offenders.append(f"{rel}: defines _repr_html_")
    assert offenders == []

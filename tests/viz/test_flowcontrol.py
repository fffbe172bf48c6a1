"""The API Priority and Fairness view: one row per priority level, as the server's
apiserver_flowcontrol_* metrics count them (upstream:
k8s.io/apiserver/pkg/util/flowcontrol/metrics/metrics.go; the levels and their shares from
apis/flowcontrol/bootstrap/default.go)."""

import re

from IPython.core.interactiveshell import InteractiveShell

from kubelab import viz
from kubelab.apiserver import flowcontrol
from kubelab.apiserver.user import ALL_AUTHENTICATED, UserInfo
from kubelab.sim import Simulator
from kubelab.viz.flowcontrol import flowcontrol_html, flowcontrol_text, priority_level_html

ALICE = UserInfo("alice", groups=(ALL_AUTHENTICATED,))


def busy_controller():
    """A server with 12 seats: catch-all gets ceil(12 * 5 / 245) = 1 seat and no queues
    (limitResponse Reject), so its second request at once is rejected."""
    apf = flowcontrol.APFController(Simulator(seed=1), server_concurrency_limit=12)
    c = flowcontrol.Classification("catch-all", "catch-all", "alice")
    refused = []
    for _ in range(2):
        apf.admit(c, 1, dispatch=lambda ticket: None, reject=lambda reason, retry: refused.append(reason))
    assert refused == ["concurrency-limit"]
    return apf


def _row(html, level):
    return re.search(rf"<tr><td><code>{level}</code></td>(.*?)</tr>", html).group(1)


def test_the_table_has_every_bootstrap_level_with_its_limit_and_counters():
    html = flowcontrol_html(flowcontrol.APFController(Simulator(seed=1)))
    names = re.findall(r"<tr><td><code>([\w-]+)</code></td>", html)
    assert names == [pl.name for pl in flowcontrol.PRIORITY_LEVELS]
    # NominalCL = ceil(600 * shares / 245): global-default 20 shares -> 49 seats, workload-low 100 -> 245
    assert "<td>Limited, queuing</td><td>20</td><td>49</td><td>0</td><td>0</td><td>0</td>" in _row(html, "global-default")
    assert "<td>100</td><td>245</td>" in _row(html, "workload-low")
    assert "<td>Exempt</td><td></td><td>unlimited</td>" in _row(html, "exempt")
    assert "none rejected" in html and "ceil(600 × shares / 245)" in html


def test_a_rejected_request_shows_by_reason_and_seats_in_use():
    apf = busy_controller()
    row = _row(flowcontrol_html(apf), "catch-all")
    # seats in use 1 of 1 (full), dispatched 1, rejected: queue-full 0, time-out 0, concurrency-limit 1
    assert re.search(r"<td>1</td><td>.*1 \(full\).*</td><td>0</td><td>1</td><td>0</td><td>0</td><td>.*>1</span></td>$",
                     row), row
    assert "1 rejected (429)" in flowcontrol_html(apf)
    one = priority_level_html(apf.levels["catch-all"])
    assert "Limited, reject" in one and one.count("<tr>") == 2  # the header and one level


def test_evaluating_the_controller_in_a_cell_shows_the_table():
    apf = busy_controller()
    shell = InteractiveShell.instance()
    viz.install(shell)
    data, _ = shell.display_formatter.format(apf)
    assert data["text/html"] == flowcontrol_html(apf)
    assert data["text/plain"] == flowcontrol_text(apf)
    lines = data["text/plain"].splitlines()
    assert lines[0] == "API Priority and Fairness: 12 seats (rejected by reason on the right)"
    assert lines[1].split() == ["level", "type", "shares", "limit", "in", "use", "waiting", "dispatched",
                                "queue-full", "time-out", "concurrency-limit"]
    assert lines[-1].split() == ["catch-all", "Limited", "5", "1", "1", "0", "1", "0", "0", "1"]
    data, _ = shell.display_formatter.format(apf.levels["catch-all"])
    assert "Limited, reject" in data["text/html"]
    assert repr(apf) == "<APFController 12 seats, 8 priority levels>"

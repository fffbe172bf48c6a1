"""Notebook views of the kube-scheduler: a decision as a per-node table ("why not this
node", in plain words) and the scheduler's queue and recent decisions.

Fed only by the plain data of :class:`kubelab.scheduler.explain.Decision`; imported lazily
by its ``_repr_html_``.
"""

from __future__ import annotations

import re
from typing import Any

from .html import _card, _kv, _table, _title, esc, pill

__all__ = ["decision_html", "plain_reason", "scheduler_html"]

MAX_ROWS = 60

_PLAIN = [
    (re.compile(r"^Insufficient cpu$"), "not enough unrequested CPU left for the pod's requests"),
    (re.compile(r"^Insufficient memory$"), "not enough unrequested memory left for the pod's requests"),
    (re.compile(r"^Insufficient ephemeral-storage$"), "not enough unrequested ephemeral storage"),
    (re.compile(r"^Insufficient (.+)$"), r"not enough \1 left"),
    (re.compile(r"^Too many pods$"), "already runs as many pods as it allows (allocatable pods)"),
    (re.compile(r"^node\(s\) had untolerated taint \{(.*): (.*)\}$"), r"has the taint \1=\2 and the pod has no toleration for it"),
    (re.compile(r"^node\(s\) were unschedulable$"), "is cordoned (spec.unschedulable)"),
    (re.compile(r"^node\(s\) didn't match Pod's node affinity/selector$"), "its labels don't match the pod's nodeSelector / required node affinity"),
    (re.compile(r"^node\(s\) didn't match scheduler-enforced node affinity$"), "excluded by the scheduler profile's addedAffinity"),
    (re.compile(r"^node\(s\) didn't match the requested node name$"), "the pod asks for another node by spec.nodeName"),
    (re.compile(r"^node\(s\) didn't have free ports for the requested pod ports$"), "a hostPort the pod needs is already taken there"),
    (re.compile(r"^node\(s\) didn't match pod topology spread constraints \(missing required label\)$"), "lacks the topology label a spread constraint uses"),
    (re.compile(r"^node\(s\) didn't match pod topology spread constraints$"), "putting the pod there would spread pods more unevenly than maxSkew allows"),
    (re.compile(r"^node\(s\) didn't match pod affinity rules$"), "no pod the pod must be near runs in that topology domain"),
    (re.compile(r"^node\(s\) didn't match pod anti-affinity rules$"), "a pod the pod must stay away from runs in that topology domain"),
    (re.compile(r"^node\(s\) didn't satisfy existing pods anti-affinity rules$"), "a pod already there wants to stay away from pods like this one"),
]


def plain_reason(reason: str) -> str:
    """A FailedScheduling reason in plain words (falls back to the reason itself)."""
    out = []
    for part in reason.split(", "):
        for rx, words in _PLAIN:
            if rx.match(part):
                out.append(rx.sub(words, part))
                break
        else:
            out.append(part)
    return "; ".join(out)


def _result_pill(d: Any) -> str:
    tone = {"Scheduled": "ok", "Unschedulable": "bad", "Error": "bad", "Pending": "warn"}.get(d.result, "")
    return " " + pill(d.result, tone)


def decision_html(d: Any) -> str:
    rows = []
    plugins = list(d.weights)
    total = d.total
    order = []
    if d.selected_node:
        order.append(d.selected_node)
    order += [n for n, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])) if n != d.selected_node]
    order += sorted(n for n in d.filtered_out if n not in total)
    for node in order[:MAX_ROWS]:
        if node == d.selected_node:
            verdict = pill("chosen", "ok")
            why = "highest total score" if total else "the only node that fits"
        elif node in d.filtered_out:
            verdict = pill("filtered", "bad")
            why = f"<b>{esc(d.filter_plugin[node])}</b>: {esc(plain_reason(d.filtered_out[node]))}"
        else:
            verdict = pill("feasible", "info")
            best = total.get(d.selected_node)
            why = esc(f"scored {total[node]}" + (f" vs {best}" if best is not None else ""))
        cells = [esc(node), verdict, why]
        sc = d.scores.get(node, {})
        for p in plugins:
            cells.append(esc(f"{sc[p]} ×{d.weights[p]}") if p in sc else "")
        cells.append(esc(total.get(node, "")))
        rows.append(cells)
    more = len(order) - MAX_ROWS
    headers = ["Node", "Verdict", "Why (not) this node"] + plugins + ["Total"]
    meta = [("Attempt", esc(f"{d.attempt} (of {len(d.attempts)}) at t={d.time:.3f}s")), ("Profile", esc(d.profile))]
    if d.message:
        meta.append(("Message", f'<span class="kl-pre" style="white-space:normal">{esc(d.message)}</span>'))
    if d.victims:
        meta.append(("Preemption victims", esc(", ".join(d.victims))))
    if d.nominated_node:
        meta.append(("Nominated node", esc(d.nominated_node)))
    meta.append(("Nodes", esc(f"{d.num_all_nodes} in the cluster, {d.evaluated_nodes} evaluated, {d.feasible_nodes} feasible")))
    body = _kv(meta) + _table(headers, rows, raw=True)
    if more > 0:
        body += f'<div class="kl-muted">… {more} more nodes (see .filtered_out / .total)</div>'
    if plugins:
        body += '<div class="kl-muted">scores are normalised 0–100 per plugin, shown × the plugin weight; total = Σ score × weight</div>'
    return _card(_title("Scheduling decision", d.pod, None, _result_pill(d)), body)


def scheduler_html(s: Any) -> str:
    p = s.queue.pending_pods()
    meta = [("Identity", esc(s.identity)), ("Leader", pill("yes", "ok") if s.is_leader else pill("no", "warn")),
            ("Nodes / bound pods", esc(f"{s.cache.n} / {s.cache.pod_count()}")),
            ("Queue", esc(f"active {len(p['active'])}, backoff {len(p['backoff'])}, unschedulable {len(p['unschedulable'])}")),
            ("Profiles", esc(", ".join(s.profiles)))]
    recent = list(s.decisions.values())[-15:]
    rows = [[esc(d.pod), pill(d.result), esc(d.selected_node or ""), esc(d.message)] for d in reversed(recent)]
    body = _kv(meta) + (_table(["Pod", "Result", "Node", "Message"], rows, raw=True) if rows else "")
    return _card(_title("kube-scheduler", s.identity), body)

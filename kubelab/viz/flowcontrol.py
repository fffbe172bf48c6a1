"""API Priority and Fairness, seen from the API server: one row per priority level with
its nominal concurrency limit, the seats in use, the requests waiting in its queues, and
how many it dispatched and rejected (by reason). The numbers are those of the server's
``apiserver_flowcontrol_*`` metrics (``nominal_limit_seats``, ``current_executing_seats``,
``current_inqueue_requests``, ``dispatched_requests_total``, ``rejected_requests_total``
with its ``reason`` label; k8s.io/apiserver/pkg/util/flowcontrol/metrics/metrics.go).

Evaluate ``server.flowcontrol`` (an :class:`~kubelab.apiserver.flowcontrol.APFController`)
or one of its ``levels[name]`` in a cell; :func:`kubelab.viz.install` registers these
renderers with IPython.
"""

from __future__ import annotations

from typing import Any

from .html import _card, _table, _title, esc, pill

__all__ = ["REJECT_REASONS", "flowcontrol_html", "flowcontrol_text", "priority_level_html"]

# rejected_requests_total's reasons that kubelab can produce (upstream also has "cancelled")
REJECT_REASONS = ("queue-full", "time-out", "concurrency-limit")
_HEADERS = ["priority level", "type", "shares", "nominal limit", "seats in use", "waiting", "dispatched"] + \
    [f"rejected: {r}" for r in REJECT_REASONS]


def _type(level: Any) -> str:
    cfg = level.config
    if cfg.exempt:
        return "Exempt"
    return "Limited, queuing" if cfg.queues else "Limited, reject"


def _cells(level: Any) -> list[str]:
    cfg = level.config
    limit = "unlimited" if cfg.exempt else str(level.concurrency_limit)
    return [cfg.name, _type(level), "" if cfg.exempt else str(cfg.shares), limit,
            str(level.seats_in_use), str(level.waiting), str(level.dispatched)] + \
        [str(level.rejected.get(r, 0)) for r in REJECT_REASONS]


def _row_html(level: Any) -> list[str]:
    cells = [esc(c) for c in _cells(level)]
    cells[0] = f"<code>{cells[0]}</code>"
    if level.waiting:
        cells[5] = pill(str(level.waiting), "warn")
    for i, r in enumerate(REJECT_REASONS):
        if level.rejected.get(r, 0):
            cells[7 + i] = pill(str(level.rejected[r]), "bad")
    if not level.config.exempt and level.seats_in_use >= level.concurrency_limit > 0:
        cells[4] = pill(f"{level.seats_in_use} (full)", "warn")
    return cells


def _levels(apf: Any) -> list[Any]:
    return list(apf.levels.values())


def flowcontrol_html(apf: Any) -> str:
    """The priority levels of an API server's flow control, as a card."""
    levels = _levels(apf)
    total = sum(lv.config.shares for lv in levels if not lv.config.exempt)
    rejected = sum(sum(lv.rejected.values()) for lv in levels)
    status = pill(f"{rejected} rejected (429)", "bad") if rejected else pill("none rejected", "ok")
    title = _title("API Priority and Fairness", f"{apf.server_concurrency_limit} seats", None, " " + status)
    note = (f'<p class="kl-muted">nominal limit = ceil({apf.server_concurrency_limit} × shares / {total}): the '
            f'server\'s seats (--max-requests-inflight + --max-mutating-requests-inflight) split among the '
            f'non-exempt levels. A request with no free seat waits in its level\'s queues; it gets 429 only '
            f'when its queue is full or it waited too long (a level without queues, as catch-all, refuses '
            f'at once).</p>')
    return _card(title, _table(_HEADERS, [_row_html(lv) for lv in levels], raw=True) + note)


def priority_level_html(level: Any) -> str:
    """One priority level (``server.flowcontrol.levels[name]``), as a one-row card."""
    title = _title("priority level", level.config.name, None, " " + pill(_type(level), "info"))
    return _card(title, _table(_HEADERS, [_row_html(level)], raw=True))


def flowcontrol_text(apf: Any) -> str:
    """The same table as plain text (what ``print`` and a terminal show); the last three
    columns are the requests rejected with 429, by reason."""
    headers = ["level", "type", "shares", "limit", "in use", "waiting", "dispatched"] + list(REJECT_REASONS)
    rows = [headers] + [[c.split(",")[0] for c in _cells(lv)[:2]] + _cells(lv)[2:] for lv in _levels(apf)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers))]
    lines = [f"API Priority and Fairness: {apf.server_concurrency_limit} seats (rejected by reason on the right)"]
    lines += ["  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
              for r in rows]
    return "\n".join(lines)

"""``cluster.views.audit(...)``: the API servers' audit events as a table — who did
what, allowed or denied, and by which RBAC rule."""

from __future__ import annotations

from typing import Any

from . import html as H
from .controlplane import View


def audit(cluster: Any, user=None, verb=None, resource=None, namespace=None, name=None, allowed=None, since=None,
          limit: int = 20) -> View:
    """The newest ``limit`` audit events matching the filters (those of ``cluster.audit``)."""
    trail = cluster.audit(user=user, verb=verb, resource=resource, namespace=namespace, name=name,
                          allowed=allowed, since=since, limit=limit)
    return View(audit_html(trail), repr(trail))


def audit_html(trail: Any) -> str:
    if not trail:
        return H._card("<b>Audit</b>", '<span class="kl-muted">no audit events</span>')
    rows = []
    for e in trail:
        ok = e.decision == "allow" and e.code < 400
        verdict = H.pill(f"{e.code} {e.decision or 'unauthenticated'}", "ok" if ok else "bad")
        what = e.resource + (f"/{e.subresource}" if e.subresource else "")
        where = "/".join(x for x in (e.namespace, e.name) if x)
        rows.append([H.esc(f"{e.time:.3f}s"), f"<code>{H.esc(e.user)}</code>", H.esc(e.verb), H.esc(what),
                     H.esc(where), verdict, H.esc(e.reason or e.message)])
    table = H._table(["time", "user", "verb", "resource", "namespace/name", "answer", "why"], rows, raw=True)
    return H._card(f"<b>Audit</b> <span class=\"kl-muted\">{len(trail)} event{'s' if len(trail) != 1 else ''}"
                   "</span>", table)


__all__ = ["audit", "audit_html"]

"""Views of the etcd cluster: members (role, term, commit/applied, log), a member's Raft
log with the commit point marked, elections and faults from the trace, and the keys
under ``/registry/``.

The etcd model never imports this module at load time: ``EtcdCluster._repr_html_`` and
``Member._repr_html_`` import it lazily and hand themselves over.
"""

from __future__ import annotations

from typing import Any

from .html import _card, _table, _title, esc, pill

__all__ = ["cluster_html", "member_html", "log_html", "registry_html", "elections_html", "messages_html",
           "entry_text"]

_ROLE_TONE = {"leader": "info", "follower": "ok", "candidate": "warn", "pre-candidate": "warn", "stopped": "bad"}


def entry_text(e: Any) -> str:
    """One line for a Raft entry's payload (what etcd's ``etcd-dump-logs`` prints, shortened)."""
    data = e.data
    if e.type == "EntryConfChange":
        cc = data[1] if isinstance(data, tuple) else data
        return f"{cc.type} {cc.node_id:x}"
    if data is None:
        return "(empty entry: a new leader's first)"
    if len(data) == 3 and data[1] == "put":
        key, value = data[2][0], data[2][1]
        return f"put {key.decode(errors='replace')} ({len(value)} bytes)"
    req = data[1]
    name = type(req).__name__.replace("Request", "").lower()
    key = getattr(req, "key", None)
    if key is not None:
        return f"{name} {key.decode(errors='replace')}"
    if hasattr(req, "compare"):
        return f"txn ({len(req.compare)} compares, {len(req.success)} success ops, {len(req.failure)} failure ops)"
    if hasattr(req, "revision"):
        return f"compaction to revision {req.revision}"
    if hasattr(req, "TTL"):
        return f"lease grant {req.ID:x} ttl={req.TTL}"
    if hasattr(req, "ID"):
        return f"lease revoke {req.ID:x}"
    return name


def _members_table(cluster: Any) -> str:
    rows = []
    lead = cluster.leader
    for m in cluster.members:
        first = m.raft.log.first_index() if m.raft else (m.wal.entries[0].index if m.wal.entries else 1)
        last = m.raft.log.last_index() if m.raft else (m.wal.entries[-1].index if m.wal.entries else 0)
        rows.append([
            esc(m.name), f"<code>{m.id:x}</code>", esc(m.host),
            pill(m.role, _ROLE_TONE.get(m.role)) + (" ★" if m is lead else ""),
            esc(m.term), esc(m.commit_index), esc(m.applied_index),
            esc(f"{m.log_length} ({first}…{last})"), esc(m.kv.rev if m.kv and m.running else "—"),
        ])
    return _table(["member", "id", "host", "role", "term", "commit", "applied", "log (first…last)", "revision"],
                  rows, raw=True)


def elections_html(cluster: Any, limit: int = 12) -> str:
    """Elections and member faults, newest last, from the simulation trace."""
    keep = {"ElectedLeader", "MemberStopped", "MemberStarted", "MemberRemoved", "RejectedConnection"}
    recs = [r for r in cluster.trace.records if r.source.startswith("etcd/") and r.reason in keep][-limit:]
    if not recs:
        return '<p class="kl-muted">no elections yet</p>'
    rows = [[f"{r.time:.3f}s", esc(r.source[5:]), esc(r.reason), esc(r.message)] for r in recs]
    return _table(["time", "member", "event", "message"], rows, raw=True)


def messages_html(cluster: Any) -> str:
    """Raft messages sent so far, by type, from each member to each other."""
    types = sorted({t for m in cluster.members for (t, _) in m.msg_stats})
    if not types:
        return '<p class="kl-muted">no messages yet</p>'
    rows = []
    for m in cluster.members:
        for dst in sorted({d for (_, d) in m.msg_stats}):
            rows.append([esc(f"{m.name} → {dst}")] + [esc(m.msg_stats.get((t, dst), "")) for t in types])
    return _table(["link"] + [t.removeprefix("Msg") for t in types], rows, raw=True)


def log_html(member: Any, last: int = 15) -> str:
    """The member's Raft log tail: index, term, entry; the commit point and applied index marked."""
    ents = member.log_entries()[-last:]
    commit, applied = member.commit_index, member.applied_index
    rows = []
    for e in ents:
        marks = []
        if e.index == commit:
            marks.append(pill("commit", "info"))
        if e.index == applied:
            marks.append(pill("applied", "ok"))
        if e.index > commit:
            marks.append(pill("uncommitted", "warn"))
        rows.append([esc(e.index), esc(e.term), esc(entry_text(e)), " ".join(marks)])
    if not rows:
        return '<p class="kl-muted">log empty (compacted into the snapshot)</p>'
    return _table(["index", "term", "entry", ""], rows, raw=True)


def registry_html(member: Any, prefix: str = "/registry/", limit: int = 40) -> str:
    """The keys under ``prefix`` in a member's keyspace, with their revisions."""
    if member.kv is None or not member.running:
        return '<p class="kl-muted">member stopped</p>'
    r = member.kv.range(prefix, prefix=True, keys_only=True)
    rows = [[f"<code>{esc(kv.key.decode(errors='replace'))}</code>", esc(kv.create_revision), esc(kv.mod_revision),
             esc(kv.version)] for kv in r.kvs[:limit]]
    more = f'<p class="kl-muted">… {r.count - limit} more</p>' if r.count > limit else ""
    if not rows:
        return f'<p class="kl-muted">no keys under {esc(prefix)}</p>'
    return _table(["key", "create_revision", "mod_revision", "version"], rows, raw=True) + more


def cluster_html(cluster: Any) -> str:
    lead = cluster.leader
    status = pill(f"leader {lead.name}", "info") if lead else pill("no leader", "bad")
    body = (_members_table(cluster) + "<h5>Elections and faults</h5>" + elections_html(cluster)
            + "<h5>Raft messages sent</h5>" + messages_html(cluster)
            + (f"<h5>Log of {esc(lead.name)} (leader)</h5>" + log_html(lead, last=8) if lead else ""))
    title = _title("etcd", f"{len(cluster.members)} members", None, " " + status)
    return _card(title + f' <span class="kl-muted">t={cluster.sim.now:.3f}s</span>', body)


def member_html(member: Any) -> str:
    title = _title("etcd member", member.name, None, " " + pill(member.role, _ROLE_TONE.get(member.role)))
    facts = (f'<p>id <code>{member.id:x}</code> on {esc(member.host)} · term {esc(member.term)} · '
             f'commit {esc(member.commit_index)} · applied {esc(member.applied_index)}</p>')
    return _card(title, facts + "<h5>Raft log</h5>" + log_html(member) + "<h5>Keys under /registry/</h5>"
                 + registry_html(member))

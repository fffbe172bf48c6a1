"""Raft as a pure state machine, in the style of etcd-io/raft.

Nothing here touches a clock, a socket or a disk. Time arrives as :meth:`Raft.tick`,
everything else as :meth:`Raft.step`; the output is a plain :class:`Ready` record the
caller acts on — persist ``entries`` and ``hard_state``, send ``messages``, apply
``committed_entries`` — and then acknowledges with :meth:`Raft.advance`::

    r = Raft(1, voters=[1, 2, 3], rng=random.Random(1))
    r.tick() ...; r.step(msg)
    if r.has_ready():
        rd = r.ready(); persist(rd); send(rd.messages); apply(rd.committed_entries); r.advance(rd)

Roles are swapped step/tick functions (``_step``, ``_tick``), as in etcd-io/raft's
``raft.go`` (stepLeader / stepCandidate / stepFollower, tickElection / tickHeartbeat).
Section numbers (§) refer to the Raft paper (Ongaro & Ousterhout, "In Search of an
Understandable Consensus Algorithm", extended version) and to Ongaro's thesis for
pre-vote (§9.6), check-quorum (§6.2), ReadIndex (§6.4) and membership (§4.1).

Deviations, all invisible to the protocol: the log's persistent part is tracked by a
``stabled`` index instead of a separate MemoryStorage (``advance`` marks entries
stable), and snapshots carry the application's data opaquely.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

NONE = 0  # raft.None: no node

# message types (raftpb.MessageType)
MsgHup = "MsgHup"
MsgBeat = "MsgBeat"
MsgProp = "MsgProp"
MsgApp = "MsgApp"
MsgAppResp = "MsgAppResp"
MsgVote = "MsgVote"
MsgVoteResp = "MsgVoteResp"
MsgPreVote = "MsgPreVote"
MsgPreVoteResp = "MsgPreVoteResp"
MsgSnap = "MsgSnap"
MsgHeartbeat = "MsgHeartbeat"
MsgHeartbeatResp = "MsgHeartbeatResp"
MsgUnreachable = "MsgUnreachable"
MsgSnapStatus = "MsgSnapStatus"
MsgCheckQuorum = "MsgCheckQuorum"
MsgTransferLeader = "MsgTransferLeader"
MsgTimeoutNow = "MsgTimeoutNow"
MsgReadIndex = "MsgReadIndex"
MsgReadIndexResp = "MsgReadIndexResp"

# entry types
EntryNormal = "EntryNormal"
EntryConfChange = "EntryConfChange"

# roles (StateType)
StateFollower = "StateFollower"
StateCandidate = "StateCandidate"
StateLeader = "StateLeader"
StatePreCandidate = "StatePreCandidate"

# progress states (tracker.StateType)
StateProbe = "StateProbe"
StateReplicate = "StateReplicate"
StateSnapshot = "StateSnapshot"

campaignPreElection = "CampaignPreElection"
campaignElection = "CampaignElection"
campaignTransfer = "CampaignTransfer"

_VOTE_RESP = {MsgVote: MsgVoteResp, MsgPreVote: MsgPreVoteResp}


class ProposalDropped(Exception):
    """raft.ErrProposalDropped: the proposal was not appended (no leader, transferring, removed)."""

    def __str__(self) -> str:
        return "raft proposal dropped"


_new_tuple = tuple.__new__  # builds an Entry without NamedTuple's keyword-handling __new__


class Entry(NamedTuple):
    """raftpb.Entry (immutable: a log entry never changes once appended)."""

    term: int
    index: int
    type: str = EntryNormal
    data: Any = None


@dataclass(slots=True)
class HardState:
    term: int = 0
    vote: int = NONE
    commit: int = 0


@dataclass(slots=True)
class SoftState:
    lead: int = NONE
    role: str = StateFollower


@dataclass(slots=True)
class Snapshot:
    index: int
    term: int
    voters: tuple[int, ...]
    data: Any = None


@dataclass(slots=True)
class ConfChange:
    """raftpb.ConfChange: add or remove one voter (§4.1: one server at a time)."""

    type: str  # "ConfChangeAddNode" | "ConfChangeRemoveNode"
    node_id: int
    context: Any = None


@dataclass(slots=True)
class Message:
    type: str
    to: int = NONE
    frm: int = NONE
    term: int = 0
    log_term: int = 0
    index: int = 0
    entries: list = field(default_factory=list)
    commit: int = 0
    reject: bool = False
    reject_hint: int = 0
    snapshot: Snapshot | None = None
    context: Any = None


@dataclass(slots=True)
class ReadState:
    """A linearizable read may be served once the state machine has applied ``index``."""

    index: int
    request_ctx: Any


@dataclass(slots=True)
class Ready:
    messages: list[Message]
    entries: list[Entry]  # to persist before the messages are sent
    hard_state: HardState | None  # None when unchanged
    snapshot: Snapshot | None  # to persist and restore the state machine from
    committed_entries: list[Entry]  # to apply, in order
    soft_state: SoftState | None  # None when unchanged
    read_states: list[ReadState]


class Progress:
    """The leader's view of one follower (tracker.Progress)."""

    __slots__ = ("match", "next", "state", "probe_sent", "pending_snapshot", "recent_active", "inflights",
                 "max_inflight")

    def __init__(self, next_: int, max_inflight: int):
        self.match = 0
        self.next = next_
        self.state = StateProbe
        self.probe_sent = False
        self.pending_snapshot = 0
        self.recent_active = False
        self.inflights: deque[int] = deque()  # last index of each MsgApp in flight (Replicate)
        self.max_inflight = max_inflight

    def become_probe(self) -> None:
        # §5.3: after a rejection or a snapshot, probe one message at a time
        if self.state == StateSnapshot:
            self.next = max(self.match + 1, self.pending_snapshot + 1)
            self.pending_snapshot = 0
        else:
            self.next = self.match + 1
        self.state = StateProbe
        self.probe_sent = False
        self.inflights.clear()

    def become_replicate(self) -> None:
        self.state = StateReplicate
        self.next = self.match + 1
        self.probe_sent = False
        self.inflights.clear()

    def become_snapshot(self, index: int) -> None:
        self.state = StateSnapshot
        self.pending_snapshot = index
        self.probe_sent = False
        self.inflights.clear()

    def maybe_update(self, n: int) -> bool:
        updated = False
        if self.match < n:
            self.match = n
            updated = True
            self.probe_sent = False
        self.next = max(self.next, n + 1)
        inf = self.inflights
        while inf and inf[0] <= n:
            inf.popleft()
        return updated

    def maybe_decr_to(self, rejected: int, match_hint: int) -> bool:
        if self.state == StateReplicate:
            if rejected <= self.match:
                return False  # stale rejection
            self.next = self.match + 1
            return True
        if self.next - 1 != rejected:
            return False  # stale rejection: we did not probe that index
        self.next = max(min(rejected, match_hint + 1), 1)
        self.probe_sent = False
        return True

    def is_paused(self) -> bool:
        if self.state == StateProbe:
            return self.probe_sent
        if self.state == StateReplicate:
            return len(self.inflights) >= self.max_inflight
        return True

    def __repr__(self) -> str:
        return f"Progress(match={self.match}, next={self.next}, {self.state})"


class RaftLog:
    """The log: entries after the last snapshot, with ``committed``, ``applied`` and
    ``stabled`` (the last index persisted by the caller)."""

    __slots__ = ("snap_index", "snap_term", "ents", "committed", "applied", "stabled")

    def __init__(self, snap_index: int = 0, snap_term: int = 0):
        self.snap_index = snap_index
        self.snap_term = snap_term
        self.ents: list[Entry] = []
        self.committed = snap_index
        self.applied = snap_index
        self.stabled = snap_index

    def first_index(self) -> int:
        return self.snap_index + 1

    def last_index(self) -> int:
        return self.ents[-1].index if self.ents else self.snap_index

    def last_term(self) -> int:
        return self.ents[-1].term if self.ents else self.snap_term

    def term(self, i: int) -> int | None:
        """The term of entry ``i``; None when compacted away or beyond the end."""
        if i == self.snap_index:
            return self.snap_term
        off = i - self.snap_index - 1
        if off < 0 or off >= len(self.ents):
            return None
        return self.ents[off].term

    def match_term(self, i: int, t: int) -> bool:
        return self.term(i) == t

    def slice(self, lo: int, hi: int) -> list[Entry] | None:
        """Entries [lo, hi); None if lo is compacted."""
        if lo <= self.snap_index:
            return None
        base = self.snap_index + 1
        return self.ents[lo - base : hi - base]

    def is_up_to_date(self, lasti: int, term: int) -> bool:
        # §5.4.1: the voter's log is not more up to date than the candidate's
        lt = self.last_term()
        return term > lt or (term == lt and lasti >= self.last_index())

    def append(self, ents: list[Entry]) -> int:
        if not ents:
            return self.last_index()
        after = ents[0].index - 1
        if after < self.committed:
            raise AssertionError(f"append after {after} is out of range [committed {self.committed}]")
        self._truncate_after(after)
        self.ents.extend(ents)
        return self.last_index()

    def _truncate_after(self, after: int) -> None:
        keep = after - self.snap_index
        if keep < len(self.ents):
            del self.ents[keep:]
        if self.stabled > after:
            self.stabled = after  # the persisted suffix is being overwritten

    def find_conflict(self, ents: list[Entry]) -> int:
        if ents and ents[0].index > self.last_index():
            return ents[0].index  # all new: the common case of a follower keeping up
        for e in ents:
            if not self.match_term(e.index, e.term):
                return e.index
        return 0

    def find_conflict_by_term(self, index: int, term: int) -> int:
        """The largest index <= ``index`` whose term is <= ``term`` (the back-off hint that
        skips a whole conflicting term at once, etcd-io/raft findConflictByTerm)."""
        while index > self.snap_index:
            t = self.term(index)
            if t is None or t <= term:
                break
            index -= 1
        return index

    def maybe_append(self, index: int, log_term: int, committed: int, ents: list[Entry]) -> tuple[int, bool]:
        # match_term(index, log_term), inline (a follower runs this for every MsgApp)
        si = self.snap_index
        les = self.ents
        if index == si:
            t = self.snap_term
        else:
            off = index - si - 1
            t = les[off].term if 0 <= off < len(les) else None
        if t != log_term:
            return 0, False
        last_new = index + len(ents)
        if ents and ents[0].index > (les[-1].index if les else si):
            ci = ents[0].index  # find_conflict's common case: all new
        else:
            ci = self.find_conflict(ents)
        if ci:
            if ci <= self.committed:
                raise AssertionError(f"entry {ci} conflict with committed entry [committed({self.committed})]")
            self.append(ents[ci - index - 1 :])
        tocommit = committed if committed < last_new else last_new
        if self.committed < tocommit:
            self.commit_to(tocommit)
        return last_new, True

    def commit_to(self, tocommit: int) -> None:
        if self.committed < tocommit:
            if self.last_index() < tocommit:
                raise AssertionError(f"tocommit({tocommit}) is out of range [lastIndex({self.last_index()})]")
            self.committed = tocommit

    def maybe_commit(self, max_index: int, term: int) -> bool:
        # §5.4.2: only entries of the leader's current term are committed by counting replicas
        if max_index > self.committed and self.term(max_index) == term:
            self.commit_to(max_index)
            return True
        return False

    def restore(self, s: Snapshot) -> None:
        self.snap_index, self.snap_term = s.index, s.term
        self.ents = []
        self.committed = s.index
        self.applied = s.index
        self.stabled = s.index

    def compact(self, index: int) -> None:
        """Drop entries up to ``index`` (it must be applied); the log starts after it."""
        if index <= self.snap_index:
            return
        if index > self.applied:
            raise AssertionError(f"compact {index} is out of range [applied {self.applied}]")
        t = self.term(index)
        del self.ents[: index - self.snap_index]
        self.snap_index, self.snap_term = index, t


class Raft:
    """One Raft node. ``voters`` is the initial configuration (ignored when ``snapshot`` is
    given). ``rng`` randomises the election timeout in [election_tick, 2*election_tick).

    Defaults follow etcd: heartbeat 1 tick (100 ms), election 10 ticks (1000 ms),
    pre-vote and check-quorum on (etcd 3.4 turns both on: ``--pre-vote``,
    ``CheckQuorum: true`` in etcdserver/raft.go).
    """

    def __init__(self, id: int, voters: list[int], *, rng: random.Random, election_tick: int = 10,
                 heartbeat_tick: int = 1, pre_vote: bool = True, check_quorum: bool = True,
                 max_msg_entries: int = 4096, max_inflight: int = 256, hard_state: HardState | None = None,
                 snapshot: Snapshot | None = None, entries: list[Entry] | None = None):
        self.id = id
        self.rng = rng
        self.election_timeout = election_tick
        self.heartbeat_timeout = heartbeat_tick
        self.pre_vote = pre_vote
        self.check_quorum = check_quorum
        self.max_msg_entries = max_msg_entries
        self.max_inflight = max_inflight
        self.log = RaftLog()
        self.snapshot: Snapshot | None = None  # the latest snapshot, sent to lagging followers
        self._pending_snapshot: Snapshot | None = None  # received, to be persisted/applied
        self.voters: set[int] = set(voters)
        if snapshot is not None:
            self.log.restore(snapshot)
            self.snapshot = snapshot
            self.voters = set(snapshot.voters)
        if entries:
            self.log.ents = list(e for e in entries if e.index > self.log.snap_index)
            self.log.stabled = self.log.last_index()
        hs = hard_state or HardState()
        self.term = hs.term
        self.vote = hs.vote
        if hs.commit:
            self.log.commit_to(hs.commit)
        self.lead = NONE
        self.role = StateFollower
        self.prs: dict[int, Progress] = {}
        self.votes: dict[int, bool] = {}
        self.msgs: list[Message] = []
        self.read_states: list[ReadState] = []
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.randomized_election_timeout = election_tick
        self.lead_transferee = NONE
        self.pending_conf_index = 0
        # ReadIndex (§6.4): requests waiting for a heartbeat quorum, in order
        self._read_only: dict[Any, tuple[int, Message, set[int]]] = {}
        self._read_queue: list[Any] = []
        self._pending_read_msgs: list[Message] = []
        self._prev_hs = HardState(self.term, self.vote, self.log.committed)
        self._prev_ss = SoftState(NONE, StateFollower)
        self.become_follower(self.term, NONE)

    # -- helpers --------------------------------------------------------------------------
    def quorum(self) -> int:
        return len(self.voters) // 2 + 1

    def promotable(self) -> bool:
        return self.id in self.voters

    def hard_state(self) -> HardState:
        return HardState(self.term, self.vote, self.log.committed)

    def soft_state(self) -> SoftState:
        return SoftState(self.lead, self.role)

    def send(self, m: Message) -> None:
        m.frm = self.id
        if m.type in (MsgVote, MsgVoteResp, MsgPreVote, MsgPreVoteResp):
            assert m.term, f"term should be set when sending {m.type}"
        elif m.type not in (MsgProp, MsgReadIndex):
            m.term = self.term
        self.msgs.append(m)

    def _reset_randomized_election_timeout(self) -> None:
        # etcd-io/raft: [electiontimeout, 2 * electiontimeout - 1]
        self.randomized_election_timeout = self.election_timeout + self.rng.randrange(self.election_timeout)

    def _reset(self, term: int) -> None:
        if self.term != term:
            self.term = term
            self.vote = NONE
        self.lead = NONE
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self._reset_randomized_election_timeout()
        self.lead_transferee = NONE
        self.votes = {}
        last = self.log.last_index()
        self.prs = {}
        for v in sorted(self.voters):
            pr = Progress(last + 1, self.max_inflight)
            if v == self.id:
                pr.match = self.log.stabled  # the leader counts only what it has persisted
            self.prs[v] = pr
        self.pending_conf_index = 0
        self._read_only = {}
        self._read_queue = []

    # -- role changes ---------------------------------------------------------------------
    def become_follower(self, term: int, lead: int) -> None:
        self._step = self._step_follower
        self._tick = self._tick_election
        self._reset(term)
        self.lead = lead
        self.role = StateFollower

    def become_pre_candidate(self) -> None:
        # §9.6 (thesis): a pre-candidate neither bumps its term nor changes its vote
        assert self.role != StateLeader, "invalid transition [leader -> pre-candidate]"
        self._step = self._step_candidate
        self._tick = self._tick_election
        self.votes = {}
        self.lead = NONE
        self.role = StatePreCandidate

    def become_candidate(self) -> None:
        assert self.role != StateLeader, "invalid transition [leader -> candidate]"
        self._step = self._step_candidate
        self._tick = self._tick_election
        self._reset(self.term + 1)
        self.vote = self.id
        self.role = StateCandidate

    def become_leader(self) -> None:
        assert self.role != StateFollower, "invalid transition [follower -> leader]"
        self._step = self._step_leader
        self._tick = self._tick_heartbeat
        self._reset(self.term)
        self.lead = self.id
        self.role = StateLeader
        self.prs[self.id].become_replicate()
        # conf changes in the uncommitted tail are conservatively treated as pending
        self.pending_conf_index = self.log.last_index()
        # §8: an empty entry of its own term lets the leader learn what is committed
        self._append_entries([Entry(0, 0, EntryNormal, None)])

    # -- time -----------------------------------------------------------------------------
    def tick(self) -> None:
        self._tick()

    def _tick_election(self) -> None:
        self.election_elapsed += 1
        if self.promotable() and self.election_elapsed >= self.randomized_election_timeout:
            self.election_elapsed = 0
            self.step(Message(MsgHup, frm=self.id))

    def _tick_heartbeat(self) -> None:
        self.heartbeat_elapsed += 1
        self.election_elapsed += 1
        if self.election_elapsed >= self.election_timeout:
            self.election_elapsed = 0
            if self.check_quorum:
                self.step(Message(MsgCheckQuorum, frm=self.id))
            if self.role == StateLeader and self.lead_transferee != NONE:
                self.lead_transferee = NONE  # the transfer timed out
        if self.role != StateLeader:
            return
        if self.heartbeat_elapsed >= self.heartbeat_timeout:
            self.heartbeat_elapsed = 0
            self.step(Message(MsgBeat, frm=self.id))

    # -- elections ------------------------------------------------------------------------
    def campaign(self, kind: str) -> None:
        if kind == campaignPreElection:
            self.become_pre_candidate()
            vote_msg, term = MsgPreVote, self.term + 1
        else:
            self.become_candidate()
            vote_msg, term = MsgVote, self.term
        if self._poll(self.id, _VOTE_RESP[vote_msg], True) == "won":
            # a single-node cluster wins at once
            if kind == campaignPreElection:
                self.campaign(campaignElection)
            else:
                self.become_leader()
            return
        for v in sorted(self.voters):
            if v == self.id:
                continue
            self.send(Message(vote_msg, to=v, term=term, index=self.log.last_index(),
                              log_term=self.log.last_term(),
                              context=campaignTransfer if kind == campaignTransfer else None))

    def _poll(self, id: int, t: str, granted: bool) -> str:
        self.votes.setdefault(id, granted)
        yes = sum(1 for v in self.voters if self.votes.get(v) is True)
        no = sum(1 for v in self.voters if self.votes.get(v) is False)
        q = self.quorum()
        if yes >= q:
            return "won"
        if no >= q or len(self.voters) - no < q:
            return "lost"
        return "pending"

    def _has_unapplied_conf_change(self) -> bool:
        ents = self.log.slice(self.log.applied + 1, self.log.committed + 1) or []
        return any(e.type == EntryConfChange for e in ents)

    # -- the message pump -----------------------------------------------------------------
    def step(self, m: Message) -> None:
        """Feed one message (local ones — MsgHup, MsgProp, MsgBeat, MsgReadIndex — have term 0)."""
        if m.term == 0:
            pass
        elif m.term > self.term:
            if m.type in (MsgVote, MsgPreVote):
                force = m.context == campaignTransfer
                in_lease = self.check_quorum and self.lead != NONE and self.election_elapsed < self.election_timeout
                if not force and in_lease:
                    # §6 (thesis): ignore disruptive votes while we hear from a leader
                    return
            if m.type == MsgPreVote:
                pass  # never change our term in response to a pre-vote
            elif m.type == MsgPreVoteResp and not m.reject:
                pass  # we bump our term when we win the pre-vote quorum
            elif m.type in (MsgApp, MsgHeartbeat, MsgSnap):
                self.become_follower(m.term, m.frm)
            else:
                self.become_follower(m.term, NONE)
        elif m.term < self.term:
            if (self.check_quorum or self.pre_vote) and m.type in (MsgHeartbeat, MsgApp):
                # tell a stale leader about the new term so it steps down (etcd-io/raft)
                self.send(Message(MsgAppResp, to=m.frm))
            elif m.type == MsgPreVote:
                self.send(Message(MsgPreVoteResp, to=m.frm, term=self.term, reject=True))
            return

        t = m.type
        if t == MsgHup:
            if self.role == StateLeader:
                return
            if self._has_unapplied_conf_change():
                return  # etcd-io/raft: cannot campaign with a pending conf change to apply
            self.campaign(campaignPreElection if self.pre_vote else campaignElection)
        elif t in (MsgVote, MsgPreVote):
            can_vote = (self.vote == m.frm or (self.vote == NONE and self.lead == NONE)
                        or (t == MsgPreVote and m.term > self.term))
            if can_vote and self.log.is_up_to_date(m.index, m.log_term):
                self.send(Message(_VOTE_RESP[t], to=m.frm, term=m.term))
                if t == MsgVote:
                    self.election_elapsed = 0
                    self.vote = m.frm
            else:
                self.send(Message(_VOTE_RESP[t], to=m.frm, term=self.term, reject=True))
        else:
            self._step(m)

    # -- leader ---------------------------------------------------------------------------
    def _append_entries(self, ents: list[Entry]) -> None:
        li = self.log.last_index() + 1
        t = self.term
        new = _new_tuple
        ents = [new(Entry, (t, li + i, e[2], e[3])) for i, e in enumerate(ents)]
        self.log.append(ents)
        # The leader's own copy counts towards the quorum once persisted (advance), not now:
        # then an acknowledged entry is on a majority of disks (thesis §10.2.1; etcd-io/raft
        # does the same with asynchronous storage writes).

    def _maybe_commit(self) -> bool:
        prs = self.prs
        matches = [prs[v].match for v in self.voters if v in prs]
        q = len(self.voters) // 2 + 1  # quorum()
        if len(matches) < q:
            return False
        matches.sort(reverse=True)
        return self.log.maybe_commit(matches[q - 1], self.term)

    def _send_append(self, to: int, send_if_empty: bool = True) -> bool:
        pr = self.prs[to]
        state = pr.state
        if state == StateReplicate:  # pr.is_paused(), inline: this runs for every MsgApp
            if len(pr.inflights) >= pr.max_inflight:
                return False
        elif state != StateProbe or pr.probe_sent:
            return False
        lg = self.log
        nxt = pr.next
        # lg.term(nxt - 1) and lg.slice(nxt, nxt + max_msg_entries), inline (once per MsgApp)
        si = lg.snap_index
        les = lg.ents
        off = nxt - si - 2
        if off == -1:
            term = lg.snap_term
        elif 0 <= off < len(les):
            term = les[off].term
        else:
            term = None
        ents = None if nxt <= si else les[nxt - si - 1 : nxt - si - 1 + self.max_msg_entries]
        if term is None or ents is None:
            # the entries are compacted away: send the snapshot (§7)
            if not pr.recent_active or self.snapshot is None:
                return False
            s = self.snapshot
            self.send(Message(MsgSnap, to=to, snapshot=s))
            pr.become_snapshot(s.index)
            return True
        if not ents and not send_if_empty:
            return False
        # self.send(Message(MsgApp, to=to, index=pr.next - 1, log_term=term, entries=ents,
        # commit=lg.committed)), built with its sender and term at once
        self.msgs.append(Message(MsgApp, to, self.id, self.term, term, nxt - 1, ents, lg.committed))
        if ents:
            last = ents[-1].index
            if pr.state == StateReplicate:
                pr.next = last + 1  # optimistic: pipeline the next batch
                pr.inflights.append(last)
            elif pr.state == StateProbe:
                pr.probe_sent = True
        elif pr.state == StateProbe:
            pr.probe_sent = True
        return True

    def bcast_append(self) -> None:
        for v in self.prs:
            if v != self.id:
                self._send_append(v)

    def _bcast_heartbeat(self, ctx: Any = None) -> None:
        for v, pr in self.prs.items():
            if v == self.id:
                continue
            # never advance a follower's commit past what it is known to hold
            self.send(Message(MsgHeartbeat, to=v, commit=min(pr.match, self.log.committed), context=ctx))

    def _committed_entry_in_current_term(self) -> bool:
        return self.log.term(self.log.committed) == self.term

    def _step_leader(self, m: Message) -> None:
        t = m.type
        if t == MsgBeat:
            self._bcast_heartbeat()
            return
        if t == MsgCheckQuorum:
            # §6.2 (thesis): a leader that cannot hear from a quorum steps down
            active = sum(1 for v in self.voters if v == self.id or (v in self.prs and self.prs[v].recent_active))
            if active < self.quorum():
                self.become_follower(self.term, NONE)
                return
            for v, pr in self.prs.items():
                if v != self.id:
                    pr.recent_active = False
            return
        if t == MsgProp:
            if not m.entries:
                raise ValueError("stepped empty MsgProp")
            if self.id not in self.prs or self.lead_transferee != NONE:
                raise ProposalDropped()
            for i, e in enumerate(m.entries):
                if e[2] == EntryConfChange:  # e.type
                    if self.pending_conf_index > self.log.applied:
                        # §4.1: one membership change at a time; refuse this one
                        m.entries[i] = Entry(0, 0, EntryNormal, None)
                    else:
                        self.pending_conf_index = self.log.last_index() + i + 1
            self._append_entries(m.entries)
            self.bcast_append()
            return
        if t == MsgReadIndex:
            if len(self.voters) == 1:
                self._answer_read(m, self.log.committed)
                return
            if not self._committed_entry_in_current_term():
                # §6.4: wait until an entry of this term commits before serving reads
                self._pending_read_msgs.append(m)
                return
            self._add_read(m)
            return
        pr = self.prs.get(m.frm)
        if pr is None:
            return
        if t == MsgAppResp:
            pr.recent_active = True
            if m.reject:
                hint = m.reject_hint
                if m.log_term > 0:
                    hint = self.log.find_conflict_by_term(m.reject_hint, m.log_term)
                if pr.maybe_decr_to(m.index, hint):
                    if pr.state == StateReplicate:
                        pr.become_probe()
                    self._send_append(m.frm)
                return
            state = pr.state  # pr.is_paused(), inline
            if state == StateReplicate:
                old_paused = len(pr.inflights) >= pr.max_inflight
            else:
                old_paused = pr.probe_sent if state == StateProbe else True
            if pr.maybe_update(m.index):
                if pr.state == StateProbe:
                    pr.become_replicate()
                elif pr.state == StateSnapshot and pr.match >= pr.pending_snapshot:
                    pr.become_probe()
                    pr.become_replicate()
                if self._maybe_commit():
                    if self._pending_read_msgs:
                        self._release_pending_reads()
                    self.bcast_append()
                elif old_paused:
                    self._send_append(m.frm)
                while self._send_append(m.frm, send_if_empty=False):
                    pass
                if m.frm == self.lead_transferee and pr.match == self.log.last_index():
                    self.send(Message(MsgTimeoutNow, to=m.frm))
        elif t == MsgHeartbeatResp:
            pr.recent_active = True
            pr.probe_sent = False
            if pr.state == StateReplicate and len(pr.inflights) >= pr.max_inflight:
                pr.inflights.popleft()
            if pr.match < self.log.last_index():
                self._send_append(m.frm)
            if m.context is not None and m.context in self._read_only:
                self._ack_read(m.context, m.frm)
        elif t == MsgSnapStatus:
            if pr.state == StateSnapshot:
                if m.reject:
                    pr.pending_snapshot = 0
                pr.become_probe()
                pr.probe_sent = True  # wait for the follower's next answer
        elif t == MsgUnreachable:
            if pr.state == StateReplicate:
                pr.become_probe()
        elif t == MsgTransferLeader:
            lt = m.frm
            if lt == self.id or lt == self.lead_transferee:
                return
            self.lead_transferee = lt
            self.election_elapsed = 0
            if pr.match == self.log.last_index():
                self.send(Message(MsgTimeoutNow, to=lt))
            else:
                self._send_append(lt)

    # ReadIndex bookkeeping (etcd-io/raft read_only.go, ReadOnlySafe)
    def _add_read(self, m: Message) -> None:
        ctx = m.entries[0].data if m.entries else m.context
        if ctx in self._read_only:
            return
        self._read_only[ctx] = (self.log.committed, m, {self.id})
        self._read_queue.append(ctx)
        self._bcast_heartbeat(ctx)

    def _ack_read(self, ctx: Any, frm: int) -> None:
        index, m, acks = self._read_only[ctx]
        acks.add(frm)
        if sum(1 for v in acks if v in self.voters) < self.quorum():
            return
        # every request queued up to ctx is confirmed by this quorum
        i = self._read_queue.index(ctx)
        done, self._read_queue = self._read_queue[: i + 1], self._read_queue[i + 1 :]
        for c in done:
            idx, req, _ = self._read_only.pop(c)
            self._answer_read(req, idx)

    def _answer_read(self, m: Message, index: int) -> None:
        ctx = m.entries[0].data if m.entries else m.context
        if m.frm in (NONE, self.id):
            self.read_states.append(ReadState(index, ctx))
        else:
            self.send(Message(MsgReadIndexResp, to=m.frm, index=index, context=ctx))

    def _release_pending_reads(self) -> None:
        if self._pending_read_msgs and self._committed_entry_in_current_term():
            msgs, self._pending_read_msgs = self._pending_read_msgs, []
            for m in msgs:
                self._add_read(m)

    # -- candidate ------------------------------------------------------------------------
    def _step_candidate(self, m: Message) -> None:
        my_resp = MsgPreVoteResp if self.role == StatePreCandidate else MsgVoteResp
        t = m.type
        if t == MsgProp:
            raise ProposalDropped()
        if t == MsgApp:
            self.become_follower(m.term, m.frm)
            self._handle_append(m)
        elif t == MsgHeartbeat:
            self.become_follower(m.term, m.frm)
            self._handle_heartbeat(m)
        elif t == MsgSnap:
            self.become_follower(m.term, m.frm)
            self._handle_snapshot(m)
        elif t == my_resp:
            res = self._poll(m.frm, t, not m.reject)
            if res == "won":
                if self.role == StatePreCandidate:
                    self.campaign(campaignElection)
                else:
                    self.become_leader()
                    self.bcast_append()
            elif res == "lost":
                self.become_follower(self.term, NONE)
        elif t == MsgReadIndex:
            raise ProposalDropped()  # no leader to ask yet: the caller retries

    # -- follower -------------------------------------------------------------------------
    def _step_follower(self, m: Message) -> None:
        t = m.type
        if t == MsgProp:
            if self.lead == NONE:
                raise ProposalDropped()
            m.to = self.lead
            self.msgs.append(m)  # forward to the leader, as etcd does
        elif t == MsgApp:
            self.election_elapsed = 0
            self.lead = m.frm
            self._handle_append(m)
        elif t == MsgHeartbeat:
            self.election_elapsed = 0
            self.lead = m.frm
            self._handle_heartbeat(m)
        elif t == MsgSnap:
            self.election_elapsed = 0
            self.lead = m.frm
            self._handle_snapshot(m)
        elif t == MsgTransferLeader:
            if self.lead != NONE:
                m.to = self.lead
                self.msgs.append(m)
        elif t == MsgTimeoutNow:
            if self.promotable():
                # §3.10 (thesis): leadership transfer skips pre-vote and the lease check
                self.campaign(campaignTransfer)
        elif t == MsgReadIndex:
            if self.lead == NONE:
                raise ProposalDropped()
            m.to = self.lead
            self.msgs.append(m)
        elif t == MsgReadIndexResp:
            self.read_states.append(ReadState(m.index, m.context))

    def _handle_append(self, m: Message) -> None:
        if m.index < self.log.committed:
            self.send(Message(MsgAppResp, to=m.frm, index=self.log.committed))
            return
        last_new, ok = self.log.maybe_append(m.index, m.log_term, m.commit, m.entries)
        if ok:
            # self.send(Message(MsgAppResp, to=m.frm, index=last_new)), sender and term set at once
            self.msgs.append(Message(MsgAppResp, m.frm, self.id, self.term, 0, last_new))
            return
        # §5.3 with the optimisation: hint the largest index that may match
        hint = min(m.index, self.log.last_index())
        hint = self.log.find_conflict_by_term(hint, m.log_term)
        self.send(Message(MsgAppResp, to=m.frm, index=m.index, reject=True, reject_hint=hint,
                          log_term=self.log.term(hint) or 0))

    def _handle_heartbeat(self, m: Message) -> None:
        self.log.commit_to(min(m.commit, self.log.last_index()))
        self.send(Message(MsgHeartbeatResp, to=m.frm, context=m.context))

    def _handle_snapshot(self, m: Message) -> None:
        s = m.snapshot
        if self._restore(s):
            self.send(Message(MsgAppResp, to=m.frm, index=self.log.last_index()))
        else:
            self.send(Message(MsgAppResp, to=m.frm, index=self.log.committed))

    def _restore(self, s: Snapshot) -> bool:
        if s.index <= self.log.committed:
            return False
        if self.log.match_term(s.index, s.term):
            # we already hold the snapshot's last entry: just fast-forward the commit
            self.log.commit_to(s.index)
            return False
        self.log.restore(s)
        self.snapshot = s
        self._pending_snapshot = s
        self.voters = set(s.voters)
        self.prs = {v: Progress(self.log.last_index() + 1, self.max_inflight) for v in sorted(self.voters)}
        return True

    # -- application interface ------------------------------------------------------------
    def propose(self, data: Any) -> None:
        self.step(Message(MsgProp, frm=self.id, entries=[Entry(0, 0, EntryNormal, data)]))

    def propose_conf_change(self, cc: ConfChange) -> None:
        self.step(Message(MsgProp, frm=self.id, entries=[Entry(0, 0, EntryConfChange, cc)]))

    def read_index(self, ctx: Any) -> None:
        self.step(Message(MsgReadIndex, frm=self.id, entries=[Entry(0, 0, EntryNormal, ctx)]))

    def transfer_leader(self, transferee: int) -> None:
        self.step(Message(MsgTransferLeader, frm=transferee, to=self.id))

    def apply_conf_change(self, cc: ConfChange) -> None:
        """Called by the application when it applies a committed conf-change entry."""
        if cc.type == "ConfChangeAddNode":
            self.voters.add(cc.node_id)
            if cc.node_id not in self.prs:
                pr = Progress(self.log.last_index() + 1, self.max_inflight)
                pr.recent_active = True  # give it a chance before check-quorum counts it out
                self.prs[cc.node_id] = pr
        elif cc.type == "ConfChangeRemoveNode":
            self.voters.discard(cc.node_id)
            self.prs.pop(cc.node_id, None)
        else:
            raise ValueError(f"unknown conf change {cc.type}")
        if self.role == StateLeader:
            if self.id not in self.voters:
                self.become_follower(self.term, NONE)  # a removed leader steps down
                return
            if self.lead_transferee not in (NONE,) and self.lead_transferee not in self.voters:
                self.lead_transferee = NONE
            if self._maybe_commit():
                self.bcast_append()  # a smaller quorum may commit more at once

    def create_snapshot(self, index: int, data: Any, compact_to: int | None = None) -> Snapshot:
        """Record a snapshot of the state machine at ``index`` (applied) and compact the log
        up to ``compact_to`` (default: ``index``). etcd keeps 5000 entries after a snapshot
        for slow followers (SnapshotCatchUpEntries)."""
        t = self.log.term(index)
        if t is None:
            raise ValueError(f"cannot snapshot at compacted index {index}")
        self.snapshot = Snapshot(index, t, tuple(sorted(self.voters)), data)
        self.log.compact(compact_to if compact_to is not None else index)
        return self.snapshot

    def report_unreachable(self, id: int) -> None:
        self.step(Message(MsgUnreachable, frm=id))

    def report_snapshot(self, id: int, failed: bool) -> None:
        self.step(Message(MsgSnapStatus, frm=id, reject=failed))

    def has_ready(self) -> bool:
        lg = self.log
        return bool(self.msgs or lg.last_index() > lg.stabled or lg.committed > lg.applied
                    or self._pending_snapshot is not None or self.read_states
                    or self.lead != self._prev_ss.lead or self.role != self._prev_ss.role
                    or self.term != self._prev_hs.term or self.vote != self._prev_hs.vote
                    or lg.committed != self._prev_hs.commit)

    def ready(self) -> Ready:
        """Everything the caller must do now. Call :meth:`advance` with it when done."""
        lg = self.log
        msgs, self.msgs = self.msgs, []
        last = lg.last_index()
        # slices are new lists: the Ready owns them
        ents = (lg.slice(lg.stabled + 1, last + 1) or []) if last > lg.stabled else []
        phs, pss = self._prev_hs, self._prev_ss
        hs = None  # HardState/SoftState are built only when they changed
        if self.term != phs.term or self.vote != phs.vote or lg.committed != phs.commit:
            hs = HardState(self.term, self.vote, lg.committed)
        ss = None
        if self.lead != pss.lead or self.role != pss.role:
            ss = SoftState(self.lead, self.role)
        committed = []
        if lg.committed > lg.applied:
            committed = lg.slice(lg.applied + 1, lg.committed + 1) or []
        rs, self.read_states = self.read_states, []
        return Ready(msgs, ents, hs, self._pending_snapshot, committed, ss, rs)

    def advance(self, rd: Ready) -> None:
        """The caller persisted ``rd.entries``/``rd.hard_state``/``rd.snapshot`` and applied
        ``rd.committed_entries``."""
        lg = self.log
        if rd.hard_state is not None:
            self._prev_hs = rd.hard_state
        if rd.soft_state is not None:
            self._prev_ss = rd.soft_state
        if rd.snapshot is not None and rd.snapshot is self._pending_snapshot:
            self._pending_snapshot = None
        if rd.entries:
            e = rd.entries[-1]
            # only if that entry was not overwritten since (stableTo's term check)
            if lg.term(e.index) == e.term and e.index > lg.stabled:
                lg.stabled = e.index
        if rd.committed_entries:
            lg.applied = max(lg.applied, rd.committed_entries[-1].index)
        if self.role == StateLeader:
            if self.id in self.prs and self.prs[self.id].maybe_update(lg.stabled) and self._maybe_commit():
                self.bcast_append()  # tell the followers the new commit index
            self._release_pending_reads()

    def __repr__(self) -> str:
        return (f"Raft(id={self.id}, {self.role}, term={self.term}, lead={self.lead}, "
                f"commit={self.log.committed}, applied={self.log.applied}, last={self.log.last_index()})")

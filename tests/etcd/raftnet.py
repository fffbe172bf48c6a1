"""An in-memory network of pure Raft nodes for scenario tests (etcd-io/raft's
``network`` in raft_test.go): messages are delivered by ``stabilize``, nodes can be
isolated, messages dropped. No clock: time is ``tick``."""

from __future__ import annotations

import random

from kubelab.etcd.raft import EntryConfChange, Raft, Ready


class RaftNet:
    def __init__(self, n: int = 3, seed: int = 1, **kw):
        self.ids = list(range(1, n + 1))
        self.nodes = {i: Raft(i, self.ids, rng=random.Random(seed * 100 + i), **kw) for i in self.ids}
        self.applied: dict[int, list] = {i: [] for i in self.ids}  # (index, term, data) applied per node
        self.persisted: dict[int, dict] = {i: {} for i in self.ids}
        self.cut: set[tuple[int, int]] = set()
        self.down: set[int] = set()
        self.inflight: list = []
        self.drop_rate = 0.0
        self.rng = random.Random(seed)

    def add_node(self, i: int, voters: list[int], seed: int = 1, **kw) -> Raft:
        self.ids.append(i)
        self.nodes[i] = Raft(i, voters, rng=random.Random(seed * 100 + i), **kw)
        self.applied[i] = []
        self.persisted[i] = {}
        return self.nodes[i]

    def snapshot(self, i: int, compact_to: int | None = None) -> None:
        r = self.nodes[i]
        r.create_snapshot(r.log.applied, list(self.applied[i]), compact_to=compact_to)

    def isolate(self, i: int) -> None:
        for j in self.ids:
            if j != i:
                self.cut.add((i, j))
                self.cut.add((j, i))

    def heal(self) -> None:
        self.cut.clear()

    def _process(self, i: int) -> list:
        r = self.nodes[i]
        out = []
        while r.has_ready():
            rd: Ready = r.ready()
            if rd.snapshot is not None:
                self.applied[i] = list(rd.snapshot.data)  # the state machine restored from the snapshot
            for e in rd.entries:
                self.persisted[i][e.index] = e
            for e in rd.committed_entries:
                if e.type == EntryConfChange:
                    r.apply_conf_change(e.data)
                self.applied[i].append((e.index, e.term, e.data))
            out.extend(rd.messages)
            r.advance(rd)
        return out

    def deliver_all(self) -> int:
        msgs = []
        for i in self.ids:
            if i not in self.down:
                msgs.extend(self._process(i))
        n = 0
        for m in msgs:
            if m.to in self.down or (m.frm, m.to) in self.cut or m.to not in self.nodes:
                continue
            if self.drop_rate and self.rng.random() < self.drop_rate:
                continue
            self.nodes[m.to].step(m)
            n += 1
        return n

    def stabilize(self, rounds: int = 100) -> None:
        for _ in range(rounds):
            if not self.deliver_all():
                if not any(self.nodes[i].has_ready() for i in self.ids if i not in self.down):
                    return

    def tick(self, n: int = 1) -> None:
        for _ in range(n):
            for i in self.ids:
                if i not in self.down:
                    self.nodes[i].tick()
            self.stabilize()

    def campaign(self, i: int) -> None:
        from kubelab.etcd.raft import Message, MsgHup

        self.nodes[i].step(Message(MsgHup, frm=i))
        self.stabilize()

    def leader(self):
        ls = [r for i, r in self.nodes.items() if i not in self.down and r.role == "StateLeader"]
        return ls[0] if len(ls) == 1 else (ls or [None])[0]


def run_transcript(text: str, n: int = 3, seed: int = 1) -> list[tuple[str, str, str]]:
    """Replay a small text transcript in the manner of etcd-io/raft's testdata: each line
    is a command, optionally followed by ``----`` and the expected output lines. Returns
    (command, expected, got) for every checked command.

    Commands: campaign N · propose N DATA · stabilize · tick N · isolate N · heal ·
    status (role/term/commit per node) · log N (term/index of each entry)."""
    net = RaftNet(n, seed=seed)
    checks = []
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    for block in blocks:
        cmd, _, expected = block.strip().partition("\n----\n")
        out = []
        words = cmd.split()
        if words[0] == "campaign":
            net.campaign(int(words[1]))
        elif words[0] == "propose":
            net.nodes[int(words[1])].propose(words[2].encode())
        elif words[0] == "stabilize":
            net.stabilize()
        elif words[0] == "tick":
            net.tick(int(words[1]))
        elif words[0] == "isolate":
            net.isolate(int(words[1]))
        elif words[0] == "heal":
            net.heal()
        elif words[0] == "status":
            for i in net.ids:
                r = net.nodes[i]
                out.append(f"{i}: {r.role.removeprefix('State')} term={r.term} commit={r.log.committed}")
        elif words[0] == "log":
            r = net.nodes[int(words[1])]
            out.append(" ".join(f"{e.term}/{e.index}" for e in r.log.ents))
        else:
            raise ValueError(f"unknown command {cmd!r}")
        if expected:
            checks.append((cmd, expected.strip(), "\n".join(out)))
    return checks

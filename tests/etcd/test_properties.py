"""Safety under faults, property-based: random schedules of crashes, restarts, partitions
(one-way too), message loss and slow disks against a 3-member cluster, with Raft's safety
properties (Raft paper, Figure 3) checked every 100 ms of simulated time:

* Election safety: at most one leader per term;
* Log matching: two logs holding an entry with the same index and term agree before it;
* Leader completeness: a leader holds every entry committed before its term;
* State machine safety: no two members commit different entries at one index;

and, at the end, that every acknowledged write survived and that acknowledged writes are
ordered by revision as they were in real time (a linearizability check on the history).
"""

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.etcd import EtcdCluster

N = 3

ops = st.one_of(
    st.tuples(st.just("put"), st.integers(1, 8)),
    st.tuples(st.just("get"), st.integers(0, 30)),  # a linearizable read (ReadIndex)
    st.tuples(st.just("stop"), st.integers(0, N - 1)),
    st.tuples(st.just("start"), st.integers(0, N - 1)),
    st.tuples(st.just("isolate"), st.integers(0, N - 1)),
    st.tuples(st.just("cut"), st.integers(0, N - 1), st.integers(0, N - 1), st.booleans()),
    st.tuples(st.just("blip"), st.integers(0, N - 1), st.integers(0, N - 1)),  # drop what is in flight
    st.tuples(st.just("heal")),
    st.tuples(st.just("slow"), st.integers(0, N - 1), st.sampled_from([0.0, 0.02, 0.3])),
    st.tuples(st.just("run"), st.sampled_from([0.05, 0.3, 1.0, 2.5])),
)

ELECTED = re.compile(r"(\w+) elected leader (\w+) at term (\d+)")


class Checker:
    def __init__(self, etcd):
        self.etcd = etcd
        self.committed: dict[int, tuple] = {}  # index -> (entry term, data, observer's term)
        self.leaders: dict[int, str] = {}
        self.checks = 0

    def check(self):
        self.checks += 1
        etcd = self.etcd
        for rec in etcd.trace.filter(reason="ElectedLeader"):
            _, who, term = ELECTED.search(rec.message).groups()
            assert self.leaders.setdefault(int(term), who) == who, f"two leaders in term {term}"
        running = [m for m in etcd.members if m.running]
        logs = {}
        for m in running:
            lg = m.raft.log
            logs[m.name] = {e.index: e for e in lg.ents}
            for e in lg.ents:
                if e.index > lg.committed:
                    break
                seen = self.committed.get(e.index)
                if seen is None:
                    self.committed[e.index] = (e.term, e.data, m.raft.term)
                else:
                    assert seen[0] == e.term and seen[1] == e.data, f"index {e.index} committed twice differently"
        names = sorted(logs)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                la, lb = logs[a], logs[b]
                matched = False
                for idx in sorted(set(la) & set(lb), reverse=True):
                    if la[idx].term == lb[idx].term:
                        matched = True
                    else:
                        assert not matched, f"log matching violated at {idx} between {a} and {b}"
        for m in running:
            if not m.is_leader:
                continue
            lg = m.raft.log
            for idx, (term, data, seen_term) in self.committed.items():
                if seen_term < m.raft.term and idx > lg.snap_index:
                    e = lg.term(idx)
                    assert e == term, f"leader {m.name} (term {m.raft.term}) lacks committed entry {idx}"


def run_schedule(schedule, seed=1):
    etcd = EtcdCluster(members=N, seed=seed)
    sim, net = etcd.sim, etcd.network
    checker = Checker(etcd)
    ticker = sim.every(0.1, checker.check)
    c = etcd.client()
    history = []  # [key, value, invoke, ack time or None, revision]
    seq = [0]

    def put():
        seq[0] += 1
        k, v = f"/p/{seq[0]}", f"v{seq[0]}"
        rec = [k, v, sim.now, None, None]
        history.append(rec)
        ev = c.put_async(k, v)

        def done(ev, rec=rec):
            ev.defused = True
            if ev.ok:
                rec[3], rec[4] = sim.now, ev.value.header.revision

        ev.add_callback(done)

    reads = []  # [key, invoke, response time or None, revision, mod_revision or None]
    readers = [etcd.client(host=m.host) for m in etcd.members]

    def get(i):
        if not history:
            return
        k = history[-1 - i % len(history)][0]
        rec = [k, sim.now, None, None, None]
        reads.append(rec)
        # readers sit on the members' hosts, so reads are served by every member in turn
        ev = readers[i % len(readers)].range_async(k)

        def done(ev, rec=rec):
            ev.defused = True
            if ev.ok:
                r = ev.value
                rec[2], rec[3] = sim.now, r.header.revision
                rec[4] = r.kvs[0].mod_revision if r.kvs else None

        ev.add_callback(done)

    hosts = [m.host for m in etcd.members]
    for op in schedule:
        kind = op[0]
        if kind == "put":
            get(op[1] * 7 + len(history))  # a read racing the writes
            for _ in range(op[1]):
                put()
        elif kind == "get":
            get(op[1])
        elif kind == "stop":
            etcd.members[op[1]].stop()
        elif kind == "start":
            etcd.members[op[1]].start()
        elif kind == "isolate":
            net.partition([hosts[op[1]]], [h for h in hosts if h != hosts[op[1]]])
        elif kind == "cut" and op[1] != op[2]:
            net.cut(hosts[op[1]], hosts[op[2]], oneway=op[3])
        elif kind == "blip" and op[1] != op[2]:
            a, b = hosts[op[1]], hosts[op[2]]
            net.cut(a, b)
            sim.call_later(0.01, net.heal, a, b)
        elif kind == "heal":
            net.heal()
        elif kind == "slow":
            etcd.members[op[1]].slow_disk(op[2])
        elif kind == "run":
            etcd.run(op[1])
        etcd.run(0.1)
    # heal everything and let the cluster settle: it must recover on its own
    net.heal()
    for m in etcd.members:
        m.slow_disk(0)
        m.start()
    etcd.run(6)
    checker.check()
    ticker.cancel()
    lead = etcd.leader
    assert lead is not None, "no leader after healing"
    put()
    for i in range(min(len(history), 10)):
        get(i)
    etcd.run(c.timeout + 1)
    acked = [h for h in history if h[3] is not None]
    assert history[-1][3] is not None, "a write after healing must succeed"
    for k, v, _, _, rev in acked:
        kv = lead.kv.get(k)
        assert kv is not None and kv.value == v.encode() and kv.mod_revision == rev, f"acknowledged write {k} lost"
    # real-time order: a write acknowledged before another was invoked has a lower revision
    for a in acked:
        for b in acked:
            if a[3] < b[2]:
                assert a[4] < b[4], f"{a} acknowledged before {b} started but has a later revision"
    # linearizable reads: a read sees every write acknowledged before it began, and
    # nothing written after it answered
    by_key = {h[0]: h for h in history}
    for k, inv, resp, rev, mod in reads:
        if resp is None:
            continue
        for w in acked:
            if w[3] < inv:
                assert rev >= w[4], f"read of {k} at {inv} returned revision {rev} < acknowledged {w[4]}"
        w = by_key[k]
        if w[3] is not None and w[3] < inv:
            assert mod == w[4], f"stale read of {k}: {mod} != {w[4]}"
        if mod is not None:
            assert w[2] <= resp, f"read of {k} saw a write invoked after it answered"
    STATS["reads"] += sum(1 for r in reads if r[2] is not None)
    # state machine safety, end to end: every member applied the same keyspace
    etcd.run(2)
    ref = lead.kv.range("\x00", "\x00").kvs
    for m in etcd.members:
        if m.running and m.applied_index == lead.applied_index:
            assert m.kv.range("\x00", "\x00").kvs == ref
    return checker, len(acked)


STATS = {"schedules": 0, "checks": 0, "acked": 0, "reads": 0}


@settings(max_examples=int(os.environ.get("KUBELAB_HYPOTHESIS_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=st.lists(ops, min_size=1, max_size=25), seed=st.integers(1, 1000))
def test_safety_under_random_faults(schedule, seed):
    checker, acked = run_schedule(schedule, seed)
    STATS["schedules"] += 1
    STATS["checks"] += checker.checks
    STATS["acked"] += acked


def test_a_harsh_fixed_schedule():
    sched = [("put", 5), ("isolate", 0), ("put", 5), ("run", 2.5), ("stop", 1), ("put", 3), ("heal",),
             ("start", 1), ("cut", 0, 2, True), ("put", 4), ("run", 2.5), ("stop", 0), ("stop", 2),
             ("put", 2), ("start", 0), ("start", 2), ("run", 1.0), ("put", 3)]
    run_schedule(sched, seed=3)


def teardown_module(module):
    print(f"\nproperty schedules: {STATS}")


def test_long_random_schedules():
    """Longer schedules than hypothesis tends to draw: 20 schedules of 120 steps."""
    import random

    for seed in range(20):
        rng = random.Random(seed)
        sched = []
        for _ in range(120):
            x = rng.random()
            if x < 0.35:
                sched.append(("put", rng.randint(1, 6)))
            elif x < 0.45:
                sched.append(("get", rng.randint(0, 30)))
            elif x < 0.55:
                sched.append(("stop", rng.randrange(N)))
            elif x < 0.68:
                sched.append(("start", rng.randrange(N)))
            elif x < 0.74:
                sched.append(("isolate", rng.randrange(N)))
            elif x < 0.80:
                sched.append(("cut", rng.randrange(N), rng.randrange(N), rng.random() < 0.5))
            elif x < 0.86:
                sched.append(("blip", rng.randrange(N), rng.randrange(N)))
            elif x < 0.92:
                sched.append(("heal",))
            elif x < 0.95:
                sched.append(("slow", rng.randrange(N), rng.choice([0.0, 0.02, 0.3])))
            else:
                sched.append(("run", rng.choice([0.05, 0.3, 1.0, 2.5])))
        checker, acked = run_schedule(sched, seed=seed + 1)
        STATS["schedules"] += 1
        STATS["checks"] += checker.checks
        STATS["acked"] += acked

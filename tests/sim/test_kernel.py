"""The simulation kernel: one clock, deterministic order, processes that wait on events."""

import pytest

from kubelab.sim import Network, Simulator


def test_timers_run_in_time_order_and_ties_in_scheduling_order():
    sim = Simulator()
    seen = []
    sim.call_later(2, seen.append, "b")
    sim.call_later(1, seen.append, "a")
    sim.call_later(2, seen.append, "c")
    sim.run()
    assert seen == ["a", "b", "c"]
    assert sim.now == 2


def test_cancelled_timer_never_fires():
    sim = Simulator()
    seen = []
    t = sim.call_later(1, seen.append, "x")
    t.cancel()
    sim.run(until=5)
    assert seen == [] and sim.now == 5


def test_process_waits_on_timeouts_and_receives_values():
    sim = Simulator()
    log = []

    def worker():
        v = yield sim.timeout(3, value="done")
        log.append((sim.now, v))
        return 42

    p = sim.spawn(worker(), "w")
    assert sim.run_until(p) == 42
    assert log == [(3, "done")]


def test_failed_event_is_thrown_into_the_process():
    sim = Simulator()

    def worker():
        ev = sim.event()
        sim.call_later(1, ev.fail, ValueError("boom"))
        try:
            yield ev
        except ValueError as exc:
            return str(exc)

    assert sim.run_until(sim.spawn(worker())) == "boom"


def test_interrupt_stops_a_waiting_process():
    sim = Simulator()

    def sleeper():
        yield sim.timeout(100)

    p = sim.spawn(sleeper())
    sim.call_later(1, p.interrupt, "stop")
    sim.run(until=2)
    assert not p.alive


def test_named_random_streams_depend_only_on_seed_and_name():
    a, b = Simulator(seed=3), Simulator(seed=3)
    a.rng("other").random()  # using another stream does not shift this one
    assert a.rng("raft/1").random() == b.rng("raft/1").random()
    assert Simulator(seed=4).rng("raft/1").random() != Simulator(seed=3).rng("raft/1").random()


def test_run_until_times_out_instead_of_hanging():
    sim = Simulator()
    with pytest.raises(TimeoutError):
        sim.run_until(sim.event(), limit=5)
    assert sim.now == 5


def test_network_drops_messages_across_a_cut_and_to_stopped_hosts():
    sim = Simulator()
    net = Network(sim, default_latency=0.01)
    got = []
    assert net.send("a", "b", got.append, 1)
    sim.run()  # delivered after the link's latency
    net.cut("a", "b", oneway=True)
    assert not net.send("a", "b", got.append, 2)
    assert net.send("b", "a", got.append, 3)  # the other direction still works
    sim.run()
    net.heal()
    net.send("a", "b", got.append, 4)
    net.stop("b")  # b dies with message 4 in flight: it is never delivered
    sim.run()
    assert got == [1, 3]
    assert sim.now == pytest.approx(0.03)


def test_every_repeats_until_cancelled():
    sim = Simulator()
    ticks = []
    h = sim.every(2, lambda: ticks.append(sim.now))
    sim.run(until=7)
    h.cancel()
    sim.run(until=20)
    assert ticks == [2, 4, 6]


def test_the_collector_thresholds_are_raised_only_while_the_clock_runs():
    import gc

    sim = Simulator()
    before = gc.get_threshold()
    seen = []
    sim.call_later(1, lambda: seen.append(gc.get_threshold()))
    sim.run()
    assert seen[0][0] >= 200_000 and gc.get_threshold() == before

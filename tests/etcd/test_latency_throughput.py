"""etcd's latency-throughput curve in simulated time (kubelab.etcd.latency_throughput),
measured as etcd's own benchmark tool does it: N closed-loop clients, one put in flight
each (upstream: etcd tools/benchmark/cmd/put.go, ``benchmark put --clients N``)."""

import pytest

from kubelab.etcd import CurvePoint, EtcdCluster, latency_throughput


def test_throughput_rises_then_saturates_while_latency_climbs():
    rows = latency_throughput(EtcdCluster(members=3, seed=1), clients=(1, 16, 256, 1024, 2048), seconds=0.2)
    assert [r.clients for r in rows] == [1, 16, 256, 1024, 2048]
    tput = [r.writes_per_second for r in rows]
    p50 = [r.p50 for r in rows]
    # more clients, more writes per second ... until the members are the bottleneck
    assert tput[0] < tput[1] < tput[2] < tput[3]
    assert tput[4] == pytest.approx(tput[3], rel=0.1)
    # an idle etcd answers in milliseconds; past saturation twice the clients wait twice as long
    assert p50[0] < 0.008
    assert p50 == sorted(p50) and all(r.p99 >= r.p50 for r in rows)
    assert p50[4] > 1.8 * p50[3] and p50[3] > 3 * p50[0]


def test_a_slow_disk_lowers_the_saturation_point():
    fast = latency_throughput(EtcdCluster(members=3, seed=1), clients=(1024, 2048), seconds=0.2)
    etcd = EtcdCluster(members=3, seed=1)
    for member in etcd.members:
        member.slow_disk(0.010)  # every fsync 10 ms slower (etcd's hardware guide wants p99 under 10 ms)
    slow = latency_throughput(etcd, clients=(1, 4096, 8192), seconds=0.2)
    assert slow[2].writes_per_second == pytest.approx(slow[1].writes_per_second, rel=0.1)  # saturated too
    assert max(r.writes_per_second for r in slow) < 0.8 * max(r.writes_per_second for r in fast)
    assert slow[0].p50 > 0.020  # one client waits for the slow fsyncs of a majority


def test_the_curve_is_deterministic_and_rows_print_in_milliseconds():
    a = latency_throughput(EtcdCluster(members=1, seed=5), clients=(1, 8), seconds=0.1)
    b = latency_throughput(EtcdCluster(members=1, seed=5), clients=(1, 8), seconds=0.1)
    assert a == b and isinstance(a[0], CurvePoint)
    assert str(a[1]).startswith("    8 clients ") and "writes/s" in str(a[1]) and " ms" in str(a[1])


@pytest.mark.parametrize("clients, seconds", [((), 1.0), ((0,), 1.0), ((1.5,), 1.0), ((True,), 1.0),
                                              ((1,), 0), ((1,), float("inf")), ((1,), "1")])
def test_bad_arguments_are_refused_before_anything_runs(clients, seconds):
    etcd = EtcdCluster(members=1, seed=1)
    before = etcd.sim.now
    with pytest.raises(ValueError):
        latency_throughput(etcd, clients=clients, seconds=seconds)
    assert etcd.sim.now == before

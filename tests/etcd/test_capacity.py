"""etcd's capacity in simulated time: throughput saturates and latency climbs with load."""

import pytest

from kubelab.etcd import EtcdCluster, latency_throughput
from kubelab.etcd import errors as E


def closed_loop(clients, seconds=1.0):
    """Writes per simulated second and median latency of ``clients`` closed-loop clients
    (kubelab.etcd.latency_throughput, as etcd's ``benchmark put --clients N``)."""
    (row,) = latency_throughput(EtcdCluster(members=3, seed=3), clients=(clients,), seconds=seconds)
    return row.writes_per_second, row.p50


def test_writes_saturate_and_latency_climbs_with_load():
    light_tput, light_p50 = closed_loop(8)
    heavy_tput, heavy_p50 = closed_loop(2048)
    heavier_tput, heavier_p50 = closed_loop(4096)
    assert light_p50 < 0.008
    # the apply loop is the bottleneck: twice the clients, about the same writes per second
    assert heavier_tput == pytest.approx(heavy_tput, rel=0.1)
    assert heavier_p50 > 1.8 * heavy_p50 and heavy_p50 > 5 * light_p50


def test_a_request_over_1_5_mib_is_refused():
    etcd = EtcdCluster(members=1, seed=1)
    with pytest.raises(Exception, match="etcdserver: request is too large"):
        etcd.client().put("/big", b"x" * (3 * 1024 * 1024 // 2))
    assert E.ErrRequestTooLarge.message == "etcdserver: request is too large"

"""The Raft timeline: each member's role and term over time, from etcd's own trace."""

import kubelab as kl
from kubelab.viz.raftview import lanes_from_trace


def failover():
    etcd = kl.EtcdCluster(3, seed=1)
    etcd.run(3)
    old = etcd.leader
    old.stop()
    etcd.run(3)
    return etcd, old


def test_a_bare_etcd_cluster_offers_the_view():
    etcd, old = failover()
    assert "raft_timeline" in dir(etcd.views)
    tl = etcd.views.raft_timeline()
    lanes = {lane.member: lane for lane in tl.lanes}
    # the old leader: leader, then stopped at the moment it was stopped
    roles = [s.role for s in lanes[old.name].segments]
    assert roles[-2:] == ["leader", "stopped"]
    assert (lanes[old.name].segments[-1].start, "stopped") in [(t, k) for t, k in lanes[old.name].marks]
    # the new leader went through an election in a higher term and is leader now
    new = etcd.leader
    segs = lanes[new.name].segments
    assert segs[-1].role == "leader" and segs[-1].term == new.term > old.term
    assert "candidate" in [s.role for s in segs]
    assert any(k == "elected" for _, k in lanes[new.name].marks)
    # the window starts 2 s before the stop and ends now
    assert tl.since == old_stop(etcd) - 2.0 and tl.until == etcd.sim.now


def old_stop(etcd):
    return [r.time for r in etcd.trace if r.reason == "MemberStopped"][-1]


def test_the_logs_carry_the_commit_index_and_the_stopped_member_lags():
    etcd, old = failover()
    tl = etcd.views.raft_timeline()
    logs = {name: (ents, commit, running) for name, ents, commit, running in tl.logs}
    ents, commit, running = logs[etcd.leader.name]
    assert ents[-1] == (etcd.leader.raft.log.last_index(), etcd.leader.term)  # the new leader's empty entry
    assert commit == etcd.leader.commit_index
    assert logs[old.name][2] is False and logs[old.name][1] < commit


def test_the_picture_is_themed_svg_with_a_lane_per_member():
    etcd, old = failover()
    html = etcd.views.raft_timeline()._repr_html_()
    assert html.count("<svg") == 1
    for m in etcd.members:
        assert f">{m.name}</text>" in html
    assert "var(--jp-ui-font-color1" in html  # the theme's text colour, with a fallback
    assert "elected at" in html and "commit " in html


def test_the_cluster_view_reads_the_cluster_etcd():
    c = kl.Cluster(masters=3, seed=7)
    c.run(5)
    c.etcd.leader.stop()
    c.run(3)
    tl = c.views.raft_timeline(since=0)
    assert tl.since == 0 and [lane.member for lane in tl.lanes] == ["master-1", "master-2", "master-3"]
    assert "stopped" in tl.text()


def test_lanes_from_trace_is_plain_data():
    etcd, _ = failover()
    lanes = lanes_from_trace(etcd.trace, [m.name for m in etcd.members], etcd.sim.now)
    for lane in lanes:
        ends = [(s.start, s.end) for s in lane.segments]
        assert all(a < b for a, b in ends)
        assert all(prev[1] == nxt[0] for prev, nxt in zip(ends, ends[1:]))  # no gaps, no overlaps

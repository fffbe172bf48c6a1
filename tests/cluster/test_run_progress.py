"""`History.on_progress`: a listener follows every cluster's `run` in slices of simulated
time (the view layer's progress bar uses it); listening changes nothing in the history."""

import kubelab as kl
from kubelab.cluster import History

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}


def build():
    cluster = kl.Cluster(masters=1, seed=5)
    cluster.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    cluster.apply(WEB)
    return cluster


def test_a_listener_sees_the_run_start_advance_and_end():
    seen = []

    def listen(p):
        seen.append((p.phase, round(p.now, 6), p.events, round(p.fraction, 3)))

    History.on_progress(listen)
    try:
        cluster = build()
        start = round(cluster.now, 6)
        cluster.run(seconds=20)
    finally:
        History.remove_progress(listen)
    runs = [i for i, s in enumerate(seen) if s[0] == "start"]
    last = seen[runs[-1]:]
    assert last[0][:2] == ("start", start) and last[0][2] == 0
    assert last[-1][0] == "end" and last[-1][1] == round(start + 20, 6) and last[-1][3] == 1.0
    steps = [s for s in last if s[0] == "step"]
    assert len(steps) == 100
    assert [s[1] for s in steps] == sorted(s[1] for s in steps)
    assert [s[2] for s in steps] == sorted(s[2] for s in steps) and steps[-1][2] > 0
    n = len(seen)
    cluster.run(seconds=1)  # no listener any more: nothing arrives
    assert len(seen) == n


def test_a_watched_run_lives_the_same_history_as_an_unwatched_one():
    quiet = build()
    quiet.run(seconds=30)
    slices = []
    History.on_progress(slices.append)
    try:
        watched = build()
        watched.history.every(7, lambda: None)  # checkpoints inside a sliced run
        watched.run(seconds=30)
    finally:
        History.remove_progress(slices.append)
    assert len(slices) > 100
    assert watched.history.digest() == quiet.history.digest()
    assert watched.sim.events_processed == quiet.sim.events_processed

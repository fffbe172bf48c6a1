"""The progress bar for long `cluster.run` calls: it appears only after a second of wall
time, shows simulated time and events/s, and never appears outside a watched notebook."""

import kubelab as kl
from kubelab.cluster import History
from kubelab.viz import progress


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def watched_run(view, seconds, wall_per_step):
    clock = view.clock
    cluster = kl.Cluster(masters=1, seed=1)

    def tick(p):
        clock.t += wall_per_step  # each slice "takes" this much wall time

    History.on_progress(tick)
    History.on_progress(view)
    try:
        cluster.run(seconds=seconds)
    finally:
        History.remove_progress(view)
        History.remove_progress(tick)
    return cluster


def test_a_run_longer_than_a_second_of_wall_time_shows_a_bar_that_ends_full():
    shown = []
    view = progress.ProgressView(clock=FakeClock(), show=shown.append)
    watched_run(view, seconds=10, wall_per_step=0.05)  # ~5 s of "wall time"
    assert len(shown) == 1
    bar, label = shown[0].children
    assert bar.value == 1.0 and bar.bar_style == "success"
    assert label.value.startswith("t=") and "of" in label.value and "events/s" in label.value


def test_a_quick_run_shows_nothing():
    shown = []
    view = progress.ProgressView(clock=FakeClock(), show=shown.append)
    watched_run(view, seconds=10, wall_per_step=0.001)  # ~0.1 s
    assert shown == []


def test_no_bar_under_pytest_or_in_a_plain_script():
    assert progress.interactive() is False  # no kernel here, and pytest is running
    view = progress.ProgressView(clock=FakeClock())  # displays for real when interactive
    watched_run(view, seconds=10, wall_per_step=0.05)
    assert view.shown == 0 and view.bar is None

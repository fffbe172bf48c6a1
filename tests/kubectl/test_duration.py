"""Ages as kubectl prints them: apimachinery's duration_test.go table, and the edges."""

import pytest

from kubelab.kubectl.duration import human_duration, rfc1123z, short_human_duration, translate_timestamp_since

H = 3600
D = 24 * H


@pytest.mark.parametrize(
    "seconds,want",
    [
        # k8s.io/apimachinery/pkg/util/duration/duration_test.go TestHumanDuration
        (1, "1s"),
        (70, "70s"),
        (190, "3m10s"),
        (70 * 60, "70m"),
        (47 * H, "47h"),
        (49 * H, "2d1h"),
        ((8 * 24 + 2) * H, "8d"),
        (367 * D, "367d"),
        ((365 * 2 * 24 + 25) * H, "2y1d"),
        ((365 * 8 * 24 + 2) * H, "8y"),
        # the boundaries between precisions
        (0, "0s"),
        (-1, "0s"),  # up to one second in the future is "now"
        (-2, "<invalid>"),
        (5, "5s"),
        (119, "119s"),
        (120, "2m"),
        (123, "2m3s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * H - 1, "179m"),
        (3 * H, "3h"),
        (7 * H + 59 * 60, "7h59m"),
        (8 * H, "8h"),
        (5 * D, "5d"),
        (5 * D + 3 * H, "5d3h"),
        (2 * 365 * D, "2y"),
    ],
)
def test_human_duration(seconds, want):
    assert human_duration(seconds) == want


@pytest.mark.parametrize(
    "seconds,want",
    [(1, "1s"), (59, "59s"), (60, "1m"), (3599, "59m"), (3600, "1h"), (25 * H, "1d"), (400 * D, "1y"), (-5, "<invalid>")],
)
def test_short_human_duration(seconds, want):
    assert short_human_duration(seconds) == want


def test_translate_timestamp_since_uses_simulated_now():
    assert translate_timestamp_since("2025-01-01T00:00:00Z", now=123) == "2m3s"
    assert translate_timestamp_since(None, now=5) == "<unknown>"
    assert translate_timestamp_since("", now=5) == "<unknown>"


def test_rfc1123z_is_gos_layout():
    assert rfc1123z("2025-01-01T00:00:05Z") == "Wed, 01 Jan 2025 00:00:05 +0000"
    assert rfc1123z(None) == "<unset>"

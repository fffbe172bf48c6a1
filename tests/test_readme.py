"""The README's tour runs as written and prints what the README shows (a cluster is
deterministic for a seed, so its output can be quoted)."""

from pathlib import Path

from tests.readme_tour import blocks, matches, run

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_tour_runs_and_prints_what_it_shows():
    tour = blocks(README.read_text())
    assert tour, "the README has no python block"
    assert any(b.expected for b in tour), "the README shows no output to check"
    assert run(README.read_text()) == []


def test_a_wrong_output_in_the_readme_is_caught():
    readme = "```python\nprint('NAME   READY')\nprint('web    1/1')\n```\n\n```text\nNAME   READY\nweb    0/1\n```\n"
    (problem,) = run(readme)
    assert "the output shown after the block at line 2 is not what it prints" in problem


def test_dots_stand_for_left_out_lines_and_nothing_else():
    assert matches("Name: web\n...\nEvents: <none>\n", "Name: web\nA: 1\nB: 2\nEvents: <none>\n")
    assert matches("Name: web\n...\nEvents: <none>\n", "Name: web\nEvents: <none>\n\n")
    assert not matches("Name: web\n...\nEvents: <none>\n", "Name: db\nA: 1\nEvents: <none>\n")
    assert not matches("Name: web\n", "Name: web\nA: 1\n")

"""The benchmark's regression guard: a real loss is flagged, noise inside the spread is not."""

from __future__ import annotations

from benchmarks import guard
from benchmarks.run import ratio_samples, regressions

KEPT = {"median": 1.0, "min": 0.95, "max": 1.05, "date": "2026-12-01", "runs": 3, "better": "lower"}


def test_a_loss_beyond_tolerance_and_outside_the_spread_is_regressed():
    verdict = guard.judge("story", [1.3, 1.32, 1.35], KEPT, higher_is_better=False)
    assert verdict.status == "REGRESSED"
    assert "2026-12-01" in verdict.why and "32% worse" in verdict.why


def test_a_loss_inside_the_spread_of_its_runs_is_noise():
    # The median is 20% worse, but one run is as good as the kept worst: not proven.
    verdict = guard.judge("story", [1.04, 1.2, 1.3], KEPT, higher_is_better=False)
    assert verdict.status == "ok" and "noise" in verdict.why


def test_direction_follows_the_unit():
    # rows/s: higher is better, so a lower ratio is the loss.
    kept = {**KEPT, "better": "higher"}
    assert guard.judge("rows", [0.7, 0.72, 0.75], kept, higher_is_better=True).status == "REGRESSED"
    assert guard.judge("rows", [1.3, 1.32, 1.35], kept, higher_is_better=True).status == "improved"
    assert guard.judge("s", [0.7, 0.72, 0.75], KEPT, higher_is_better=False).status == "improved"


def test_within_tolerance_is_ok_and_an_unknown_figure_is_new():
    assert guard.judge("story", [1.1, 1.12, 1.14], KEPT, higher_is_better=False).status == "ok"
    assert guard.judge("story", [1.1], None, higher_is_better=False).status == "new"


def test_keep_records_one_scale_and_leaves_the_other(tmp_path):
    path = tmp_path / "figures.json"
    guard.keep("quick", {"a": guard.record([2.0, 1.0, 3.0], "2026-12-03", False)}, path)
    guard.keep("full", {"b": guard.record([1.0], "2026-12-03", True)}, path)
    assert guard.load("quick", path)["a"] == {"median": 2.0, "min": 1.0, "max": 3.0, "runs": 3,
                                               "date": "2026-12-03", "better": "lower"}
    assert set(guard.load("full", path)) == {"b"}


def test_the_report_names_the_regressed_figure(monkeypatch, tmp_path):
    runs = [{"story_wall_s": s, "baseline_wall_s": 1.0} for s in (4.0, 4.2, 4.4)]
    label = "story without the loop (telco-churn story), wall s"
    samples, higher = ratio_samples(runs, 1000)[label]
    assert samples == [4.0, 4.2, 4.4] and higher is False
    path = tmp_path / "figures.json"
    guard.keep("full", {label: guard.record([3.0, 3.1, 3.2], "2026-12-01", False)}, path)
    monkeypatch.setattr(guard, "FIGURES_FILE", path)
    lines = [line for line in regressions(runs, 1000, "full") if label in line]
    assert lines and lines[0].split()[0] == "REGRESSED"


def test_the_readme_quotes_the_kept_figures():
    """benchmarks/README.md's kept-figures block is exactly what figures.json gives (--keep writes both)."""
    readme = guard.README.read_text(encoding="utf-8")
    assert guard.with_kept_figures(readme) == readme, "run `python -m benchmarks.guard --write-readme` and commit"


def test_the_kept_figures_block_shows_ratios_spreads_and_the_loop(tmp_path):
    path = tmp_path / "figures.json"
    guard.keep("full", {"story": guard.record([2.0, 2.2, 2.4], "2026-12-03", False, 8.8, 4.0, "s"),
                        "  the loop, s": guard.record_value([9.0, 10.0, 11.0], "2026-12-03", "s")}, path)
    block = guard.markdown(path)
    assert "| story | 8.80 | 4.00 | 2.20 (2.00-2.40) |" in block
    assert "| ... the loop, s | 10.00 (9.00-11.00) | | |" in block
    assert "100,000 rows, one run): nothing kept yet." in block
    changed = guard.with_kept_figures(f"a\n{guard.BEGIN}\nold\n{guard.END}\nb", path)
    assert changed == f"a\n{block}\nb"


def test_one_run_on_a_side_is_never_called_a_regression_but_is_said():
    # A --quick run (one sample) against a kept one-run figure: 40% worse, but no spread on either side.
    one = {**KEPT, "min": 1.0, "max": 1.0, "runs": 1}
    for samples, kept in (([1.4], KEPT), ([1.38, 1.4, 1.45], one), ([1.4], one)):
        verdict = guard.judge("ftc", samples, kept, higher_is_better=False)
        assert verdict.status == "worse?" and "40% worse" in verdict.why and "--repeat" in verdict.why
    assert guard.judge("ftc", [1.05], one, higher_is_better=False).status == "ok"

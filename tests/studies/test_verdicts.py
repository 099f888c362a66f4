"""The winner rule: a setting wins a metric only when the gap beats the spread across seeds."""

from ganlab.studies.report import verdict_line
from ganlab.studies.tables import decide, summarize


def rows(setting: str, modes: list[float], js: list[float]) -> list[dict]:
    return [{"d_lr": setting, "status": "ok", "modes_captured": m, "num_modes": 8, "hq_fraction": 0.5, "js": j,
             "reverse_kl": 0.1, "epochs_to_js": None, "epochs_per_s": 100.0}
            for m, j in zip(modes, js, strict=True)]


def test_equal_results_have_no_winner():
    stats = summarize(rows("a", [8, 8, 8], [0.2] * 3) + rows("b", [8, 8, 8], [0.2] * 3), ["d_lr"])
    for metric in ("modes", "hq", "js"):
        verdict = decide(stats, metric)
        assert not verdict.winner and verdict.gap == 0
        assert "tie" in verdict_line(verdict, "ring8")


def test_a_gap_inside_the_seed_spread_is_a_tie():
    stats = summarize(rows("a", [8, 2, 8], [0.2, 0.6, 0.2]) + rows("b", [6, 6, 6], [0.3] * 3), ["d_lr"])
    verdict = decide(stats, "modes")
    assert verdict.best.setting == {"d_lr": "a"} and verdict.gap < verdict.spread and not verdict.winner


def test_a_gap_beyond_the_spread_wins_and_lower_js_is_better():
    stats = summarize(rows("a", [8, 8, 7], [0.20, 0.21, 0.22]) + rows("b", [3, 4, 3], [0.50, 0.52, 0.51]),
                      ["d_lr"])
    modes, js = decide(stats, "modes"), decide(stats, "js")
    assert modes.winner and modes.best.setting == {"d_lr": "a"}
    assert js.winner and js.best.setting == {"d_lr": "a"}
    assert "wins" in verdict_line(js, "ring8") and "seed spread" in verdict_line(js, "ring8")


def test_a_diverged_run_scores_worst_and_widens_the_spread():
    diverged = rows("a", [8], [0.2]) + [{**rows("a", [0], [0.7])[0], "status": "diverged"}]
    stats = summarize(diverged + rows("b", [5, 5], [0.3, 0.3]), ["d_lr"])
    a = next(s for s in stats if s.setting == {"d_lr": "a"})
    assert a.modes == (4.0, 4.0) and not decide(stats, "modes").winner


def test_interpolation_metrics_get_the_same_rule_smaller_steps_winning():
    smooth = [{**r, "interp_lerp_step2": v, "interp_lerp_hq": 0.9} for r, v in zip(rows("a", [8] * 3, [0.2] * 3),
                                                                                  [1.0, 1.1, 0.9], strict=True)]
    rough = [{**r, "interp_lerp_step2": v, "interp_lerp_hq": 0.9} for r, v in zip(rows("b", [8] * 3, [0.2] * 3),
                                                                                 [3.0, 3.2, 2.8], strict=True)]
    stats = summarize(smooth + rough, ["d_lr"])
    step, hq = decide(stats, "interp_lerp_step2"), decide(stats, "interp_lerp_hq")
    assert step.winner and step.best.setting == {"d_lr": "a"}
    assert not hq.winner and "tie" in verdict_line(hq, "ring8")
    assert decide(stats, "interp_slerp_step2") is None  # uniform-noise runs have no slerp

"""A sweep's written outputs: runs.csv, history.csv, summary.md, the PNG plots and report.html.

report.html is one self-contained file (inline CSS, PNGs as base64 data URIs, no scripts or
external links), so it can be mailed or printed as is.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from ganlab.studies.spec import SweepSpec, setting_label
from ganlab.studies.tables import (
    DECISION_METRICS,
    INTERP_METRICS,
    SettingStats,
    Verdict,
    decide,
    stat_of,
    summarize,
    write_history_csv,
    write_runs_csv,
)

PLOT_FILES = ("curves.png", "scatter.png", "modes.png")


def _pm(stat: tuple[float, float] | None, fmt: str = "{:.3f}", scale: float = 1.0) -> str:
    if stat is None:
        return "–"
    return f"{fmt.format(stat[0] * scale)} ± {fmt.format(stat[1] * scale)}"


def stats_table(stats: list[SettingStats], threshold: float) -> tuple[list[str], list[list[str]]]:
    """Header and rows shared by summary.md and report.html."""
    interp = [m for m in INTERP_METRICS if any(m in s.interp for s in stats)]
    header = ["setting", "runs", "diverged", "final JS", "modes captured", "HQ %", "reverse KL",
              f"epochs to JS ≤ {threshold:g}", "epochs/s", *(INTERP_TITLES[m] for m in interp)]
    rows = []
    for s in stats:
        modes = f"{_pm(s.modes, '{:.1f}')} / {s.num_modes}" if s.modes else "–"
        reach = f"{_pm(s.epochs_to_js, '{:.0f}')} ({s.reached}/{s.runs})" if s.reached else "never"
        rows.append([setting_label(s.setting), str(s.runs), str(s.diverged + s.errors), _pm(s.js), modes,
                     _pm(s.hq, "{:.1f}", 100.0), _pm(s.reverse_kl, "{:.2f}"), reach,
                     f"{s.epochs_per_s:.0f}" if s.epochs_per_s else "–",
                     *(_pm(s.interp.get(m), *INTERP_FORMATS[m]) for m in interp)])
    return header, rows


INTERP_TITLES = {"interp_lerp_step2": "lerp step²", "interp_lerp_hq": "lerp HQ %",
                 "interp_slerp_step2": "slerp step²", "interp_slerp_hq": "slerp HQ %"}
INTERP_FORMATS = {"interp_lerp_step2": ("{:.2g}", 1.0), "interp_lerp_hq": ("{:.1f}", 100.0),
                  "interp_slerp_step2": ("{:.2g}", 1.0), "interp_slerp_hq": ("{:.1f}", 100.0)}


def _short(setting: dict[str, Any]) -> str:
    """A setting's label without the dataset, which the verdict line already names."""
    return setting_label({k: v for k, v in setting.items() if k != "dataset"} or setting)


METRIC_WORDS = {"modes": ("modes captured", "{:.1f}", 1.0), "hq": ("HQ %", "{:.1f}", 100.0),
                "js": ("final JS", "{:.3f}", 1.0),
                "interp_lerp_step2": ("lerp step²", "{:.2g}", 1.0), "interp_lerp_hq": ("lerp HQ %", "{:.1f}", 100.0),
                "interp_slerp_step2": ("slerp step²", "{:.2g}", 1.0),
                "interp_slerp_hq": ("slerp HQ %", "{:.1f}", 100.0)}


def verdict_line(v: Verdict, dataset: str) -> str:
    """One metric's verdict in words: a winner only when the gap beats the spread across seeds."""
    name, fmt, scale = METRIC_WORDS[v.metric]
    best = _pm(stat_of(v.best, v.metric), fmt, scale)
    if v.runner is None:
        return f"{name} on {dataset}: only {_short(v.best.setting)} ({best})."
    runner = _pm(stat_of(v.runner, v.metric), fmt, scale)
    gap, spread = fmt.format(v.gap * scale), fmt.format(v.spread * scale)
    if v.winner:
        return (f"**{name} on {dataset}: {_short(v.best.setting)} wins**, {best} vs {runner} for "
                f"{_short(v.runner.setting)} (gap {gap} > seed spread {spread}).")
    return (f"{name} on {dataset}: tie. Best mean {_short(v.best.setting)} {best}, runner-up "
            f"{_short(v.runner.setting)} {runner}; the gap {gap} is within the seed spread {spread}.")


def winner_lines(stats: list[SettingStats], spec: SweepSpec) -> list[str]:
    """Per dataset and metric (modes, HQ, JS, then interpolation): the verdict of tables.decide."""
    by_dataset: dict[str, list[SettingStats]] = {}
    for s in stats:
        by_dataset.setdefault(str(s.setting.get("dataset", spec.dataset)), []).append(s)
    lines = []
    for dataset, group in by_dataset.items():
        for metric in DECISION_METRICS:
            verdict = decide(group, metric)
            if verdict is not None:
                lines.append(verdict_line(verdict, dataset))
    return lines


def summary_markdown(spec: SweepSpec, stats: list[SettingStats], n_results: int) -> str:
    header, rows = stats_table(stats, spec.js_threshold)
    grid = "; ".join(f"{k} = {', '.join(map(str, v))}" for k, v in spec.grid.items())
    fixed = ", ".join(f"{k}={v}" for k, v in spec.fixed.items()) or "none"
    out = [
        f"# Sweep on {spec.datasets}", "",
        f"Grid: {grid}. Seeds per setting: {spec.seeds}. Epochs: {spec.epochs} (metrics every {spec.every}). "
        f"Base params: preset `{spec.preset_params}`, `--set` {fixed}. Runs: {n_results}.", "",
        "Mean ± std across seeds of the final metrics. Diverged runs count as JS = ln 2, 0 modes, "
        "0 % HQ. A setting wins a metric only when its mean beats the runner-up's by more than the larger "
        "of the two std across seeds; otherwise the metric is a tie.", "",
        "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows), "",
        *winner_lines(stats, spec), "",
    ]
    return "\n".join(out)


def _img_tag(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{path.stem}" src="data:image/png;base64,{data}"></figure>'


def _html_table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> Any:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else value


def report_html(spec: SweepSpec, stats: list[SettingStats], run_rows: list[dict[str, Any]],
                plots: list[Path], keys: list[str]) -> str:
    header, rows = stats_table(stats, spec.js_threshold)
    run_cols = [*keys, "seed", "status", "js", "modes_captured", "hq_fraction", "epochs_per_s", "diverged_at"]
    runs = [[_cell(r.get(c)) for c in run_cols] for r in run_rows]
    winners = "".join(f"<p>{html.escape(line).replace('**', '')}</p>" for line in winner_lines(stats, spec))
    style = ("body{font:14px/1.4 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
             "text-align:right}th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}")
    title = f"ganlab sweep on {html.escape(spec.datasets)}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{style}</style></head><body><h1>{title}</h1>"
            f"<p>Grid {html.escape(str(spec.grid))}, {spec.seeds} seeds, {spec.epochs} epochs, base preset "
            f"{html.escape(str(spec.preset_params))}, set {html.escape(str(spec.fixed))}.</p>"
            f"<h2>Summary</h2>{_html_table(header, rows)}{winners}<h2>Plots</h2>"
            + "".join(_img_tag(p) for p in plots)
            + f"<h2>Runs</h2>{_html_table(run_cols, runs)}</body></html>")


def write_reports(out: Path, spec: SweepSpec, results: list[dict[str, Any]], plots: bool = True) -> list[str]:
    """Write every table, plot and report into `out`; returns the winner lines."""
    from ganlab.studies.plots import write_plots

    keys = list(spec.grid)  # the spec, not the stored results, decides the order of columns
    run_rows = write_runs_csv(out / "runs.csv", results, keys, spec.js_threshold)
    write_history_csv(out / "history.csv", results, keys)
    stats = summarize(run_rows, keys)
    (out / "summary.md").write_text(summary_markdown(spec, stats, len(results)))
    pngs = write_plots(out, results, keys) if plots and results else []
    (out / "report.html").write_text(report_html(spec, stats, run_rows, pngs, keys))
    return winner_lines(stats, spec)

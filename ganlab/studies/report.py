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
    SettingStats,
    ranking_key,
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
    header = ["setting", "runs", "diverged", "final JS", "modes captured", "HQ %",
              f"epochs to JS ≤ {threshold:g}", "epochs/s"]
    rows = []
    for s in stats:
        modes = f"{_pm(s.modes, '{:.1f}')} / {s.num_modes}" if s.modes else "–"
        reach = f"{_pm(s.epochs_to_js, '{:.0f}')} ({s.reached}/{s.runs})" if s.reached else "never"
        rows.append([setting_label(s.setting), str(s.runs), str(s.diverged + s.errors), _pm(s.js), modes,
                     _pm(s.hq, "{:.1f}", 100.0), reach, f"{s.epochs_per_s:.0f}" if s.epochs_per_s else "–"])
    return header, rows


def _short(setting: dict[str, Any]) -> str:
    """A setting's label without the dataset, which the winner line already names."""
    return setting_label({k: v for k, v in setting.items() if k != "dataset"} or setting)


def _margin(best: SettingStats, second: SettingStats) -> tuple[str, bool]:
    """How much the winner beats the runner-up, and whether that is within seed noise."""
    js_gap = second.js[0] - best.js[0]
    js_text = f"mean final JS {best.js[0]:.3f} vs {second.js[0]:.3f}"
    if best.modes and second.modes:
        gap = best.modes[0] - second.modes[0]
        text = (f"{best.modes[0]:.1f} vs {second.modes[0]:.1f} of {best.num_modes} modes captured "
                f"(+{gap:.1f}), {js_text}")
        return text, gap < max(best.modes[1], second.modes[1]) or (gap == 0 and js_gap < best.js[1])
    rel = 100.0 * js_gap / second.js[0] if second.js[0] > 0 else 0.0
    return f"{js_text} ({js_gap:.3f} nats, {rel:.0f}% lower)", js_gap < max(best.js[1], second.js[1])


def winner_lines(stats: list[SettingStats], spec: SweepSpec) -> list[str]:
    """Per dataset: the best setting (see sweep_tables.ranking_key) and its margin over the runner-up."""
    by_dataset: dict[str, list[SettingStats]] = {}
    for s in stats:
        by_dataset.setdefault(str(s.setting.get("dataset", spec.dataset)), []).append(s)
    lines = []
    for dataset, group in by_dataset.items():
        ranked = sorted(group, key=ranking_key)
        best = ranked[0]
        if len(ranked) == 1:
            lines.append(f"Only one setting on {dataset}: {setting_label(best.setting)}.")
            continue
        text, noisy = _margin(best, ranked[1])
        tie = " The gap is within one seed std, so treat it as a tie." if noisy else ""
        lines.append(f"**Winner on {dataset}: {_short(best.setting)}**, {text} for the runner-up "
                     f"{_short(ranked[1].setting)}.{tie}")
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
        "0 % HQ.", "",
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

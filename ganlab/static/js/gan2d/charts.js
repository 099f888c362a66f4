/**
 * Metric charts (uPlot): D and G loss, KL and JS, and on mixture datasets modes captured
 * and high-quality %. The history is kept here, replaced wholesale by the server's
 * `history` message on (re)connect, and cleared when a new run starts.
 */

import uPlot from "../../vendor/uplot-1.6.32.esm.js";

const LIMIT = 5000; // same thinning rule as the server's history_limit
const CHARTS = [
  { id: "losses", title: "Loss", series: [["d_loss", "D loss", "#1f6fd1"], ["g_loss", "G loss", "#9c27b0"]] },
  { id: "divergence", title: "KL / JS divergence (grid)", series: [["kl", "KL", "#e8710a"], ["js", "JS", "#188038"]] },
  { id: "modes", title: "Modes captured (left) · high-quality % (right)", mixture: true,
    series: [["modes_captured", "modes", "#c5221f", "modes"], ["hq_percent", "HQ %", "#5f6368", "percent"]] },
];
const KEYS = CHARTS.flatMap((c) => c.series.map((s) => s[0]));

// Epochs are whole numbers: the x axis ticks only at 1, 2, 5, 10, 20, 50, ... (never 0.2, 0.4).
const WHOLE_INCRS = Array.from({ length: 8 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/** The x axis of an epoch chart: whole-epoch ticks, printed with thousands separators. */
export function epochAxis() {
  return { size: 28, incrs: WHOLE_INCRS, values: (u, ticks) => ticks.map((v) => v.toLocaleString("en-US")) };
}

/** Legend values when the pointer is off the chart: the newest row, so numbers read at a glance. */
export function showLatestInLegend(plot) {
  const n = plot.data[0]?.length || 0;
  if (!n || plot.cursor.idx != null) return;
  // Each series its own newest value: lines that lag (compare mode) or have gaps still show one.
  const idxs = plot.data.map((col) => {
    let i = n - 1;
    while (i > 0 && col[i] == null) i--;
    return i;
  });
  plot.setLegend({ idxs }, false);
}

/** uPlot hooks that put the newest values back in the legend whenever the pointer leaves. */
export const LATEST_LEGEND_HOOKS = { setCursor: [(u) => showLatestInLegend(u)] };

/** y tick labels that fit the axis: 2,500 → 2.5k, 3e6 → 3M (a diverging loss can be huge). */
export const compactTicks = (u, ticks) => ticks.map((v) => {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
});

/** A legend number: four significant digits, or a dash before there is one. */
export const legendValue = (u, v) => (v == null ? "–" : String(Number(v.toPrecision(4))));

function rowValues(row) {
  const hq = row.hq_fraction ?? null;
  return { ...row, hq_percent: hq === null ? null : 100 * hq };
}

export function createCharts(root) {
  const data = { epoch: [], step: [], ...Object.fromEntries(KEYS.map((k) => [k, []])) };
  const plots = new Map();
  let dirty = false;
  let mixture = false;

  // Each chart follows its own box: one column on a wide page, a row of three on a narrow one.
  const widthOf = (box) => Math.max(200, (box.clientWidth || root.clientWidth) - 4);

  function makePlot(spec) {
    const box = document.createElement("div");
    box.className = "chart";
    box.id = `chart-${spec.id}`;
    box.dataset.control = `chart_${spec.id}`;
    box.append(Object.assign(document.createElement("h3"), { textContent: spec.title }));
    root.append(box);
    const width = widthOf(box);
    // A series may name its own y scale (counts next to percentages get one axis each).
    const scaleOf = (s) => s[3] || "y";
    const yScales = [...new Set(spec.series.map(scaleOf))];
    const options = {
      width, height: 130, legend: { show: true }, cursor: { show: true, drag: { x: false, y: false } },
      scales: { x: { time: false }, ...(yScales.includes("percent") ? { percent: { range: [0, 100] } } : {}) },
      series: [{ label: "epoch", value: (u, v) => (v == null ? "–" : v.toLocaleString("en-US")) },
        ...spec.series.map((s) => ({ label: s[1], stroke: s[2], scale: scaleOf(s), width: 1.5, points: { show: false }, value: legendValue }))],
      axes: [epochAxis(), ...yScales.map((scale, i) => ({ scale, size: 44, side: i ? 1 : 3, grid: { show: i === 0 }, values: compactTicks }))],
      hooks: LATEST_LEGEND_HOOKS,
    };
    plots.set(spec.id, { spec, box, plot: new uPlot(options, columns(spec), box) });
  }

  const columns = (spec) => [data.epoch, ...spec.series.map(([key]) => data[key])];

  function ensurePlots() {
    if (plots.size) return;
    CHARTS.forEach((spec) => makePlot(spec));
  }

  function append(row) {
    const values = rowValues(row);
    data.epoch.push(row.epoch); data.step.push(row.step);
    for (const key of KEYS) data[key].push(values[key] ?? null);
    if (data.epoch.length > LIMIT) { // keep every other old row, and the newest exactly
      for (const key of Object.keys(data)) {
        const col = data[key];
        data[key] = col.slice(0, -1).filter((_, i) => i % 2 === 0).concat(col.slice(-1));
      }
    }
    dirty = true;
  }

  return {
    /** Add the row a frame header carries, unless that step is already charted. */
    push(header) {
      if (data.step.length && data.step[data.step.length - 1] === header.step) return;
      append({ epoch: header.epoch, step: header.step, ...header.losses, ...header.metrics });
    },
    replace(rows) { this.clear(); rows.forEach(append); },
    clear() { for (const key of Object.keys(data)) data[key] = []; dirty = true; },
    setMixture(value) { mixture = value; },
    rows() {
      return data.epoch.map((epoch, i) => ({ epoch, step: data.step[i], ...Object.fromEntries(KEYS.map((k) => [k, data[k][i]])) }));
    },
    /** Redraw if anything changed; called from the animation loop. */
    render() {
      ensurePlots();
      for (const { spec, box, plot } of plots.values()) {
        box.hidden = !!spec.mixture && !mixture;
        if (dirty && !box.hidden) { plot.setData(columns(spec)); showLatestInLegend(plot); }
      }
      dirty = false;
    },
    /** For tests and the console: per chart, the legend texts and the epoch axis's tick values. */
    describe() {
      return [...plots.values()].filter(({ box }) => !box.hidden).map(({ spec, box, plot }) => ({
        id: spec.id,
        legend: [...box.querySelectorAll(".u-legend .u-value")].map((e) => e.textContent),
        xTicks: plot.axes[0]._splits || [],
      }));
    },
    resize() {
      for (const { box, plot } of plots.values()) if (!box.hidden) plot.setSize({ width: widthOf(box), height: 130 });
    },
  };
}

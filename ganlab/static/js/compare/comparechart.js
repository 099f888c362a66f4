/**
 * Compare mode's shared metric charts (uPlot): JS divergence, D loss and G loss against
 * epoch, one line per variant in the variant's colour. Variants run at their own pace,
 * so each keeps its own (epoch, value) columns and uPlot.join aligns them on one x axis.
 */

import uPlot from "../../vendor/uplot-1.6.32.esm.js";
import { LATEST_LEGEND_HOOKS, compactTicks, epochAxis, legendValue, showLatestInLegend } from "../gan2d/charts.js";

const METRICS = [
  { key: "js", title: "JS divergence (grid)" },
  { key: "d_loss", title: "D loss" },
  { key: "g_loss", title: "G loss" },
];
const LIMIT = 2000; // rows per variant; older rows are thinned 2:1, the newest kept
const HEIGHT = 150;

function emptyColumns() {
  return { epoch: [], ...Object.fromEntries(METRICS.map((m) => [m.key, []])) };
}

/** Keep every other old row and the newest exactly (the same rule as the main charts). */
function thin(columns) {
  for (const key of Object.keys(columns)) {
    const col = columns[key];
    columns[key] = col.slice(0, -1).filter((_, i) => i % 2 === 0).concat(col.slice(-1));
  }
}

/** Build the charts into `root`; `setVariants([{label, color}])` (re)creates their series. */
export function createCompareChart(root) {
  let series = [];
  let columns = [];
  const plots = new Map();
  let dirty = false;
  // Each chart follows its grid cell (the cell's width is only known once compare.css has
  // loaded, and it changes with the window).
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const width = Math.floor(entry.contentRect.width);
      const owner = [...plots.values()].find((p) => p.box === entry.target);
      if (owner && width > 0 && width !== owner.plot.width) owner.plot.setSize({ width, height: HEIGHT });
    }
  });

  function makePlot(metric) {
    const box = Object.assign(document.createElement("div"), { className: "compare-chart", id: `compare-chart-${metric.key}` });
    box.append(Object.assign(document.createElement("h3"), { textContent: metric.title }));
    root.append(box);
    const width = Math.max(160, box.clientWidth || Math.floor(root.clientWidth / METRICS.length) - 12);
    const options = {
      width, height: HEIGHT, legend: { show: true }, cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      // spanGaps: the joined x axis holds every variant's epochs, so each line has holes.
      series: [{ label: "epoch" }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true, points: { show: false }, value: legendValue }))],
      axes: [epochAxis(), { size: 48, values: compactTicks }],
      hooks: LATEST_LEGEND_HOOKS,
    };
    plots.set(metric.key, { box, plot: new uPlot(options, joined(metric.key), box) });
    observer.observe(box);
  }

  function joined(key) {
    if (!columns.length) return [[]];
    return uPlot.join(columns.map((c) => [c.epoch, c[key]]));
  }

  return {
    setVariants(list) {
      for (const { plot, box } of plots.values()) { observer.unobserve(box); plot.destroy(); box.remove(); }
      plots.clear();
      series = list;
      columns = list.map(emptyColumns);
      METRICS.forEach(makePlot);
    },
    /** Add a frame header's losses and metrics; a second frame of the same epoch replaces the first. */
    push(index, header) {
      const c = columns[index];
      if (!c) return;
      const row = { ...header.losses, ...header.metrics };
      if (c.epoch.length && c.epoch[c.epoch.length - 1] === header.epoch) {
        for (const m of METRICS) c[m.key][c.epoch.length - 1] = row[m.key] ?? null;
      } else if (!c.epoch.length || header.epoch > c.epoch[c.epoch.length - 1]) {
        c.epoch.push(header.epoch);
        for (const m of METRICS) c[m.key].push(row[m.key] ?? null);
        if (c.epoch.length > LIMIT) thin(c);
      }
      dirty = true;
    },
    /** Replace a variant's rows with the server's history (after a reload). */
    replace(index, rows) {
      if (!columns[index]) return;
      columns[index] = emptyColumns();
      rows.forEach((row) => this.push(index, { epoch: row.epoch, losses: row, metrics: {} }));
    },
    clear(index) { if (columns[index]) { columns[index] = emptyColumns(); dirty = true; } },
    /** Redraw if anything changed; called from compare mode's animation loop. */
    render() {
      if (!dirty) return;
      dirty = false;
      for (const [key, { plot }] of plots) { plot.setData(joined(key)); showLatestInLegend(plot); }
    },
    /** For tests and the console: series labels and points per variant. */
    describe() {
      return {
        series: [...plots.values()].map(({ plot }) => plot.series.slice(1).map((s) => s.label)),
        points: columns.map((c) => c.epoch.length),
      };
    },
  };
}

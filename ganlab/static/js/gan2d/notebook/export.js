/**
 * The notebook as one self-contained HTML file: every snapshot (its PNG inline as a data
 * URL, its epoch, metrics, note and the parameters that differ from the defaults), the table
 * of parameter changes, and the current run's charts as inline SVG. No scripts and no
 * external files, so it opens anywhere and can be attached to a lab report.
 */

import { escapeHtml, lineChartSvg } from "./svgchart.js";

const CHARTS = [
  { title: "Loss", series: [["d_loss", "D loss", "#1f6fd1"], ["g_loss", "G loss", "#9c27b0"]] },
  { title: "KL / JS divergence (grid)", series: [["kl", "KL", "#e8710a"], ["js", "JS", "#188038"]] },
];

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;color:#202124;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dadce0}
.snap{display:flex;gap:16px;margin:14px 0;padding:10px;border:1px solid #dadce0;border-radius:6px;break-inside:avoid}
.snap img{width:320px;height:320px;border:1px solid #dadce0}.snap h3{margin:0 0 4px;font-size:15px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #dadce0;padding:2px 6px;text-align:left}
.note{font-style:italic}.muted{color:#5f6368}.empty{color:#5f6368}code{font-size:12px}`;

const fmt = (v) => (typeof v === "number" ? String(Number(v.toPrecision(4))) : escapeHtml(v ?? "–"));

function table(rows, head) {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  return `<table><tr>${th}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;
}

function snapshotHtml(s, i, defaults) {
  const metrics = Object.entries({ ...s.losses, ...s.metrics }).filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${escapeHtml(k)} ${fmt(v)}`).join(" · ");
  const custom = Object.entries(s.params).filter(([k, v]) => defaults[k] !== v);
  const params = custom.length ? table(custom.map(([k, v]) => [`<code>${escapeHtml(k)}</code>`, fmt(v), fmt(defaults[k])]), ["parameter", "value", "default"])
    : '<p class="muted">All parameters at their defaults.</p>';
  return `<section class="snap" id="snapshot-${i + 1}"><img alt="view at epoch ${s.epoch}" src="${s.png}">
<div><h3>#${i + 1} · epoch ${s.epoch.toLocaleString("en-US")} · ${escapeHtml(s.datasetLabel || s.params.dataset)}</h3>
${s.note ? `<p class="note">${escapeHtml(s.note)}</p>` : ""}<p class="muted">${escapeHtml(new Date(s.at).toLocaleString())} · step ${s.step}</p>
<p>${metrics}</p>${params}</div></section>`;
}

function changesHtml(changes) {
  if (!changes.length) return '<p class="muted">No parameter was changed.</p>';
  return table(changes.map((c) => [String(c.epoch), `<code>${escapeHtml(c.key)}</code>`, fmt(c.from), fmt(c.to),
    c.rebuilt ? "networks rebuilt, epoch back to 0" : "kept the weights"]), ["at epoch", "parameter", "from", "to", "effect"]);
}

/**
 * The HTML text. `journal`: {snapshots, changes}; `rows`: the current run's chart history;
 * `defaults`: TrainParams defaults; `title`.
 */
export function notebookHtml({ snapshots, changes }, rows, defaults, { title = "GAN Lab notebook", now = new Date() } = {}) {
  const marks = snapshots.map((s) => s.epoch);
  const charts = CHARTS.map((c) => lineChartSvg(rows, c.series, { title: c.title, marks })).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p class="muted">Exported ${escapeHtml(now.toLocaleString())} from ganlab · ${snapshots.length} snapshot${snapshots.length === 1 ? "" : "s"} · ${changes.length} parameter change${changes.length === 1 ? "" : "s"}</p>
<h2>Snapshots</h2>
${snapshots.length ? snapshots.map((s, i) => snapshotHtml(s, i, defaults)).join("\n") : '<p class="muted">No snapshots.</p>'}
<h2>Parameter changes</h2>
${changesHtml(changes)}
<h2>Charts of the current run</h2>
${charts}
</body></html>
`;
}

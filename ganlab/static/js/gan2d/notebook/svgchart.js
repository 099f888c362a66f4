/**
 * A static line chart as SVG markup, for the notebook's exported HTML file (which must work
 * offline and without scripts, so the live uPlot charts cannot come along).
 */

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, e = Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * 10 ** e).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : String(Number(v.toPrecision(3))));

/**
 * `rows`: [{epoch, ...}]; `series`: [[key, label, colour]]; `marks`: epochs to draw as dashed
 * vertical lines (the snapshots), labelled with their number.
 */
export function lineChartSvg(rows, series, { title = "", width = 560, height = 200, marks = [] } = {}) {
  const pad = { l: 48, r: 12, t: 22, b: 34 };
  const xs = rows.map((r) => r.epoch);
  const values = rows.flatMap((r) => series.map(([k]) => r[k])).filter((v) => Number.isFinite(v));
  if (!xs.length || !values.length) return `<p class="empty">${escapeHtml(title)}: no data yet.</p>`;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [y0, y1] = [Math.min(...values), Math.max(...values)];
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const Y = (y) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${pad.l}" y="14" font-size="13" font-weight="600">${escapeHtml(title)}</text>`];
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e0e0e0"/>`,
      `<text x="${pad.l - 4}" y="${Y(t) + 4}" font-size="11" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1).filter((v) => Number.isInteger(v))) {
    parts.push(`<text x="${X(t)}" y="${height - pad.b + 14}" font-size="11" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${(pad.l + width - pad.r) / 2}" y="${height - 8}" font-size="11" text-anchor="middle">epoch</text>`);
  marks.forEach((m, i) => {
    if (m < x0 || m > x1) return;
    parts.push(`<line x1="${X(m)}" x2="${X(m)}" y1="${pad.t}" y2="${height - pad.b}" stroke="#888" stroke-dasharray="3 3"/>`,
      `<text x="${X(m) + 2}" y="${pad.t + 10}" font-size="10" fill="#555">#${i + 1}</text>`);
  });
  series.forEach(([key, label, colour], i) => {
    const pts = rows.filter((r) => Number.isFinite(r[key])).map((r) => `${X(r.epoch).toFixed(1)},${Y(r[key]).toFixed(1)}`);
    if (pts.length) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(" ")}"/>`);
    const lx = width - pad.r - 90 * (series.length - i); // legend along the top, right of the title
    parts.push(`<rect x="${lx}" y="5" width="10" height="10" fill="${colour}"/>`,
      `<text x="${lx + 14}" y="14" font-size="11">${escapeHtml(label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

/**
 * Words for downloads: sizes, durations and one line of progress ("12.3 MB of 283 MB · 4% ·
 * 5.1 MB/s · 52 s left"), the same words as the CLI. Pure functions (unit-tested with node).
 */

/** 283000000 -> "283 MB"; decimal units, as the server and NGC count them. */
export function formatBytes(n) {
  if (n === null || n === undefined) return "?";
  for (const [unit, size] of [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]]) {
    if (n >= size) return `${(n / size).toFixed(n >= 100 * size ? 0 : 1)} ${unit}`;
  }
  return `${Math.round(n)} B`;
}

/** 75 -> "1 min 15 s"; 8.2 -> "8 s". */
export function formatSeconds(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "";
  const whole = Math.max(0, Math.round(s));
  if (whole < 60) return `${whole} s`;
  const m = Math.floor(whole / 60);
  return whole % 60 ? `${m} min ${whole % 60} s` : `${m} min`;
}

/** One line for a running download (see the module comment). */
export function progressLine(d) {
  if (d.phase === "connecting" && !d.done) return "connecting…";
  if (d.phase === "checking") return "checking the file with the safe loader (nothing in it is run)…";
  const parts = [];
  const total = d.total_known ? d.total : null;
  parts.push(total ? `${formatBytes(d.done)} of ${formatBytes(total)}` : formatBytes(d.done));
  if (total) parts.push(`${Math.floor((100 * d.done) / total)}%`);
  if (d.rate_bps) parts.push(`${formatBytes(d.rate_bps)}/s`);
  if (d.eta_s !== null && d.eta_s !== undefined) parts.push(`${formatSeconds(d.eta_s)} left`);
  if (d.phase === "retrying") parts.push("connection lost, resuming…");
  return parts.join(" · ");
}

/** 0..1 for a <progress>, or null when the size is not known yet. */
export function progressFraction(d) {
  if (d.state === "done" || d.phase === "checking") return 1;
  return d.total_known && d.total ? Math.min(1, d.done / d.total) : null;
}

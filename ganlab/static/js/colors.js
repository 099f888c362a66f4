/**
 * GAN Lab's purple-green diverging scale (ColorBrewer PRGn, as d3.interpolatePRGn):
 * 0 = fake (purple), 0.5 = undecided (white), 1 = real (green).
 */

const PRGN = ["#40004b", "#762a83", "#9970ab", "#c2a5cf", "#e7d4e8", "#f7f7f7",
  "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b"].map(hexToRgb);

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function interpolate(t) {
  const x = Math.min(1, Math.max(0, t)) * (PRGN.length - 1);
  const i = Math.min(PRGN.length - 2, Math.floor(x));
  const f = x - i;
  return PRGN[i].map((c, k) => Math.round(c + (PRGN[i + 1][k] - c) * f));
}

/** 256-entry lookup table [r, g, b] so painting a heatmap is one index per cell. */
export const PRGN_LUT = Array.from({ length: 256 }, (_, i) => interpolate(i / 255));

/** [r, g, b] for a D output in [0, 1]; NaN reads as undecided. */
export function prgn(value) {
  const v = Number.isFinite(value) ? value : 0.5;
  return PRGN_LUT[Math.round(Math.min(1, Math.max(0, v)) * 255)];
}

export function prgnCss(value, alpha = 1) {
  const [r, g, b] = prgn(value);
  return `rgba(${r},${g},${b},${alpha})`;
}

/** GAN Lab's prediction-dot contrast stretch around 0.5 (square root). */
export function stretch(d) {
  return d > 0.5 ? 0.5 + 0.5 * Math.sqrt(2 * d - 1) : 0.5 - 0.5 * Math.sqrt(Math.max(0, 1 - 2 * d));
}

export const REAL_FILL = "rgba(0,136,55,0.75)";
export const FAKE_STROKE = "#7b3294";
export const ARROW_FILL = "rgba(196,20,219,0.6)";

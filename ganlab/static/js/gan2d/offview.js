/**
 * Fakes outside the view box are never silently invisible: each is drawn as a small
 * triangle on the edge it left by, pointing outward, and every edge with such fakes carries
 * their count. (With G's tanh mapped onto the box they cannot leave it; with a linear output
 * they can.)
 */

import { FAKE_STROKE } from "../colors.js";

const SIDES = ["left", "right", "bottom", "top"];
const MARK = 6; // triangle size in px

/** Which edge a point outside [x0,x1]×[y0,y1] crossed (the axis it is farthest out on), or null. */
export function exitSide(x, y, [x0, x1, y0, y1]) {
  const out = { left: x0 - x, right: x - x1, bottom: y0 - y, top: y - y1 };
  const w = x1 - x0, h = y1 - y0;
  // Compare in box-relative units, so a tall box does not favour its long sides.
  let best = null, score = 0;
  for (const side of SIDES) {
    const s = out[side] / (side === "left" || side === "right" ? w : h);
    if (s > score) { best = side; score = s; }
  }
  return best;
}

/** {total, out, sides: {left, right, bottom, top}} for the flat [x0, y0, x1, y1, ...] fakes. */
export function offViewSummary(fake, viewBox) {
  const sides = { left: 0, right: 0, bottom: 0, top: 0 };
  let out = 0;
  for (let k = 0; k < fake.length / 2; k++) {
    const side = exitSide(fake[2 * k], fake[2 * k + 1], viewBox);
    if (side) { sides[side]++; out++; }
  }
  return { total: fake.length / 2, out, sides };
}

function triangle(ctx, x, y, side) {
  const [dx, dy] = { left: [-1, 0], right: [1, 0], bottom: [0, 1], top: [0, -1] }[side]; // screen y points down
  ctx.beginPath();
  ctx.moveTo(x + dx * MARK, y + dy * MARK);
  ctx.lineTo(x - dy * MARK * 0.7, y + dx * MARK * 0.7);
  ctx.lineTo(x + dy * MARK * 0.7, y - dx * MARK * 0.7);
  ctx.closePath();
  ctx.fill();
}

function label(ctx, text, x, y, side, width, height) {
  ctx.font = "bold 12px system-ui, sans-serif";
  const w = ctx.measureText(text).width + 8;
  const lx = side === "left" ? MARK + 4 : side === "right" ? width - MARK - 4 - w : Math.min(width - w - 2, Math.max(2, x - w / 2));
  const ly = side === "top" ? MARK + 4 : side === "bottom" ? height - MARK - 20 : Math.min(height - 20, Math.max(2, y - 8));
  ctx.fillStyle = "rgba(255,255,255,0.9)";
  ctx.fillRect(lx, ly, w, 16);
  ctx.fillStyle = FAKE_STROKE;
  ctx.fillText(text, lx + 4, ly + 12);
}

/** Draw the edge marks and per-edge counts; `p` maps data to pixels. Returns the summary. */
export function drawOffView(ctx, p, fake, viewBox, width, height) {
  const summary = offViewSummary(fake, viewBox);
  if (!summary.out) return summary;
  const along = { left: [], right: [], bottom: [], top: [] };
  ctx.fillStyle = FAKE_STROKE;
  for (let k = 0; k < fake.length / 2; k++) {
    const side = exitSide(fake[2 * k], fake[2 * k + 1], viewBox);
    if (!side) continue;
    const x = Math.min(width - 1, Math.max(1, p.x(fake[2 * k]))), y = Math.min(height - 1, Math.max(1, p.y(fake[2 * k + 1])));
    const ex = side === "left" ? MARK : side === "right" ? width - MARK : x;
    const ey = side === "top" ? MARK : side === "bottom" ? height - MARK : y;
    triangle(ctx, ex, ey, side);
    along[side].push(side === "left" || side === "right" ? ey : ex);
  }
  for (const side of SIDES) {
    const n = summary.sides[side];
    if (!n) continue;
    const mid = along[side].reduce((a, b) => a + b, 0) / n;
    label(ctx, `${n} off view`, mid, mid, side, width, height);
    ctx.fillStyle = FAKE_STROKE;
  }
  return summary;
}

/**
 * The layered distributions view: a small D-heatmap ImageData scaled up by CSS, with an
 * overlay canvas for the G manifold, real and fake samples, and gradient arrows. Each
 * layer is a `layer_*` UI setting, so toggles are in the shared link too.
 */

import { ARROW_FILL, FAKE_STROKE, PRGN_LUT, REAL_FILL, prgnCss } from "../colors.js";
import { UI_SETTINGS } from "./hashstate.js";
import { drawOffView } from "./offview.js";

const ARROW_SCALE = 0.15; // GAN Lab: arrow tip at x + 0.15·∇D, in data units
const ARROW_CAP = 0.1; // the longest arrow is at most this fraction of the view's side

const ARROW_QUANTILE = 0.9; // the scale follows the long arrows, not the single longest

/**
 * Data units per unit of ∇D for the arrows: GAN Lab's 0.15, unless that would draw the long
 * arrows (the 90th percentile of lengths) longer than a tenth of the view; then every arrow is
 * shortened by the same factor, so they still compare. Taking a quantile, not the maximum, keeps
 * one runaway fake from shrinking every other arrow to nothing; `arrowVector` caps that one.
 */
export function arrowScale(grads, viewBox) {
  const lengths = [];
  for (let k = 0; k < grads.length / 2; k++) lengths.push(Math.hypot(grads[2 * k], grads[2 * k + 1]));
  lengths.sort((a, b) => a - b);
  const long = lengths.length ? lengths[Math.ceil(ARROW_QUANTILE * lengths.length) - 1] : 0;
  return long > 0 ? Math.min(ARROW_SCALE, arrowCap(viewBox) / long) : ARROW_SCALE;
}

/** The longest an arrow is drawn, in data units: a tenth of the view's shorter side. */
export function arrowCap(viewBox) {
  return ARROW_CAP * Math.min(viewBox[1] - viewBox[0], viewBox[3] - viewBox[2]);
}

/** One arrow in data units: scale·∇D, cut to `cap` (direction kept) when it is an outlier. */
export function arrowVector(gx, gy, scale, cap) {
  const dx = scale * gx, dy = scale * gy, len = Math.hypot(dx, dy);
  return len > cap ? [(dx * cap) / len, (dy * cap) / len] : [dx, dy];
}

/** Map data coordinates to overlay pixels for a view box [x0, x1, y0, y1]; y points up. */
export function projector(viewBox, width, height) {
  const [x0, x1, y0, y1] = viewBox;
  return {
    x: (x) => ((x - x0) / (x1 - x0)) * width,
    y: (y) => (1 - (y - y0) / (y1 - y0)) * height,
  };
}

function paintHeatmap(canvas, grid) {
  const [rows, cols] = grid.shape;
  if (canvas.width !== cols || canvas.height !== rows) Object.assign(canvas, { width: cols, height: rows });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols, rows);
  for (let j = 0; j < rows; j++) {
    const dst = (rows - 1 - j) * cols; // grid row 0 is the bottom of the plot
    for (let i = 0; i < cols; i++) {
      const v = grid[j * cols + i];
      const [r, g, b] = PRGN_LUT[Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 128];
      image.data.set([r, g, b, 255], (dst + i) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
}

function drawManifold(ctx, p, pts, opacity) {
  const n = pts.length / 2;
  if (!opacity.length) { // 1-D noise: a curve through the mapped points
    ctx.strokeStyle = FAKE_STROKE; ctx.lineWidth = 2; ctx.beginPath();
    for (let k = 0; k < n; k++) ctx[k ? "lineTo" : "moveTo"](p.x(pts[2 * k]), p.y(pts[2 * k + 1]));
    ctx.stroke();
    return;
  }
  const side = Math.round(Math.sqrt(n)); // (S+1) points per side, S cells
  const at = (u, v) => [p.x(pts[2 * (v * side + u)]), p.y(pts[2 * (v * side + u) + 1])];
  ctx.strokeStyle = "rgba(120,120,120,0.25)"; ctx.lineWidth = 0.5;
  for (let v = 0; v < side - 1; v++) {
    for (let u = 0; u < side - 1; u++) {
      const corners = [at(u, v), at(u + 1, v), at(u + 1, v + 1), at(u, v + 1)];
      ctx.beginPath(); corners.forEach(([x, y], k) => ctx[k ? "lineTo" : "moveTo"](x, y)); ctx.closePath();
      ctx.fillStyle = `rgba(123,50,148,${opacity[v * (side - 1) + u].toFixed(3)})`;
      ctx.fill(); ctx.stroke();
    }
  }
}

function drawDots(ctx, p, pts, radius, fill, stroke) {
  ctx.lineWidth = 1;
  for (let k = 0; k < pts.length / 2; k++) {
    ctx.beginPath(); ctx.arc(p.x(pts[2 * k]), p.y(pts[2 * k + 1]), radius, 0, 2 * Math.PI);
    ctx.fillStyle = typeof fill === "function" ? fill(k) : fill; ctx.fill();
    if (stroke) { ctx.strokeStyle = stroke; ctx.stroke(); }
  }
}

function drawArrows(ctx, p, fake, grads, viewBox) {
  const scale = arrowScale(grads, viewBox), cap = arrowCap(viewBox);
  ctx.strokeStyle = ARROW_FILL; ctx.fillStyle = ARROW_FILL; ctx.lineWidth = 1.2;
  for (let k = 0; k < fake.length / 2; k++) {
    const x = p.x(fake[2 * k]), y = p.y(fake[2 * k + 1]);
    const [dx, dy] = arrowVector(grads[2 * k], grads[2 * k + 1], scale, cap);
    const tx = p.x(fake[2 * k] + dx), ty = p.y(fake[2 * k + 1] + dy);
    const len = Math.hypot(tx - x, ty - y);
    if (!(len > 0.5)) continue;
    const ux = (tx - x) / len, uy = (ty - y) / len, head = Math.min(5, len / 2);
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(tx, ty); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(tx, ty);
    ctx.lineTo(tx - head * ux - head * 0.5 * uy, ty - head * uy + head * 0.5 * ux);
    ctx.lineTo(tx - head * ux + head * 0.5 * uy, ty - head * uy - head * 0.5 * ux);
    ctx.closePath(); ctx.fill();
  }
}

/**
 * Paint every enabled layer of `frame` onto `ctx` (shared with the PNG export and the graph's
 * thumbnails). It paints over what is there: the caller clears or fills the canvas first.
 * Returns the off-view summary of the fakes when that layer is on.
 */
export function paintOverlay(ctx, width, height, frame, ui) {
  const { header, arrays } = frame;
  const box = header.view_box;
  const p = projector(box, width, height);
  if (ui.layer_manifold) drawManifold(ctx, p, arrays.manifold, arrays.manifold_opacity);
  if (ui.layer_real) drawDots(ctx, p, arrays.real, 2.2, REAL_FILL, null);
  if (ui.layer_fake) drawDots(ctx, p, arrays.fake, 2.6, (k) => prgnCss(arrays.fake_d[k]), FAKE_STROKE);
  if (ui.layer_gradients) drawArrows(ctx, p, arrays.fake, arrays.gradients, box);
  return ui.layer_fake ? drawOffView(ctx, p, arrays.fake, box, width, height) : null;
}

function layerToggles(store) {
  const box = document.createElement("div");
  box.className = "layers";
  for (const [key, spec] of Object.entries(UI_SETTINGS).filter(([k]) => k.startsWith("layer_"))) {
    const label = document.createElement("label");
    label.dataset.control = key;
    label.innerHTML = `<input type="checkbox" data-ui="${key}"> ${spec.label}`;
    const input = label.querySelector("input");
    input.addEventListener("change", () => store.set({ ui: { ...store.get("ui"), [key]: input.checked } }));
    box.append(label);
  }
  store.subscribe((state, changed) => {
    if (changed.has("ui")) box.querySelectorAll("input").forEach((i) => { i.checked = !!state.ui[i.dataset.ui]; });
  });
  box.querySelectorAll("input").forEach((i) => { i.checked = !!store.get("ui")[i.dataset.ui]; });
  return box;
}

/** With more than two noise dimensions the manifold is a 2-D slice; choose its two latent axes. */
function sliceAxes(store) {
  const box = document.createElement("div");
  box.className = "layers";
  box.dataset.control = "manifold_axes";
  box.append("Manifold slice: latent axes ");
  const inputs = ["manifold_axis_u", "manifold_axis_v"].map((key) => {
    const input = Object.assign(document.createElement("input"), { type: "number", min: 0, step: 1, id: key });
    input.dataset.ui = key;
    input.style.width = "4em";
    input.addEventListener("change", () => store.set({ ui: { ...store.get("ui"), [key]: Number(input.value) } }));
    box.append(input, " ");
    return input;
  });
  const render = (state) => {
    const dim = state.params.noise_dim;
    const off = !(dim > 2);
    box.classList.toggle("inapplicable", off);
    box.title = off ? `No effect with noise_dim = ${dim}: the manifold is the whole noise grid; `
      + "with more than 2 noise dimensions these pick the two latent axes of its 2-D slice." : "the two latent axes the manifold slice sweeps";
    inputs.forEach((input) => { input.max = Math.max(1, dim - 1); input.value = state.ui[input.dataset.ui]; input.disabled = off; });
  };
  store.subscribe((state, changed) => { if (changed.has("ui") || changed.has("params")) render(state); });
  render(store.get());
  return box;
}

/**
 * Build the view; returns {root, plot, overlay, draw(frame)}. `compact` builds just the plot
 * (no id, no layer toggles or slice axes) for small multiples such as compare mode's tiles,
 * which follow the main view's layer settings.
 */
export function createDistView(store, { compact = false } = {}) {
  const root = document.createElement("div");
  const plot = document.createElement("div");
  plot.className = "dist";
  if (!compact) plot.id = "dist"; // only the main view is #dist
  const heatmap = Object.assign(document.createElement("canvas"), { className: "heatmap", width: 64, height: 64 });
  const overlay = Object.assign(document.createElement("canvas"), { className: "overlay" });
  plot.append(heatmap, overlay);
  const offCount = compact ? null : Object.assign(document.createElement("div"), { className: "offview-count", id: "offview-count", hidden: true });
  root.append(plot, ...(compact ? [] : [offCount, layerToggles(store), sliceAxes(store)]));

  function draw(frame) {
    if (store.get("drawing")) return; // the drawing tool owns the overlay meanwhile
    const ui = store.get("ui");
    heatmap.style.visibility = ui.layer_heatmap ? "visible" : "hidden";
    if (ui.layer_heatmap) paintHeatmap(heatmap, frame.arrays.d_grid);
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(overlay.clientWidth * dpr)), h = Math.max(1, Math.round(overlay.clientHeight * dpr));
    if (overlay.width !== w || overlay.height !== h) Object.assign(overlay, { width: w, height: h });
    const ctx = overlay.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const off = paintOverlay(ctx, w / dpr, h / dpr, frame, ui);
    if (offCount) {
      offCount.hidden = !off?.out;
      offCount.textContent = off?.out ? `${off.out} of ${off.total} fake samples are outside the view (marked at its edges)` : "";
    }
  }
  return { root, plot, heatmap, overlay, draw };
}

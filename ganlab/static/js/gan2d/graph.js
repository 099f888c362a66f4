/**
 * The model overview graph in GAN Lab's vocabulary: noise → generator → fake samples;
 * real samples → discriminator → predictions → losses; gradients flow back to G. Each
 * node has a live thumbnail, and the network being updated is highlighted.
 */

import { FAKE_STROKE, PRGN_LUT, REAL_FILL, prgnCss, stretch } from "../colors.js";
import { paintOverlay } from "./distview.js";

const SVG = "http://www.w3.org/2000/svg";
// `layer`: the distribution-view layer a click on the node toggles (as GAN Lab's node checkboxes).
const NODES = {
  noise: { x: 8, y: 44, size: 64, label: "Noise z" },
  generator: { x: 96, y: 22, size: 104, label: "Generator", layer: "layer_manifold" },
  fake: { x: 226, y: 44, size: 64, label: "Fake samples", layer: "layer_fake" },
  real: { x: 226, y: 196, size: 64, label: "Real samples", layer: "layer_real" },
  discriminator: { x: 318, y: 108, size: 104, label: "Discriminator", layer: "layer_heatmap" },
  pred_real: { x: 446, y: 160, size: 56, label: "Pred. real" },
  pred_fake: { x: 446, y: 40, size: 56, label: "Pred. fake" },
  gradients: { x: 112, y: 196, size: 64, label: "G gradients", layer: "layer_gradients" },
};
// [from, to, phases in which data flows along it, extra class]
const EDGES = [
  ["noise", "generator", "g"], ["generator", "fake", "g"], ["fake", "discriminator", "dg"],
  ["real", "discriminator", "d"], ["discriminator", "pred_fake", "dg"], ["discriminator", "pred_real", "d"],
  ["pred_fake", "gradients", "g", "grad"], ["gradients", "generator", "g", "grad"],
];

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent?.append(node);
  return node;
}

function center(name, side) {
  const n = NODES[name], h = n.size + 16;
  return side === "in" ? [n.x, n.y + h / 2] : [n.x + n.size, n.y + h / 2];
}

function makeNode(svg, name) {
  const n = NODES[name];
  const g = el("g", { class: "g-node", id: `node-${name}`, "data-node": name }, svg);
  el("rect", { class: "box", x: n.x - 3, y: n.y - 3, width: n.size + 6, height: n.size + 22 }, g);
  el("text", { x: n.x, y: n.y + n.size + 14 }, g).textContent = n.label;
  const fo = el("foreignObject", { x: n.x, y: n.y, width: n.size, height: n.size }, g);
  const canvas = document.createElement("canvas");
  Object.assign(canvas, { width: n.size * 2, height: n.size * 2, className: "g-thumb" });
  fo.append(canvas);
  return { g, canvas };
}

function makeLosses(svg) {
  const g = el("g", { class: "g-node", id: "node-losses" }, svg);
  el("rect", { class: "box", x: 318, y: 256, width: 190, height: 50 }, g);
  const bars = {};
  [["d_loss", "D loss", 274, "#1f6fd1"], ["g_loss", "G loss", 296, "#9c27b0"]].forEach(([key, label, y, color]) => {
    el("text", { x: 324, y }, g).textContent = label;
    bars[key] = el("rect", { class: "g-bar", x: 368, y: y - 9, width: 0, height: 10, fill: color }, g);
    bars[`${key}_text`] = el("text", { x: 468, y }, g);
  });
  return bars;
}

function dots(ctx, size, pts, box, fill, radius = 2.5) {
  const [x0, x1, y0, y1] = box;
  for (let k = 0; k < pts.length / 2; k++) {
    ctx.beginPath();
    ctx.arc(((pts[2 * k] - x0) / (x1 - x0)) * size, (1 - (pts[2 * k + 1] - y0) / (y1 - y0)) * size, radius, 0, 7);
    ctx.fillStyle = typeof fill === "function" ? fill(k) : fill;
    ctx.fill();
  }
}

function heat(ctx, size, grid) {
  const [rows, cols] = grid.shape, cell = size / cols;
  for (let j = 0; j < rows; j++) for (let i = 0; i < cols; i++) {
    const [r, g, b] = PRGN_LUT[Math.round(Math.min(1, Math.max(0, grid[j * cols + i] || 0.5)) * 255)];
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(i * cell, (rows - 1 - j) * cell, cell + 0.5, cell + 0.5);
  }
}

// GAN Lab's slow-motion narration of the two halves of an epoch.
// Short enough for two lines under the graph, so the knobs below never move.
const NARRATION = {
  d: "D update: G makes fakes, D classifies real and fake samples, and the D loss's gradients update D.",
  g: "G update: D classifies the fakes, and the G loss's gradients flow back through D to G (arrows: ∇D).",
};

/** Clicking a node with a layer toggles that layer; a node whose layer is off is drawn faded. */
function bindLayerNodes(nodes, store) {
  for (const [name, { layer }] of Object.entries(NODES)) {
    if (!layer) continue;
    const { g } = nodes[name];
    g.classList.add("toggles-layer");
    el("title", {}, g).textContent = `click to show or hide this layer in the distribution view (${layer})`;
    g.addEventListener("click", () => {
      const ui = store.get("ui");
      store.set({ ui: { ...ui, [layer]: !ui[layer] } });
    });
  }
  const paint = (ui) => Object.entries(NODES).forEach(([name, { layer }]) => {
    if (layer) nodes[name].g.classList.toggle("layer-off", !ui[layer]);
  });
  store.subscribe((state, changed) => { if (changed.has("ui")) paint(state.ui); });
  paint(store.get("ui"));
}

const MORPH_MS = 2000;

/** The noise grid before G: n points, a square grid (2-D noise) or a line (1-D), over the view box. */
function undeformedGrid(n, square, [x0, x1, y0, y1]) {
  const side = square ? Math.round(Math.sqrt(n)) : n;
  return Array.from({ length: n }, (_, k) => {
    const u = (k % side) / (side - 1), v = square ? Math.floor(k / side) / (side - 1) : 0.5;
    return [x0 + u * (x1 - x0), y0 + v * (y1 - y0)];
  });
}

/**
 * GAN Lab's hover on the generator: morph from the undeformed noise grid (spread over the
 * view box) to the current manifold, so you see what G does to the noise space.
 */
function bindMorph(node, latest) {
  let start = null;
  const canvas = node.canvas;
  function step(now) {
    const frame = latest();
    if (!frame || start === null) { start = null; return; }
    const t = Math.min(1, (now - start) / MORPH_MS);
    const ease = t * t * (3 - 2 * t);
    const mani = frame.arrays.manifold;
    const morphed = new Float32Array(mani.length);
    undeformedGrid(mani.length / 2, frame.arrays.manifold_opacity.length > 0, frame.header.view_box)
      .forEach(([x, y], k) => {
        morphed[2 * k] = x + (mani[2 * k] - x) * ease;
        morphed[2 * k + 1] = y + (mani[2 * k + 1] - y) * ease;
      });
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    paintOverlay(g, canvas.width, canvas.height, { header: frame.header, arrays: { ...frame.arrays, manifold: morphed } }, { layer_manifold: true });
    if (t < 1) requestAnimationFrame(step);
    else start = null;
  }
  node.g.addEventListener("mouseenter", () => {
    if (start !== null) return;
    start = performance.now();
    requestAnimationFrame(step);
  });
  return () => start !== null; // true while morphing: the live thumbnail waits
}

/** Build the graph into `root`; returns {draw(frame, run, ui)}. */
export function createGraph(root, store) {
  const svg = el("svg", { viewBox: "0 0 512 312", role: "img", "aria-label": "model overview graph" });
  const caption = Object.assign(document.createElement("p"), { className: "g-caption", id: "graph-caption" });
  root.append(svg, caption);
  const edges = EDGES.map(([a, b, phases, extra]) => {
    const [x1, y1] = center(a, "out"), [x2, y2] = center(b, "in");
    const back = x2 < x1; // gradient paths run right to left, below the nodes
    const d = back ? `M${x1 - NODES[a].size / 2},${y1 + 40} C${x1 - 40},${y1 + 80} ${x2 + 80},${y2 + 80} ${x2 + NODES[b].size / 2},${y2 + 50}`
      : `M${x1 + 3},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2 - 3},${y2}`;
    return { phases, path: el("path", { class: `g-edge ${extra || ""}`, d }, svg) };
  });
  for (const [name, phases] of [["pred_real", "d"], ["pred_fake", "dg"]]) {
    const n = NODES[name], x = n.x + n.size / 2, y = n.y + n.size + 19;
    const d = name === "pred_real" ? `M${x},${y} L${x},254` : `M${n.x + n.size + 3},${n.y + 30} C511,${n.y + 30} 511,240 505,254`;
    edges.push({ phases, path: el("path", { class: "g-edge", d }, svg) });
  }
  const nodes = Object.fromEntries(Object.keys(NODES).map((name) => [name, makeNode(svg, name)]));
  const bars = makeLosses(svg);
  bindLayerNodes(nodes, store);
  let lastFrame = null;
  const morphing = bindMorph(nodes.generator, () => lastFrame);

  function thumbs(frame, ui) {
    const { header, arrays } = frame, box = header.view_box;
    const ctx = (name) => {
      const c = nodes[name].canvas, g = c.getContext("2d");
      g.clearRect(0, 0, c.width, c.height);
      return [g, c.width];
    };
    let [g, s] = ctx("noise");
    const noise = arrays.noise, k = noise.shape[1];
    const flat = k === 2 ? noise : Float32Array.from({ length: noise.length * 2 }, (_, i) => (i % 2 ? 0.5 : noise[i >> 1]));
    dots(g, s, flat, [0, 1, 0, 1], "#5f6368", 2);
    if (!morphing()) {
      [g, s] = ctx("generator");
      paintOverlay(g, s, s, frame, { layer_manifold: true });
    }
    [g, s] = ctx("fake"); dots(g, s, arrays.fake, box, FAKE_STROKE);
    [g, s] = ctx("real"); dots(g, s, arrays.real, box, REAL_FILL);
    [g, s] = ctx("discriminator"); heat(g, s, arrays.d_grid);
    [g, s] = ctx("pred_real"); dots(g, s, arrays.real, box, (i) => prgnCss(stretch(arrays.real_d[i])));
    [g, s] = ctx("pred_fake"); dots(g, s, arrays.fake, box, (i) => prgnCss(stretch(arrays.fake_d[i])));
    [g, s] = ctx("gradients");
    paintOverlay(g, s, s, frame, { layer_gradients: true });
  }

  function losses(header) {
    for (const key of ["d_loss", "g_loss"]) {
      const v = header.losses[key];
      bars[key].setAttribute("width", Number.isFinite(v) ? Math.min(95, Math.abs(v) * 40) : 0);
      bars[`${key}_text`].textContent = Number.isFinite(v) ? v.toFixed(3) : "–";
    }
  }

  return {
    /** Highlight the updated network (when a human can follow it) and refresh thumbnails. */
    draw(frame, run, ui) {
      const narrated = run.state !== "playing" || ui.slow_motion;
      const phase = narrated ? frame.header.phase : null;
      nodes.discriminator.g.classList.toggle("active-d", phase === "d");
      nodes.generator.g.classList.toggle("active-g", phase === "g");
      for (const { phases, path } of edges) {
        path.classList.toggle("active-d", phase === "d" && phases.includes("d"));
        path.classList.toggle("active-g", phase === "g" && phases.includes("g"));
      }
      caption.textContent = phase ? NARRATION[phase] : "Each epoch updates D k_D times, then G k_G times (the steps / epoch knobs).";
      caption.classList.toggle("active-d", phase === "d");
      caption.classList.toggle("active-g", phase === "g");
      lastFrame = frame;
      thumbs(frame, ui);
      losses(frame.header);
    },
  };
}

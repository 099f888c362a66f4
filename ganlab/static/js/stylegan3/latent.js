/**
 * Seed controls, as the official latent widget: a seed box, random / previous / next, a 2D
 * drag pad over the seed lattice (x steps seeds by 1, y by 100; W is blended bilinearly from
 * the four neighbours), snapping, and animation through seeds at a chosen speed.
 */

import { button, checkbox, el, intBox, section, slider } from "./widgets.js";

const SEED_MAX = 2 ** 32 - 1;
const PAD_PX = 200;
const PX_PER_SEED = 40; // five seeds across the pad

/** Move the continuous latent position (seed + offset) by (dx, dy) seeds, carrying whole steps. */
export function moveLatent(seed, offset, dx, dy) {
  let [fx, fy] = offset;
  let s = seed;
  fx += dx;
  fy += dy;
  const cx = Math.floor(fx);
  const cy = Math.floor(fy);
  s += cx + 100 * cy;
  fx -= cx;
  fy -= cy;
  if (s < 0) return { seed: 0, seed_offset: [0, 0] };
  if (s > SEED_MAX - 101) return { seed: SEED_MAX - 101, seed_offset: [0, 0] };
  return { seed: s, seed_offset: [+fx.toFixed(4), +fy.toFixed(4)] };
}

function drawPad(canvas, seed, [fx, fy]) {
  const ctx = canvas.getContext("2d");
  const mid = PAD_PX / 2;
  ctx.clearRect(0, 0, PAD_PX, PAD_PX);
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "top";
  for (let j = -3; j <= 3; j++) {
    for (let i = -3; i <= 3; i++) {
      const x = mid + (i - fx) * PX_PER_SEED;
      const y = mid + (j - fy) * PX_PER_SEED;
      const lattice = seed + i + 100 * j;
      if (lattice < 0 || x < -PX_PER_SEED || y < -PX_PER_SEED || x > PAD_PX || y > PAD_PX) continue;
      ctx.strokeStyle = "#dadce0";
      ctx.strokeRect(x, y, PX_PER_SEED, PX_PER_SEED);
      ctx.fillStyle = "#5f6368";
      ctx.fillText(String(lattice), x + 2, y + 2);
    }
  }
  ctx.fillStyle = "#ff6d00";
  ctx.beginPath();
  ctx.arc(mid, mid, 5, 0, 2 * Math.PI);
  ctx.fill();
}

/** `get()` returns the current params; `set(patch)` changes them; `animator` runs the seed animation. */
export function createLatentPanel({ get, set, animator }) {
  const seedBox = intBox({ label: "Seed", min: 0, max: SEED_MAX, value: 0, name: "seed",
    onChange: (seed) => set({ seed, seed_offset: [0, 0] }) });
  const step = (d) => set(moveLatent(get().seed, [0, 0], d, 0));
  const tools = el("div", { className: "sg3-buttons" },
    button("◀", () => step(-1), { title: "Previous seed" }),
    button("Random", () => set({ seed: Math.floor(Math.random() * 100000), seed_offset: [0, 0] }),
      { title: "A random seed (0–99,999)" }),
    button("▶", () => step(1), { title: "Next seed" }),
    button("Snap", () => set({ seed_offset: [0, 0] }), { title: "Round to the nearest whole seed" }));
  const pad = el("canvas", { className: "sg3-pad", width: PAD_PX, height: PAD_PX,
    title: "Drag to move through latent space: right = next seed, down = seed + 100" });
  pad.dataset.role = "sg3-pad";
  let drag = null;
  pad.addEventListener("pointerdown", (e) => { drag = { x: e.clientX, y: e.clientY }; pad.setPointerCapture(e.pointerId); });
  pad.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const scale = PAD_PX / pad.getBoundingClientRect().width / PX_PER_SEED;
    const { seed, seed_offset } = get();
    set(moveLatent(seed, seed_offset, (e.clientX - drag.x) * scale, (e.clientY - drag.y) * scale));
    drag = { x: e.clientX, y: e.clientY };
  });
  const endDrag = () => { drag = null; };
  pad.addEventListener("pointerup", endDrag);
  pad.addEventListener("pointercancel", endDrag);

  let speed = 0.25;
  const speedSlider = slider({ label: "Speed", min: -5, max: 5, step: 0.05, value: speed, name: "seed_speed",
    title: "Seeds per second", onInput: (v) => { speed = v; } });
  const animate = checkbox("Animate seeds", false, (on) => {
    if (on) animator.start("seed", (dt) => { const p = get(); set(moveLatent(p.seed, p.seed_offset, speed * dt, 0)); });
    else animator.stop("seed");
  }, "seed_anim");
  const readout = el("div", { className: "sg3-readout" });
  const root = section("Latent", seedBox.root, tools, el("div", { className: "sg3-pad-row" }, pad, readout),
    animate.root, speedSlider.root);

  return {
    root,
    update(params) {
      seedBox.set(params.seed);
      drawPad(pad, params.seed, params.seed_offset);
      const [fx, fy] = params.seed_offset;
      readout.textContent = fx || fy ? `between seeds ${params.seed}, ${params.seed + 1}, ${params.seed + 100}, ` +
        `${params.seed + 101} (x ${fx.toFixed(2)}, y ${fy.toFixed(2)})` : `seed ${params.seed}`;
    },
  };
}

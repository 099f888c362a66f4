/**
 * Style mixing, as the official widget: a second seed, and one checkbox per W index; checked
 * indices take their W from the mixing seed. Presets pick the coarse, middle or fine layers.
 */

import { button, checkbox, el, intBox, section } from "./widgets.js";

const SEED_MAX = 2 ** 32 - 1;
const DEFAULT_MIX_SEED = 1000; // the official visualizer's default

/** Index ranges for the presets: thirds of num_ws, from coarse (early) to fine (late). */
export function presetRanges(numWs) {
  const a = Math.round(numWs / 3);
  const b = Math.round((2 * numWs) / 3);
  return { coarse: [0, a], middle: [a, b], fine: [b, numWs] };
}

const range = ([lo, hi]) => Array.from({ length: hi - lo }, (_, i) => lo + i);

export function createMixingPanel({ get, set, animator }) {
  let numWs = 16;
  const seedBox = intBox({ label: "Mix seed", min: 0, max: SEED_MAX, value: DEFAULT_MIX_SEED, name: "mix_seed",
    onChange: (v) => set({ mix_seed: v }) });
  const boxes = el("div", { className: "sg3-ws-boxes" });
  boxes.dataset.param = "mix_ws";
  const choose = (indices) => set({ mix_ws: indices, mix_seed: get().mix_seed ?? DEFAULT_MIX_SEED });
  const presets = el("div", { className: "sg3-buttons" });
  function buildPresets() {
    presets.replaceChildren(...Object.entries(presetRanges(numWs)).map(([name, r]) =>
      button(name, () => choose(range(r)), { title: `ws ${r[0]}–${r[1] - 1}` })),
    button("none", () => set({ mix_ws: [] })));
  }
  function buildBoxes() {
    boxes.replaceChildren(...range([0, numWs]).map((i) => {
      const box = el("input", { type: "checkbox", title: `w ${i}` });
      box.dataset.index = String(i);
      box.addEventListener("change", () => {
        const chosen = new Set(get().mix_ws);
        if (box.checked) chosen.add(i); else chosen.delete(i);
        choose([...chosen].sort((x, y) => x - y));
      });
      return el("label", { className: "sg3-ws" }, box, el("small", { textContent: String(i) }));
    }));
  }
  let carry = 0;
  const animate = checkbox("Animate mix seed", false, (on) => {
    if (!on) return animator.stop("mix");
    animator.start("mix", (dt) => {
      carry += dt * 2; // two new mixing seeds per second
      if (carry < 1) return;
      const step = Math.floor(carry);
      carry -= step;
      set({ mix_seed: ((get().mix_seed ?? DEFAULT_MIX_SEED) + step) % SEED_MAX });
    });
  }, "mix_anim");
  buildPresets();
  buildBoxes();
  const root = section("Style mixing", seedBox.root, el("div", { className: "sg3-hint",
    textContent: "Checked ws take their style from the mix seed:" }), boxes, presets, animate.root);

  return {
    root,
    setModel(info) { numWs = info.num_ws; buildBoxes(); buildPresets(); },
    update(p) {
      seedBox.set(p.mix_seed ?? DEFAULT_MIX_SEED);
      const chosen = new Set(p.mix_ws);
      for (const box of boxes.querySelectorAll("input")) box.checked = chosen.has(Number(box.dataset.index));
    },
  };
}

/**
 * StyleGAN2's per-layer noise: const (the stored noise images, as gen_images), random (new noise
 * every frame) or none. The choices and their help come from the server's schema (noise_mode);
 * the control is enabled only for StyleGAN2 networks, since StyleGAN3 has no noise inputs.
 */

import { el, section } from "./widgets.js";

const NO_NOISE_HINT = "StyleGAN3 has no noise inputs";

export function createNoisePanel({ schema, set }) {
  const prop = schema.properties.noise_mode;
  const select = el("select", { className: "sg3-noise", title: prop.description });
  select.dataset.param = "noise_mode";
  select.append(...prop.enum.map((mode) => new Option(mode, mode)));
  select.addEventListener("change", () => set({ noise_mode: select.value }));
  const label = el("label", { className: "sg3-row" }, el("span", { textContent: "Noise" }), select);
  const hint = el("div", { className: "sg3-hint" });
  const root = section("Noise", label, hint);
  return {
    root,
    /** Enabled for StyleGAN2 only. */
    setModel(info) {
      const on = info.architecture === "StyleGAN2";
      select.disabled = !on;
      select.title = on ? prop.description : NO_NOISE_HINT;
      hint.textContent = on ? "" : NO_NOISE_HINT;
    },
    update(p) { select.value = p.noise_mode; },
  };
}

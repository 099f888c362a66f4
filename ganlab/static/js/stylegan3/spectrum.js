/**
 * The visualizer's analysis views for the picture or any layer: the FFT view (power
 * spectrum in dB beside the picture, with the official range and Kaiser window beta), and
 * the equivariance widget's untransform (undo translate/rotate on the result) with its
 * rounding of the translation to whole pixels.
 */

import { checkbox, el, foldSection, slider } from "./widgets.js";

export function createSpectrumPanel({ schema, set }) {
  const prop = (name) => schema.properties[name];
  const fft = checkbox("FFT", false, (on) => set({ fft: on }), "fft");
  fft.root.title = prop("fft").description;
  const all = checkbox("All channels", true, (on) => set({ fft_all: on }), "fft_all");
  all.root.title = prop("fft_all").description;
  const range = slider({ label: "Range ±dB", min: prop("fft_range_db").minimum, max: prop("fft_range_db").maximum,
    step: 0.5, value: prop("fft_range_db").default, name: "fft_range_db", title: prop("fft_range_db").description,
    onInput: (v) => set({ fft_range_db: v }) });
  const beta = slider({ label: "Kaiser β", min: prop("fft_beta").minimum, max: prop("fft_beta").maximum,
    step: 0.1, value: prop("fft_beta").default, name: "fft_beta", title: prop("fft_beta").description,
    onInput: (v) => set({ fft_beta: v }) });
  const fftOptions = el("div", {}, all.root, range.root, beta.root);
  const untransform = checkbox("Untransform", false, (on) => set({ untransform: on }), "untransform");
  untransform.root.title = prop("untransform").description;
  const round = checkbox("Round translation to pixels", false, (on) => set({ translate_round: on }), "translate_round");
  round.root.title = prop("translate_round").description;
  const root = foldSection("Spectrum & untransform", { role: "sg3-spectrum-panel" },
    el("div", { className: "sg3-buttons" }, fft.root), fftOptions,
    el("div", { className: "sg3-buttons" }, untransform.root, round.root));

  let fromLink = true;
  return {
    root,
    update(p) {
      fft.set(p.fft); all.set(p.fft_all); range.set(p.fft_range_db); beta.set(p.fft_beta);
      untransform.set(p.untransform); round.set(p.translate_round);
      for (const input of fftOptions.querySelectorAll("input")) input.disabled = !p.fft;
      fftOptions.classList.toggle("sg3-greyed", !p.fft);
      if (fromLink && (p.fft || p.untransform)) root.open = true; // a shared link shows what it turned on
      fromLink = false;
    },
  };
}

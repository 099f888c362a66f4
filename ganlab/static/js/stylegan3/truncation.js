/**
 * Truncation (psi, cutoff) and the class of conditional models. Bounds come from the server's
 * schema; the cutoff's upper end and the class range come from the loaded model.
 */

import { button, el, intBox, section, slider } from "./widgets.js";
import { valueSchema } from "./params.js";

export function createTruncationPanel({ schema, set }) {
  const psiProp = schema.properties.truncation_psi;
  const psi = slider({ label: "ψ (psi)", min: psiProp.minimum, max: psiProp.maximum, step: 0.01,
    value: psiProp.default, name: "truncation_psi", title: psiProp.description,
    onInput: (v) => set({ truncation_psi: v }) });
  let numWs = 16;
  // The cutoff slider's right end means "all ws", which the server spells null.
  const cutoff = slider({ label: "Cutoff", min: 0, max: numWs, step: 1, value: numWs, name: "truncation_cutoff",
    title: valueSchema(schema.properties.truncation_cutoff).description || schema.properties.truncation_cutoff.description,
    onInput: (v) => set({ truncation_cutoff: v >= numWs ? null : v }) });
  const classBox = intBox({ label: "Class", min: 0, max: 0, value: 0, name: "class_idx",
    onChange: (v) => set({ class_idx: v }) });
  const classNote = el("span", { className: "sg3-hint" });
  const classRow = el("div", { hidden: true }, classBox.root, classNote);
  const reset = button("Reset", () => set({ truncation_psi: psiProp.default, truncation_cutoff: null }));
  const root = section("Truncation", psi.root, cutoff.root, classRow, el("div", { className: "sg3-buttons" }, reset));

  return {
    root,
    /** New model: cutoff runs 0..num_ws, class 0..c_dim-1 (hidden for unconditional models). */
    setModel(info) {
      numWs = info.num_ws;
      cutoff.setBounds(0, numWs);
      classRow.hidden = info.c_dim === 0;
      classBox.box.max = Math.max(0, info.c_dim - 1);
      classNote.textContent = info.c_dim ? ` 0–${info.c_dim - 1}` : "";
    },
    update(p) {
      psi.set(p.truncation_psi);
      cutoff.set(p.truncation_cutoff ?? numWs);
      if (p.class_idx !== null) classBox.set(p.class_idx);
    },
  };
}

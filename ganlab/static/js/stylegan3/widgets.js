/**
 * Small DOM builders shared by the StyleGAN3 panels: a labelled slider with a number box,
 * checkboxes, buttons and panel sections. Each returns its root element plus a `set` to
 * show a value without firing the change handler.
 */

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** A titled section (`<section class="panel sg3-panel">`). */
export function section(title, ...children) {
  return el("section", { className: "panel sg3-panel" }, el("h2", { textContent: title }), ...children);
}

export function button(label, onClick, props = {}) {
  const b = el("button", { type: "button", className: "btn", textContent: label, ...props });
  b.addEventListener("click", onClick);
  return b;
}

/**
 * Slider + number box for one value. `onInput(value)` fires while dragging (the render is
 * latest-wins, so live updates are cheap for the server); `format` shapes the readout.
 */
export function slider({ label, min, max, step = "any", value, onInput, name, title }) {
  const range = el("input", { type: "range", min, max, step, value });
  const box = el("input", { type: "number", min, max, step, value, className: "sg3-num" });
  if (name) { range.name = name; range.dataset.param = name; box.name = `${name}_box`; }
  const row = el("label", { className: "sg3-row", title: title || "" }, el("span", { textContent: label }), range, box);
  const parse = (text) => {
    const n = Number(text);
    if (!Number.isFinite(n)) return null;
    return Math.min(Number(range.max), Math.max(Number(range.min), n));
  };
  const fire = (source) => {
    const n = parse(source.value);
    if (n === null) return;
    if (source === range) box.value = n; else range.value = n;
    onInput(n);
  };
  range.addEventListener("input", () => fire(range));
  box.addEventListener("change", () => fire(box));
  return {
    root: row, range, box,
    set(v) { range.value = v; box.value = typeof v === "number" ? +v.toFixed(4) : v; },
    setBounds(lo, hi) { range.min = box.min = lo; range.max = box.max = hi; },
  };
}

export function checkbox(label, checked, onChange, name) {
  const box = el("input", { type: "checkbox", checked });
  if (name) box.dataset.param = name;
  box.addEventListener("change", () => onChange(box.checked));
  return { root: el("label", { className: "sg3-check" }, box, el("span", { textContent: label })), box,
    set(v) { box.checked = !!v; } };
}

/** An integer box (seeds, class index) that commits on change and Enter. */
export function intBox({ label, min, max, value, onChange, name }) {
  const box = el("input", { type: "number", min, max, step: 1, value, className: "sg3-int" });
  if (name) box.dataset.param = name;
  box.addEventListener("change", () => {
    const n = Number(box.value);
    if (Number.isInteger(n) && n >= Number(box.min) && n <= Number(box.max)) onChange(n); // bounds may change
    else box.value = box.dataset.last ?? value;
  });
  return { root: el("label", { className: "sg3-row sg3-int-row" }, el("span", { textContent: label }), box), box,
    set(v) { box.value = v; box.dataset.last = v; } };
}

/** Format seconds/milliseconds for the readouts. */
export function ms(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

/** A panel that folds away (`<details>`); its body is built once and kept while closed. */
export function foldSection(title, { open = false, role } = {}, ...children) {
  const root = el("details", { className: "panel sg3-panel sg3-fold", open },
    el("summary", {}, el("h2", { textContent: title })), ...children);
  if (role) root.dataset.role = role;
  return root;
}

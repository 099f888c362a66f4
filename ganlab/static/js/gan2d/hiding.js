/**
 * Hideable controls for shared links (TensorFlow Playground's `_hide`): every element with
 * `data-control="key"` can be hidden; in teacher mode each gets a small toggle button.
 */

/** Add a hide/show toggle to `element` (which carries data-control). */
export function addHideToggle(element, store) {
  const key = element.dataset.control;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "hide-toggle";
  button.title = `hide "${key}" in the shared link`;
  button.textContent = "hide";
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const hidden = new Set(store.get("hidden"));
    hidden.has(key) ? hidden.delete(key) : hidden.add(key);
    store.set({ hidden: [...hidden] });
  });
  element.append(button);
}

/** Reflect the hidden list onto the DOM, now and after every change. */
export function bindHidden(store) {
  const apply = () => {
    const hidden = new Set(store.get("hidden"));
    document.querySelectorAll("[data-control]").forEach((el) => {
      el.dataset.hidden = String(hidden.has(el.dataset.control));
      const toggle = el.querySelector(":scope > .hide-toggle");
      if (toggle) toggle.textContent = hidden.has(el.dataset.control) ? "show" : "hide";
    });
  };
  store.subscribe((_, changed) => { if (changed.has("hidden")) apply(); });
  return apply;
}

/** Add toggles to every data-control element that has none yet. */
export function addAllHideToggles(store) {
  document.querySelectorAll("[data-control]").forEach((el) => {
    if (!el.querySelector(":scope > .hide-toggle")) addHideToggle(el, store);
  });
}

/**
 * The model picker: every network the server lists (the untrained demo first, labelled as
 * such), load progress and upload. Getting NVIDIA's networks is the hub's job (hub.js).
 */

import { button, el, section } from "./widgets.js";

function label(model) {
  if (model.broken) return `⚠ ${model.name} (cannot be used: ${model.broken.length > 60 ? `${model.broken.slice(0, 57)}…` : model.broken})`;
  const bits = [model.resolution ? `${model.resolution}px` : null, model.config, model.conditional ? "conditional" : null];
  const size = model.size_bytes ? `${(model.size_bytes / 1e6).toFixed(0)} MB` : null;
  const facts = [...bits, size].filter(Boolean).join(", ");
  return `${model.loaded ? "● " : ""}${model.name}${facts && !model.untrained ? ` (${facts})` : ""}`;
}

async function uploadFile(file) {
  const response = await fetch(`api/stylegan3/models?filename=${encodeURIComponent(file.name)}`, {
    method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail?.[0]?.msg || `upload failed (${response.status})`);
  return body;
}

/** `onPick(id)` when the user chooses a model; `notify(text, kind)` for messages. */
export function createModelPanel({ onPick, notify }) {
  const select = el("select", { className: "sg3-model" });
  select.dataset.param = "model";
  select.addEventListener("change", () => onPick(select.value));
  const refresh = button("↻", () => reload(), { title: "Look for new files in the models folder" });
  const progress = el("progress", { className: "sg3-progress", max: 1, hidden: true });
  const status = el("span", { className: "sg3-status" });
  status.dataset.role = "sg3-model-status";
  const file = el("input", { type: "file", accept: ".pkl,.safetensors", hidden: true });
  const uploadButton = button("Upload…", () => file.click(), { title: "Add a .pkl or .safetensors network" });
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const chosen = file.files[0];
    status.textContent = `Uploading ${chosen.name}…`;
    uploadButton.disabled = true;
    try {
      const model = await uploadFile(chosen);
      await reload();
      onPick(model.id);
    } catch (error) {
      notify(`Upload refused: ${error.message}`);
      status.textContent = "";
    } finally {
      uploadButton.disabled = false;
      file.value = "";
    }
  });
  const warning = el("p", { className: "sg3-untrained", hidden: true,
    textContent: "Untrained demo (random weights): soft colour fields, not faces. Get a real model below." });
  const root = section("Model", el("div", { className: "sg3-model-row" }, select, refresh, uploadButton, file),
    el("div", { className: "sg3-model-row" }, progress, status), warning);
  let models = [];
  let current = null;

  function fill() {
    select.replaceChildren(...models.map((m) => {
      const option = new Option(label(m), m.id);
      // A broken file is shown, with its reason as the tooltip, but cannot be picked.
      if (m.broken) Object.assign(option, { disabled: true, title: m.broken });
      return option;
    }));
    if (current && !models.some((m) => m.id === current)) select.append(new Option(`${current} (not found)`, current));
    if (current) select.value = current;
    warning.hidden = !models.find((m) => m.id === current)?.untrained;
  }

  async function reload() {
    const response = await fetch("api/stylegan3/models");
    if (response.ok) { models = await response.json(); fill(); }
  }

  return {
    root,
    setModels(list) { models = list; fill(); },
    setCurrent(id) { current = id; fill(); },
    reload,
    /** {phase, elapsed_s, estimate_s} from the server while a model loads. */
    progress(update) {
      const name = models.find((m) => m.id === update.model)?.name || update.model;
      if (update.phase === "ready") {
        progress.hidden = true;
        status.textContent = `${name} ready (${update.elapsed_s.toFixed(1)} s)`;
        const entry = models.find((m) => m.id === update.model);
        if (entry && !entry.loaded) { entry.loaded = true; fill(); }
        return;
      }
      progress.hidden = false;
      progress.value = Math.min(0.95, update.elapsed_s / Math.max(update.estimate_s, 0.1));
      status.textContent = `Loading ${name}… ${update.elapsed_s.toFixed(1)} s`;
    },
    failed(message) { progress.hidden = true; status.textContent = message; reload(); },
  };
}

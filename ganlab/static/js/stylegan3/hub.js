/**
 * The model hub in the tab: "Get a model", one row per official network with a Download (or
 * Use) button and its progress, a field for any https URL of a network file, and the lead
 * card that the tab shows first while only the untrained demo is here.
 *
 * Downloads run on the server and are shared: every tab sees every download's progress. A
 * tab that asked for a model selects it when it is ready (`onUse(modelId)`).
 */

import { createDownloadRow } from "./downloadrow.js";
import { formatBytes } from "./downloadtext.js";
import { button, el, section } from "./widgets.js";

const LICENCE_NOTE = "NVIDIA's networks are under the NVIDIA Source Code License: non-commercial research " +
  "and evaluation only.";
const SAFETY_NOTE = "Every file is only read, never run: ganlab's loader takes the weights out and refuses " +
  "anything else (a pickle that asks to run code is rejected and deleted).";

function facts(m) {
  return `${m.resolution} px · ${m.config} · ${formatBytes(m.size_bytes)} · ${m.dataset}`;
}

/** `request(message)` sends over the StyleGAN3 socket; `onUse(modelId)` selects a model. */
export function createHub({ request, onUse }) {
  const rows = new Map(); // key (file name) -> {entry, action, progress, root}
  const downloads = new Map(); // key -> latest state
  const wanted = new Set(); // keys or URLs this tab asked for
  let models = [];
  let recommended = null;
  let haveReal = false; // a trained model is in the server's list

  const list = el("div", { className: "sg3-hub-list" });
  const extra = el("div", { className: "sg3-hub-list" });
  const url = el("input", { type: "url", className: "sg3-hub-url", placeholder: "https://…/network.pkl",
    title: "The https address of a StyleGAN3 .pkl or ganlab .safetensors file" });
  url.dataset.role = "sg3-hub-url";
  const getUrl = button("Get", () => {
    const source = url.value.trim();
    if (!source) return;
    wanted.add(source);
    request({ type: "download", source });
  });
  url.addEventListener("keydown", (e) => { if (e.key === "Enter") getUrl.click(); });
  const summary = el("summary", { textContent: "NVIDIA's StyleGAN3 networks, or any https URL" });
  // Open while only the demo is here; folded away (once) when a trained model arrives, so the
  // latent controls move up. The user's own toggles are never undone.
  const body = el("details", { className: "sg3-hub-body", open: true }, summary, list, extra,
    el("div", { className: "sg3-model-row" }, url, getUrl),
    el("p", { className: "sg3-hint", textContent: `Any https URL of a network file works too. ${SAFETY_NOTE}` }),
    el("p", { className: "sg3-hint" }, `${LICENCE_NOTE} `, el("a", { textContent: "Licence",
      href: "https://github.com/NVlabs/stylegan3/blob/main/LICENSE.txt", target: "_blank", rel: "noopener" })));
  let folded = false;
  const panel = section("Get a model", body);
  panel.classList.add("sg3-hub");
  panel.dataset.role = "sg3-hub";

  const leadButton = button("", () => recommended && get(recommended), { className: "btn primary sg3-lead-get" });
  leadButton.dataset.role = "sg3-lead-get";
  const leadProgress = createDownloadRow({ onCancel: () => cancel(recommended.filename),
    onRetry: () => get(recommended) });
  const lead = el("section", { className: "sg3-lead", hidden: true },
    el("div", { className: "sg3-lead-main" },
      el("strong", { textContent: "Real pictures in one click" }), leadButton, leadProgress.root),
    el("p", { className: "sg3-lead-demo", textContent: "Until then: the built-in demo, an untrained network " +
      "with random weights (colour fields, not faces; it shows the controls and this machine's speed)." }),
    el("p", { className: "sg3-hint", textContent: `${LICENCE_NOTE} ${SAFETY_NOTE}` }));
  lead.dataset.role = "sg3-lead";

  function get(entry) {
    wanted.add(entry.filename);
    request({ type: "download", source: entry.name });
  }

  function cancel(key) { request({ type: "cancel_download", key }); }

  function makeRow(entry) {
    const action = button("Download", () => {
      if (entry.present) onUse(entry.model_id); else get(entry);
    });
    action.dataset.model = entry.name;
    const progress = createDownloadRow({ onCancel: () => cancel(entry.filename), onRetry: () => get(entry) });
    const root = el("div", { className: "sg3-hub-row" },
      el("div", { className: "sg3-hub-head" },
        el("span", { className: "sg3-hub-name" }, el("strong", { textContent: entry.label }),
          entry.note ? el("span", { className: "sg3-hub-note", textContent: ` · ${entry.note}` }) : null),
        action),
      el("div", { className: "sg3-hint", textContent: facts(entry) }), progress.root);
    root.dataset.model = entry.name;
    return { entry, action, progress, root };
  }

  function paintRow(row) {
    const d = downloads.get(row.entry.filename);
    const busy = d && d.state === "downloading";
    row.action.disabled = busy;
    row.action.textContent = row.entry.present ? "Use" : row.entry.partial_bytes ? "Resume" : "Download";
    if (d && !(d.state === "done" && row.entry.present && !wanted.has(row.entry.filename))) row.progress.update(d);
    else row.progress.hide();
  }

  function paintLead() {
    if (!recommended) return;
    const running = downloads.get(recommended.filename)?.state === "downloading";
    lead.hidden = haveReal && !running;
    leadButton.textContent = recommended.present ? `Use ${recommended.label}` :
      `Get ${recommended.label} (${formatBytes(recommended.size_bytes)}; ${recommended.note})`;
    const d = downloads.get(recommended.filename);
    leadButton.hidden = !!d && d.state === "downloading";
    if (d) leadProgress.update(d); else leadProgress.hide();
  }

  function paintExtra() {
    for (const d of downloads.values()) {
      if (rows.has(d.key) || d.name) continue;
      const row = { root: el("div", { className: "sg3-hub-row" }, el("strong", { textContent: d.label })),
        progress: createDownloadRow({ onCancel: () => cancel(d.key), onRetry: () => request({ type: "download",
          source: d.url }) }) };
      row.root.append(row.progress.root);
      rows.set(d.key, row);
      extra.append(row.root);
    }
    for (const [key, row] of rows) if (!row.entry && downloads.has(key)) row.progress.update(downloads.get(key));
  }

  function paint() {
    for (const row of rows.values()) if (row.entry) paintRow(row);
    paintExtra();
    paintLead();
  }

  return {
    panel, lead,
    /** The hub part of `hello`: {models, downloads}. */
    setHub(hub) {
      models = hub.models;
      recommended = models.find((m) => m.recommended) || models[0] || null;
      for (const row of [...rows.values()].filter((r) => r.entry)) row.root.remove();
      for (const entry of models) {
        const row = makeRow(entry);
        rows.set(entry.filename, row);
        list.append(row.root);
      }
      for (const d of hub.downloads) downloads.set(d.key, d);
      paint();
    },
    /** A `download` message: progress of any download on the server. */
    update(d) {
      downloads.set(d.key, d);
      const entry = models.find((m) => m.filename === d.key);
      if (entry && d.state === "done") Object.assign(entry, { present: true, model_id: d.model, partial_bytes: 0 });
      if (entry && d.state === "failed") entry.partial_bytes = d.error?.kept_bytes || 0;
      paint();
      const mine = wanted.has(d.key) || wanted.has(d.url);
      if (d.state !== "downloading") { wanted.delete(d.key); wanted.delete(d.url); }
      if (mine && d.state === "done") onUse(d.model);
      if (mine && d.url === url.value.trim() && d.state === "done") url.value = "";
    },
    /** Whether a trained (non-demo) model is in the list: the lead card shows only when none is. */
    setLocalModels(list_) {
      haveReal = list_.some((m) => !m.untrained);
      const running = [...downloads.values()].some((d) => d.state === "downloading");
      if (haveReal && !folded && !running) { body.open = false; folded = true; }
      paintLead();
    },
  };
}

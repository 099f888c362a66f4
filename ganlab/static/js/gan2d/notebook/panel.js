/**
 * The lab notebook in the page: a one-click Snapshot button in the transport bar (a note
 * field then appears beside it for an optional one-line note), the panel listing snapshots
 * and the log of parameter changes, and Export (one self-contained HTML file) and Clear.
 * Parameter changes are logged from the server's echo, so only what was applied is logged.
 */

import { defaults } from "../../schema.js";
import { renderViewCanvas } from "../downloads.js";
import { formatEpoch } from "../transport.js";
import { notebookHtml } from "./export.js";
import { createJournal, paramChanges } from "./journal.js";

const THUMB_PX = 480; // the snapshot's PNG: sharp enough for a report, small enough to keep many
const NOTE_IDLE_MS = 12000;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function saveFile(text, name, type) {
  const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The note field shown beside the Snapshot button right after a snapshot. */
function noteField(journal) {
  const input = el("input", { type: "text", id: "snapshot-note", className: "snapshot-note", maxLength: 200, hidden: true });
  let index = -1, timer = null;
  const close = () => { clearTimeout(timer); input.hidden = true; };
  const commit = () => { if (index >= 0 && input.value.trim()) journal.setNote(index, input.value.trim()); close(); };
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") commit(); if (e.key === "Escape") close(); });
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(commit, NOTE_IDLE_MS); });
  input.addEventListener("blur", commit);
  return {
    input,
    openFor(i) {
      index = i;
      input.value = "";
      input.placeholder = `note for snapshot #${i + 1} (optional, Enter)`;
      input.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(close, NOTE_IDLE_MS);
    },
  };
}

function entry(snapshot, index, journal) {
  const note = el("input", { type: "text", className: "nb-note", value: snapshot.note || "", placeholder: "add a note", maxLength: 200 });
  note.addEventListener("change", () => journal.setNote(index, note.value.trim()));
  const metrics = [["JS", snapshot.metrics?.js], ["D loss", snapshot.losses?.d_loss]].filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => `${k} ${v.toFixed(3)}`).join(" · ");
  return el("figure", { className: "nb-entry" },
    el("img", { src: snapshot.png, alt: `snapshot ${index + 1} at epoch ${snapshot.epoch}` }),
    el("figcaption", {}, el("b", { textContent: `#${index + 1} · epoch ${formatEpoch(snapshot.epoch)}` }),
      el("span", { className: "nb-metrics", textContent: metrics }), note));
}

function changesTable(changes) {
  const rows = changes.slice().reverse().map((c) => el("tr", {},
    el("td", { textContent: formatEpoch(c.epoch) }), el("td", { textContent: c.key }),
    el("td", { textContent: String(c.from) }), el("td", { textContent: `${c.to}${c.rebuilt ? " (rebuilt)" : ""}` })));
  return el("table", { className: "nb-changes" }, el("tr", {}, ...["epoch", "parameter", "from", "to"].map((h) => el("th", { textContent: h }))), ...rows);
}

/**
 * Mount the notebook. `ctx`: {schema, store, view, frames, charts, banner}. Returns
 * {journal, snapshot(), exportHtml(), onServerParams(params, {initial, rebuilt})}.
 */
export function createNotebook({ schema, store, view, frames, charts, banner }) {
  const journal = createJournal();
  const root = document.getElementById("notebook");
  const summary = el("span", { className: "hint", id: "notebook-summary" });
  const list = el("div", { className: "nb-list", id: "notebook-list" });
  const log = el("details", { className: "nb-log", id: "notebook-log" });
  const labels = Object.fromEntries((schema.datasets || []).map((d) => [d.id, d.label]));
  const note = noteField(journal);

  function snapshot() {
    const frame = frames.latest;
    if (!frame) return banner.show("No frame yet: wait for the plot to appear.", { kind: "info", timeout_ms: 3000 });
    const { header } = frame, params = store.get("params");
    const png = renderViewCanvas(view, frame, store.get("ui"), THUMB_PX).toDataURL("image/png");
    const index = journal.addSnapshot({ png, epoch: header.epoch, step: header.step, losses: header.losses, metrics: header.metrics,
      params: { ...params }, datasetLabel: labels[header.dataset] || header.dataset, note: "", at: new Date().toISOString() });
    note.openFor(index);
    note.input.focus({ preventScroll: true });
    return index;
  }

  const exportHtml = () => notebookHtml(journal.state, charts.rows(), defaults(schema));
  const button = (text, id, title, fn) => {
    const b = el("button", { type: "button", className: "btn", id, textContent: text, title });
    b.addEventListener("click", fn);
    return b;
  };
  const snapButton = button("◉ Snapshot", "btn-snapshot", "add the view, parameters, epoch and metrics to the lab notebook", snapshot);
  const snapGroup = el("div", { className: "group snapshot-group" }, snapButton, note.input);
  snapGroup.dataset.control = "notebook_snapshot";
  document.getElementById("transport").append(snapGroup);

  root.append(
    el("div", { className: "panel-head" }, el("h2", { textContent: "Lab notebook" }), summary,
      button("Export HTML", "btn-notebook-export", "one self-contained HTML file: snapshots, changes and charts",
        () => saveFile(exportHtml(), "ganlab_notebook.html", "text/html")),
      button("Clear", "btn-notebook-clear", "empty the notebook", () => { if (confirm("Clear the lab notebook?")) journal.clear(); })),
    list, log);

  function render(state) {
    const n = state.snapshots.length, c = state.changes.length;
    summary.textContent = `${n} snapshot${n === 1 ? "" : "s"} · ${c} parameter change${c === 1 ? "" : "s"} logged`
      + (n ? "" : " · press ◉ Snapshot to add the view");
    list.replaceChildren(...state.snapshots.map((s, i) => entry(s, i, journal)));
    log.replaceChildren(el("summary", { textContent: `Parameter changes (${c})` }), ...(c ? [changesTable(state.changes)] : []));
  }
  journal.subscribe(render);
  render(journal.state);

  let last = null;
  return {
    journal, snapshot, exportHtml,
    /** The params the server applied; `initial` (hello) only sets what later changes are compared with. */
    onServerParams(params, { initial = false, rebuilt = false } = {}) {
      const run = store.get("run");
      if (last && !initial) journal.logChanges(paramChanges(last, params), { epoch: run.epoch || 0, step: run.step || 0, rebuilt });
      last = { ...params };
    },
  };
}

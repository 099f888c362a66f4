/**
 * "Export video": the interpolation (current seed -> the interpolation's "To seed" and back)
 * or a seed walk (seed, seed+1, ...), made on the server as gen_video.py makes it (cubic in W,
 * looping), with a progress bar and Cancel, ending in a download of the .mp4 or .gif.
 * Bounds and defaults come from the server's VideoRequest schema (/api/stylegan3/videos/schema).
 */

import { button, el, section, slider } from "./widgets.js";

const POLL_MS = 250;
const SEED_MAX = 2 ** 32 - 1;

async function fetchVideoSchema() {
  const response = await fetch("api/stylegan3/videos/schema");
  if (!response.ok) throw new Error(`video schema: HTTP ${response.status}`);
  return response.json();
}

/** `{seeds, ...}` for the mode, from the tab's render params. */
export function videoSeeds(mode, seed, toSeed, count) {
  if (mode === "interpolation") return [seed, toSeed === seed ? (seed + 1) % SEED_MAX : toSeed];
  return Array.from({ length: count }, (_, i) => (seed + i) % (SEED_MAX + 1));
}

function errorText(body, status) {
  const item = body && Array.isArray(body.detail) ? body.detail[0] : null;
  return item ? `${item.loc[item.loc.length - 1]}: ${item.msg}` : `HTTP ${status}`;
}

export function createVideoExport({ get, toSeed, notify }) {
  const state = { mode: "interpolation", count: 4, w_frames: 30, fps: 30, format: "mp4" };
  const body = el("div", { className: "sg3-video-body" }, el("span", { className: "sg3-hint", textContent: "…" }));
  const root = section("Export video", body);
  root.dataset.role = "sg3-video";
  let job = null;
  let timer = 0;

  const modeSelect = el("select", { name: "video_mode" },
    el("option", { value: "interpolation", textContent: "Interpolation (seed ⇄ To seed)" }),
    el("option", { value: "walk", textContent: "Seed walk (seed, seed+1, …)" }));
  const formatSelect = el("select", { name: "video_format" },
    el("option", { value: "mp4", textContent: "MP4 (H.264)" }), el("option", { value: "gif", textContent: "GIF" }));
  const bar = el("progress", { className: "sg3-job-bar", max: 1, value: 0, hidden: true });
  bar.dataset.role = "sg3-video-bar";
  const note = el("span", { className: "sg3-hint" });
  note.dataset.role = "sg3-video-note";
  const link = el("a", { className: "sg3-video-link", hidden: true, textContent: "Download again" });
  link.dataset.role = "sg3-video-link";
  const start = button("Export video", () => exportVideo());
  start.dataset.role = "sg3-video-export";
  const cancel = button("Cancel", () => cancelVideo(), { hidden: true });
  cancel.dataset.role = "sg3-video-cancel";

  function build(schema) {
    const p = schema.properties;
    const seedsMax = p.seeds.maxItems;
    const count = slider({ label: "Walk seeds", min: 2, max: Math.min(seedsMax, 64), step: 1, value: state.count,
      name: "video_keyframes", title: "Keyframes of the seed walk", onInput: (v) => { state.count = v; } });
    const frames = slider({ label: "Frames each", min: p.w_frames.minimum, max: Math.min(p.w_frames.maximum, 240),
      step: 1, value: state.w_frames, name: "video_w_frames", title: p.w_frames.description,
      onInput: (v) => { state.w_frames = v; } });
    const fps = slider({ label: "Video fps", min: p.fps.minimum, max: p.fps.maximum, step: 1, value: state.fps,
      name: "video_fps", title: p.fps.description, onInput: (v) => { state.fps = v; } });
    const showCount = () => { count.root.hidden = state.mode !== "walk"; };
    modeSelect.addEventListener("change", () => { state.mode = modeSelect.value; showCount(); });
    formatSelect.addEventListener("change", () => { state.format = formatSelect.value; });
    showCount();
    body.replaceChildren(
      el("label", { className: "sg3-row" }, el("span", { textContent: "Of" }), modeSelect),
      count.root, frames.root, fps.root,
      el("label", { className: "sg3-row" }, el("span", { textContent: "Format" }), formatSelect),
      el("div", { className: "sg3-buttons" }, start, cancel, link), bar, note);
  }

  function request() {
    const p = get();
    const seeds = videoSeeds(state.mode, p.seed, toSeed(), state.count);
    return { model: p.model, seeds, w_frames: state.w_frames, fps: state.fps, format: state.format,
      truncation_psi: p.truncation_psi, truncation_cutoff: p.truncation_cutoff, class_idx: p.class_idx };
  }

  function running(on) {
    start.disabled = on;
    cancel.hidden = !on;
    bar.hidden = !on;
  }

  async function exportVideo() {
    link.hidden = true;
    const response = await fetch("api/stylegan3/videos", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(request()) });
    const reply = await response.json().catch(() => null);
    if (!response.ok) { note.textContent = errorText(reply, response.status); notify(note.textContent); return; }
    job = reply;
    running(true);
    show(job);
    poll();
  }

  async function poll() {
    clearTimeout(timer);
    if (!job) return;
    const response = await fetch(`api/stylegan3/videos/${job.id}`);
    if (!response.ok) { running(false); note.textContent = `video: HTTP ${response.status}`; return; }
    job = await response.json();
    show(job);
    if (job.state === "running") timer = setTimeout(poll, POLL_MS);
    else finished(job);
  }

  function show(j) {
    root.dataset.state = j.state;
    bar.value = j.total ? j.done / j.total : 0;
    const eta = j.eta_s !== null && j.eta_s !== undefined ? ` · about ${Math.ceil(j.eta_s)} s left` : "";
    if (j.state === "running") note.textContent = `frame ${j.done} of ${j.total}${eta}`;
  }

  function finished(j) {
    running(false);
    if (j.state === "done") {
      link.href = `api/stylegan3/videos/${j.id}/file`;
      link.download = j.filename;
      link.hidden = false;
      note.textContent = `${j.total} frames · ${j.filename}${j.note ? ` (${j.note})` : ""}`;
      link.click(); // the download itself
    } else if (j.state === "cancelled") note.textContent = "Cancelled; no file was kept.";
    else note.textContent = `Failed: ${j.error}`;
  }

  async function cancelVideo() {
    if (!job) return;
    await fetch(`api/stylegan3/videos/${job.id}`, { method: "DELETE" });
    poll();
  }

  fetchVideoSchema().then(build).catch((err) => { body.replaceChildren(el("span", { className: "sg3-hint",
    textContent: `Video export unavailable: ${err.message}` })); });
  return { root };
}

/**
 * The timeline bar: reset, play/pause, step (epoch / D / G), the pace (pace.js), the epoch
 * counter with live epochs/s, presets, and the teacher-mode switch. It sends commands and
 * renders `run`; it keeps no state of its own.
 */

import { createPace, frameNote, rateText } from "./pace.js";

/** GAN Lab's counter style: six digits with a thousands separator, e.g. 001,931. */
export function formatEpoch(epoch) {
  const digits = String(epoch).padStart(6, "0");
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function button(text, control, title, onClick) {
  const b = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: text, title });
  b.dataset.control = control;
  b.id = `btn-${control}`;
  b.addEventListener("click", onClick);
  return b;
}

function group(...children) {
  const g = document.createElement("div");
  g.className = "group";
  g.append(...children);
  return g;
}

/** The header's shared-server note `el` (pace.js `frameNote`); hidden while frames run at full rate. */
function showFrameNote(el, note) {
  if (!el) return;
  el.hidden = !note;
  el.textContent = note ? note.text : "";
  el.title = note ? note.title : "";
}

/** Build the bar into `root`; `send(command)` talks to the session. */
export function createTransport(root, store, send, schema) {
  const reset = button("⟲ Reset", "reset", "start over with the same seed", () => send({ type: "reset" }));
  const play = button("▶ Play", "play", "play / pause training", () =>
    send({ type: store.get("run").state === "playing" ? "pause" : "play" }));
  play.classList.add("primary");
  const steps = group(
    Object.assign(document.createElement("span"), { className: "counter-label", textContent: "Step" }),
    button("epoch", "step_epoch", "one epoch: k_D D steps then k_G G steps", () => send({ type: "step", what: "epoch" })),
    button("D", "step_d", "one discriminator update", () => send({ type: "step", what: "d" })),
    button("G", "step_g", "one generator update", () => send({ type: "step", what: "g" })),
  );
  steps.dataset.control = "step";
  steps.classList.add("steps");

  const speedGroup = createPace(store);

  const counter = Object.assign(document.createElement("span"), { className: "counter", id: "epoch-counter", textContent: "000,000" });
  const rate = Object.assign(document.createElement("span"), { className: "rate", id: "epoch-rate" });
  const counterGroup = group(Object.assign(document.createElement("span"), { className: "counter-label", textContent: "Epoch" }), counter, rate);

  const preset = document.createElement("select");
  preset.id = "preset";
  preset.title = "apply a named set of parameters (GAN Lab's per-dataset settings, or a modern recipe)";
  preset.append(new Option("preset…", ""));
  for (const name of Object.keys(schema.presets || {})) preset.append(new Option(name, name));
  preset.addEventListener("change", () => {
    if (preset.value) send({ type: "set", params: schema.presets[preset.value] });
    preset.value = "";
  });
  const presetGroup = group(preset);
  presetGroup.dataset.control = "preset";

  const teacher = Object.assign(document.createElement("input"), { type: "checkbox", id: "teacher-mode" });
  teacher.addEventListener("change", () => document.body.classList.toggle("teacher", teacher.checked));
  const teacherLabel = Object.assign(document.createElement("label"), { className: "ganlab-only", id: "teacher-label" });
  teacherLabel.append(teacher, " choose controls to hide");
  teacherLabel.title = "mark controls as hidden; the link in the address bar then hides them";

  const share = button("Copy link", "share", "copy a link that reproduces this setup", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      share.textContent = "✓ Link copied";
    } catch {
      window.prompt("Copy this link:", location.href); // no clipboard permission (e.g. plain http)
    }
    setTimeout(() => { share.textContent = "Copy link"; }, 2000);
  });

  root.append(group(reset, play), steps, speedGroup, counterGroup);
  // Presets set knobs, so they sit with the knobs, in the model overview's heading.
  (document.getElementById("overview-presets") || root).append(presetGroup);
  // Sharing tools sit in the page header, where they do not crowd the training controls.
  (document.getElementById("header-tools") || root).append(group(share, teacherLabel));

  const frameNoteEl = document.getElementById("frame-note");
  store.subscribe((state, changed) => {
    if (changed.has("run")) {
      const run = state.run;
      play.textContent = run.state === "playing" ? "❚❚ Pause" : "▶ Play";
      play.disabled = run.state === "diverged";
      counter.textContent = formatEpoch(run.epoch || 0);
      rate.textContent = rateText(run, state.params);
      showFrameNote(frameNoteEl, frameNote(run));
      document.body.classList.toggle("playing", run.state === "playing");
    }
  });
}

/**
 * The page's banner: `show(text, {kind, reset, actions, source, timeout_ms})`, `hide(source)`.
 * kind: error (red), warn (amber) or info (blue). `actions`: [{text, id, onClick}] buttons;
 * `source` tags who showed it, so `hide(source)` never hides someone else's message.
 * Every banner can be dismissed with its ✕.
 */
export function createBanner(element, send) {
  let timer = null;
  let owner = null;
  const hide = (source) => {
    if (source !== undefined && source !== owner) return;
    clearTimeout(timer);
    element.hidden = true;
    owner = null;
  };
  return {
    show(text, { kind = "error", reset = false, actions = [], source = null, timeout_ms = 0 } = {}) {
      clearTimeout(timer);
      owner = source;
      element.className = `banner ${kind}`;
      const message = Object.assign(document.createElement("span"), { className: "banner-text", textContent: text });
      element.replaceChildren(message);
      if (reset) element.append(button("⟲ Reset", "banner_reset", "start over", () => send({ type: "reset" })));
      for (const a of actions) {
        const b = button(a.text, a.id.replace(/^btn-/, ""), a.title || a.text, () => { hide(); a.onClick(); });
        element.append(b);
      }
      const close = button("✕", "banner_close", "dismiss", () => hide());
      close.classList.add("banner-close");
      element.append(close);
      element.hidden = false;
      if (timeout_ms) timer = setTimeout(() => hide(source), timeout_ms);
    },
    hide,
    text: () => (element.hidden ? "" : element.querySelector(".banner-text")?.textContent || ""),
  };
}

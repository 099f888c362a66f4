/**
 * The timeline bar: reset, play/pause, step (epoch / D / G), speed and slow motion, the
 * epoch counter with live epochs/s, presets, and the teacher-mode switch. It sends
 * commands and renders `run`; it keeps no state of its own.
 */

const SPEEDS = [0, 1000, 300, 100, 30, 10, 3, 1];

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

/** Build the bar into `root`; `send(command)` talks to the session. */
export function createTransport(root, store, send, schema) {
  const reset = button("⟲ Reset", "reset", "start over with the same seed", () => send({ type: "reset" }));
  const play = button("▶ Play", "play", "play / pause training", () =>
    send({ type: store.get("run").state === "playing" ? "pause" : "play" }));
  play.classList.add("primary");
  const steps = group(
    button("Step epoch", "step_epoch", "one epoch: k_D D steps then k_G G steps", () => send({ type: "step", what: "epoch" })),
    button("Step D", "step_d", "one discriminator update", () => send({ type: "step", what: "d" })),
    button("Step G", "step_g", "one generator update", () => send({ type: "step", what: "g" })),
  );
  steps.dataset.control = "step";

  const speed = document.createElement("select");
  speed.id = "speed";
  speed.dataset.ui = "max_epochs_per_s";
  for (const s of SPEEDS) speed.append(new Option(s ? `${s} epochs/s` : "max speed", s));
  const slow = Object.assign(document.createElement("input"), { type: "checkbox", id: "slow-motion" });
  slow.dataset.ui = "slow_motion";
  const slowLabel = document.createElement("label");
  slowLabel.append(slow, " slow motion");
  slowLabel.title = "one frame per optimizer step, highlighting the network being updated";
  const setUi = (patch) => store.set({ ui: { ...store.get("ui"), ...patch } });
  speed.addEventListener("change", () => setUi({ max_epochs_per_s: Number(speed.value) }));
  slow.addEventListener("change", () => setUi({ slow_motion: slow.checked }));
  const speedGroup = group(speed, slowLabel);
  speedGroup.dataset.control = "speed";

  const counter = Object.assign(document.createElement("span"), { className: "counter", id: "epoch-counter", textContent: "000,000" });
  const rate = Object.assign(document.createElement("span"), { className: "rate", id: "epoch-rate" });
  const counterGroup = group(Object.assign(document.createElement("span"), { className: "counter-label", textContent: "Epoch" }), counter, rate);

  const preset = document.createElement("select");
  preset.id = "preset";
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
  const teacherLabel = document.createElement("label");
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

  root.append(group(reset, play), steps, speedGroup, counterGroup, presetGroup);
  // Sharing tools sit in the page header, where they do not crowd the training controls.
  (document.getElementById("header-tools") || root).append(group(share, teacherLabel));

  store.subscribe((state, changed) => {
    if (changed.has("run")) {
      const run = state.run;
      play.textContent = run.state === "playing" ? "❚❚ Pause" : "▶ Play";
      play.disabled = run.state === "diverged";
      counter.textContent = formatEpoch(run.epoch || 0);
      rate.textContent = run.state === "playing" ? `${Math.round(run.epochs_per_s || 0)} epochs/s · step ${run.step}` : `step ${run.step ?? 0}`;
      document.body.classList.toggle("playing", run.state === "playing");
    }
    if (changed.has("ui")) {
      speed.value = String(state.ui.max_epochs_per_s || 0);
      slow.checked = !!state.ui.slow_motion;
    }
  });
  speed.value = String(store.get("ui").max_epochs_per_s || 0);
  slow.checked = !!store.get("ui").slow_motion;
}

/** The diverged/error banner: `show(text, {kind, action})`, `hide()`. */
export function createBanner(element, send) {
  let timer = null;
  return {
    show(text, { kind = "error", reset = false, timeout_ms = 0 } = {}) {
      clearTimeout(timer);
      element.className = `banner ${kind === "info" ? "info" : ""}`;
      element.textContent = text;
      if (reset) element.append(button("⟲ Reset", "banner_reset", "start over", () => send({ type: "reset" })));
      element.hidden = false;
      if (timeout_ms) timer = setTimeout(() => { element.hidden = true; }, timeout_ms);
    },
    hide() { clearTimeout(timer); element.hidden = true; },
  };
}

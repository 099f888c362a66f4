/**
 * The pace control: how fast training runs, from GAN Lab's narrated slow motion to as fast
 * as the CPU goes. The default is a pace at which the fakes can be seen travelling (the
 * default page converges in about 15–25 s, see docs/ui.md); full speed is one click away.
 * The control shows the pace the *server* confirmed, and the rate readout says when the CPU
 * cannot keep up with the pace asked for.
 */

export const DEFAULT_PACE = 100; // epochs/s; also UI_SETTINGS.max_epochs_per_s's default
const PACES = [1, 3, 10, 30, 100, 300, 1000];
const SLOW = "slow";
const MAX = "0";
const SLOW_EPOCHS_PER_S = 0.5; // the server's slow-motion pace when no cap is given

/** The select's value for a pace: "slow", "0" (as fast as possible) or the cap in epochs/s. */
export function paceValue(maxEpochsPerS, slowMotion) {
  if (slowMotion) return SLOW;
  return maxEpochsPerS ? String(maxEpochsPerS) : MAX;
}

/** Words for the pace in effect, e.g. "100 epochs/s", "slow motion: 1 step every 0.67 s". */
export function describePace(maxEpochsPerS, slowMotion, stepsPerEpoch = 3) {
  if (slowMotion) {
    const stepS = 1 / ((maxEpochsPerS || SLOW_EPOCHS_PER_S) * Math.max(1, stepsPerEpoch));
    return `slow motion: 1 optimizer step every ${Number(stepS.toPrecision(2))} s`;
  }
  return maxEpochsPerS ? `${maxEpochsPerS} epochs/s` : "as fast as the CPU goes";
}

/** What the speed command for a UI state sends (slow motion paces itself, uncapped). */
export function speedCommand(ui) {
  return { type: "speed", max_epochs_per_s: ui.slow_motion ? null : (ui.max_epochs_per_s || null), slow_motion: !!ui.slow_motion };
}

function option(value, text) {
  return new Option(text, value);
}

/** The select plus the full-speed button; they write `ui` and show `run`'s confirmed pace. */
export function createPace(store) {
  const select = Object.assign(document.createElement("select"), { id: "speed", title: "training pace" });
  select.dataset.ui = "max_epochs_per_s";
  select.append(option(SLOW, "slow motion"));
  for (const p of PACES) select.append(option(String(p), `${p} epochs/s`));
  select.append(option(MAX, "full speed"));
  const full = Object.assign(document.createElement("button"), {
    type: "button", className: "btn", id: "btn-full-speed", textContent: "▶▶ Full speed",
    title: "train as fast as the CPU goes; click again to return to a pace you can watch",
  });
  const setUi = (patch) => store.set({ ui: { ...store.get("ui"), ...patch } });
  let lastWatchable = DEFAULT_PACE;
  select.addEventListener("change", () => {
    if (select.value === SLOW) setUi({ slow_motion: true });
    else setUi({ slow_motion: false, max_epochs_per_s: Number(select.value) });
  });
  full.addEventListener("click", () => {
    const ui = store.get("ui");
    const atFull = !ui.slow_motion && !ui.max_epochs_per_s;
    if (!atFull && ui.max_epochs_per_s) lastWatchable = ui.max_epochs_per_s;
    setUi(atFull ? { slow_motion: false, max_epochs_per_s: lastWatchable } : { slow_motion: false, max_epochs_per_s: 0 });
  });

  function render(state) {
    const run = state.run;
    // The server's echo is the pace in effect; before the first echo, the wish.
    const confirmed = run.max_epochs_per_s !== undefined;
    const max = confirmed ? run.max_epochs_per_s : state.ui.max_epochs_per_s;
    const slow = confirmed ? run.slow_motion : state.ui.slow_motion;
    select.value = paceValue(max, slow);
    const steps = (state.params.d_steps ?? 2) + (state.params.g_steps ?? 1);
    select.title = `pace in effect: ${describePace(max, slow, steps)}`;
    const atFull = !slow && !max;
    full.setAttribute("aria-pressed", String(atFull));
    full.textContent = atFull ? `▶ ${lastWatchable} epochs/s` : "▶▶ Full speed";
  }
  store.subscribe((state, changed) => { if (changed.has("run") || changed.has("ui") || changed.has("params")) render(state); });
  render(store.get());
  const root = document.createElement("div");
  root.className = "group";
  root.dataset.control = "speed";
  root.append(select, full);
  return root;
}

/**
 * The rate readout: the measured epochs/s, and a note when it falls well short of the pace
 * asked for (the CPU is the limit), or the narrated pace in slow motion.
 */
export function rateText(run, params) {
  if (run.state !== "playing") return `step ${run.step ?? 0}`;
  const measured = Math.round(run.epochs_per_s || 0);
  if (run.slow_motion) return describePace(run.max_epochs_per_s, true, (params.d_steps ?? 2) + (params.g_steps ?? 1));
  const cap = run.max_epochs_per_s;
  const note = !cap ? " (full speed)" : measured > 0 && measured < 0.8 * cap ? ` (CPU-bound; asked ${cap})` : "";
  return `${measured} epochs/s${note} · step ${run.step}`;
}

/**
 * The header's note while the server sends this session fewer frames because many sessions
 * share it: {text, title} (the title says why), or null when frames run at the full rate.
 */
export function frameNote(run) {
  if (run.state !== "playing" || !run.frame_hz_reason) return null;
  return { text: `${Math.round(run.frame_hz)} frames/s · shared server`, title: run.frame_hz_reason };
}

/**
 * One download's progress: a bar, "12.3 MB of 283 MB · 4% · 5.1 MB/s · 52 s left", Cancel;
 * and when it fails, what happened and what to do, with a button to try again (it resumes
 * when part of the file was kept).
 */

import { progressFraction, progressLine } from "./downloadtext.js";
import { button, el } from "./widgets.js";

export function createDownloadRow({ onCancel, onRetry }) {
  const bar = el("progress", { className: "sg3-dl-bar", max: 1 });
  const text = el("span", { className: "sg3-dl-text" });
  text.dataset.role = "sg3-dl-text";
  const cancel = button("Cancel", () => onCancel());
  const retry = button("Try again", () => onRetry(), { hidden: true });
  const problem = el("div", { className: "sg3-dl-error", hidden: true });
  problem.dataset.role = "sg3-dl-error";
  const root = el("div", { className: "sg3-dl", hidden: true },
    el("div", { className: "sg3-dl-line" }, bar, cancel, retry), text, problem);
  root.dataset.role = "sg3-download-row";

  function running(d) {
    const fraction = progressFraction(d);
    if (fraction === null) bar.removeAttribute("value"); else bar.value = fraction;
    bar.hidden = false;
    text.textContent = progressLine(d);
    cancel.hidden = d.phase === "checking";
    retry.hidden = problem.hidden = true;
  }

  function ended(d) {
    cancel.hidden = true;
    bar.hidden = d.state !== "done";
    bar.value = 1;
    problem.hidden = d.state !== "failed";
    retry.hidden = d.state === "done";
    if (d.state === "done") text.textContent = "Downloaded and checked.";
    else if (d.state === "cancelled") text.textContent = "Cancelled; nothing was kept.";
    else {
      text.textContent = "";
      problem.textContent = `${d.error.message} ${d.error.hint}`.trim();
      retry.textContent = d.error.kept_bytes ? "Resume" : "Try again";
    }
  }

  return {
    root,
    /** Show a download state from the server (see ganlab/server/stylegan3/downloads.py). */
    update(d) {
      root.hidden = false;
      root.dataset.state = d.state;
      if (d.state === "downloading") running(d); else ended(d);
    },
    hide() { root.hidden = true; },
  };
}

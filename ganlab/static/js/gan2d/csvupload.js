/**
 * CSV upload: x,y rows (a header line and extra columns are fine; the app's own samples CSV
 * too) become the `csv` dataset. The file is parsed here (csv.js) so a bad one gets its
 * message, naming the line, before anything is sent.
 */

import { parseCsv } from "./csv.js";

/** A button plus hidden file input; returns {root, open()}. */
export function createCsvUpload(send, banner) {
  const input = Object.assign(document.createElement("input"), { type: "file", accept: ".csv,text/csv,text/plain", hidden: true, id: "csv-file" });
  const button = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: "⇪ Upload CSV", id: "btn-csv" });
  button.title = "a CSV file of x,y rows (or a samples CSV downloaded here) becomes the real data";
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    try {
      send({ type: "points", points: parseCsv(await file.text()), dataset: "csv" });
    } catch (error) {
      banner.show(`CSV upload: ${error.message}`, { timeout_ms: 6000 });
    }
  });
  const root = document.createElement("span");
  root.dataset.control = "csv";
  root.append(button, input);
  return { root, open: () => input.click() };
}

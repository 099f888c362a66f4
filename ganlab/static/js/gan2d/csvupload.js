/**
 * CSV upload: x,y rows (a header line and extra columns are fine) become the `csv`
 * dataset. Parsing happens here so a bad file gets its message before anything is sent.
 */

/** Parse CSV text into [[x, y], ...]; throws an Error naming the first bad line. */
export function parseCsv(text, maxPoints = 20000) {
  const points = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    const [a, b] = line.split(/[,;\t ]+/).map(Number);
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (index === 0 && !points.length) return; // a header line
      throw new Error(`line ${index + 1} is not an x,y pair of numbers: "${line.slice(0, 40)}"`);
    }
    points.push([a, b]);
  });
  if (!points.length) throw new Error("no x,y rows found");
  if (points.length > maxPoints) throw new Error(`${points.length} points; at most ${maxPoints} are allowed`);
  return points;
}

/** A button plus hidden file input; returns {root, open()}. */
export function createCsvUpload(send, banner) {
  const input = Object.assign(document.createElement("input"), { type: "file", accept: ".csv,text/csv,text/plain", hidden: true, id: "csv-file" });
  const button = Object.assign(document.createElement("button"), { type: "button", className: "btn", textContent: "⇪ Upload CSV", id: "btn-csv" });
  button.title = "a CSV file of x,y rows becomes the real data";
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

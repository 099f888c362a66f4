/**
 * CSV of 2-D points, parsed the same way as the server (ganlab/gan2d/csvdata.py), so a bad
 * file gets its message in the page, naming the line, before anything is sent.
 *
 * - Each line's delimiter is the first of tab, semicolon, comma found outside quotes; with
 *   none, runs of spaces separate the fields (" 0.5 0.7" is the point (0.5, 0.7)).
 * - Fields may be quoted ("0.5"), with "" for a quote inside; surrounding spaces are trimmed.
 * - A first line that is not numbers is a header. With `x` and `y` columns those are used,
 *   otherwise the first two; with a `kind` column only `real` rows are kept, so the app's own
 *   Samples CSV (`kind,x,y,d`) uploads back as its real data.
 * - An empty or missing value ("0.5,") or a non-number is an error naming its line.
 * - Points far outside the rest (more than 100× the data's spread) are refused (checkExtent).
 */

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
export const OUTLIER_FACTOR = 100; // "orders of magnitude": refused this many spreads outside the rest
export const OFFSET_FACTOR = 1000; // refused when the centre is this many spreads from the origin

/** The delimiter of one line: tab, ";" or "," outside quotes, or null for whitespace. */
function delimiterOf(line) {
  let quoted = false;
  const seen = new Set();
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\t" || c === ";" || c === ",")) seen.add(c);
  }
  return ["\t", ";", ","].find((d) => seen.has(d)) ?? null;
}

/** Split one line into trimmed, unquoted fields; throws on an unclosed quote. */
export function splitLine(line, lineNo) {
  const delimiter = delimiterOf(line);
  if (delimiter !== null) return splitOn(line, delimiter, lineNo);
  const body = line.trim();
  if (!body.includes('"')) return body ? body.split(/\s+/) : [];
  if ((body.match(/"/g) || []).length % 2) throw new Error(`line ${lineNo}: a quote is not closed`);
  // Spaces outside quotes separate fields: mark them with a character no CSV holds, then split on it.
  return splitOn(body.replace(/\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/g, "\u0000"), "\u0000", lineNo);
}

function splitOn(line, delimiter, lineNo) {
  const fields = [];
  let field = "", quoted = false, wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"' && field.trim() === "") { quoted = true; wasQuoted = true; field = ""; }
    else if (c === delimiter) { fields.push(wasQuoted ? field : field.trim()); field = ""; wasQuoted = false; }
    else if (!(wasQuoted && /\s/.test(c))) field += c;
  }
  if (quoted) throw new Error(`line ${lineNo}: a quote is not closed`);
  fields.push(wasQuoted ? field : field.trim());
  return fields;
}

function isNumber(text) {
  return NUMBER.test(text.trim());
}

function columnsOf(header, lineNo) {
  const names = header.map((h) => h.trim().toLowerCase());
  const x = names.indexOf("x"), y = names.indexOf("y");
  if ((x < 0) !== (y < 0)) throw new Error(`line ${lineNo}: the header names only one of the x and y columns`);
  return { x: x < 0 ? 0 : x, y: y < 0 ? 1 : y, kind: names.indexOf("kind") };
}

function value(fields, index, name, lineNo, line) {
  const text = fields[index];
  const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
  if (text === undefined) throw new Error(`line ${lineNo}: no ${name} value in "${shown}"`);
  if (text.trim() === "") throw new Error(`line ${lineNo}: the ${name} value is empty in "${shown}"`);
  if (!isNumber(text)) throw new Error(`line ${lineNo}: the ${name} value "${text.slice(0, 20)}" is not a number`);
  return Number(text);
}

/**
 * Parse CSV text. Returns {points: [[x, y], ...], lines: [line number of each point], skipped}
 * (`skipped`: rows of another `kind`); throws an Error naming the first bad line.
 */
export function parseCsvRows(text, maxPoints = 20000) {
  const points = [], lines = [];
  let columns = { x: 0, y: 1, kind: -1 }, first = true, skipped = 0;
  const rows = String(text).split(/\r\n|\n|\r/);
  for (let i = 0; i < rows.length; i++) {
    const line = rows[i], lineNo = i + 1;
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const fields = splitLine(line, lineNo);
    if (first) {
      first = false;
      // A header starts with a word; "0.5," is data (with a bad y value).
      if (fields.length && fields[0].trim() && !isNumber(fields[0])) { columns = columnsOf(fields, lineNo); continue; }
    }
    if (columns.kind >= 0 && (fields[columns.kind] || "").trim().toLowerCase() !== "real") { skipped++; continue; }
    points.push([value(fields, columns.x, "x", lineNo, line), value(fields, columns.y, "y", lineNo, line)]);
    lines.push(lineNo);
    if (points.length > maxPoints) throw new Error(`more than ${maxPoints} points; at most ${maxPoints} are allowed`);
  }
  if (!points.length) throw new Error(columns.kind >= 0 ? "no rows of kind \"real\" found" : "no x,y rows found");
  return { points, lines, skipped };
}

/** The p-th percentile (0–100) of sorted values, interpolated linearly (as numpy's default). */
export function percentile(sorted, p) {
  const at = (p / 100) * (sorted.length - 1), lo = Math.floor(at), hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

const median = (sorted) => percentile(sorted, 50);
const sortedOf = (values) => Float64Array.from(values).sort();

/**
 * Where most points lie, unmoved by a few wild ones: {box, spread}, a square around the median
 * with side 4·MAD (the larger axis). When more than half the points coincide (MAD 0), the side is
 * the central 96% span instead.
 */
export function robustExtent(points) {
  const axes = [0, 1].map((a) => sortedOf(points.map((p) => p[a])));
  const med = axes.map(median);
  const mad = [0, 1].map((a) => median(sortedOf(points.map((p) => Math.abs(p[a] - med[a])))));
  let spread = 4 * Math.max(...mad);
  if (spread === 0) spread = Math.max(...axes.map((s) => percentile(s, 98) - percentile(s, 2)));
  const half = Math.max(spread, 1e-3) / 2;
  return { box: [med[0] - half, med[0] + half, med[1] - half, med[1] + half], spread };
}

/**
 * Refuse data that would train into a divergence the learning rate gets blamed for: a point
 * more than OUTLIER_FACTOR× the data's spread outside where most points lie, or data whose
 * centre is OFFSET_FACTOR× its spread from the origin. `where(i)` names point i in the message.
 */
export function checkExtent(points, where = (i) => `point ${i + 1}`) {
  const { box, spread } = robustExtent(points);
  const side = Math.max(box[1] - box[0], box[3] - box[2], 1e-3);
  const fmt = (v) => Number(v.toPrecision(3));
  for (let i = 0; i < points.length; i++) {
    const [x, y] = points[i];
    const out = Math.max(box[0] - x, x - box[1], box[2] - y, y - box[3], 0);
    if (out > OUTLIER_FACTOR * side) {
      throw new Error(`${where(i)}: (${fmt(x)}, ${fmt(y)}) lies far outside the other points (most lie in x ${fmt(box[0])} `
        + `to ${fmt(box[1])}, y ${fmt(box[2])} to ${fmt(box[3])}), more than ${OUTLIER_FACTOR}× their spread away; `
        + "remove it or rescale the data");
    }
  }
  const centre = Math.max(Math.abs(box[0] + box[1]), Math.abs(box[2] + box[3])) / 2;
  if (spread > 0 && centre > OFFSET_FACTOR * spread) {
    throw new Error(`the points sit ${fmt(centre)} from the origin but spread over only ${fmt(spread)}: subtract their `
      + "mean first (the networks would see huge inputs and diverge)");
  }
}

/** Parse and check a file: [[x, y], ...]; throws an Error naming the bad line. */
export function parseCsv(text, maxPoints = 20000) {
  const { points, lines } = parseCsvRows(text, maxPoints);
  checkExtent(points, (i) => `line ${lines[i]}`);
  return points;
}

"""CSV files of 2-D points, and the checks that keep user points trainable.

The browser parses with the same rules (ganlab/static/js/gan2d/csv.js), so a file gets the
same verdict in the page, on the server and in `ganlab train --points`:

- Each line's delimiter is the first of tab, semicolon, comma found outside quotes; with none,
  runs of spaces separate the fields (" 0.5 0.7" is the point (0.5, 0.7)).
- Fields may be quoted ("0.5"), with "" for a quote inside; surrounding spaces are trimmed.
- A first line that is not numbers is a header. With `x` and `y` columns those are used,
  otherwise the first two; with a `kind` column only `real` rows are kept, so the app's own
  samples CSV (`kind,x,y,d`) reads back as its real data.
- An empty or missing value ("0.5,") or a non-number is an error naming its line.
- Points far outside the rest are refused (`check_extent`): trained on, they would squash the
  view and diverge, and the learning rate would get the blame.
"""

from __future__ import annotations

import re

import numpy as np

NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
OUTLIER_FACTOR = 100.0  # "orders of magnitude": a point this many spreads outside the rest is refused
OFFSET_FACTOR = 1000.0  # data whose centre is this many spreads from the origin is refused
_OUTSIDE_QUOTES_SPACE = re.compile(r'\s+(?=(?:[^"]*"[^"]*")*[^"]*$)')


def _delimiter(line: str) -> str | None:
    quoted, seen = False, set()
    for c in line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "\t;,":
            seen.add(c)
    return next((d for d in "\t;," if d in seen), None)


def split_line(line: str, lineno: int) -> list[str]:
    """Trimmed, unquoted fields of one line; raises ValueError on an unclosed quote."""
    delimiter = _delimiter(line)
    if delimiter is not None:
        return _split_on(line, delimiter, lineno)
    body = line.strip()
    if '"' not in body:
        return body.split()
    if body.count('"') % 2:
        raise ValueError(f"points: line {lineno}: a quote is not closed")
    # Spaces outside quotes separate fields: mark them with a character no CSV holds, then split on it.
    return _split_on(_OUTSIDE_QUOTES_SPACE.sub("\0", body), "\0", lineno)


def _split_on(line: str, delimiter: str, lineno: int) -> list[str]:
    fields: list[str] = []
    field, quoted, was_quoted, i = "", False, False, 0
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"' and line[i + 1 : i + 2] == '"':
                field += '"'
                i += 1
            elif c == '"':
                quoted = False
            else:
                field += c
        elif c == '"' and not field.strip():
            quoted, was_quoted, field = True, True, ""
        elif c == delimiter:
            fields.append(field if was_quoted else field.strip())
            field, was_quoted = "", False
        elif not (was_quoted and c.isspace()):
            field += c
        i += 1
    if quoted:
        raise ValueError(f"points: line {lineno}: a quote is not closed")
    fields.append(field if was_quoted else field.strip())
    return fields


def _is_number(text: str) -> bool:
    return bool(NUMBER.match(text.strip()))


def _columns(header: list[str], lineno: int) -> tuple[int, int, int]:
    names = [h.strip().lower() for h in header]
    if ("x" in names) != ("y" in names):
        raise ValueError(f"points: line {lineno}: the header names only one of the x and y columns")
    x, y = (names.index("x"), names.index("y")) if "x" in names else (0, 1)
    return x, y, names.index("kind") if "kind" in names else -1


def _value(fields: list[str], index: int, name: str, lineno: int, line: str) -> float:
    shown = line if len(line) <= 40 else line[:40] + "…"
    if index >= len(fields):
        raise ValueError(f"points: line {lineno}: no {name} value in {shown!r}")
    text = fields[index]
    if not text.strip():
        raise ValueError(f"points: line {lineno}: the {name} value is empty in {shown!r}")
    if not _is_number(text):
        raise ValueError(f"points: line {lineno}: the {name} value {text[:20]!r} is not a number")
    return float(text)


def parse_csv_rows(text: str, max_points: int = 100_000) -> tuple[np.ndarray, list[int]]:
    """Points [N, 2] and the line number of each; raises ValueError naming the first bad line."""
    points: list[tuple[float, float]] = []
    lines: list[int] = []
    x_col, y_col, kind_col, first = 0, 1, -1, True
    for lineno, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        fields = split_line(line, lineno)
        if first:
            first = False
            if fields and fields[0].strip() and not _is_number(fields[0]):  # "0.5," is data (with a bad y)
                x_col, y_col, kind_col = _columns(fields, lineno)
                continue
        if kind_col >= 0 and (fields[kind_col] if kind_col < len(fields) else "").strip().lower() != "real":
            continue
        points.append((_value(fields, x_col, "x", lineno, line), _value(fields, y_col, "y", lineno, line)))
        lines.append(lineno)
        if len(points) > max_points:
            raise ValueError(f"points: more than {max_points} points; at most {max_points} are allowed")
    if not points:
        raise ValueError('points: no rows of kind "real" found' if kind_col >= 0 else "points: no x,y rows found")
    return np.array(points, dtype=np.float64), lines


def robust_extent(points: np.ndarray) -> tuple[tuple[float, float, float, float], float]:
    """Where most points lie, unmoved by a few wild ones: a square box around the median with side
    4·MAD (the larger axis; about the central half of the data twice over), and that side. When
    more than half the points coincide (MAD 0), the side is the central 96% span instead."""
    med = np.median(points, axis=0)
    side = 4.0 * float(np.median(np.abs(points - med), axis=0).max())
    if side == 0.0:
        side = float((np.percentile(points, 98, axis=0) - np.percentile(points, 2, axis=0)).max())
    half = max(side, 1e-3) / 2
    return (float(med[0] - half), float(med[0] + half), float(med[1] - half), float(med[1] + half)), side


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def check_extent(points: np.ndarray, labels: list[str] | None = None,
                 box: tuple[float, float, float, float] | None = None) -> None:
    """Refuse a point more than OUTLIER_FACTOR× the data's spread outside `box` (default: where most
    points lie, `robust_extent`), and data whose centre is OFFSET_FACTOR× its spread from the origin."""
    spread = 0.0
    if box is None:
        box, spread = robust_extent(points)
    x0, x1, y0, y1 = box
    side = max(x1 - x0, y1 - y0, 1e-3)
    out = np.maximum.reduce([x0 - points[:, 0], points[:, 0] - x1, y0 - points[:, 1], points[:, 1] - y1,
                             np.zeros(len(points))])
    far = np.flatnonzero(out > OUTLIER_FACTOR * side)
    if far.size:
        i = int(far[0])
        where = labels[i] if labels else f"point {i + 1}"
        x, y = points[i]
        raise ValueError(
            f"points: {where}: ({_fmt(x)}, {_fmt(y)}) lies far outside the other points "
            f"(most lie in x {_fmt(x0)} to {_fmt(x1)}, y {_fmt(y0)} to {_fmt(y1)}), more than "
            f"{OUTLIER_FACTOR:g}× their spread away; remove it or rescale the data"
        )
    centre = max(abs(x0 + x1), abs(y0 + y1)) / 2
    if spread > 0 and centre > OFFSET_FACTOR * spread:
        raise ValueError(
            f"points: the points sit {_fmt(centre)} from the origin but spread over only {_fmt(spread)}: subtract "
            "their mean first (the networks would see huge inputs and diverge)"
        )


def parse_csv_points(text: str, max_points: int = 100_000) -> np.ndarray:
    """Parse and check CSV text: float64 [N, 2]; raises ValueError naming the bad line."""
    points, lines = parse_csv_rows(text, max_points)
    check_extent(points, [f"line {n}" for n in lines])
    return points

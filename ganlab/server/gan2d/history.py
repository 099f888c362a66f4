"""A session's chart history: one row of losses and metrics per fresh frame, kept compact.

Rows used to be dicts, about 1 KB each: 5,000 rows per session, held in the worker and again
in the web process's last snapshot, made 30 sessions grow by ~300 MB, and pickling them for
the snapshot every 5 s stalled frames. Here the rows are one float64 array (8 bytes a value)
with a byte per value that says whether it is a number, None, or not in that row at all, so a
full history is under 1 MB and a snapshot copies two arrays. Rows come back exactly as they
went in: the same keys, ints stay ints, None stays None, NaN stays NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NUMBER, NONE, ABSENT = 0, 1, 2  # what each cell of a row holds


class ChartHistory:
    """Chart rows (dicts of numbers) up to `limit`; beyond it, every other old row is dropped."""

    def __init__(self, limit: int):
        self.limit = limit
        self.clear()

    def clear(self) -> None:
        self.columns: list[str] = []
        self._index: dict[str, int] = {}
        self._floats: set[str] = set()  # columns with a number that was not an int (others: ints)
        self._values = np.zeros((0, 0))
        self._kinds = np.zeros((0, 0), dtype=np.int8)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def last_step(self) -> int | None:
        if not self._n or "step" not in self._index:
            return None
        return int(self._values[self._n - 1, self._index["step"]])

    def append(self, row: dict[str, Any]) -> None:
        for key in row:
            if key not in self._index:
                self._add_column(key)
        self._reserve(self._n + 1)
        values, kinds = self._values[self._n], self._kinds[self._n]
        kinds[:] = ABSENT
        for key, value in row.items():
            j = self._index[key]
            if value is None:
                kinds[j] = NONE
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self._floats.add(key)
            values[j], kinds[j] = float(value), NUMBER
        self._n += 1
        if self._n > self.limit:  # thin 2:1 and keep the newest row exact
            keep = np.r_[np.arange(0, self._n - 1, 2), self._n - 1]
            self._values[: len(keep)] = self._values[keep]
            self._kinds[: len(keep)] = self._kinds[keep]
            self._n = len(keep)

    def rows(self) -> list[dict[str, Any]]:
        """Every row as a new dict, oldest first."""
        return rows_of(self.state(copy=False))

    def state(self, copy: bool = True) -> dict[str, Any]:
        """Plain data to rebuild the history from (picklable; `copy` when the history lives on)."""
        values, kinds = self._values[: self._n], self._kinds[: self._n]
        return {
            "columns": list(self.columns),
            "floats": sorted(self._floats),
            "values": values.copy() if copy else values,
            "kinds": kinds.copy() if copy else kinds,
        }

    def load(self, saved: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Restore from `state()`, or from a list of row dicts (a snapshot written to disk)."""
        self.clear()
        if isinstance(saved, list):
            for row in saved:
                self.append(row)
            return
        for key in saved["columns"]:
            self._add_column(key)
        self._floats = set(saved["floats"])
        count = len(saved["values"])
        self._reserve(count)
        self._values[:count] = saved["values"]
        self._kinds[:count] = saved["kinds"]
        self._n = count

    def _add_column(self, key: str) -> None:
        self._index[key] = len(self.columns)
        self.columns.append(key)
        rows = len(self._values)
        self._values = np.concatenate([self._values, np.zeros((rows, 1))], axis=1)
        self._kinds = np.concatenate([self._kinds, np.full((rows, 1), ABSENT, dtype=np.int8)], axis=1)

    def _reserve(self, rows: int) -> None:
        capacity = len(self._values)
        if rows <= capacity:
            return
        grown = max(rows, min(self.limit + 1, max(64, 2 * capacity)))
        values = np.zeros((grown, len(self.columns)))
        kinds = np.full((grown, len(self.columns)), ABSENT, dtype=np.int8)
        values[:capacity], kinds[:capacity] = self._values, self._kinds
        self._values, self._kinds = values, kinds


def rows_of(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The row dicts of a `ChartHistory.state()`."""
    columns, floats = state["columns"], set(state["floats"])
    out = []
    for values, kinds in zip(state["values"].tolist(), state["kinds"].tolist(), strict=True):
        out.append({
            key: None if kind == NONE else (value if key in floats else int(value))
            for key, value, kind in zip(columns, values, kinds, strict=True)
            if kind != ABSENT
        })
    return out

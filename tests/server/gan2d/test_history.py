"""The compact chart history gives back exactly the rows it was given, thins them as the old
list of dicts did, and stays small (issue 15: the soak grew ~6 MB per session with dict rows)."""

from __future__ import annotations

import math
import pickle
import random

from ganlab.server.gan2d.history import ChartHistory, rows_of


def _rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        row = {"epoch": i, "step": 3 * i, "d_loss": rng.random(), "g_loss": rng.random() * 4 - 2}
        row["kl"] = None if i % 7 == 3 else float("nan") if i % 11 == 5 else rng.random()
        if i % 2:  # a key only some rows have (mode metrics come and go with the dataset)
            row["modes_covered"] = rng.randrange(9)
        out.append(row)
    return out


def _same(a: list[dict], b: list[dict]) -> bool:
    def norm(rows):
        return [{k: ("nan" if isinstance(v, float) and math.isnan(v) else (type(v).__name__, v)) for k, v in r.items()}
                for r in rows]

    return norm(a) == norm(b)


def _reference(rows: list[dict], limit: int) -> list[dict]:
    """The old list-of-dicts history, thinned 2:1 at the limit keeping the newest row."""
    kept: list[dict] = []
    for row in rows:
        kept.append(row)
        if len(kept) > limit:
            kept[:] = kept[:-1:2] + kept[-1:]
    return kept


def test_rows_come_back_exactly_keys_types_none_and_nan_included() -> None:
    history = ChartHistory(1000)
    rows = _rows(200)
    for row in rows:
        history.append(row)
    back = history.rows()
    assert _same(back, rows)
    assert "modes_covered" not in back[0] and back[1]["modes_covered"] == rows[1]["modes_covered"]
    assert isinstance(back[5]["epoch"], int) and back[3]["kl"] is None and math.isnan(back[5]["kl"])
    assert len(history) == 200 and history.last_step == 597


def test_thinning_matches_the_old_list_at_every_length() -> None:
    rows = _rows(700, seed=1)
    history = ChartHistory(100)
    for n, row in enumerate(rows, 1):
        history.append(row)
        if n in (99, 100, 101, 102, 250, 700):
            assert _same(history.rows(), _reference(rows[:n], 100)), n


def test_a_state_survives_pickling_and_loading_and_disk_rows_load_too() -> None:
    history = ChartHistory(500)
    rows = _rows(300, seed=2)
    for row in rows:
        history.append(row)
    state = pickle.loads(pickle.dumps(history.state()))
    history.append({"epoch": 999, "step": 9999, "d_loss": 0.0})  # the copy does not change with it
    assert _same(rows_of(state), rows)
    again = ChartHistory(500)
    again.load(state)
    assert _same(again.rows(), rows)
    again.append(rows[0] | {"step": 10_000})
    assert len(again) == 301 and again.last_step == 10_000
    from_disk = ChartHistory(500)
    from_disk.load(rows)  # view.json holds plain rows
    assert _same(from_disk.rows(), rows)


def test_a_full_history_is_small() -> None:
    history = ChartHistory(5000)
    for row in _rows(5000, seed=3):
        history.append(row)
    state = history.state()
    held = state["values"].nbytes + state["kinds"].nbytes
    assert held < 60 * 5000, held  # ~54 bytes a row here; the dict rows took ~1 KB
    assert len(pickle.dumps(state)) < 80 * 5000

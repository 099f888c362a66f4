"""CSV points (ganlab/gan2d/csvdata.py): the same rules as the page's parser (csv.js), the extent
checks that keep user points trainable, and `ganlab train --points` with real files."""

import json
import subprocess
import sys

import numpy as np
import pytest

from ganlab.gan2d.csvdata import check_extent, parse_csv_points, parse_csv_rows
from ganlab.gan2d.datasets import make_dataset


@pytest.mark.parametrize(("text", "points"), [
    (" 0.5 0.7\n0.6\t0.8\n", [[0.5, 0.7], [0.6, 0.8]]),  # spaces separate fields: not [0, 0.5]
    ('"0.5","0.7"\n" 1 ", 2\n', [[0.5, 0.7], [1, 2]]),  # quoted values
    ("x;y\n1;2\n\n# a comment\n3,4\n", [[1, 2], [3, 4]]),
    ("y,x\n1,2\n", [[2, 1]]),  # columns by header name
    ("kind,x,y,d\nreal,0.1,0.2,0.5\nfake,9,9,0.1\nreal,0.3,0.4,0.6\n", [[0.1, 0.2], [0.3, 0.4]]),
])
def test_parses_like_the_page(text, points):
    np.testing.assert_array_equal(parse_csv_points(text), points)


@pytest.mark.parametrize(("text", "message"), [
    ("0.5,\n", "line 1: the y value is empty"),  # not [0.5, 0]
    ("x,y\n0.5\n", "line 2: no y value"),
    ("1,2\nthree,4\n", "line 2: the x value 'three' is not a number"),
    ('x,y\n"1,2\n', "line 2: a quote is not closed"),
    ("x,y\n", "no x,y rows"),
    ("kind,x,y\nfake,1,2\n", 'no rows of kind "real"'),
])
def test_bad_files_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_csv_points(text)


def test_samples_csv_keeps_its_real_rows_and_their_lines():
    points, lines = parse_csv_rows("kind,x,y,d\nfake,1,1,0\nreal,0.1,0.2,0.5\nreal,0.3,0.4,0.6\n")
    assert points.tolist() == [[0.1, 0.2], [0.3, 0.4]] and lines == [3, 4]


def test_points_orders_of_magnitude_outside_are_refused():
    grid = [f"{(i % 10) / 10},{(i // 10) / 5}" for i in range(50)]
    assert len(parse_csv_points("\n".join(grid))) == 50
    with pytest.raises(ValueError, match=r"line 21: \(1e\+03, 0.5\) lies far outside"):
        parse_csv_points("\n".join([*grid[:20], "1000,0.5", *grid[20:]]))
    with pytest.raises(ValueError, match="subtract their mean"):
        parse_csv_points("1e6,1e6\n1e6,1000001\n1000002,1e6\n")
    # An unbalanced mixture (a tenth of the points in a far cluster) is data, not an outlier.
    rng = np.random.default_rng(0)
    mixture = np.r_[rng.normal(0, 0.1, (900, 2)), rng.normal(5, 0.1, (100, 2))]
    check_extent(mixture)


def test_drawn_points_far_outside_the_unit_square_are_refused():
    with pytest.raises(ValueError, match="lies far outside"):
        make_dataset("drawn", np.array([[0.5, 0.5], [1e6, 3.0]]))
    make_dataset("drawn", np.array([[0.5, 0.5], [0.9, 0.1]]))


def ganlab(*args):
    return subprocess.run([sys.executable, "-m", "ganlab", *args], capture_output=True, text=True, timeout=120)


def test_train_points_missing_file_is_a_clear_message(tmp_path):
    r = ganlab("train", "--points", str(tmp_path / "missing.csv"), "--epochs", "1")
    assert r.returncode == 2
    assert "--points: no such file:" in r.stderr and "Errno" not in r.stderr and "Traceback" not in r.stderr


def test_train_points_reads_the_apps_samples_csv(tmp_path):
    rows = ["kind,x,y,d"] + [f"real,{0.6 + 0.001 * i},{0.3 + 0.002 * (i % 9)},0.5" for i in range(120)]
    rows += [f"fake,{-40 + i},{40},0.1" for i in range(60)]  # fakes far away: they must not count
    path = tmp_path / "ganlab_samples.csv"
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")  # with a BOM, as spreadsheets save
    r = ganlab("train", "--points", str(path), "--epochs", "5", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["params"]["dataset"] == "csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n0.5,0.4\n0.5,\n")
    r = ganlab("train", "--points", str(bad), "--epochs", "1")
    assert r.returncode == 2 and f"--points {bad}: line 3: the y value is empty" in r.stderr

"""What a notebook shows: a cell ending in ``result.plot()`` or ``model.plot()``
draws its figure once (a cell ending in a pyplot Figure, the control, draws it
twice), and lab results display their summary."""
import importlib.util

import pytest

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel", "matplotlib")),
    reason="needs nbclient, nbformat, ipykernel and matplotlib (pip install '.[test]')")

CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\nimport nonsmooth as ns\n"
    "from nonsmooth import lab",
    "fig, ax = plt.subplots()\nax.plot([0, 1])\nfig",  # the control: a returned Figure is drawn twice
    "r = lab.huber(steps=30)\nr.plot()",
    "r",
    "rng = np.random.default_rng(0)\nX = rng.standard_normal((40, 8))\ny = X[:, 0] + 0.1 * rng.standard_normal(40)\n"
    "model = ns.LassoTuned(cv=3, max_outer=5).fit(X, y)\nmodel.plot(grid=5)",
    "model.plot(grid=False);",
]


def _images(cell):
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def test_plots_show_once_and_results_have_a_readable_display(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = nb.cells
    errors = [o for c in cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    assert _images(cells[1]) == 2  # the double display the plots avoid
    assert [_images(c) for c in cells[2:]] == [1, 0, 1, 1]
    html = [o["data"]["text/html"] for o in cells[3].outputs if "text/html" in o.get("data", {})]
    assert html and "HuberResult" in html[0] and "loss" in html[0] and "<table>" in html[0]


def test_result_repr_is_short_and_readable():
    from nonsmooth import lab

    r = lab.huber(steps=20)
    text = repr(r)
    assert text.startswith("HuberResult\n") and r.summary() in text
    assert "A: ndarray (50, 200)" in text and len(text) < 2000  # shapes, never the data

"""Every notebook runs headless, top to bottom, at the small budget; stored copies carry no outputs.

Each notebook is executed with nbclient in a fresh kernel of this venv, in a temp working directory,
with `V2C_NOTEBOOK_BUDGET=small` and `V2C_RUNS_DIR` pointing into the temp dir; any cell error fails
the test (nbclient raises on it). The executed copy is written next to the run for a look after a
failure. Displayed v2c widgets must carry their static HTML fallback in the saved outputs.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 300
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXPECTED_WIDGETS = {
    "01_quickstart": {"EpisodeViewer"},
    "02_metrics": set(),
    "03_train": {"TrainingMonitor"},
    "04_evaluate": {"EpisodeViewer"},
    "05_your_data": {"TaskBrowser"},
    "06_sft_then_grpo": {"EpisodeViewer", "TrainingMonitor"},
}
"""The v2c widgets each notebook displays."""


def test_one_notebook_per_purpose_stored_without_outputs() -> None:
    assert [p.stem for p in NOTEBOOKS] == sorted(EXPECTED_WIDGETS)
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} has outputs"
        assert "widgets" not in notebook.metadata, f"{path.name} has saved widget state"
        assert notebook.metadata["kernelspec"]["name"] == "python3"
        assert "V2C_NOTEBOOK_BUDGET" in code[0].source, f"{path.name}: the first code cell sets the budget"


def displayed_widgets(notebook: nbformat.NotebookNode) -> dict[str, dict]:
    """Displayed v2c widgets by class name: the data of one of their outputs."""
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            name = data.get("text/plain", "").split("(", 1)[0]
            if WIDGET_VIEW in data and name in ("EpisodeViewer", "TaskBrowser", "TrainingMonitor"):
                found[name] = data
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless_at_the_small_budget(path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("V2C_NOTEBOOK_BUDGET", "small")
    monkeypatch.setenv("V2C_RUNS_DIR", str(tmp_path / "runs"))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    started = time.monotonic()
    try:
        client.execute()  # raises CellExecutionError at the first cell that fails
    finally:
        nbformat.write(notebook, tmp_path / path.name)
    print(f"{path.name}: {time.monotonic() - started:.1f} s")
    widgets = displayed_widgets(notebook)
    assert set(widgets) == EXPECTED_WIDGETS[path.stem]
    for name, data in widgets.items():
        html = data.get("text/html", "")
        assert "<svg" in html or "<img" in html, f"{name} in {path.name} has no static fallback"
        assert "<script" not in html
    assert (tmp_path / "runs").exists() or path.stem == "02_metrics", "outputs belong under V2C_RUNS_DIR"

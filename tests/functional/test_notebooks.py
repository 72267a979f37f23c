"""The notebooks are committed without outputs, keep small under an environment switch, and use
only hubsim's public API. (They are executed by nbmake: see the Makefile's test target.)"""

from __future__ import annotations

import ast
import json

import pytest
from results_helpers import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
EXPECTED = (
    "01-quickstart.ipynb", "02-staffing-levels.ipynb", "03-waiting-time-projection.ipynb",
    "04-crisis-repurposing.ipynb", "05-costs-and-logic-model.ipynb",
    "06-project-from-today.ipynb",
)
PUBLIC_MODULES = {"hubsim", "hubsim.figures", "hubsim.results.read"}
SWITCH = "HUBSIM_NOTEBOOK_REPLICATIONS"


def code_cells(name: str) -> list[dict]:
    book = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return [c for c in book["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    text = "".join(cell["source"])
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("%"))


def test_the_six_notebooks_exist():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == list(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_outputs_are_stripped(name):
    for cell in code_cells(name):
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("name", EXPECTED)
def test_replications_come_from_the_switch(name):
    first = source(code_cells(name)[0])
    assert f'os.environ.get("{SWITCH}"' in first
    for cell in code_cells(name):
        assert "replications=REPLICATIONS" in source(cell) or "run_experiment" not in source(cell)


@pytest.mark.parametrize("name", EXPECTED)
def test_only_the_public_api(name):
    for cell in code_cells(name):
        text = source(cell)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("hubsim"):
                assert node.module in PUBLIC_MODULES, node.module
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("hubsim") or alias.name in PUBLIC_MODULES
        assert "/work/" not in text and "/home/" not in text

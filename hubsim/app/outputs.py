"""A finished run and what is made from it: figures, CSV files, the Excel workbook, the report.

Everything is made by hubsim's own functions from the experiment held in memory
(``hubsim.results.read.results_from_experiment``): figures from ``hubsim.figures``' catalogue,
the workbook by ``hubsim.results.excel.write_workbook``, the report by
``hubsim.report.render_report``.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hubsim.experiments.replications import Experiment
from hubsim.figures import SPECS, png_bytes
from hubsim.figures.catalogue import Skip
from hubsim.report import render_report
from hubsim.results.excel import write_workbook
from hubsim.results.read import ResultsFolder, results_from_experiment
from hubsim.results.write import scenario_hash
from hubsim.scenario.schema import AnyScenario

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

FIGURES: tuple[str, ...] = ("therapy_waits", "therapy_waitlist", "triage_queue")
"""The catalogue figures the results page shows: the fan charts and the 6/18-week picture."""
WORKBOOK_NAME = "hubsim-results.xlsx"


def run_key(scenario: AnyScenario, seed: int, replications: int) -> str:
    """Identity of a run: the resolved scenario's hash, the seed and the replications."""
    return f"{scenario_hash(scenario)}:{seed}:{replications}"


@dataclass
class RunResult:
    """A finished run of the app, with the files made from it so far (made once each)."""

    key: str
    experiment: Experiment
    source: str
    seconds: float
    _made: dict[str, Any] = field(default_factory=dict, repr=False)

    def _once(self, name: str, make: Callable[[], _T]) -> _T:
        if name not in self._made:
            started = time.perf_counter()
            self._made[name] = make()
            logger.info("made %s in %.1f s", name, time.perf_counter() - started)
        return self._made[name]

    @property
    def results(self) -> ResultsFolder:
        """The run's tables and metadata, as a results folder would hold them."""
        return self._once("results", lambda: results_from_experiment(
            self.experiment, scenario_file=self.source, front_end="hubsim app"))

    def figure_png(self, name: str) -> tuple[bytes | None, str]:
        """(PNG of catalogue figure ``name`` or None, its caption or why it is missing)."""
        spec = next(s for s in SPECS if s.name == name)

        def make() -> tuple[bytes | None, str]:
            try:
                return png_bytes(spec.build(self.results)), spec.caption
            except Skip as exc:  # this run lacks the data the figure needs
                return None, f"{spec.caption} Not available for this run: {exc}"

        return self._once(f"figure:{name}", make)

    def csv(self, table: str) -> bytes:
        """One table of the results folder as CSV (UTF-8), like the command line writes it."""
        frame = self.results.tables()[table]
        return self._once(f"csv:{table}", lambda: frame.to_csv(index=False).encode("utf-8"))

    def workbook(self) -> bytes:
        """The Excel workbook of ``hubsim export`` (README sheet, one sheet per table)."""

        def make() -> bytes:
            with tempfile.TemporaryDirectory(prefix="hubsim-app-") as folder:
                path = Path(folder) / WORKBOOK_NAME
                write_workbook(self.results, path)
                return path.read_bytes()

        return self._once("workbook", make)

    def report(self) -> bytes:
        """The self-contained HTML report of ``hubsim report`` (UTF-8)."""
        return self._once("report", lambda: render_report(self.results).encode("utf-8"))

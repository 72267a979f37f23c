"""Every row of the README's "Questions you can answer": its command runs, and its output holds
the line the row says answers the question.

The rows are read from README.md itself (question, commands in backticks, quoted output in
backticks), so the README and this test cannot drift apart. Each command runs as written, with
options appended that only make it small: 2 replications (4 PSA draws), no report, output to a
temporary folder. With so few replications the numbers are rough; what is checked is that the
answering line is there.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubsim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
HEADER = "| Question | Command | The answer in its output |"
TICKED = re.compile(r"`([^`]+)`")
SMALL: dict[str, list[str]] = {
    "run": ["--replications", "2", "--no-report", "--out", "{out}"],
    "compare": ["--replications", "2"],
    "sweep": ["--replications", "2", "--out", "{out}"],
    "staff": ["--replications", "2"],
    "check-evidence": ["--replications", "2"],
    "cost-consequence": ["--replications", "2"],
    "psa": ["--draws", "4", "--replications", "2", "--out", "{out}"],
}
"""Options appended to each command (a later option wins over the README's own)."""
CHECK_FAILED = 1  # check-evidence's exit code when a figure is outside its tolerance


def question_rows() -> list[tuple[str, list[str], list[str]]]:
    """(question, commands, quoted output) of each row of the README's questions table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index(HEADER):].split("\n\n")[0].splitlines()[2:]
    rows = []
    for line in table:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        question, command, answer = cells
        commands = [c for c in TICKED.findall(command) if c.startswith("hubsim ")]
        rows.append((question, commands, TICKED.findall(answer)))
    return rows


ROWS = question_rows()


def test_the_readme_has_the_questions_table():
    assert len(ROWS) >= 10
    for question, commands, quoted in ROWS:
        assert commands, f"{question}: no command"
        assert quoted, f"{question}: no quoted output line"


def _run(command: str, out: Path) -> str:
    args = shlex.split(command)[1:]  # drop "hubsim"
    args += [a.format(out=out) for a in SMALL[args[0]]]
    result = CliRunner().invoke(app, args)
    allowed = (0, CHECK_FAILED) if args[0] == "check-evidence" else (0,)
    assert result.exit_code in allowed, f"{command}:\n{result.output}"
    return result.output


@pytest.mark.parametrize(("question", "commands", "quoted"), ROWS,
                         ids=[f"row{i + 1}" for i in range(len(ROWS))])
def test_each_question_is_answered_by_its_commands_output(question, commands, quoted, tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(ROOT)  # the commands name scenarios/... from the repository root
    output = "\n".join(_run(c, tmp_path / f"out{i}") for i, c in enumerate(commands))
    missing = [q for q in quoted if q not in output]
    assert not missing, f"{question}: output lacks {missing}\n{output}"

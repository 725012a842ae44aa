"""``agency payments schedule FILE.json`` as a real process: stdout, one stderr line,
exit codes, and no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agency.cli import app
from tests.fixtures.commands import agency, write
from tests.payments.schedule.helpers import EXAMPLE, EXAMPLE_OUTPUT, scenario


def test_the_example_prints_the_schedule(tmp_path: Path) -> None:
    result = agency("payments", "schedule", write(tmp_path, EXAMPLE), tmp_path=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == EXAMPLE_OUTPUT
    assert not (tmp_path / "absent").exists()


def test_an_invalid_scenario_is_one_line_naming_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, scenario(offer={"count": 500}))
    result = agency("payments", "schedule", path, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "offer.count: must be a whole number from 1 to 120\n"


def test_other_refusals_exit_2_with_one_line(tmp_path: Path) -> None:
    """In process (the same command function), to keep the suite quick."""
    cases = {
        "unknown.json": (scenario(extra=1), "extra: unknown key\n"),
        "broken.json": ("{", "not JSON: Expecting property name enclosed in double quotes"),
        "list.json": ("[]", "the scenario must be a JSON object\n"),
        "big.json": (" " * (64 * 1024 + 1), "the scenario is larger than 64 KiB\n"),
    }
    for name, (document, message) in cases.items():
        path = write(tmp_path, document, name)
        result = CliRunner().invoke(app, ["payments", "schedule", str(path)])
        assert result.exit_code == 2, name
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert message in result.stderr
        if name in ("broken.json", "list.json", "big.json"):
            assert result.stderr.startswith(f"{path}: ")


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    result = agency("payments", "schedule", missing, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"{missing}: cannot read: No such file or directory\n"
    result = agency("payments", "schedule", tmp_path, tmp_path=tmp_path)  # a directory
    assert result.returncode == 2 and result.stderr.startswith(f"{tmp_path}: cannot read: ")


def test_the_agency_command_still_starts_without_the_schedule_code() -> None:
    heavy = ("sqlalchemy", "holidays", "agency.payments.schedule.rules")
    probe = f"import sys, agency.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"

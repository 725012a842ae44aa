"""``agency commission evaluate FILE.json`` as a real process: stdout, one stderr line,
exit codes, and no database."""

from __future__ import annotations

import json
from pathlib import Path

from tests.commission.helpers import EXAMPLE, EXAMPLE_OUTPUT, scenario
from tests.fixtures.commands import agency, write


def test_the_example_prints_the_entries_and_the_statement(tmp_path: Path) -> None:
    result = agency("commission", "evaluate", write(tmp_path, EXAMPLE), tmp_path=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == EXAMPLE_OUTPUT
    assert not (tmp_path / "absent").exists()


def test_an_invalid_scenario_is_one_line_naming_the_path(tmp_path: Path) -> None:
    tiers = [{"rate": "20.000"}, {"rate": "120"}]
    path = write(tmp_path, scenario(contract={"tiers": tiers}))
    result = agency("commission", "evaluate", path, tmp_path=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "contract.tiers[1].rate: must be a percentage from 0 to 100 with at most 3 decimals, "
        'such as "60.000"'
    ]


def test_a_file_that_is_not_json_or_not_there(tmp_path: Path) -> None:
    broken = agency("commission", "evaluate", write(tmp_path, "{nope"), tmp_path=tmp_path)
    assert broken.returncode == 2 and len(broken.stderr.splitlines()) == 1
    missing = agency("commission", "evaluate", tmp_path / "none.json", tmp_path=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith(f"{tmp_path / 'none.json'}: cannot read")

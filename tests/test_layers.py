"""The import contracts in pyproject.toml hold, and they can fail: without one of their
documented ignore lines, lint-imports reports the import that line excuses."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _config() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return config


def _lint(config_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(config_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(_toml(item) for item in value) + "]"


def _write(config: dict[str, Any], path: Path) -> Path:
    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {_toml(value)}" for key, value in config.items() if key != "contracts"]
    for contract in config["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_contracts_hold() -> None:
    result = _lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout
    assert "BROKEN" not in result.stdout
    assert f"{len(_config()['contracts'])} kept, 0 broken" in result.stdout


def test_every_ignore_line_is_needed(tmp_path: Path) -> None:
    config = _config()
    ignored = {
        (index, line)
        for index, contract in enumerate(config["contracts"])
        for line in contract.get("ignore_imports", [])
    }
    assert ignored, "the contracts document their read-only exceptions"
    for index, line in sorted(ignored):
        contract = config["contracts"][index]
        trimmed = {
            **contract,
            "ignore_imports": [x for x in contract["ignore_imports"] if x != line],
        }
        changed = {
            **config,
            "contracts": [*config["contracts"][:index], trimmed, *config["contracts"][index + 1 :]],
        }
        result = _lint(_write(changed, tmp_path / f"pyproject-{index}.toml"))
        assert result.returncode == 1, f"{contract['name']} holds without {line!r}"
        assert f"{contract['name']} BROKEN" in result.stdout

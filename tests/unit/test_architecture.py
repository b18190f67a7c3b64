import subprocess
import sys
import tomllib
from pathlib import Path

from shared import PROJECT_ROOT


def test_import_contracts_hold() -> None:
    """Every contract in pyproject.toml holds: the apps are independent, shared imports
    neither, the layers (commands, web, jobs, services, database) import only downwards
    (so shared.db never imports shared.jobs), models import no services or jobs."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as project:
        contracts = tomllib.load(project)["tool"]["importlinter"]["contracts"]
    assert any(contract["type"] == "layers" for contract in contracts)
    assert f"{len(contracts)} kept, 0 broken" in result.stdout

import subprocess
import sys
from pathlib import Path

from shared import PROJECT_ROOT


def test_import_contracts_hold() -> None:
    """The apps are independent, shared imports neither, models import no services or jobs."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout

"""The models and the migrations agree: a change to a model without its migration would
create tables that differ from what the code expects (branches merged side by side)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_no_model_change_lacks_its_migration__ok(tmp_path: Path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)},
        "DJANGO_SETTINGS_MODULE": "klappt.web.settings",
        "KLAPPT_PROJECT": str(tmp_path),
    }
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('makemigrations', '--check', '--dry-run', verbosity=1)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No changes detected" in run.stdout

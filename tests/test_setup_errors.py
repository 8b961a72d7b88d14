"""Set-up mistakes get one clear sentence naming the cause, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-m", "workgate.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
        check=False,
    )


def test_unreachable_database_is_explained(tmp_path):
    result = run_cli(
        "migrate",
        env={
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "WORKGATE_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 2
    assert "cannot use the database at 127.0.0.1:1/none" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_database_url_is_explained(tmp_path):
    result = run_cli(
        "check", env={"DATABASE_URL": "nonsense://x", "WORKGATE_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any directory")
def test_read_only_var_is_explained(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o500)
    result = run_cli("check", env={"WORKGATE_VAR_DIR": str(var), "SECRET_KEY": ""})
    assert result.returncode == 2
    assert "cannot be written" in result.stderr


def test_read_only_var_database_is_explained(tmp_path):
    # As root, permissions do not stop writes: a var/ that is a file stands in for an unusable one.
    var = tmp_path / "var"
    var.write_text("not a directory")
    result = run_cli("migrate", env={"WORKGATE_VAR_DIR": str(var), "SECRET_KEY": "k" * 50})
    assert result.returncode == 2
    assert "var/" in result.stderr or "var" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_cli(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "WORKGATE_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
            "DEBUG": "",
            "ALLOWED_HOSTS": "workgate.example.org",
            "WORKGATE_LOCAL": "",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_sqlite_database_runs_in_wal_mode(tmp_path):
    import sqlite3

    # The first connection sets the mode, whatever the command (a full migrate took 18 s here).
    result = run_cli("showmigrations", env={"WORKGATE_VAR_DIR": str(tmp_path), "DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "workgate.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_no_secret_literal_in_settings():
    from pathlib import Path

    text = (Path(__file__).parent.parent / "workgate" / "settings.py").read_text()
    assert 'SECRET_KEY = "' not in text and "SECRET_KEY = '" not in text

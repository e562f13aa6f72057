"""The suite is safe to run anywhere: it refuses a database not named for tests, and its
progress reports every test."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, is_test_database_name


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("test", True),
        ("test_firstday", True),
        ("govflow_test", True),
        ("TEST_CI", True),
        ("govflow", False),
        ("postgres", False),
        ("contest_results", False),
        ("testimony_archive", True),  # starts with "test": the rule is the name's ends
        ("", False),
    ],
)
def test_only_a_database_named_for_tests_is_accepted(name: str, allowed: bool) -> None:
    assert is_test_database_name(name) is allowed


def test_suite_refuses_to_start_on_a_database_not_named_for_tests() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_settings.py", "-q"],
        cwd=ROOT,
        env={
            **os.environ,
            "GOVFLOW_TEST_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/govflow",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "refusing to run the tests on database 'govflow'" in run.stderr
    assert "passed" not in run.stdout


def test_every_collected_test_has_a_node_id_of_its_own() -> None:
    """pytest's progress counts tests by node id: shared ids stopped it at "[ 77%]"."""
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "--collect-only", "-o", "addopts=", "-q"),
            *("-p", "no:cacheprovider", "tests/test_api_fuzz.py", "tests/test_settings.py"),
        ],
        cwd=ROOT,
        env={**os.environ, "GOVFLOW_TEST_DATABASE_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    ids = [line for line in run.stdout.splitlines() if "::" in line]
    assert sum("test_api_fuzz.py::" in i for i in ids) > 5 and len(ids) > 10
    assert len(ids) == len(set(ids)), "tests share node ids"

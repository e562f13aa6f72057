"""govflow: REST API backend for municipal government-service workflows."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _package_version() -> str:
    """The installed package's version (pyproject.toml's), read from source when the
    package is not installed (a checkout run without ``pip install``)."""
    try:
        return version("govflow")
    except PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if not pyproject.is_file():  # the app's files alone, neither installed nor checked out
        return "0+unknown"
    with pyproject.open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


__version__ = _package_version()

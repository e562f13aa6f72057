"""The deployable image and its files: storage on a volume owned by the app's user, installs
from the lock file, compose configured by one env file and bound to loopback.

No Docker daemon is needed: ``scripts/image_rehearsal.py`` replays the Dockerfile under a
scratch root and runs the entrypoint as the image's user (see its docstring).
"""

import re
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import image_rehearsal  # noqa: E402


def _pins(lock: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", lock.read_text(), re.MULTILINE)
    return {canonicalize_name(name): version for name, version in pins}


def _declared(extra: str | None = None) -> list[Requirement]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(r) for r in names]


def test_the_image_user_can_store_an_upload_on_the_storage_volume() -> None:
    assert image_rehearsal.rehearse().startswith("ok: uid 10001 wrote")


def test_storage_left_to_root_is_caught_by_the_rehearsal(tmp_path: Path) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert " && chown -R 10001:10001 /var/lib/govflow" in dockerfile
    broken = tmp_path / "Dockerfile"
    broken.write_text(dockerfile.replace(" && chown -R 10001:10001 /var/lib/govflow", ""))
    with pytest.raises(SystemExit, match=r"upload answered 5\d\d|upload is not under"):
        image_rehearsal.rehearse(broken)


def test_storage_outside_a_volume_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text(
        (ROOT / "Dockerfile").read_text().replace('VOLUME ["/var/lib/govflow/files"]', "")
    )
    with pytest.raises(SystemExit, match="on no VOLUME"):
        image_rehearsal.storage_on_a_volume(image_rehearsal.final_stage(broken))


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_lock_files_pin_every_declared_dependency_within_its_range(
    lock: str, extra: str | None
) -> None:
    pins = _pins(ROOT / lock)
    declared = _declared() + (_declared(extra) if extra else [])
    missing = [str(r) for r in declared if canonicalize_name(r.name) not in pins]
    assert not missing, f"{lock} is stale (run `make lock`): {missing}"
    outside = [
        f"{r.name}=={pins[canonicalize_name(r.name)]} not in {r.specifier}"
        for r in declared
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, f"{lock} is stale (run `make lock`): {outside}"


def test_runtime_lock_has_no_development_tools() -> None:
    runtime = _pins(ROOT / "requirements.lock")
    assert not {"pytest", "mypy", "ruff", "schemathesis"} & set(runtime)


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    missing = [
        f"GOVFLOW_{name.upper()}"
        for name in Settings.model_fields
        if not re.search(rf"^#? ?GOVFLOW_{name.upper()}\b", example, re.MULTILINE)
    ]
    assert not missing, f".env.example does not mention {missing}"


def test_compose_reads_the_env_file_binds_loopback_and_requires_a_database_password() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app, db = compose["services"]["app"], compose["services"]["db"]
    assert [entry["path"] for entry in app["env_file"]] == [".env"]
    assert app["ports"] == ["127.0.0.1:8000:8000"]
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "files:/var/lib/govflow/files" in app["volumes"]
    assert "files" in compose["volumes"]

"""The container image's file layout and permissions, rehearsed without a Docker daemon.

Replays the Dockerfile under a scratch root: the build stage's install from the lock file
(hashes checked, into ``/opt/venv``, with the system's Python, as the slim image has it),
then the final stage's ``COPY`` steps from the build context, the directories its ``RUN``
steps make and hand over (``mkdir``/``chown``/``chmod``), the ``USER`` it runs as, the
storage path in its ``ENV`` and the ``VOLUME`` that must hold it. Then it starts
``docker/entrypoint.sh`` as that user from the ``WORKDIR`` (migrations, then uvicorn in
production mode), uploads a photo through the API and checks that the file landed on the
volume, owned by the image's user.

The installed dependencies are kept in ``.venv/image-rehearsal/<lock hash>`` between runs.
Needs root (to run the server as the image's uid). Run: ``python scripts/image_rehearsal.py``.
"""

import fcntl
import hashlib
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from _loopback import free_port  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
LAYOUT_COMMANDS = {"mkdir", "chown", "chmod"}
ADMIN_PASSWORD = "rehearsal-admin-" + secrets.token_hex(8)
SYSTEM_PYTHON = "/usr/bin/python3"
VENV = "/opt/venv"


@dataclass
class FinalStage:
    uid: int
    gid: int
    workdir: str
    env: dict[str, str] = field(default_factory=dict)
    volumes: list[str] = field(default_factory=list)
    layout: list[list[str]] = field(default_factory=list)  # its RUN steps' mkdir/chown/chmod
    copies: list[tuple[list[str], str, str | None]] = field(default_factory=list)
    build_runs: list[str] = field(default_factory=list)  # the build stage's RUN steps


def _split_copy(value: str) -> tuple[list[str], str, str | None, bool]:
    words = shlex.split(value)
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    mode = next((f.split("=", 1)[1] for f in flags if f.startswith("--chmod=")), None)
    from_stage = any(f.startswith("--from=") for f in flags)
    return paths[:-1], paths[-1], mode, from_stage


def final_stage(dockerfile: Path = ROOT / "Dockerfile") -> FinalStage:
    instructions = DockerfileParser(path=str(dockerfile)).structure
    start = max(i for i, ins in enumerate(instructions) if ins["instruction"] == "FROM")
    build, stage = instructions[:start], instructions[start + 1 :]
    user = [ins["value"] for ins in stage if ins["instruction"] == "USER"]
    if not user:
        raise SystemExit("the final stage sets no USER: the app would run as root")
    uid_text, _, gid_text = user[-1].partition(":")
    if not uid_text.isdigit() or not (gid_text or uid_text).isdigit():
        raise SystemExit(f"USER {user[-1]!r} is not numeric: a host cannot grant it on a volume")
    if int(uid_text) == 0:
        raise SystemExit("the final stage runs as root")
    workdirs = [ins["value"] for ins in stage if ins["instruction"] == "WORKDIR"]
    result = FinalStage(int(uid_text), int(gid_text or uid_text), workdirs[-1] if workdirs else "/")
    result.build_runs = [ins["value"] for ins in build if ins["instruction"] == "RUN"]
    for ins in stage:
        if ins["instruction"] == "ENV":
            for assignment in shlex.split(ins["value"]):
                key, _, value = assignment.partition("=")
                result.env[key] = value
        elif ins["instruction"] == "VOLUME":
            value = ins["value"].strip()
            result.volumes += (
                [v.strip().strip('"') for v in value.strip("[]").split(",")]
                if value.startswith("[")
                else value.split()
            )
        elif ins["instruction"] == "RUN":
            for command in ins["value"].split("&&"):
                words = shlex.split(command)
                if words and words[0] in LAYOUT_COMMANDS:
                    result.layout.append(words)
        elif ins["instruction"] == "COPY":
            sources, destination, mode, from_stage = _split_copy(ins["value"])
            if not from_stage:
                result.copies.append((sources, destination, mode))
    return result


def rebased(words: list[str], root: Path) -> list[str]:
    return [str(root / w.lstrip("/")) if w.startswith("/") else w for w in words]


def storage_on_a_volume(stage: FinalStage) -> str:
    storage = stage.env.get("GOVFLOW_STORAGE_PATH")
    if not storage or not storage.startswith("/"):
        raise SystemExit("the image sets no absolute GOVFLOW_STORAGE_PATH")
    if not any(storage == v or storage.startswith(v.rstrip("/") + "/") for v in stage.volumes):
        raise SystemExit(f"{storage} is on no VOLUME: files would vanish with the container")
    return storage


def installed_dependencies(stage: FinalStage) -> Path:
    """The build stage's install from the lock file, kept per lock file's hash."""
    installs = [r for r in stage.build_runs if "pip install" in r and "requirements.lock" in r]
    if not installs or "--require-hashes" not in installs[0]:
        raise SystemExit("the build stage does not install requirements.lock with --require-hashes")
    lock = (ROOT / "requirements.lock").read_bytes()
    venvs = ROOT / ".venv" / "image-rehearsal"
    venv = venvs / hashlib.sha256(lock).hexdigest()[:16]
    venvs.mkdir(parents=True, exist_ok=True)
    # `make test` runs two passes side by side: one builds, the other waits for it, so
    # neither installs into a half-built venv.
    with open(venvs / f"{venv.name}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
            pip = [
                str(venv / "bin" / "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-warn-script-location",
            ]
            subprocess.run(
                [*pip, "--require-hashes", "--no-deps", "-r", "requirements.lock"],
                cwd=ROOT,
                check=True,
            )
            (venv / ".complete").touch()
    return venv


def replay_files(stage: FinalStage, root: Path, venv: Path) -> Path:
    (root / VENV.lstrip("/")).parent.mkdir(parents=True)
    (root / VENV.lstrip("/")).symlink_to(venv)
    workdir = root / stage.workdir.lstrip("/")
    workdir.mkdir(parents=True, exist_ok=True)
    for words in stage.layout:
        subprocess.run(rebased(words, root), check=True)
    for sources, destination, mode in stage.copies:
        target = (
            Path(destination) if destination.startswith("/") else Path(stage.workdir) / destination
        )
        target = root / str(target).lstrip("/")
        for source in sources:
            origin = ROOT / source
            if not origin.exists():
                raise SystemExit(f"COPY {source}: not in the build context")
            into = target / origin.name if destination.endswith("/") else target
            into.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(
                    origin, into, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(origin, into)
                if mode:
                    into.chmod(int(mode, 8))
    return workdir


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the entrypoint exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz")


def _sign_in(http: httpx.Client, username: str, password: str) -> None:
    answer = http.post("/api/v1/auth/token", data={"username": username, "password": password})
    answer.raise_for_status()
    http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"


def upload_a_photo(base: str) -> dict[str, object]:
    operator_password = "rehearsal-operator-" + secrets.token_hex(8)
    with httpx.Client(base_url=base, timeout=10.0) as http:
        _sign_in(http, "admin", ADMIN_PASSWORD)
        operator = http.post(
            "/api/v1/users",
            json={"username": "operator1", "password": operator_password, "roles": ["operator"]},
        )
        operator.raise_for_status()
        _sign_in(http, "operator1", operator_password)
        ticket = http.post(
            "/api/v1/tickets",
            json={
                "channel": "phone",
                "type": "complaint",
                "category_code": "zhandao_jingying",
                "title": "早市占道经营",
                "content": "人行道被摊贩占满。",
                "location": {"address": "建国路88号", "district": "朝阳区"},
                "reporter": {"name": "王女士", "phone": "13812345678"},
            },
        )
        ticket.raise_for_status()
        uploaded = http.post(
            f"/api/v1/tickets/{ticket.json()['id']}/attachments",
            files={"file": ("现场.png", PNG, "image/png")},
            data={"kind": "photo"},
        )
        if uploaded.status_code != 201:
            raise SystemExit(f"the upload answered {uploaded.status_code}: {uploaded.text}")
        result: dict[str, object] = uploaded.json()
        return result


def rehearse(dockerfile: Path = ROOT / "Dockerfile") -> str:
    if os.geteuid() != 0:
        raise SystemExit("the rehearsal runs the server as the image's uid, which needs root")
    stage = final_stage(dockerfile)
    storage = storage_on_a_volume(stage)
    venv = installed_dependencies(stage)
    root = Path(tempfile.mkdtemp(prefix="govflow-image-"))
    root.chmod(0o755)
    try:
        workdir = replay_files(stage, root, venv)
        data = root / "data"
        data.mkdir()
        os.chown(data, stage.uid, stage.gid)
        port = free_port()
        env = {
            "PATH": f"{root / VENV.lstrip('/')}/bin:/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(workdir),
            "HOME": str(data),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "GOVFLOW_ENV": "production",
            "GOVFLOW_ALLOW_SQLITE": "true",
            "GOVFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{data}/govflow.db",
            "GOVFLOW_SECRET_KEY": secrets.token_hex(32),
            "GOVFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "GOVFLOW_RUN_SCHEDULER": "false",
            "GOVFLOW_STORAGE_PATH": str(root / storage.lstrip("/")),
        }
        entrypoint = root / "usr/local/bin/govflow-entrypoint"
        server = subprocess.Popen(
            [str(entrypoint)],
            cwd=workdir,
            env=env,
            user=stage.uid,
            group=stage.gid,
            extra_groups=[],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)
            attachment = upload_a_photo(base)
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=20)
        stored = [p for p in (root / storage.lstrip("/")).rglob("*") if p.is_file()]
        if not stored:
            raise SystemExit(f"the upload is not under {storage}: {errors.decode()[-2000:]}")
        owners = {(p.stat().st_uid, p.stat().st_gid) for p in stored}
        if owners != {(stage.uid, stage.gid)}:
            raise SystemExit(f"stored files are owned by {owners}, not the image's user")
        return (
            f"ok: uid {stage.uid} wrote {attachment['sha256']} to {storage} "
            f"(on volume {', '.join(stage.volumes)})"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    print(rehearse(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "Dockerfile"))

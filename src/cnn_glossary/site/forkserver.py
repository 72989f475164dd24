"""A fork server for snippets: one process imports the heavy libraries once, then forks a fresh child per snippet.

Most snippets import TensorFlow and Keras, which takes 3 to 4 s of CPU each time; a build that runs sixty of
them from a fresh process each would spend most of its time importing. :class:`ForkServer` starts one server
process (``python -m cnn_glossary.site.forkserver``) that imports the libraries named by ``preload`` and then
waits. For each snippet, :meth:`ForkServer.spawn` asks it to fork: the child starts a session of its own, takes
the environment, working folder and arguments of the request, and runs :func:`cnn_glossary.site.runner.main`
exactly as ``python -m cnn_glossary.site.runner ...`` would. It returns a :class:`ForkedProcess`, which the
pipeline waits on, times out and kills like a :class:`subprocess.Popen` (``pid``, ``wait``, ``poll``,
``returncode``): the child leads its own process group, so ``os.killpg(proc.pid, SIGKILL)`` stops it and every
process it started.

Isolation: every snippet runs in its own child; nothing it does reaches the server or the next snippet. The
server imports third-party libraries only; the child drops every ``cnn_glossary`` module the server may hold
before the runner starts, so an edited package module is always read afresh. TensorFlow is imported in the
server but runs no operation there: its thread pools start in each child, after the fork.

Lifetimes: the server leads a session of its own (a Ctrl-C in the terminal reaches the build, which stops the
snippets itself) and reads requests from a socket only the build holds. When the build ends or dies, even by
SIGKILL, the socket closes: the server kills the process group of every child still running and exits. A child
whose server has died stops itself (the runner's orphan watch).

Protocol: one ``SOCK_SEQPACKET`` message per request, a JSON object ``{"argv", "cwd", "env"}`` carrying two file
descriptors: the request's own reply socket and the file for the child's standard output and error. The child
writes ``pid N`` on the reply socket once it leads its session; the server writes ``exit N`` (negative: killed by
signal ``-N``, as :attr:`subprocess.Popen.returncode`) when it has reaped the child.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

START_TIMEOUT = 600.0  # seconds for the server to import the preloaded libraries (minutes on a busy machine)
PACKAGE = "cnn_glossary"


class ForkServerError(RuntimeError):
    """The server could not start, or died; the message holds its own error output."""


class ForkedProcess:
    """A snippet child of the fork server, waited on like a :class:`subprocess.Popen`."""

    def __init__(self, pid: int, reply: socket.socket, args: list[str]):
        self.pid, self.args, self.returncode = pid, args, None
        self._reply = reply
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        try:
            return self.wait(timeout=0)
        except subprocess.TimeoutExpired:
            return None

    def wait(self, timeout: float | None = None) -> int:
        """The exit status; :class:`subprocess.TimeoutExpired` if the child is still running after ``timeout`` s."""
        with self._lock:
            if self.returncode is not None:
                return self.returncode
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                ready, _, _ = select.select([self._reply], [], [], left)
                if not ready:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                message = self._reply.recv(64).decode()
                if message.startswith("exit "):
                    self.returncode = int(message.split()[1])
                elif not message:  # the server died before it could reap the child (which then stops itself)
                    self.returncode = -signal.SIGKILL
                else:
                    continue
                self._reply.close()
                return self.returncode


class ForkServer:
    """A server process that has imported ``preload`` and forks one child per :meth:`spawn`."""

    def __init__(self, root: Path, env: dict[str, str], preload: tuple[str, ...] = (),
                 start_timeout: float = START_TIMEOUT):
        self.preload = tuple(preload)
        self._lock = threading.Lock()
        self._errors = tempfile.TemporaryFile("w+")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._control = ours
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cnn_glossary.site.forkserver", str(theirs.fileno()), *self.preload],
                cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=self._errors, stderr=subprocess.STDOUT,
                pass_fds=[theirs.fileno()], start_new_session=True, text=True,
            )
        finally:
            theirs.close()
        try:
            ready, _, _ = select.select([ours], [], [], start_timeout)
            message = ours.recv(64) if ready else b""
        except BaseException:  # Ctrl-C while it imports: stop it
            self.close()
            raise
        if message != b"ready":
            errors = self.errors()
            self.close()
            why = "did not start" if ready else f"did not import {', '.join(self.preload)} within {start_timeout:.0f} s"
            raise ForkServerError(f"the snippet fork server {why}: {errors.strip() or 'no output'}")

    def errors(self) -> str:
        """What the server printed (only an error: the children's output goes to their own files)."""
        self._errors.seek(0)
        return self._errors.read()[-4000:]

    def spawn(self, argv: list[str], cwd: Path, env: dict[str, str], output) -> ForkedProcess:
        """Fork a child that runs ``cnn_glossary.site.runner.main(argv)`` in ``cwd`` with ``env`` (and nothing
        else of the build's environment), its standard output and error going to the open file ``output``."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            request = json.dumps({"argv": list(argv), "cwd": str(cwd), "env": dict(env)}).encode()
            with self._lock:
                try:
                    socket.send_fds(self._control, [request], [theirs.fileno(), output.fileno()])
                except OSError as exc:
                    raise ForkServerError(f"the snippet fork server is gone ({exc}): {self.errors()}") from None
        finally:
            theirs.close()
        while not select.select([ours], [], [], 1.0)[0]:  # the child leads its own session before it says so
            if self.proc.poll() is not None:
                ours.close()
                raise ForkServerError(f"the snippet fork server is gone: {self.errors() or 'no output'}")
        message = ours.recv(64).decode()
        if not message.startswith("pid "):
            ours.close()
            raise ForkServerError(f"the snippet fork server could not start the snippet ({message or 'no reply'}): "
                                  f"{self.errors()}")
        return ForkedProcess(int(message.split()[1]), ours, ["cnn_glossary.site.runner", *argv])

    def close(self) -> None:
        """Stop the server (a child still running is killed with its group) and reap it."""
        try:
            self._control.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still importing, or stuck: its children stop themselves
            self.proc.kill()
            self.proc.wait()
        self._errors.close()


# -- the server process ------------------------------------------------------------------------------------


def _child(request: dict, reply: socket.socket, out_fd: int, closing: list[int]) -> int:
    """In the forked child: become a fresh snippet process, then run the runner. Returns the exit status."""
    os.setsid()  # first: the build may kill the group as soon as it knows the pid
    reply.sendall(f"pid {os.getpid()}".encode())
    reply.close()
    for fd in closing:
        os.close(fd)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the server's own handlers, undone
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]  # the package is read afresh: an edited module is never the server's copy
    sys.argv = [str(Path(__file__).with_name("runner.py")), *request["argv"]]
    from cnn_glossary.site import runner

    return runner.main(request["argv"])


def serve(control: socket.socket, preload: list[str]) -> None:
    for name in preload:
        importlib.import_module(name)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it stops the snippets
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the select below through the wakeup fd
    children: dict[int, socket.socket] = {}
    reports: dict[int, str] = {}  # pid -> the report file its runner writes (argv: ROOT SNIPPET OUT FIGDIR)

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            reply = children.pop(pid, None)
            reports.pop(pid, None)
            if reply is not None:
                try:
                    reply.sendall(f"exit {os.waitstatus_to_exitcode(status)}".encode())
                except OSError:
                    pass  # the build stopped waiting for it
                reply.close()

    control.sendall(b"ready")
    while True:
        try:
            readable, _, _ = select.select([control, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in readable:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            reap()
        if control not in readable:
            continue
        message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        if not message:  # the build closed the socket or died: stop what still runs
            break
        reply, out_fd = socket.socket(fileno=fds[0]), fds[1]
        request = json.loads(message)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                others = [control.fileno(), wake_r, wake_w, *(r.fileno() for r in children.values())]
                status = _child(request, reply, out_fd, others)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - the child must never return into the server's loop
                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except Exception:  # noqa: BLE001
                        pass
                os._exit(status)
        os.close(out_fd)
        children[pid] = reply
        reports[pid] = request["argv"][2]
        reap()  # a child that already ended
    for pid in list(children):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for pid in list(children):
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        for leftover in (reports[pid], reports[pid] + ".tmp"):  # what the build would have removed
            try:
                os.unlink(leftover)
            except OSError:
                pass


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[0]))
    try:
        serve(control, argv[1:])
    except BaseException:  # noqa: BLE001 - reported to the build through the server's output
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

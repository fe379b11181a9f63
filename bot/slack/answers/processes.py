"""Answer worker processes started by `docbot serve --answer-workers N`, so acknowledgements never wait on models.

Each child is `docbot answer-worker` (the command any other host runs too): it loads the models, reports on a
pipe that it is ready, then claims questions from Postgres. The parent restarts a child that dies, counts
the server ready (`/healthz`) once a child is, and stops them with itself; a child also dies with its parent
(even a SIGKILLed one), so no answerer outlives the server that started it.
"""

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

logger = logging.getLogger(__name__)

READY = b"ready\n"
WORKER_NICENESS = 10
_PR_SET_PDEATHSIG = 1
# A child that keeps dying is started again after this long, doubled up to a minute.
_RESTART_SECONDS = 1.0


class AnswerProcesses:
    def __init__(self, count: int, worker_args: Sequence[str] = (), *, metrics_port: int | None = None, stop_seconds: float = 30.0) -> None:
        self.count = count
        self.worker_args = list(worker_args)
        self.metrics_port = metrics_port  # child i serves its answer metrics on metrics_port + 1 + i
        self.stop_seconds = stop_seconds
        self._stopping = threading.Event()
        self._ready = [False] * count
        self._processes: list[subprocess.Popen | None] = [None] * count
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.count):
            thread = threading.Thread(target=self._supervise, args=(index,), name=f"docbot-answer-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def ready(self) -> bool:
        return any(self._ready)

    def stop(self) -> None:
        """SIGTERM to every child: each finishes the answers it is writing, then exits."""
        self._stopping.set()
        for process in self._processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_seconds
        for process in self._processes:
            if process is None:
                continue
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("answer worker did not stop in time, killing it pid=%d", process.pid)
                process.kill()
                process.wait()
        for thread in self._threads:
            thread.join(timeout=5)

    def _supervise(self, index: int) -> None:
        delay = _RESTART_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            code = self._run_child(index)
            if self._stopping.is_set():
                return
            delay = _RESTART_SECONDS if time.monotonic() - started > 60 else min(delay * 2, 60.0)
            logger.error("answer worker exited code=%s, starting another in %.0f s", code, delay)
            self._stopping.wait(delay)

    def _run_child(self, index: int) -> int:
        # PR_SET_PDEATHSIG fires when the thread that started the child ends: this one, which outlives it.
        read_end, write_end = os.pipe()
        command = [
            sys.executable, "-c", "from bot.cli.app import main; main()", "answer-worker",
            *self.worker_args, "--ready-fd", str(write_end), "--exit-with-parent",
            # Sharing the host's cores, acknowledgements come first: loading and generating yield to them.
            "--nice", str(WORKER_NICENESS),
        ]
        if self.metrics_port:
            command += ["--metrics-port", str(self.metrics_port + 1 + index)]
        try:
            process = subprocess.Popen(command, pass_fds=(write_end,))
        finally:
            os.close(write_end)
        self._processes[index] = process
        logger.info("started answer worker pid=%d", process.pid)
        with os.fdopen(read_end, "rb") as ready_pipe:
            self._ready[index] = ready_pipe.read(len(READY)) == READY
        code = process.wait()
        self._ready[index] = False
        return code


def report_ready(fd: int | None) -> None:
    """Tells the parent `docbot serve` the models are loaded (a no-op for a worker started by hand)."""
    if fd is None:
        return
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(READY)


def exit_with_parent() -> None:
    """This process is killed when its parent dies, however it dies (Linux); elsewhere it notices within a second."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="docbot-parent-watch", daemon=True).start()

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg

from bot.db import embedded

HOLD_SERVER = textwrap.dedent(
    """
    import sys, time
    import psycopg
    from pathlib import Path
    from bot.db import embedded
    url = embedded.start(Path(sys.argv[1]))
    with psycopg.connect(url) as c:
        pid = c.execute("SELECT pg_postmaster_start_time()::text").fetchone()[0]
    print(url + " " + pid, flush=True)
    sys.stdin.readline()  # hold the server until told to go
    """
)


def _stops(home: Path, seconds: float = 15.0) -> bool:
    """The server goes down after its last process exits; on a loaded machine that can take a moment."""
    deadline = time.monotonic() + seconds
    while embedded.status(home).running:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _hold(home: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLD_SERVER, str(home)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_two_processes_share_one_server_which_stops_after_the_last(tmp_path_factory):
    home = Path(tmp_path_factory.mktemp("emb", numbered=True))
    first, second = _hold(home), _hold(home)
    try:
        first_line, second_line = first.stdout.readline().split(), second.stdout.readline().split()
        assert first_line and second_line
        assert first_line[0] == second_line[0], "both processes use the same database URL"
        assert first_line[1:] == second_line[1:], "and the same server (same start time)"
        first.communicate("\n", timeout=30)
        with psycopg.connect(first_line[0]) as connection:  # still up for the second process
            assert connection.execute("SELECT 1").fetchone() == (1,)
        second.communicate("\n", timeout=30)
    finally:
        for process in (first, second):
            process.kill()
    assert _stops(home)


def test_db_start_keeps_the_server_running_until_stop(tmp_path_factory):
    home = Path(tmp_path_factory.mktemp("emb", numbered=True))
    subprocess.run([sys.executable, "-c", f"from pathlib import Path; from bot.db import embedded; embedded.start(Path({str(home)!r}), keep_running=True)"], check=True)
    try:
        assert embedded.status(home).running
    finally:
        assert embedded.stop(home)
    assert _stops(home)


def test_a_killed_process_does_not_keep_the_server_alive(tmp_path_factory):
    home = Path(tmp_path_factory.mktemp("emb", numbered=True))
    killed = _hold(home)
    assert killed.stdout.readline()
    killed.kill()
    killed.wait()
    survivor = _hold(home)
    try:
        assert survivor.stdout.readline()
        survivor.communicate("\n", timeout=30)
    finally:
        survivor.kill()
    assert _stops(home), "the last live process stopped the server"

"""Which files ingestion may read: those inside the folder given (unless links are followed), never system ones.

A symlink in an ingested folder could point at `/etc/shadow` or `/proc/self/environ` (the bot's tokens);
what counts is where it really resolves. `/proc`, `/sys` and `/dev` are never read, even with
`--follow-links`, and neither are pipes, sockets or devices anywhere (a FIFO would block the run).
"""

import functools
import os
from dataclasses import dataclass

SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")


def system_folder(real_path: str) -> str | None:
    """The system folder `real_path` (already resolved) lies in, if any."""
    return next((folder for folder in SYSTEM_FOLDERS if is_inside(real_path, folder)), None)


def is_inside(real_path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return real_path == folder or real_path.startswith(folder if folder == "/" else folder + "/")


@functools.cache
def system_devices() -> frozenset[int]:
    """The devices of the system folders' own file systems (procfs, sysfs, devtmpfs): a bind mount of one shows them."""
    root = os.stat("/").st_dev
    devices = set()
    for folder in SYSTEM_FOLDERS:
        try:
            device = os.stat(folder).st_dev
        except OSError:
            continue
        if device != root:  # a /dev that is a plain folder of the root file system says nothing
            devices.add(device)
    return frozenset(devices)


@dataclass(frozen=True)
class Confinement:
    """Where files may be read from: inside `root` (a resolved folder), or anywhere but system folders when None."""

    root: str | None

    def refusal(self, real_path: str) -> str | None:
        """Why the file or folder at `real_path` (resolved) must not be read, or None."""
        folder = system_folder(real_path)
        if folder:
            return f"points into {folder}, which is never read"
        if self.root is not None and not is_inside(real_path, self.root):
            # The kind before ": " is the same for every such link, so a run's summary groups them.
            return f"symlink points outside the folder (--follow-links or INGEST_FOLLOW_LINKS=true reads it): {real_path}"
        return None


ANYWHERE = Confinement(root=None)

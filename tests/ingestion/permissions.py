"""Permission denial that holds even for root: the calling thread gives up the capabilities that bypass it.

Tests run as root in CI, and root reads a `chmod 000` folder anyway. Clearing CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH from the thread's effective set (capset(2) is per thread; the permitted set keeps
them, so they are restored after) makes the kernel check the mode bits for this thread like for anyone.
"""

import ctypes
import os
import platform
from contextlib import contextmanager

_CAPSET_SYSCALLS = {"x86_64": (125, 126), "aarch64": (90, 91)}  # (capget, capset)
_VERSION_3 = 0x20080522
_BYPASS = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


@contextmanager
def permissions_enforced():
    """Inside, this thread is refused what the mode bits refuse (a no-op for a process that isn't root)."""
    if os.geteuid() != 0:
        yield
        return
    capget, capset = _CAPSET_SYSCALLS[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(_VERSION_3, 0), (_Data * 2)()
    if libc.syscall(capget, ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    saved = data[0].effective
    data[0].effective = saved & ~_BYPASS
    if libc.syscall(capset, ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    try:
        yield
    finally:
        data[0].effective = saved
        libc.syscall(capset, ctypes.byref(header), data)

"""Run CPU-heavy work on untrusted input in a process of its own, bounded in time and
memory by the operating system.

Reading a large file in a thread of the server holds Python's GIL nearly all the time:
every other request of that process waits for it between each step (measured: a
199 MiB preview took ``/healthz`` from 6 ms to a 1.4 s worst case).  In a child process
the server's own threads keep the GIL, the child's address space is capped
(``RLIMIT_AS``), and a child that runs too long is killed.  Children are forked from a
forkserver that has the application imported already, so starting one costs
milliseconds, not an interpreter's start-up.
"""

from __future__ import annotations

import errno
import multiprocessing
import resource
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

Arg = TypeVar("Arg")
Result = TypeVar("Result")
PRELOAD = ["agency.referrals.preload"]
_context_lock = threading.Lock()
_context: Any = None


class OverTime(Exception):
    """The work did not finish within its time; the child was killed."""


class OverMemory(Exception):
    """The work needed more memory than it may have."""


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def warm() -> None:
    """Start the forkserver now (a second or two: an interpreter importing the
    application) rather than on the first upload's preview."""
    child = _forkserver().Process(target=int, daemon=True)
    child.start()
    child.join()


def _address_space_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmSize"))
    return int(kib) * 1024


def _child(work: Callable[[Any], Any], arg: Any, memory_mb: int, answer: Connection) -> None:
    # What the process maps already (the interpreter and the application), and then
    # ``memory_mb`` more at most: past it, an allocation fails with MemoryError.
    limit = _address_space_bytes() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        answer.send((True, work(arg)))
    except MemoryError:
        answer.send((False, OverMemory()))
    except OSError as exc:
        answer.send((False, OverMemory() if exc.errno == errno.ENOMEM else exc))
    except Exception as exc:  # the work's own refusal, raised again in the parent
        answer.send((False, exc))
    finally:
        answer.close()


def run_bounded(
    work: Callable[[Arg], Result], arg: Arg, *, seconds: float, memory_mb: int
) -> Result:
    """``work(arg)`` in a child process: its result, or the exception it raised.

    ``work`` must be a module-level function and ``arg`` and the result picklable.
    Raises OverTime after ``seconds`` (the child is killed) and OverMemory when the
    child needs more than ``memory_mb`` beyond what it starts with."""
    context = _forkserver()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, arg, memory_mb, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            child.kill()
            raise OverTime
        try:
            ok, value = receive.recv()
        except EOFError:
            child.join(timeout=10)
            if child.exitcode == -signal.SIGKILL:  # the kernel's out-of-memory killer
                raise OverMemory from None
            raise RuntimeError(f"the child process stopped (exit {child.exitcode})") from None
    finally:
        receive.close()
        child.join(timeout=10)
    if ok:
        return value  # type: ignore[no-any-return]
    raise value

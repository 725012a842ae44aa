"""Work in a child process: its answer, its own refusals, and the operating system's
bounds on its time and memory."""

from __future__ import annotations

import os
import time

import pytest

from agency.kit.sandbox import OverMemory, OverTime, run_bounded


def answer(value: int) -> tuple[int, int]:
    return value * 2, os.getpid()


def refuse(message: str) -> None:
    raise ValueError(message)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def hog(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_the_answer_comes_back_from_another_process() -> None:
    doubled, pid = run_bounded(answer, 21, seconds=30, memory_mb=256)
    assert doubled == 42 and pid != os.getpid()


def test_the_works_own_refusal_is_raised_again() -> None:
    with pytest.raises(ValueError, match=r"^not this file$"):
        run_bounded(refuse, "not this file", seconds=30, memory_mb=256)


def test_work_past_its_time_is_killed() -> None:
    with pytest.raises(OverTime):
        run_bounded(sleep, 30.0, seconds=0.5, memory_mb=256)


def test_work_past_its_memory_is_refused() -> None:
    assert run_bounded(hog, 50, seconds=30, memory_mb=256) == 50 * 1024 * 1024
    with pytest.raises(OverMemory):
        run_bounded(hog, 600, seconds=30, memory_mb=256)

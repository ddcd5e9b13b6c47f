"""Real Celery worker processes on real Redis, against the test database.

Tests here commit their data (transactional_db) so the workers, separate processes, see it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "14"))
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"


def database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:"
        f"{s['PORT'] or 5432}/{s['NAME']}"
    )


class Workers:
    """Start, kill and stop worker processes; each consumes every queue."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.procs: list[subprocess.Popen] = []

    def start(self, count: int = 1, *, concurrency: int = 1) -> list[subprocess.Popen]:
        started = []
        for _ in range(count):
            index = len(self.procs)
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "default,clearing,custody",
                    "--concurrency",
                    str(concurrency),
                    "-n",
                    f"test{index}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "WARNING",
                ],
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.procs.append(proc)
            started.append(proc)
        return started

    def kill(self, proc: subprocess.Popen) -> None:
        """kill -9 the worker and its pool children (a crash, not a shutdown)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def kill_child(self, proc: subprocess.Popen) -> bool:
        """kill -9 the worker's pool process, the one running the task (an OOM kill): the
        worker notices, re-queues the task (reject_on_worker_lost) and forks a new child."""
        children = _children(proc.pid)  # none while the worker still boots
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return bool(children)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(proc)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _reset_pools(app) -> None:
    """Drop the app's cached connection and producer pools so the next send uses the
    current broker URL (a closed kombu pool refuses to hand out connections)."""
    from kombu import pools

    pools.reset()  # closes every pool and forgets them (kombu keeps them per broker URL)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def workers(transactional_db, monkeypatch):
    """A Workers controller; the test process sends tasks to Redis instead of running eagerly."""
    from config.celery import app

    # Celery reads the CELERY_BROKER_URL environment variable before its own configuration,
    # so the test process must see the same broker as the workers (make test exports one).
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = BROKER
    _reset_pools(app)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    controller = Workers(env)
    yield controller
    controller.stop_all()
    app.conf.task_always_eager, app.conf.broker_url = previous
    _reset_pools(app)
    client.flushdb()


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

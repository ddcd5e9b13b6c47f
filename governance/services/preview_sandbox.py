"""The impact preview's sandbox database: every preview replay runs there, never on the live one.

Even rolled back, a replay on the live database held the ledger's chain-head lock (decision
012) from its first booking to its rollback, so every live booking waited for it (decision
047). Here each replay is ``manage.py replay --dry-run`` in a child process whose only
database is ``PREVIEW_DATABASE_URL`` and whose settings (``config.settings.preview``) make
Celery eager and give it a cache of its own: nothing it does reaches the live database, broker
or cache. The scenarios carry their whole opening state (decision 025), so the sandbox needs
only the schema; every replay rolls back, so it stays empty.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from common.exceptions import BackstopError, Invalid, LockTimeout
from config.env import database_config, redact

SETTINGS_MODULE = "config.settings.preview"
WHERE = ("ENGINE", "NAME", "HOST", "PORT")  # the same values: the same database
LOCK_FILE = "preview.lock"  # in var/: previews on one host take turns on the sandbox


class PreviewFailed(BackstopError):
    code = "preview_failed"


@dataclass(frozen=True)
class PreviewSandbox:
    url: str
    folder: Path  # the scenario files and reports of this preview
    deadline: float  # time.monotonic() by which every child process has to be done
    seconds: float

    def replay(self, *, name: str, lines: list[str]) -> dict:
        """The report of ``manage.py replay --dry-run`` of ``lines`` on the sandbox."""
        scenario, report = self.folder / f"{name}.jsonl", self.folder / f"{name}.json"
        scenario.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.manage("replay", str(scenario), "--dry-run", "--report", str(report), doing=name)
        return json.loads(report.read_text(encoding="utf-8"))

    def manage(self, *args: str, doing: str) -> None:
        """One management command on the sandbox; a failure raises with the child's reason.

        The reason is its ``CommandError`` line, else its last line (a traceback's exception).
        """
        left = self.deadline - time.monotonic()
        stopped = (
            f"{doing} on the preview database: not done within the preview's {self.seconds:g} s"
        )
        if left <= 0:
            raise PreviewFailed(stopped)
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE, "DATABASE_URL": self.url}
        try:
            done = subprocess.run(
                [*command, "--skip-checks", "--verbosity", "0"],
                env=env,
                cwd=settings.BASE_DIR,
                capture_output=True,
                text=True,
                timeout=left,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PreviewFailed(stopped) from None
        if done.returncode:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            said = [line for line in lines if line.startswith("CommandError: ")]
            reason = (said or lines or [f"exit status {done.returncode}"])[-1]
            reason = reason.removeprefix("CommandError: ").replace(f"{self.folder}/", "")
            raise PreviewFailed(f"{doing} on the preview database: {reason}")


@contextmanager
def preview_sandbox_open(*, seconds: float) -> Iterator[PreviewSandbox]:
    """The sandbox, migrated to the running code's schema and held by this preview alone.

    Held, because two migrations, or two replays creating the same fund, on one sandbox would
    collide. ``seconds`` bounds the whole: the wait for the sandbox, migrating, every replay.
    """
    deadline = time.monotonic() + seconds
    url = _sandbox_url()
    var = Path(settings.BASE_DIR) / "var"  # writable where the service runs (docs/operations.md)
    with (
        _held(var / LOCK_FILE, deadline),
        tempfile.TemporaryDirectory(prefix="preview-", dir=var) as folder,
    ):
        sandbox = PreviewSandbox(url=url, folder=Path(folder), deadline=deadline, seconds=seconds)
        sandbox.manage("migrate", "--noinput", doing="migrate")
        yield sandbox


def _sandbox_url() -> str:
    url = settings.PREVIEW_DATABASE_URL
    sandbox, live = database_config(url, name="PREVIEW_DATABASE_URL"), connection.settings_dict
    if all(str(sandbox.get(key)) == str(live.get(key)) for key in WHERE):
        raise Invalid(
            f"PREVIEW_DATABASE_URL {redact(url)!r} is the live database: a preview replays on a "
            "database of its own"
        )
    return url


@contextmanager
def _held(path: Path, deadline: float) -> Iterator[None]:
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        "another impact preview held the preview database until this one's "
                        "time ran out; ask again later"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

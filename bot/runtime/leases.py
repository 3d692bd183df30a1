"""Leases on rows that one instance works on (outbox rows, broadcast recipients).

A lease names its owner (host:pid:random) and runs until a wall-clock instant: leases are
about Telegram's time, like its retry_after, not the program's injected clock. A crashed
instance's leases on this machine are taken back at the next start (`gone`); another
host's run out.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime


def new_owner() -> str:
    """A lease owner name unique to this instance: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def gone(owner: str, me: str) -> bool:
    """Whether a lease owner (host:pid:id) is an instance on this machine that has ended."""
    host, _, rest = owner.partition(":")
    pid, _, _instance = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or owner == me:
        return False
    if int(pid) == os.getpid():
        return True  # an earlier instance in this same process (restarted in place)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def wall() -> datetime:
    """The wall-clock instant (UTC)."""
    return datetime.now(UTC)


def stamp(instant: datetime) -> str:
    """A wall-clock instant as stored in lease and retry columns (sortable text)."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

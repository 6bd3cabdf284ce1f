"""Memory shared by every worker process: the request journal, the pending faults, the data generation.

With `--workers N` gunicorn forks the workers from the process that built the app, so an anonymous
shared mapping and a process-shared lock created before the fork are seen by all of them: a fault
injected through one worker fires in whichever worker gets the next call, and the journal lists the
calls of every worker. A single-process server uses the same code.
"""

from __future__ import annotations

import json
import mmap
import multiprocessing
import struct
from typing import Any

from mock_server.errors import SharedMemoryFull

_LENGTH = struct.Struct("<I")
_COUNTER = struct.Struct("<Q")


class SharedJson:
    """One JSON document in shared memory, replaced as a whole under a lock."""

    def __init__(self, size: int = 64 * 1024) -> None:
        self._memory = mmap.mmap(-1, size)
        self._lock = multiprocessing.Lock()
        self._capacity = size - _LENGTH.size

    @property
    def empty(self) -> bool:
        """Readable without the lock: a cheap test on the hot path."""
        length: int = _LENGTH.unpack_from(self._memory, 0)[0]
        return length == 0

    def update(self, change: Any) -> Any:
        """Apply `change(document) -> (new_document, result)` atomically across processes; return result.

        `SharedMemoryFull` when the new document does not fit: the old one stays as it was.
        """
        with self._lock:
            document = self._read()
            new_document, result = change(document)
            self._write(new_document)
        return result

    def read(self) -> Any:
        with self._lock:
            return self._read()

    def _read(self) -> Any:
        (length,) = _LENGTH.unpack_from(self._memory, 0)
        if length == 0:
            return None
        return json.loads(self._memory[_LENGTH.size : _LENGTH.size + length])

    def _write(self, document: Any) -> None:
        data = b"" if document is None else json.dumps(document, ensure_ascii=False).encode()
        if len(data) > self._capacity:
            raise SharedMemoryFull(f"shared document of {len(data)} bytes exceeds {self._capacity}")
        self._memory[_LENGTH.size : _LENGTH.size + len(data)] = data
        _LENGTH.pack_into(self._memory, 0, len(data))


class SharedRing:
    """The last `slots` JSON records, in shared memory; older ones are overwritten."""

    def __init__(self, *, slots: int = 500, slot_size: int = 4096) -> None:
        self._slots = slots
        self._slot_size = slot_size
        self._memory = mmap.mmap(-1, _COUNTER.size + slots * slot_size)
        self._lock = multiprocessing.Lock()

    @property
    def capacity(self) -> int:
        return self._slots

    def append(self, record: bytes) -> None:
        """Store one record (at most `slot_size - 4` bytes: the caller shortens it)."""
        with self._lock:
            (count,) = _COUNTER.unpack_from(self._memory, 0)
            offset = _COUNTER.size + (count % self._slots) * self._slot_size
            _LENGTH.pack_into(self._memory, offset, len(record))
            self._memory[offset + _LENGTH.size : offset + _LENGTH.size + len(record)] = record
            _COUNTER.pack_into(self._memory, 0, count + 1)

    def fits(self, record: bytes) -> bool:
        return len(record) <= self._slot_size - _LENGTH.size

    def records(self) -> list[bytes]:
        """Every stored record, oldest first."""
        return [record for _number, record in self.numbered_records()]

    def numbered_records(self) -> list[tuple[int, bytes]]:
        """Every stored record with its number (1 for the first since the last clear), oldest first."""
        with self._lock:
            (count,) = _COUNTER.unpack_from(self._memory, 0)
            first = max(0, count - self._slots)
            out = []
            for number in range(first, count):
                offset = _COUNTER.size + (number % self._slots) * self._slot_size
                (length,) = _LENGTH.unpack_from(self._memory, offset)
                record = bytes(self._memory[offset + _LENGTH.size : offset + _LENGTH.size + length])
                out.append((number + 1, record))
            return out

    def clear(self) -> None:
        with self._lock:
            _COUNTER.pack_into(self._memory, 0, 0)


class SharedCounter:
    """A number every process reads without a lock and any process bumps under one: a generation."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, _COUNTER.size)
        self._lock = multiprocessing.Lock()

    @property
    def value(self) -> int:
        # One aligned 8-byte word, written whole by `bump`: a lock-free read on the hot path.
        value: int = _COUNTER.unpack_from(self._memory, 0)[0]
        return value

    def bump(self) -> None:
        """Add one; the lock makes concurrent bumps from several processes each count."""
        with self._lock:
            (value,) = _COUNTER.unpack_from(self._memory, 0)
            _COUNTER.pack_into(self._memory, 0, value + 1)

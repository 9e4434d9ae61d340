"""A process-memory cache bounded in bytes, not only in entries (the catalog's answers).

Django's LocMemCache counts entries; a rendered page can be a few hundred bytes or a
few hundred kilobytes, so a cap in entries says nothing about memory. This backend adds
`OPTIONS["MAX_BYTES"]`: the pickled values it holds never add up to more; setting a
value evicts the least recently used entries until it fits, and a value larger than
the whole budget is not stored at all.
"""

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache

_bytes: dict[str, int] = {}  # bytes held per named cache, like LocMemCache's own globals


class ByteBoundedMemoryCache(LocMemCache):
    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        self._name = name
        self._max_bytes = int(params.get("OPTIONS", {})["MAX_BYTES"])
        _bytes.setdefault(name, 0)

    @property
    def bytes_used(self) -> int:
        return _bytes[self._name]

    def _set(self, key: str, value: bytes, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self._delete(key)
        if len(value) > self._max_bytes:
            return
        while self._cache and _bytes[self._name] + len(value) > self._max_bytes:
            self._delete(next(reversed(self._cache)))  # the least recently used
        super()._set(key, value, timeout)
        _bytes[self._name] += len(value)

    def _cull(self) -> None:
        if self._cull_frequency == 0:
            self._clear()
            return
        for key in list(reversed(self._cache))[: len(self._cache) // self._cull_frequency]:
            self._delete(key)

    def _delete(self, key: str) -> bool:
        value = self._cache.get(key)
        if value is None or not super()._delete(key):
            return False
        _bytes[self._name] -= len(value)
        return True

    def _clear(self) -> None:
        self._cache.clear()
        self._expire_info.clear()
        _bytes[self._name] = 0

    def clear(self) -> None:
        with self._lock:
            self._clear()

    incr = BaseCache.incr  # through get and set, so the byte count stays true

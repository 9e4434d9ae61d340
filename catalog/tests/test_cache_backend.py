"""The catalog's process-memory cache is bounded in bytes: oldest answers go first."""

import pickle

import pytest

from catalog.cache_backend import ByteBoundedMemoryCache

VALUE = b"x" * 1000
SIZE = len(pickle.dumps(VALUE, pickle.HIGHEST_PROTOCOL))


@pytest.fixture
def cache(request: pytest.FixtureRequest) -> ByteBoundedMemoryCache:
    cache = ByteBoundedMemoryCache(
        request.node.name, {"OPTIONS": {"MAX_BYTES": 3 * SIZE, "MAX_ENTRIES": 100}}
    )
    yield cache
    cache.clear()


def test_setting_past_the_budget_evicts_the_least_recently_used(
    cache: ByteBoundedMemoryCache,
) -> None:
    for key in "abc":
        cache.set(key, VALUE)
    cache.get("a")  # now b is the oldest
    cache.set("d", VALUE)
    assert [k for k in "abcd" if cache.get(k) is not None] == ["a", "c", "d"]
    assert cache.bytes_used == 3 * SIZE


def test_a_value_larger_than_the_budget_is_not_stored(cache: ByteBoundedMemoryCache) -> None:
    cache.set("a", VALUE)
    cache.set("big", b"x" * (4 * SIZE))
    assert cache.get("big") is None
    assert cache.get("a") == VALUE
    assert cache.bytes_used == SIZE


def test_replacing_deleting_and_clearing_keep_the_count_true(
    cache: ByteBoundedMemoryCache,
) -> None:
    cache.set("a", VALUE)
    cache.set("a", b"short")
    cache.set("b", VALUE)
    cache.delete("b")
    assert cache.bytes_used == len(pickle.dumps(b"short", pickle.HIGHEST_PROTOCOL))
    cache.set("n", 1)
    assert cache.incr("n") == 2
    cache.clear()
    assert cache.bytes_used == 0

"""Helpers for the test suites of every app: JSON requests, admin dialogs, races, row locks
(no app's models; the rows tests need are made by each app's `tests/factories.py`)."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, connections, models
from django.http import HttpResponseBase
from django.test import Client
from ninja.operation import Operation


def post_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def patch_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json", **extra)


def put_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json", **extra)


def dialog_post(client: Client, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """Submits an Unfold dialog action's form (`data` and the field every dialog sends)."""
    return client.post(path, {"_form_submitted": "True", **(data or {})}, **extra)


def race[T](task: Callable[[int], T], workers: int) -> list[T | BaseException]:
    """Run `task(i)` in `workers` threads released at the same instant; collect results.

    Each thread closes its own database connection; an exception is returned, not raised.
    """
    barrier = threading.Barrier(workers)
    results: list[T | BaseException] = [RuntimeError("did not run")] * workers

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = task(index)
        except BaseException as error:  # reported to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@contextmanager
def row_locked(instance: models.Model) -> Iterator[None]:
    """Hold `SELECT ... FOR UPDATE` on `instance`'s row from another database connection."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            table = connection.ops.quote_name(instance._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [instance.pk])
            yield
            cursor.execute("ROLLBACK")
    finally:
        other.close()


@contextmanager
def lock_timeout(milliseconds: int) -> Iterator[None]:
    """Make this connection's PostgreSQL lock_timeout short for a test, then put it back."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


# Codes the API-wide handlers may answer on any route (an unexpected error, a database
# lock timeout): the schema does not repeat them on every operation.
ANY_ROUTE_CODES = frozenset({"server_error", "busy"})


def error_answer_check(operation: Operation, response: HttpResponseBase) -> None:
    """Fail unless an error `operation` answered is one its schema declares: the status,
    and a body of that status's schema (its `code` one of the declared codes)."""
    if response.status_code < 400 or "json" not in response.get("Content-Type", ""):
        return
    body = json.loads(response.content)
    if not isinstance(body, dict) or body.get("code") in ANY_ROUTE_CODES:
        return
    name = operation.operation_id or operation.view_func.__name__
    model = operation.response_models.get(response.status_code)
    assert model is not None, f"{name} answered an undeclared {response.status_code}: {body}"
    model.model_validate({"response": body})

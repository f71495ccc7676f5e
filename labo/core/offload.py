"""Running a CPU-bound call without freezing the other requests.

Under gunicorn's gevent worker every request of the process shares one
thread: a password hash (scrypt, slow on purpose so that guessing is slow)
would stop every other resident's page meanwhile, and 300 people logging in at a
meeting's start would queue behind each other (bench/README.md, scale).
hashlib's scrypt and pbkdf2 release the GIL, so in gevent's thread pool the
hash runs beside the event loop. Without gevent (tests, `flask run`,
SQLite default) the call is made as it is."""
from __future__ import annotations

from typing import Any, Callable


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def off_loop(function: Callable[..., Any], *args: Any) -> Any:
    if _gevent_patched():
        import gevent

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)

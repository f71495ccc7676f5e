"""Entry point for `flask --app wsgi` and for gunicorn:

    gunicorn -k gevent -w 1 wsgi:app

Under gunicorn's gevent worker the standard library is already patched and
Socket.IO runs in gevent mode; elsewhere it runs in threading mode."""
import os

try:
    from gevent import monkey

    if monkey.is_module_patched("socket") and not os.environ.get("LABO_ASYNC_MODE"):
        os.environ["LABO_ASYNC_MODE"] = "gevent"
except ImportError:  # gevent is optional outside production
    pass

from labo.app import create_app  # noqa: E402

app = create_app()

if os.environ.get("LABO_ASYNC_MODE") == "gevent":
    # A long-running gevent worker: what was loaded at start-up is never
    # garbage, so the collector stops walking it, and full collections come
    # less often. Measured on a live board of 500 phones (bench/README.md):
    # the slowest note went from about 280 ms to about 100 ms.
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


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

from labo import create_app  # noqa: E402

app = create_app()

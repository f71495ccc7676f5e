"""The Labo de la participation des habitants.

`create_app()` builds the site (labo/app.py). The package's face stays light:
importing `labo.core.db` or a feature's models does not load every feature,
so `labo.app` is imported only when an application is wanted."""
from __future__ import annotations


def create_app(overrides: dict | None = None):
    """The Flask application, every feature registered (labo.app.create_app)."""
    from labo.app import create_app as build  # deferred: see the docstring above

    return build(overrides)

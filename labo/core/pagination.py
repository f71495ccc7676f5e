"""Pages of a long list, read the way the database answers fastest.

`db.paginate` asks for the page's whole rows with LIMIT/OFFSET: deep in a
large commune's list PostgreSQL then fetches and sorts thousands of rows
(body text included) to keep twenty, a sort that spills to disk, and it
counts every matching row again on each page. Here the page's ids come first,
in the order of the listing index (an index-only scan), then those twenty
rows alone; the total comes from labo.core.memo.count_of (bench/README.md,
scale)."""
from __future__ import annotations

import math
from typing import Any, Callable

from labo.core.memo import count_of
from labo.extensions import db


class Page:
    """One page of a list: what the templates and the API read of Flask-SQLAlchemy's
    Pagination (whose constructor is not public), without its queries."""

    def __init__(self, items: list[Any], page: int, per_page: int, total: int):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self):
        return iter(self.items)


def paginate(query, key, *, count_key, page: int, per_page: int, max_per_page: int | None = None,
             load: Callable[[list], dict] | None = None) -> Page:
    """The `page`th page (from 1) of `query`, an ORM select with its ORDER BY;
    `key` is its entity's primary key column (e.g. Contribution.id), `count_key`
    what tells this query's filters apart (its total is remembered under it).
    `load`, given the page's ids, returns its items by id when a page needs
    less than the query's whole entities (a list's cards)."""
    page = max(1, page)
    per_page = max(1, min(per_page, max_per_page or per_page))
    ids = list(db.session.scalars(query.with_only_columns(key).limit(per_page).offset((page - 1) * per_page)))
    if load is not None:
        rows = load(ids) if ids else {}
    else:
        rows = {getattr(row, key.key): row for row in db.session.scalars(query.where(key.in_(ids)))} if ids else {}
    return Page([rows[i] for i in ids if i in rows], page, per_page, count_of(query, count_key))

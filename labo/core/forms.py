"""Forms shared by every feature, and the write a view makes through a
service (carry_out)."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Mapping

import wtforms
from flask import flash
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import widgets

from labo.core.errors import ServiceError
from labo.extensions import db


class Select(widgets.Select):
    """WTForms' select, writing a plain option itself: the same markup for
    less work (the commune, QPV and theme lists are long, and shown on the
    contribution form and the list's filters, bench/README.md). Its markup is
    kept by what decides it (its name and attributes, each choice's value and
    label as shown, which one is selected): the idea list's five filters, 80
    options, were written anew for every page (bench/page_cost.py)."""

    _kept: OrderedDict = OrderedDict()
    KEEP = 512

    def __call__(self, field, **kwargs):
        choices = getattr(field, "choices", None)
        if self.multiple or not isinstance(choices, list):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        try:  # plain (value, label) pairs only: no option groups, no options with their own attributes
            key = (field.name, tuple(sorted(kwargs.items())), field.data, field.coerce,
                   tuple((value, label if type(label) is str else str(label)) for value, label in choices))
            html = self._kept.get(key)
        except (TypeError, ValueError):  # or a value that cannot be a key
            return super().__call__(field, **kwargs)
        if html is None:
            options = "".join(self.render_option(choice) for choice in field._iter_choices_normalized())
            html = Markup(f"<select {widgets.html_params(name=field.name, **kwargs)}>{options}</select>")
            if len(self._kept) >= self.KEEP:
                self._kept.popitem(last=False)
            self._kept[key] = html
        return html

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        return Markup(f'<option {"selected " if choice.selected else ""}value="{escape(value)}">'
                      f"{escape(choice.label or choice.value)}</option>")


class SelectField(wtforms.SelectField):
    widget = Select()


class ActionForm(FlaskForm):
    """Only the CSRF token: the action and its object are in the URL."""


def show_error(form, error, messages) -> None:
    """A service's refusal in the reader's language: beside the field it
    concerns when the form has that field, else as a flashed message."""
    message = messages.get(error.code, error.code)
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        flash(message, "error")


@dataclass
class Outcome:
    """What `carry_out` did: true when the service went through (`value` is
    what it returned), false when it refused (shown to the person already)."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def carry_out(operation: Callable[[], Any], form, messages: Mapping, success=None, *,
              refusals: tuple[type[Exception], ...] = (ServiceError,)) -> Outcome:
    """A view's write, written once: run `operation` (a service call) in the
    request's transaction; if the service refuses (a ServiceError, or one of
    `refusals`), roll back and show why beside the form's field or flashed
    (show_error, with `messages`); else commit and flash `success` (a text,
    or a function of what the service returned). The view then redirects on
    success or draws the form again:

        if form.validate_on_submit() and carry_out(lambda: services.save(...), form, ERROR_MESSAGES,
                                                   _("C'est enregistré.")):
            return redirect(...)
        return render_template(..., form=form), 422 if form.errors else 200
    """
    try:
        value = operation()
    except refusals as error:
        db.session.rollback()
        show_error(form, error, messages)
        return Outcome(False)
    db.session.commit()
    if success is not None:
        flash(success(value) if callable(success) else success, "success")
    return Outcome(True, value)


class _Prefilled:
    """A record as an edit form reads it: the given values first, then the
    record's attributes, each turned into what a field holds (an enum's
    value, a related row's id, a list of related rows' ids)."""

    __slots__ = ("_record", "_values")

    def __init__(self, record, values: dict):
        object.__setattr__(self, "_record", record)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        return _field_value(getattr(object.__getattribute__(self, "_record"), name))


def _field_value(value):
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "__mapper__"):
        return value.id
    if isinstance(value, (list, tuple, set)) and any(hasattr(item, "__mapper__") for item in value):
        return [item.id for item in value]
    return value


def edit_form(form_class, record, /, **values):
    """The form that edits `record`, showing what it holds.

    WTForms fills a field from `obj=` before `data=`: a relation, an enum or a
    list of rows came out as Python objects (`[<Option object at 0x…>]`, a
    commune's select with nothing chosen) and saving the form unchanged
    changed or refused it (issue 17). Here each field takes `values[name]`
    if given (a local time, options as lines of text), else the record's
    attribute of the same name, with related rows as their ids and enums as
    their values. What the browser sends still comes first on a POST."""
    return form_class(obj=_Prefilled(record, values))

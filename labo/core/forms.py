"""Forms shared by every feature."""
import wtforms
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import widgets


class Select(widgets.Select):
    """WTForms' select, writing a plain option itself: the same markup for
    less work (the commune, QPV and theme lists are long, and shown on the
    contribution form and the list's filters, bench/README.md)."""

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
    from flask import flash

    message = messages.get(error.code, error.code)
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        flash(message, "error")


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
    from enum import Enum

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

"""Forms shared by every feature."""
import wtforms
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import widgets


class Select(widgets.Select):
    """WTForms' select, writing a plain option itself: the same markup three
    times faster (a commune, QPV and theme list has some 80 options, on the
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

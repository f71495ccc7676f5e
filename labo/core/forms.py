"""Forms shared by every feature."""
from flask_wtf import FlaskForm


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

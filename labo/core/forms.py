"""Forms shared by every feature."""
from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """Only the CSRF token: the action and its object are in the URL."""

"""labo.core.forms.SelectField writes its options itself: the same markup as WTForms'."""
import warnings

from wtforms import Form
from wtforms import SelectField as WTFormsSelectField

from labo.core.forms import SelectField

CHOICES = [("", "Toutes"), ("lens", "Lens"), ("a&b", "Avion <et> \"Sallaumines\""), ("7", "Commune n°7")]


def _render(field_class, value, **render_kw):
    class F(Form):
        commune = field_class("Commune", choices=CHOICES)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # WTForms 3.3 on tuple choices
        return str(F(data={"commune": value}).commune(**render_kw))


def test_the_options_are_wtforms_own_markup_escaped_with_the_chosen_one_selected():
    for value in ("", "lens", "a&b", "absent"):
        assert _render(SelectField, value) == _render(WTFormsSelectField, value)
    html = _render(SelectField, "a&b", **{"aria-describedby": "commune-help"})
    assert '<option selected value="a&amp;b">Avion &lt;et&gt; &#34;Sallaumines&#34;</option>' in html
    assert html.count("selected") == 1 and 'aria-describedby="commune-help"' in html


def test_kept_options_follow_the_chosen_value_and_the_labels_as_shown():
    """The options' markup is kept between pages: a second page with another
    choice, or the same choices under other labels, is never given the first's."""
    for value in ("lens", "7", "lens", ""):
        assert _render(SelectField, value) == _render(WTFormsSelectField, value)
    relabelled = [(v, label.upper()) for v, label in CHOICES]

    class F(Form):
        commune = SelectField("Commune", choices=relabelled)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        html = str(F(data={"commune": "lens"}).commune())
    assert '<option selected value="lens">LENS</option>' in html and "Toutes" not in html

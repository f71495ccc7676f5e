"""carry_out(), a view's write through a service: on a refusal what the
service wrote is undone and the person is told why, beside the field or
flashed; else the write is committed and the person is told it is done."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import StringField

from labo.core.errors import ServiceError
from labo.core.forms import Outcome, carry_out
from labo.extensions import db
from labo.partners.models import Partner
from labo.territory.services import TerritoryError

MESSAGES = {"name-taken": "Ce nom est déjà pris.", "closed": "C'est fermé pour aujourd'hui."}


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Nom")


def write_partner(slug: str) -> Partner:
    """A real write, flushed as a service does before it may refuse."""
    partner = Partner(name="La CAF", slug=slug, kind="caf")
    db.session.add(partner)
    db.session.flush()
    return partner


def refuse_after_writing(slug: str, error: Exception):
    def operation():
        write_partner(slug)
        raise error
    return operation


def stored_elsewhere(slug: str) -> int:
    """How many partners with `slug` another connection sees (only what was committed)."""
    with Session(db.engine) as other:
        return other.scalar(select(func.count(Partner.id)).where(Partner.slug == slug))


def test_a_refusal_undoes_the_write_and_says_why_beside_the_field(app):
    with app.test_request_context("/", method="POST", data={"name": "La CAF"}):
        form = NameForm()
        outcome = carry_out(refuse_after_writing("caf-refused", ServiceError("name-taken", "name")), form, MESSAGES,
                            "Enregistré.")
        assert not outcome and outcome == Outcome(False)
        assert form.name.errors == ["Ce nom est déjà pris."]
        assert get_flashed_messages() == []  # neither the refusal nor a success is flashed
    db.session.expire_all()
    assert db.session.scalar(select(Partner).where(Partner.slug == "caf-refused")) is None
    assert stored_elsewhere("caf-refused") == 0


@pytest.mark.parametrize("form_given", [True, False], ids=["form-without-that-field", "no-form"])
def test_a_refusal_about_no_field_of_the_form_is_flashed(app, form_given):
    with app.test_request_context("/", method="POST", data={"name": "La CAF"}):
        form = NameForm() if form_given else None
        outcome = carry_out(refuse_after_writing("caf-closed", ServiceError("closed", "opening_hours")), form, MESSAGES,
                            "Enregistré.")
        assert not outcome
        assert get_flashed_messages(with_categories=True) == [("error", "C'est fermé pour aujourd'hui.")]
        if form is not None:
            assert form.errors == {}
    assert stored_elsewhere("caf-closed") == 0


def test_a_code_without_a_message_is_shown_as_it_is(app):
    with app.test_request_context("/", method="POST"):
        outcome = carry_out(refuse_after_writing("caf-unknown", ServiceError("unheard-of")), None, MESSAGES)
        assert not outcome
        assert get_flashed_messages(with_categories=True) == [("error", "unheard-of")]


def test_success_commits_says_so_and_gives_back_what_the_service_returned(app):
    with app.test_request_context("/", method="POST", data={"name": "La CAF"}):
        form = NameForm()
        outcome = carry_out(lambda: write_partner("caf-saved"), form, MESSAGES, "Le partenaire est enregistré.")
        assert outcome and outcome.ok
        assert isinstance(outcome.value, Partner) and outcome.value.slug == "caf-saved"
        assert get_flashed_messages(with_categories=True) == [("success", "Le partenaire est enregistré.")]
        assert form.errors == {}
    assert stored_elsewhere("caf-saved") == 1
    db.session.expire_all()
    assert db.session.scalar(select(Partner.name).where(Partner.slug == "caf-saved")) == "La CAF"


def test_the_success_message_may_be_made_from_the_returned_value(app):
    with app.test_request_context("/", method="POST"):
        outcome = carry_out(lambda: write_partner("caf-named"), None, MESSAGES,
                            lambda partner: f"{partner.name} est enregistrée ({partner.slug}).")
        assert outcome.value.slug == "caf-named"
        assert get_flashed_messages() == ["La CAF est enregistrée (caf-named)."]
    assert stored_elsewhere("caf-named") == 1


def test_no_success_message_flashes_nothing_but_still_commits(app):
    with app.test_request_context("/", method="POST"):
        assert carry_out(lambda: write_partner("caf-quiet"), None, MESSAGES)
        assert get_flashed_messages() == []
    assert stored_elsewhere("caf-quiet") == 1


def test_refusals_names_the_other_kinds_of_refusal_to_catch(app):
    with app.test_request_context("/", method="POST", data={"name": "La CAF"}):
        form = NameForm()
        outcome = carry_out(refuse_after_writing("caf-other", TerritoryError("name-taken", "name")), form, MESSAGES,
                            refusals=(TerritoryError,))
        assert not outcome
        assert form.name.errors == ["Ce nom est déjà pris."]
    assert stored_elsewhere("caf-other") == 0


def test_an_error_that_is_not_a_refusal_is_not_swallowed(app):
    with app.test_request_context("/", method="POST"):
        with pytest.raises(TerritoryError):  # not a ServiceError, and not named in refusals
            carry_out(refuse_after_writing("caf-crash", TerritoryError("name-taken", "name")), None, MESSAGES,
                      "Enregistré.")
        assert get_flashed_messages() == []
    db.session.rollback()
    assert stored_elsewhere("caf-crash") == 0

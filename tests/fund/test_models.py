"""The fund's tables (issue 22): what the database itself refuses, whatever
the code above it does."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from labo.extensions import db
from labo.fund.models import FundApplication, BudgetLine, CommitteeMember, FundDecision, FundRound, CommitteeVote
from tests.factories import commune, create_admin, create_user


def a_round(**fields) -> FundRound:
    values = dict(title="Fonds d'initiatives 2027", envelope_cents=1_500_000, ceiling_cents=150_000,
                  apply_until=date(2027, 3, 31), committee_on=date(2027, 4, 15), spend_within_days=30,
                  rules="Des projets pour le quartier.", rules_easy="Un projet. Pour le quartier.")
    values.update(fields)
    fund_round = FundRound(**values)
    db.session.add(fund_round)
    return fund_round


def an_application(fund_round: FundRound, **fields) -> FundApplication:
    application = FundApplication(round=fund_round, title="Un jardin partagé", commune=commune("lens"), **fields)
    db.session.add(application)
    return application


def test_a_member_votes_once_on_an_application_the_database_refuses_a_second_row():
    member = create_user()
    application = an_application(a_round())
    db.session.add(CommitteeVote(application=application, member=member, choice="for"))
    db.session.commit()
    db.session.add(CommitteeVote(application=application, member=member, choice="against"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert [v.choice for v in db.session.get(FundApplication, application.id).votes] == ["for"]


def test_two_members_each_vote_on_the_same_application():
    application = an_application(a_round())
    for choice in ("for", "abstain"):
        db.session.add(CommitteeVote(application=application, member=create_user(), choice=choice, comment="Bien"))
    db.session.commit()
    assert sorted(v.choice for v in application.votes) == ["abstain", "for"]


@pytest.mark.parametrize("fields", [
    {"ceiling_cents": 2_000_000},  # above the envelope
    {"envelope_cents": 0, "ceiling_cents": 0},
    {"committee_on": date(2027, 3, 1)},  # before applications close
    {"spend_within_days": 0},
    {"state": "archived"},
])
def test_a_round_that_makes_no_sense_is_refused(fields):
    a_round(**fields)
    with pytest.raises(IntegrityError):
        db.session.commit()


@pytest.mark.parametrize("outcome, cents", [("granted", 0), ("refused", 50_000)])
def test_a_decision_amount_matches_its_outcome(outcome, cents):
    db.session.add(FundDecision(application=an_application(a_round()), outcome=outcome, amount_granted_cents=cents))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_budget_line_of_no_money_is_refused():
    application = an_application(a_round())
    application.lines.append(BudgetLine(label="Graines", amount_cents=0))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_the_round_says_whether_residents_are_the_majority_of_its_committee():
    resident, staff, neighbour = create_user(), create_admin(), create_user()
    fund_round = a_round()
    fund_round.members = [CommitteeMember(user=resident, is_resident=True),
                          CommitteeMember(user=staff, is_resident=False)]
    db.session.commit()
    assert not fund_round.residents_in_majority  # one of two is not a majority
    fund_round.members.append(CommitteeMember(user=neighbour, is_resident=True))
    db.session.commit()
    assert fund_round.residents_in_majority


def test_a_draft_application_may_be_incomplete_and_totals_its_budget_lines():
    application = an_application(a_round())
    application.lines = [BudgetLine(label="Graines", amount_cents=4_550, position=0),
                         BudgetLine(label="Outils", amount_cents=12_000, position=1)]
    db.session.commit()
    assert application.status == "draft" and application.amount_cents is None
    assert application.lines_total_cents == 16_550

"""Administration pages: accounts and their roles, the audit log, the outbox, the SMS log."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from labo.accounts import services as account_services
from labo.accounts.forms import ERROR_MESSAGES
from labo.accounts.models import Role, RoleGrant, User
from labo.admin.forms import GrantRoleForm, RevokeRoleForm
from labo.audit.services import audit_query
from labo.core.db import contains_pattern
from labo.core.forms import carry_out
from labo.core.i18n import _
from labo.core.urls import page_number
from labo.extensions import db
from labo.mail.models import OutboxMessage
from labo.permissions import require
from labo.sms.models import SmsMessage
from labo.sms.numbers import format_phone
from labo.sms.services import backend_for, sent_this_month, sms_error_message
from labo.territory.services import commune_choices, get_commune

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.route("/")
@require("admin.access")
def index():
    counts = {
        "accounts": db.session.scalar(select(func.count(User.id))) or 0,
        "outbox": db.session.scalar(select(func.count(OutboxMessage.id))) or 0,
        "sms": db.session.scalar(select(func.count(SmsMessage.id))) or 0,
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/comptes")
@require("account.list")
def accounts():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    query = select(User).options(selectinload(User.grants)).order_by(User.pseudonym_key)
    if q:
        query = query.where(or_(
            User.pseudonym_key.like(contains_pattern(account_services.pseudonym_key(q)), escape="\\"),
            User.email.like(contains_pattern(q.lower()), escape="\\"),
        ))
    if role in {r.value for r in Role if r is not Role.RESIDENT}:
        query = query.where(User.grants.any(RoleGrant.role == role))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/accounts.html", page=page, q=q, role=role, roles=list(Role))


@bp.route("/comptes/<id:user_id>", methods=["GET", "POST"])
@require("account.manage_roles")
def account(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = GrantRoleForm()
    form.commune.choices = commune_choices("—")
    if form.validate_on_submit() and carry_out(
            lambda: account_services.grant_role(current_user, user, Role(form.role.data), get_commune(form.commune.data)),
            form, ERROR_MESSAGES, _("Rôle donné à %(name)s.", name=user.pseudonym)):
        return redirect(url_for("admin.account", user_id=user.id))
    return render_template("admin/account.html", user=user, form=form, revoke_form=RevokeRoleForm()), (422 if form.errors else 200)


@bp.route("/comptes/<id:user_id>/roles/<id:grant_id>/retirer", methods=["POST"])
@require("account.manage_roles")
def revoke(user_id: int, grant_id: int):
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user_id:
        abort(404)
    if not RevokeRoleForm().validate_on_submit():
        abort(400)
    carry_out(lambda: account_services.revoke_role(current_user, grant), None, ERROR_MESSAGES, _("Rôle retiré."))
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/journal")
@require("audit.read")
def audit():
    page = db.paginate(audit_query(request.args.get("action") or None), page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("admin/audit.html", page=page)


@bp.route("/courriels")
@require("outbox.read")
def outbox():
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    page = db.paginate(query, page=page_number(), per_page=20, error_out=False)
    return render_template("admin/outbox.html", page=page)


@bp.route("/sms")
@require("sms.read")
def sms():
    """Every text message the site sent or kept, newest first, with what became of it."""
    query = select(SmsMessage).order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
    page = db.paginate(query, page=page_number(), per_page=20, error_out=False)
    return render_template("admin/sms.html", page=page, backend=backend_for(current_app.config).name,
                           month_count=sent_this_month(), month_limit=current_app.config.get("LABO_SMS_MONTHLY_LIMIT", 1000),
                           format_phone=format_phone, error_message=sms_error_message)

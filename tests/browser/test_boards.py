"""The live workshop board in Chromium, as it runs in a community hall: the
animator's projector and console and a phone at 360 px, at once, over the
real Socket.IO server and the official socket.io-client. A note typed on the
phone appears on the projector; one written with no network waits on the
phone and arrives, once, when the network returns; the vote, a drag to group,
a hidden note; axe-core on each screen (tests/browser/run_pages.mjs, the
"board" flow)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from labo.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ANIMATOR = "animatrice@labo.example"


def test_a_phone_and_the_projector_share_one_live_board(live_server, run_browser):
    from labo.accounts.models import User
    from labo.extensions import db
    from labo.workshops import services
    from labo.workshops.models import Note

    suffix = uuid.uuid4().hex[:6]
    first, offline = f"Des bancs à l'ombre {suffix}", f"Un abri pour le bus {suffix}"
    with live_server.app.app_context():
        animator = db.session.scalar(select(User).where(User.email == ANIMATOR))
        board = services.create_board(animator, title=f"Atelier {suffix}", dots_per_person=3)
        db.session.commit()
        board_id, code = board.id, board.code

    result = run_browser({"flow": "board", "login": {"email": ANIMATOR, "password": DEMO_PASSWORD},
                          "board": {"id": board_id, "code": code}, "pseudonym": f"Nadia {suffix}",
                          "notes": [first, offline]})
    failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
    assert not failed, "\n".join(failed)
    assert len(result["steps"]) >= 30, [s["name"] for s in result["steps"]]

    with live_server.app.app_context():
        texts = list(db.session.scalars(select(Note.text).where(Note.board_id == board_id).order_by(Note.id)))
        assert texts == [first, offline]  # the note sent after the network came back: stored once
        hidden = db.session.scalar(select(Note.hidden).where(Note.text == offline))
        assert hidden is True
        assert db.session.scalar(select(func.count(Note.group_id)).where(Note.board_id == board_id)) == 2

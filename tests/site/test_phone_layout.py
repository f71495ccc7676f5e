"""The header on a phone (issue 18): one row with the brand, the three things
residents do most and a "Menu" <details> (closed, no JavaScript needed)
holding the rest, the account's links, the unread count and the language
switch; the live workshop's phone page shows the board without it."""
from __future__ import annotations

import re

from labo.extensions import db
from labo.accounts.models import Notification
from tests.conftest import page_text
from tests.factories import create_board, create_user
from tests.workshops.test_pages import join


def header_of(html: str) -> str:
    match = re.search(r'<header class="site-header">.*?</header>', html, re.S)
    assert match, "no site header"
    return match.group(0)


def menu_of(header: str) -> str:
    return re.search(r'<details class="nav-more">.*?</details>', header, re.S).group(0)


def bar_of(header: str) -> str:
    return re.search(r'<ul class="nav-top">.*?</ul>', header, re.S).group(0)


def test_a_visitor_sees_three_links_and_a_closed_menu_holding_the_rest(client):
    header = header_of(client.get("/idees/").get_data(as_text=True))
    bar = bar_of(header)
    assert re.findall(r">([^<>]+)</a>", bar) == ["Idées", "Démarches", "Rencontres"]
    assert 'href="/idees/" aria-current="page"' in bar
    menu = menu_of(header)
    assert "<details class=\"nav-more\">" in menu and " open" not in menu.split(">", 1)[0]
    for text in ("Accueil", "Mon quartier", "Acteurs", "Boîte à outils", "Me connecter", "Créer un compte"):
        assert f">{text}</a>" in menu
    assert 'name="lang" value="en"' in menu and 'action="/langue"' in menu


def test_a_signed_in_resident_finds_her_account_and_unread_count_behind_menu(client, auth):
    user = create_user(email="josiane@example.org", home="lens")
    db.session.add(Notification(user_id=user.id, kind="test", params={}, link="/"))
    db.session.commit()
    auth.login("josiane@example.org")
    header = header_of(client.get("/").get_data(as_text=True))
    menu = menu_of(header)
    summary = re.search(r"<summary>.*?</summary>", menu, re.S).group(0)
    assert '<span class="count menu-count" aria-hidden="true">1</span>' in summary
    assert "1 notification non lue" in summary
    for text in ("Notifications", "Mon compte"):
        assert f">{text}" in menu
    assert 'action="/compte/deconnexion"' in menu and "Me déconnecter" in menu
    assert "Modération" not in header and "Administration" not in header
    assert "Me déconnecter" not in bar_of(header)


def test_the_workshop_phone_page_shows_the_board_without_the_site_header(client):
    board = create_board()
    join(client, board, "Zoé")
    html = client.get(f"/atelier/{board.code}").get_data(as_text=True)
    assert 'class="site-header"' not in html and 'class="main-nav"' not in html
    assert '<a class="skip-link" href="#contenu">' in html and 'id="contenu"' in html
    assert re.search(r'<p class="board-leave"><a href="/">Quitter l(&#39;|\')atelier</a></p>', html)
    assert board.title in page_text(client.get(f"/atelier/{board.code}"))

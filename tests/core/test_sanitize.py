"""`sanitize_html()`: the one gate rich text goes through before it is stored."""
from labo.core.sanitize import sanitize_html


def test_scripts_and_event_handlers_are_removed():
    dirty = '<p onclick="steal()">Bonjour<script>alert(1)</script></p><img src=x onerror=alert(1)>'
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "onclick" not in clean and "onerror" not in clean and "<img" not in clean
    assert "<p>Bonjour" in clean


def test_javascript_links_lose_their_href_and_others_get_nofollow_noopener():
    assert "javascript:" not in sanitize_html('<a href="javascript:alert(1)">x</a>')
    clean = sanitize_html('<a href="https://example.org">site</a>')
    assert 'href="https://example.org"' in clean
    assert 'rel="nofollow noopener"' in clean


def test_bare_urls_become_safe_links_and_allowed_tags_stay():
    clean = sanitize_html("<strong>Voir</strong> https://www.labo-lens.fr/idee")
    assert "<strong>Voir</strong>" in clean
    assert '<a href="https://www.labo-lens.fr/idee" rel="nofollow noopener">' in clean


def test_empty_input_gives_empty_text():
    assert sanitize_html(None) == "" and sanitize_html("") == ""

"""Steps for run_pages.mjs's "script" flow, written in Python: a person's
path through the site (open, fill, send, read), with axe-core wherever it
matters. See the comment at the top of run_pages.mjs for each step."""
from __future__ import annotations

from typing import Any, Optional

from labo.demo import DEMO_PASSWORD

Step = dict[str, Any]


def login(email: str, password: str = DEMO_PASSWORD) -> Step:
    return {"do": "login", "email": email, "password": password}


def logout() -> Step:
    return {"do": "logout"}


def goto(path: str, status: int = 200, name: Optional[str] = None) -> Step:
    return _named({"do": "goto", "path": path, "status": status}, name)


def lang(value: str) -> Step:
    return {"do": "lang", "value": value}


def open_menu(name: Optional[str] = None) -> Step:
    """Tap the header's "Menu" (a <details>, closed on every page): its links become visible."""
    return _named({"do": "menu"}, name)


def fill(selector: str, value: Any) -> Step:
    return {"do": "fill", "selector": selector, "value": str(value)}


def check(selector: str) -> Step:
    return {"do": "check", "selector": selector}


def select(selector: str, label: Optional[str] = None, value: Optional[str] = None) -> Step:
    step: Step = {"do": "select", "selector": selector}
    step.update({"label": label} if label is not None else {"value": value})
    return step


def submit(selector: str, status: int = 200, url: Optional[str] = None, save: Optional[list[str]] = None,
           name: Optional[str] = None) -> Step:
    step: Step = {"do": "submit", "selector": selector, "status": status}
    if url:
        step["url"] = url
    if save:
        step["save"] = save
    return _named(step, name)


def see(text: str, selector: Optional[str] = None, absent: bool = False, name: Optional[str] = None) -> Step:
    step: Step = {"do": "see", "text": text, "absent": absent}
    if selector:
        step["selector"] = selector
    return _named(step, name)


def count(selector: str, equals: int, name: Optional[str] = None) -> Step:
    return _named({"do": "count", "selector": selector, "equals": equals}, name)


def save(name: str, selector: str, attr: str = "text", strip: Optional[str] = None) -> Step:
    step: Step = {"do": "save", "name": name, "selector": selector, "attr": attr}
    if strip:
        step["strip"] = strip
    return step


def back(name: Optional[str] = None) -> Step:
    """The browser's Back button."""
    return _named({"do": "back"}, name)


def noscript(script: str) -> Step:
    """From now on static/js/<script> is served empty: the page's forms alone are used."""
    return {"do": "noscript", "script": script}


def evaluate(script: str, equals: Any = None, save: Optional[str] = None, name: Optional[str] = None) -> Step:
    """Run a JavaScript expression in the page (a promise is awaited): fails
    unless its value equals `equals` (compared as JSON) when given."""
    step: Step = {"do": "evaluate", "script": script}
    if equals is not None:
        step["equals"] = equals
    if save:
        step["save"] = save
    return _named(step, name)


def pdf(max_pages: Optional[int] = None, save: Optional[str] = None, file: Optional[str] = None,
        name: Optional[str] = None) -> Step:
    """Print the page to an A4 PDF in Chromium; fails if it has more than `max_pages` pages."""
    step: Step = {"do": "pdf"}
    if max_pages is not None:
        step["max"] = max_pages
    if save:
        step["save"] = save
    if file:
        step["file"] = file
    return _named(step, name)


def axe(label: str, lang: str = "fr") -> Step:
    return {"do": "axe", "label": label, "lang": lang}


def _named(step: Step, name: Optional[str]) -> Step:
    if name:
        step["name"] = name
    return step


def run_script(run_browser, steps: list[Step], widths: tuple[int, ...] = (360, 1280)) -> dict:
    """One Chromium launch running `steps`; fails the test on any failed step."""
    result = run_browser({"flow": "script", "steps": steps, "widths": list(widths)})
    failed = [f"{s['name']}: {s['detail']}" for s in result["steps"] if not s["ok"]]
    assert not failed, "\n".join(failed)
    assert result["completed"], f"the script stopped early: {[s['name'] for s in result['steps']]}"
    axe_checks = sum(1 for step in steps if step["do"] == "axe")
    axe_passed = sum(1 for s in result["steps"] if s["name"].endswith("axe finds no WCAG 2.1 A/AA violation"))
    assert axe_passed == axe_checks * len(widths), "some axe checks did not run"
    return result


def viewport(width: int, height: int) -> Step:
    """The browser window's size from now on (an "axe" step puts it back to the phone's)."""
    return {"do": "viewport", "width": width, "height": height}


def screenshot(file: str) -> Step:
    """The window as it looks now, saved at `file` (from the repository's root)."""
    return {"do": "screenshot", "file": file}

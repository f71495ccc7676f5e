"""The files in deploy/ that the nginx test does not start (systemd's timers,
the environment file): each names what exists. Reads files only, so it runs in
the SQLite pass (`static`); tests/deploy/test_nginx.py runs the site and the
processes in the PostgreSQL pass."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from labo.cli import labo_cli

pytestmark = pytest.mark.static

ROOT = Path(__file__).resolve().parent.parent.parent
SYSTEMD = ROOT / "deploy" / "systemd"


def directives(unit: Path, name: str) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.read_text().splitlines() if line.startswith(name + "=")]


def test_each_process_is_one_gevent_worker_on_the_port_named_by_the_instance():
    (command,) = directives(SYSTEMD / "labo@.service", "ExecStart")
    argv = shlex.split(command)
    assert argv[0] == "/srv/labo/app/.venv/bin/gunicorn" and argv[-1] == "wsgi:app"
    options = dict(zip(argv[1:-1:2], argv[2:-1:2]))
    assert (options["-k"], options["-w"], options["-b"]) == ("gevent", "1", "127.0.0.1:%i")
    assert directives(SYSTEMD / "labo@.service", "EnvironmentFile") == ["/etc/labo.env"]


def test_every_periodic_command_exists_and_has_its_timer():
    commands = {}
    for service in sorted(SYSTEMD.glob("labo-*.service")):
        timer = service.with_suffix(".timer")
        assert timer.exists(), f"{service.name} has no {timer.name}"
        assert directives(timer, "OnCalendar") and directives(timer, "Persistent") == ["true"], timer.name
        assert directives(service, "Type") == ["oneshot"] and directives(service, "User") == ["labo"], service.name
        (command,) = directives(service, "ExecStart")
        found = re.search(r"/srv/labo/app/\.venv/bin/flask --app wsgi labo ([a-z-]+)", command)
        assert found, f"{service.name} runs no `flask labo` command: {command}"
        commands[found.group(1)] = service.name
    assert set(commands) <= set(labo_cli.commands), set(commands) - set(labo_cli.commands)
    # The README's periodic jobs: the tick (reminders, and the daily purge and partners'
    # reminders it runs itself), the backup. Nothing runs the purge a second time.
    assert set(commands) == {"tick", "backup"}, commands


def test_the_tick_runs_every_five_minutes_and_covers_the_daily_commands():
    assert directives(SYSTEMD / "labo-tick.timer", "OnCalendar") == ["*:0/5"]
    (command,) = directives(SYSTEMD / "labo-tick.service", "ExecStart")
    assert command == "/srv/labo/app/.venv/bin/flask --app wsgi labo tick"
    # The commands the old daily timers ran are still there, for whoever runs them by hand.
    assert {"tick", "purge", "remind-commitments"} <= set(labo_cli.commands)


def test_the_backup_is_named_by_its_date_in_systemds_escapes():
    (command,) = directives(SYSTEMD / "labo-backup.service", "ExecStart")
    # systemd turns %% into % and $$ into $: the shell then runs $(date +%F).
    assert "/var/backups/labo/$$(date +%%F).zip" in command


def test_the_environment_example_names_only_settings_the_app_reads():
    example = (ROOT / "deploy" / "labo.env.example").read_text()
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M)
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LABO_BASE_URL", "LABO_PROXY_COUNT"} <= set(names)
    code = "\n".join(p.read_text() for p in (ROOT / "labo").rglob("*.py"))
    unknown = [name for name in names if f'"{name}"' not in code]
    assert not unknown, f"deploy/labo.env.example sets what the app never reads: {unknown}"

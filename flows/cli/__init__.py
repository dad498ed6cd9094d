"""The ``storepulse`` command: one module per command group, each under its help panel.

Exit codes: 0 success, 1 the work failed, 2 bad usage or bad configuration. An expected failure
(bad configuration, a missing secret, a refused token, an unreachable platform) prints one
sentence; anything else prints one line too, its traceback only with ``--debug``.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from connectors.errors import ConfigError, StorepulseError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: The help panels, in the order a newcomer meets them.
LOOP = "Daily loop"
ALERTS = "Alerts & delivery"
DATA = "Data"
DEPLOY = "Deploy"
DEMO = "Demo"

console = Console()
err = Console(stderr=True)

#: Prefect's console chatter is for the Prefect UI; the CLI shows progress and a summary.
PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "storepulse",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}
DEBUG_HINT = "run again with --debug for the traceback"


class Commands(typer.Typer):
    """A typer app whose every command and group callback runs under ``handles_errors``, so no
    command can forget it."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)
        return lambda function: register(handles_errors(function))

    def callback(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().callback(*args, **kwargs)
        return lambda function: register(handles_errors(function))


app = Commands(
    help="storepulse: your store's daily numbers, checked and delivered.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def group(name: str, help: str, panel: str, **kwargs: Any) -> Commands:
    """Add a command group (``storepulse alerts …``) under its help panel, and return it."""
    commands = Commands(help=help, **kwargs)
    app.add_typer(commands, name=name, rich_help_panel=panel)
    return commands


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="storepulse.yaml (default: $STOREPULSE_CONFIG, then ./storepulse.yaml)",
        show_default=False,
    ),
]
StoreOption = Annotated[
    list[str] | None, typer.Option("--store", "-s", help="Only this store (repeatable).")
]
ResendOption = Annotated[bool, typer.Option(help="Send again what was already sent.")]


def handles_errors(command: F) -> F:
    """Turn any failure of ``command`` into one line and its documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # typer's own: usage errors print their usage and exit 2
        except Exception as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


def fail(exc: Exception) -> NoReturn:
    """Print ``exc`` as one line (after its traceback under ``--debug``) and exit."""
    if _State.debug:
        traceback.print_exception(exc, file=sys.stderr)
    expected = expected_error(exc)
    if isinstance(expected, ConfigError):
        say("configuration error", expected)
        raise typer.Exit(2) from None
    if expected is not None:
        say("error", expected)
        raise typer.Exit(1) from None
    say("unexpected error", f"{type(exc).__name__}: {exc}", hint=not _State.debug)
    raise typer.Exit(1) from None


def say(what: str, message: object, hint: bool = False) -> None:
    """One red-labelled line on stderr; a message never spans lines."""
    text = " ".join(str(message).split())
    suffix = f"; {DEBUG_HINT}" if hint else ""
    err.print(f"[red]{what}:[/red] {escape(text)}{escape(suffix)}", soft_wrap=True)


def expected_error(exc: BaseException) -> BaseException | None:
    """The storepulse error behind ``exc`` (raised ``from`` it, or a failed flow run's)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StorepulseError):
            return seen
        if _is_failed_run(seen):
            return seen  # the run's state message: the flow's one sentence
        seen = seen.__cause__
    return None


def _is_failed_run(exc: BaseException) -> bool:
    if "prefect.exceptions" not in sys.modules:  # no flow ran, so no Prefect error either
        return False
    from prefect.exceptions import CrashedRun, FailedRun

    return isinstance(exc, (FailedRun, CrashedRun))


def start_flow(flow: Callable[..., T], **parameters: Any) -> T:
    """Run ``flow`` in this process; its errors reach ``fail`` as raised, and Prefect's console
    shows no traceback of them unless ``--debug`` asks (the Prefect UI keeps them all)."""
    quiet_unless_debug()
    return flow(**parameters)


def quiet_unless_debug() -> None:
    """Keep Prefect's tracebacks off the console unless ``--debug`` asks for them."""
    if not _State.debug:
        quiet_tracebacks()


class _NoTraceback(logging.Filter):
    """Drop console records that carry a traceback, and Prefect's own reports of a failed run
    or task: the CLI states the failure in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.levelno >= logging.ERROR and record.name.startswith("prefect")
        return record.exc_info is None and not failure


def quiet_tracebacks() -> None:
    """Keep tracebacks off Prefect's console handlers (once per handler)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for logger in (logging.getLogger(), logging.getLogger("prefect")):
        for handler in logger.handlers:
            quiet = any(isinstance(f, _NoTraceback) for f in handler.filters)
            if isinstance(handler, PrefectConsoleHandler) and not quiet:
                handler.addFilter(_NoTraceback())


def usage_error(message: str, option: str) -> typer.BadParameter:
    """A bad value for ``option``: typer prints "Invalid value for '<option>': …", exit 2."""
    return typer.BadParameter(message, param_hint=f"'{option}'")


class _State:
    debug = False


@app.callback()
def root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of any failure, and Prefect's.")
    ] = False,
) -> None:
    """storepulse: your store's daily numbers, checked and delivered."""
    _State.debug = debug


def main() -> None:
    """Run the ``storepulse`` console script."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    app()


#: The command modules, in the order of their help panels.
MODULES = ("loop", "watch", "campaign", "alerts", "outbox", "reports", "data", "deploy", "demo")


def _register() -> None:
    """Add every group's commands to ``app`` (each module imports ``app`` from here)."""
    for module in MODULES:
        importlib.import_module(f"flows.cli.{module}")


_register()

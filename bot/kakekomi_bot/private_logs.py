"""Runs Rasa or the action server so that their logs never carry what a person wrote.

    python -m kakekomi_bot.private_logs rasa run --model ... --quiet
    python -m kakekomi_bot.private_logs rasa_sdk --actions actions --quiet

Left alone, Rasa 3.6 writes user text and sender ids when something fails: the REST
channel's `rest.message.received.failure` event carries the text, and its JSON traceback
the locals of every frame (sender id, text); the processor, action and tracker store
errors put sender ids, action server answers and store errors into their messages; runtime
warnings quote slot values and entities. Three guards, installed before Rasa or rasa_sdk is
imported, which their own logging setup does not undo:

- structlog: first in the chain, a processor keeps the event name and a few fields that
  never hold content (SAFE_FIELDS) and replaces every other value by WITHHELD; an exception
  becomes its types and where it was raised, never its message or locals. It is put back
  in front after Rasa calls `configure_structlog`.
- standard logging: a log record factory (which no handler or logging config replaces)
  keeps the logger name and level of records from the modules that handle conversations
  (WITHHELD_LOGGERS) and replaces their message; every record's exception is reduced to
  its types and where it was raised.
- warnings: shown as category and place only.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import structlog

from kakekomi_bot import schema_cache

WITHHELD = "[withheld]"
WITHHELD_MESSAGE = "log message withheld: it may carry what a person wrote"

# structlog fields whose values are names chosen by Rasa or by us, never content.
SAFE_FIELDS = frozenset(
    {"event", "event_info", "event_key", "level", "log_level", "timestamp", "error"}
)

# Loggers of the code that sees conversations: their messages are replaced, their
# logger name and level stay, so that an operator still sees that something failed.
WITHHELD_LOGGERS = (
    "rasa.core",
    "rasa.server",
    "rasa.shared.core",
    "rasa.shared.nlu",
    "rasa.nlu",
    "rasa.engine",
    "rasa.utils.endpoints",
    "rasa_sdk",
    "actions",
    "sanic.access",  # the client's address
    "sanic.error",
    "aiohttp",
    "asyncio",
    "py.warnings",
)
# Server start-up and shutdown: no conversation passes through it.
KEPT_LOGGERS = ("rasa.core.run",)

PROGRAMS = {"rasa": "rasa.__main__", "rasa_sdk": "rasa_sdk.__main__"}


class Redacted(str):
    """A line that went through the structlog guard; the record factory lets it pass."""


def describe_exception(error: BaseException) -> str:
    """The exception's types (with causes) and where it was raised, without any message."""
    names: list[str] = []
    current: BaseException | None = error
    while current is not None and len(names) < 5:
        names.append(type(current).__qualname__)
        current = current.__cause__ or current.__context__
    place = ""
    traceback = error.__traceback__
    if traceback is not None:
        while traceback.tb_next is not None:
            traceback = traceback.tb_next
        code = traceback.tb_frame.f_code
        place = f" at {Path(code.co_filename).name}:{traceback.tb_lineno} in {code.co_name}"
    return " <- ".join(names) + place


def _exception_of(exc_info: Any) -> BaseException | None:
    if exc_info is True:
        return sys.exc_info()[1]
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1] if isinstance(exc_info[1], BaseException) else None
    return None


def redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: keeps SAFE_FIELDS, withholds every other value and exceptions."""
    error = _exception_of(event_dict.pop("exc_info", None))
    event_dict.pop("exception", None)
    event_dict.pop("stack_info", None)
    for key in list(event_dict):
        if key not in SAFE_FIELDS:
            event_dict[key] = WITHHELD
    if error is not None:
        event_dict["error"] = describe_exception(error)
    return event_dict


def mark_redacted(_logger: Any, _method: str, rendered: Any) -> Any:
    """structlog processor after the renderer: tags the line for the record factory."""
    return Redacted(rendered) if isinstance(rendered, str) else rendered


def protect_structlog() -> None:
    """Puts redact_event first and mark_redacted last in the current structlog chain."""
    processors = [
        processor
        for processor in structlog.get_config()["processors"]
        if processor not in (redact_event, mark_redacted)
    ]
    structlog.configure(processors=[redact_event, *processors, mark_redacted])


def _withheld(name: str) -> bool:
    def under(prefixes: Sequence[str]) -> bool:
        return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)

    return under(WITHHELD_LOGGERS) and not under(KEPT_LOGGERS)


def withhold_content(record: logging.LogRecord) -> logging.LogRecord:
    """Replaces the message of WITHHELD_LOGGERS and every exception by their safe outline."""
    if isinstance(record.msg, Redacted):
        return record
    error = _exception_of(record.exc_info)
    record.exc_info = None
    record.exc_text = None
    summary = f" [{describe_exception(error)}]" if error is not None else ""
    if _withheld(record.name):
        record.msg = WITHHELD_MESSAGE + summary
        record.args = ()
    elif summary:
        record.msg = f"{record.msg}{summary.replace('%', '%%') if record.args else summary}"
    return record


def install_record_factory() -> None:
    """Every log record from now on passes through withhold_content."""
    current = logging.getLogRecordFactory()
    if getattr(current, "kakekomi_private", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return withhold_content(current(*args, **kwargs))

    factory.kakekomi_private = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def show_warning_outline(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """warnings.showwarning without the message, which may quote slot values."""
    stream = file if file is not None else sys.stderr
    try:
        stream.write(f"{Path(filename).name}:{lineno}: {category.__name__} (message withheld)\n")
    except (OSError, ValueError):
        pass


def install() -> None:
    """Installs the three guards in this process."""
    install_record_factory()
    protect_structlog()
    warnings.showwarning = show_warning_outline


def _guard_rasa_structlog_setup(rasa_main: Any) -> None:
    """Rasa's main() configures structlog anew; put the guard back in front right after."""
    configure: Callable[..., None] = rasa_main.configure_structlog

    def configure_then_protect(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        protect_structlog()

    rasa_main.configure_structlog = configure_then_protect


def main(argv: Sequence[str] | None = None) -> None:
    """Runs `rasa ...` or `rasa_sdk ...` with the guards installed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in PROGRAMS:
        sys.exit("usage: python -m kakekomi_bot.private_logs {rasa|rasa_sdk} [arguments]")
    install()
    program = __import__(PROGRAMS[args[0]], fromlist=["main"])
    if args[0] == "rasa":
        _guard_rasa_structlog_setup(program)
        schema_cache.install()  # not a log guard: a speed-up, in the same launcher
    sys.argv = [args[0], *args[1:]]
    program.main()


if __name__ == "__main__":
    main()

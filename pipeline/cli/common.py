"""What every command of the ``meetx`` command line shares: stderr, logging, settings, errors.

Imports nothing of ``cli``; every other module of ``cli`` may import it.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import MeetxError

err = Console(stderr=True)

Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="output directory [output]")]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the embedded server is stopped and nothing half-written."""
    signal.signal(signal.SIGTERM, _interrupt)


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    if verbose < 2:  # instructor logs every failed attempt at ERROR; we report them ourselves
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


def quiet_ray(verbose: int) -> None:
    """Ray Data logs its plans, banners and hints on stderr; meetx shows its own progress.

    Its loggers are set up when ``ray.data`` is first imported, so it is imported here first.
    With -vv they speak again. Nothing happens without Ray (the run then says what to install).
    """
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return
    logging.getLogger("ray.data").setLevel(logging.DEBUG if verbose >= 2 else logging.ERROR)


def settings(**flags: Any) -> Settings:
    """The settings of this run: the environment, and the flags given (they win)."""
    return Settings.from_env(os.environ, **flags)


def fail(exc: MeetxError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(2)

"""Log levels chosen from -v and LOG_LEVEL; libraries' progress bars silenced unless DEBUG is asked for."""

import io
import logging
import warnings

import transformers.utils.logging
from tqdm.auto import tqdm

from bot.logs import command_log_level, configure_logging
from bot.settings import load_settings


def test_commands_log_at_warning_unless_v_or_log_level_asks_for_more(monkeypatch):
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    unset = load_settings()
    assert [command_log_level(unset, v, service=False) for v in (0, 1, 2, 3)] == ["WARNING", "INFO", "DEBUG", "DEBUG"]
    assert command_log_level(unset, 0, service=True) == "INFO"  # serve and worker: LOG_LEVEL's default
    assert command_log_level(load_settings(log_level="DEBUG"), 0, service=False) == "DEBUG"
    assert command_log_level(load_settings(log_level="ERROR"), 1, service=False) == "INFO"  # the more detailed wins


def _bar_output() -> str:
    out = io.StringIO()
    for _ in tqdm(range(3), desc="Loading weights", file=out):
        pass
    return out.getvalue()


def test_library_progress_bars_are_silenced_below_debug():
    try:
        configure_logging(load_settings(), stream=io.StringIO(), level="WARNING")
        assert _bar_output() == ""
        configure_logging(load_settings(), stream=io.StringIO(), level="DEBUG")
        assert "Loading weights" in _bar_output()
    finally:
        configure_logging(load_settings(log_level="WARNING"), stream=io.StringIO())


def test_library_warnings_show_only_when_more_is_asked_for():
    # transformers, once imported, logs through a handler and level of its own: docbot takes them back.
    for level, shown in (("WARNING", False), ("INFO", True)):
        stream = io.StringIO()
        try:
            with warnings.catch_warnings():  # pytest records warnings; here they go where docbot sends them
                warnings.simplefilter("always")
                configure_logging(load_settings(), stream=stream, level=level)
                transformers.utils.logging.get_logger("transformers.generation").warning("generation flags are not valid")
                warnings.warn("a library's advice", UserWarning)
                logging.getLogger("bot.anything").warning("docbot's own warning")
        finally:
            logging.captureWarnings(False)
            configure_logging(load_settings(log_level="WARNING"), stream=io.StringIO())
            logging.captureWarnings(False)
        assert "docbot's own warning" in stream.getvalue()
        assert ("generation flags are not valid" in stream.getvalue()) is shown
        assert ("a library's advice" in stream.getvalue()) is shown

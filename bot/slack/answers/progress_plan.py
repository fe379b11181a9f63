"""The plan a streamed answer shows while it is worked on: three tasks, as Slack's stream chunks.

    Searching the default collection → Reading 3 sources (their titles, linked) → Writing and checking

A task is `pending` until its step begins, `in_progress` while it runs, `complete` after. Only what changed
is sent, so each call carries a few small chunks. Slack shows task details and output up to 256 characters.
"""

from collections.abc import Sequence
from typing import Any

from bot.answering.types import Citation
from bot.slack.common import texts

SEARCH, READ, CHECK = "search", "read", "check"
TASK_TEXT_LIMIT = 256  # characters of a task's details or output
TASK_SOURCES = 5  # links under the reading task


class ProgressPlan:
    def __init__(self, collections: Sequence[str]) -> None:
        self.tasks: dict[str, dict[str, Any]] = {
            SEARCH: _task(SEARCH, _clip(texts.TASK_SEARCH.format(collections=_collections(collections))), "in_progress"),
            READ: _task(READ, texts.TASK_READ, "pending"),
            CHECK: _task(CHECK, texts.TASK_CHECK, "pending"),
        }

    def everything(self) -> list[dict[str, Any]]:
        """The plan as it stands: its title and every task (a new message of the answer starts with it)."""
        return [{"type": "plan_update", "title": texts.PLAN_TITLE}, *self.tasks.values()]

    def reading(self, sources: Sequence[Citation]) -> list[dict[str, Any]]:
        """The search is done; the sources it found are being read."""
        titles = "; ".join(dict.fromkeys(c.title or c.source for c in sources))
        links = [{"type": "url", "url": c.url, "text": _clip(c.title or c.url, 150)} for c in sources if c.url and c.url.startswith(("http://", "https://"))]
        title = texts.TASK_READ_ONE if len(sources) == 1 else texts.TASK_READ_MANY.format(count=len(sources))
        read = _task(READ, title, "in_progress")
        if titles:
            read["details"] = _clip(titles)
        if links:
            read["sources"] = links[:TASK_SOURCES]
        return self._change(self._done(SEARCH), read)

    def checking(self) -> list[dict[str, Any]]:
        return self._change(self._done(READ), {**self.tasks[CHECK], "status": "in_progress"})

    def finished(self, *, abstained: bool) -> list[dict[str, Any]]:
        """Every task ends complete; after an abstention those that never began say why they weren't needed."""
        changes = []
        for name, task in self.tasks.items():
            if task["status"] == "complete":
                continue
            if abstained and task["status"] == "pending":
                changes.append({**task, "status": "complete", "output": texts.TASK_NOT_NEEDED})
            elif abstained and name == SEARCH:
                changes.append({**task, "status": "complete", "output": texts.TASK_NOTHING_FOUND})
            else:
                changes.append(self._done(name))
        return self._change(*changes)

    def failed(self) -> list[dict[str, Any]]:
        return self._change(*({**t, "status": "error"} for t in self.tasks.values() if t["status"] == "in_progress"))

    def _done(self, name: str) -> dict[str, Any]:
        return {**self.tasks[name], "status": "complete"}

    def _change(self, *tasks: dict[str, Any]) -> list[dict[str, Any]]:
        changed = []
        for task in tasks:
            if task != self.tasks[task["id"]]:
                self.tasks[task["id"]] = task
                changed.append(task)
        return changed


def _task(task_id: str, title: str, status: str) -> dict[str, Any]:
    return {"type": "task_update", "id": task_id, "title": title, "status": status}


def _collections(names: Sequence[str]) -> str:
    if len(names) == 1:
        return texts.TASK_SEARCH_ONE.format(name=names[0])
    return texts.TASK_SEARCH_MANY.format(names=", ".join(names))


def _clip(text: str, limit: int = TASK_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

"""Answer formats: what a task asks the model to answer, and how a non-code answer becomes a page.

Most tasks are answered with code (an HTML page, read by the env's action grammar,
`v2c.envs.actions`). Template families such as `pick` are answered with a few words that fill a
fixed page. A task names its format in `metadata["answer_format"]` (default `code`); a new format
is one entry in `FORMATS`. The env layer combines a format with the action grammar
(`v2c.envs.actions.parse_answer`, `page_for_answer`), so every entry point — `gym.make`, the TRL
rewards and tool env, `v2c eval` — reads answers the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from v2c.render import Page

from . import pick
from .task import Task


@dataclass(frozen=True)
class AnswerFormat:
    """How answers of one kind become pages, and what the model is told to answer."""

    page: Callable[[str, Task], Page | None] | None = None
    """The page a non-code answer stands for (None from it: nothing usable); None: answers are code."""
    instructions: Callable[[Task], str] | None = None
    """Replaces the code-writing instructions of the prompt; None keeps them."""


FORMATS: dict[str, AnswerFormat] = {
    "code": AnswerFormat(),
    pick.ANSWER_FORMAT: AnswerFormat(page=pick.page_from_answer, instructions=pick.instructions),
}
"""Answer formats by the name a task carries in `metadata["answer_format"]`."""


def answer_format(task: Task) -> AnswerFormat:
    name = str(task.metadata.get("answer_format", "code"))
    if name not in FORMATS:
        raise ValueError(f"task {task.id}: unknown answer format {name!r}; expected one of {', '.join(FORMATS)}")
    return FORMATS[name]


def answer_page(task: Task, text: str) -> Page | None:
    """The page a template answer stands for on `task`; None for code tasks or an answer without its slots."""
    fmt = answer_format(task)
    return fmt.page(text, task) if fmt.page is not None else None


def instructions_for(task: Task) -> str | None:
    """What the model is told to answer on `task` (None: the default code-writing instructions)."""
    fmt = answer_format(task)
    return fmt.instructions(task) if fmt.instructions else None


__all__ = ["FORMATS", "AnswerFormat", "answer_format", "instructions_for", "answer_page"]

"""From a model's answer to a page: the one place that knows each task's answer format.

Most tasks are answered with code (an HTML page, in a fence or bare: `v2c.envs.actions.parse_action`).
Template families such as `pick` are answered with a few words that fill a fixed page. Reward
functions, the multi-turn tool env and `v2c eval` all go through `page_for_answer` / `to_action`,
so a new answer format is one entry in `FORMATS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from v2c.envs.actions import Code, Invalid, parse_action
from v2c.envs.tasks.task import Task
from v2c.render import Page

from . import pick_tasks


@dataclass(frozen=True)
class AnswerFormat:
    """How answers of one kind become pages, and what the model is told to answer."""

    page: Callable[[str, Task], Page | None]
    """The page an answer stands for (None: no page could be read from it)."""
    instructions: Callable[[Task], str] | None = None
    """Replaces the code-writing instructions of the prompt; None keeps them."""


def _code_page(text: str, task: Task) -> Page | None:
    action = parse_action(text)
    return Page(html=action.html) if isinstance(action, Code) else None


FORMATS: dict[str, AnswerFormat] = {
    "code": AnswerFormat(page=_code_page),
    pick_tasks.ANSWER_FORMAT: AnswerFormat(page=pick_tasks.page_from_answer, instructions=pick_tasks.instructions),
}
"""Answer formats by the name a task carries in `metadata["answer_format"]` (default `code`)."""


def answer_format(task: Task) -> AnswerFormat:
    name = str(task.metadata.get("answer_format", "code"))
    if name not in FORMATS:
        raise ValueError(f"task {task.id}: unknown answer format {name!r}; expected one of {', '.join(FORMATS)}")
    return FORMATS[name]


def completion_text(completion: Any) -> str:
    """The text of a TRL completion: a string, or a list of chat messages (the assistant turns joined)."""
    if isinstance(completion, str):
        return completion
    parts = []
    for message in completion or []:
        if message.get("role", "assistant") != "assistant":
            continue
        content = message.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text") or "" for p in content if isinstance(p, dict))
        parts.append(content)
    return "\n".join(parts)


def page_for_answer(task: Task, text: str) -> Page | None:
    """The page `text` stands for on `task`, or None when nothing usable is in it.

    HTML is a page on every task (an oracle or a model may write the page itself); otherwise the
    task's answer format reads the text (a template fills its slots).
    """
    code = _code_page(text, task)
    if code is not None:
        return code
    return answer_format(task).page(text, task)


def to_action(task: Task, text: str) -> str:
    """An env action for `text`: anything the env's grammar reads (code, clip request, patch, finish) passes
    through; a template answer becomes its page's HTML; the rest stays as it is (the env explains)."""
    if not isinstance(parse_action(text), Invalid):
        return text
    page = answer_format(task).page(text, task)
    return text if page is None else page.html


def instructions_for(task: Task) -> str | None:
    fmt = answer_format(task)
    return fmt.instructions(task) if fmt.instructions else None

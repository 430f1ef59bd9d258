"""What crosses the wire: the action string the Gymnasium env takes, and a JSON-ready observation."""
from __future__ import annotations

from openenv.core.env_server.types import Action, Observation
from pydantic import Field

from v2c.envs.video_to_code import MAX_ACTION_CHARS


class V2CAction(Action):
    """One action of `VideoToCodeEnv`: an HTML page, a patch, a clip request or `finish`, as text."""

    text: str = Field(..., max_length=MAX_ACTION_CHARS, description="The action string the Gymnasium env takes")


class V2CObservation(Observation):
    """What the agent sees after `reset` or a step."""

    feedback: str = Field(default="", description="The env's feedback, in words")
    scores: dict[str, float | None] = Field(default_factory=dict, description="Score name -> value of the last render")
    total: float | None = Field(default=None, description="The last render's total (None before any code)")
    frames: list[str] = Field(default_factory=list, description="A few frames, base64 JPEG: the reference after "
                                                              "reset, the candidate after code, the clip after a clip")
    step: int = Field(default=0, description="Actions taken in this episode")
    task_id: str = Field(default="", description="The episode's task")

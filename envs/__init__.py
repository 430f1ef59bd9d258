"""Tasks and the Gymnasium environment. Importing this package registers the env ids:

- `v2c/Animation-v0`: built-in procedural animations (`tasks="builtin:animations"`);
- `v2c/Interaction-v0`: built-in interactive pages with interaction scripts (`tasks="builtin:interactions"`);
- `v2c/VideoToCode-v0`: any task source (`tasks=` a spec, a dataset path or a list of `Task`s).

    import gymnasium as gym, v2c.envs
    env = gym.make("v2c/Animation-v0", reward_config=RewardConfig(), max_steps=4)
"""
from __future__ import annotations

import gymnasium as gym

_ENTRY = "v2c.envs.video_to_code:VideoToCodeEnv"

for _env_id, _tasks in (("v2c/Animation-v0", "builtin:animations"), ("v2c/Interaction-v0", "builtin:interactions"),
                        ("v2c/VideoToCode-v0", "builtin:animations")):
    if _env_id not in gym.registry:
        gym.register(id=_env_id, entry_point=_ENTRY, kwargs={"tasks": _tasks})

"""A space Gymnasium lacks: free text."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces


class Unicode(spaces.Space[str]):
    """Any Python string up to `max_length` characters.

    `gymnasium.spaces.Text` only admits a fixed charset (62 alphanumerics by default; even
    `string.printable` rejects `é`), which no model output or HTML page fits. BrowserGym and
    MiniWoB++ define the same permissive space.
    """

    def __init__(self, max_length: int = 1_000_000, seed: int | np.random.Generator | None = None) -> None:
        self.max_length = max_length
        super().__init__(shape=None, dtype=str, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        # Random printable text with code characters: what a confused policy might emit.
        length = int(self.np_random.integers(0, 64))
        codes = self.np_random.integers(32, 127, size=length)
        return "".join(map(chr, codes))

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"Unicode(max_length={self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Unicode) and other.max_length == self.max_length

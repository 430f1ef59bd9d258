"""Dynamic time warping over a precomputed cost matrix.

Both frame-level scorers align two videos in time with DTW: the appearance score over a
(T_ref × T_cand) matrix of frame distances, the temporal score over one small matrix per
pair of point tracks (thousands of pairs at once). So the recursion here is vectorised
twice: along anti-diagonals (every cell on one runs in one NumPy call, since each cell only
needs the two previous diagonals) and across any leading batch dimensions.

Step pattern: the classic symmetric one — from `(i-1, j-1)`, `(i-1, j)` or `(i, j-1)` —
each cell's cost counted once. The path runs from `(0, 0)` to the last cell (or to a
per-item end cell, for batches padded to a common size). The normalised cost divides by the
path length, or by the summed `weights` along the path when weights are given, which lets a
caller discount cells that should not count (the temporal score gives frames where nothing
moves a weight of ~0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DTWResult", "dtw", "dtw_path", "normalized_dtw"]


@dataclass(frozen=True)
class DTWResult:
    """Optimal warping path's totals; arrays carry the caller's batch shape (0-d for one matrix)."""

    cost: np.ndarray
    """Summed cost of the cells on the optimal path."""
    length: np.ndarray
    """Number of cells on the optimal path (between max(N, M) and N + M - 1)."""
    mass: np.ndarray | None = None
    """Summed `weights` of the cells on the optimal path; None when no weights were given."""

    @property
    def normalized(self) -> np.ndarray:
        """Cost per unit of path: cost / mass with weights, else cost / length (0 where mass is 0)."""
        denom = self.length if self.mass is None else self.mass
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(denom > 0, self.cost / np.where(denom > 0, denom, 1), 0.0)
        return out


def dtw(
    cost: np.ndarray,
    weights: np.ndarray | None = None,
    ends: np.ndarray | None = None,
    *,
    batch_last: bool = False,
) -> DTWResult:
    """Align along the cheapest monotone path through `cost` of shape (..., N, M).

    Args:
        cost: non-negative local costs; leading dimensions are a batch of independent
            problems. float32 input is computed in float32 (faster), anything else in float64.
        weights: optional per-cell weights, same shape, summed along the chosen path (the path
            is still chosen by `cost` alone).
        ends: optional int array (..., 2) of per-item end cells `(i, j)`, for batches of
            shorter problems padded to (N, M); padding never influences the result because a
            cell's value depends only on cells above and to its left.
        batch_last: `cost` (and `weights`) are laid out (N, M, ...) instead; the recursion
            works in that layout, so callers that can build it save a transposed copy.
    """
    cost = np.asarray(cost)
    dtype = np.float32 if cost.dtype == np.float32 else np.float64
    if cost.ndim < 2 or min(cost.shape[:2] if batch_last else cost.shape[-2:]) == 0:
        raise ValueError(f"cost must be (..., N, M) with N, M >= 1, got {cost.shape}")
    if batch_last:
        (n, m), batch_shape = cost.shape[:2], cost.shape[2:]
    else:
        (n, m), batch_shape = cost.shape[-2:], cost.shape[:-2]
    b = int(np.prod(batch_shape, dtype=np.int64))

    def batch_last_2d(x: np.ndarray) -> np.ndarray:
        # Batch on the last, contiguous axis: every NumPy call below then runs long inner loops.
        x = np.broadcast_to(np.asarray(x, dtype), cost.shape)
        return np.ascontiguousarray(x.reshape(n, m, b) if batch_last else x.reshape(b, n, m).transpose(1, 2, 0))

    c_t = batch_last_2d(cost)
    w_t = None if weights is None else batch_last_2d(weights)

    if ends is None:
        end_i, end_j = np.full(b, n - 1), np.full(b, m - 1)
    else:
        e = np.asarray(ends, dtype=np.int64).reshape(b, 2)
        end_i, end_j = e[:, 0], e[:, 1]
        if (end_i < 0).any() or (end_i >= n).any() or (end_j < 0).any() or (end_j >= m).any():
            raise ValueError("ends out of range")
    end_d = end_i + end_j

    # Only the two previous anti-diagonals are kept (a ring of three buffers). Cell i of a
    # diagonal sits in row i + 1 and row 0 stays inf, so "the cell at i - 1" is a plain slice;
    # rows off the grid are inf and never win a min. Path length and mass ride along in one
    # stacked array so each step picks both predecessors with a single pair of `where`s.
    k = 1 if w_t is None else 2
    acc = [np.full((n + 1, b), np.inf, dtype) for _ in range(3)]
    aux = [np.zeros((k, n + 1, b), dtype) for _ in range(3)]  # [length, mass]
    step_buf = np.ones((k, n, b), dtype)  # what each cell adds: 1 to the length, its weight to the mass
    out_cost, out_aux = np.empty(b, dtype), np.empty((k, b), dtype)

    for d in range(n + m - 1):
        cur, prev1, prev2 = d % 3, (d - 1) % 3, (d - 2) % 3
        lo, hi = max(0, d - m + 1), min(d, n - 1)
        i = np.arange(lo, hi + 1)
        rows = slice(lo + 1, hi + 2)
        a0 = acc[cur]
        a0.fill(np.inf)
        step = step_buf[:, : hi - lo + 1]
        if w_t is not None:
            step[1] = w_t[i, d - i]
        if d == 0:
            a0[rows] = c_t[i, d - i]
            aux[cur][:, rows] = step
        else:
            # Predecessors of (i, d - i): diagonal step = row i on d-2, up = row i on d-1,
            # left = row i + 1 on d-1 (rows are shifted by one).
            up, left = acc[prev1][lo : hi + 1], acc[prev1][lo + 1 : hi + 2]
            diag = acc[prev2][lo : hi + 1] if d >= 2 else np.full_like(up, np.inf)
            up_or_left = np.minimum(up, left)
            take_diag = diag <= up_or_left  # ties prefer the diagonal step: the shorter path
            np.add(c_t[i, d - i], np.minimum(diag, up_or_left), out=a0[rows])
            side = np.where(up <= left, aux[prev1][:, lo : hi + 1], aux[prev1][:, lo + 1 : hi + 2])
            if d >= 2:
                side = np.where(take_diag, aux[prev2][:, lo : hi + 1], side)
            np.add(side, step, out=aux[cur][:, rows])
        done = np.flatnonzero(end_d == d)
        if done.size:
            r = end_i[done] + 1
            out_cost[done] = a0[r, done]
            out_aux[:, done] = aux[cur][:, r, done]

    out_len = out_aux[0]
    out_mass = out_aux[1] if w_t is not None else None
    return DTWResult(
        cost=out_cost.reshape(batch_shape),
        length=out_len.reshape(batch_shape),
        mass=None if out_mass is None else out_mass.reshape(batch_shape),
    )


def normalized_dtw(cost: np.ndarray) -> float:
    """DTW cost of one (N, M) matrix divided by its path length: the mean cost per aligned pair."""
    return float(dtw(cost).normalized)


def dtw_path(cost: np.ndarray) -> list[tuple[int, int]]:
    """The cells (i, j) of the optimal path through one (N, M) matrix, from (0, 0) to (N-1, M-1), with
    `dtw`'s step pattern and tie rule (what widgets draw; `dtw` itself keeps only totals)."""
    cost = np.asarray(cost, np.float64)
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for d in range(n + m - 1):  # anti-diagonals: each cell needs only the two previous ones
        i = np.arange(max(0, d - m + 1), min(d, n - 1) + 1)
        j = d - i
        best = np.minimum(acc[i, j], np.minimum(acc[i, j + 1], acc[i + 1, j]))
        acc[i + 1, j + 1] = cost[i, j] + best
    path, i, j = [(n - 1, m - 1)], n - 1, m - 1
    while i > 0 or j > 0:
        diag, up, left = acc[i, j], acc[i, j + 1], acc[i + 1, j]
        if diag <= min(up, left):
            i, j = i - 1, j - 1
        elif up <= left:
            i -= 1
        else:
            j -= 1
        path.append((i, j))
    return path[::-1]

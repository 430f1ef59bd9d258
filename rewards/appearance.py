"""Appearance score: how alike two animations look, frame by frame, after aligning them in time.

(Over 400 lines: the two frame embedders — weight-free Lab/SSIM and DreamSim with its offline cache checks — and the alignment score they feed; the score is what ties them.)

Animation2Code's appearance similarity, on numpy videos:

1. each video is cropped to its own animated region and both crops are resized to one
   common size (`v2c.rewards.crop`), so page position does not matter;
2. a `FrameEmbedder` turns every frame into an embedding and gives the (T_ref × T_cand)
   matrix of frame distances, each in [0, 1];
3. the two sequences are aligned so that a candidate that shows the right frames at other times
   is not punished here (timing is the temporal score's job), by `AppearanceConfig.alignment`:
   - `nearest` (default): every frame is matched with its nearest frame of the other video, both
     ways, and the cost is the worse of the two mean distances: what the reference shows that the
     candidate never does, or what the candidate shows that the reference never does. It does not
     depend on order or rate, so a loop played 2.5× slower (1.2 cycles in the window instead of 3)
     costs only the phases it shows between the reference's samples;
   - `dtw` (Animation2Code's, and `RewardConfig.paper()`'s): dynamic time warping
     (`v2c.rewards.dtw`), monotone in time, so it cannot wrap 3 cycles of a loop onto 1.2.
     Measured on the 12 real loaders (`benchmarks/reward_validity.py`), a timing change of
     ×1.15–×2.5 moved appearance by up to 0.138 (mean 0.063) with DTW and by up to 0.076 (mean
     0.037) with `nearest`; recolour, tint, frozen and blank cost the same under both (the
     worse-direction rule keeps a frozen page's cost equal to DTW's, where the mean of the two
     directions would halve it);
4. score = 1 − that cost, clipped to [0, 1].

Backends:

- `LabSSIMEmbedder` (default, no weights; ~35 ms for a 30-frame 512×384 candidate on 2 CPU
  cores, crop included): a weighted sum of four terms, each in [0, 1]:
  colour (the share of pixels whose CIELAB colour differs, ΔE76 saturating at
  `delta_e_max`, on a thumbnail so that colour, as in human vision, is judged at low
  spatial resolution), structure (1 − SSIM on a grey thumbnail, Gaussian-weighted windows),
  contrast (SSIM's position-free contrast comparison of the whole frame per Lab channel,
  which is what ranks a blank page below a misplaced element), and palette (the ΔE between the
  ink-weighted mean colours of what each frame draws, position-free, so that a recolour costs
  in full however small the element is). Measured on the synthetic card
  (tests/test_rewards_frames.py): identical 1.0 > tint 0.96 > recolour 0.66; on 12 real CSS
  loaders (benchmarks/reward_validity.py) a 165° hue rotation costs 0.33, a 20° one 0.11, and
  timing ×1.15 / ×1.6 / ×2.5 about 0.03–0.04 (what is left is frames of a fast motion sampled at
  other phases than the reference's; the thumbnail sizes were tried smaller, 48/32 px for SSIM and
  16 px for colour, and each left more, not less).
  Against a reference whose frames depend on randomness (`ReferenceClip.depends_on_seed`: a particle
  field, confetti, fireworks) the structure term compares the two frames' windows as
  distributions of brightness and contrast instead of window by window
  (`LabSSIMEmbedder.layout_free_distances`): another random stream draws the same things elsewhere.
  Against their real-time recordings (benchmarks/recorded_fidelity.py) the 8 random pages' sources
  lost 0.08–0.17 on the positional term, as much as their wrong copies; appearance rose 0.01–0.05
  for each of them and their variants alike (a recolour still costs in full: palette and colour).
- `DreamSimEmbedder`: the paper's metric, through the `dreamsim` package, from a local
  weight cache (never downloads when offline; see its docstring).

`AppearanceMetric.prepare_reference` computes the reference's crop, resized frames and
embeddings once; `score` then only processes the candidate.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import cv2
import numpy as np

from v2c.rewards.crop import Box, CropConfig, animated_region, comparison_size, crop_and_resize
from v2c.rewards.dtw import dtw, dtw_path
from v2c.rewards.model_weights import WeightSet, downloads_disabled, ensure_torchvision_importable, torch_hub_dir

from v2c.rewards.score import CandidateClip, ReferenceClip, ScoreResult

if TYPE_CHECKING:
    from .config import RewardConfig

__all__ = [
    "FrameEmbedder",
    "LabSSIMConfig",
    "LabSSIMEmbedder",
    "DreamSimEmbedder",
    "appearance_weights",
    "dreamsim_missing_files",
    "ALIGNMENTS",
    "AppearanceConfig",
    "AppearanceReference",
    "AppearanceMetric",
    "AppearanceScore",
    "aligned_cost",
]


@runtime_checkable
class FrameEmbedder(Protocol):
    """Per-frame embeddings and the distances between two videos' embeddings.

    An embedder may also offer `layout_free_distances(a, b)`, the same without asking where things are in the
    frame (`LabSSIMEmbedder`'s): used against a reference whose frames depend on randomness. DreamSim has none: its
    embedding of a whole frame is already about what is shown more than where.
    """

    def embed(self, frames: np.ndarray) -> Any:
        """Embed cropped, resized frames (T, h, w, 3) uint8 RGB; the result is opaque to callers."""
        ...

    def distances(self, a: Any, b: Any) -> np.ndarray:
        """(T_a, T_b) float array of frame distances in [0, 1]; 0 for identical frames."""
        ...


# --------------------------------------------------------------------------- default backend


@dataclass(frozen=True)
class LabSSIMConfig:
    """Weight-free frame distance: CIELAB colour difference, grey-level SSIM and global contrast.

    Colour term:
        colour_side, delta_e_max
    Structure term:
        ssim_side, ssim_window, ssim_stride, ssim_sigma
    Contrast term:
        contrast_c
    Palette term:
        palette_ink_delta_e, palette_delta_e_max
    Mix:
        colour_weight, contrast_weight, palette_weight
    """

    colour_side: int = 32
    """Longer side of the thumbnail whose CIELAB colours are compared (area-averaged, which
    also blurs away sub-pixel offsets and anti-aliasing)."""
    delta_e_max: float = 40.0
    """ΔE76 at which a pixel counts as entirely different; ~2 is just noticeable, 40 is
    another colour. Pixels count linearly below it."""
    ssim_side: int = 64
    """Longer side of the grey thumbnail used for SSIM."""
    ssim_window: int = 8
    """SSIM window size in thumbnail pixels."""
    ssim_stride: int = 4
    """Step between SSIM windows (half the window: overlapping, and cheap)."""
    ssim_sigma: float = 1.5
    """Standard deviation of the Gaussian weighting inside a window, as in the SSIM paper."""
    contrast_c: float = 3.0
    """Stabiliser of the contrast comparison, in ΔE units (a contrast this small is ~invisible)."""
    palette_ink_delta_e: float = 10.0
    """Palette term: a thumbnail pixel counts as drawn ("ink") in proportion to its ΔE from the
    frame's background (the median of its border), fully from this ΔE on."""
    palette_delta_e_max: float = 50.0
    """ΔE between two frames' ink-weighted mean colours at which the palette term reaches 1. A
    hue rotation by 20° of the tested loaders' colours moves it by ~10–25 ΔE, by 165° by 60–100."""
    colour_weight: float = 0.3
    """Weight of the colour term."""
    contrast_weight: float = 0.2
    """Weight of the position-free contrast term."""
    palette_weight: float = 0.25
    """Weight of the position-free palette term: the colour of what is drawn, whatever its share
    of the crop. The pixel-wise colour term alone weighs a recolour by the share of the crop the
    element covers (10–30% for a loader), so a drastic recolour cost less than a 60% timing
    change on 7 of 24 real loaders (`tests/test_reward_validity_real.py`); the structure term gets the rest (0.25)."""


@dataclass(frozen=True)
class _LabSSIMEmbedding:
    lab: np.ndarray  # (T, P, 3) CIELAB thumbnail pixels
    lab_std: np.ndarray  # (T, 3) per-channel spread of the thumbnail: "how much is there to see"
    mu: np.ndarray  # (T, K) Gaussian-weighted window means of the grey thumbnail
    var: np.ndarray  # (T, K) window variances
    patches: np.ndarray  # (K, T, P) window pixels times sqrt(Gaussian weight): covariances are one matmul
    ink_colour: np.ndarray  # (T, 3) ink-weighted mean CIELAB colour of what is drawn
    ink_mass: np.ndarray  # (T,) share of the thumbnail that is ink (0: nothing drawn)


class LabSSIMEmbedder:
    """Default backend: fast, weight-free, roughly perceptual (colour, structure, contrast); distances in [0, 1]."""

    _C1 = 0.01**2  # SSIM stabilisers for intensities in [0, 1]
    _C2 = 0.03**2

    def __init__(self, config: LabSSIMConfig | None = None) -> None:
        self.config = config or LabSSIMConfig()
        g = cv2.getGaussianKernel(self.config.ssim_window, self.config.ssim_sigma)
        self._window = (g @ g.T).ravel()  # sums to 1

    def embed(self, frames: np.ndarray) -> _LabSSIMEmbedding:
        cfg = self.config
        t, h, w = frames.shape[:3]
        ch, cw = comparison_size((0, h, 0, w), cfg.colour_side)
        sh, sw = comparison_size((0, h, 0, w), cfg.ssim_side)
        sh, sw = max(sh, cfg.ssim_window), max(sw, cfg.ssim_window)
        # float64 from here on: the distances below subtract nearly equal sums (E[xy] − μxμy,
        # |a|² + |b|² − 2a·b), and in float32 that cancellation leaves ~1e-4 for identical frames,
        # with a value that depends on the CPU's BLAS kernel.
        lab = np.empty((t, ch * cw, 3), np.float64)
        grey = np.empty((t, sh, sw), np.float64)
        for k, f in enumerate(frames):
            small = cv2.resize(f, (cw, ch), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
            lab[k] = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).reshape(-1, 3)
            g = cv2.cvtColor(cv2.resize(f, (sw, sh), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
            grey[k] = g.astype(np.float32) / 255.0
        win = np.lib.stride_tricks.sliding_window_view(grey, (cfg.ssim_window, cfg.ssim_window), axis=(1, 2))
        win = win[:, :: cfg.ssim_stride, :: cfg.ssim_stride].reshape(t, -1, cfg.ssim_window**2)  # (T, K, P)
        mu = win @ self._window
        patches = np.ascontiguousarray((win * np.sqrt(self._window)).transpose(1, 0, 2))  # (K, T, P)
        # The same products as the pairwise E[xy] in `distances`, so a frame's covariance with
        # itself equals its variance.
        var = np.maximum(np.einsum("ktp,ktp->tk", patches, patches) - mu * mu, 0.0)
        ink_colour, ink_mass = self._palette(lab.reshape(t, ch, cw, 3))
        return _LabSSIMEmbedding(lab=lab, lab_std=lab.std(axis=1), mu=mu, var=var, patches=patches,
                                 ink_colour=ink_colour, ink_mass=ink_mass)

    def _palette(self, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per frame (T, h, w, 3): the ink-weighted mean colour of what differs from the background."""
        t = len(lab)
        border = np.concatenate([lab[:, 0], lab[:, -1], lab[:, :, 0], lab[:, :, -1]], axis=1)  # (T, B, 3)
        background = np.median(border, axis=1)
        flat = lab.reshape(t, -1, 3)
        ink = np.minimum(np.sqrt(((flat - background[:, None]) ** 2).sum(axis=2)) / self.config.palette_ink_delta_e, 1.0)
        mass = ink.sum(axis=1)
        colour = (ink[..., None] * flat).sum(axis=1) / np.maximum(mass, 1e-12)[:, None]
        return colour, mass / ink.shape[1]

    def distances(self, a: _LabSSIMEmbedding, b: _LabSSIMEmbedding) -> np.ndarray:
        # SSIM for every pair of frames at once: window covariances E[xy] − μxμy are one batched matmul.
        exy = np.matmul(a.patches, b.patches.transpose(0, 2, 1)).transpose(1, 2, 0)  # (Ta, Tb, K)
        mu_a, mu_b = a.mu[:, None, :], b.mu[None, :, :]
        cov = exy - mu_a * mu_b
        ssim = ((2 * mu_a * mu_b + self._C1) * (2 * cov + self._C2)) / (
            (mu_a**2 + mu_b**2 + self._C1) * (a.var[:, None, :] + b.var[None, :, :] + self._C2)
        )
        return self._mixed(a, b, np.clip(1.0 - ssim.mean(axis=2), 0.0, 1.0))

    def layout_free_distances(self, a: _LabSSIMEmbedding, b: _LabSSIMEmbedding) -> np.ndarray:
        """`distances` with a structure term that does not ask where things are: SSIM's luminance and contrast
        comparisons between the two frames' windows taken in order of brightness and of contrast (their
        distributions), without its correlation term. For a reference whose frames depend on randomness
        (`AppearanceReference.depends_on_seed`): another random stream draws the same things elsewhere. On the 8
        random pages of benchmarks/recorded_fidelity.py the positional term gave their own sources 0.83–0.92 against
        their recordings, and their frozen, slowed and recoloured copies as much (0.83–0.92); this one 0.99–1.00."""
        mu_a, mu_b = np.sort(a.mu, axis=1)[:, None, :], np.sort(b.mu, axis=1)[None, :, :]
        sd_a, sd_b = np.sort(np.sqrt(a.var), axis=1)[:, None, :], np.sort(np.sqrt(b.var), axis=1)[None, :, :]
        luminance = (2 * mu_a * mu_b + self._C1) / (mu_a**2 + mu_b**2 + self._C1)
        contrast = (2 * sd_a * sd_b + self._C2) / (sd_a**2 + sd_b**2 + self._C2)
        return self._mixed(a, b, np.clip(1.0 - (luminance * contrast).mean(axis=2), 0.0, 1.0))

    def _mixed(self, a: _LabSSIMEmbedding, b: _LabSSIMEmbedding, structure: np.ndarray) -> np.ndarray:
        """The weighted sum of the colour, contrast and palette terms and `structure`, per pair of frames."""
        cfg = self.config
        colour = self._colour(a.lab, b.lab)
        # Pixel-aligned terms rate a blank frame closer to a small object than the same object
        # drawn elsewhere; SSIM's position-free contrast comparison on the whole thumbnail (per
        # Lab channel) says that an empty frame is far from any frame with content.
        sa, sb, c = a.lab_std[:, None, :], b.lab_std[None, :, :], cfg.contrast_c**2
        contrast = 1.0 - ((2 * sa * sb + c) / (sa**2 + sb**2 + c)).mean(axis=2)
        # Differences taken directly, so identical frames are at exactly 0.
        de = np.sqrt(((a.ink_colour[:, None, :] - b.ink_colour[None, :, :]) ** 2).sum(axis=2))
        drawn_a, drawn_b = a.ink_mass[:, None] > 1e-3, b.ink_mass[None, :] > 1e-3
        palette = np.where(drawn_a & drawn_b, np.minimum(de / cfg.palette_delta_e_max, 1.0),
                           np.where(drawn_a == drawn_b, 0.0, 1.0))
        rest = 1.0 - cfg.colour_weight - cfg.contrast_weight - cfg.palette_weight
        d = cfg.colour_weight * colour + cfg.contrast_weight * contrast + cfg.palette_weight * palette + rest * structure
        return np.clip(d, 0.0, 1.0).astype(np.float64)

    def _colour(self, lab_a: np.ndarray, lab_b: np.ndarray) -> np.ndarray:
        # |a − b|² = |a|² + |b|² − 2 a·b per pixel, for every pair of frames, without a
        # (Ta, Tb, P, 3) temporary; rows in blocks so long videos stay within a few MB.
        sq_a = (lab_a**2).sum(axis=2)
        sq_b = (lab_b**2).sum(axis=2)
        out = np.empty((len(lab_a), len(lab_b)), np.float64)
        block = max(1, 2**20 // max(1, len(lab_b) * lab_a.shape[1]))
        for s in range(0, len(lab_a), block):
            cross = np.einsum("ipc,jpc->ijp", lab_a[s : s + block], lab_b, optimize=True)
            de = np.sqrt(np.maximum(sq_a[s : s + block, None, :] + sq_b[None, :, :] - 2.0 * cross, 0.0))
            out[s : s + block] = np.minimum(de / self.config.delta_e_max, 1.0).mean(axis=2)
        return out


# --------------------------------------------------------------------------- DreamSim backend

# Files each variant's cache must hold, from dreamsim 0.2.1's `download_weights` (the release
# zip's contents) plus what its torch.hub calls fetch. Entries ending in "/" are folders.
_DREAMSIM_FILES: dict[str, list[str]] = {
    "ensemble": [
        "dino_vitb16_pretrain.pth",
        "open_clip_vitb16_pretrain.pth.tar",
        "clip_vitb16_pretrain.pth.tar",
        "ensemble_lora/",
    ],
    "dino_vitb16": ["dino_vitb16_pretrain.pth", "dino_vitb16_single_lora/"],
    "dinov2_vitb14": ["dinov2_vitb14_pretrain.pth", "dinov2_vitb14_single_lora/"],
    "open_clip_vitb32": ["open_clip_vitb32_pretrain.pth.tar", "open_clip_vitb32_single_lora/"],
    "clip_vitb32": ["clip_vitb32_pretrain.pth.tar", "clip_vitb32_single_lora/"],
    "synclr_vitb16": ["synclr_vit_b_16.pth", "synclr_vitb16_single_lora/"],
}
_DREAMSIM_HUB_FILES: dict[str, list[str]] = {
    # dreamsim builds DINO's ViT with torch.hub.load('facebookresearch/dino:main', ...) after
    # torch.hub.set_dir(cache_dir): the repo and DINO's own checkpoint land in the cache too.
    "ensemble": ["facebookresearch_dino_main/hubconf.py", "checkpoints/dino_vitbase16_pretrain.pth"],
    "dino_vitb16": ["facebookresearch_dino_main/hubconf.py", "checkpoints/dino_vitbase16_pretrain.pth"],
    "dinov2_vitb14": ["facebookresearch_dinov2_main/hubconf.py", "checkpoints/dinov2_vitb14_pretrain.pth"],
}
_DREAMSIM_RELEASE = {
    "ensemble": "v0.2.0-checkpoints",
    "dino_vitb16": "v0.2.0-checkpoints",
    "clip_vitb32": "v0.2.0-checkpoints",
    "open_clip_vitb32": "v0.2.0-checkpoints",
    "dinov2_vitb14": "v0.2.1-checkpoints",
    "synclr_vitb16": "v0.2.1-checkpoints",
}


def appearance_weights(config: "RewardConfig") -> list[WeightSet]:
    """The DreamSim variant the `dreamsim` backend loads (nothing for `labssim`)."""
    if config.backend("appearance", "labssim") != "dreamsim":
        return []
    variant, cache_dir = config.score_options("appearance").dreamsim_variant, Path(config.model_cache_dir).expanduser()

    def download() -> None:
        DreamSimEmbedder(variant, cache_dir=cache_dir, offline=False).embed(np.zeros((1, 224, 224, 3), np.uint8))

    return [WeightSet(f"DreamSim ({variant})", cache_dir, tuple(dreamsim_missing_files(cache_dir, variant)), download)]


def dreamsim_missing_files(cache_dir: str | os.PathLike, variant: str = "ensemble") -> list[str]:
    """Paths (relative to `cache_dir`) that DreamSim `variant` needs and the cache lacks."""
    if variant not in _DREAMSIM_FILES:
        raise ValueError(f"unknown DreamSim variant {variant!r}; one of {sorted(_DREAMSIM_FILES)}")
    root = Path(cache_dir)
    missing = []
    for rel in _DREAMSIM_FILES[variant] + _DREAMSIM_HUB_FILES.get(variant, []):
        p = root / rel
        ok = (p.is_dir() and (p / "adapter_config.json").is_file()) if rel.endswith("/") else p.is_file()
        if not ok:
            missing.append(rel)
    return missing


def _dreamsim_help(cache_dir: Path, variant: str, missing: list[str]) -> str:
    release = f"https://github.com/ssundaram21/dreamsim/releases/download/{_DREAMSIM_RELEASE[variant]}"
    url = f"{release}/dreamsim_{variant}_checkpoint.zip"
    lines = [
        f"DreamSim weights for variant {variant!r} are not in cache_dir {str(cache_dir)!r}, and downloads are off "
        "(offline=True, or HF_HUB_OFFLINE=1 in the environment).",
        f"Missing: {', '.join(missing)}.",
        f"Expected layout: {', '.join(_DREAMSIM_FILES[variant] + _DREAMSIM_HUB_FILES.get(variant, []))}.",
        f"To fill it, on a machine with internet: download {url} and unzip it into {cache_dir}",
    ]
    if variant in _DREAMSIM_HUB_FILES:
        repo = "facebookresearch/dino:main" if "dinov2" not in variant else "facebookresearch/dinov2"
        model = "dino_vitb16" if "dinov2" not in variant else "dinov2_vitb14"
        lines.append(
            f"and run `torch.hub.set_dir({str(cache_dir)!r}); torch.hub.load({repo!r}, {model!r})` once for the "
            "torch.hub repo and its checkpoint"
        )
    lines.append(
        "(or construct DreamSimEmbedder(..., offline=False) where the internet is reachable and dreamsim downloads "
        "them itself). 'clip_vitb32' and 'open_clip_vitb32' need no torch.hub files."
    )
    return "\n".join(lines)


class DreamSimEmbedder:
    """DreamSim (Fu et al. 2023) frame embeddings; distance = 1 − cosine, clipped to [0, 1].

    Weights come from `cache_dir` in dreamsim's own layout (`dreamsim_missing_files` lists what
    a variant needs). When files are missing and we are offline (`offline=True`, or
    `offline=None` with HF_HUB_OFFLINE=1), the constructor raises FileNotFoundError naming the
    files and the release zip that holds them instead of letting dreamsim try a download.
    Otherwise dreamsim downloads into `cache_dir` on first use. The model loads lazily, on the
    first `embed`. torch.hub's global directory is restored after dreamsim changes it.

    Frames are resized to 224×224 (bicubic) as dreamsim's own preprocessing does; on 2 CPU
    cores the ensemble costs ~0.5 s per frame, the single-branch CLIP variants ~0.07 s.
    """

    def __init__(
        self,
        variant: str = "ensemble",
        *,
        cache_dir: str | os.PathLike,
        device: str = "cpu",
        offline: bool | None = None,
        batch_size: int = 8,
    ) -> None:
        self.variant = variant
        self.cache_dir = Path(cache_dir).expanduser().resolve()
        self.device = device
        self.batch_size = batch_size
        self.offline = downloads_disabled(offline)
        missing = dreamsim_missing_files(self.cache_dir, variant)
        if missing and self.offline:
            raise FileNotFoundError(_dreamsim_help(self.cache_dir, variant, missing))
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            ensure_torchvision_importable()
            from dreamsim import dreamsim

            self.cache_dir.mkdir(parents=True, exist_ok=True)
            with torch_hub_dir(), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                # dreamsim's own loading trips these; they say nothing about our use.
                warnings.filterwarnings("ignore", message=".*peft_config.*multiple adapters")
                warnings.filterwarnings("ignore", message=".*weight_norm.*deprecated")
                try:
                    model, _ = dreamsim(
                        pretrained=True, device=self.device, cache_dir=str(self.cache_dir), dreamsim_type=self.variant
                    )
                except OSError as e:  # URLError, HTTPError, missing files after a failed download
                    missing = dreamsim_missing_files(self.cache_dir, self.variant)
                    help_text = _dreamsim_help(self.cache_dir, self.variant, missing or ["(download failed)"])
                    raise FileNotFoundError(help_text) from e
            self._model = model
        return self._model

    def embed(self, frames: np.ndarray) -> np.ndarray:
        import torch

        model = self._load()
        out = []
        with torch.inference_mode():
            for s in range(0, len(frames), self.batch_size):
                batch = frames[s : s + self.batch_size]
                chunk = np.stack([cv2.resize(f, (224, 224), interpolation=cv2.INTER_CUBIC) for f in batch])
                x = torch.from_numpy(chunk).permute(0, 3, 1, 2).float().div_(255.0).to(self.device)
                e = model.embed(x).reshape(len(chunk), -1).float()
                out.append(torch.nn.functional.normalize(e, dim=-1).cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def distances(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.clip(1.0 - a @ b.T, 0.0, 1.0)


# --------------------------------------------------------------------------- the score


ALIGNMENTS = ("nearest", "dtw")
"""How `AppearanceConfig.alignment` may pair frames."""


@dataclass(frozen=True)
class AppearanceConfig:
    """Appearance score settings.

    Cropping:
        crop, max_side
    Sampling and alignment:
        fps, alignment
    Backend:
        dreamsim_variant
    """

    crop: CropConfig = field(default_factory=CropConfig)
    """How each video's animated region is found."""
    max_side: int = 224
    """Longer side of the common size both crops are resized to (224: what DreamSim sees)."""
    fps: float | None = None
    """Rate both videos are resampled to before embedding; None keeps the reference's rate
    (the candidate is resampled to it). Lower it to bound the cost of a slow embedder:
    DreamSim on 30 fps video embeds 30 frames per second of animation."""
    alignment: str = "nearest"
    """How frames are paired before their distances are averaged: `nearest` (each frame with its nearest in
    the other video, both ways; the worse direction counts) or `dtw` (Animation2Code's monotone warp, which
    charges a loop played at another speed up to 0.14 on real loaders). See the module docstring for what
    each measures and the figures that chose `nearest`."""
    dreamsim_variant: str = "ensemble"
    """DreamSim variant of the `dreamsim` backend (ensemble, dino_vitb16, clip_vitb32, open_clip_vitb32, ...)."""

    def __post_init__(self) -> None:
        if self.alignment not in ALIGNMENTS:
            raise ValueError(f"appearance alignment must be one of {ALIGNMENTS}, got {self.alignment!r}")


@dataclass(frozen=True)
class AppearanceReference:
    """A reference video prepared once: its crop, size and embeddings are reused for every candidate."""

    box: Box
    """The reference's animated region in its own frames."""
    size: tuple[int, int]
    """(height, width) every crop is resized to for this reference."""
    fps: float
    """The reference's frame rate; candidates are resampled to it."""
    frames: np.ndarray
    """The cropped, resized reference frames (T, h, w, 3)."""
    embedding: Any
    """The embedder's output for `frames`."""
    depends_on_seed: bool | None = None
    """Whether the reference's frames depend on randomness (`ReferenceClip.depends_on_seed`): where they do and the
    embedder can compare frames without asking where things are (`LabSSIMEmbedder.layout_free_distances`), it
    does so."""



def aligned_cost(distances: np.ndarray, alignment: str) -> tuple[float, np.ndarray]:
    """(cost in [0, 1], per reference frame the mean distance to the candidate frames paired with it) of a
    (T_ref, T_cand) distance matrix under `alignment` (see `AppearanceConfig.alignment`)."""
    if alignment == "nearest":
        per_reference, per_candidate = distances.min(axis=1), distances.min(axis=0)
        return max(float(per_reference.mean()), float(per_candidate.mean())), per_reference
    sums, counts = np.zeros(distances.shape[0]), np.zeros(distances.shape[0])
    for i, j in dtw_path(distances):
        sums[i] += distances[i, j]
        counts[i] += 1
    return float(dtw(distances).normalized), sums / np.maximum(counts, 1)


class AppearanceMetric:
    """1 − the aligned cost of per-frame distances between two cropped videos, in [0, 1]."""

    def __init__(self, config: AppearanceConfig | None = None, embedder: FrameEmbedder | None = None) -> None:
        self.config = config or AppearanceConfig()
        self.embedder: FrameEmbedder = embedder or LabSSIMEmbedder()

    def prepare_reference(self, frames: np.ndarray, fps: float,
                          depends_on_seed: bool | None = None) -> AppearanceReference:
        """The reference's crop, resized frames and embeddings; `depends_on_seed`: whether its frames depend on
        randomness, when known."""
        box = animated_region(frames, self.config.crop)  # found at full rate: no motion is missed
        if self.config.fps is not None:
            frames, fps = _resample(np.asarray(frames), fps, self.config.fps), self.config.fps
        size = comparison_size(box, self.config.max_side)
        resized = crop_and_resize(frames, box, size)
        embedding = self.embedder.embed(resized)
        return AppearanceReference(box=box, size=size, fps=float(fps), frames=resized, embedding=embedding,
                                   depends_on_seed=depends_on_seed)

    def distances(
        self, reference: AppearanceReference, frames: np.ndarray, fps: float, box: Box | None = None
    ) -> np.ndarray:
        """(T_ref, T_cand) frame distances of a candidate against a prepared reference.

        `box`: the candidate's animated region when the caller already has it (the temporal
        score finds the same one), else it is computed here.
        """
        frames = np.asarray(frames)
        box = animated_region(frames, self.config.crop) if box is None else box
        frames = _resample(frames, fps, reference.fps)
        cand = self.embedder.embed(crop_and_resize(frames, box, reference.size))
        layout_free = getattr(self.embedder, "layout_free_distances", None)
        if reference.depends_on_seed and layout_free is not None:
            return layout_free(reference.embedding, cand)
        return self.embedder.distances(reference.embedding, cand)

    def score(self, reference: AppearanceReference, frames: np.ndarray, fps: float, box: Box | None = None) -> float:
        """Appearance score of a candidate video (T, H, W, 3) uint8 at `fps` against a prepared reference."""
        cost, _ = aligned_cost(self.distances(reference, frames, fps, box), self.config.alignment)
        return float(np.clip(1.0 - cost, 0.0, 1.0))


def _resample(frames: np.ndarray, fps: float, target_fps: float) -> np.ndarray:
    """Nearest-earlier-frame resampling to `target_fps`, so both videos sample time alike."""
    if abs(fps - target_fps) < 1e-6:
        return frames
    n = max(1, int(round(len(frames) * target_fps / fps)))
    idx = np.minimum(np.floor(np.arange(n) * fps / target_fps + 1e-9).astype(int), len(frames) - 1)
    return frames[idx]


# --------------------------------------------------------------------------- the reward component


class AppearanceScore:
    """`appearance` in the reward (`v2c.rewards.score.Score`): backends `labssim` (default) and `dreamsim`.

    Details: both crop boxes (y0, y1, x0, x1), the alignment, and per reference frame the mean distance to
    the candidate frames the alignment pairs with it (`aligned`) and the distance to the candidate frame
    shown at the same time (`same_time`, None past the candidate's end), and whether the structure term was
    compared without asking where things are (`layout_free`: a reference whose frames depend on randomness).
    """

    name = "appearance"
    needs_motion = False

    def __init__(self, config: "RewardConfig") -> None:
        choice, options = config.backend(self.name, "labssim"), config.score_options(self.name)
        if choice == "labssim":
            embedder: FrameEmbedder = LabSSIMEmbedder()
            self.backend = "labssim"
        elif choice == "dreamsim":
            embedder = DreamSimEmbedder(options.dreamsim_variant, cache_dir=config.model_cache_dir)
            self.backend = f"dreamsim:{options.dreamsim_variant}"
        else:
            raise ValueError(f"appearance backend must be 'labssim' or 'dreamsim', got {choice!r}")
        self.scorer = AppearanceMetric(options, embedder=embedder)

    def prepare(self, reference: ReferenceClip) -> AppearanceReference:
        return self.scorer.prepare_reference(reference.frames, reference.fps, reference.depends_on_seed)

    def score(self, prepared: AppearanceReference, candidate: CandidateClip) -> ScoreResult:
        box = candidate.animated_region(self.scorer.config.crop)
        distances = self.scorer.distances(prepared, candidate.frames, candidate.fps, box)
        cost, aligned = aligned_cost(distances, self.scorer.config.alignment)
        value = float(np.clip(1.0 - cost, 0.0, 1.0))
        same_time = [round(float(distances[i, i]), 5) if i < distances.shape[1] else None
                     for i in range(distances.shape[0])]
        return ScoreResult(value, {
            "reference_box": [int(v) for v in prepared.box], "candidate_box": [int(v) for v in box],
            "fps": prepared.fps, "alignment": self.scorer.config.alignment,
            "layout_free": bool(prepared.depends_on_seed and hasattr(self.scorer.embedder, "layout_free_distances")),
            "aligned": [round(float(v), 5) for v in aligned],
            "same_time": same_time,
        })

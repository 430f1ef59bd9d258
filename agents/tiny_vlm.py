"""A tiny Qwen3-VL built in code: the offline stand-in for a real VLM in tests, benchmarks and the demo.

`build_tiny_vlm(path)` writes a randomly initialised `Qwen3VLForConditionalGeneration` (hidden size
64, 2 text and 2 vision layers: ~0.5 M parameters, 2 MB; `family="qwen2_5_vl"` gives a Qwen2.5-VL)
with a byte-level BPE tokenizer trained here on local text, the Qwen special tokens, the real
Qwen3-VL chat template (TRL ships it; TRL recognises it for tool calling) and a processor that
resizes frames to a few vision tokens. The folder loads with `from_pretrained` like any hub
checkpoint, so every code path that takes a hub id takes it too. Nothing is downloaded; the same
arguments give the same files (seeded weights, deterministic tokenizer training).
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train", "torch", "transformers")

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SPECIAL_TOKENS: tuple[str, ...] = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
    "<|image_pad|>", "<|video_pad|>",
)
"""Qwen's special tokens, in Qwen's order (the ids differ: the vocabulary is ours)."""
TEXT_MARKERS: tuple[str, ...] = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>",
                                 "</think>")
"""Added but not special: they must survive `skip_special_tokens` so tool calls can be parsed."""

_MARKER = "tiny_vlm.json"
"""Written beside the weights with the build arguments; `build_tiny_vlm` reuses a folder whose arguments match."""


@dataclass(frozen=True)
class TinyVLMConfig:
    """Sizes of the tiny Qwen3-VL.

    Family:
        family
    Text model:
        vocab_size, hidden_size, text_layers, heads
    Vision tower:
        vision_layers, patch_size, image_pixels
    """

    family: str = "qwen3_vl"
    """`qwen3_vl` (Qwen3-VL: what TRL's tool calling recognises) or `qwen2_5_vl` (Qwen2.5-VL)."""
    vocab_size: int = 1024
    """At most this many tokens: byte-level BPE (256 bytes + merges + specials). Small on purpose: a random policy then
    hits a given word often enough for GRPO to find it (see `benchmarks/learning.py`)."""
    hidden_size: int = 64
    """Width of the text model and of the vision tower's output."""
    text_layers: int = 2
    """Decoder layers."""
    heads: int = 4
    """Attention heads (head_dim = hidden_size / heads; mrope sections are derived from it)."""
    vision_layers: int = 2
    """Vision transformer blocks."""
    patch_size: int = 16
    """Vision patch size in pixels (Qwen3-VL's own)."""
    image_pixels: tuple[int, int] = (32 * 32, 64 * 64)
    """Min and max pixels a frame is resized to: 64×64 → 4×4 patches → 4 tokens after the 2×2 merge."""

    def __post_init__(self) -> None:
        if self.family not in ("qwen3_vl", "qwen2_5_vl"):
            raise ValueError(f"family must be qwen3_vl or qwen2_5_vl, got {self.family!r}")
    seed: int = 0
    """Seed of the random initialisation."""
    corpus_extra: tuple[str, ...] = field(default=())
    """More text for the tokenizer to learn merges from (words a task wants as single tokens)."""


def tokenizer_corpus(extra: tuple[str, ...] = ()) -> list[str]:
    """Local text the BPE merges are learned from: prompts, tool calls, HTML/CSS of built-in pages, colour words."""
    from v2c.envs.tasks.pick import COLOURS, DURATIONS

    from .prompts import PROMPTS

    lines = list(PROMPTS.values())
    # Tool calls exactly as the Qwen template writes them, so JSON keys become few tokens.
    lines += [json.dumps({"name": "request_clip", "arguments": {"start": s, "end": s + 1}}) for s in range(5)]
    lines += [json.dumps({"name": "submit_code", "arguments": {"html": "<div></div>"}})]
    words = " ".join(f"{c} {d:g}" for c in COLOURS for d in DURATIONS)
    lines += [words, words.title()] * 20  # colours and durations must become single tokens (with and without a space)
    lines += [
        "<!doctype html><html><head><style>body{margin:0;background:#fafaf8}</style></head><body>"
        "<div style=\"position:absolute;left:40px;top:40px;width:80px;height:80px;background:red;"
        "animation:spin 1s linear infinite\"></div></body></html>",
        "@keyframes move { from { transform: translate(0px, 0px) rotate(0deg); opacity: 0 } to { transform: "
        "translate(120px, 40px) scale(1.5); opacity: 1 } }",
        "```html\n<!doctype html>\n```", '{"segments": [{"start": 0.5, "end": 1.5}], "fps": 10}',
    ] * 10
    return lines + list(extra)


def _train_tokenizer(cfg: TinyVLMConfig):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=cfg.vocab_size - len(SPECIAL_TOKENS) - len(TEXT_MARKERS),
                                  special_tokens=[], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    bpe.train_from_iterator(tokenizer_corpus(cfg.corpus_extra), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None,
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>",
                              "vision_bos_token": "<|vision_start|>", "vision_eos_token": "<|vision_end|>"},
        model_max_length=32768,
    )
    tokenizer.add_tokens(list(TEXT_MARKERS))
    return tokenizer


def _model_config(cfg: TinyVLMConfig, tokenizer):
    from transformers import Qwen2_5_VLConfig, Qwen3VLConfig

    head_dim = cfg.hidden_size // cfg.heads
    half = head_dim // 2  # mrope_section must sum to head_dim / 2 (temporal, height, width)
    section = [half - 2 * (half // 3), half // 3, half // 3]
    ids = {name: tokenizer.convert_tokens_to_ids(tok) for name, tok in (
        ("image_token_id", "<|image_pad|>"), ("video_token_id", "<|video_pad|>"),
        ("vision_start_token_id", "<|vision_start|>"), ("vision_end_token_id", "<|vision_end|>"))}
    if cfg.family == "qwen2_5_vl":
        return Qwen2_5_VLConfig(
            text_config={
                "vocab_size": len(tokenizer), "hidden_size": cfg.hidden_size, "intermediate_size": 2 * cfg.hidden_size,
                "num_hidden_layers": cfg.text_layers, "num_attention_heads": cfg.heads,
                "num_key_value_heads": cfg.heads, "max_position_embeddings": 8192,
                "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": section},
                "pad_token_id": tokenizer.pad_token_id, "eos_token_id": tokenizer.eos_token_id, "bos_token_id": None,
            },
            vision_config={
                "depth": cfg.vision_layers, "hidden_size": cfg.hidden_size, "intermediate_size": 2 * cfg.hidden_size,
                "num_heads": cfg.heads, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
                "out_hidden_size": cfg.hidden_size, "fullatt_block_indexes": [cfg.vision_layers - 1],
                "window_size": 56,
            },
            tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
            bos_token_id=None, **ids,
        )
    return Qwen3VLConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": cfg.hidden_size, "intermediate_size": 2 * cfg.hidden_size,
            "num_hidden_layers": cfg.text_layers, "num_attention_heads": cfg.heads, "num_key_value_heads": cfg.heads,
            "head_dim": head_dim, "max_position_embeddings": 8192,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": section,
                                "mrope_interleaved": True},
            "pad_token_id": tokenizer.pad_token_id, "eos_token_id": tokenizer.eos_token_id,
        },
        vision_config={
            "depth": cfg.vision_layers, "hidden_size": cfg.hidden_size, "intermediate_size": 2 * cfg.hidden_size,
            "num_heads": cfg.heads, "patch_size": cfg.patch_size, "spatial_merge_size": 2, "temporal_patch_size": 2,
            "out_hidden_size": cfg.hidden_size, "num_position_embeddings": 64,
            "deepstack_visual_indexes": [cfg.vision_layers - 1],
        },
        tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, **ids,
    )


def _processor(cfg: TinyVLMConfig, tokenizer):
    from transformers import Qwen2_5_VLProcessor, Qwen3VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor
    from trl.chat_template_utils import qwen2_5_vl_chat_template, qwen3_vl_chat_template

    low, high = cfg.image_pixels
    if cfg.family == "qwen2_5_vl":  # 14-pixel patches, Qwen2-VL processors
        return Qwen2_5_VLProcessor(
            image_processor=Qwen2VLImageProcessorPil(min_pixels=low, max_pixels=high),
            video_processor=Qwen2VLVideoProcessor(min_pixels=low, max_pixels=high, cap_pixels_per_frame=True),
            tokenizer=tokenizer, chat_template=qwen2_5_vl_chat_template)
    image_processor = Qwen2VLImageProcessorPil(size={"shortest_edge": low, "longest_edge": high},
                                               patch_size=cfg.patch_size, merge_size=2, temporal_patch_size=2)
    video_processor = Qwen3VLVideoProcessor(size={"shortest_edge": low, "longest_edge": high},
                                            patch_size=cfg.patch_size, merge_size=2, temporal_patch_size=2,
                                            max_video_tokens=64, min_frames=2, max_frames=64)
    return Qwen3VLProcessor(image_processor=image_processor, tokenizer=tokenizer, video_processor=video_processor,
                            chat_template=qwen3_vl_chat_template)


def build_tiny_vlm(path: str | Path, config: TinyVLMConfig | None = None, overwrite: bool = False) -> Path:
    """Write the tiny model, tokenizer and processor to `path` (reused when already built with the same config)."""
    from v2c.rewards.model_weights import ensure_torchvision_importable

    ensure_torchvision_importable()  # the video processor imports torchvision; a CUDA wheel beside CPU torch fails
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration, Qwen3VLForConditionalGeneration

    cfg = config or TinyVLMConfig()
    path = Path(path)
    recipe = json.dumps(asdict(cfg), sort_keys=True)
    marker = path / _MARKER
    if not overwrite and marker.is_file() and marker.read_text() == recipe and (path / "config.json").is_file():
        return path
    path.mkdir(parents=True, exist_ok=True)
    tokenizer = _train_tokenizer(cfg)
    torch.manual_seed(cfg.seed)
    model_cls = Qwen2_5_VLForConditionalGeneration if cfg.family == "qwen2_5_vl" else Qwen3VLForConditionalGeneration
    model = model_cls(_model_config(cfg, tokenizer)).eval()
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    _processor(cfg, tokenizer).save_pretrained(path)
    marker.write_text(recipe)
    return path


def default_tiny_vlm_dir() -> Path:
    """Where the demo and `v2c train --model tiny` keep it: `$V2C_CACHE_DIR/tiny-vlm` or `~/.cache/v2c/tiny-vlm`."""
    import os

    root = os.environ.get("V2C_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "v2c") / "tiny-vlm"


def is_tiny(name_or_path: str) -> bool:
    """`tiny`, or a folder `build_tiny_vlm` wrote."""
    return name_or_path == "tiny" or (Path(name_or_path) / _MARKER).is_file()


def resolve_model(name_or_path: str) -> str:
    """`tiny` → the tiny model (built on first use); anything else (hub id or folder) unchanged."""
    if name_or_path == "tiny":
        return str(build_tiny_vlm(default_tiny_vlm_dir()))
    return name_or_path

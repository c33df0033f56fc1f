"""Text generation for the generation page: choosing and loading a causal LM, streaming its tokens
with each step's top-k probabilities, a per-model queue, and an OpenAI-compatible backend client."""

from .models import LoadedModel, default_model_id, estimate_memory, load_model, model_choices
from .queue import MODEL_QUEUE, ModelQueue
from .run import (
    GenerationResult,
    GenerationSettings,
    PreparedPrompt,
    Step,
    generate,
    prepare_prompt,
    start_stream,
    stream_steps,
)

__all__ = [
    "GenerationResult", "GenerationSettings", "LoadedModel", "MODEL_QUEUE", "ModelQueue", "PreparedPrompt",
    "Step", "default_model_id", "estimate_memory", "generate", "load_model", "model_choices",
    "prepare_prompt", "start_stream", "stream_steps",
]

"""Exports a sentence-transformers model to ONNX (and an int8 copy) once, locally, into the model cache.

Nothing is downloaded: torch traces the model already on disk, onnxruntime quantizes the result
(`onnx_quantize`). The cache folder is keyed by a hash of the model's files and of the recipe, so a changed
model is exported again. Processes racing to export the same model each build in a private folder and the
first rename wins.
"""

import hashlib
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from bot.embeddings.onnx_embedder import OnnxEmbedder
from bot.embeddings.onnx_files import FP32_FILE, OUTPUT_NAME, RECIPE, ExportedModel, is_exported, read_manifest, write_manifest
from bot.embeddings.onnx_quantize import quantize
from bot.embeddings.torch_embedder import load_sentence_transformer
from bot.errors import ConfigError

logger = logging.getLogger(__name__)

_PROBE = ["A short sentence.", "A longer sentence, so the batch is padded and the attention mask matters."]


def exported_model(location: str, name: str, cache: Path, *, quantized: bool) -> ExportedModel:
    """The cached export of the model at `location`, made now if missing (seconds, once per model and cache)."""
    folder = cache / "onnx" / f"{_slug(name)}-{fingerprint(location)}"
    if not is_exported(folder):
        _export(location, folder)
    model = read_manifest(folder)
    if quantized and not model.model_file(True).exists():
        quantize(model.model_file(False), model.model_file(True))
    return model


def fingerprint(location: str) -> str:
    """Hash of the model folder's files (or of the model id) and of the recipe: changes when either does."""
    digest = hashlib.sha256(f"recipe={RECIPE}\0".encode())
    root = Path(location)
    if not root.is_dir():
        digest.update(location.encode())
        return digest.hexdigest()[:16]
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".") and p.suffix != ".md"):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()[:16]


def _export(location: str, folder: Path) -> None:
    # Imported here, not at the top: torch loads in seconds and is needed only on a cache miss.
    import torch

    folder.parent.mkdir(parents=True, exist_ok=True)
    logger.info("exporting embedding model to ONNX location=%s folder=%s", location, folder)
    model = load_sentence_transformer(location, model_kwargs={"attn_implementation": "eager"})
    model.eval()
    input_names = list(model.tokenizer.model_input_names)
    probe = model.tokenizer(_PROBE, padding=True, return_tensors="pt")
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder.parent))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
            torch.onnx.export(
                _traceable(model, input_names),
                tuple(probe[name] for name in input_names),
                str(work / FP32_FILE),
                dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT-style models well
                input_names=input_names,
                output_names=[OUTPUT_NAME],
                dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in input_names}, OUTPUT_NAME: {0: "batch"}},
                opset_version=17,
            )
            expected = model.encode(_PROBE, normalize_embeddings=True, convert_to_numpy=True)
        model.tokenizer.save_pretrained(str(work))
        write_manifest(work, {
            "location": location,
            "dimension": int(model.get_embedding_dimension()),
            "max_tokens": int(model.max_seq_length),
            "input_names": input_names,
            "pad_token": model.tokenizer.pad_token,
            "pad_id": int(model.tokenizer.pad_token_id),
        })
        _check_export(work, expected)
        _publish(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _traceable(model, input_names: list[str]):
    """The whole sentence-transformers module chain (transformer, pooling, normalize) as one module to trace."""
    import torch  # already loaded by `_export`, the only caller

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(dict(zip(input_names, inputs)))[OUTPUT_NAME]

    return Pipeline().eval()


def _check_export(work: Path, expected: np.ndarray) -> None:
    """A traced graph can silently bake in one input shape: refuse an export that disagrees with torch."""
    embedder = OnnxEmbedder("probe", read_manifest(work), quantized=False)
    similarity = float((embedder.embed_documents(_PROBE) * expected).sum(axis=1).min())
    if similarity < 0.9999:
        raise ConfigError(
            f"EMBEDDING_BACKEND: the ONNX export of this model disagrees with torch (cosine {similarity:.4f}); "
            "use EMBEDDING_BACKEND=torch for it"
        )


def _publish(work: Path, folder: Path) -> None:
    try:
        work.rename(folder)
    except OSError:
        if not is_exported(folder):  # not a lost race: something else is in the way
            raise


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(name).name or name)[:60]

"""Exports a sentence-transformers model to ONNX (and an int8 copy) once, locally, into the model cache.

Nothing is downloaded: torch traces the model already on disk, onnxruntime quantizes the result. The cache
folder is keyed by a hash of the model's files and of this recipe, so a changed model is exported again.
Processes racing to export the same model each build in a private folder and the first rename wins.
"""

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import ConfigError

logger = logging.getLogger(__name__)

RECIPE = "1"  # part of the cache key: bump it when the export or the quantization changes
MANIFEST = "docbot-onnx.json"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
OUTPUT_NAME = "sentence_embedding"
_PROBE = ["A short sentence.", "A longer sentence, so the batch is padded and the attention mask matters."]


@dataclass(frozen=True)
class ExportedModel:
    folder: Path
    dimension: int
    max_tokens: int
    input_names: list[str]
    pad_token: str
    pad_id: int

    @property
    def tokenizer_file(self) -> Path:
        return self.folder / "tokenizer.json"

    def model_file(self, quantized: bool) -> Path:
        return self.folder / (INT8_FILE if quantized else FP32_FILE)


def exported_model(location: str, name: str, cache: Path, *, quantized: bool) -> ExportedModel:
    """The cached export of the model at `location`, made now if missing (seconds, once per model and cache)."""
    folder = cache / "onnx" / f"{_slug(name)}-{fingerprint(location)}"
    if not (folder / MANIFEST).exists():
        _export(location, folder)
    model = _read_manifest(folder)
    if quantized and not model.model_file(True).exists():
        _quantize(model.model_file(False), model.model_file(True))
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
    import torch
    from sentence_transformers import SentenceTransformer

    folder.parent.mkdir(parents=True, exist_ok=True)
    logger.info("exporting embedding model to ONNX location=%s folder=%s", location, folder)
    try:
        model = SentenceTransformer(location, device="cpu", model_kwargs={"attn_implementation": "eager"})
    except (OSError, ValueError) as error:
        raise ConfigError(f"EMBEDDING_MODEL: cannot load sentence-transformers model {location!r}: {error}") from None
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
        manifest = {
            "recipe": RECIPE,
            "location": location,
            "dimension": int(model.get_embedding_dimension()),
            "max_tokens": int(model.max_seq_length),
            "input_names": input_names,
            "pad_token": model.tokenizer.pad_token,
            "pad_id": int(model.tokenizer.pad_token_id),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2))
        _check_export(work, expected)
        _publish(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _traceable(model, input_names: list[str]):
    """The whole sentence-transformers module chain (transformer, pooling, normalize) as one module to trace."""
    import torch

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(dict(zip(input_names, inputs)))[OUTPUT_NAME]

    return Pipeline().eval()


def _check_export(work: Path, expected: np.ndarray) -> None:
    """A traced graph can silently bake in one input shape: refuse an export that disagrees with torch."""
    from bot.embedding_onnx import OnnxEmbedder

    embedder = OnnxEmbedder("probe", _read_manifest(work), quantized=False)
    similarity = float((embedder.embed_documents(_PROBE) * expected).sum(axis=1).min())
    if similarity < 0.9999:
        raise ConfigError(
            f"EMBEDDING_BACKEND: the ONNX export of this model disagrees with torch (cosine {similarity:.4f}); "
            "use EMBEDDING_BACKEND=torch for it"
        )


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the weight matrices (per channel); activations stay float between layers."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    weights = {initializer.name for initializer in graph.initializer}
    # Attention-score MatMuls multiply two activations: there are no weights to shrink, and quantizing both
    # operands on the fly costs accuracy.
    activation_only = [n.name for n in graph.node if n.op_type == "MatMul" and not weights.intersection(n.input)]
    # The quantizer writes scratch files beside its input (`model-inferred.onnx`): processes quantizing at once
    # (workers started together) would trip over each other's, so each works on its own link to the input.
    work = Path(tempfile.mkdtemp(prefix=".quantize-", dir=target.parent))
    logger.info("quantizing embedding model to int8 file=%s", target)
    try:
        private = work / source.name
        try:
            os.link(source, private)
        except OSError:
            shutil.copyfile(source, private)
        with _quiet_root_logger():
            quantize_dynamic(
                str(private),
                str(work / target.name),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=activation_only,
                extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
            )
        os.replace(work / target.name, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _publish(work: Path, folder: Path) -> None:
    try:
        work.rename(folder)
    except OSError:
        if not (folder / MANIFEST).exists():  # not a lost race: something else is in the way
            raise


def _read_manifest(folder: Path) -> ExportedModel:
    data = json.loads((folder / MANIFEST).read_text())
    return ExportedModel(
        folder=folder,
        dimension=data["dimension"],
        max_tokens=data["max_tokens"],
        input_names=data["input_names"],
        pad_token=data["pad_token"],
        pad_id=data["pad_id"],
    )


@contextmanager
def _quiet_root_logger():
    """onnxruntime's quantizer logs advice on the root logger at WARNING; it is not for docbot's users."""
    root = logging.getLogger()
    advice = _DropOnnxruntimeAdvice()
    root.addFilter(advice)
    try:
        yield
    finally:
        root.removeFilter(advice)


class _DropOnnxruntimeAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.WARNING or "onnxruntime" not in record.pathname


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(name).name or name)[:60]

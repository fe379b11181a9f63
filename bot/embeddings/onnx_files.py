"""An exported model's folder in the cache: the ONNX graphs, the tokenizer and a manifest describing them."""

import json
from dataclasses import dataclass
from pathlib import Path

RECIPE = "1"  # part of the cache key: bump it when the export or the quantization changes
MANIFEST = "docbot-onnx.json"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
OUTPUT_NAME = "sentence_embedding"


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


def is_exported(folder: Path) -> bool:
    return (folder / MANIFEST).exists()


def write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps({"recipe": RECIPE, **manifest}, indent=2))


def read_manifest(folder: Path) -> ExportedModel:
    data = json.loads((folder / MANIFEST).read_text())
    return ExportedModel(
        folder=folder,
        dimension=data["dimension"],
        max_tokens=data["max_tokens"],
        input_names=data["input_names"],
        pad_token=data["pad_token"],
        pad_id=data["pad_id"],
    )

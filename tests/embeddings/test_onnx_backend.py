"""The ONNX backends of the bundled model against torch: same vectors (within quantization), same tokens."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.embeddings import BUNDLED_MODEL_NAME, bundled_model_path, load_embedder, onnx_export
from bot.embeddings.onnx_export import exported_model, fingerprint
from bot.settings import EmbeddingBackend, load_settings
from tests.conftest import MODEL_CACHE

TEXTS = [
    "pathlib mkdir parents exist_ok",
    "How do I create a nested folder chain without an error if it already exists?",
    "def read_config(path: Path) -> dict:\n    with path.open('rb') as f:\n        return tomllib.load(f)",
    "Ünïcödé text — with dashes, “quotes” and emoji 🚀 in it.",
    # Far past the model's 256 word pieces: both backends must truncate the same way.
    " ".join(f"word{i} and some filler text" for i in range(400)),
]


def _settings(backend: EmbeddingBackend, tmp_path: Path):
    return load_settings(docbot_home=tmp_path, docbot_model_cache=MODEL_CACHE, embedding_backend=backend)


@pytest.fixture(scope="module")
def torch_vectors(tmp_path_factory) -> np.ndarray:
    embedder = load_embedder(_settings(EmbeddingBackend.TORCH, tmp_path_factory.mktemp("home")))
    return embedder.embed_documents(TEXTS)


@pytest.mark.parametrize(
    ("backend", "least_cosine"), [(EmbeddingBackend.ONNX, 0.9999), (EmbeddingBackend.ONNX_INT8, 0.98)]
)
def test_onnx_vectors_match_torch(backend, least_cosine, torch_vectors, tmp_path):
    embedder = load_embedder(_settings(backend, tmp_path))

    vectors = embedder.embed_documents(TEXTS)

    assert vectors.shape == torch_vectors.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() > least_cosine, cosines
    # int8 scales activations per batch, so a text's vector moves slightly with its batch companions.
    assert float(embedder.embed_query(TEXTS[1]) @ vectors[1]) > least_cosine


def test_int8_drifts_most_on_a_lone_token_but_stays_close(tmp_path):
    # A one-token input's vector comes mostly from [CLS]/[SEP], where int8 rounding tells most (measured ~0.974).
    torch_embedder = load_embedder(_settings(EmbeddingBackend.TORCH, tmp_path))
    int8_embedder = load_embedder(_settings(EmbeddingBackend.ONNX_INT8, tmp_path))

    cosine = float(int8_embedder.embed_query("x") @ torch_embedder.embed_query("x"))

    assert cosine > 0.95


def test_onnx_embedder_describes_the_same_model(tmp_path):
    torch_embedder = load_embedder(_settings(EmbeddingBackend.TORCH, tmp_path))
    onnx_embedder = load_embedder(_settings(EmbeddingBackend.ONNX_INT8, tmp_path))

    assert onnx_embedder.model_name == torch_embedder.model_name == BUNDLED_MODEL_NAME
    assert (onnx_embedder.dimension, onnx_embedder.max_tokens) == (torch_embedder.dimension, torch_embedder.max_tokens)
    assert [onnx_embedder.count_tokens(t) for t in TEXTS] == [torch_embedder.count_tokens(t) for t in TEXTS]
    assert onnx_embedder.embed_documents([]).shape == (0, onnx_embedder.dimension)


def test_threads_share_one_embedder(tmp_path):
    embedder = load_embedder(_settings(EmbeddingBackend.ONNX_INT8, tmp_path))
    expected = embedder.embed_documents(TEXTS)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: (embedder.embed_documents(TEXTS), embedder.count_tokens(TEXTS[-1])), range(8)))

    for vectors, tokens in results:
        assert np.allclose(vectors, expected, atol=1e-5)
        assert tokens == embedder.count_tokens(TEXTS[-1])


def test_cached_export_is_reused_not_redone(tmp_path, monkeypatch):
    location = str(bundled_model_path())
    first = exported_model(location, BUNDLED_MODEL_NAME, MODEL_CACHE, quantized=True)

    def no_export(*args):
        raise AssertionError("exported again although the cache holds this model")

    monkeypatch.setattr(onnx_export, "_export", no_export)
    again = exported_model(location, BUNDLED_MODEL_NAME, MODEL_CACHE, quantized=True)

    assert again == first
    # The MatMul weights shrink 4x; the token-embedding table (a Gather) stays float.
    assert again.model_file(True).stat().st_size < 0.7 * again.model_file(False).stat().st_size


def test_processes_exporting_at_once_both_succeed(tmp_path):
    # Workers started together each find an empty cache: both export and quantize, neither trips the other.
    script = (
        "import sys; from pathlib import Path; from bot.embeddings import bundled_model_path;"
        "from bot.embeddings.onnx_export import exported_model;"
        "m = exported_model(str(bundled_model_path()), 'all-MiniLM-L6-v2', Path(sys.argv[1]), quantized=True);"
        "print(m.model_file(True).stat().st_size)"
    )
    command = [sys.executable, "-c", script, str(tmp_path / "cache")]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]

    assert [process.returncode for process in processes] == [0, 0], [err[-2000:] for _, err in outputs]
    sizes = {out.strip() for out, _ in outputs}
    assert len(sizes) == 1 and int(sizes.pop()) > 0
    leftovers = [p.name for p in (tmp_path / "cache" / "onnx").rglob(".*")]
    assert leftovers == []


def test_fingerprint_follows_the_model_files(tmp_path):
    (tmp_path / "config.json").write_text('{"hidden_size": 384}')
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    before = fingerprint(str(tmp_path))
    assert fingerprint(str(tmp_path)) == before

    (tmp_path / "model.safetensors").write_bytes(b"other weights")

    assert fingerprint(str(tmp_path)) != before
    assert fingerprint("sentence-transformers/all-MiniLM-L6-v2") != fingerprint("sentence-transformers/all-mpnet-base-v2")

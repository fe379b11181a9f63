"""Dynamic int8 quantization of an exported graph's weight matrices (EMBEDDING_BACKEND=onnx-int8)."""

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


def quantize(source: Path, target: Path) -> None:
    """Weight MatMuls to int8, per channel; activations stay float between layers."""
    # Imported here, not at the top: only a first onnx-int8 load quantizes; later ones read the cached file.
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

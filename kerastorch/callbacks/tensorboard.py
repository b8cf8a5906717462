"""The TensorBoard callback, written with `torch.utils.tensorboard.SummaryWriter`."""

import json
import os
import warnings

import numpy as np
import torch

from kerastorch import distribute
from kerastorch.callbacks import base

__all__ = ["TensorBoard"]

# Keras 2.2 arguments that tf.keras 2 accepts and ignores with a warning.
_IGNORED_LEGACY_KWARGS = {
    "batch_size": "`batch_size` is no longer needed in the `TensorBoard` callback and will be ignored.",
    "write_grads": "`write_grads` will be ignored: gradients are not logged by the `TensorBoard` callback.",
    "embeddings_layer_names": "`embeddings_layer_names` is not supported and will be ignored.",
    "embeddings_data": "`embeddings_data` is not supported and will be ignored.",
}


def _import_summary_writer():
    """Returns torch's SummaryWriter class, or raises ImportError saying how to get it."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise ImportError(
            "The TensorBoard callback needs the `tensorboard` package, which is not installed. "
            "Install it with `pip install tensorboard`."
        ) from error
    return SummaryWriter


class TensorBoard(base.Callback):
    """Writes TensorBoard logs: epoch (and batch) scalars, weight histograms and images.

    Files follow tf.keras 2: `log_dir/train` holds `epoch_<name>` scalars of the training logs
    and the weight histograms, `log_dir/validation` the `epoch_<name>` of the `val_` logs;
    `evaluate` adds `evaluation_<name>_vs_iterations`. Requires the `tensorboard` package.

    Args:
        log_dir: directory where the event files are written.
        histogram_freq: frequency (in epochs) of weight histograms; 0 disables them.
        write_graph: write the model's Keras JSON configuration, shown by TensorBoard's
            graph dashboard as the conceptual graph.
        write_images: write the weights as images (with the histograms).
        update_freq: 'epoch', 'batch' or an integer N: also write `batch_<name>` scalars of
            the running training logs every N batches.
        profile_batch: must be 0 (profiling is done with `torch.profiler`).
        embeddings_freq: must be 0 (embedding projections are not written).
        embeddings_metadata: unused while `embeddings_freq` is 0.
        **kwargs: Keras 2.2 arguments ignored with a warning: `batch_size`, `write_grads`,
            `embeddings_layer_names`, `embeddings_data`.
    """

    def __init__(
        self,
        log_dir="./logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
        **kwargs,
    ):
        super().__init__()
        self._writer_class = _import_summary_writer()
        unknown = sorted(set(kwargs) - set(_IGNORED_LEGACY_KWARGS))
        if unknown:
            raise TypeError(f"TensorBoard got unexpected keyword arguments {unknown}.")
        for name, value in kwargs.items():
            if value:
                warnings.warn(_IGNORED_LEGACY_KWARGS[name], UserWarning, stacklevel=2)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and not (
            isinstance(update_freq, int) and not isinstance(update_freq, bool) and update_freq > 0
        ):
            raise ValueError(
                "TensorBoard expects `update_freq` to be 'epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq!r}"
            )
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(
                f"TensorBoard expects `histogram_freq` to be a non-negative integer. Received: histogram_freq={histogram_freq!r}"
            )
        if profile_batch not in (0, None, (0, 0)):
            raise ValueError(
                "TensorBoard profiling is not available; profile with `torch.profiler` instead "
                f"and pass profile_batch=0. Received: profile_batch={profile_batch!r}"
            )
        if embeddings_freq:
            raise ValueError(
                "TensorBoard embedding projections are not available; pass embeddings_freq=0. "
                f"Received: embeddings_freq={embeddings_freq!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._train_step = 0

    # -- writers ------------------------------------------------------------------------------
    def _writer(self, kind):
        if not distribute.is_chief():
            # Data-parallel runs: only rank 0 writes event files.
            return _NULL_WRITER
        if kind not in self._writers:
            subdirectory = "train" if kind == "train" else "validation"
            self._writers[kind] = self._writer_class(log_dir=os.path.join(self.log_dir, subdirectory))
        return self._writers[kind]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- hooks --------------------------------------------------------------------------------
    def set_model(self, model):
        self.model = model
        self._close_writers()
        if self.write_graph:
            self._write_keras_model_config()

    def on_train_begin(self, logs=None):
        self._train_step = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def _implements_train_batch_hooks(self):
        return self.update_freq != "epoch"

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        # The step is the 0-based global batch index, as tf.keras 2's train counter.
        if self._train_step % self.update_freq == 0:
            writer = self._writer("train")
            for name, value in _scalars(logs):
                writer.add_scalar("batch_" + name, value, global_step=self._train_step)
        self._train_step += 1

    def on_epoch_end(self, epoch, logs=None):
        train_logs = [(name, value) for name, value in _scalars(logs) if not name.startswith("val_")]
        val_logs = [(name[4:], value) for name, value in _scalars(logs) if name.startswith("val_")]
        if train_logs:
            writer = self._writer("train")
            for name, value in train_logs:
                writer.add_scalar("epoch_" + name, value, global_step=epoch)
        if val_logs:
            writer = self._writer("validation")
            for name, value in val_logs:
                writer.add_scalar("epoch_" + name, value, global_step=epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        iterations = getattr(getattr(self.model, "optimizer", None), "iterations", None)
        if iterations is None or not logs:
            return
        step = int(iterations.item() if isinstance(iterations, torch.Tensor) else iterations)
        writer = self._writer("validation")
        for name, value in _scalars(logs):
            writer.add_scalar("evaluation_" + name + "_vs_iterations", value, global_step=step)
        writer.flush()

    # -- contents -----------------------------------------------------------------------------
    def _log_weights(self, epoch):
        if not distribute.is_chief():
            return
        writer = self._writer("train")
        for layer in getattr(self.model, "layers", []):
            for name, value in _named_layer_weights(layer):
                writer.add_histogram(name, value, global_step=epoch)
                if self.write_images:
                    image = _weight_as_image(value)
                    if image is not None:
                        writer.add_images(name, image, global_step=epoch, dataformats="NHWC")

    def _write_keras_model_config(self):
        if not distribute.is_chief():
            return
        to_json = getattr(self.model, "to_json", None)
        if to_json is None:
            return
        try:
            config = to_json()
        except Exception as error:  # a model that cannot serialise must not stop training
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}", RuntimeWarning, stacklevel=2)
            return
        writer = self._writer("train")
        summary = _keras_model_summary(config)
        if summary is None:
            writer.add_text("keras", json.dumps(json.loads(config), indent=2), global_step=0)
        else:
            writer._get_file_writer().add_summary(summary, global_step=0)


class _NullWriter:
    """Stands in for the SummaryWriter on ranks other than the chief: writes nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


_NULL_WRITER = _NullWriter()


def _scalars(logs):
    """(name, float) pairs of the scalar entries of logs."""
    pairs = []
    for name, value in (logs or {}).items():
        if name in ("batch", "size", "num_steps"):
            continue
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                continue
            value = value.item()
        if isinstance(value, np.ndarray):
            if value.size != 1:
                continue
            value = value.item()
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            pairs.append((name, float(value)))
    return pairs


def _named_layer_weights(layer):
    """(tag, Keras-layout array) for each weight of `layer`, named `layer/weight`."""
    weights = list(getattr(layer, "weights", []))
    values = None
    if hasattr(layer, "get_weights"):
        values = layer.get_weights()
        if len(values) != len(weights):
            values = None
    parameter_names = {}
    if isinstance(layer, torch.nn.Module):
        parameter_names = {id(p): n for n, p in layer.named_parameters()}
    layer_name = getattr(layer, "name", type(layer).__name__)
    named = []
    for index, weight in enumerate(weights):
        name = getattr(weight, "name", None)
        if not isinstance(name, str):
            name = f"{layer_name}/{parameter_names.get(id(weight), f'weight_{index}')}"
        value = values[index] if values is not None else weight
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        named.append((name.replace(":", "_"), np.asarray(value)))
    return named


def _weight_as_image(value):
    """The weight as a NHWC float image in [0, 1] (tf.keras 2 layout rules), or None."""
    image = np.squeeze(value)
    if image.ndim == 1:  # bias
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:  # dense kernel
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif image.ndim == 3:  # conv kernel: every output channel as its own image
        image = np.transpose(image, (2, 0, 1))
        image = image.reshape(image.shape[0], image.shape[1], image.shape[2], 1)
    if image.ndim != 4 or image.shape[-1] not in (1, 3, 4):
        return None
    image = image.astype(np.float32)
    low, high = float(image.min()), float(image.max())
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def _keras_model_summary(config):
    """A summary TensorBoard's graph dashboard reads as a Keras model (plugin graph_keras_model)."""
    try:
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.compat.proto import tensor_pb2
        from tensorboard.compat.proto import tensor_shape_pb2
        from tensorboard.compat.proto import types_pb2
    except ImportError:
        return None
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1")
    )
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        string_val=[config.encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(),
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])

"""Training data: a model's inputs, targets and sample weights standardized per input/output, checked, split."""

import numpy as np

from kerastorch import backend
from kerastorch import losses as losses_module
from kerastorch.engine import data_adapters
from kerastorch.engine import nest

# The losses whose targets Keras 2.2.4 checks to have the output's shape.
_SAME_SHAPE_LOSSES = frozenset(["mean_squared_error", "binary_crossentropy", "categorical_crossentropy"])


def make_adapter(model, x, y, sample_weight, class_weight, batch_size, shuffle, steps, for_training):
    """The data adapter for array, generator, Sequence or DataLoader input."""
    from kerastorch.engine import generator_adapters

    if generator_adapters.is_generator_like(x):
        return generator_adapters.make(
            model, x, y, sample_weight, class_weight, batch_size, shuffle, steps, for_training
        )
    xs = standardize_x(model, x)
    model._ensure_built_for(xs)
    device = model._target_device()
    ys, sws = None, None
    if y is not None:
        ys = standardize_y(model, y)
        check_targets(model, xs, ys)
        sws = standardize_sample_weights(model, sample_weight, class_weight, ys)
    elif sample_weight is not None or class_weight is not None:
        raise ValueError("sample_weight / class_weight were given without targets `y`.")
    if steps is None:
        data_adapters.num_samples_of(xs + [t for t in ys or [] if t is not None], "input and target")
    return data_adapters.ArrayAdapter(xs, ys, sws, batch_size, shuffle=shuffle, steps=steps, device=device)


def standardize_y(model, y):
    """Target tensors per output; 1-D targets become (samples, 1) as tf.keras's expand_1d does."""
    ys = []
    nested = getattr(model, "_nested_outputs", None)
    if nest.is_nested_list(nested) and isinstance(y, (list, tuple)):
        y = nest.flatten(y)  # targets nested like the model's outputs (per-cell RNN states)
    if isinstance(nested, dict) and isinstance(y, dict):
        # A model built on a dict of outputs takes targets by its keys (or by output name).
        y = _targets_by_output_name(y, sorted(nested), model.output_names)
    for value in data_adapters.standardize(y, model.output_names, "target", allow_missing=True):
        tensor = data_adapters.as_tensor(value) if value is not None else None
        if tensor is not None and tensor.dim() == 1:
            tensor = tensor.unsqueeze(-1)
        ys.append(tensor)
    return ys


def _targets_by_output_name(y, keys, names):
    """Targets keyed by a dict-output model's keys, re-keyed by output name (names and unknown keys pass)."""
    return {names[keys.index(key)] if key in keys and key not in names else key: value for key, value in y.items()}


def standardize_x(model, x):
    """Input tensors per model input, checked against the model's input shapes."""
    if x is None:
        raise ValueError("No input data `x` was given.")
    names = model.input_names
    if model._graph is None and not isinstance(x, dict):
        arrays = (
            data_adapters.to_list(x) if isinstance(x, (list, tuple)) and any(hasattr(v, "shape") for v in x) else [x]
        )
        return [data_adapters.as_tensor(a) for a in arrays]
    arrays = data_adapters.standardize(x, names, "input")
    tensors = []
    for array, tensor_spec, name in zip(arrays, model._graph.inputs if model._graph else [None] * len(arrays), names):
        tensor = data_adapters.as_tensor(array)
        if tensor_spec is not None:
            expected = tensor_spec.shape
            if tensor.dim() != len(expected) or any(
                e is not None and e != a for e, a in zip(expected[1:], tuple(tensor.shape)[1:])
            ):
                raise ValueError(
                    f"Error when checking input: expected {name} to have shape {expected[1:]} but got array "
                    f"with shape {tuple(tensor.shape)[1:]} (full shape {tuple(tensor.shape)})."
                )
            if tensor_spec.dtype.startswith("float") and not tensor.is_floating_point():
                tensor = tensor.to(backend.standardize_dtype(tensor_spec.dtype))
        tensors.append(tensor)
    return tensors


def check_targets(model, xs, ys):
    """ValueError naming both shapes when a target does not fit its output and loss (with a hint)."""
    compiled = model._compiled
    if compiled is None:
        return
    if model._graph is not None:
        output_shapes = [t.shape for t in model._graph.outputs]
    else:
        output_shapes = [None] * len(ys)
    for index, (y, shape) in enumerate(zip(ys, output_shapes)):
        if y is None or shape is None or compiled.loss_fns[index] is None:
            continue
        loss_name = losses_module.get_loss_name(compiled.loss_fns[index])
        name = model.output_names[index]
        ydim = tuple(y.shape)
        if loss_name in ("categorical_crossentropy", "CategoricalCrossentropy") and shape[-1] not in (None, 1):
            if len(ydim) == len(shape) - 1 or (len(ydim) == len(shape) and ydim[-1] == 1):
                raise ValueError(
                    f"You are passing a target array of shape {ydim} for output '{name}' (shape {shape}) while "
                    "using as loss `categorical_crossentropy`, which expects one-hot targets. Use "
                    "`sparse_categorical_crossentropy` for integer labels, or convert them with "
                    "`kerastorch.utils.to_categorical(y)`."
                )
        if loss_name in ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"):
            if len(ydim) == len(shape) and ydim[-1] not in (1,) and ydim[-1] == shape[-1] and shape[-1] != 1:
                raise ValueError(
                    f"You are passing a target array of shape {ydim} for output '{name}' (shape {shape}) while "
                    "using as loss `sparse_categorical_crossentropy`, which expects integer labels. Use "
                    "`categorical_crossentropy` for one-hot targets."
                )
            continue
        if loss_name not in _SAME_SHAPE_LOSSES:
            continue  # other losses (custom ones included) may broadcast, as in Keras 2.2.4 and tf.keras 2
        if len(ydim) != len(shape) or any(s is not None and s != d for s, d in zip(shape[1:], ydim[1:])):
            if not (
                len(ydim) == len(shape) - 1
                and shape[-1] == 1
                and all(s is None or s == d for s, d in zip(shape[1:-1], ydim[1:]))
            ):
                raise ValueError(
                    f"A target array with shape {ydim} was passed for output '{name}' of shape {shape} while "
                    f"using as loss `{loss_name}`. This loss expects targets to have the same shape as the output."
                )


def standardize_sample_weights(model, sample_weight, class_weight, ys):
    """Per-output sample weights from `sample_weight` and `class_weight` (per-output dicts allowed)."""
    names = model.output_names
    if sample_weight is not None:
        weights = data_adapters.standardize(sample_weight, names, "sample_weight", allow_missing=True)
    else:
        weights = [None] * len(names)
    if class_weight is not None:
        if isinstance(class_weight, dict) and class_weight and all(k in names for k in class_weight):
            per_output = [class_weight.get(name) for name in names]
        elif isinstance(class_weight, (list, tuple)):
            per_output = list(class_weight)
        else:
            per_output = [class_weight] * len(names)
        for index, table in enumerate(per_output):
            if table is None or ys[index] is None:
                continue
            from_classes = data_adapters.class_weight_to_sample_weight(ys[index], table)
            if weights[index] is None:
                weights[index] = from_classes
            else:
                weights[index] = data_adapters.as_tensor(weights[index]) * from_classes
    result = []
    compiled_modes = model._compiled.sample_weight_modes if model._compiled else [None] * len(names)
    for index, weight in enumerate(weights):
        if weight is None:
            result.append(None)
            continue
        tensor = data_adapters.as_tensor(weight).to(backend.standardize_dtype(None))
        if compiled_modes[index] == "temporal" and tensor.dim() not in (1, 2):
            raise ValueError(
                f"sample_weight_mode='temporal' expects sample weights of shape (samples, timesteps) for output "
                f"'{names[index]}'. Received shape {tuple(tensor.shape)}."
            )
        # As tf.keras 2, `sample_weight_mode` does not restrict the shape: 1-D weights broadcast over
        # the timesteps, and 2-D (samples, timesteps) weights work without 'temporal' too.
        result.append(tensor)
    return result if any(w is not None for w in result) else None


def split_for_validation(model, x, y, sample_weight, validation_split):
    """Keras 2: the last `validation_split` fraction of the samples, taken before shuffling."""

    def first_array(data):
        if isinstance(data, dict):
            return next(iter(data.values()))
        if isinstance(data, (list, tuple)) and data and hasattr(data[0], "shape"):
            return data[0]
        return data

    total = len(first_array(x))
    split_at = int(total * (1.0 - validation_split))
    if split_at == 0 or split_at == total:
        raise ValueError(
            f"validation_split={validation_split} leaves no training or no validation samples for {total} samples."
        )

    def cut(data, start, stop):
        if data is None:
            return None
        if isinstance(data, dict):
            return {k: cut(v, start, stop) for k, v in data.items()}
        if isinstance(data, (list, tuple)) and data and hasattr(data[0], "shape"):
            return [cut(v, start, stop) for v in data]
        if not hasattr(data, "shape"):
            data = np.asarray(data)
        return data[start:stop]

    train = (cut(x, 0, split_at), cut(y, 0, split_at), cut(sample_weight, 0, split_at))
    val = (cut(x, split_at, total), cut(y, split_at, total), cut(sample_weight, split_at, total))
    return train[0], train[1], train[2], val

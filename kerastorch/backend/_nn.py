"""Backend neural-network ops: activations, dropout, crossentropies, CTC and batch normalization."""

import warnings

import torch

from kerastorch.backend._config import dtype_name
from kerastorch.backend._config import epsilon
from kerastorch.backend._tensors import _as_tensor
from kerastorch.backend._tensors import _axes
from kerastorch.backend._tensors import random_uniform


# Activations -------------------------------------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras options.

    Args:
        x: tensor.
        alpha: slope below `threshold` (`alpha * (x - threshold)` there).
        max_value: saturation value, or None.
        threshold: values at or below it are damped.
    """
    x = _as_tensor(x)
    if alpha != 0.0 and max_value is None and threshold == 0:
        return torch.nn.functional.leaky_relu(x, negative_slope=float(alpha))
    if alpha != 0.0:
        negative_part = torch.relu(threshold - x) if threshold != 0 else torch.relu(-x)
    if threshold != 0:
        out = x * (x > threshold).to(x.dtype)
    else:
        out = torch.relu(x)
    if max_value is not None:
        out = torch.clamp(out, min=0.0, max=float(max_value))
    if alpha != 0.0:
        out = out - float(alpha) * negative_part
    return out


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for `x > 0`, else `alpha * (exp(x) - 1)`."""
    return torch.nn.functional.elu(_as_tensor(x), alpha=float(alpha))


def softmax(x, axis=-1):
    """Softmax along `axis` (an int or a tuple); the logits are kept as `out._keras_logits`."""
    x = _as_tensor(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received: shape={tuple(x.shape)}")
    if isinstance(axis, (list, tuple)):
        numerator = torch.exp(x - torch.amax(x, dim=tuple(axis), keepdim=True))
        out = numerator / torch.sum(numerator, dim=tuple(axis), keepdim=True)
    else:
        out = torch.softmax(x, dim=axis)
    out._keras_logits = x
    return out


def softplus(x):
    """`log(exp(x) + 1)`."""
    return torch.nn.functional.softplus(_as_tensor(x))


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return torch.nn.functional.softsign(_as_tensor(x))


def sigmoid(x):
    """Logistic sigmoid; the logits are kept as `out._keras_logits`."""
    x = _as_tensor(x)
    out = torch.sigmoid(x)
    out._keras_logits = x
    return out


def hard_sigmoid(x):
    """Keras 2 hard sigmoid: `clip(0.2 * x + 0.5, 0, 1)`."""
    return torch.clamp(_as_tensor(x) * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(_as_tensor(x))


def dropout(x, level, noise_shape=None, seed=None):
    """Zeroes entries of `x` with probability `level` and scales the rest by `1 / (1 - level)`.

    Args:
        x: tensor.
        level: drop probability in [0, 1).
        noise_shape: shape of the keep/drop mask, broadcastable to `x`.
        seed: optional int.
    """
    x = _as_tensor(x)
    if not 0.0 <= level < 1.0:
        raise ValueError(f"dropout expects `level` in [0, 1). Received: level={level!r}")
    mask_shape = (
        tuple(x.shape)
        if noise_shape is None
        else tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    )
    keep = random_uniform(mask_shape, dtype=dtype_name(x.dtype) if x.dtype.is_floating_point else None, seed=seed)
    keep = (keep >= level).to(x.dtype).to(x.device)
    return x * keep * (1.0 / (1.0 - level))


def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x ** 2, axis), 1e-12))`."""
    x = _as_tensor(x)
    dims = _axes(x, axis)
    square_sum = torch.sum(x * x, dim=dims, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def in_top_k(predictions, targets, k):
    """Whether each target's prediction is among the top `k` of its row (ties count as in).

    Args:
        predictions: `(batch, classes)` tensor.
        targets: `(batch,)` integer tensor.
        k: int.
    """
    predictions = _as_tensor(predictions)
    targets = _as_tensor(targets).long().reshape(-1, 1)
    target_values = torch.gather(predictions, 1, targets)
    larger = torch.sum(predictions > target_values, dim=1)
    finite = torch.isfinite(predictions).all(dim=1)
    return (larger < int(k)) & finite


# Losses ----------------------------------------------------------------------------------------------------
def _logits_of(output, from_logits, function_name, activation):
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(
            f"`{function_name}` received `from_logits=True`, but the `output` argument was produced by a "
            f"{activation} activation and thus does not represent logits. Was this intended?",
            stacklevel=3,
        )
    return logits, True


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy between one-hot (or soft) targets and probabilities or logits.

    Args:
        target: tensor with the shape of `output`.
        output: probabilities (renormalized to sum to 1, clipped to `[eps, 1 - eps]`) or logits.
        from_logits: whether `output` holds logits; outputs of `softmax` use their logits.
        axis: the class axis.
    """
    target, output, from_logits = _categorical_arguments(target, output, from_logits, "categorical_crossentropy")
    if from_logits:
        return -torch.sum(target * torch.log_softmax(output, dim=axis), dim=axis)
    return -torch.sum(target * torch.log(_clipped_probabilities(output, axis)), dim=axis)


def _categorical_arguments(target, output, from_logits, function_name):
    """(target, output, from_logits) as tensors of one dtype, the shapes checked, softmax outputs as logits."""
    target, output = _as_tensor(target), _as_tensor(output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            f"{function_name}: `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    output, from_logits = _logits_of(output, from_logits, function_name, "Softmax")
    return target.to(output.dtype), output, from_logits


def _clipped_probabilities(output, axis):
    """Probabilities renormalized to sum to 1 over `axis` and clipped to `[eps, 1 - eps]`, as tf.keras."""
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = epsilon()
    return torch.clamp(output, eps, 1.0 - eps)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer targets.

    Args:
        target: integer tensor, shape of `output` without the class axis (a trailing 1 is accepted).
        output: probabilities (clipped to `[eps, 1 - eps]`) or logits.
        from_logits: whether `output` holds logits; outputs of `softmax` use their logits.
        axis: the class axis of `output`.
    """
    target, output = _as_tensor(target), _as_tensor(output)
    output, from_logits = _logits_of(output, from_logits, "sparse_categorical_crossentropy", "Softmax")
    if not from_logits:
        eps = epsilon()
        output = torch.log(torch.clamp(output, eps, 1.0 - eps))
    rank = output.ndim
    axis = axis % rank
    if axis != rank - 1:
        output = torch.movedim(output, axis, -1)
    result_shape = tuple(output.shape[:-1])
    log_probs = torch.log_softmax(output.reshape(-1, output.shape[-1]), dim=-1)
    target = target.long().reshape(-1)
    if target.shape[0] != log_probs.shape[0]:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must hold one class index per sample. "
            f"Received: target with {target.shape[0]} values for output of shape {tuple(output.shape)}"
        )
    losses = -torch.gather(log_probs, 1, target.unsqueeze(1)).squeeze(1)
    return losses.reshape(result_shape)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy.

    Args:
        target: tensor with the shape of `output`.
        output: probabilities (clipped to `[eps, 1 - eps]`) or logits.
        from_logits: whether `output` holds logits; outputs of `sigmoid` use their logits.
    """
    target, output = _as_tensor(target), _as_tensor(output)
    output, from_logits = _logits_of(output, from_logits, "binary_crossentropy", "Sigmoid")
    target = target.to(output.dtype)
    if from_logits:
        return torch.nn.functional.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    bce = target * torch.log(output + eps)
    bce = bce + (1 - target) * torch.log(1 - output + eps)
    return -bce


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False):
    """Element-wise binary focal crossentropy: `(1 - p_t)**gamma * binary_crossentropy` (tf.keras 2).

    Args:
        target: tensor with the shape of `output`.
        output: probabilities or logits.
        apply_class_balancing: weigh positives by `alpha` and negatives by `1 - alpha`.
        alpha: class balancing weight.
        gamma: focusing parameter.
        from_logits: whether `output` holds logits.
    """
    target, output = _as_tensor(target), _as_tensor(output)
    output, from_logits = _logits_of(output, from_logits, "binary_focal_crossentropy", "Sigmoid")
    target = target.to(output.dtype)
    probabilities = torch.sigmoid(output) if from_logits else output
    p_t = target * probabilities + (1 - target) * (1 - probabilities)
    focal_bce = torch.pow(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits=from_logits)
    if apply_class_balancing:
        focal_bce = (target * alpha + (1 - target) * (1 - alpha)) * focal_bce
    return focal_bce


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """Categorical focal crossentropy: `sum(alpha * (1 - p)**gamma * -target * log(p))` over `axis` (tf.keras 2).

    Args:
        target: tensor with the shape of `output`.
        output: probabilities (renormalized, clipped to `[eps, 1 - eps]`) or logits.
        alpha: weighting factor.
        gamma: focusing parameter.
        from_logits: whether `output` holds logits.
        axis: the class axis.
    """
    target, output, from_logits = _categorical_arguments(target, output, from_logits, "categorical_focal_crossentropy")
    if from_logits:
        output = torch.softmax(output, dim=axis)
    output = _clipped_probabilities(output, axis)
    focal = alpha * torch.pow(1.0 - output, gamma) * (-target * torch.log(output))
    return torch.sum(focal, dim=axis)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decodes softmax outputs with best-path (greedy) CTC decoding, the blank being the last class.

    As tf.keras 2 with `greedy=True`: the most likely class of each step, repeats merged, blanks
    dropped.

    Args:
        y_pred: `(samples, time, classes)` softmax outputs.
        input_length: `(samples,)` number of valid steps of each sample.
        greedy: must be True (best-path decoding); beam search is not available.
        beam_width: beam search width (used only with `greedy=False`).
        top_paths: number of paths (used only with `greedy=False`).

    Returns:
        `([decoded], log_prob)`: `decoded` is a `(samples, time)` int64 tensor padded with -1;
        `log_prob` is `(samples, 1)`, the negative sum over the valid steps of the largest
        log-probability (as TensorFlow's greedy decoder reports it).
    """
    if not greedy:
        raise ValueError(
            "ctc_decode supports greedy (best-path) decoding only. Received: greedy=False; "
            "call ctc_decode(y_pred, input_length, greedy=True)."
        )
    y_pred = _as_tensor(y_pred)
    num_samples, num_steps, num_classes = y_pred.shape
    log_probs = torch.log(y_pred + epsilon())
    best_log_probs, best = torch.max(log_probs, dim=-1)
    lengths = _as_tensor(input_length).reshape(-1).long().to(best.device)
    valid = torch.arange(num_steps, device=best.device)[None, :] < lengths[:, None]
    neg_sum = -torch.sum(torch.where(valid, best_log_probs, torch.zeros_like(best_log_probs)), dim=1, keepdim=True)
    previous = torch.cat([torch.full_like(best[:, :1], -1), best[:, :-1]], dim=1)
    keep = valid & (best != num_classes - 1) & (best != previous)
    decoded = torch.full((num_samples, num_steps), -1, dtype=torch.int64, device=best.device)
    for sample in range(num_samples):
        labels = best[sample][keep[sample]]
        decoded[sample, : labels.shape[0]] = labels
    return [decoded], neg_sum


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per sample, the blank being the last class (as Keras).

    Args:
        y_true: `(samples, max_label_length)` integer labels.
        y_pred: `(samples, time, classes)` softmax outputs.
        input_length: `(samples, 1)` lengths of each `y_pred` sequence.
        label_length: `(samples, 1)` lengths of each label sequence.

    Returns:
        `(samples, 1)` tensor of losses.
    """
    y_pred = _as_tensor(y_pred)
    log_probs = torch.log_softmax(torch.log(y_pred + epsilon()), dim=-1).transpose(0, 1)
    input_lengths = _as_tensor(input_length).reshape(-1).long()
    label_lengths = _as_tensor(label_length).reshape(-1).long()
    labels = _as_tensor(y_true).long()
    losses = torch.nn.functional.ctc_loss(
        log_probs.float(), labels, input_lengths, label_lengths, blank=y_pred.shape[-1] - 1, reduction="none"
    )
    return losses.to(y_pred.dtype).unsqueeze(1)


# Normalization --------------------------------------------------------------------------------------------
def _broadcast_param(param, x, axes_kept):
    if param is None:
        return None
    param = _as_tensor(param)
    if param.ndim == 1 and x.ndim > 1:
        shape_ = [1] * x.ndim
        for axis in axes_kept:
            shape_[axis] = x.shape[axis]
        param = param.reshape(shape_)
    return param


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta`; 1D statistics broadcast along `axis`.

    Args:
        x: tensor.
        mean, var, beta, gamma: tensors (beta/gamma may be None).
        axis: the feature axis of `x` for 1D statistics.
        epsilon: fuzz factor.
    """
    x = _as_tensor(x)
    kept = (axis % x.ndim,) if x.ndim else ()
    mean, var = _broadcast_param(mean, x, kept), _broadcast_param(var, x, kept)
    beta, gamma = _broadcast_param(beta, x, kept), _broadcast_param(gamma, x, kept)
    inverse = torch.rsqrt(var + epsilon)
    if gamma is not None:
        inverse = inverse * gamma
    shift = -mean * inverse if beta is None else beta - mean * inverse
    return x * inverse + shift


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalizes `x` with its batch statistics over `reduction_axes`.

    Returns:
        `(normalized, mean, variance)`, the statistics without the reduced axes.
    """
    x = _as_tensor(x)
    dims = _axes(x, list(reduction_axes))
    kept = tuple(a for a in range(x.ndim) if a not in dims)
    batch_mean = torch.mean(x, dim=dims, keepdim=True)
    batch_var = torch.var(x, dim=dims, keepdim=True, correction=0)
    gamma, beta = _broadcast_param(gamma, x, kept), _broadcast_param(beta, x, kept)
    normed = (x - batch_mean) * torch.rsqrt(batch_var + epsilon)
    if gamma is not None:
        normed = normed * gamma
    if beta is not None:
        normed = normed + beta
    return normed, batch_mean.squeeze(dims), batch_var.squeeze(dims)

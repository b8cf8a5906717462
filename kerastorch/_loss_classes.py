"""Loss classes: Reduction, weighted reduction of per-sample losses, Loss, LossFunctionWrapper and the named losses."""

import torch

from kerastorch._loss_functions import _as_tensor
from kerastorch._loss_functions import binary_crossentropy
from kerastorch._loss_functions import categorical_crossentropy
from kerastorch._loss_functions import categorical_hinge
from kerastorch._loss_functions import cosine_similarity
from kerastorch._loss_functions import hinge
from kerastorch._loss_functions import huber
from kerastorch._loss_functions import kullback_leibler_divergence
from kerastorch._loss_functions import logcosh
from kerastorch._loss_functions import mean_absolute_error
from kerastorch._loss_functions import mean_absolute_percentage_error
from kerastorch._loss_functions import mean_squared_error
from kerastorch._loss_functions import mean_squared_logarithmic_error
from kerastorch._loss_functions import poisson
from kerastorch._loss_functions import sparse_categorical_crossentropy
from kerastorch._loss_functions import squared_hinge


# ---------------------------------------------------------------------------------------------
# Reduction
# ---------------------------------------------------------------------------------------------
class Reduction:
    """The reductions a `Loss` applies to per-sample losses (tf.keras `ReductionV2` values)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, reduction):
        if reduction not in cls.all():
            raise ValueError(
                f"Invalid `reduction` {reduction!r}. Expected one of {', '.join(repr(r) for r in cls.all())}."
            )


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Aligns ranks the tf.keras way (static shapes only, no host sync).

    A trailing size-1 axis is squeezed from `y_pred` or `y_true` when their ranks differ by one;
    `sample_weight` is squeezed or given a trailing axis so its rank matches `y_pred`.

    Args:
        y_pred: predictions (or per-sample losses / metric values).
        y_true: optional labels.
        sample_weight: optional weights.

    Returns:
        `(y_pred, y_true)` when `sample_weight` is None, else `(y_pred, y_true, sample_weight)`.
    """
    if y_true is not None:
        pred_rank = y_pred.dim()
        true_rank = y_true.dim()
        if pred_rank - true_rank != 1 or (pred_rank > 0 and y_pred.shape[-1] == 1):
            rank_diff = pred_rank - true_rank
            if rank_diff == 1 and y_pred.shape[-1] == 1:
                y_pred = y_pred.squeeze(-1)
            elif rank_diff == -1 and y_true.shape[-1] == 1:
                y_true = y_true.squeeze(-1)
    if sample_weight is None:
        return y_pred, y_true
    weight_rank = sample_weight.dim()
    if weight_rank == 0:
        return y_pred, y_true, sample_weight
    pred_rank = y_pred.dim()
    if weight_rank - pred_rank == 1:
        if sample_weight.shape[-1] != 1:
            raise ValueError(
                f"`sample_weight` of shape {tuple(sample_weight.shape)} does not match values of shape "
                f"{tuple(y_pred.shape)}: expected a trailing axis of size 1 to squeeze."
            )
        sample_weight = sample_weight.squeeze(-1)
    elif pred_rank - weight_rank == 1:
        sample_weight = sample_weight.unsqueeze(-1)
    return y_pred, y_true, sample_weight


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weights per-sample losses and reduces them as tf.keras 2 does.

    `sum_over_batch_size` (and `auto`) gives `sum(w * loss) / num_elements(w * loss)`; `sum` gives
    `sum(w * loss)`; `none` gives `w * loss`. Weights of shape `(batch,)` on losses of shape
    `(batch, T)` broadcast along T; `(batch, T)` weights weight each timestep.

    Args:
        losses: per-sample loss tensor.
        sample_weight: None, a scalar, or a tensor broadcastable to `losses` after rank alignment.
        reduction: one of 'auto', 'sum_over_batch_size', 'sum', 'none'.
    """
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    if not isinstance(losses, torch.Tensor):
        losses = _as_tensor(losses)
    if sample_weight is not None:
        if isinstance(sample_weight, (int, float)):
            losses = losses * float(sample_weight)
        else:
            sample_weight = _as_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
            losses, _, sample_weight = squeeze_or_expand_dimensions(losses, None, sample_weight)
            try:
                losses = losses * sample_weight
            except RuntimeError:
                raise ValueError(
                    f"`sample_weight` of shape {tuple(sample_weight.shape)} cannot be broadcast to "
                    f"losses of shape {tuple(losses.shape)}."
                ) from None
    if reduction == Reduction.NONE:
        return losses
    total = torch.sum(losses)
    if reduction == Reduction.SUM:
        return total
    num_elements = losses.numel()
    if num_elements == 0:
        return total * 0.0
    return total / num_elements


def _apply_valid_mask(losses, sample_weight, mask, reduction):
    """Folds a valid-entry mask into the sample weights; mean reductions then average valid entries only."""
    mask = mask.to(losses.dtype)
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
        # Valid entries weigh total / valid, so sum(w * loss) / total = sum(loss) / valid.
        valid = torch.sum(mask)
        mask = mask * torch.where(valid > 0, mask.numel() / valid, torch.zeros_like(valid))
    if sample_weight is None:
        return mask
    sample_weight = _as_tensor(sample_weight, dtype=losses.dtype, device=losses.device)
    mask, _, sample_weight = squeeze_or_expand_dimensions(mask, None, sample_weight)
    return sample_weight * mask


# ---------------------------------------------------------------------------------------------
# Loss classes
# ---------------------------------------------------------------------------------------------
class Loss:
    """Base class: `loss(y_true, y_pred, sample_weight=None)` -> reduced loss.

    Subclasses implement `call(y_true, y_pred)` returning per-sample losses.

    Args:
        reduction: 'auto' (= 'sum_over_batch_size'), 'sum_over_batch_size', 'sum' or 'none'.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        losses = self.call(y_true, y_pred)
        mask = getattr(losses, "_keras_mask", None)
        if mask is not None:
            sample_weight = _apply_valid_mask(losses, sample_weight, mask, self.reduction)
        return compute_weighted_loss(losses, sample_weight, reduction=self.reduction)

    def call(self, y_true, y_pred):
        """Returns per-sample losses; subclasses override this.

        Args:
            y_true: ground truth values.
            y_pred: predicted values.
        """
        raise TypeError(
            f"{type(self).__name__} must override `call(y_true, y_pred)` to return per-sample losses, "
            "or be built with LossFunctionWrapper(fn)."
        )

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A `Loss` built from a function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the per-sample loss function.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss (defaults to the function's name).
        **kwargs: keyword arguments passed to `fn`.
    """

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper expects a callable `fn`. Received: fn={fn!r}")
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if isinstance(y_true, torch.Tensor) and isinstance(y_pred, torch.Tensor):
            y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            # Deferred: kerastorch.losses (the registry) imports this module.
            from kerastorch import losses

            config["fn"] = losses.serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper:
            from kerastorch import losses

            fn = losses.get(config.pop("fn"))
            return cls(fn, **config)
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error between labels and predictions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy between labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1] squeezing labels towards 0.5.
        axis: the axis the mean is taken over.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(
        self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO, name="binary_crossentropy"
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy between one-hot labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1] squeezing labels towards uniform.
        axis: the class axis.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction=Reduction.AUTO,
        name="categorical_crossentropy",
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with integer labels.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional label excluded from the loss and from the mean.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(
        self, from_logits=False, ignore_class=None, reduction=Reduction.AUTO, name="sparse_categorical_crossentropy"
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )


class Hinge(LossFunctionWrapper):
    """Hinge loss (labels in {-1, 1} or {0, 1}).

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="hinge"):
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (labels in {-1, 1} or {0, 1}).

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="squared_hinge"):
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss (one-hot labels).

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="categorical_hinge"):
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for small errors, linear for large ones.

    Args:
        delta: the point where the loss changes from quadratic to linear.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, delta=1.0, reduction=Reduction.AUTO, name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="log_cosh"):
        super().__init__(logcosh, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between label and prediction distributions.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="kl_divergence"):
        super().__init__(kullback_leibler_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """Poisson loss: `y_pred - y_true * log(y_pred)`.

    Args:
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, reduction=Reduction.AUTO, name="poisson"):
        super().__init__(poisson, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions (tf.keras 2 sign).

    Args:
        axis: the axis the similarity is computed along.
        reduction: reduction applied to the per-sample losses.
        name: name of the loss.
    """

    def __init__(self, axis=-1, reduction=Reduction.AUTO, name="cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)

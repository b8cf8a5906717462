"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and their functions."""

import torch

from kerastorch.engine.layer import Layer


def _broadcast_shape(layer, shape1, shape2):
    """Keras's elementwise output shape: trailing dims broadcast, None stays unknown."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return tuple(shape1)
    output = list(shape1[: -len(shape2)])
    for i, j in zip(shape1[-len(shape2):], shape2):
        if i is None or j is None:
            output.append(None)
        elif i == 1:
            output.append(j)
        elif j == 1:
            output.append(i)
        elif i != j:
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}': operands could not be broadcast together with shapes "
                f"{tuple(shape1)} {tuple(shape2)}."
            )
        else:
            output.append(i)
    return tuple(output)


class _Merge(Layer):
    """Base of the elementwise merge layers: takes a list of tensors (one is enough, as tf.keras 2)."""

    _expects_list_input = True
    # tf.keras 2 merges a list of a single tensor (the tensor itself); Keras 2.2.4 wanted 2.
    _min_inputs = 1

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' should be called on a list of inputs. Received: "
                f"input_shape={input_shape!r}"
            )
        if len(input_shape) < self._min_inputs:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' should be called on a list of at least "
                f"{self._min_inputs} input{'s' if self._min_inputs > 1 else ''}. Got {len(input_shape)} inputs."
            )

    def build(self, input_shape):
        self._check_inputs(input_shape)
        batch_sizes = {s[0] for s in input_shape if s[0] is not None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' can not merge tensors with different batch sizes. Got tensors "
                f"with shapes {[tuple(s) for s in input_shape]}."
            )
        self.compute_output_shape(input_shape)
        self._reshape_required = len({len(s) for s in input_shape}) > 1
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        output = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output = _broadcast_shape(self, output, tuple(shape[1:]))
        batch_sizes = {s[0] for s in input_shape} - {None}
        batch = batch_sizes.pop() if len(batch_sizes) == 1 else None
        return (batch,) + tuple(output)

    def call(self, inputs):
        if getattr(self, "_reshape_required", False):
            rank = max(x.dim() for x in inputs)
            reshaped = []
            for x in inputs:
                while x.dim() < rank:
                    x = x.unsqueeze(1)
                reshaped.append(x)
            inputs = reshaped
        return self._merge(list(inputs))

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [m.bool() for m in mask if m is not None]
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out


class Add(_Merge):
    """Sums a list of tensors (same shape, or broadcastable as Keras allows)."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """Subtracts the second of exactly two tensors from the first."""

    def _check_inputs(self, input_shape):
        super()._check_inputs(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Subtract '{self.name}' should be called on a list of exactly 2 inputs. Got {len(input_shape)} inputs."
            )

    def _merge(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Elementwise product of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """Elementwise mean of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(_Merge):
    """Elementwise maximum of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = torch.maximum(output, x)
        return output


class Minimum(_Merge):
    """Elementwise minimum of a list of tensors."""

    def _merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = torch.minimum(output, x)
        return output


class Concatenate(_Merge):
    """Concatenates a list of tensors along `axis` (all other dimensions must match).

    Args:
        axis: concatenation axis (default -1).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise TypeError(f"Concatenate expects `axis` to be an int. Received: axis={axis!r}")
        self.axis = axis

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.compute_output_shape(input_shape)
        Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(
                f"Concatenate '{self.name}' requires inputs of the same rank. Got inputs shapes: "
                f"{[tuple(s) for s in input_shape]}"
            )
        rank = ranks.pop()
        axis = self.axis % rank
        output = list(input_shape[0])
        for shape in input_shape[1:]:
            for dim in range(rank):
                if dim == axis:
                    continue
                a, b = output[dim], shape[dim]
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        f"A Concatenate layer requires inputs with matching shapes except for the concatenation "
                        f"axis. Layer '{self.name}' got inputs shapes: {[tuple(s) for s in input_shape]}"
                    )
                if a is None:
                    output[dim] = b
            output[axis] = None if output[axis] is None or shape[axis] is None else output[axis] + shape[axis]
        return tuple(output)

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_mask(self, inputs, mask=None):
        # As tf.keras: missing masks are all-true, lower-rank masks gain a last axis, then all().
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(torch.ones_like(x, dtype=torch.bool))
            elif m.dim() < x.dim():
                masks.append(m.bool().unsqueeze(-1))
            else:
                masks.append(m.bool())
        return torch.cat(masks, dim=self.axis).all(dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _l2_normalize(x, axis):
    # tf.math.l2_normalize: x / sqrt(max(sum(x**2), 1e-12)); torch's normalize clamps the norm at 1e-12.
    return x * torch.rsqrt(torch.clamp(torch.sum(x * x, dim=axis, keepdim=True), min=1e-12))


class Dot(_Merge):
    """Dot product between samples of two tensors along `axes`.

    Args:
        axes: int or a pair of ints, the axes to contract (batch axis excluded).
        normalize: L2-normalise along the axes first (cosine proximity).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, bool) or not isinstance(axes, (int, list, tuple)):
            raise TypeError(f"Dot expects `axes` to be an int or a list of 2 ints. Received: axes={axes!r}")
        if not isinstance(axes, int):
            if len(axes) != 2:
                raise ValueError(f"Dot expects `axes` to contain two elements. Received: axes={axes!r}")
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"Dot expects `axes` to be a list of 2 ints. Received: axes={axes!r}")
        # Kept as given: get_config returns it unchanged (an int stays an int, as tf.keras 2).
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _check_inputs(self, input_shape):
        super()._check_inputs(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Dot '{self.name}' should be called on a list of exactly 2 inputs. Got {len(input_shape)}.")

    def _axes_for(self, shapes):
        pair = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        axes = [axis % len(shape) for axis, shape in zip(pair, shapes)]
        if 0 in axes:
            raise ValueError(
                f"Dot '{self.name}' cannot contract the batch axis (axis 0). Received: axes={self.axes!r} for "
                f"inputs of shapes {tuple(shapes[0])}, {tuple(shapes[1])}."
            )
        return axes

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.compute_output_shape(input_shape)
        Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axis1, axis2 = self._axes_for([shape1, shape2])
        if shape1[axis1] is not None and shape2[axis2] is not None and shape1[axis1] != shape2[axis2]:
            raise ValueError(
                f"Dot '{self.name}': dimension incompatibility {shape1[axis1]} != {shape2[axis2]}. Layer shapes: "
                f"{tuple(shape1)}, {tuple(shape2)}"
            )
        shape1.pop(axis1)
        shape2.pop(axis2)
        shape2.pop(0)
        output = shape1 + shape2
        if len(output) == 1:
            output += [1]
        return tuple(output)

    def call(self, inputs):
        x1, x2 = inputs
        axis1, axis2 = self._axes_for([x1.shape, x2.shape])
        if self.normalize:
            x1 = _l2_normalize(x1, axis1)
            x2 = _l2_normalize(x2, axis2)
        a = x1.movedim(axis1, -1)
        b = x2.movedim(axis2, 1)
        batch = a.shape[0]
        rest1, rest2 = a.shape[1:-1], b.shape[2:]
        k = a.shape[-1]
        out = torch.bmm(a.reshape(batch, -1, k), b.reshape(batch, k, -1))
        out = out.reshape((batch,) + tuple(rest1) + tuple(rest2))
        if out.dim() == 1:
            out = out.unsqueeze(-1)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def add(inputs, **kwargs):
    """Functional form of `Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)

"""Locally-connected layers: LocallyConnected1D/2D (convolutions with unshared weights).

The three tf.keras `implementation` modes are reproduced with their own weight shapes, so
weights saved by Keras load unchanged: 1 = per-position kernels `(positions, window, filters)`,
2 = a dense kernel masked to the receptive fields, 3 = the non-zero entries of that kernel.
"""

import itertools

import numpy as np
import torch

from kerastorch import activations
from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.engine import layer as base_layer
from kerastorch.utils import conv_utils

InputSpec = base_layer.InputSpec

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]


def _connectivity_mask(input_shape, kernel_size, strides, padding):
    """Boolean `(*input_spatial, *output_spatial)`: which inputs each output position sees (Keras rule)."""
    output_shape = tuple(
        conv_utils.conv_output_length(length, k, padding, s) for length, k, s in zip(input_shape, kernel_size, strides)
    )
    mask = np.zeros(tuple(input_shape) + output_shape, dtype=bool)
    for position in itertools.product(*[range(length) for length in output_shape]):
        ranges = []
        for axis, k in enumerate(kernel_size):
            # Keras centres 'same' windows at `position * stride` with `k // 2` on the left.
            left = k // 2
            center = position[axis] * strides[axis] + (left if padding == "valid" else 0)
            ranges.append(slice(max(0, center - left), min(input_shape[axis], center + k - left)))
        mask[tuple(ranges) + position] = True
    return mask


class _LocallyConnected(base_layer.Layer):
    """N-D locally-connected layer base.

    Args:
        rank: number of spatial dimensions.
        filters, kernel_size, strides, padding, data_format, activation, use_bias,
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in Keras.
        implementation: 1, 2 or 3 (see the module docstring).
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation=1,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.rank = rank
        if isinstance(filters, float) and filters.is_integer():
            filters = int(filters)
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"{who} expects `filters` to be a positive integer. Received: filters={filters!r}")
        self.filters = int(filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size", owner=type(self).__name__)
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides", owner=type(self).__name__)
        if implementation not in (1, 2, 3):
            raise ValueError(
                f"{who} expects `implementation` to be 1, 2 or 3. Received: implementation={implementation!r}"
            )
        self.implementation = implementation
        self.padding = conv_utils.normalize_padding(padding, ("valid", "same"), owner=type(self).__name__)
        if self.padding != "valid" and implementation == 1:
            raise ValueError(
                f"{who} supports padding='same' only with implementation=2 or 3. "
                f"Received: padding={padding!r}, implementation=1"
            )
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _split_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            return input_shape[1:-1], input_shape[-1]
        return input_shape[2:], input_shape[1]

    def _output_spatial(self, spatial):
        return tuple(
            conv_utils.conv_output_length(length, k, self.padding, s)
            for length, k, s in zip(spatial, self.kernel_size, self.strides)
        )

    def compute_output_shape(self, input_shape):
        spatial, _ = self._split_shape(input_shape)
        output = self._output_spatial(spatial)
        if any(d is not None and d <= 0 for d in output):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': input shape {tuple(input_shape)} is too small for "
                f"kernel_size={self.kernel_size}, strides={self.strides} (output {output})."
            )
        if self.data_format == "channels_last":
            return (input_shape[0],) + output + (self.filters,)
        return (input_shape[0], self.filters) + output

    def build(self, input_shape):
        spatial, channels = self._split_shape(input_shape)
        if channels is None or any(d is None for d in spatial):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' needs fully-defined spatial and channel dimensions. "
                f"Received input_shape={tuple(input_shape)}"
            )
        self.compute_output_shape(input_shape)
        output = self._output_spatial(spatial)
        self._input_spatial, self._output_shape_spatial, self._channels = tuple(spatial), output, channels
        channels_last = self.data_format == "channels_last"
        if self.implementation == 1:
            kernel_shape = (int(np.prod(output)), int(np.prod(self.kernel_size)) * channels, self.filters)
        else:
            mask = _connectivity_mask(spatial, self.kernel_size, self.strides, self.padding)
            if self.implementation == 2:
                if channels_last:
                    kernel_shape = tuple(spatial) + (channels,) + output + (self.filters,)
                    mask = np.expand_dims(np.expand_dims(mask, self.rank), -1)
                else:
                    kernel_shape = (channels,) + tuple(spatial) + (self.filters,) + output
                    mask = np.expand_dims(np.expand_dims(mask, 0), -self.rank - 1)
                self.register_buffer("kernel_mask", torch.as_tensor(mask, dtype=self._torch_dtype), persistent=False)
            else:
                # Connectivity between flat outputs and flat inputs, in the data format's order.
                pairs = np.moveaxis(mask, list(range(self.rank)), list(range(self.rank, 2 * self.rank)))
                if channels_last:
                    dense = np.expand_dims(np.expand_dims(pairs, self.rank), -1)  # (*out, 1, *in, 1)
                    dense = np.broadcast_to(dense, output + (self.filters,) + tuple(spatial) + (channels,))
                else:
                    dense = np.expand_dims(np.expand_dims(pairs, 0), self.rank + 1)  # (1, *out, 1, *in)
                    dense = np.broadcast_to(dense, (self.filters,) + output + (channels,) + tuple(spatial))
                out_size = self.filters * int(np.prod(output))
                in_size = channels * int(np.prod(spatial))
                rows, cols = np.nonzero(dense.reshape(out_size, in_size))
                self._dense_shape = (out_size, in_size)
                self.register_buffer("kernel_rows", torch.as_tensor(rows, dtype=torch.long), persistent=False)
                self.register_buffer("kernel_cols", torch.as_tensor(cols, dtype=torch.long), persistent=False)
                kernel_shape = (len(rows),)
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=output + (self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        channel_axis = -1 if channels_last else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels})
        super().build(input_shape)

    def _check_spatial(self, inputs):
        spatial, _ = self._split_shape(inputs.shape)
        if tuple(spatial) != self._input_spatial:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was built for spatial shape {self._input_spatial}, "
                f"got input shape {tuple(inputs.shape)}."
            )

    def _patches(self, inputs):
        """(positions, batch, window) patches, window ordered as Keras flattens it."""
        channels_last = self.data_format == "channels_last"
        x = inputs
        first = 1 if channels_last else 2
        for axis, (k, s) in enumerate(zip(self.kernel_size, self.strides)):
            x = x.unfold(first + axis, k, s)
        # channels_last: (N, *out, C, *k) -> (N, *out, *k, C); channels_first: (N, C, *out, *k) -> (N, *out, C, *k).
        rank = self.rank
        if channels_last:
            order = [0] + list(range(1, rank + 1)) + list(range(rank + 2, 2 * rank + 2)) + [rank + 1]
        else:
            order = [0] + list(range(2, rank + 2)) + [1] + list(range(rank + 2, 2 * rank + 2))
        positions = int(np.prod(self._output_shape_spatial))
        return x.permute(order).reshape(inputs.shape[0], positions, -1).transpose(0, 1)

    def call(self, inputs):
        self._check_spatial(inputs)
        batch = inputs.shape[0]
        channels_last = self.data_format == "channels_last"
        out_spatial = self._output_shape_spatial
        if self.implementation == 1:
            outputs = torch.bmm(self._patches(inputs), self.kernel)  # (positions, N, filters)
            outputs = outputs.transpose(0, 1).reshape((batch,) + out_spatial + (self.filters,))
            if not channels_last:
                outputs = outputs.movedim(-1, 1)
        else:
            flat = inputs.reshape(batch, -1)
            if self.implementation == 2:
                kernel = (self.kernel * self.kernel_mask).reshape(flat.shape[1], -1)
                outputs = flat @ kernel
            else:
                dense = self.kernel.new_zeros(self._dense_shape).index_put(
                    (self.kernel_rows, self.kernel_cols), self.kernel
                )
                outputs = flat @ dense.t()
            shape = out_spatial + (self.filters,) if channels_last else (self.filters,) + out_spatial
            outputs = outputs.reshape((batch,) + shape)
        if self.bias is not None:
            if channels_last:
                outputs = outputs + self.bias
            else:
                # tf.keras reshapes (not transposes) the (*out, filters) bias to (filters, *out).
                outputs = outputs + self.bias.reshape((self.filters,) + out_spatial)
        return self.activation(outputs)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "implementation": self.implementation,
            }
        )
        return config


class LocallyConnected1D(_LocallyConnected):
    """1D convolution with a different kernel at every output position.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 1 int.
        strides: int or tuple of 1 int.
        padding: `"valid"`, or `"same"` with implementation 2 or 3.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.
        implementation: 1 (per-position kernels), 2 (masked dense kernel) or 3 (sparse kernel).

    Input shape:
        `(batch, steps, channels)` (channels_last) with a known number of steps.

    Output shape:
        `(batch, new_steps, filters)` (channels_last).

    Example:
        >>> LocallyConnected1D(4, 3)(np.zeros((2, 10, 3), "float32")).shape
        torch.Size([2, 8, 4])
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation=1,
        **kwargs,
    ):
        super().__init__(
            1, filters, kernel_size, strides, padding, data_format, activation, use_bias, kernel_initializer,
            bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint, implementation, **kwargs,
        )  # fmt: skip


class LocallyConnected2D(_LocallyConnected):
    """2D convolution with a different kernel at every output position.

    Args:
        filters: number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints.
        padding: `"valid"`, or `"same"` with implementation 2 or 3.
        data_format: `"channels_last"` or `"channels_first"` (default `image_data_format()`).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in Keras.
        implementation: 1 (per-position kernels), 2 (masked dense kernel) or 3 (sparse kernel).

    Input shape:
        `(batch, rows, cols, channels)` (channels_last) with known rows and cols.

    Output shape:
        `(batch, new_rows, new_cols, filters)` (channels_last).

    Example:
        >>> LocallyConnected2D(4, 3)(np.zeros((2, 6, 6, 3), "float32")).shape
        torch.Size([2, 4, 4, 4])
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation=1,
        **kwargs,
    ):
        super().__init__(
            2, filters, kernel_size, strides, padding, data_format, activation, use_bias, kernel_initializer,
            bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
            bias_constraint, implementation, **kwargs,
        )  # fmt: skip

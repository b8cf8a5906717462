"""Identity: the tf.keras 2 placeholder layer that returns its input unchanged."""

from kerastorch.engine.layer import Layer

__all__ = ["Identity"]


class Identity(Layer):
    """Returns its input unchanged (a placeholder, as tf.keras 2's `Identity`).

    Masks pass through. Nested inputs (lists, dicts) are returned as they are.

    Args:
        **kwargs: the base layer arguments (`name`, `trainable`, `dtype`, ...).

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:
        >>> Identity()(np.ones((2, 3), "float32")).shape
        torch.Size([2, 3])
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

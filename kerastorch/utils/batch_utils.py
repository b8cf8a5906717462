"""pack_x_y_sample_weight / unpack_x_y_sample_weight: the `(x, y, sample_weight)` batch convention."""

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs a batch as `x`, `(x, y)` or `(x, y, sample_weight)`, the form `fit` and `train_step` take.

    Args:
        x: inputs (a tuple `x` alone comes back as `(x,)`, so that it is not read as `(x, y)`).
        y: targets, or None.
        sample_weight: sample weights, or None.
    """
    if y is None:
        if not isinstance(x, tuple):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """Unpacks a batch `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` into a 3-tuple (None for missing parts).

    Args:
        data: the batch (a list is read as a tuple).
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )

"""Private helpers shared by the layer modules: validation of constructor arguments."""

import operator


def _positive_int(layer_name, arg, value, allow_none=False):
    """Returns `value` as a Python int when it is a positive integer, else raises ValueError.

    Accepts what Keras accepts: Python and NumPy integers, integer-valued floats (`units=3.0`
    from arithmetic), 0-dim integer tensors; rejects booleans, strings and fractions.
    """
    if value is None and allow_none:
        return None
    as_int = None
    if not isinstance(value, bool):
        try:
            as_int = operator.index(value)
        except TypeError:
            if isinstance(value, float) and value.is_integer():
                as_int = int(value)
    if as_int is None or as_int <= 0:
        raise ValueError(f"{layer_name} expects `{arg}` to be a positive integer. Received: {arg}={value!r}")
    return as_int

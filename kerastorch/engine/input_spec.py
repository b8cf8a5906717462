"""InputSpec: constraints on the rank and axis sizes of a layer's input, and the check that enforces them."""


class InputSpec:
    """Constraints on the rank and axis sizes of a layer's input, checked on every call.

    Args:
        dtype: expected dtype name, or None.
        shape: expected shape (None entries are free), or None.
        ndim, max_ndim, min_ndim: rank constraints.
        axes: dict mapping axis index to its required size.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        spec = [
            f"{key}={value!r}"
            for key, value in (
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes or None),
            )
            if value is not None
        ]
        return f"InputSpec({', '.join(spec)})"

    def get_config(self):
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _check_input_spec(layer, specs, shapes):
    """Raises ValueError naming the layer when an input shape breaks its InputSpec."""
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    if len(specs) != len(shapes):
        if len(specs) == 1 and len(shapes) > 1:
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}' expects 1 input, got {len(shapes)} inputs."
            )
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' expects {len(specs)} inputs, got {len(shapes)} inputs."
        )
    who = f"{type(layer).__name__} '{layer.name}'"
    for spec, shape in zip(specs, shapes):
        if spec is None:
            continue
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"{who} expects input with ndim={spec.ndim}, got ndim={rank} (shape {_shape_text(shape)})."
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{who} expects input with ndim <= {spec.max_ndim}, got ndim={rank} (shape {_shape_text(shape)})."
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{who} expects input with ndim >= {spec.min_ndim}, got ndim={rank} (shape {_shape_text(shape)})."
            )
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if axis >= rank or axis < -rank:
                raise ValueError(
                    f"{who} expects input with axis {axis} of size {size}, got shape {_shape_text(shape)}."
                )
            actual = shape[axis]
            if actual is not None and actual != size:
                where = "last dimension" if axis == -1 or axis == rank - 1 else f"dimension {axis}"
                raise ValueError(f"{who} expects input with {where} {size}, got shape {_shape_text(shape)}.")
        if spec.shape is not None:
            for expected, actual in zip(spec.shape, shape):
                if expected is not None and actual is not None and expected != actual:
                    raise ValueError(
                        f"{who} expects input shape {_shape_text(spec.shape)}, got shape {_shape_text(shape)}."
                    )

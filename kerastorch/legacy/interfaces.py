"""Rename tables for Keras 1 arguments and one mechanism that converts them, warning once each."""

import warnings

# Keyword renames of model methods: (old name, new name).
METHOD_RENAMES = {
    "fit": (("nb_epoch", "epochs"),),
    "fit_generator": (
        ("nb_epoch", "epochs"),
        ("samples_per_epoch", "steps_per_epoch"),
        ("nb_val_samples", "validation_steps"),
        ("nb_worker", "workers"),
        ("pickle_safe", "use_multiprocessing"),
        ("max_q_size", "max_queue_size"),
    ),
    "evaluate_generator": (
        ("val_samples", "steps"),
        ("nb_worker", "workers"),
        ("pickle_safe", "use_multiprocessing"),
        ("max_q_size", "max_queue_size"),
    ),
    "predict_generator": (
        ("val_samples", "steps"),
        ("nb_worker", "workers"),
        ("pickle_safe", "use_multiprocessing"),
        ("max_q_size", "max_queue_size"),
    ),
    "evaluate": (),
    "predict": (),
}

_WARNED = set()


def warn_once(key, message):
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, UserWarning, stacklevel=4)


def convert_method_kwargs(method, kwargs):
    """Renames Keras 1 keyword arguments of `method`; both spellings at once is a TypeError."""
    kwargs = dict(kwargs)
    for old, new in METHOD_RENAMES.get(method, ()):
        if old in kwargs:
            if new in kwargs:
                raise TypeError(f"{method}() got both `{old}` (Keras 1) and `{new}`; pass only `{new}`.")
            value = kwargs.pop(old)
            kwargs[new] = value
            warn_once(
                (method, old),
                f"The `{old}` argument of `{method}` has been renamed `{new}`. "
                f"Update your call to the Keras 2 API: `{method}({new}={value!r})`",
            )
    return kwargs


def convert_model_io(inputs, outputs, legacy_input, legacy_output):
    """Model(input=..., output=...) -> Model(inputs=..., outputs=...)."""
    if legacy_input is not None:
        if inputs is not None:
            raise TypeError("Model() got both `input` (Keras 1) and `inputs`; pass only `inputs`.")
        inputs = legacy_input
    if legacy_output is not None:
        if outputs is not None:
            raise TypeError("Model() got both `output` (Keras 1) and `outputs`; pass only `outputs`.")
        outputs = legacy_output
    warn_once(
        ("Model", "input"),
        "Update your `Model` call to the Keras 2 API: `Model(inputs=..., outputs=...)` "
        "(the Keras 1 keywords `input`/`output` are converted).",
    )
    return inputs, outputs

"""Model training API: compile/fit/evaluate/predict arguments (legacy spellings included) to adapters and loops."""

from kerastorch import mixed_precision
from kerastorch import optimizers as optimizers_module
from kerastorch.engine import loops
from kerastorch.engine import model_steps
from kerastorch.engine import training_data

# tf.keras performance knobs with no meaning for an eager torch loop (each step already runs as
# queued kernels); accepted so that tf.keras compile() calls run unchanged.
_COMPILE_PERFORMANCE_ONLY = ("steps_per_execution", "experimental_steps_per_execution")
# TF 1 graph-mode arguments: only their "unset" value is accepted.
_COMPILE_TF1_ONLY = ("distribute", "options", "run_options", "run_metadata")


def compile(
    model, *, optimizer, loss, metrics, loss_weights, sample_weight_mode, weighted_metrics, target_tensors,
    run_eagerly, jit_compile, kwargs,
):
    """The body of `Model.compile`: checks the arguments, builds the optimizer and the compiled loss."""
    for key in _COMPILE_PERFORMANCE_ONLY:
        kwargs.pop(key, None)
    for key in _COMPILE_TF1_ONLY:
        if kwargs.pop(key, None) is not None:
            raise ValueError(
                f"compile() argument `{key}` is a TensorFlow 1 graph option and is not supported; for "
                "multi-GPU training launch the script with torchrun (see docs/distributed.md)."
            )
    if kwargs:
        raise TypeError(f"Invalid keyword argument(s) in compile(): {', '.join(map(repr, sorted(kwargs)))}.")
    model.optimizer = mixed_precision.maybe_wrap_optimizer(model, optimizers_module.get(optimizer))
    model._compile_args = dict(
        loss=loss,
        metrics=metrics,
        loss_weights=loss_weights,
        sample_weight_mode=sample_weight_mode,
        weighted_metrics=weighted_metrics,
    )
    model._target_tensors = target_tensors
    model._run_eagerly = run_eagerly
    model._jit_compile = bool(jit_compile)
    model._compiled = None
    model._optimizer_version = None
    model._compiled_trainable_state = model_steps.trainable_state(model)
    if model._outputs_known():
        model._make_compiled()
        if model.built and model.trainable_weights:
            model_steps.prepare_optimizer(model)


def fit(
    model, *, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle, class_weight,
    sample_weight, initial_epoch, steps_per_epoch, validation_steps, validation_freq, max_queue_size, workers,
    use_multiprocessing, kwargs,
):
    """The body of `Model.fit`: legacy spellings, data and validation adapters, then the fit loop."""
    if "nb_epoch" in kwargs and epochs != 1:
        raise TypeError(f"fit() got both `nb_epoch` (Keras 1) and `epochs={epochs!r}`; pass only `epochs`.")
    epochs = _resolve_legacy("fit", kwargs, dict(epochs=epochs))["epochs"]
    model._require_compiled("training")
    if y is None and getattr(model, "_target_tensors", None) is not None:
        y = model._target_tensors
    from kerastorch.engine import generator_adapters

    generator_options = dict(max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)
    if generator_adapters.is_generator_like(x):
        if validation_split:
            raise ValueError("`validation_split` is only supported for array inputs, not generators/Sequences.")
        adapter = generator_adapters.make(
            model, x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch, True, **generator_options
        )
    else:
        if validation_split and validation_data is None:
            if not 0.0 < validation_split < 1.0:
                raise ValueError(
                    f"`validation_split` must be between 0 and 1. Received: validation_split={validation_split!r}"
                )
            x, y, sample_weight, validation_data = training_data.split_for_validation(
                model, x, y, sample_weight, validation_split
            )
        adapter = model._make_adapter(x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch, True)
    val_adapter = None
    if validation_data is not None:
        val_adapter = _validation_adapter(model, validation_data, batch_size, validation_steps, generator_options)
    if model._compiled is None:
        model._make_compiled()
    with model_steps.CompiledTrainableState(model):
        model_steps.prepare_optimizer(model)
        return loops.fit_loop(
            model,
            adapter,
            epochs=epochs,
            initial_epoch=initial_epoch,
            verbose=verbose,
            callbacks=callbacks,
            val_adapter=val_adapter,
            validation_freq=validation_freq,
            batch_size=batch_size or getattr(adapter, "batch_size", None) or 32,
        )


def _validation_adapter(model, validation_data, batch_size, validation_steps, generator_options):
    """The adapter of `validation_data`: a generator / Sequence, or (x, y) / (x, y, sample_weight)."""
    from kerastorch.engine import generator_adapters

    if generator_adapters.is_generator_like(validation_data):
        return generator_adapters.make(
            model, validation_data, None, None, None, batch_size, False, validation_steps, False, **generator_options
        )
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(
            "When passing validation_data, it must contain 2 (x_val, y_val) or 3 (x_val, y_val, val_sample_weights) "
            f"items; received {type(validation_data).__name__} of length "
            f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}."
        )
    val_x, val_y = validation_data[0], validation_data[1]
    val_w = validation_data[2] if len(validation_data) == 3 else None
    return model._make_adapter(val_x, val_y, val_w, None, batch_size, False, validation_steps, False)


def evaluate(
    model, *, x, y, batch_size, verbose, sample_weight, steps, callbacks, max_queue_size, workers,
    use_multiprocessing, return_dict, kwargs,
):
    """The body of `Model.evaluate`: legacy spellings and the data adapter, then the evaluate loop."""
    _resolve_legacy("evaluate", kwargs, {})
    model._require_compiled("evaluating")
    from kerastorch.engine import generator_adapters

    if generator_adapters.is_generator_like(x):
        adapter = generator_adapters.make(
            model, x, y, sample_weight, None, batch_size, False, steps, False,
            max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing,
        )
    else:
        if y is None and getattr(model, "_target_tensors", None) is not None:
            y = model._target_tensors
        adapter = model._make_adapter(x, y, sample_weight, None, batch_size, False, steps, False)
    if model._compiled is None:
        model._make_compiled()
    results = loops.evaluate_loop(model, adapter, verbose=verbose, callbacks=callbacks)
    if return_dict:
        return results
    values = [results[name] for name in model.metrics_names if name in results]
    return values[0] if len(values) == 1 else values


def predict(model, *, x, batch_size, verbose, steps, callbacks, max_queue_size, workers, use_multiprocessing, kwargs):
    """The body of `Model.predict`: legacy spellings and the data adapter, then the predict loop."""
    _resolve_legacy("predict", kwargs, {})
    from kerastorch.engine import generator_adapters

    if generator_adapters.is_generator_like(x):
        adapter = generator_adapters.make(
            model, x, None, None, None, batch_size, False, steps, False,
            max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing,
        )
    else:
        adapter = model._make_adapter(x, None, None, None, batch_size, False, steps, False)
    return loops.predict_loop(model, adapter, verbose=verbose, callbacks=callbacks)


def fit_generator(
    model, *, generator, steps_per_epoch, epochs, verbose, callbacks, validation_data, validation_steps,
    validation_freq, class_weight, max_queue_size, workers, use_multiprocessing, shuffle, initial_epoch, kwargs,
):
    """The body of `Model.fit_generator`: Keras 1 / 2 spellings mapped onto `Model.fit`."""
    if "nb_epoch" in kwargs and epochs != 1:
        raise TypeError(
            f"fit_generator() got both `nb_epoch` (Keras 1) and `epochs={epochs!r}`; pass only `epochs`."
        )
    options = dict(epochs=epochs, steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
    options.update(max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)
    options = _resolve_legacy("fit_generator", kwargs, options, generator)
    return model.fit(
        generator,
        verbose=verbose,
        callbacks=callbacks,
        validation_data=validation_data,
        validation_freq=validation_freq,
        class_weight=class_weight,
        shuffle=shuffle,
        initial_epoch=initial_epoch,
        **options,
    )


def evaluate_generator(
    model, *, generator, steps, callbacks, max_queue_size, workers, use_multiprocessing, verbose, kwargs,
):
    """The body of `Model.evaluate_generator`: Keras 1 / 2 spellings mapped onto `Model.evaluate`."""
    options = dict(steps=steps, max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)
    options = _resolve_legacy("evaluate_generator", kwargs, options)
    return model.evaluate(generator, callbacks=callbacks, verbose=verbose, **options)


def predict_generator(
    model, *, generator, steps, callbacks, max_queue_size, workers, use_multiprocessing, verbose, kwargs,
):
    """The body of `Model.predict_generator`: Keras 1 / 2 spellings mapped onto `Model.predict`."""
    options = dict(steps=steps, max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)
    options = _resolve_legacy("predict_generator", kwargs, options)
    return model.predict(generator, callbacks=callbacks, verbose=verbose, **options)


def _resolve_legacy(method, kwargs, values, generator=None):
    """`values` (argument name -> value) updated from `kwargs` once its legacy spellings are converted; any
    other keyword argument is a TypeError."""
    kwargs = _legacy_kwargs(method, kwargs, generator)
    values = {name: kwargs.pop(name, value) for name, value in values.items()}
    if kwargs:
        raise TypeError(f"Unrecognized keyword argument(s) to {method}(): {', '.join(map(repr, sorted(kwargs)))}.")
    return values


def _legacy_kwargs(method, kwargs, generator=None):
    """`kwargs` with the Keras 1 / 2.0 spellings of `method`'s arguments converted (legacy rename tables)."""
    if not kwargs:
        return kwargs
    from kerastorch.legacy import interfaces

    return interfaces.convert_method_kwargs(method, kwargs, generator=generator)

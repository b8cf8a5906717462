"""Model: functional and subclassed models with compile/fit/evaluate/predict, train/test/predict steps."""

import torch

from kerastorch import backend
from kerastorch import distribute
from kerastorch import mixed_precision
from kerastorch import optimizers as optimizers_module
from kerastorch.engine import compile as compile_module
from kerastorch.engine import graph as graph_module
from kerastorch.engine import keras_tensor as kt
from kerastorch.engine import layer as layer_module
from kerastorch.engine import layer_weights
from kerastorch.engine import loops
from kerastorch.engine import training_data

# tf.keras performance knobs with no meaning for an eager torch loop (each step already runs as
# queued kernels); accepted so that tf.keras compile() calls run unchanged.
_COMPILE_PERFORMANCE_ONLY = ("steps_per_execution", "experimental_steps_per_execution")
# TF 1 graph-mode arguments: only their "unset" value is accepted.
_COMPILE_TF1_ONLY = ("distribute", "options", "run_options", "run_metadata")


class Model(layer_module.Layer):
    """A Keras model: `Model(inputs, outputs)` (functional) or a subclass with its own `call`.

    Args:
        inputs: a KerasTensor from `Input()` or a list of them.
        outputs: the KerasTensor(s) computed from the inputs.
        name: model name.
    """

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        legacy_input = kwargs.pop("input", None)
        legacy_output = kwargs.pop("output", None)
        if legacy_input is not None or legacy_output is not None:
            from kerastorch.legacy import interfaces

            inputs, outputs = interfaces.convert_model_io(inputs, outputs, legacy_input, legacy_output)
        if args:
            if len(args) > 2:
                raise TypeError(f"Model expects at most 2 positional arguments (inputs, outputs). Received {len(args)}.")
            inputs = args[0]
            if len(args) == 2:
                outputs = args[1]
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"Model got unexpected keyword argument(s): {', '.join(map(repr, kwargs))}.")
        super().__init__(name=name, trainable=trainable)
        self._init_model_state()
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._init_graph(inputs, outputs)

    @classmethod
    def _default_name(cls):
        if cls is Model:
            return "model"
        return backend.to_snake_case(cls.__name__)

    def _init_model_state(self):
        self._graph = None
        self._nested_inputs = None
        self._nested_outputs = None
        self._compile_args = None
        self._compiled = None
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._run_eagerly = None
        self._placed = False
        self._optimizer_version = None
        self._constrained = []
        self._static_losses = False
        self._is_graph_network = False

    # -----------------------------------------------------------------------------------------
    # Graph
    # -----------------------------------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        input_list = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        output_list = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self._graph = graph_module.Graph(input_list, output_list)
        self._is_graph_network = True
        for old in list(self._modules):
            del self._modules[old]
        for layer in self._graph.layers:
            self._track_layer(layer)
        self.built = True
        self._build_input_shape = [t.shape for t in input_list] if len(input_list) > 1 else input_list[0].shape
        if self._compile_args is not None:
            self._make_compiled()

    def _track_layer(self, layer):
        # Registered by name so that state_dict keys read `dense_1.kernel`; stored directly in
        # _modules so that a layer named like a Model attribute cannot shadow it.
        key = layer.name.replace(".", "_")
        self._modules[key] = layer

    @property
    def layers(self):
        if self._graph is not None:
            return list(self._graph.layers)
        return self._sublayers()

    @property
    def inputs(self):
        return list(self._graph.inputs) if self._graph is not None else None

    @property
    def outputs(self):
        return list(self._graph.outputs) if self._graph is not None else None

    @property
    def input(self):
        if self._graph is None:
            raise AttributeError(f"Model '{self.name}' has no defined input yet (it has not been built).")
        inputs = self._graph.inputs
        return inputs[0] if len(inputs) == 1 else list(inputs)

    @property
    def output(self):
        if self._graph is None:
            raise AttributeError(f"Model '{self.name}' has no defined output yet (it has not been built).")
        outputs = self._graph.outputs
        return outputs[0] if len(outputs) == 1 else list(outputs)

    @property
    def input_names(self):
        if self._graph is not None:
            return [layer.name for layer in self._graph.input_layers]
        return getattr(self, "_subclass_input_names", ["input_1"])

    @property
    def output_names(self):
        if self._graph is not None:
            return [layer.name for layer in self._graph.output_layers]
        names = getattr(self, "_subclass_output_names", None)
        return names if names is not None else ["output_1"]

    @property
    def input_shape(self):
        if self._graph is None:
            return super().input_shape
        shapes = [t.shape for t in self._graph.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if self._graph is None:
            return super().output_shape
        shapes = [t.shape for t in self._graph.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value):
        pass

    def get_layer(self, name=None, index=None):
        """Returns a layer by name or by index in `layers`."""
        layers = self.layers
        if index is not None:
            if name is not None:
                raise ValueError("Provide only a layer name or a layer index, not both.")
            if not isinstance(index, int) or len(layers) <= index or index < -len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(layers)} layers."
                )
            return layers[index]
        if name is None:
            raise ValueError("Provide either a layer name or a layer index.")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")

    # -----------------------------------------------------------------------------------------
    # Calling
    # -----------------------------------------------------------------------------------------
    def _standardize_call_inputs(self, inputs):
        graph_inputs = self._graph.inputs
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Missing input(s) {missing} for model '{self.name}'. Received keys: {list(inputs)}")
            return [inputs[n] for n in names]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != len(graph_inputs):
                raise ValueError(
                    f"Model '{self.name}' expects {len(graph_inputs)} input(s), but it received {len(inputs)} "
                    f"input tensors."
                )
            return list(inputs)
        if len(graph_inputs) != 1:
            raise ValueError(
                f"Model '{self.name}' expects {len(graph_inputs)} inputs, but it received a single tensor."
            )
        return [inputs]

    def call(self, inputs, training=None, mask=None):
        """Runs the functional graph (subclassed models override this)."""
        if self._graph is None:
            raise TypeError(
                f"Model '{self.name}' has no graph: pass `inputs` and `outputs` to Model(), or subclass "
                "Model and implement call()."
            )
        tensors = self._standardize_call_inputs(inputs)
        masks = None
        if mask is not None:
            masks = mask if isinstance(mask, (list, tuple)) else [mask]
        outputs = self._graph.run(tensors, training=training, masks=masks)
        return outputs[0] if len(outputs) == 1 else outputs

    def __call__(self, inputs, *args, **kwargs):
        if not kt.any_symbolic(inputs) and not self.built:
            self._build_from_inputs(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _build_from_inputs(self, inputs):
        """Subclassed models: nothing to do; Sequential overrides to create its graph."""

    def compute_output_shape(self, input_shape):
        if self._graph is not None:
            shapes = [t.shape for t in self._graph.outputs]
            batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
            shapes = [(batch,) + tuple(s[1:]) for s in shapes]
            return shapes[0] if len(shapes) == 1 else shapes
        return super().compute_output_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        if self._graph is None:
            return None
        tensors = self._standardize_call_inputs(inputs)
        masks = None if mask is None else (mask if isinstance(mask, (list, tuple)) else [mask])
        if not self._graph.uses_masks and masks is None:
            return None
        _, out_masks = self._graph.run(tensors, masks=masks, return_masks=True)
        return out_masks[0] if len(out_masks) == 1 else out_masks

    # -----------------------------------------------------------------------------------------
    # Devices
    # -----------------------------------------------------------------------------------------
    def to(self, *args, **kwargs):
        self._placed = True
        return super().to(*args, **kwargs)

    def cuda(self, device=None):
        self._placed = True
        return super().cuda(device)

    def cpu(self):
        self._placed = True
        return super().cpu()

    def _target_device(self):
        """Device for data: where the weights are once placed, else the backend's choice."""
        if not self._placed:
            distribute.maybe_initialize()  # under torchrun: selects the CUDA device LOCAL_RANK first
            device = backend.get_device()
            if any(True for _ in self.parameters()):
                super().to(device)
            self._placed = True
            return device
        current = self._current_device()
        return current if current is not None else backend.get_device()

    # -----------------------------------------------------------------------------------------
    # Compile
    # -----------------------------------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        loss_weights=None,
        sample_weight_mode=None,
        weighted_metrics=None,
        target_tensors=None,
        run_eagerly=None,
        jit_compile=None,
        **kwargs,
    ):
        """Configures the model for training.

        Args:
            optimizer: name, Keras optimizer object, or a torch.optim.Optimizer class/instance.
            loss: name, function `fn(y_true, y_pred)` or Loss object; a list or dict per output.
            metrics: list of metrics (names, functions, Metric objects); dict or list of lists per output.
            loss_weights: list or dict of per-output loss coefficients.
            sample_weight_mode: None or 'temporal' (2-D sample weights), per output as list/dict.
            weighted_metrics: metrics weighted by sample_weight / class_weight.
            target_tensors: arrays used as targets when fit() is called without `y`.
            run_eagerly: accepted for compatibility (kerastorch always runs eagerly).
            steps_per_execution: accepted for compatibility; each step already runs as queued kernels.
            jit_compile: compile the train step with torch.compile.
        """
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
        self.optimizer = mixed_precision.maybe_wrap_optimizer(self, optimizers_module.get(optimizer))
        self._compile_args = dict(
            loss=loss,
            metrics=metrics,
            loss_weights=loss_weights,
            sample_weight_mode=sample_weight_mode,
            weighted_metrics=weighted_metrics,
        )
        self._target_tensors = target_tensors
        self._run_eagerly = run_eagerly
        self._jit_compile = bool(jit_compile)
        self._compiled = None
        self._optimizer_version = None
        if self._outputs_known():
            self._make_compiled()
            if self.built and self.trainable_weights:
                self._prepare_optimizer()

    def _outputs_known(self):
        return self._graph is not None or getattr(self, "_subclass_output_names", None) is not None

    def _make_compiled(self):
        self._compiled = compile_module.CompiledLoss(output_names=self.output_names, **self._compile_args)

    @property
    def run_eagerly(self):
        return True if self._run_eagerly is None else bool(self._run_eagerly)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = value

    @property
    def metrics_names(self):
        if self._compiled is None:
            return []
        return self._compiled.metrics_names

    @property
    def metrics(self):
        if self._compiled is None or self._compiled.metric_objects is None:
            return []
        return [metric for per_output in self._compiled.metric_objects for _, metric, _ in per_output]

    def reset_metrics(self):
        """Resets the state of the loss and metric accumulators."""
        if self._compiled is not None:
            self._compiled.reset()

    def _require_compiled(self, what):
        if self._compile_args is None:
            raise RuntimeError(f"You must compile your model before {what}. Call `model.compile(optimizer, loss)`.")

    # -----------------------------------------------------------------------------------------
    # Steps
    # -----------------------------------------------------------------------------------------
    def _prepare_optimizer(self):
        """(Re)builds the optimizer on the current trainable weights when they changed."""
        first = next(iter(self.parameters()), None)
        version = (layer_weights.structure_version(), None if first is None else (first.device, first.dtype))
        if self._optimizer_version == version:
            return
        params = self.trainable_weights
        self.optimizer.build(params)
        self._constrained = [
            (layer, spec) for layer, spec in self._ordered_entries() if spec.constraint is not None
        ]
        self._static_losses = bool(self.losses)
        self._optimizer_version = version

    def _regularization(self):
        if self._static_losses or layer_module.dynamic_losses_seen():
            return self.losses
        return None

    def train_step(self, data):
        """One optimization step on a batch `(x, y, sample_weight)` (lists per input/output)."""
        x, y, sample_weight = data
        outputs = self(x[0] if len(x) == 1 and not isinstance(x, dict) else x)
        y_preds = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        compiled = self._compiled
        loss = compiled(y, y_preds, sample_weight, self._regularization())
        if self._optimizer_version is None or self._optimizer_version[0] != layer_weights.structure_version():
            self._prepare_optimizer()
        optimizer = self.optimizer
        optimizer.zero_grad(set_to_none=True)
        scaled_loss = getattr(optimizer, "get_scaled_loss", None)  # LossScaleOptimizer
        (loss if scaled_loss is None else scaled_loss(loss)).backward()
        if distribute.is_data_parallel():
            distribute.sync_gradients(self, x)
        optimizer.step()
        if self._constrained:
            for layer, spec in self._constrained:
                layer._apply_one_constraint(spec)
        compiled.update_metrics(y, y_preds, sample_weight)
        return compiled

    def test_step(self, data):
        """Loss and metrics on a batch without updating weights."""
        x, y, sample_weight = data
        outputs = self(x[0] if len(x) == 1 and not isinstance(x, dict) else x)
        y_preds = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        compiled = self._compiled
        compiled(y, y_preds, sample_weight, self._regularization())
        compiled.update_metrics(y, y_preds, sample_weight)
        return compiled

    def predict_step(self, data):
        """The model outputs for a batch."""
        x = data[0]
        return self(x[0] if len(x) == 1 and not isinstance(x, dict) else x)

    # -----------------------------------------------------------------------------------------
    # Data
    # -----------------------------------------------------------------------------------------
    def _ensure_built_for(self, xs_cpu):
        """Builds a delayed Sequential or a subclassed model from the first samples of the data."""
        if self.built and self._outputs_known():
            return
        device = self._target_device()
        self._build_from_data(xs_cpu, device)
        if self._graph is None and getattr(self, "_subclass_output_names", None) is None:
            self._subclass_output_names = ["output_1"]
        super().to(device)
        if self._compile_args is not None and self._compiled is None:
            self._make_compiled()

    def _build_from_data(self, xs_cpu, device):
        """Subclassed models: one forward pass on a few samples builds every layer."""
        sample = [x[: max(1, min(len(x), 2))].to(device) for x in xs_cpu]
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                outputs = self(sample[0] if len(sample) == 1 else sample)
        finally:
            self.train(was_training)
        count = len(outputs) if isinstance(outputs, (list, tuple)) else 1
        self._subclass_output_names = [f"output_{i + 1}" for i in range(count)]

    def _make_adapter(self, x, y, sample_weight, class_weight, batch_size, shuffle, steps, for_training):
        return training_data.make_adapter(self, x, y, sample_weight, class_weight, batch_size, shuffle, steps, for_training)

    # -----------------------------------------------------------------------------------------
    # Entry points
    # -----------------------------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_freq=1,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Trains the model for a fixed number of epochs; returns a History object.

        Args are those of Keras 2.3 `fit` (see the README); `epochs` is the index of the final
        epoch when `initial_epoch` is given.
        """
        if "nb_epoch" in kwargs and epochs != 1:
            raise TypeError(f"fit() got both `nb_epoch` (Keras 1) and `epochs={epochs!r}`; pass only `epochs`.")
        kwargs = _legacy_kwargs("fit", kwargs)
        epochs = kwargs.pop("epochs", epochs)
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) to fit(): {', '.join(map(repr, sorted(kwargs)))}.")
        self._require_compiled("training")
        if y is None and getattr(self, "_target_tensors", None) is not None:
            y = self._target_tensors
        from kerastorch.engine import generator_adapters

        generator_options = dict(max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)
        if generator_adapters.is_generator_like(x):
            if validation_split:
                raise ValueError("`validation_split` is only supported for array inputs, not generators/Sequences.")
            adapter = generator_adapters.make(
                self, x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch, True, **generator_options
            )
        else:
            if validation_split and validation_data is None:
                if not 0.0 < validation_split < 1.0:
                    raise ValueError(
                        f"`validation_split` must be between 0 and 1. Received: validation_split={validation_split!r}"
                    )
                x, y, sample_weight, validation_data = training_data.split_for_validation(
                    self, x, y, sample_weight, validation_split
                )
            adapter = self._make_adapter(x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch, True)
        if adapter.count_mode != "samples" and steps_per_epoch is None and getattr(adapter, "steps_per_epoch", None) is None:
            raise ValueError("steps_per_epoch is required for a Python generator without a length.")
        val_adapter = None
        if validation_data is not None:
            val_adapter = self._validation_adapter(validation_data, batch_size, validation_steps, generator_options)
        if self._compiled is None:
            self._make_compiled()
        self._prepare_optimizer()
        return loops.fit_loop(
            self,
            adapter,
            epochs=epochs,
            initial_epoch=initial_epoch,
            verbose=verbose,
            callbacks=callbacks,
            val_adapter=val_adapter,
            validation_freq=validation_freq,
            batch_size=batch_size or 32,
        )

    def _validation_adapter(self, validation_data, batch_size, validation_steps, generator_options):
        from kerastorch.engine import generator_adapters

        if generator_adapters.is_generator_like(validation_data):
            return generator_adapters.make(
                self, validation_data, None, None, None, batch_size, False, validation_steps, False, **generator_options
            )
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "When passing validation_data, it must contain 2 (x_val, y_val) or 3 (x_val, y_val, val_sample_weights) "
                f"items; received {type(validation_data).__name__} of length "
                f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}."
            )
        val_x, val_y = validation_data[0], validation_data[1]
        val_w = validation_data[2] if len(validation_data) == 3 else None
        return self._make_adapter(val_x, val_y, val_w, None, batch_size, False, validation_steps, False)

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose=1,
        sample_weight=None,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        return_dict=False,
        **kwargs,
    ):
        """Returns the loss (a scalar) or [loss, *metrics] in `metrics_names` order."""
        kwargs = _legacy_kwargs("evaluate", kwargs)
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) to evaluate(): {', '.join(map(repr, sorted(kwargs)))}.")
        self._require_compiled("evaluating")
        from kerastorch.engine import generator_adapters

        if generator_adapters.is_generator_like(x):
            adapter = generator_adapters.make(
                self, x, y, sample_weight, None, batch_size, False, steps, False,
                max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing,
            )
        else:
            if y is None and getattr(self, "_target_tensors", None) is not None:
                y = self._target_tensors
            adapter = self._make_adapter(x, y, sample_weight, None, batch_size, False, steps, False)
        if self._compiled is None:
            self._make_compiled()
        results = loops.evaluate_loop(self, adapter, verbose=verbose, callbacks=callbacks)
        if return_dict:
            return results
        values = [results[name] for name in self.metrics_names if name in results]
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x,
        batch_size=None,
        verbose=0,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Returns NumPy predictions (a list of arrays for several outputs)."""
        kwargs = _legacy_kwargs("predict", kwargs)
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) to predict(): {', '.join(map(repr, sorted(kwargs)))}.")
        from kerastorch.engine import generator_adapters

        if generator_adapters.is_generator_like(x):
            adapter = generator_adapters.make(
                self, x, None, None, None, batch_size, False, steps, False,
                max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing,
            )
        else:
            adapter = self._make_adapter(x, None, None, None, batch_size, False, steps, False)
        return loops.predict_loop(self, adapter, verbose=verbose, callbacks=callbacks)

    def _single_batch(self, x, y, sample_weight, class_weight):
        adapter = self._make_adapter(x, y, sample_weight, class_weight, None, False, None, y is not None)
        batch_size = max(adapter.num_samples, 1)
        adapter.batch_size = batch_size
        if self._compile_args is not None and self._compiled is None:
            self._make_compiled()
        return next(iter(adapter.epoch()))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True, return_dict=False):
        """One gradient update on a single batch; returns the loss or [loss, *metrics]."""
        self._require_compiled("training")
        batch = self._single_batch(x, y, sample_weight, class_weight)
        self._prepare_optimizer()
        if reset_metrics:
            self.reset_metrics()
        self.train()
        try:
            self.train_step(batch)
        finally:
            self.eval()
        return self._batch_results(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss and metrics on a single batch; returns the loss or [loss, *metrics]."""
        self._require_compiled("evaluating")
        batch = self._single_batch(x, y, sample_weight, None)
        if reset_metrics:
            self.reset_metrics()
        self.eval()
        with torch.no_grad():
            self.test_step(batch)
        return self._batch_results(return_dict)

    def predict_on_batch(self, x):
        """Predictions (NumPy) for a single batch."""
        batch = self._single_batch(x, None, None, None)
        self.eval()
        with torch.no_grad():
            outputs = self.predict_step(batch)
        return loops.numpy_outputs(outputs)

    def _batch_results(self, return_dict):
        results = loops._to_floats(self._compiled.results())
        if return_dict:
            return results
        values = [results[name] for name in self.metrics_names if name in results]
        return values[0] if len(values) == 1 else values

    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        validation_freq=1,
        class_weight=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        shuffle=True,
        initial_epoch=0,
        **kwargs,
    ):
        """fit() on a generator or Sequence (Keras 2 spelling)."""
        if "nb_epoch" in kwargs and epochs != 1:
            raise TypeError(
                f"fit_generator() got both `nb_epoch` (Keras 1) and `epochs={epochs!r}`; pass only `epochs`."
            )
        kwargs = _legacy_kwargs("fit_generator", kwargs, generator)
        epochs = kwargs.pop("epochs", epochs)
        steps_per_epoch = kwargs.pop("steps_per_epoch", steps_per_epoch)
        validation_steps = kwargs.pop("validation_steps", validation_steps)
        workers = kwargs.pop("workers", workers)
        use_multiprocessing = kwargs.pop("use_multiprocessing", use_multiprocessing)
        max_queue_size = kwargs.pop("max_queue_size", max_queue_size)
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) to fit_generator(): {', '.join(map(repr, sorted(kwargs)))}.")
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, verbose=0, **kwargs
    ):
        """evaluate() on a generator or Sequence (Keras 2 spelling)."""
        kwargs = _legacy_kwargs("evaluate_generator", kwargs)
        steps = kwargs.pop("steps", steps)
        workers = kwargs.pop("workers", workers)
        use_multiprocessing = kwargs.pop("use_multiprocessing", use_multiprocessing)
        max_queue_size = kwargs.pop("max_queue_size", max_queue_size)
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) to evaluate_generator(): {', '.join(map(repr, sorted(kwargs)))}.")
        return self.evaluate(
            generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, verbose=verbose,
        )

    def predict_generator(
        self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, verbose=0, **kwargs
    ):
        """predict() on a generator or Sequence (Keras 2 spelling)."""
        kwargs = _legacy_kwargs("predict_generator", kwargs)
        steps = kwargs.pop("steps", steps)
        workers = kwargs.pop("workers", workers)
        use_multiprocessing = kwargs.pop("use_multiprocessing", use_multiprocessing)
        max_queue_size = kwargs.pop("max_queue_size", max_queue_size)
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) to predict_generator(): {', '.join(map(repr, sorted(kwargs)))}.")
        return self.predict(
            generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, verbose=verbose,
        )

    # -----------------------------------------------------------------------------------------
    # Summary, config, saving
    # -----------------------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None):
        """Prints a table of the layers, their output shapes and parameter counts."""
        from kerastorch.utils import layer_utils

        if not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` or calling "
                "`fit()` with some data, or specify an `input_shape` argument in the first layer(s) for "
                "automatic build."
            )
        layer_utils.print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on model '{self.name}', but the model isn't built. "
                "Build it first by calling `build()` or by calling it on data."
            )
        return super().count_params()

    def get_config(self):
        if self._graph is None:
            raise TypeError(
                f"Model '{self.name}' is a subclassed model: its get_config() must be implemented by the "
                "subclass (its structure is Python code, not data)."
            )
        config = {"name": self.name}
        config.update(self._graph.get_config())
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        inputs, outputs, _ = graph_module.rebuild_from_config(config, custom_objects=custom_objects)
        return cls(inputs=inputs, outputs=outputs, name=config.get("name"))

    def to_json(self, **kwargs):
        """The model architecture as a Keras 2 JSON string."""
        from kerastorch.saving import model_config

        return model_config.to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """The model architecture as a Keras 2 YAML string."""
        from kerastorch.saving import model_config

        return model_config.to_yaml(self, **kwargs)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
        """Saves architecture, weights and optimizer state (Keras 2 HDF5 layout, written atomically)."""
        from kerastorch.saving import hdf5

        hdf5.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer, save_format=save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        """Saves the weights in the Keras 2 HDF5 layout (written atomically)."""
        from kerastorch.saving import hdf5

        hdf5.save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        """Loads weights from a Keras HDF5 file (Keras 2 layout or the newer `.weights.h5` layout)."""
        from kerastorch.saving import hdf5

        return hdf5.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def reset_states(self):
        for layer in self._all_sublayers():
            if type(layer).reset_states is not layer_module.Layer.reset_states and not isinstance(layer, Model):
                layer.reset_states()

    @property
    def state_updates(self):
        return []

    def extra_repr(self):
        return f"name={self.name!r}"


def _legacy_kwargs(method, kwargs, generator=None):
    if not kwargs:
        return kwargs
    from kerastorch.legacy import interfaces

    return interfaces.convert_method_kwargs(method, kwargs, generator=generator)

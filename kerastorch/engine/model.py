"""Model: the Keras Model class, functional or subclassed, with its compile/fit/evaluate/predict and step methods."""


from kerastorch import backend
from kerastorch import distribute
from kerastorch.engine import compile as compile_module
from kerastorch.engine import functional_config
from kerastorch.engine import keras_tensor as kt
from kerastorch.engine import layer as layer_module
from kerastorch.engine import layer_build
from kerastorch.engine import layer_losses
from kerastorch.engine import layer_weights
from kerastorch.engine import model_graph
from kerastorch.engine import model_io
from kerastorch.engine import model_metrics
from kerastorch.engine import model_steps
from kerastorch.engine import model_symbolic
from kerastorch.engine import training_api
from kerastorch.engine import training_data


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
            model_graph.init_graph(self, inputs, outputs)

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

    def _weight_entries(self):
        # tf.keras 2: a model lists its weights layer by layer (get_weights/set_weights too); the
        # trainable-first order of `_ordered_entries` stays for HDF5 files of nested models.
        return layer_weights.model_entries(self)

    @property
    def inputs(self):
        return list(self._graph.inputs) if self._graph is not None else None

    @property
    def outputs(self):
        return list(self._graph.outputs) if self._graph is not None else None

    @property
    def input(self):
        return model_io.input_tensors(self)

    @property
    def output(self):
        return model_io.output_tensors(self)

    @property
    def input_mask(self):
        """The masks of the model's inputs (None: Inputs carry no mask), as tf.keras 2."""
        return model_io.input_mask(self)

    @property
    def output_mask(self):
        """The symbolic masks of the model's outputs (None where unmasked), as tf.keras 2."""
        return model_io.output_mask(self)

    @property
    def input_names(self):
        return model_io.input_names(self)

    @property
    def output_names(self):
        return model_io.output_names(self)

    @property
    def input_shape(self):
        if self._graph is None:
            return super().input_shape
        return model_io.input_shape(self)

    @property
    def output_shape(self):
        if self._graph is None:
            return super().output_shape
        return model_io.output_shape(self)

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value):
        pass

    def get_layer(self, name=None, index=None):
        """Returns a layer by name or by index in `layers`."""
        return model_io.get_layer(self, name, index)

    # -----------------------------------------------------------------------------------------
    # Calling
    # -----------------------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Runs the functional graph (subclassed models override this)."""
        return model_graph.run(self, inputs, training, mask)

    def __call__(self, inputs, *args, **kwargs):
        if not kt.any_symbolic(inputs) and not self.built:
            self._build_from_inputs(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _build_from_inputs(self, inputs):
        """Subclassed models: nothing to do; Sequential overrides to create its graph."""

    def compute_output_shape(self, input_shape):
        if self._graph is not None:
            refined = model_graph.refined_output_shapes(self, input_shape)
            if refined is not None:
                return refined
            shapes = [t.shape for t in self._graph.outputs]
            batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
            return model_graph.pack_outputs(self, [(batch,) + tuple(s[1:]) for s in shapes])
        return super().compute_output_shape(input_shape)

    def _nest_outputs(self, flat_outputs):
        """A node of this model records its outputs flat; nested as the model's outputs are."""
        return model_graph.pack_outputs(self, flat_outputs)

    def compute_mask(self, inputs, mask=None):
        if self._graph is not None and kt.any_symbolic(inputs):
            # Symbolic inputs give symbolic masks (tf.keras 2): KerasTensors, None where unmasked.
            masks = None if mask is None else list(mask) if isinstance(mask, (list, tuple)) else [mask]
            return model_graph.pack_outputs(self, self._graph.symbolic_masks(masks))
        return model_graph.compute_mask(self, inputs, mask)

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
        training_api.compile(
            self, optimizer=optimizer, loss=loss, metrics=metrics, loss_weights=loss_weights,
            sample_weight_mode=sample_weight_mode, weighted_metrics=weighted_metrics, target_tensors=target_tensors,
            run_eagerly=run_eagerly, jit_compile=jit_compile, kwargs=kwargs,
        )

    def _outputs_known(self):
        return self._graph is not None or getattr(self, "_subclass_output_names", None) is not None

    def _make_compiled(self):
        nested = self._nested_outputs if self._graph is not None else None
        output_keys = sorted(nested) if isinstance(nested, dict) else None
        self._compiled = compile_module.CompiledLoss(
            output_names=self.output_names, output_keys=output_keys, **self._compile_args
        )

    @property
    def run_eagerly(self):
        return True if self._run_eagerly is None else bool(self._run_eagerly)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = value

    @property
    def metrics_names(self):
        return model_metrics.metrics_names(self)

    @property
    def metrics(self):
        """The loss trackers and metric objects (tf.keras 2: empty until the model has trained or evaluated)."""
        return model_metrics.metrics(self)

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
    def train_step(self, data):
        """One optimization step on a batch `(x, y, sample_weight)` (lists per input/output)."""
        logs = model_steps.train_step(self, data)
        if layer_losses.added_metrics_seen() and self._compiled is not None:
            self._compiled.update_added_metrics(self)
        return logs

    def test_step(self, data):
        """Loss and metrics on a batch without updating weights."""
        logs = model_steps.test_step(self, data)
        if layer_losses.added_metrics_seen() and self._compiled is not None:
            self._compiled.update_added_metrics(self)
        return logs

    def predict_step(self, data):
        """The model outputs for a batch."""
        return model_steps.predict_step(self, data)

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
        layer_build.build_from_samples(self, xs_cpu, device)

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
        return training_api.fit(
            self, x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
            class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps, validation_freq=validation_freq,
            max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing, kwargs=kwargs,
        )

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
        return training_api.evaluate(
            self, x=x, y=y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight, steps=steps,
            callbacks=callbacks, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, return_dict=return_dict, kwargs=kwargs,
        )

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
        return training_api.predict(
            self, x=x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks,
            max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing, kwargs=kwargs,
        )

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True, return_dict=False):
        """One gradient update on a single batch; returns the loss or [loss, *metrics]."""
        return model_steps.train_on_batch(self, x, y, sample_weight, class_weight, reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss and metrics on a single batch; returns the loss or [loss, *metrics]."""
        return model_steps.test_on_batch(self, x, y, sample_weight, reset_metrics, return_dict)

    def predict_on_batch(self, x):
        """Predictions (NumPy) for a single batch."""
        return model_steps.predict_on_batch(self, x)

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
        return training_api.fit_generator(
            self, generator=generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
            validation_freq=validation_freq, class_weight=class_weight, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, shuffle=shuffle, initial_epoch=initial_epoch,
            kwargs=kwargs,
        )

    def evaluate_generator(
        self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, verbose=0, **kwargs
    ):
        """evaluate() on a generator or Sequence (Keras 2 spelling)."""
        return training_api.evaluate_generator(
            self, generator=generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose, kwargs=kwargs,
        )

    def predict_generator(
        self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, verbose=0, **kwargs
    ):
        """predict() on a generator or Sequence (Keras 2 spelling)."""
        return training_api.predict_generator(
            self, generator=generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose, kwargs=kwargs,
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

    # -----------------------------------------------------------------------------------------
    # Losses
    # -----------------------------------------------------------------------------------------
    def add_loss(self, losses, inputs=None):
        """Adds losses: symbolic tensors of a functional model, zero-argument callables, or tensors.

        A symbolic tensor (computed from the model's inputs by layers and `K.*` / loss functions)
        becomes part of the graph through an `AddLoss` layer, as in tf.keras 2: it is computed in
        every forward pass, added to the compiled loss, and saved with the model's config.

        Args:
            losses: a tensor, a callable, or a list of them.
            inputs: ignored (tf.keras 2 compatibility).
        """
        others = model_symbolic.add_symbolic_losses(self, losses)
        if others:
            super().add_loss(others, inputs)

    def add_metric(self, value, name=None, aggregation="mean", **kwargs):
        """Logs a metric: a symbolic tensor of a functional model (an `AddMetric` layer in its graph,
        as tf.keras 2), or a tensor computed during `call`.

        Args:
            value: a KerasTensor computed from the model's inputs, or a tensor.
            name: the metric's log name (required).
            aggregation: 'mean' (or None, the same).
        """
        if not kt.any_symbolic(value):
            return super().add_metric(value, name=name, aggregation=aggregation, **kwargs)
        model_symbolic.add_symbolic_metric(self, value, name, aggregation, kwargs)

    def get_config(self):
        return functional_config.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_config.from_config(cls, config, custom_objects=custom_objects)

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

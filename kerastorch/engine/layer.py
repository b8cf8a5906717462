"""Layer: the Keras layer life cycle (lazy build, add_weight, Keras-layout weights) on torch.nn.Module."""

import ast
import functools
import inspect
import textwrap

import torch

from kerastorch import backend
from kerastorch import mixed_precision
from kerastorch.engine import input_spec
from kerastorch.engine import layer_build
from kerastorch.engine import layer_config
from kerastorch.engine import layer_losses
from kerastorch.engine import layer_nodes
from kerastorch.engine import layer_weights
from kerastorch.engine import nest

LAYER_REGISTRY = {}

_BASE_KWARGS = (
    "name",
    "trainable",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "input_dim",
    "weights",
    "activity_regularizer",
    "autocast",
    "dynamic",
)


# Public path of Keras 2's `keras.engine.base_layer.InputSpec`.
InputSpec = input_spec.InputSpec

_KERAS_TENSOR_MODULE = []


@functools.lru_cache(maxsize=None)
def _call_assigns_in_place(call):
    """Whether a user-written `call` has an augmented assignment (`inputs -= m`).

    On TensorFlow `x -= m` rebinds `x` to a new tensor; on torch it writes into the tensor the
    layer was given (another layer's output, the caller's array). Such layers get copies.
    """
    if getattr(call, "__module__", "").startswith("kerastorch."):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(call)))
    except (OSError, TypeError, SyntaxError):
        return False
    return any(isinstance(node, ast.AugAssign) for node in ast.walk(tree))


def _fresh_tensor(value):
    return value.clone() if isinstance(value, torch.Tensor) else value


def _keras_tensor():
    """The keras_tensor module (imported late: it imports this one)."""
    if not _KERAS_TENSOR_MODULE:
        from kerastorch.engine import keras_tensor

        _KERAS_TENSOR_MODULE.append(keras_tensor)
    return _KERAS_TENSOR_MODULE[0]


class Layer(torch.nn.Module):
    """Base class of all Keras layers: a torch.nn.Module built lazily on its first input.

    Args:
        name: layer name; unique names such as `dense_1` are generated when None.
        trainable: whether the weights are updated by training.
        dtype: dtype of the weights (default `backend.floatx()`).
        input_shape / batch_input_shape / batch_size / input_dim: the input shape of a first layer.
        weights: initial weights (a list of NumPy arrays in Keras layout), set after build.
        activity_regularizer: regularizer applied to the output.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Built-in classes are found by their Keras class name when configs are deserialized.
        if cls.__module__.startswith("kerastorch.") and not cls.__name__.startswith("_"):
            LAYER_REGISTRY.setdefault(cls.__name__, cls)
        if "build" in cls.__dict__ and not getattr(cls.__dict__["build"], "_marks_built", False):
            cls.build = layer_build.marking_built(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # tf.keras 2 auto config: user layers that keep the base get_config record their arguments.
        user_layer = not cls.__module__.startswith("kerastorch.") and cls.get_config is Layer.get_config
        auto = layer_config.auto_config(cls, args, kwargs) if user_layer else None
        object.__setattr__(instance, "_auto_config", auto)
        return instance

    def __init__(self, **kwargs):
        unknown = [key for key in kwargs if key not in _BASE_KWARGS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword argument(s): {', '.join(map(repr, unknown))}."
            )
        super().__init__()
        name = kwargs.get("name")
        if name is None:
            name = backend.unique_object_name(self._default_name())
        elif not isinstance(name, str):
            raise TypeError(f"{type(self).__name__} expects `name` to be a string. Received: name={name!r}")
        self.name = name
        self._trainable = bool(kwargs.get("trainable", True))
        self._dtype_arg = kwargs.get("dtype")
        self._dtype_policy = mixed_precision.policy_of(self._dtype_arg)
        self._torch_dtype = backend.standardize_dtype(self._dtype_policy.variable_dtype)
        self.built = False
        self.supports_masking = getattr(self, "supports_masking", False)
        self.input_spec = getattr(self, "input_spec", None)
        self._weight_specs = []
        self._activity_losses = []
        self._extra_losses = []
        self._call_losses = []
        # add_metric: (name, value) pairs of the last call, and every name added so far (in order).
        self._call_metrics = []
        self._metric_names = []
        self._initial_weights = kwargs.get("weights")
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._build_input_shape = None
        self._checked_spec = None
        self._stateful_flag = False
        from kerastorch import regularizers

        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None:
            input_shape = kwargs.get("input_shape")
            if input_shape is None and kwargs.get("input_dim") is not None:
                input_shape = (kwargs["input_dim"],)
            if input_shape is not None:
                if isinstance(input_shape, int):
                    input_shape = (input_shape,)
                batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)
        # Keras layers called outside fit() run in inference mode; fit() switches to train().
        self.training = False
        signature = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in signature
        self._call_takes_mask = "mask" in signature
        self._call_takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in signature.values())
        self._call_copies_inputs = _call_assigns_in_place(type(self).call)

    @classmethod
    def _default_name(cls):
        return backend.to_snake_case(cls.__name__)

    # -----------------------------------------------------------------------------------------
    # Life cycle
    # -----------------------------------------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights; the base implementation only records the shape."""
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation; the base layer is the identity."""
        return inputs

    def forward(self, inputs, *args, **kwargs):
        if self._call_copies_inputs:
            inputs = nest.map_structure(_fresh_tensor, inputs)
        return self.call(inputs, *args, **kwargs)

    def __call__(self, inputs, *args, **kwargs):
        """Builds on the first input, checks the input spec, then runs `call` (or records a node)."""
        if isinstance(inputs, torch.Tensor):
            if inputs.dtype != self._torch_dtype and inputs.is_floating_point() and self._autocast_inputs:
                inputs = self._cast_input(inputs)
            if not self.built:
                self._maybe_build(inputs)
            spec = self.input_spec
            # The spec check runs once per new (spec, shape) pair: the hot path of a training step.
            if spec is not None and self._checked_spec != (spec, inputs.shape):
                input_spec._check_input_spec(self, spec, [tuple(inputs.shape)])
                self._checked_spec = (spec, inputs.shape)
        else:
            if _keras_tensor().any_symbolic(inputs):
                return _keras_tensor().call_symbolic(self, inputs, args, kwargs)
            inputs = self._convert_inputs(inputs)
            if not self.built:
                self._maybe_build(inputs)
            if self.input_spec is not None:
                shapes = [tuple(t.shape) for t in nest.flatten(inputs) if t is not None]
                input_spec._check_input_spec(self, self.input_spec, shapes)
        if self._call_losses:
            self._call_losses = []
        if self._call_metrics:
            self._call_metrics = []
        if kwargs:
            if not self._call_takes_mask:
                kwargs.pop("mask", None)
            if not self._call_takes_training and not self._call_takes_kwargs:
                kwargs.pop("training", None)
        if mixed_precision.POLICY_CALLS[0]:
            outputs = mixed_precision.call_under_policy(self, inputs, args, kwargs)
        else:
            outputs = torch.nn.Module.__call__(self, inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            layer_losses.add_activity_losses(self, outputs)
        return outputs

    _autocast_inputs = True
    _call_copies_inputs = False

    def _cast_input(self, inputs):
        """Float inputs take the layer's dtype (tf.keras autocast), except under torch.autocast."""
        if not self._torch_dtype.is_floating_point or torch.is_autocast_enabled(inputs.device.type):
            return inputs
        return inputs.to(self._torch_dtype)

    def _convert_inputs(self, inputs):
        """NumPy / list inputs as tensors of the layer's float dtype, on the device of its weights."""
        return layer_build.convert_inputs(self, inputs)

    def _maybe_build(self, inputs):
        """Calls build() once, on the device of the first input, then applies initial weights."""
        layer_build.maybe_build(self, inputs)

    def _build_on(self, input_shape, device=None):
        layer_build.build_on(self, input_shape, device)

    def _current_device(self):
        for tensor in self.parameters():
            return tensor.device
        return None

    # -----------------------------------------------------------------------------------------
    # Weights
    # -----------------------------------------------------------------------------------------
    def add_weight(
        self,
        name=None,
        shape=None,
        dtype=None,
        initializer=None,
        regularizer=None,
        trainable=True,
        constraint=None,
        layout=None,
        **kwargs,
    ):
        """Creates a weight, registers it on the layer and returns it (a torch.nn.Parameter).

        Args:
            name: weight name (`kernel`, `bias`, ...).
            shape: shape in Keras layout.
            dtype: dtype (default: the layer's).
            initializer: name, config or callable `init(shape, dtype)`; default glorot_uniform for
                floats.
            regularizer, constraint: as in Keras, applied to the Keras-layout value.
            trainable: False for statistics such as BatchNormalization moving means.
            layout: None (Keras layout), a permutation tuple, or an object with
                `to_torch`/`to_keras` for layers that keep a torch layout.
        """
        return layer_weights.add_weight(
            self, name, shape, dtype, initializer, regularizer, trainable, constraint, layout, kwargs
        )

    def __getattr__(self, name):
        try:
            return torch.nn.Module.__getattr__(self, name)
        except AttributeError:
            # A property that raised AttributeError (`layer.input_shape` of a layer never called)
            # lands here: run it again so that its own message reaches the user.
            prop = getattr(type(self), name, None)
            if isinstance(prop, property) and prop.fget is not None:
                return prop.fget(self)
            raise

    def __setattr__(self, name, value):
        # A weight assigned under a second attribute name (`self.W = self.add_weight('kernel', ...)`)
        # stays a plain alias so state_dict keeps one entry per weight.
        if isinstance(value, torch.nn.Parameter) and "_parameters" in self.__dict__:
            for key, param in self._parameters.items():
                if param is value:
                    if key != name:
                        object.__setattr__(self, name, value)
                    return
        super().__setattr__(name, value)

    def _sublayers(self):
        """Direct sub-layers in registration order, looking through plain torch containers."""
        found = []
        stack = list(self._modules.values())
        while stack:
            module = stack.pop(0)
            if module is None:
                continue
            if isinstance(module, Layer):
                found.append(module)
            else:
                stack[:0] = list(module._modules.values())
        return found

    def _all_sublayers(self):
        return [module for module in self.modules() if module is not self and isinstance(module, Layer)]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in [self] + self._all_sublayers():
            layer._trainable = value
            layer._sync_requires_grad()
        layer_weights._STRUCTURE_VERSION[0] += 1

    def _sync_requires_grad(self):
        for spec in self._weight_specs:
            param = self._parameters[spec.attr]
            if param.is_floating_point():
                param.requires_grad_(bool(spec.trainable and self._trainable))

    def _entries(self, trainable):
        """(layer, spec) pairs of the trainable or non-trainable weights, in Keras order."""
        return layer_weights.entries(self, trainable)

    def _ordered_entries(self):
        """(layer, spec) pairs: all trainable weights, then all non-trainable ones (the HDF5 order)."""
        return self._entries(True) + self._entries(False)

    def _weight_entries(self):
        """(layer, spec) pairs in `weights` order: trainable then non-trainable (models: per layer)."""
        return self._ordered_entries()

    @property
    def trainable_weights(self):
        return [layer._parameters[spec.attr] for layer, spec in self._entries(True)]

    @property
    def non_trainable_weights(self):
        return [layer._parameters[spec.attr] for layer, spec in self._entries(False)]

    @property
    def weights(self):
        return [layer._parameters[spec.attr] for layer, spec in self._weight_entries()]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def _weight_keras_names(self):
        """Keras names (`dense_1/kernel:0`) of `weights`, in the same order."""
        return [f"{layer.name}/{spec.name}:0" for layer, spec in self._weight_entries()]

    def get_weights(self):
        """Returns the weights as NumPy arrays in Keras layout and Keras order."""
        return layer_weights.get_weights(self)

    def set_weights(self, weights):
        """Sets the weights from NumPy arrays in Keras layout and Keras order."""
        layer_weights.set_weights(self, weights)

    def _assign_weight(self, spec, value):
        layer_weights.assign_weight(self, spec, value)

    def count_params(self):
        """Number of scalars in the weights (Keras counts every weight, trainable or not)."""
        return layer_weights.count_params(self)

    def _apply_one_constraint(self, spec):
        """Projects one weight with its constraint, in Keras layout, after an optimizer step."""
        layer_weights.apply_constraint(self, spec)

    # -----------------------------------------------------------------------------------------
    # Losses
    # -----------------------------------------------------------------------------------------
    def add_loss(self, losses, inputs=None):
        """Adds losses: tensors added during `call` last until the next call; callables persist."""
        layer_losses.add_loss(self, losses)

    def add_metric(self, value, name=None, aggregation="mean", **kwargs):
        """Logs `value` (a tensor computed in `call`) as the metric `name`, averaged over the epoch.

        As tf.keras 2's `add_metric`: each call adds the value's elements to a running mean (a scalar
        counts once per batch), shown under `name` in the logs, History and `evaluate` results.

        Args:
            value: a tensor (or number) computed during `call`.
            name: the metric's log name (required).
            aggregation: 'mean' (or None, the same).
        """
        layer_losses.add_metric(self, value, name, aggregation, kwargs)

    @property
    def losses(self):
        """Weight regularization (from the current weights) plus activity and added losses."""
        return layer_losses.losses(self)

    # -----------------------------------------------------------------------------------------
    # Shapes, masks, config
    # -----------------------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`; the base layer probes `call` on meta tensors."""
        from kerastorch.engine import shape_probe

        return shape_probe.probe_output_shape(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        """The output mask: the input mask for layers that support masking, else None."""
        # tf.keras 2 drops the mask at layers that do not support masking.
        if not self.supports_masking:
            return None
        return mask

    @property
    def input_shape(self):
        return layer_nodes.input_shape(self)

    @property
    def output_shape(self):
        return layer_nodes.output_shape(self)

    @property
    def input(self):
        return layer_nodes.input_tensors(self)

    @property
    def output(self):
        return layer_nodes.output_tensors(self)

    def get_input_at(self, node_index):
        """The input tensor(s) of the layer's call number `node_index` (0-based).

        Args:
            node_index: index of the call (node) of this layer.
        """
        return layer_nodes.node_attribute(self, node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        """The output tensor(s) of the layer's call number `node_index` (0-based).

        Args:
            node_index: index of the call (node) of this layer.
        """
        return layer_nodes.node_attribute(self, node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index):
        """The input shape(s) of the layer's call number `node_index` (0-based).

        Args:
            node_index: index of the call (node) of this layer.
        """
        return layer_nodes.node_attribute(self, node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index):
        """The output shape(s) of the layer's call number `node_index` (0-based).

        Args:
            node_index: index of the call (node) of this layer.
        """
        return layer_nodes.node_attribute(self, node_index, "output_shapes", "output shape")

    def get_input_mask_at(self, node_index):
        """The mask(s) of the inputs of call number `node_index` (None where unmasked).

        Args:
            node_index: index of the call (node) of this layer.
        """
        return layer_nodes.masks_of(self.get_input_at(node_index))

    def get_output_mask_at(self, node_index):
        """The mask(s) of the outputs of call number `node_index` (None where unmasked).

        Args:
            node_index: index of the call (node) of this layer.
        """
        return layer_nodes.masks_of(self.get_output_at(node_index))

    @property
    def input_mask(self):
        """The input mask of the layer's only call (None where unmasked)."""
        return layer_nodes.input_mask(self)

    @property
    def output_mask(self):
        """The output mask of the layer's only call (None where unmasked)."""
        return layer_nodes.output_mask(self)

    @property
    def dtype(self):
        return backend.dtype_name(self._torch_dtype)

    @property
    def dtype_policy(self):
        """The layer's `mixed_precision.Policy`."""
        return self._dtype_policy

    @property
    def compute_dtype(self):
        """The dtype the layer computes in ('float16' under 'mixed_float16'; weights stay `dtype`)."""
        return self._dtype_policy.compute_dtype

    @property
    def stateful(self):
        return self._stateful_flag

    @stateful.setter
    def stateful(self, value):
        self._stateful_flag = bool(value)

    def reset_states(self):
        """Clears the state of stateful sub-layers (RNNs)."""
        for layer in self._all_sublayers():
            if type(layer).reset_states is not Layer.reset_states:
                layer.reset_states()

    def get_config(self):
        """The constructor arguments, JSON-serializable.

        A user layer that does not override `get_config` gets the arguments it was constructed
        with when they are plain values (str, numbers, bools, None, lists/dicts of them), as tf.keras 2.
        """
        config = layer_config.base_config(self, type(self).__init__ is not Layer.__init__)
        auto = self.__dict__.get("_auto_config")
        if auto is not None and type(self).get_config is Layer.get_config:
            layer_config.merge_auto_config(type(self), config, auto)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def extra_repr(self):
        return f"name={self.name!r}"

    def __repr__(self):
        return torch.nn.Module.__repr__(self)

    def _apply(self, fn, *args, **kwargs):
        # `.half()`, `.double()`, `.to(dtype)`: the layer then computes in its weights' new dtype.
        result = super()._apply(fn, *args, **kwargs)
        if self._torch_dtype.is_floating_point:
            try:
                converted = fn(torch.empty(0, dtype=self._torch_dtype))
            except (RuntimeError, NotImplementedError, TypeError):
                converted = None
            if isinstance(converted, torch.Tensor) and converted.dtype != self._torch_dtype:
                self._torch_dtype = converted.dtype
        return result

    # torch.save / pickle of whole layers: lambdas and nested functions are stored as bytecode.
    def __getstate__(self):
        from kerastorch.engine import torch_interop

        return torch_interop.layer_state(super().__getstate__())

    def __setstate__(self, state):
        from kerastorch.engine import torch_interop

        super().__setstate__(torch_interop.restore_state(state))

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """torch's load_state_dict; keys from another instance of the same architecture (other
        auto-generated layer names such as `dense_3` for `dense_1`) are matched in order."""
        from kerastorch.engine import torch_interop

        state_dict = torch_interop.remap_state_dict(self, state_dict)
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

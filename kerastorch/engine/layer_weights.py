"""Layer weights: Keras-layout storage, creation (add_weight), Keras-order listing, get/set and constraints."""

import copy
import re

import numpy as np
import torch

from kerastorch import backend

# Bumped whenever weights are created or trainability changes, so models know when to rebuild
# their optimizer.
_STRUCTURE_VERSION = [0]


def structure_version():
    return _STRUCTURE_VERSION[0]


# Layers whose build() is running, outermost first: a weight created by a sub-layer built inside
# another layer's build (an RNN's cell) is named under it, as tf.keras's name scopes do.
_BUILD_SCOPE = []


class building:
    """Context manager: `layer` is building (its name prefixes the weights created meanwhile)."""

    def __init__(self, layer):
        self.layer = layer
        self.pushed = False

    def __enter__(self):
        from kerastorch.engine import model as model_module

        if not isinstance(self.layer, model_module.Model) and not any(s is self.layer for s in _BUILD_SCOPE):
            _BUILD_SCOPE.append(self.layer)
            self.pushed = True
        return self

    def __exit__(self, *exc):
        if self.pushed:
            _BUILD_SCOPE.pop()
        return False


# Layers (by id) left out of weight names while a wrapper builds them: tf.keras's TimeDistributed
# calls the inner layer's build() directly, inside its own name scope only (`td/kernel:0`).
_HIDDEN_SCOPES = set()


class hidden_scope:
    """Context manager: weights created meanwhile leave `layers`' names out of their Keras names."""

    def __init__(self, *layers):
        self.ids = [id(layer) for layer in layers if id(layer) not in _HIDDEN_SCOPES]

    def __enter__(self):
        _HIDDEN_SCOPES.update(self.ids)
        return self

    def __exit__(self, *exc):
        _HIDDEN_SCOPES.difference_update(self.ids)
        return False


def _scope_names(layer):
    """The name scopes of a weight `layer` creates now: the layers being built around it, then itself."""
    scope = [outer for outer in _BUILD_SCOPE if outer is not layer] + [layer]
    return [outer.name for outer in scope if id(outer) not in _HIDDEN_SCOPES]


def _rebuild_weight(data, requires_grad, state):
    weight = KerasWeight(data, requires_grad)
    weight.__dict__.update(state)
    return weight


class KerasWeight(torch.nn.Parameter):
    """A torch.nn.Parameter with the Keras weight name (`dense_1/kernel:0`) as `name`."""

    @property
    def name(self):
        return self.__dict__.get("_keras_name")

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = super().__deepcopy__(memo)
        result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_weight, (self.data, self.requires_grad, dict(self.__dict__)))


class _Permutation:
    """Layout that stores `keras_value.permute(perm)` in torch."""

    def __init__(self, perm):
        self.perm = tuple(perm)
        self.inverse = tuple(int(i) for i in np.argsort(self.perm))

    def to_torch(self, value):
        return value.permute(self.perm)

    def to_keras(self, value):
        return value.permute(self.inverse)


class _WeightSpec:
    """What a Layer knows about one weight: its attribute, Keras name, layout, regularizer, constraint."""

    __slots__ = ("attr", "name", "trainable", "layout", "regularizer", "constraint", "keras_shape")

    def __init__(self, attr, name, trainable, layout, regularizer, constraint, keras_shape):
        self.attr = attr
        self.name = name
        self.trainable = trainable
        self.layout = layout
        self.regularizer = regularizer
        self.constraint = constraint
        self.keras_shape = keras_shape


def add_weight(layer, name, shape, dtype, initializer, regularizer, trainable, constraint, layout, kwargs):
    """Creates a weight, registers it on `layer` and returns it (the arguments of `Layer.add_weight`)."""
    from kerastorch import constraints
    from kerastorch import initializers
    from kerastorch import regularizers

    for key in ("use_resource", "synchronization", "aggregation", "partitioner", "experimental_autocast", "autocast"):
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError(
            f"{type(layer).__name__}.add_weight got unexpected keyword argument(s): "
            f"{', '.join(map(repr, kwargs))}."
        )
    if shape is None:
        shape = ()
    shape = tuple(int(d) for d in shape)
    if name is None:
        name = f"weight_{len(layer._weight_specs)}"
    torch_dtype = backend.standardize_dtype(dtype) if dtype is not None else layer._torch_dtype
    if initializer is None:
        initializer = "glorot_uniform" if torch_dtype.is_floating_point else "zeros"
    init = initializers.get(initializer)
    value = init(shape, dtype=backend.dtype_name(torch_dtype))
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(np.asarray(value))
    value = value.to(torch_dtype)
    if isinstance(layout, (tuple, list)):
        layout = _Permutation(layout)
    if layout is not None:
        value = layout.to_torch(value)
    parameter = KerasWeight(
        value.contiguous(), requires_grad=bool(trainable and layer._trainable and torch_dtype.is_floating_point)
    )
    parameter._keras_name = "/".join(_scope_names(layer) + [name]) + ":0"
    attr = re.sub(r"\W", "_", name.split("/")[-1].split(":")[0]) or "weight"
    if attr[0].isdigit():
        attr = "w_" + attr
    base, index = attr, 1
    if attr in layer.__dict__ and layer.__dict__[attr] is None:
        del layer.__dict__[attr]  # a `self.kernel = None` placeholder: the weight takes its name
    while attr in layer._parameters or attr in layer._modules or (attr in layer.__dict__):
        index += 1
        attr = f"{base}_{index}"
    layer.register_parameter(attr, parameter)
    _STRUCTURE_VERSION[0] += 1
    layer._weight_specs.append(
        _WeightSpec(
            attr,
            name,
            bool(trainable),
            layout,
            regularizers.get(regularizer),
            constraints.get(constraint),
            shape,
        )
    )
    return parameter


def entries(layer, trainable):
    """(layer, spec) pairs of the trainable or non-trainable weights of `layer`, in Keras order."""
    own_trainable = [(layer, spec) for spec in layer._weight_specs if spec.trainable]
    own_frozen = [(layer, spec) for spec in layer._weight_specs if not spec.trainable]
    children = layer._sublayers()
    if trainable:
        if not layer._trainable:
            return []
        return own_trainable + [entry for child in children for entry in child._entries(True)]
    if layer._trainable:
        return own_frozen + [entry for child in children for entry in child._entries(False)]
    return (
        own_trainable
        + own_frozen
        + [entry for child in children for entry in child._entries(True) + child._entries(False)]
    )


def model_entries(model):
    """(layer, spec) pairs of a model's weights as tf.keras 2 lists them: layer by layer, then its own.

    Each layer contributes its own `weights` order (trainable, then non-trainable), whatever the
    trainable flags, so `get_weights()` of a tf.keras model feeds `set_weights()` here.
    """
    found, seen = [], set()
    own = [(model, spec) for spec in model._weight_specs]
    own = [entry for entry in own if entry[1].trainable] + [entry for entry in own if not entry[1].trainable]
    for owner, spec in [entry for layer in model.layers for entry in layer._weight_entries()] + own:
        key = (id(owner), spec.attr)
        if key not in seen:
            seen.add(key)
            found.append((owner, spec))
    return found


def keras_values(entries):
    """NumPy copies, in Keras layout, of the weights of `(layer, spec)` entries, in their order."""
    arrays = []
    with torch.no_grad():
        for owner, spec in entries:
            value = owner._parameters[spec.attr].detach()
            if spec.layout is not None:
                value = spec.layout.to_keras(value)
            arrays.append(value.cpu().numpy().copy())
    return arrays


def get_weights(layer):
    """The weights of `layer` as NumPy arrays in Keras layout and Keras order."""
    return keras_values(layer._weight_entries())


def set_weights(layer, weights):
    """Sets the weights of `layer` from NumPy arrays in Keras layout and Keras order."""
    ordered = layer._weight_entries()
    weights = list(weights)
    if len(weights) != len(ordered):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' expects {len(ordered)} weight arrays "
            f"({', '.join(spec.name for _, spec in ordered) or 'none'}), got {len(weights)}."
        )
    with torch.no_grad():
        for (owner, spec), value in zip(ordered, weights):
            owner._assign_weight(spec, value)


def assign_weight(layer, spec, value):
    """Copies one Keras-layout array into the weight `spec` of `layer`, checking its shape."""
    param = layer._parameters[spec.attr]
    array = np.asarray(value)
    if tuple(array.shape) != tuple(spec.keras_shape):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' weight '{spec.name}' has shape "
            f"{tuple(spec.keras_shape)}, got an array of shape {tuple(array.shape)}."
        )
    tensor = torch.as_tensor(array.copy() if not array.flags.writeable else array)
    if spec.layout is not None:
        tensor = spec.layout.to_torch(tensor)
    with torch.no_grad():
        param.copy_(tensor.to(dtype=param.dtype))


def count_params(layer):
    """Number of scalars in the weights of `layer` (Keras counts every weight, trainable or not)."""
    if not layer.built:
        raise ValueError(
            f"You tried to call count_params on layer '{layer.name}', but the layer isn't built. "
            "Build it first by calling it on an input or with build(input_shape)."
        )
    return int(sum(int(np.prod(spec.keras_shape)) for _, spec in layer._ordered_entries()))


def apply_constraint(layer, spec):
    """Projects one weight of `layer` with its constraint, in Keras layout, after an optimizer step."""
    with torch.no_grad():
        param = layer._parameters[spec.attr]
        value = param if spec.layout is None else spec.layout.to_keras(param)
        value = spec.constraint(value)
        if spec.layout is not None:
            value = spec.layout.to_torch(value)
        param.copy_(value)

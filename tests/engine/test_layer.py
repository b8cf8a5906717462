"""The Layer base: lazy build, add_weight, Keras layouts, trainability, names, errors."""

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import optimizers
from kerastorch import regularizers
from kerastorch.engine.layer import InputSpec
from kerastorch.engine.layer import Layer
from kerastorch.layers import Dense
from kerastorch.models import Sequential


class KerasStyleDense(Layer):
    """A custom layer written exactly as for Keras 2."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim), initializer="uniform", trainable=True)
        super().build(input_shape)

    def call(self, x):
        return backend.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


class PermutedKernel(Layer):
    """Stores its kernel in torch layout (out, in) while Keras layout is (in, out)."""

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], 3), initializer="glorot_uniform", layout=(1, 0))

    def call(self, x):
        return torch.nn.functional.linear(x, self.kernel)


def test_lazy_build_creates_weights_on_first_call():
    layer = KerasStyleDense(4)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 3), dtype="float32"))
    assert layer.built
    assert out.shape == (2, 4)
    assert [tuple(w.shape) for w in layer.get_weights()] == [(3, 4)]
    np.testing.assert_allclose(out.detach().numpy(), np.ones((2, 3)) @ layer.get_weights()[0], rtol=1e-6)


def test_custom_keras_layer_trains_in_sequential():
    model = Sequential([KerasStyleDense(1, input_shape=(3,))])
    model.compile(optimizers.SGD(learning_rate=0.2), "mse")
    x = np.random.rand(64, 3).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before / 4


def test_layout_permutation_keeps_keras_layout_at_the_edges():
    layer = PermutedKernel()
    layer.build((None, 5))
    assert tuple(layer.kernel.shape) == (3, 5)
    keras_kernel = np.arange(15, dtype="float32").reshape(5, 3)
    layer.set_weights([keras_kernel])
    np.testing.assert_array_equal(layer.get_weights()[0], keras_kernel)
    x = np.random.rand(2, 5).astype("float32")
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ keras_kernel, rtol=1e-5)


def test_names_are_uniquified_and_reset_by_clear_session():
    assert [Dense(1).name for _ in range(3)] == ["dense_1", "dense_2", "dense_3"]
    backend.clear_session()
    assert Dense(1).name == "dense_1"


def test_unknown_kwarg_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="'bogus'"):
        Dense(2, bogus=3)


def test_input_spec_error_names_layer_and_shapes():
    layer = Dense(2, name="dense_1")
    layer(np.zeros((4, 20), dtype="float32"))
    with pytest.raises(ValueError, match=r"Dense 'dense_1' expects input with last dimension 20, got shape \(32, 21\)"):
        layer(np.zeros((32, 21), dtype="float32"))


def test_input_spec_ndim_check():
    class Needs3D(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = InputSpec(ndim=3)

    with pytest.raises(ValueError, match="ndim=3, got ndim=2"):
        Needs3D(name="n")(np.zeros((2, 2), dtype="float32"))


def test_input_spec_is_one_class_under_its_public_paths():
    import kerastorch.engine
    import kerastorch.layers
    from kerastorch.engine import input_spec
    from kerastorch.engine import layer
    from kerastorch.engine import topology

    paths = [layer.InputSpec, kerastorch.layers.InputSpec, topology.InputSpec, kerastorch.engine.InputSpec]
    assert all(found is input_spec.InputSpec for found in paths)


def test_trainable_flag_freezes_and_moves_weights():
    layer = Dense(3)
    layer.build((None, 2))
    assert len(layer.trainable_weights) == 2 and layer.non_trainable_weights == []
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not any(p.requires_grad for p in layer.parameters())
    layer.trainable = True
    assert all(p.requires_grad for p in layer.parameters())


def test_frozen_layer_is_not_updated_by_fit():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(1)])
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    frozen = model.layers[0].get_weights()
    trained = model.layers[1].get_weights()
    model.fit(np.random.rand(32, 3), np.random.rand(32, 1), epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(trained[0], model.layers[1].get_weights()[0])


def test_set_weights_checks_count_and_shapes():
    layer = Dense(3, name="d")
    layer.build((None, 2))
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        layer.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(2, 3\), got an array of shape \(3, 3\)"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(3)])


def test_initial_weights_kwarg():
    kernel = np.ones((2, 3), dtype="float32")
    bias = np.arange(3, dtype="float32")
    layer = Dense(3, weights=[kernel, bias])
    out = layer(np.ones((1, 2), dtype="float32"))
    np.testing.assert_allclose(out.detach().numpy(), [[2.0, 3.0, 4.0]])


def test_weight_regularization_appears_in_losses():
    layer = Dense(2, kernel_regularizer=regularizers.l2(0.1))
    layer.build((None, 2))
    layer.set_weights([np.array([[1.0, 2.0], [3.0, 0.0]]), np.zeros(2)])
    (loss,) = layer.losses
    assert float(loss.detach()) == pytest.approx(0.1 * (1 + 4 + 9))


def test_count_params_and_state_dict_keys():
    model = Sequential([Dense(4, input_shape=(3,), name="a"), Dense(2, name="b")])
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert list(model.state_dict()) == ["a.kernel", "a.bias", "b.kernel", "b.bias"]


def test_weight_alias_under_second_attribute_is_not_duplicated():
    class Alias(Layer):
        def build(self, input_shape):
            self.W = self.add_weight("kernel", (input_shape[-1], 2))

        def call(self, x):
            return x @ self.W

    layer = Alias()
    layer(np.ones((1, 3), dtype="float32"))
    assert list(layer.state_dict()) == ["kernel"]


def test_add_loss_during_call_lasts_one_call():
    class Penalized(Layer):
        def call(self, x):
            self.add_loss(x.abs().sum())
            return x

    layer = Penalized()
    layer(torch.ones(2, 2))
    layer(torch.ones(1, 2))
    assert [float(v) for v in layer.losses] == [2.0]

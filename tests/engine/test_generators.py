"""Generators, Sequence (threads/processes) and torch DataLoader through the one loop."""

import multiprocessing

import numpy as np
import pytest
import torch

from kerastorch import callbacks
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.models import Model
from kerastorch.models import Sequential
from kerastorch.utils import Sequence

RNG = np.random.RandomState(0)
X = RNG.randn(96, 4).astype("float32")
Y = (X[:, 0] > 0).astype("float32")[:, None]


class ArraySequence(Sequence):
    def __init__(self, x, y, batch_size=16, fail_at=None):
        self.x, self.y, self.batch_size, self.fail_at = x, y, batch_size, fail_at
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        if index == self.fail_at:
            raise ValueError(f"boom {index}")
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def fresh_model():
    torch.manual_seed(7)
    model = Sequential([Dense(4, activation="relu", input_shape=(4,)), Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    return model


def batches(x, y, batch_size=16, weights=None):
    while True:
        for start in range(0, len(x), batch_size):
            part = slice(start, start + batch_size)
            if weights is None:
                yield x[part], y[part]
            else:
                yield x[part], y[part], weights[part]


def test_generator_fit_equals_array_fit_without_shuffle():
    by_generator = fresh_model()
    by_generator.fit(batches(X, Y), steps_per_epoch=6, epochs=2, verbose=0)
    by_arrays = fresh_model()
    by_arrays.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(by_generator.get_weights(), by_arrays.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_sequence_with_process_workers_matches_main_thread():
    results = []
    for workers, processes in ((0, False), (2, True), (2, False)):
        model = fresh_model()
        model.fit(ArraySequence(X, Y), epochs=2, shuffle=False, workers=workers, use_multiprocessing=processes, verbose=0)
        results.append(model.get_weights())
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    assert multiprocessing.active_children() == []


def test_sequence_length_sets_steps_and_on_epoch_end_runs():
    seq = ArraySequence(X, Y)
    seen = []
    model = fresh_model()
    model.fit(seq, epochs=2, workers=0, verbose=0,
              callbacks=[callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))])
    assert seen == list(range(6)) * 2
    assert seq.epochs_ended >= 1


@pytest.mark.parametrize("processes", [False, True])
def test_worker_exception_surfaces_in_the_caller(processes):
    model = fresh_model()
    with pytest.raises(ValueError, match="boom 3"):
        model.fit(ArraySequence(X, Y, fail_at=3), epochs=1, workers=2, use_multiprocessing=processes, verbose=0)
    assert multiprocessing.active_children() == []


def test_generator_with_sample_weights_and_validation_generator():
    weights = np.ones(len(X), "float32")
    model = fresh_model()
    history = model.fit_generator(
        batches(X, Y, weights=weights), steps_per_epoch=6, epochs=2,
        validation_data=batches(X, Y), validation_steps=6, verbose=0,
    )
    assert len(history.history["val_loss"]) == 2
    expected = model.evaluate(X, Y, batch_size=16, verbose=0)
    np.testing.assert_allclose(model.evaluate_generator(batches(X, Y), steps=6), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict_generator((x for x, _ in batches(X, Y)), steps=6), model.predict(X), rtol=1e-6)


def test_class_weight_with_generator():
    model = fresh_model()
    model.fit(batches(X, Y), steps_per_epoch=6, epochs=1, class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_torch_dataloader_and_dataset_inputs():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=False)
    by_loader = fresh_model()
    by_loader.fit(loader, epochs=2, verbose=0)
    by_arrays = fresh_model()
    by_arrays.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(by_loader.get_weights(), by_arrays.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(by_loader.evaluate(loader, verbose=0), by_arrays.evaluate(X, Y, batch_size=16, verbose=0), rtol=1e-5)
    model = fresh_model()
    with pytest.warns(UserWarning, match="batch_size"):
        model.fit(loader, batch_size=8, epochs=1, verbose=0)
    model.fit(dataset, batch_size=32, epochs=1, verbose=0)


def test_dict_batches_for_multi_input_models():
    from kerastorch import layers

    a, b = Input((2,), name="a"), Input((2,), name="b")
    out = Dense(1, name="out")(layers.concatenate([a, b]))
    model = Model([a, b], out)
    model.compile("sgd", "mse")

    def dict_batches():
        while True:
            yield {"a": X[:16, :2], "b": X[:16, 2:]}, {"out": Y[:16]}

    model.fit(dict_batches(), steps_per_epoch=2, epochs=1, verbose=0)
    loader = torch.utils.data.DataLoader(
        [{"a": X[i, :2], "b": X[i, 2:], "out": Y[i]} for i in range(32)], batch_size=8
    )
    model.fit(loader, epochs=1, verbose=0)


def test_generator_without_targets_is_rejected_for_training():
    model = fresh_model()
    with pytest.raises(ValueError, match=r"\(x, y, sample_weight\)"):
        model.fit((x for x, _ in batches(X, Y)), steps_per_epoch=2, verbose=0)

"""Files written by kerastorch open in real Keras 3 and tf.keras 2 and predict the same (skipped without them)."""

import os
import subprocess
import textwrap

import numpy as np
import pytest

from kerastorch import layers as L
from kerastorch import models
from kerastorch import optimizers

# Scratch installs used to check interoperability; neither is a dependency (CI skips these tests).
KERAS3_PYTHON = "/tmp/kvenv/bin/python"
TF_KERAS_PYTHON = "/tmp/tfvenv/bin/python"
_IMPORTS = {
    "keras3": 'os.environ["KERAS_BACKEND"] = "torch"\nimport keras',
    "tf_keras2": 'os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"\nimport tensorflow as tf\nkeras = tf.keras',
}

_SCRIPT = textwrap.dedent(
    """
    import os, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    IMPORT_KERAS

    data = np.load(sys.argv[1])
    names = sys.argv[3:]
    out = {}
    for name in names:
        xs = [data[key] for key in sorted(data.files) if key.startswith(name + "__x")]
        x = xs[0] if len(xs) == 1 else xs
        model = keras.models.load_model(os.path.join(sys.argv[2], name + ".h5"), compile=name.endswith("_compiled"))
        outputs = model.predict(x, verbose=0)
        for index, value in enumerate(outputs if isinstance(outputs, list) else [outputs]):
            out[f"{name}__model{index}"] = np.asarray(value)
        if name.endswith("_compiled"):
            y = [data[key] for key in sorted(data.files) if key.startswith(name + "__y")]
            results = model.evaluate(x, y[0] if len(y) == 1 else y, verbose=0, return_dict=True)
            out[f"{name}__loss"] = np.asarray(results["loss"])
        if os.path.exists(os.path.join(sys.argv[2], name + "_weights.h5")):
            model.load_weights(os.path.join(sys.argv[2], name + "_weights.h5"))
            outputs = model.predict(x, verbose=0)
            for index, value in enumerate(outputs if isinstance(outputs, list) else [outputs]):
                out[f"{name}__weights{index}"] = np.asarray(value)
    np.savez(sys.argv[1].replace(".npz", "_keras.npz"), **out)
    """
)


def _rand(rng, *shape):
    return rng.rand(*shape).astype("float32")


def _models():
    rng = np.random.RandomState(3)
    conv = models.Sequential(
        [
            L.Conv2D(3, 3, padding="same", input_shape=(6, 6, 2)),
            L.BatchNormalization(),
            L.Activation("relu"),
            L.MaxPooling2D(),
            L.SeparableConv2D(2, 2),
            L.GlobalAveragePooling2D(),
            L.Dense(2, activation="softmax"),
        ]
    )
    rnn = models.Sequential(
        [
            L.Embedding(10, 4, input_length=5),
            L.Bidirectional(L.LSTM(3, return_sequences=True)),
            L.TimeDistributed(L.Dense(2)),
            L.GRU(3, reset_after=False, return_sequences=True),
            L.GRU(2),
        ]
    )
    a, b = L.Input((4,), name="a"), L.Input((3,), name="b")
    merged = L.concatenate([L.Dense(3, name="da")(a), L.Dense(3, name="db")(b)])
    inner = models.Sequential([L.Dense(4, activation="tanh", input_shape=(6,)), L.LayerNormalization()], name="inner")
    functional = models.Model(
        [a, b],
        [L.Dense(2, name="o1")(inner(merged)), L.Dense(1, activation="sigmoid", name="o2")(L.add([merged, merged]))],
    )
    cases = {
        "conv": (
            conv,
            _rand(rng, 4, 6, 6, 2),
            np.eye(2, dtype="float32")[rng.randint(0, 2, 4)],
            dict(optimizer=optimizers.SGD(0.1, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"]),
        ),
        "rnn": (
            rnn,
            rng.randint(0, 10, size=(4, 5)),
            _rand(rng, 4, 2),
            dict(optimizer=optimizers.Nadam(0.01), loss="mse"),
        ),
        "functional_compiled": (
            functional,
            [_rand(rng, 4, 4), _rand(rng, 4, 3)],
            [_rand(rng, 4, 2), (rng.rand(4, 1) > 0.5).astype("float32")],
            dict(
                optimizer=optimizers.Adam(0.01),
                loss={"o1": "mse", "o2": "binary_crossentropy"},
                loss_weights={"o1": 0.5, "o2": 1.0},
            ),
        ),
    }
    return cases


@pytest.mark.parametrize(
    "flavour, python",
    [("keras3", KERAS3_PYTHON), ("tf_keras2", TF_KERAS_PYTHON)],
)
def test_real_keras_loads_our_models_and_weights(tmp_path, flavour, python):
    if not os.path.exists(python):
        pytest.skip(f"needs the scratch {flavour} install at {python}")
    data = {}
    expected = {}
    for name, (model, x, y, compile_kwargs) in _models().items():
        model.compile(**compile_kwargs)
        model.fit(x, y, epochs=2, batch_size=2, verbose=0, shuffle=False)
        model.save(tmp_path / f"{name}.h5")
        for index, value in enumerate(x if isinstance(x, list) else [x]):
            data[f"{name}__x{index}"] = value
        for index, value in enumerate(y if isinstance(y, list) else [y]):
            data[f"{name}__y{index}"] = value
        outputs = model.predict(x)
        expected.update(
            {f"{name}__model{i}": v for i, v in enumerate(outputs if isinstance(outputs, list) else [outputs])}
        )
        if name.endswith("_compiled"):
            expected[f"{name}__loss"] = model.evaluate(x, y, verbose=0)[0]
        model.fit(x, y, epochs=1, batch_size=2, verbose=0, shuffle=False)  # move the weights on, then save them alone
        model.save_weights(tmp_path / f"{name}_weights.h5")
        outputs = model.predict(x)
        expected.update(
            {f"{name}__weights{i}": v for i, v in enumerate(outputs if isinstance(outputs, list) else [outputs])}
        )
    np.savez(tmp_path / "data.npz", **data)
    (tmp_path / "check.py").write_text(_SCRIPT.replace("IMPORT_KERAS", _IMPORTS[flavour]))
    keras_results = {}
    names = list(_models())
    if flavour == "keras3":
        # We write nested Sequential models as tf.keras does (its calls numbered from 1); Keras 3 reads
        # those as it reads files from tf.keras itself: it cannot (tests/saving/test_nested_models.py).
        names.remove("functional_compiled")
        expected = {key: value for key, value in expected.items() if not key.startswith("functional_compiled")}
    for name in names:
        result = subprocess.run(
            [python, str(tmp_path / "check.py"), str(tmp_path / "data.npz"), str(tmp_path), name],
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ, KERAS_BACKEND="torch"),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        keras_results.update(dict(np.load(tmp_path / "data_keras.npz")))
    assert sorted(keras_results) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(keras_results[key], value, atol=1e-5, rtol=1e-5, err_msg=f"{flavour}: {key}")

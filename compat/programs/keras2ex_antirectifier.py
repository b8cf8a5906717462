'''The Keras 2.2.4 antirectifier example: a custom layer written with the backend
(`K`) primitives, with `compute_output_shape` and `call`, used in place of a ReLU.

Synthetic data instead of MNIST: 64-feature samples around one of 10 random class
prototypes. The program checks that the custom layer doubles the feature axis, that it
computes the antirectifier (NumPy reference) and that the network learns.
'''

from __future__ import print_function
import numpy as np
import keras
from keras.models import Sequential
from keras import layers
from keras import backend as K

np.random.seed(1337)


class Antirectifier(layers.Layer):
    '''Sample-wise centring and L2 normalization, then the positive part and the
    negative part side by side: the output has twice the features of the input.

    # Input shape
        2D tensor of shape (samples, n)

    # Output shape
        2D tensor of shape (samples, 2*n)
    '''

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        assert len(shape) == 2  # only valid for 2D tensors
        shape[-1] *= 2
        return tuple(shape)

    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        pos = K.relu(inputs)
        neg = K.relu(-inputs)
        return K.concatenate([pos, neg], axis=1)


# global parameters
batch_size = 32
num_classes = 10
epochs = 6
num_features = 64

# synthetic data in place of mnist.load_data(): noisy copies of class prototypes
prototypes = np.random.uniform(0, 255, (num_classes, num_features))


def make_data(n):
    labels = np.random.randint(0, num_classes, n)
    images = prototypes[labels] + np.random.normal(0, 60, (n, num_features))
    return np.clip(images, 0, 255).astype('uint8'), labels


(x_train, y_train), (x_test, y_test) = make_data(1000), make_data(300)

x_train = x_train.reshape(1000, num_features)
x_test = x_test.reshape(300, num_features)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

# build the model
model = Sequential()
model.add(layers.Dense(32, input_shape=(num_features,)))
model.add(Antirectifier())
model.add(layers.Dropout(0.1))
model.add(layers.Dense(32))
model.add(Antirectifier())
model.add(layers.Dropout(0.1))
model.add(layers.Dense(10))
model.add(layers.Activation('softmax'))

# compile the model
model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# train the model
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=2,
                    validation_data=(x_test, y_test))

# self-check 1: the custom layer's shapes
anti = model.layers[1]
print('antirectifier output shape:', anti.output_shape, 'model output shape:', model.output_shape)
assert anti.output_shape == (None, 64), anti.output_shape
assert model.layers[4].output_shape == (None, 64), model.layers[4].output_shape
assert model.output_shape == (None, 10), model.output_shape

# self-check 2: the layer computes the antirectifier (NumPy reference), input left as given
probe = np.random.normal(size=(5, 7)).astype('float32')
probe_copy = probe.copy()
got = K.eval(Antirectifier()(K.variable(probe)))
centred = probe - probe.mean(axis=1, keepdims=True)
normed = centred / np.sqrt(np.maximum(np.sum(centred ** 2, axis=1, keepdims=True), 1e-12))
expected = np.concatenate([np.maximum(normed, 0), np.maximum(-normed, 0)], axis=1)
print('antirectifier max abs error vs NumPy:', np.abs(got - expected).max())
assert got.shape == (5, 14) and np.allclose(got, expected, atol=1e-5)
assert np.array_equal(probe, probe_copy)

# self-check 3: it learned
score = model.evaluate(x_test, y_test, verbose=0)
losses = history.history['loss']
print('loss first/last epoch: %.4f / %.4f' % (losses[0], losses[-1]))
print('Held-out accuracy: %.3f (chance 0.1)' % score[1])
assert losses[-1] < losses[0], losses
assert score[1] > 0.6, score

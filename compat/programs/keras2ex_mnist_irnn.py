'''IRNN (Le, Jaitly & Hinton 2015): a ReLU SimpleRNN with identity recurrent initialization,
reading "images" pixel by pixel, trained with RMSprop.

Synthetic stand-in for sequential MNIST: each class lights up a stretch of its own length at
the start of a one-feature sequence, so it must be remembered until the last step.
'''

from __future__ import print_function

import keras
import numpy as np
from keras import initializers
from keras.layers import Activation
from keras.layers import Dense
from keras.layers import SimpleRNN
from keras.models import Sequential
from keras.optimizers import RMSprop

batch_size = 32
num_classes = 4
epochs = 20
hidden_units = 32

learning_rate = 3e-3
clip_norm = 1.0

# Synthetic "pixel sequences": 24 steps, class k is bright on its first 5(k + 1) steps.
rng = np.random.RandomState(1)
steps = 24


def make_data(n):
    y = rng.randint(0, num_classes, n)
    x = np.zeros((n, steps), dtype='float32')
    for i, label in enumerate(y):
        x[i, :5 * (label + 1)] = rng.uniform(0.5, 1.0, 5 * (label + 1))
    return x, y


(x_train, y_train), (x_test, y_test) = make_data(512), make_data(256)

x_train = x_train.reshape(x_train.shape[0], -1, 1)
x_test = x_test.reshape(x_test.shape[0], -1, 1)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

print('Evaluate IRNN...')
model = Sequential()
model.add(SimpleRNN(hidden_units,
                    kernel_initializer=initializers.RandomNormal(stddev=0.001),
                    recurrent_initializer=initializers.Identity(gain=1.0),
                    activation='relu',
                    input_shape=x_train.shape[1:]))
model.add(Dense(num_classes))
model.add(Activation('softmax'))

# The recurrent kernel starts as the identity.
recurrent_kernel = model.layers[0].get_weights()[1]
assert np.allclose(recurrent_kernel, np.eye(hidden_units)), 'Identity recurrent initializer'

rmsprop = RMSprop(lr=learning_rate)
model.compile(loss='categorical_crossentropy',
              optimizer=rmsprop,
              metrics=['accuracy'])

model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=0,
          validation_data=(x_test, y_test))

scores = model.evaluate(x_test, y_test, verbose=0)
print('IRNN test score:', scores[0])
print('IRNN test accuracy:', scores[1])
# Self-check: well above the 1/num_classes chance level.
assert scores[1] > 1.0 / num_classes + 0.3, scores

"""The Keras 2.2.4 mnist_hierarchical_rnn example: a Hierarchical RNN (HRNN) classifying
images. A first LSTM, wrapped in TimeDistributed, encodes every row of pixels of shape
(col, 1) into a row vector; a second LSTM encodes the sequence of row vectors into an
image vector; a Dense softmax layer predicts the class.

# References
    - [A Hierarchical Neural Autoencoder for Paragraphs and Documents](https://arxiv.org/abs/1506.01057)
    - [Hierarchical recurrent neural network for skeleton based action recognition]
      (http://ieeexplore.ieee.org/stamp/stamp.jsp?tp=&arnumber=7298714)

Synthetic 8x8 images (noisy copies of 4 random binary patterns) stand in for MNIST.
The program checks the test accuracy is well above chance.
"""
from __future__ import print_function

import numpy as np

import keras
from keras.models import Model
from keras.layers import Input, Dense, TimeDistributed
from keras.layers import LSTM

np.random.seed(1337)

# Training parameters.
batch_size = 32
num_classes = 4
epochs = 15

# Embedding dimensions.
row_hidden = 32
col_hidden = 32

# Synthetic data in place of mnist.load_data(): noisy copies of one pattern per class.
patterns = (np.random.rand(num_classes, 8, 8) > 0.5).astype('float32')


def make_data(n):
    labels = np.random.randint(0, num_classes, n)
    images = patterns[labels] * 200 + np.random.normal(0, 60, (n, 8, 8))
    return np.clip(images, 0, 255).astype('uint8'), labels


(x_train, y_train), (x_test, y_test) = make_data(800), make_data(200)

# Reshapes data to 4D for Hierarchical RNN.
x_train = x_train.reshape(x_train.shape[0], 8, 8, 1)
x_test = x_test.reshape(x_test.shape[0], 8, 8, 1)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print('x_train shape:', x_train.shape)
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# Converts class vectors to binary class matrices.
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

row, col, pixel = x_train.shape[1:]

# 4D input.
x = Input(shape=(row, col, pixel))

# Encodes a row of pixels using TimeDistributed Wrapper.
encoded_rows = TimeDistributed(LSTM(row_hidden))(x)

# Encodes columns of encoded rows.
encoded_columns = LSTM(col_hidden)(encoded_rows)

# Final predictions and model.
prediction = Dense(num_classes, activation='softmax')(encoded_columns)
model = Model(x, prediction)
model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# Training.
model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=1,
          validation_data=(x_test, y_test))

# Evaluation.
scores = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', scores[0])
print('Evaluation accuracy: %.4f (chance %.2f)' % (scores[1], 1.0 / num_classes))
assert tuple(encoded_rows.shape)[1:] == (row, row_hidden), encoded_rows.shape
assert scores[1] > 0.8, 'the hierarchical RNN did not learn: %.3f' % scores[1]
print('OK: the hierarchical RNN classifies the images')

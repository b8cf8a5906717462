'''The Keras 2.2.4 example imdb_cnn_lstm.py: a recurrent convolutional network
(Embedding, Dropout, Conv1D, MaxPooling1D, LSTM) for binary sentiment classification.

Synthetic stand-in for IMDB: variable-length reviews of random word indices where the
positive reviews contain more words of a "good" vocabulary and the negative ones more
words of a "bad" vocabulary.
'''
from __future__ import print_function
import sys

import numpy as np
from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation
from keras.layers import Embedding
from keras.layers import LSTM
from keras.layers import Conv1D, MaxPooling1D

# Embedding
max_features = 500
maxlen = 40
embedding_size = 32

# Convolution
kernel_size = 5
filters = 16
pool_size = 4

# LSTM
lstm_output_size = 24

# Training
batch_size = 30
epochs = 4

np.random.seed(11)
good_words = np.arange(10, 30)
bad_words = np.arange(30, 50)


def load_data(n):
    """Lists of word indices (of several lengths) and 0/1 labels, as imdb.load_data gives them."""
    x, y = [], []
    for _ in range(n):
        label = np.random.randint(2)
        length = np.random.randint(20, 60)
        words = np.random.randint(50, max_features, size=length)
        marked = np.random.rand(length) < 0.25
        words[marked] = np.random.choice(good_words if label else bad_words, size=marked.sum())
        x.append(list(words))
        y.append(label)
    return x, np.array(y)


print('Loading data...')
(x_train, y_train), (x_test, y_test) = load_data(600), load_data(150)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')

model = Sequential()
model.add(Embedding(max_features, embedding_size, input_length=maxlen))
model.add(Dropout(0.25))
model.add(Conv1D(filters,
                 kernel_size,
                 padding='valid',
                 activation='relu',
                 strides=1))
model.add(MaxPooling1D(pool_size=pool_size))
model.add(LSTM(lstm_output_size))
model.add(Dense(1))
model.add(Activation('sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

print('Train...')
model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          validation_data=(x_test, y_test))
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size)
print('Test score:', score)

# Self-check: the network separates the two kinds of reviews.
print('held-out accuracy %.3f (chance 0.5), output shape %s' % (acc, model.output_shape))
if not (acc > 0.8 and model.output_shape == (None, 1)):
    sys.exit('imdb_cnn_lstm: the model did not learn the sentiment')

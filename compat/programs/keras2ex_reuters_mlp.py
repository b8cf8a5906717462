'''The Keras 2.2.4 example reuters_mlp.py: a simple MLP on newswire topic classification,
with Tokenizer.sequences_to_matrix(mode='binary') features and validation_split.

Synthetic stand-in for Reuters: each topic has its own key words, and every wire mixes a
few of its topic's key words with common words.
'''
from __future__ import print_function
import sys

import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation
from keras.preprocessing.text import Tokenizer

max_words = 300
batch_size = 32
epochs = 5

np.random.seed(5)
n_topics = 8


def load_data(n, test_split=0.2):
    """Lists of word indices and topic labels, as reuters.load_data gives them."""
    x, y = [], []
    for _ in range(n):
        topic = np.random.randint(n_topics)
        keys = 20 + 10 * topic + np.random.randint(0, 10, size=6)
        common = np.random.randint(100, 2 * max_words, size=np.random.randint(10, 30))
        words = np.concatenate([keys, common])
        np.random.shuffle(words)
        x.append([int(w) for w in words])
        y.append(topic)
    split = int(n * (1 - test_split))
    y = np.array(y)
    return (x[:split], y[:split]), (x[split:], y[split:])


print('Loading data...')
(x_train, y_train), (x_test, y_test) = load_data(1000, test_split=0.2)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

num_classes = np.max(y_train) + 1
print(num_classes, 'classes')

print('Vectorizing sequence data...')
tokenizer = Tokenizer(num_words=max_words)
first_wire = x_train[0]
x_train = tokenizer.sequences_to_matrix(x_train, mode='binary')
x_test = tokenizer.sequences_to_matrix(x_test, mode='binary')
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Convert class vector to binary class matrix '
      '(for use with categorical_crossentropy)')
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print('y_train shape:', y_train.shape)
print('y_test shape:', y_test.shape)

print('Building model...')
model = Sequential()
model.add(Dense(64, input_shape=(max_words,)))
model.add(Activation('relu'))
model.add(Dropout(0.5))
model.add(Dense(num_classes))
model.add(Activation('softmax'))

model.compile(loss='categorical_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    validation_split=0.1)
score = model.evaluate(x_test, y_test,
                       batch_size=batch_size, verbose=1)
print('Test score:', score[0])

# Self-check: binary bag-of-words rows, the validation split held out 10% of the training
# wires, and the topics were learned.
expected_row = np.zeros(max_words)
expected_row[[w for w in first_wire if w < max_words]] = 1.0
rows_ok = np.array_equal(x_train[0], expected_row) and x_train.shape == (800, max_words)
print('held-out accuracy %.3f (chance %.3f), validation accuracy logged: %s'
      % (score[1], 1.0 / num_classes, 'val_accuracy' in history.history))
if not (rows_ok and score[1] > 0.8 and len(history.history['val_accuracy']) == epochs):
    sys.exit('reuters_mlp: the MLP did not learn the topics')

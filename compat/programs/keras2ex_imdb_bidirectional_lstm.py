'''Trains a Bidirectional LSTM on a synthetic IMDB-like sentiment classification task.

Reviews are random word-id sequences of varying length; positive reviews contain more words from
a "positive" id range, negative ones from a "negative" range.
'''

from __future__ import print_function

import numpy as np
from keras.layers import LSTM
from keras.layers import Bidirectional
from keras.layers import Dense
from keras.layers import Dropout
from keras.layers import Embedding
from keras.models import Sequential
from keras.preprocessing import sequence

max_features = 200
# cut texts after this number of words
# (among top max_features most common words)
maxlen = 20
batch_size = 32

print('Loading data...')
rng = np.random.RandomState(2)


def load_data(n):
    xs, ys = [], []
    for _ in range(n):
        label = rng.randint(0, 2)
        length = rng.randint(5, 30)
        words = rng.randint(20, max_features, length)
        cue = rng.rand(length) < 0.3
        words[cue] = rng.randint(2, 10, cue.sum()) + (10 if label else 0)
        xs.append(list(words))
        ys.append(label)
    return xs, ys


(x_train, y_train), (x_test, y_test) = load_data(600), load_data(200)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)
y_train = np.array(y_train)
y_test = np.array(y_test)

model = Sequential()
model.add(Embedding(max_features, 16, input_length=maxlen))
model.add(Bidirectional(LSTM(16)))
model.add(Dropout(0.5))
model.add(Dense(1, activation='sigmoid'))

# try using different optimizers and different optimizer configs
model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])

print('Train...')
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=6,
                    verbose=0,
                    validation_data=[x_test, y_test])

# Self-check: the validation accuracy of the last epoch is well above chance (0.5).
val_acc = history.history['val_acc'][-1] if 'val_acc' in history.history else history.history['val_accuracy'][-1]
print('validation accuracy per epoch:', history.history.get('val_acc', history.history.get('val_accuracy')))
assert val_acc > 0.8, val_acc

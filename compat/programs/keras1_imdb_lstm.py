'''Keras 1.2 example imdb_lstm.py in its own spelling, on synthetic "reviews".

Trains an LSTM on sequences of word ids: positive reviews mostly use words 1-24, negative ones
words 25-49 (IMDB is replaced by `load_data` below).
'''
from __future__ import print_function
import numpy as np
np.random.seed(1337)  # for reproducibility

from keras.preprocessing import sequence
from keras.models import Sequential
from keras.layers import Dense, Activation, Embedding
from keras.layers import LSTM

max_features = 50
maxlen = 20  # cut texts after this number of words (among top max_features most common words)
batch_size = 32


def load_data(nb_words=max_features, nb_train=640, nb_test=160):
    """Stand-in for imdb.load_data(): lists of word ids of varying length."""
    def make(n):
        y = np.random.randint(2, size=n)
        x = []
        for label in y:
            length = np.random.randint(8, 30)
            low, high = (1, nb_words // 2) if label else (nb_words // 2, nb_words)
            words = np.random.randint(low, high, size=length)
            noise = np.random.random(length) < 0.2
            words[noise] = np.random.randint(1, nb_words, size=noise.sum())
            x.append(list(words))
        return x, y
    return make(nb_train), make(nb_test)


print('Loading data...')
(X_train, y_train), (X_test, y_test) = load_data(nb_words=max_features)
print(len(X_train), 'train sequences')
print(len(X_test), 'test sequences')

print('Pad sequences (samples x time)')
X_train = sequence.pad_sequences(X_train, maxlen=maxlen)
X_test = sequence.pad_sequences(X_test, maxlen=maxlen)
print('X_train shape:', X_train.shape)
print('X_test shape:', X_test.shape)

print('Build model...')
model = Sequential()
model.add(Embedding(max_features, 16, dropout=0.2))
model.add(LSTM(16, dropout_W=0.2, dropout_U=0.2))  # try using a GRU instead, for fun
model.add(Dense(1))
model.add(Activation('sigmoid'))

# try using different optimizers and different optimizer configs
model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])

print('Train...')
model.fit(X_train, y_train, batch_size=batch_size, nb_epoch=4,
          validation_data=(X_test, y_test))
score, acc = model.evaluate(X_test, y_test,
                            batch_size=batch_size)
print('Test score:', score)
print('Test accuracy:', acc)

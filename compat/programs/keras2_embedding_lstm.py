'''The seed-002 Embedding + LSTM sequence classifier in Keras 2 spelling (units, recurrent_activation,
epochs=), on synthetic "reviews": positive ones mostly use words 1-24, negative ones words 25-49.
'''
from __future__ import print_function
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Dropout, Embedding, LSTM
from keras.preprocessing.sequence import pad_sequences

np.random.seed(1337)
max_features = 50
maxlen = 20


def make_data(n):
    y = np.random.randint(2, size=n)
    x = []
    for label in y:
        length = np.random.randint(8, 30)
        low, high = (1, 25) if label else (25, 50)
        words = np.random.randint(low, high, size=length)
        noise = np.random.random(length) < 0.2
        words[noise] = np.random.randint(1, max_features, size=noise.sum())
        x.append(list(words))
    return pad_sequences(x, maxlen=maxlen), y


x_train, y_train = make_data(640)
x_test, y_test = make_data(160)

model = Sequential()
model.add(Embedding(max_features, 32, input_length=maxlen))
model.add(LSTM(32, activation='sigmoid', recurrent_activation='hard_sigmoid'))
model.add(Dropout(0.5))
model.add(Dense(1, activation='sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

model.fit(x_train, y_train, batch_size=16, epochs=4, verbose=2)
score = model.evaluate(x_test, y_test, batch_size=16)
print('Test accuracy:', score[1])

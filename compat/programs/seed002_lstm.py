# Keras 1 "Getting started" (seed 002): sequence classification with LSTM exactly as written
# there; the page's max_features, maxlen and data are small synthetic stand-ins, nb_epoch=10 -> 2.
import numpy as np

max_features = 50
maxlen = 12
X_train = np.random.randint(max_features, size=(64, maxlen))
Y_train = np.random.randint(2, size=(64, 1))
X_test = np.random.randint(max_features, size=(32, maxlen))
Y_test = np.random.randint(2, size=(32, 1))

from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation
from keras.layers import Embedding
from keras.layers import LSTM

model = Sequential()
model.add(Embedding(max_features, 256, input_length=maxlen))
model.add(LSTM(output_dim=128, activation='sigmoid', inner_activation='hard_sigmoid'))
model.add(Dropout(0.5))
model.add(Dense(1))
model.add(Activation('sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

model.fit(X_train, Y_train, batch_size=16, nb_epoch=2)
score = model.evaluate(X_test, Y_test, batch_size=16)

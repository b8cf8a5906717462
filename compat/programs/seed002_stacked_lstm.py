# Keras 1 "Getting started" (seed 002): the stacked LSTM exactly as written there, with 1000
# samples -> 128 and nb_epoch=5 -> 2.
from keras.models import Sequential
from keras.layers import LSTM, Dense
import numpy as np

data_dim = 16
timesteps = 8
nb_classes = 10

# expected input data shape: (batch_size, timesteps, data_dim)
model = Sequential()
model.add(LSTM(32, return_sequences=True,
               input_shape=(timesteps, data_dim)))  # returns a sequence of vectors of dimension 32
model.add(LSTM(32, return_sequences=True))  # returns a sequence of vectors of dimension 32
model.add(LSTM(32))  # return a single vector of dimension 32
model.add(Dense(10, activation='softmax'))

model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# generate dummy training data
x_train = np.random.random((128, timesteps, data_dim))
y_train = np.random.random((128, nb_classes))

# generate dummy validation data
x_val = np.random.random((32, timesteps, data_dim))
y_val = np.random.random((32, nb_classes))

model.fit(x_train, y_train,
          batch_size=64, nb_epoch=2,
          validation_data=(x_val, y_val))

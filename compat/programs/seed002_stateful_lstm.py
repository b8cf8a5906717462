# Keras 1 "Getting started" (seed 002): the stateful stacked LSTM exactly as written there, with
# nb_epoch=5 -> 2 and fewer batches.
from keras.models import Sequential
from keras.layers import LSTM, Dense
import numpy as np

data_dim = 16
timesteps = 8
nb_classes = 10
batch_size = 32

# expected input batch shape: (batch_size, timesteps, data_dim)
# note that we have to provide the full batch_input_shape since the network is stateful.
# the sample of index i in batch k is the follow-up for the sample i in batch k-1.
model = Sequential()
model.add(LSTM(32, return_sequences=True, stateful=True,
               batch_input_shape=(batch_size, timesteps, data_dim)))
model.add(LSTM(32, return_sequences=True, stateful=True))
model.add(LSTM(32, stateful=True))
model.add(Dense(10, activation='softmax'))

model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

# generate dummy training data
x_train = np.random.random((batch_size * 4, timesteps, data_dim))
y_train = np.random.random((batch_size * 4, nb_classes))

# generate dummy validation data
x_val = np.random.random((batch_size * 2, timesteps, data_dim))
y_val = np.random.random((batch_size * 2, nb_classes))

model.fit(x_train, y_train,
          batch_size=batch_size, nb_epoch=2,
          validation_data=(x_val, y_val))

'''The seed-002 stacked LSTM in Keras 2 spelling, learning 10 classes: the class of a sequence is
the feature that drifts upwards.
'''
from keras.models import Sequential
from keras.layers import LSTM, Dense
import numpy as np

np.random.seed(1337)
data_dim = 16
timesteps = 8
num_classes = 10


def make_data(n):
    labels = np.random.randint(num_classes, size=n)
    x = np.random.random((n, timesteps, data_dim))
    x[np.arange(n), :, labels] += np.linspace(0.5, 1.5, timesteps)
    y = np.zeros((n, num_classes))
    y[np.arange(n), labels] = 1
    return x, y


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

x_train, y_train = make_data(640)
x_val, y_val = make_data(160)

model.fit(x_train, y_train,
          batch_size=32, epochs=6, verbose=2,
          validation_data=(x_val, y_val))
score = model.evaluate(x_val, y_val, verbose=0)
print('Test accuracy:', score[1])

'''The seed-002 stateful stacked LSTM in Keras 2 spelling: the sample of index i in batch k
follows sample i of batch k-1, states are reset after each pass over the data. Learns 10
classes (the feature that drifts upwards).
'''
from keras.models import Sequential
from keras.layers import LSTM, Dense
import numpy as np

np.random.seed(1337)
data_dim = 16
timesteps = 8
num_classes = 10
batch_size = 32


def make_data(n):
    labels = np.random.randint(num_classes, size=n)
    x = np.random.random((n, timesteps, data_dim))
    x[np.arange(n), :, labels] += np.linspace(0.5, 1.5, timesteps)
    y = np.zeros((n, num_classes))
    y[np.arange(n), labels] = 1
    return x, y


# expected input batch shape: (batch_size, timesteps, data_dim)
# note that we have to provide the full batch_input_shape since the network is stateful.
model = Sequential()
model.add(LSTM(32, return_sequences=True, stateful=True,
               batch_input_shape=(batch_size, timesteps, data_dim)))
model.add(LSTM(32, return_sequences=True, stateful=True))
model.add(LSTM(32, stateful=True))
model.add(Dense(10, activation='softmax'))

model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

x_train, y_train = make_data(batch_size * 20)
x_val, y_val = make_data(batch_size * 5)

for epoch in range(6):
    model.fit(x_train, y_train, batch_size=batch_size, epochs=1, shuffle=False, verbose=2)
    model.reset_states()
score = model.evaluate(x_val, y_val, batch_size=batch_size, verbose=0)
model.reset_states()
print('Test accuracy:', score[1])

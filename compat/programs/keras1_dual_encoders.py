'''Two Keras 1.2 LSTM encoders merged with the `Merge` layer, in Keras 1 spelling.

Each of the two (synthetic) sequences carries one bit (the sign of a drift in its first feature);
the class is the pair of bits, so the decoder needs both encoders.
'''
from __future__ import print_function
import numpy as np
np.random.seed(1337)

from keras.models import Sequential
from keras.layers import Merge, LSTM, Dense
from keras.optimizers import RMSprop

data_dim = 4
timesteps = 6
nb_classes = 4


def make_data(n):
    bits_a = np.random.randint(2, size=n)
    bits_b = np.random.randint(2, size=n)
    x_a = np.random.normal(size=(n, timesteps, data_dim)) * 0.3
    x_b = np.random.normal(size=(n, timesteps, data_dim)) * 0.3
    x_a[:, :, 0] += (2 * bits_a - 1)[:, None]
    x_b[:, :, 0] += (2 * bits_b - 1)[:, None]
    y = np.zeros((n, nb_classes))
    y[np.arange(n), 2 * bits_a + bits_b] = 1
    return x_a, x_b, y


encoder_a = Sequential()
encoder_a.add(LSTM(output_dim=8, input_dim=data_dim, input_length=timesteps))

encoder_b = Sequential()
encoder_b.add(LSTM(output_dim=8, input_dim=data_dim, input_length=timesteps))

decoder = Sequential()
decoder.add(Merge([encoder_a, encoder_b], mode='concat'))
decoder.add(Dense(16, activation='relu'))
decoder.add(Dense(nb_classes, activation='softmax'))

decoder.compile(loss='categorical_crossentropy',
                optimizer=RMSprop(lr=0.01),
                metrics=['accuracy'])

x_train_a, x_train_b, y_train = make_data(512)
x_val_a, x_val_b, y_val = make_data(128)
decoder.fit([x_train_a, x_train_b], y_train,
            batch_size=32, nb_epoch=5,
            validation_data=([x_val_a, x_val_b], y_val))
score = decoder.evaluate([x_val_a, x_val_b], y_val, verbose=0)
print('Test accuracy:', score[1])

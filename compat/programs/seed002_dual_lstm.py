# Keras 1 "Getting started" (seed 002): two merged LSTM encoders exactly as written there, with
# 1000 samples -> 128 and nb_epoch=5 -> 2.
from keras.models import Sequential
from keras.layers import Merge, LSTM, Dense
import numpy as np

data_dim = 16
timesteps = 8
nb_classes = 10

encoder_a = Sequential()
encoder_a.add(LSTM(32, input_shape=(timesteps, data_dim)))

encoder_b = Sequential()
encoder_b.add(LSTM(32, input_shape=(timesteps, data_dim)))

decoder = Sequential()
decoder.add(Merge([encoder_a, encoder_b], mode='concat'))
decoder.add(Dense(32, activation='relu'))
decoder.add(Dense(nb_classes, activation='softmax'))

decoder.compile(loss='categorical_crossentropy',
                optimizer='rmsprop',
                metrics=['accuracy'])

# generate dummy training data
x_train_a = np.random.random((128, timesteps, data_dim))
x_train_b = np.random.random((128, timesteps, data_dim))
y_train = np.random.random((128, nb_classes))

# generate dummy validation data
x_val_a = np.random.random((32, timesteps, data_dim))
x_val_b = np.random.random((32, timesteps, data_dim))
y_val = np.random.random((32, nb_classes))

decoder.fit([x_train_a, x_train_b], y_train,
            batch_size=64, nb_epoch=2,
            validation_data=([x_val_a, x_val_b], y_val))

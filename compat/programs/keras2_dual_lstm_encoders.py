'''The seed-002 "two merged LSTM encoders" in Keras 2 spelling: the functional API with
`concatenate` instead of `Merge`. Each sequence carries one bit (the sign of a drift in its
first feature); the class is the pair of bits, so the classifier needs both encoders.
'''
import numpy as np
from keras.layers import Input, LSTM, Dense, concatenate
from keras.models import Model

np.random.seed(1337)
data_dim = 16
timesteps = 8
num_classes = 4


def make_data(n):
    bits_a = np.random.randint(2, size=n)
    bits_b = np.random.randint(2, size=n)
    x_a = np.random.normal(size=(n, timesteps, data_dim)) * 0.3
    x_b = np.random.normal(size=(n, timesteps, data_dim)) * 0.3
    x_a[:, :, 0] += (2 * bits_a - 1)[:, None]
    x_b[:, :, 0] += (2 * bits_b - 1)[:, None]
    y = np.zeros((n, num_classes))
    y[np.arange(n), 2 * bits_a + bits_b] = 1
    return x_a, x_b, y


input_a = Input(shape=(timesteps, data_dim))
input_b = Input(shape=(timesteps, data_dim))
encoded_a = LSTM(16)(input_a)
encoded_b = LSTM(16)(input_b)
merged = concatenate([encoded_a, encoded_b])
hidden = Dense(16, activation='relu')(merged)
output = Dense(num_classes, activation='softmax')(hidden)

model = Model(inputs=[input_a, input_b], outputs=output)
model.compile(loss='categorical_crossentropy',
              optimizer='rmsprop',
              metrics=['accuracy'])

x_train_a, x_train_b, y_train = make_data(512)
x_val_a, x_val_b, y_val = make_data(128)
model.fit([x_train_a, x_train_b], y_train,
          batch_size=32, epochs=5, verbose=2,
          validation_data=([x_val_a, x_val_b], y_val))
score = model.evaluate([x_val_a, x_val_b], y_val, verbose=0)
print('Test accuracy:', score[1])

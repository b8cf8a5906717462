'''Keras 2.2 example mnist_mlp.py in its own spelling, on synthetic "digits".

Trains a simple deep NN on 10 classes of noisy 784-pixel patterns (MNIST is replaced by
`load_data` below; sizes are smaller so that it runs in seconds).
'''
from __future__ import print_function

import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import RMSprop

np.random.seed(1337)
batch_size = 32
num_classes = 10
epochs = 4


def load_data(num_train=640, num_test=160):
    """Stand-in for mnist.load_data(): each class is a random 28x28 pattern plus noise."""
    prototypes = (np.random.random((num_classes, 28, 28)) > 0.7) * 255.
    def make(n):
        y = np.random.randint(num_classes, size=n)
        x = 0.6 * prototypes[y] + 0.4 * 255. * np.random.random((n, 28, 28))
        return x.astype('uint8'), y
    return make(num_train), make(num_test)


# the data, split between train and test sets
(x_train, y_train), (x_test, y_test) = load_data()

x_train = x_train.reshape(640, 784)
x_test = x_test.reshape(160, 784)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
print(x_train.shape[0], 'train samples')
print(x_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Dense(64, activation='relu', input_shape=(784,)))
model.add(Dropout(0.2))
model.add(Dense(64, activation='relu'))
model.add(Dropout(0.2))
model.add(Dense(num_classes, activation='softmax'))

model.summary()

model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(),
              metrics=['accuracy'])

history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=1,
                    validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print('Test loss:', score[0])
print('Test accuracy:', score[1])

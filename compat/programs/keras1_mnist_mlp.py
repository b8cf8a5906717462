'''Keras 1.2 example mnist_mlp.py in its own spelling, on synthetic "digits".

Trains a simple deep NN on 10 classes of noisy 784-pixel patterns (MNIST is replaced by
`load_data` below; sizes are smaller so that it runs in seconds).
'''
from __future__ import print_function
import numpy as np
np.random.seed(1337)  # for reproducibility

from keras.models import Sequential
from keras.layers.core import Dense, Dropout, Activation
from keras.optimizers import SGD, Adam, RMSprop
from keras.utils import np_utils

batch_size = 32
nb_classes = 10
nb_epoch = 4


def load_data(nb_train=640, nb_test=160):
    """Stand-in for mnist.load_data(): each class is a random 28x28 pattern plus noise."""
    prototypes = (np.random.random((nb_classes, 28, 28)) > 0.7) * 255.
    def make(n):
        y = np.random.randint(nb_classes, size=n)
        x = 0.6 * prototypes[y] + 0.4 * 255. * np.random.random((n, 28, 28))
        return x.astype('uint8'), y
    return make(nb_train), make(nb_test)


# the data, shuffled and split between train and test sets
(X_train, y_train), (X_test, y_test) = load_data()

X_train = X_train.reshape(640, 784)
X_test = X_test.reshape(160, 784)
X_train = X_train.astype('float32')
X_test = X_test.astype('float32')
X_train /= 255
X_test /= 255
print(X_train.shape[0], 'train samples')
print(X_test.shape[0], 'test samples')

# convert class vectors to binary class matrices
Y_train = np_utils.to_categorical(y_train, nb_classes)
Y_test = np_utils.to_categorical(y_test, nb_classes)

model = Sequential()
model.add(Dense(64, input_shape=(784,)))
model.add(Activation('relu'))
model.add(Dropout(0.2))
model.add(Dense(64))
model.add(Activation('relu'))
model.add(Dropout(0.2))
model.add(Dense(10))
model.add(Activation('softmax'))

model.summary()

model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(),
              metrics=['accuracy'])

history = model.fit(X_train, Y_train,
                    batch_size=batch_size, nb_epoch=nb_epoch,
                    verbose=1, validation_data=(X_test, Y_test))
score = model.evaluate(X_test, Y_test, verbose=0)
print('Test score:', score[0])
print('Test accuracy:', score[1])

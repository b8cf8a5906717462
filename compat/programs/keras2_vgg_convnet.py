'''The seed-002 VGG-like convnet in Keras 2 spelling (Conv2D, kernel tuples, epochs=), learning
10 classes of synthetic 16x16 RGB images (a bright square whose place and colour give the class).
'''
from __future__ import print_function
import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout, Flatten
from keras.layers import Conv2D, MaxPooling2D
from keras.optimizers import Adam

np.random.seed(1337)
places = [(0, 0), (0, 8), (8, 0), (8, 8), (4, 4)]


def make_data(n):
    y = np.random.randint(10, size=n)
    x = np.random.random((n, 16, 16, 3)) * 0.3
    for i, label in enumerate(y):
        r, c = places[label % 5]
        x[i, r:r + 8, c:c + 8, label // 5] += 0.7
    return x, keras.utils.to_categorical(y, num_classes=10)


x_train, y_train = make_data(640)
x_test, y_test = make_data(160)

model = Sequential()
# input: 16x16 images with 3 channels -> (16, 16, 3) tensors.
# this applies 32 convolution filters of size 3x3 each.
model.add(Conv2D(16, (3, 3), activation='relu', input_shape=(16, 16, 3)))
model.add(Conv2D(16, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))

model.add(Conv2D(32, (3, 3), activation='relu'))
model.add(Conv2D(32, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))

model.add(Flatten())
model.add(Dense(64, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(10, activation='softmax'))

adam = Adam(lr=0.002)
model.compile(loss='categorical_crossentropy', optimizer=adam, metrics=['accuracy'])

model.fit(x_train, y_train, batch_size=32, epochs=5, verbose=2)
score = model.evaluate(x_test, y_test, batch_size=32)
print('Test accuracy:', score[1])

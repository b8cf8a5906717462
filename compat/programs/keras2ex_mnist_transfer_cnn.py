'''The Keras 2.2.4 mnist_transfer_cnn example (transfer learning toy example):

1 - Train a small convnet on the first 5 classes [0..4].
2 - Freeze the convolutional layers (`l.trainable = False`), recompile and fine-tune the
    dense layers for the classification of classes [5..9].

Synthetic data instead of MNIST: 12x12 uint8 images with a bright bar whose position and
direction give one of 10 classes. The program checks that both tasks are learned and that the
second training left the frozen convolution weights exactly as they were while the dense
layers changed.
'''

from __future__ import print_function

import datetime
import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation, Flatten
from keras.layers import Conv2D, MaxPooling2D
from keras import backend as K

np.random.seed(1337)
now = datetime.datetime.now

batch_size = 32
num_classes = 5
epochs = 6

# input image dimensions
img_rows, img_cols = 12, 12
# number of convolutional filters to use
filters = 8
# size of pooling area for max pooling
pool_size = 2
# convolution kernel size
kernel_size = 3

if K.image_data_format() == 'channels_first':
    input_shape = (1, img_rows, img_cols)
else:
    input_shape = (img_rows, img_cols, 1)

scores = []


def train_model(model, train, test, num_classes):
    x_train = train[0].reshape((train[0].shape[0],) + input_shape)
    x_test = test[0].reshape((test[0].shape[0],) + input_shape)
    x_train = x_train.astype('float32')
    x_test = x_test.astype('float32')
    x_train /= 255
    x_test /= 255
    print('x_train shape:', x_train.shape)
    print(x_train.shape[0], 'train samples')
    print(x_test.shape[0], 'test samples')

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(train[1], num_classes)
    y_test = keras.utils.to_categorical(test[1], num_classes)

    model.compile(loss='categorical_crossentropy',
                  optimizer='adadelta',
                  metrics=['accuracy'])

    t = now()
    model.fit(x_train, y_train,
              batch_size=batch_size,
              epochs=epochs,
              verbose=2,
              validation_data=(x_test, y_test))
    print('Training time: %s' % (now() - t))
    score = model.evaluate(x_test, y_test, verbose=0)
    print('Test score:', score[0])
    print('Held-out accuracy:', score[1])
    scores.append(score)


def load_data(n):
    '''uint8 12x12 images: class c < 5 is a horizontal bar in row 2 * c + 1, class c >= 5 a
    vertical bar in column 2 * (c - 5) + 1, on a noisy background.'''
    labels = np.random.randint(0, 10, n)
    images = np.random.uniform(0, 90, (n, img_rows, img_cols))
    for i, c in enumerate(labels):
        if c < 5:
            images[i, 2 * c + 1:2 * c + 3, :] += 160
        else:
            images[i, :, 2 * (c - 5) + 1:2 * (c - 5) + 3] += 160
    return np.clip(images, 0, 255).astype('uint8'), labels


# the data, split between train and test sets
(x_train, y_train), (x_test, y_test) = load_data(800), load_data(300)

# create two datasets one with digits below 5 and one with 5 and above
x_train_lt5 = x_train[y_train < 5]
y_train_lt5 = y_train[y_train < 5]
x_test_lt5 = x_test[y_test < 5]
y_test_lt5 = y_test[y_test < 5]

x_train_gte5 = x_train[y_train >= 5]
y_train_gte5 = y_train[y_train >= 5] - 5
x_test_gte5 = x_test[y_test >= 5]
y_test_gte5 = y_test[y_test >= 5] - 5

# define two groups of layers: feature (convolutions) and classification (dense)
feature_layers = [
    Conv2D(filters, kernel_size,
           padding='valid',
           input_shape=input_shape),
    Activation('relu'),
    Conv2D(filters, kernel_size),
    Activation('relu'),
    MaxPooling2D(pool_size=pool_size),
    Dropout(0.25),
    Flatten(),
]

classification_layers = [
    Dense(32),
    Activation('relu'),
    Dropout(0.5),
    Dense(num_classes),
    Activation('softmax')
]

# create complete model
model = Sequential(feature_layers + classification_layers)

# train model for 5-digit classification [0..4]
train_model(model,
            (x_train_lt5, y_train_lt5),
            (x_test_lt5, y_test_lt5), num_classes)

feature_weights = [w.copy() for l in feature_layers for w in l.get_weights()]
dense_weights = [w.copy() for l in classification_layers for w in l.get_weights()]
print('trainable weights before freezing:', len(model.trainable_weights))

# freeze feature layers and rebuild model
for l in feature_layers:
    l.trainable = False

# transfer: train dense layers for new classification task [5..9]
train_model(model,
            (x_train_gte5, y_train_gte5),
            (x_test_gte5, y_test_gte5), num_classes)

# self-check 1: freezing moved the conv kernels and biases to the non-trainable weights
print('trainable / non-trainable weights after freezing:',
      len(model.trainable_weights), len(model.non_trainable_weights))
assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 4

# self-check 2: the frozen feature layers kept their weights, the dense layers changed
frozen_after = [w for l in feature_layers for w in l.get_weights()]
dense_after = [w for l in classification_layers for w in l.get_weights()]
assert len(frozen_after) == 4 and all(np.array_equal(a, b) for a, b in zip(feature_weights, frozen_after))
moved = [float(np.abs(a - b).max()) for a, b in zip(dense_weights, dense_after)]
print('largest change of each dense weight in the transfer step:', moved)
assert all(m > 0 for m in moved), moved

# self-check 3: both tasks learned (chance is 0.2)
print('held-out accuracy, classes 0-4 then 5-9 (frozen features):', scores[0][1], scores[1][1])
assert scores[0][1] > 0.7 and scores[1][1] > 0.7, scores

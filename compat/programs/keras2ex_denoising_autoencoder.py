'''The Keras 2.2.4 mnist_denoising_autoencoder example: a Conv2D encoder to a latent
vector, a Dense + Reshape + Conv2DTranspose decoder, and the autoencoder made of the two
models (`decoder(encoder(inputs))`), trained on corrupted images to give clean ones.

Synthetic data instead of MNIST: 16x16 images of one bright rectangle each, corrupted with
Gaussian noise centred at 0.5 as in the example. The program checks the shapes the models
compose with (K.int_shape), that the three models share their weights, and that the output
is far closer to the clean images than the corrupted input and than the mean image.
'''

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function
import keras
from keras.layers import Activation, Dense, Input
from keras.layers import Conv2D, Flatten
from keras.layers import Reshape, Conv2DTranspose
from keras.models import Model
from keras import backend as K
import numpy as np

np.random.seed(1337)


def load_data(n, size=16):
    '''uint8 images: one bright rectangle at a random place and size on black.'''
    images = np.zeros((n, size, size), dtype='uint8')
    for i in range(n):
        h, w = np.random.randint(4, 9, 2)
        r, c = np.random.randint(0, size - h), np.random.randint(0, size - w)
        images[i, r:r + h, c:c + w] = 255
    return images


# synthetic dataset in place of mnist.load_data()
x_train, x_test = load_data(1200), load_data(200)

image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255

# Generate corrupted images by adding noise with normal dist
# centered at 0.5 and std=0.5
noise = np.random.normal(loc=0.5, scale=0.5, size=x_train.shape)
x_train_noisy = x_train + noise
noise = np.random.normal(loc=0.5, scale=0.5, size=x_test.shape)
x_test_noisy = x_test + noise

x_train_noisy = np.clip(x_train_noisy, 0., 1.)
x_test_noisy = np.clip(x_test_noisy, 0., 1.)

# Network parameters
input_shape = (image_size, image_size, 1)
batch_size = 16
kernel_size = 3
latent_dim = 16
# Encoder/Decoder number of CNN layers and filters per layer
layer_filters = [16, 32]

# Build the Autoencoder Model
# First build the Encoder Model
inputs = Input(shape=input_shape, name='encoder_input')
x = inputs
# Stack of Conv2D blocks
for filters in layer_filters:
    x = Conv2D(filters=filters,
               kernel_size=kernel_size,
               strides=2,
               activation='relu',
               padding='same')(x)

# Shape info needed to build Decoder Model
shape = K.int_shape(x)

# Generate the latent vector
x = Flatten()(x)
latent = Dense(latent_dim, name='latent_vector')(x)

# Instantiate Encoder Model
encoder = Model(inputs, latent, name='encoder')
encoder.summary()

# Build the Decoder Model
latent_inputs = Input(shape=(latent_dim,), name='decoder_input')
x = Dense(shape[1] * shape[2] * shape[3])(latent_inputs)
x = Reshape((shape[1], shape[2], shape[3]))(x)

# Stack of Transposed Conv2D blocks
for filters in layer_filters[::-1]:
    x = Conv2DTranspose(filters=filters,
                        kernel_size=kernel_size,
                        strides=2,
                        activation='relu',
                        padding='same')(x)

x = Conv2DTranspose(filters=1,
                    kernel_size=kernel_size,
                    padding='same')(x)

outputs = Activation('sigmoid', name='decoder_output')(x)

# Instantiate Decoder Model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# Autoencoder = Encoder + Decoder
# Instantiate Autoencoder Model
autoencoder = Model(inputs, decoder(encoder(inputs)), name='autoencoder')
autoencoder.summary()

autoencoder.compile(loss='mse', optimizer='adam')

# Train the autoencoder
history = autoencoder.fit(x_train_noisy,
                          x_train,
                          validation_data=(x_test_noisy, x_test),
                          epochs=12,
                          batch_size=batch_size,
                          verbose=2)

# Predict the Autoencoder output from corrupted test images
x_decoded = autoencoder.predict(x_test_noisy)

# (the example plots the clean, corrupted and denoised images here)

# self-check 1: shapes
print('encoder conv output shape:', shape, 'autoencoder output:', autoencoder.output_shape)
assert shape == (None, 4, 4, 32), shape
assert encoder.output_shape == (None, latent_dim) and decoder.input_shape == (None, latent_dim)
assert autoencoder.output_shape == (None, image_size, image_size, 1)
assert x_decoded.shape == x_test.shape

# self-check 2: the autoencoder is the two models, weights shared
assert [l.name for l in autoencoder.layers] == ['encoder_input', 'encoder', 'decoder']
assert len(autoencoder.get_weights()) == len(encoder.get_weights()) + len(decoder.get_weights()) == 14
np.testing.assert_allclose(decoder.predict(encoder.predict(x_test_noisy)), x_decoded, atol=1e-5)

# self-check 3: it denoises
mse_noisy = np.mean((x_test_noisy - x_test) ** 2)
mse_mean_image = np.mean((x_train.mean(axis=0) - x_test) ** 2)
mse_decoded = np.mean((x_decoded - x_test) ** 2)
val_loss = autoencoder.evaluate(x_test_noisy, x_test, verbose=0)
print('MSE to the clean images: corrupted %.4f, mean image %.4f, denoised %.4f (evaluate %.4f)' % (
    mse_noisy, mse_mean_image, mse_decoded, val_loss))
assert abs(val_loss - mse_decoded) < 1e-4, (val_loss, mse_decoded)
assert history.history['loss'][-1] < history.history['loss'][0]
assert mse_decoded < 0.25 * mse_noisy and mse_decoded < 0.7 * mse_mean_image

'''Variational autoencoder with Conv2D / Conv2DTranspose layers on synthetic images.

The encoder maps an image to the mean and log variance of a latent Gaussian, a Lambda layer draws
z with the reparameterization trick, and the decoder maps z back to an image. The VAE loss
(reconstruction + KL divergence) is attached with `vae.add_loss` and the model is compiled
without a loss.

# Reference

[1] Kingma, Diederik P., and Max Welling.
"Auto-Encoding Variational Bayes."
https://arxiv.org/abs/1312.6114
'''

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import argparse

import numpy as np
from keras import backend as K
from keras.layers import Conv2D
from keras.layers import Conv2DTranspose
from keras.layers import Dense
from keras.layers import Flatten
from keras.layers import Input
from keras.layers import Lambda
from keras.layers import Reshape
from keras.losses import binary_crossentropy
from keras.losses import mse
from keras.models import Model


# reparameterization trick
# instead of sampling from Q(z|X), sample epsilon = N(0,I)
# then z = z_mean + sqrt(var) * epsilon
def sampling(args):
    """Reparameterization trick by sampling from an isotropic unit Gaussian.

    # Arguments
        args (tensor): mean and log of variance of Q(z|X)

    # Returns
        z (tensor): sampled latent vector
    """

    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    # by default, random_normal has mean = 0 and std = 1.0
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


# Synthetic 12x12 "digits": a bright horizontal or vertical bar at a random position.
image_size = 12
rng = np.random.RandomState(3)


def make_images(n):
    images = np.zeros((n, image_size, image_size), dtype='float32')
    labels = rng.randint(0, 2, n)
    for i, label in enumerate(labels):
        pos = rng.randint(2, image_size - 3)
        if label:
            images[i, pos:pos + 2, 2:-2] = 1.
        else:
            images[i, 2:-2, pos:pos + 2] = 1.
    return images, labels


(x_train, y_train), (x_test, y_test) = make_images(512), make_images(128)

x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
x_train = x_train.astype('float32') / 1.
x_test = x_test.astype('float32') / 1.

# network parameters
input_shape = (image_size, image_size, 1)
batch_size = 64
kernel_size = 3
filters = 8
latent_dim = 2
epochs = 30

# VAE model = encoder + decoder
# build encoder model
inputs = Input(shape=input_shape, name='encoder_input')
x = inputs
for i in range(2):
    filters *= 2
    x = Conv2D(filters=filters,
               kernel_size=kernel_size,
               activation='relu',
               strides=2,
               padding='same')(x)

# shape info needed to build decoder model
shape = K.int_shape(x)

# generate latent vector Q(z|X)
x = Flatten()(x)
x = Dense(16, activation='relu')(x)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)

# use reparameterization trick to push the sampling out as input
# note that "output_shape" isn't necessary with the TensorFlow backend
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])

# instantiate encoder model
encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
encoder.summary()

# build decoder model
latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = Dense(shape[1] * shape[2] * shape[3], activation='relu')(latent_inputs)
x = Reshape((shape[1], shape[2], shape[3]))(x)

for i in range(2):
    x = Conv2DTranspose(filters=filters,
                        kernel_size=kernel_size,
                        activation='relu',
                        strides=2,
                        padding='same')(x)
    filters //= 2

outputs = Conv2DTranspose(filters=1,
                          kernel_size=kernel_size,
                          activation='sigmoid',
                          padding='same',
                          name='decoder_output')(x)

# instantiate decoder model
decoder = Model(latent_inputs, outputs, name='decoder')
decoder.summary()

# instantiate VAE model
outputs = decoder(encoder(inputs)[2])
vae = Model(inputs, outputs, name='vae')

if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    help_ = "Load h5 model trained weights"
    parser.add_argument("-w", "--weights", help=help_)
    help_ = "Use mse loss instead of binary cross entropy (default)"
    parser.add_argument("-m", "--mse", help=help_, action='store_true')
    args = parser.parse_args()

    # VAE loss = mse_loss or xent_loss + kl_loss
    if args.mse:
        reconstruction_loss = mse(K.flatten(inputs), K.flatten(outputs))
    else:
        reconstruction_loss = binary_crossentropy(K.flatten(inputs),
                                                  K.flatten(outputs))

    reconstruction_loss *= image_size * image_size
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae_loss = K.mean(reconstruction_loss + kl_loss)
    vae.add_loss(vae_loss)
    vae.compile(optimizer='rmsprop')
    vae.summary()

    if args.weights:
        vae.load_weights(args.weights)
    else:
        # train the autoencoder
        history = vae.fit(x_train,
                          epochs=epochs,
                          batch_size=batch_size,
                          verbose=0,
                          validation_data=(x_test, None))
        vae.save_weights('vae_cnn_mnist.h5')

    # Self-check 1: the loss fell.
    losses = history.history['loss']
    print('loss %.3f -> %.3f, val_loss %.3f' % (losses[0], losses[-1], history.history['val_loss'][-1]))
    assert losses[-1] < 0.8 * losses[0], losses

    # Self-check 2: decoding the encoder means reconstructs the test images better than the
    # mean training image does, and the decoder maps latent points to images.
    z_mean_test, _, _ = encoder.predict(x_test, batch_size=batch_size)
    reconstructed = decoder.predict(z_mean_test)
    recon_error = float(np.mean((reconstructed - x_test) ** 2))
    baseline_error = float(np.mean((x_train.mean(axis=0) - x_test) ** 2))
    generated = decoder.predict(np.zeros((4, latent_dim)))
    print('reconstruction mse %.4f (mean-image baseline %.4f), generated shape %s'
          % (recon_error, baseline_error, generated.shape))
    assert recon_error < 0.85 * baseline_error, (recon_error, baseline_error)
    assert generated.shape == (4, image_size, image_size, 1)

    # Reloading the saved weights gives the same encoder means.
    vae.load_weights('vae_cnn_mnist.h5')
    assert np.allclose(encoder.predict(x_test)[0], z_mean_test, atol=1e-5)

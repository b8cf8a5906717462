"""Variational autoencoder: the Keras 2 example (symbolic `add_loss`) on scikit-learn's 8x8 digits, in seconds.

The model code is the classic Keras 2 example unchanged, apart from the imports and the sizes:
the VAE loss is built from `K.*` and `metrics.binary_crossentropy` on the symbolic tensors of the
model, added with `vae.add_loss(...)`, and the model is compiled without a `loss`.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kerastorch import backend as K
from kerastorch import metrics
from kerastorch.layers import Dense
from kerastorch.layers import Input
from kerastorch.layers import Lambda
from kerastorch.models import Model

original_dim = 64
intermediate_dim = 32
latent_dim = 2
batch_size = 32
epsilon_std = 1.0


def sampling(args):
    """Reparameterization trick: z = z_mean + sigma * epsilon."""
    z_mean, z_log_var = args
    epsilon = K.random_normal(shape=(K.shape(z_mean)[0], latent_dim), mean=0.0, stddev=epsilon_std)
    return z_mean + K.exp(z_log_var / 2) * epsilon


def build():
    """The VAE (with its loss added), the encoder to the latent means, and the generator."""
    x = Input(shape=(original_dim,))
    h = Dense(intermediate_dim, activation="relu")(x)
    z_mean = Dense(latent_dim)(h)
    z_log_var = Dense(latent_dim)(h)

    z = Lambda(sampling, output_shape=(latent_dim,))([z_mean, z_log_var])

    # The decoder layers are kept to build the generator below.
    decoder_h = Dense(intermediate_dim, activation="relu")
    decoder_mean = Dense(original_dim, activation="sigmoid")
    h_decoded = decoder_h(z)
    x_decoded_mean = decoder_mean(h_decoded)

    vae = Model(x, x_decoded_mean)

    # The VAE loss: reconstruction cross-entropy plus the KL divergence to the unit Gaussian.
    xent_loss = original_dim * metrics.binary_crossentropy(x, x_decoded_mean)
    kl_loss = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae_loss = K.mean(xent_loss + kl_loss)
    vae.add_loss(vae_loss)
    vae.compile(optimizer="rmsprop")

    encoder = Model(x, z_mean)
    decoder_input = Input(shape=(latent_dim,))
    generator = Model(decoder_input, decoder_mean(decoder_h(decoder_input)))
    return vae, encoder, generator


def main(epochs=20, verbose=2):
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test = train_test_split(x, test_size=0.2, random_state=0)

    vae, encoder, generator = build()
    vae.summary()
    history = vae.fit(
        x_train,
        shuffle=True,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=(x_test, None),
        verbose=verbose,
    )
    x_test_encoded = encoder.predict(x_test, batch_size=batch_size)
    digit = generator.predict(np.zeros((1, latent_dim), dtype="float32"))
    print(f"Final loss: {history.history['loss'][-1]:.3f} (first epoch {history.history['loss'][0]:.3f})")
    print(f"Latent means of the test digits: {x_test_encoded.shape}; generated digit: {digit.shape}")
    return history


if __name__ == "__main__":
    np.random.seed(0)
    import torch

    torch.manual_seed(0)
    main()

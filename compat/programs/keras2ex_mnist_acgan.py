# -*- coding: utf-8 -*-
"""The Keras 2.2.4 mnist_acgan example: an Auxiliary Classifier GAN (ACGAN,
https://arxiv.org/abs/1610.09585). The generator maps a latent vector times a class
embedding (Embedding + multiply) to an image; the discriminator tells real from fake and
classifies the image. The discriminator is compiled, then frozen
(`discriminator.trainable = False`) before the combined model is built and compiled; both
train with `train_on_batch`, each with two losses, the discriminator with sample weights.

Synthetic data instead of MNIST, small sizes: 28x28 "digits" in [-1, 1] that are a bright
square whose place gives one of 10 classes. The program checks that the frozen
discriminator keeps training on its own batches while the combined model changes only the
generator, that the per-output losses and sample weights follow Keras, and that the
discriminator's auxiliary classifier learns the classes of real images.
"""
from __future__ import print_function

from collections import defaultdict
try:
    import cPickle as pickle
except ImportError:
    import pickle

from keras import layers
from keras.layers import Input, Dense, Reshape, Flatten, Embedding, Dropout
from keras.layers.advanced_activations import LeakyReLU
from keras.layers.convolutional import Conv2DTranspose, Conv2D
from keras.models import Sequential, Model
from keras.optimizers import Adam
from keras.utils.generic_utils import Progbar
import numpy as np

np.random.seed(1337)
num_classes = 10


def build_generator(latent_size):
    # we will map a pair of (z, L), where z is a latent vector and L is a
    # label drawn from P_c, to image space (..., 28, 28, 1)
    cnn = Sequential()

    cnn.add(Dense(3 * 3 * 16, input_dim=latent_size, activation='relu'))
    cnn.add(Reshape((3, 3, 16)))

    # upsample to (7, 7, ...)
    cnn.add(Conv2DTranspose(8, 5, strides=1, padding='valid',
                            activation='relu',
                            kernel_initializer='glorot_normal'))

    # upsample to (14, 14, ...)
    cnn.add(Conv2DTranspose(4, 5, strides=2, padding='same',
                            activation='relu',
                            kernel_initializer='glorot_normal'))

    # upsample to (28, 28, ...)
    cnn.add(Conv2DTranspose(1, 5, strides=2, padding='same',
                            activation='tanh',
                            kernel_initializer='glorot_normal'))

    # this is the z space commonly referred to in GAN papers
    latent = Input(shape=(latent_size, ))

    # this will be our label
    image_class = Input(shape=(1,), dtype='int32')

    cls = Flatten()(Embedding(num_classes, latent_size,
                              embeddings_initializer='glorot_normal')(image_class))

    # hadamard product between z-space and a class conditional embedding
    h = layers.multiply([latent, cls])

    fake_image = cnn(h)

    return Model([latent, image_class], fake_image)


def build_discriminator():
    # build a relatively standard conv net, with LeakyReLUs as suggested in
    # the reference paper
    cnn = Sequential()

    cnn.add(Conv2D(8, 3, padding='same', strides=2,
                   input_shape=(28, 28, 1)))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))

    cnn.add(Conv2D(8, 3, padding='same', strides=1))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))

    cnn.add(Conv2D(16, 3, padding='same', strides=2))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))

    cnn.add(Conv2D(16, 3, padding='same', strides=1))
    cnn.add(LeakyReLU(0.2))
    cnn.add(Dropout(0.3))

    cnn.add(Flatten())

    image = Input(shape=(28, 28, 1))

    features = cnn(image)

    # first output (name=generation) is whether or not the discriminator
    # thinks the image that is being shown is fake, and the second output
    # (name=auxiliary) is the class that the discriminator thinks the image
    # belongs to.
    fake = Dense(1, activation='sigmoid', name='generation')(features)
    aux = Dense(num_classes, activation='softmax', name='auxiliary')(features)

    return Model(image, [fake, aux])


def load_data(n):
    '''uint8 28x28 images: an 8x8 bright square in one of 10 places (the class) on noise.'''
    labels = np.random.randint(0, num_classes, n)
    images = np.random.uniform(0, 60, (n, 28, 28))
    for i, c in enumerate(labels):
        r, col = 2 + 13 * (c // 5), 1 + 5 * (c % 5)
        images[i, r:r + 8, col:col + 6] += 190
    return np.clip(images, 0, 255).astype('uint8'), labels


def snapshot(model):
    return [w.copy() for w in model.get_weights()]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


if __name__ == '__main__':

    epochs = 3
    batch_size = 25
    latent_size = 16

    # Adam parameters suggested in https://arxiv.org/abs/1511.06434
    adam_lr = 0.001
    adam_beta_1 = 0.5

    # build the discriminator
    print('Discriminator model:')
    discriminator = build_discriminator()
    discriminator.compile(
        optimizer=Adam(lr=adam_lr, beta_1=adam_beta_1),
        loss=['binary_crossentropy', 'sparse_categorical_crossentropy']
    )
    discriminator.summary()

    # build the generator
    generator = build_generator(latent_size)

    latent = Input(shape=(latent_size, ))
    image_class = Input(shape=(1,), dtype='int32')

    # get a fake image
    fake = generator([latent, image_class])

    # we only want to be able to train generation for the combined model
    discriminator.trainable = False
    fake, aux = discriminator(fake)
    combined = Model([latent, image_class], [fake, aux])

    print('Combined model:')
    combined.compile(
        optimizer=Adam(lr=adam_lr, beta_1=adam_beta_1),
        loss=['binary_crossentropy', 'sparse_categorical_crossentropy']
    )
    combined.summary()

    # get our data, and force it to be of shape (..., 28, 28, 1) with
    # range [-1, 1]
    (x_train, y_train), (x_test, y_test) = load_data(300), load_data(100)
    x_train = (x_train.astype(np.float32) - 127.5) / 127.5
    x_train = np.expand_dims(x_train, axis=-1)

    x_test = (x_test.astype(np.float32) - 127.5) / 127.5
    x_test = np.expand_dims(x_test, axis=-1)

    num_train, num_test = x_train.shape[0], x_test.shape[0]

    train_history = defaultdict(list)
    test_history = defaultdict(list)
    checks = defaultdict(list)

    for epoch in range(1, epochs + 1):
        print('Epoch {}/{}'.format(epoch, epochs))

        num_batches = int(x_train.shape[0] / batch_size)
        progress_bar = Progbar(target=num_batches)

        # we don't want the discriminator to also maximize the classification
        # accuracy of the auxiliary classifier on generated images, so we
        # don't train discriminator to produce class labels for generated
        # images (see https://openreview.net/forum?id=rJXTf9Bxg).
        # To preserve sum of sample weights for the auxiliary classifier,
        # we assign sample weight of 2 to the real images.
        disc_sample_weight = [np.ones(2 * batch_size),
                              np.concatenate((np.ones(batch_size) * 2,
                                              np.zeros(batch_size)))]

        epoch_gen_loss = []
        epoch_disc_loss = []

        for index in range(num_batches):
            # generate a new batch of noise
            noise = np.random.uniform(-1, 1, (batch_size, latent_size))

            # get a batch of real images
            image_batch = x_train[index * batch_size:(index + 1) * batch_size]
            label_batch = y_train[index * batch_size:(index + 1) * batch_size]

            # sample some labels from p_c
            sampled_labels = np.random.randint(0, num_classes, batch_size)

            # generate a batch of fake images, using the generated labels as a
            # conditioner. We reshape the sampled labels to be
            # (batch_size, 1) so that we can feed them into the embedding
            # layer as a length one sequence
            generated_images = generator.predict(
                [noise, sampled_labels.reshape((-1, 1))], verbose=0)

            x = np.concatenate((image_batch, generated_images))

            # use soft real/fake labels
            soft_zero, soft_one = 0.1, 0.9
            y = np.array([soft_one] * batch_size + [soft_zero] * batch_size)
            aux_y = np.concatenate((label_batch, sampled_labels), axis=0)

            # see if the discriminator can figure itself out...
            d_before, g_before = snapshot(discriminator), snapshot(generator)
            epoch_disc_loss.append(discriminator.train_on_batch(
                x, [y, aux_y], sample_weight=disc_sample_weight))
            checks['disc step moved discriminator'].append(not same(d_before, snapshot(discriminator)))
            checks['disc step kept generator'].append(same(g_before, snapshot(generator)))

            # make new noise. we generate 2 * batch size here such that we have
            # the generator optimize over an identical number of images as the
            # discriminator
            noise = np.random.uniform(-1, 1, (2 * batch_size, latent_size))
            sampled_labels = np.random.randint(0, num_classes, 2 * batch_size)

            # we want to train the generator to trick the discriminator
            # For the generator, we want all the {fake, not-fake} labels to say
            # not-fake
            trick = np.ones(2 * batch_size) * soft_one

            d_before, g_before = snapshot(discriminator), snapshot(generator)
            epoch_gen_loss.append(combined.train_on_batch(
                [noise, sampled_labels.reshape((-1, 1))],
                [trick, sampled_labels]))
            checks['gen step kept discriminator'].append(same(d_before, snapshot(discriminator)))
            checks['gen step moved generator'].append(not same(g_before, snapshot(generator)))

            progress_bar.update(index + 1)

        print('Testing for epoch {}:'.format(epoch))

        # evaluate the testing loss here

        # generate a new batch of noise
        noise = np.random.uniform(-1, 1, (num_test, latent_size))

        # sample some labels from p_c and generate images from them
        sampled_labels = np.random.randint(0, num_classes, num_test)
        generated_images = generator.predict(
            [noise, sampled_labels.reshape((-1, 1))], verbose=False)

        x = np.concatenate((x_test, generated_images))
        y = np.array([1] * num_test + [0] * num_test)
        aux_y = np.concatenate((y_test, sampled_labels), axis=0)

        # see if the discriminator can figure itself out...
        discriminator_test_loss = discriminator.evaluate(
            x, [y, aux_y], verbose=False)

        discriminator_train_loss = np.mean(np.array(epoch_disc_loss), axis=0)

        # make new noise
        noise = np.random.uniform(-1, 1, (2 * num_test, latent_size))
        sampled_labels = np.random.randint(0, num_classes, 2 * num_test)

        trick = np.ones(2 * num_test)

        generator_test_loss = combined.evaluate(
            [noise, sampled_labels.reshape((-1, 1))],
            [trick, sampled_labels], verbose=False)

        generator_train_loss = np.mean(np.array(epoch_gen_loss), axis=0)

        # generate an epoch report on performance
        train_history['generator'].append(generator_train_loss)
        train_history['discriminator'].append(discriminator_train_loss)

        test_history['generator'].append(generator_test_loss)
        test_history['discriminator'].append(discriminator_test_loss)

        print('{0:<22s} | {1:4s} | {2:15s} | {3:5s}'.format(
            'component', *discriminator.metrics_names))
        print('-' * 65)

        ROW_FMT = '{0:<22s} | {1:<4.2f} | {2:<15.2f} | {3:<5.2f}'
        print(ROW_FMT.format('generator (train)',
                             *train_history['generator'][-1]))
        print(ROW_FMT.format('generator (test)',
                             *test_history['generator'][-1]))
        print(ROW_FMT.format('discriminator (train)',
                             *train_history['discriminator'][-1]))
        print(ROW_FMT.format('discriminator (test)',
                             *test_history['discriminator'][-1]))

        # save weights every epoch
        generator.save_weights(
            'params_generator_epoch_{0:03d}.hdf5'.format(epoch), True)
        discriminator.save_weights(
            'params_discriminator_epoch_{0:03d}.hdf5'.format(epoch), True)

        # generate some digits to display (the image file is left out here)
        num_rows = 4
        noise = np.tile(np.random.uniform(-1, 1, (num_rows, latent_size)),
                        (num_classes, 1))

        sampled_labels = np.array([
            [i] * num_rows for i in range(num_classes)
        ]).reshape(-1, 1)

        # get a batch to display
        generated_images = generator.predict(
            [noise, sampled_labels], verbose=0)
        assert generated_images.shape == (num_rows * num_classes, 28, 28, 1)

    pickle.dump({'train': train_history, 'test': test_history},
                open('acgan-history.pkl', 'wb'))

    # self-check 1: the frozen discriminator trains on its own batches, and the combined
    # model trains the generator only
    for name, values in sorted(checks.items()):
        print('%-32s %d/%d batches' % (name, sum(values), len(values)))
        assert all(values), name
    print('trainable weights: discriminator %d, combined %d, generator %d' % (
        len(discriminator.trainable_weights), len(combined.trainable_weights),
        len(generator.trainable_weights)))
    assert len(combined.trainable_weights) == len(generator.trainable_weights) == 9

    # self-check 2: the loss names, and the total loss is the sum of the two output losses
    print('metrics names:', discriminator.metrics_names)
    assert discriminator.metrics_names == ['loss', 'generation_loss', 'auxiliary_loss']
    for row in [discriminator_test_loss, generator_test_loss] + epoch_disc_loss + epoch_gen_loss:
        assert abs(row[0] - row[1] - row[2]) < 1e-4 * max(1.0, abs(row[0])), row

    # self-check 3: the sample weights: real images weigh 2, fake ones 0 in the auxiliary loss
    probe_x = np.concatenate((x_test[:batch_size], generated_images[:batch_size]))
    probe_aux = np.concatenate((y_test[:batch_size], sampled_labels[:batch_size, 0]))
    p_fake, p_aux = discriminator.predict(probe_x)
    sparse_ce = -np.log(np.clip(p_aux[np.arange(2 * batch_size), probe_aux], 1e-7, 1 - 1e-7))
    expected_aux = np.sum(disc_sample_weight[1] * sparse_ce) / (2 * batch_size)
    got = discriminator.test_on_batch(probe_x, [np.ones(2 * batch_size), probe_aux],
                                      sample_weight=disc_sample_weight)
    print('weighted auxiliary loss %.5f, NumPy %.5f' % (got[2], expected_aux))
    assert abs(got[2] - expected_aux) < 1e-4 * max(1.0, expected_aux), (got, expected_aux)

    # self-check 4: the discriminator learned: its losses fell, and the auxiliary classifier
    # names the class of real test images (chance 0.1)
    aux_accuracy = np.mean(np.argmax(discriminator.predict(x_test)[1], axis=1) == y_test)
    print('discriminator train loss first/last epoch: %.3f / %.3f' % (
        train_history['discriminator'][0][0], train_history['discriminator'][-1][0]))
    print('auxiliary classifier accuracy on real test images: %.3f (chance 0.1)' % aux_accuracy)
    assert train_history['discriminator'][-1][2] < train_history['discriminator'][0][2]
    assert aux_accuracy > 0.5, aux_accuracy

""" The Keras 2.2.4 example conv_lstm.py: a convolutional LSTM network predicting the next
frame of artificially generated movies of moving squares.

Tiny sizes: 16x16 frames, 8 filters per ConvLSTM2D layer, short movies. The example's
pylab plots of the predicted frames are left out; the program checks the predictions instead.
"""
import sys
from keras.models import Sequential
from keras.layers.convolutional import Conv3D
from keras.layers.convolutional_recurrent import ConvLSTM2D
from keras.layers.normalization import BatchNormalization
import numpy as np
from keras import backend as K

# We create a layer which take as input movies of shape
# (n_frames, width, height, channels) and returns a movie
# of identical shape.

np.random.seed(2)
size = 16
filters = 8

seq = Sequential()
seq.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3),
                   input_shape=(None, size, size, 1),
                   padding='same', return_sequences=True))
seq.add(BatchNormalization())

seq.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3),
                   padding='same', return_sequences=True))
seq.add(BatchNormalization())

seq.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3),
                   padding='same', return_sequences=True))
seq.add(BatchNormalization())

seq.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3),
                   padding='same', return_sequences=True))
seq.add(BatchNormalization())

seq.add(Conv3D(filters=1, kernel_size=(3, 3, 3),
               activation='sigmoid',
               padding='same', data_format='channels_last'))
seq.compile(loss='binary_crossentropy', optimizer='adadelta')


# Artificial data generation:
# Generate movies with 3 to 7 moving squares inside.
# The squares are of shape 2x2 or 4x4 pixels,
# which move linearly over time.
# For convenience we first create movies with bigger width and height (2 * size)
# and at the end we select a size x size window.

def generate_movies(n_samples=1200, n_frames=15):
    row = 2 * size
    col = 2 * size
    noisy_movies = np.zeros((n_samples, n_frames, row, col, 1), dtype=float)
    shifted_movies = np.zeros((n_samples, n_frames, row, col, 1),
                              dtype=float)

    for i in range(n_samples):
        # Add 3 to 7 moving squares
        n = np.random.randint(3, 8)

        for j in range(n):
            # Initial position
            xstart = np.random.randint(size // 2 + 2, size + size // 2 - 2)
            ystart = np.random.randint(size // 2 + 2, size + size // 2 - 2)
            # Direction of motion
            directionx = np.random.randint(0, 3) - 1
            directiony = np.random.randint(0, 3) - 1

            # Size of the square
            w = np.random.randint(1, 3)

            for t in range(n_frames):
                x_shift = xstart + directionx * t
                y_shift = ystart + directiony * t
                noisy_movies[i, t, x_shift - w: x_shift + w,
                             y_shift - w: y_shift + w, 0] += 1

                # Make it more robust by adding noise.
                # The idea is that if during inference,
                # the value of the pixel is not exactly one,
                # we need to train the network to be robust and still
                # consider it as a pixel belonging to a square.
                if np.random.randint(0, 2):
                    noise_f = (-1)**np.random.randint(0, 2)
                    noisy_movies[i, t,
                                 x_shift - w - 1: x_shift + w + 1,
                                 y_shift - w - 1: y_shift + w + 1,
                                 0] += noise_f * 0.1

                # Shift the ground truth by 1
                x_shift = xstart + directionx * (t + 1)
                y_shift = ystart + directiony * (t + 1)
                shifted_movies[i, t, x_shift - w: x_shift + w,
                               y_shift - w: y_shift + w, 0] += 1

    # Cut to a size x size window
    lo, hi = size // 2, size + size // 2
    noisy_movies = noisy_movies[::, ::, lo:hi, lo:hi, ::]
    shifted_movies = shifted_movies[::, ::, lo:hi, lo:hi, ::]
    noisy_movies[noisy_movies >= 1] = 1
    shifted_movies[shifted_movies >= 1] = 1
    return noisy_movies, shifted_movies


# Train the network
noisy_movies, shifted_movies = generate_movies(n_samples=120, n_frames=6)
history = seq.fit(noisy_movies[:100], shifted_movies[:100], batch_size=10,
                  epochs=8, validation_split=0.05)

# Testing the network on one movie
# feed it with the first 3 positions and then
# predict the new positions
which = 104
track = noisy_movies[which][:3, ::, ::, ::]

for j in range(4):
    new_pos = seq.predict(track[np.newaxis, ::, ::, ::, ::])
    new = new_pos[::, -1, ::, ::, ::]
    track = np.concatenate((track, new), axis=0)

# Self-check (instead of the plots): the training loss fell, the rolled-out track has the
# frames the loop added, and on held-out movies the network gives the pixels of the next
# frame's squares a much higher probability than the background. The example trains 300
# epochs; after a few seconds the BatchNormalization moving averages have not settled, so
# the check runs the network with batch statistics (learning phase 1) through K.function.
held_x, held_y = noisy_movies[100:], shifted_movies[100:]
run_with_batch_stats = K.function([seq.input, K.learning_phase()], [seq.output])
pred = run_with_batch_stats([held_x, 1])[0]
on_squares = float(pred[held_y == 1].mean())
on_background = float(pred[held_y == 0].mean())
losses = history.history['loss']
print('loss %.4f -> %.4f; mean prediction on squares %.3f, on background %.3f; track %s'
      % (losses[0], losses[-1], on_squares, on_background, track.shape))
if not (losses[-1] < 0.5 * losses[0] and on_squares > on_background + 0.4
        and track.shape == (7, size, size, 1) and pred.shape == held_y.shape):
    sys.exit('conv_lstm: the network did not learn the moving squares')

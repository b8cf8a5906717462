# Keras 1 "Getting started" (seed 002): the image-captioning architecture (convnet + GRU, Merge,
# TimeDistributedDense) exactly as written there, with smaller sizes (16x16 images,
# max_caption_len 16 -> 6, vocab_size 10000 -> 30) and random data. The "pre-trained" weight
# file the page loads is written first from the same architecture. Channels-first images, as
# on the page: run with `--image-data-format th` (or "image_dim_ordering": "th" in keras.json).
import numpy as np
from keras.models import Sequential
from keras.layers import Activation, Convolution2D, Dense, Embedding, Flatten, GRU, Merge
from keras.layers import MaxPooling2D, RepeatVector, TimeDistributedDense

max_caption_len = 6
vocab_size = 30

# first, let's define an image model that
# will encode pictures into 128-dimensional vectors.
# it should be initialized with pre-trained weights.
image_model = Sequential()
image_model.add(Convolution2D(32, 3, 3, border_mode='valid', input_shape=(3, 16, 16)))
image_model.add(Activation('relu'))
image_model.add(Convolution2D(32, 3, 3))
image_model.add(Activation('relu'))
image_model.add(MaxPooling2D(pool_size=(2, 2)))

image_model.add(Convolution2D(64, 3, 3, border_mode='valid'))
image_model.add(Activation('relu'))
image_model.add(Convolution2D(64, 3, 3))
image_model.add(Activation('relu'))
image_model.add(MaxPooling2D(pool_size=(2, 2)))

image_model.add(Flatten())
image_model.add(Dense(128))

image_model.save_weights('weight_file.h5')  # stand-in for the pre-trained weight file
# let's load the weights from a save file.
image_model.load_weights('weight_file.h5')

# next, let's define a RNN model that encodes sequences of words
# into sequences of 128-dimensional word vectors.
language_model = Sequential()
language_model.add(Embedding(vocab_size, 256, input_length=max_caption_len))
language_model.add(GRU(output_dim=128, return_sequences=True))
language_model.add(TimeDistributedDense(128))

# let's repeat the image vector to turn it into a sequence.
image_model.add(RepeatVector(max_caption_len))

# the output of both models will be tensors of shape (samples, max_caption_len, 128).
# let's concatenate these 2 vector sequences.
model = Sequential()
model.add(Merge([image_model, language_model], mode='concat', concat_axis=-1))
# let's encode this vector sequence into a single vector
model.add(GRU(256, return_sequences=False))
# which will be used to compute a probability
# distribution over what the next word in the caption should be!
model.add(Dense(vocab_size))
model.add(Activation('softmax'))

model.compile(loss='categorical_crossentropy', optimizer='rmsprop')

# "images" is a numpy float array of shape (nb_samples, nb_channels=3, width, height).
# "captions" is a numpy integer array of shape (nb_samples, max_caption_len)
# containing word index sequences representing partial captions.
# "next_words" is a numpy float array of shape (nb_samples, vocab_size)
# containing a categorical encoding (0s and 1s) of the next word in the corresponding
# partial caption.
images = np.random.random((32, 3, 16, 16))
partial_captions = np.random.randint(vocab_size, size=(32, max_caption_len))
next_words = np.eye(vocab_size)[np.random.randint(vocab_size, size=32)]
model.fit([images, partial_captions], next_words, batch_size=16, nb_epoch=1)

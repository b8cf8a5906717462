'''A Keras 2.2 functional captioning model: a convnet image encoder, RepeatVector, an
Embedding + GRU + TimeDistributed(Dense) caption encoder, `concatenate`, and a GRU decoder.

The next word of each (synthetic) partial caption is the class of the image (where its bright
square is), so the model must read the image branch to predict it.
'''
from __future__ import print_function
import numpy as np
import keras
from keras import backend as K
from keras.layers import Input, Conv2D, MaxPooling2D, Flatten, Dense, RepeatVector
from keras.layers import Embedding, GRU, TimeDistributed, concatenate
from keras.models import Model

np.random.seed(1337)
max_caption_len = 5
vocab_size = 20
num_image_classes = 4
img_size = 8


def make_data(n):
    classes = np.random.randint(num_image_classes, size=n)
    images = np.random.random((n, img_size, img_size, 3)) * 0.3
    for i, c in enumerate(classes):
        r, col = divmod(c, 2)
        images[i, r * 4:r * 4 + 4, col * 4:col * 4 + 4, :] += 0.7
    if K.image_data_format() == 'channels_first':
        images = images.transpose(0, 3, 1, 2)
    captions = np.random.randint(vocab_size, size=(n, max_caption_len))
    next_words = keras.utils.to_categorical(classes, vocab_size)
    return images, captions, next_words


if K.image_data_format() == 'channels_first':
    image_shape = (3, img_size, img_size)
else:
    image_shape = (img_size, img_size, 3)
image_input = Input(shape=image_shape)
x = Conv2D(8, (3, 3), padding='same', activation='relu')(image_input)
x = MaxPooling2D(pool_size=(2, 2))(x)
x = Flatten()(x)
x = Dense(32, activation='relu')(x)
image_sequence = RepeatVector(max_caption_len)(x)

caption_input = Input(shape=(max_caption_len,), dtype='int32')
y = Embedding(vocab_size, 16, input_length=max_caption_len)(caption_input)
y = GRU(16, return_sequences=True)(y)
y = TimeDistributed(Dense(16))(y)

merged = concatenate([image_sequence, y], axis=-1)
encoded = GRU(32, return_sequences=False)(merged)
next_word = Dense(vocab_size, activation='softmax')(encoded)

model = Model(inputs=[image_input, caption_input], outputs=next_word)
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])

images, captions, next_words = make_data(512)
model.fit([images, captions], next_words, batch_size=32, epochs=6, verbose=2)
images, captions, next_words = make_data(128)
score = model.evaluate([images, captions], next_words, verbose=0)
print('Test accuracy:', score[1])

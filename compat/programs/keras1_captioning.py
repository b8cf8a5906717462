'''A Keras 1.2 functional-API captioning model in its own spelling: `merge`, `Model(input=, output=)`,
`TimeDistributedDense`, `Convolution2D(n, 3, 3)`, `LSTM(output_dim=...)`.

The next word of each (synthetic) partial caption is the class of the image (where its bright
blob is), so the model must read the image branch to predict it.
'''
from __future__ import print_function
import numpy as np
np.random.seed(1337)

from keras.layers import Input, Dense, Embedding, Flatten, LSTM, RepeatVector, merge
from keras.layers import Convolution2D, MaxPooling2D, TimeDistributedDense
from keras.models import Model
from keras import backend as K

max_caption_len = 5
vocab_size = 20
nb_image_classes = 4
img_size = 8


def make_data(n):
    classes = np.random.randint(nb_image_classes, size=n)
    images = np.random.random((n, img_size, img_size, 1)) * 0.3
    for i, c in enumerate(classes):
        r, col = divmod(c, 2)
        images[i, r * 4:r * 4 + 4, col * 4:col * 4 + 4, 0] += 0.7
    if K.image_dim_ordering() == 'th':
        images = images.transpose(0, 3, 1, 2)
    captions = np.random.randint(vocab_size, size=(n, max_caption_len))
    next_words = np.zeros((n, vocab_size))
    next_words[np.arange(n), classes] = 1
    return images, captions, next_words


image_shape = (1, img_size, img_size) if K.image_dim_ordering() == 'th' else (img_size, img_size, 1)
image_input = Input(shape=image_shape)
x = Convolution2D(8, 3, 3, border_mode='same', activation='relu')(image_input)
x = MaxPooling2D(pool_size=(2, 2))(x)
x = Flatten()(x)
x = Dense(32, activation='relu')(x)
image_sequence = RepeatVector(max_caption_len)(x)

caption_input = Input(shape=(max_caption_len,), dtype='int32')
y = Embedding(vocab_size, 16, input_length=max_caption_len)(caption_input)
y = LSTM(output_dim=16, return_sequences=True)(y)
y = TimeDistributedDense(16)(y)

merged = merge([image_sequence, y], mode='concat', concat_axis=-1)
encoded = LSTM(32, return_sequences=False)(merged)
next_word = Dense(vocab_size, activation='softmax')(encoded)

model = Model(input=[image_input, caption_input], output=next_word)
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])

images, captions, next_words = make_data(512)
model.fit([images, captions], next_words, batch_size=32, nb_epoch=6, verbose=2)
images, captions, next_words = make_data(128)
score = model.evaluate([images, captions], next_words, verbose=0)
print('Test accuracy:', score[1])

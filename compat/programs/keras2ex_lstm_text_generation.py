'''The Keras 2.2.4 lstm_text_generation example: a character-level LSTM trained to
predict the next character, with a LambdaCallback that generates text at the end of
each epoch by sampling (np.random.multinomial) from model.predict.

A short synthetic corpus (a few sentences repeated in random order) stands in for
Nietzsche's writings. The program checks that the loss fell, that the callback ran
every epoch, and that greedy generation continues the corpus's words.
'''

from __future__ import print_function
from keras.callbacks import LambdaCallback
from keras.models import Sequential
from keras.layers import Dense
from keras.layers import LSTM
from keras.optimizers import RMSprop
import numpy as np
import random
import sys

np.random.seed(1337)
random.seed(1337)

# a synthetic corpus in place of get_file('nietzsche.txt', ...)
phrases = ['the cat sat on the mat. ', 'a dog ran to the park. ', 'we like red apples. ']
text = ''.join(random.choice(phrases) for _ in range(200)).lower()
print('corpus length:', len(text))

chars = sorted(list(set(text)))
print('total chars:', len(chars))
char_indices = dict((c, i) for i, c in enumerate(chars))
indices_char = dict((i, c) for i, c in enumerate(chars))

# cut the text in semi-redundant sequences of maxlen characters
maxlen = 12
step = 3
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i: i + maxlen])
    next_chars.append(text[i + maxlen])
print('nb sequences:', len(sentences))

print('Vectorization...')
x = np.zeros((len(sentences), maxlen, len(chars)), dtype=bool)
y = np.zeros((len(sentences), len(chars)), dtype=bool)
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1


# build the model: a single LSTM
print('Build model...')
model = Sequential()
model.add(LSTM(64, input_shape=(maxlen, len(chars))))
model.add(Dense(len(chars), activation='softmax'))

optimizer = RMSprop(lr=0.01)
model.compile(loss='categorical_crossentropy', optimizer=optimizer)


def sample(preds, temperature=1.0):
    # helper function to sample an index from a probability array
    preds = np.asarray(preds).astype('float64')
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return np.argmax(probas)


epochs_seen = []


def on_epoch_end(epoch, _):
    # Function invoked at end of each epoch. Prints generated text.
    epochs_seen.append(epoch)
    print()
    print('----- Generating text after Epoch: %d' % epoch)

    start_index = random.randint(0, len(text) - maxlen - 1)
    for diversity in [0.2, 0.5, 1.0, 1.2]:
        print('----- diversity:', diversity)

        generated = ''
        sentence = text[start_index: start_index + maxlen]
        generated += sentence
        print('----- Generating with seed: "' + sentence + '"')
        sys.stdout.write(generated)

        for i in range(20):
            x_pred = np.zeros((1, maxlen, len(chars)))
            for t, char in enumerate(sentence):
                x_pred[0, t, char_indices[char]] = 1.

            preds = model.predict(x_pred, verbose=0)[0]
            next_index = sample(preds, diversity)
            next_char = indices_char[next_index]

            generated += next_char
            sentence = sentence[1:] + next_char

            sys.stdout.write(next_char)
            sys.stdout.flush()
        print()


print_callback = LambdaCallback(on_epoch_end=on_epoch_end)

history = model.fit(x, y,
                    batch_size=128,
                    epochs=15,
                    callbacks=[print_callback])

# self-check
losses = history.history['loss']
print('loss: first epoch %.3f, last epoch %.3f' % (losses[0], losses[-1]))
assert epochs_seen == list(range(15)), 'the LambdaCallback did not run every epoch: %s' % epochs_seen
assert losses[-1] < 0.5 * losses[0], 'the loss did not fall enough'

# greedy generation from a seed taken from the corpus reproduces the corpus's words
sentence = text[:maxlen]
generated = ''
for i in range(60):
    x_pred = np.zeros((1, maxlen, len(chars)))
    for t, char in enumerate(sentence):
        x_pred[0, t, char_indices[char]] = 1.
    next_char = indices_char[int(np.argmax(model.predict(x_pred, verbose=0)[0]))]
    generated += next_char
    sentence = sentence[1:] + next_char
print('greedy continuation: "%s"' % generated)
vocabulary = set(' '.join(phrases).replace('.', ' ').split())
words = generated.replace('.', ' ').split()[1:-1]  # the first and last may be cut
known = np.mean([w in vocabulary for w in words]) if words else 0.0
print('fraction of generated words from the corpus: %.2f' % known)
assert known >= 0.8, 'the generated text does not follow the corpus'
print('OK: the character LSTM learned the corpus')

'''The Keras 2.2.4 mnist_siamese example: a shared base network on pairs of images, the
Euclidean distance of the two embeddings in a Lambda layer, the contrastive loss of
Hadsell et al. '06 and a thresholded-distance accuracy metric written with `K`.

Synthetic data instead of MNIST: 8x8 "digits", each class a random prototype image plus
noise. The program checks the Lambda distance and the contrastive loss against NumPy, and
that the pairs are told apart (accuracy well above the 50% of chance).
'''
from __future__ import absolute_import
from __future__ import print_function
import numpy as np

import random
from keras.models import Model
from keras.layers import Input, Flatten, Dense, Dropout, Lambda
from keras.optimizers import RMSprop
from keras import backend as K

np.random.seed(1337)
random.seed(1337)
num_classes = 10
epochs = 8


def euclidean_distance(vects):
    x, y = vects
    return K.sqrt(K.maximum(K.sum(K.square(x - y), axis=1, keepdims=True),
                            K.epsilon()))


def eucl_dist_output_shape(shapes):
    shape1, shape2 = shapes
    return (shape1[0], 1)


def contrastive_loss(y_true, y_pred):
    '''Contrastive loss from Hadsell-et-al.'06
    http://yann.lecun.com/exdb/publis/pdf/hadsell-chopra-lecun-06.pdf
    '''
    margin = 1
    square_pred = K.square(y_pred)
    margin_square = K.square(K.maximum(margin - y_pred, 0))
    return K.mean(y_true * square_pred + (1 - y_true) * margin_square)


def create_pairs(x, digit_indices):
    '''Positive and negative pair creation.
    Alternates between positive and negative pairs.
    '''
    pairs = []
    labels = []
    n = min([len(digit_indices[d]) for d in range(num_classes)]) - 1
    for d in range(num_classes):
        for i in range(n):
            z1, z2 = digit_indices[d][i], digit_indices[d][i + 1]
            pairs += [[x[z1], x[z2]]]
            inc = random.randrange(1, num_classes)
            dn = (d + inc) % num_classes
            z1, z2 = digit_indices[d][i], digit_indices[dn][i]
            pairs += [[x[z1], x[z2]]]
            labels += [1, 0]
    return np.array(pairs), np.array(labels)


def create_base_network(input_shape):
    '''Base network to be shared (eq. to feature extraction).
    '''
    input = Input(shape=input_shape)
    x = Flatten()(input)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.1)(x)
    x = Dense(32, activation='relu')(x)
    x = Dropout(0.1)(x)
    x = Dense(32, activation='relu')(x)
    return Model(input, x)


def compute_accuracy(y_true, y_pred):
    '''Compute classification accuracy with a fixed threshold on distances.
    '''
    pred = y_pred.ravel() < 0.5
    return np.mean(pred == y_true)


def accuracy(y_true, y_pred):
    '''Compute classification accuracy with a fixed threshold on distances.
    '''
    return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))


# synthetic data in place of mnist.load_data(): uint8 8x8 images around class prototypes
prototypes = np.random.uniform(0, 255, (num_classes, 8, 8))


def load_data(n):
    labels = np.random.randint(0, num_classes, n)
    images = prototypes[labels] + np.random.normal(0, 50, (n, 8, 8))
    return np.clip(images, 0, 255).astype('uint8'), labels


(x_train, y_train), (x_test, y_test) = load_data(600), load_data(300)
x_train = x_train.astype('float32')
x_test = x_test.astype('float32')
x_train /= 255
x_test /= 255
input_shape = x_train.shape[1:]

# create training+test positive and negative pairs
digit_indices = [np.where(y_train == i)[0] for i in range(num_classes)]
tr_pairs, tr_y = create_pairs(x_train, digit_indices)

digit_indices = [np.where(y_test == i)[0] for i in range(num_classes)]
te_pairs, te_y = create_pairs(x_test, digit_indices)

# network definition
base_network = create_base_network(input_shape)

input_a = Input(shape=input_shape)
input_b = Input(shape=input_shape)

# because we re-use the same instance `base_network`,
# the weights of the network
# will be shared across the two branches
processed_a = base_network(input_a)
processed_b = base_network(input_b)

distance = Lambda(euclidean_distance,
                  output_shape=eucl_dist_output_shape)([processed_a, processed_b])

model = Model([input_a, input_b], distance)

# train
rms = RMSprop()
model.compile(loss=contrastive_loss, optimizer=rms, metrics=[accuracy])
history = model.fit([tr_pairs[:, 0], tr_pairs[:, 1]], tr_y,
                    batch_size=32,
                    epochs=epochs,
                    verbose=2,
                    validation_data=([te_pairs[:, 0], te_pairs[:, 1]], te_y))

# compute final accuracy on training and test sets
y_pred = model.predict([tr_pairs[:, 0], tr_pairs[:, 1]])
tr_acc = compute_accuracy(tr_y, y_pred)
y_pred = model.predict([te_pairs[:, 0], te_pairs[:, 1]])
te_acc = compute_accuracy(te_y, y_pred)

print('* Accuracy on training set: %0.2f%%' % (100 * tr_acc))
print('* Accuracy on test set: %0.2f%%' % (100 * te_acc))

# self-check 1: one base network shared by both branches, distance shape (None, 1)
print('model output shape:', model.output_shape, 'weights:', len(model.get_weights()))
assert model.output_shape == (None, 1), model.output_shape
assert len(model.get_weights()) == len(base_network.get_weights()) == 6

# self-check 2: the Lambda distance is the Euclidean distance of the two embeddings
emb_a = base_network.predict(te_pairs[:, 0])
emb_b = base_network.predict(te_pairs[:, 1])
expected = np.sqrt(np.maximum(np.sum((emb_a - emb_b) ** 2, axis=1, keepdims=True), 1e-7))
print('distance max abs error vs NumPy:', np.abs(y_pred - expected).max())
assert y_pred.shape == (len(te_y), 1) and np.allclose(y_pred, expected, atol=1e-5)

# self-check 3: evaluate's loss and metric are the contrastive loss and the accuracy (NumPy)
score = model.evaluate([te_pairs[:, 0], te_pairs[:, 1]], te_y, batch_size=len(te_y), verbose=0)
d = y_pred.ravel()
np_loss = np.mean(te_y * d ** 2 + (1 - te_y) * np.maximum(1 - d, 0) ** 2)
print('evaluate:', score, 'NumPy loss/accuracy:', np_loss, te_acc)
assert model.metrics_names == ['loss', 'accuracy'], model.metrics_names
assert abs(score[0] - np_loss) < 1e-4 and abs(score[1] - te_acc) < 1e-6, (score, np_loss, te_acc)

# self-check 4: it learned
losses = history.history['loss']
print('loss first/last epoch: %.4f / %.4f' % (losses[0], losses[-1]))
assert losses[-1] < losses[0], losses
assert tr_acc > 0.8 and te_acc > 0.8, (tr_acc, te_acc)

'''The Keras 2.2.4 conv_filter_visualization example: visualize the filters of a
convnet by gradient ascent in input space, with `K.gradients` of a filter's mean
activation with respect to the input image and `K.function([input_img], [loss, grads])`.

A tiny VGG-like convnet with fixed random weights stands in for VGG16 with ImageNet
weights (no download). The program checks that gradient ascent raises each kept
filter's activation, and saves the stitched filters as a PNG.
'''
from __future__ import print_function

import os
import tempfile
import time

import numpy as np
from keras.preprocessing.image import save_img
from keras.models import Model
from keras.layers import Input, Conv2D, MaxPooling2D
from keras import backend as K

np.random.seed(1337)

# dimensions of the generated pictures for each filter.
img_width = 32
img_height = 32

# the name of the layer we want to visualize
layer_name = 'block2_conv1'

# util function to convert a tensor into a valid image


def deprocess_image(x):
    # normalize tensor: center on 0., ensure std is 0.1
    x -= x.mean()
    x /= (x.std() + K.epsilon())
    x *= 0.1

    # clip to [0, 1]
    x += 0.5
    x = np.clip(x, 0, 1)

    # convert to RGB array
    x *= 255
    if K.image_data_format() == 'channels_first':
        x = x.transpose((1, 2, 0))
    x = np.clip(x, 0, 255).astype('uint8')
    return x


def small_vgg():
    # two VGG blocks, named as keras.applications.vgg16 names its layers
    if K.image_data_format() == 'channels_first':
        img_input = Input(shape=(3, None, None))
    else:
        img_input = Input(shape=(None, None, 3))
    x = Conv2D(8, (3, 3), activation='relu', padding='same', name='block1_conv1')(img_input)
    x = Conv2D(8, (3, 3), activation='relu', padding='same', name='block1_conv2')(x)
    x = MaxPooling2D((2, 2), strides=(2, 2), name='block1_pool')(x)
    x = Conv2D(16, (3, 3), activation='relu', padding='same', name='block2_conv1')(x)
    x = Conv2D(16, (3, 3), activation='relu', padding='same', name='block2_conv2')(x)
    return Model(img_input, x, name='small_vgg')


# build the network (random weights in place of the ImageNet ones)
model = small_vgg()
print('Model loaded.')

model.summary()

# this is the placeholder for the input images
input_img = model.input

# get the symbolic outputs of each "key" layer (we gave them unique names).
layer_dict = dict([(layer.name, layer) for layer in model.layers[1:]])


def normalize(x):
    # utility function to normalize a tensor by its L2 norm
    return x / (K.sqrt(K.mean(K.square(x))) + K.epsilon())


kept_filters = []
gains = []
for filter_index in range(16):
    # we scan through the 16 filters of the layer
    print('Processing filter %d' % filter_index)
    start_time = time.time()

    # we build a loss function that maximizes the activation
    # of the nth filter of the layer considered
    layer_output = layer_dict[layer_name].output
    if K.image_data_format() == 'channels_first':
        loss = K.mean(layer_output[:, filter_index, :, :])
    else:
        loss = K.mean(layer_output[:, :, :, filter_index])

    # we compute the gradient of the input picture wrt this loss
    grads = K.gradients(loss, input_img)[0]

    # normalization trick: we normalize the gradient
    grads = normalize(grads)

    # this function returns the loss and grads given the input picture
    iterate = K.function([input_img], [loss, grads])

    # step size for gradient ascent
    step = 1.

    # we start from a gray image with some random noise
    if K.image_data_format() == 'channels_first':
        input_img_data = np.random.random((1, 3, img_width, img_height))
    else:
        input_img_data = np.random.random((1, img_width, img_height, 3))
    input_img_data = (input_img_data - 0.5) * 20 + 128

    # we run gradient ascent for 20 steps
    first_loss = None
    for i in range(20):
        loss_value, grads_value = iterate([input_img_data])
        if first_loss is None:
            first_loss = loss_value
        input_img_data += grads_value * step

        print('Current loss value:', loss_value)
        if loss_value <= 0.:
            # some filters get stuck to 0, we can skip them
            break

    # decode the resulting input image
    if loss_value > 0:
        img = deprocess_image(input_img_data[0])
        kept_filters.append((img, loss_value))
        gains.append(loss_value - first_loss)
    end_time = time.time()
    print('Filter %d processed in %ds' % (filter_index, end_time - start_time))

# we will stich the best 4 filters on a 2 x 2 grid.
n = 2

# the filters that have the highest loss are assumed to be better-looking.
# we will only keep the top 4 filters.
kept_filters.sort(key=lambda x: x[1], reverse=True)
kept_filters = kept_filters[:n * n]

# build a black picture with enough space for
# our 2 x 2 filters of size 32 x 32, with a 5px margin in between
margin = 5
width = n * img_width + (n - 1) * margin
height = n * img_height + (n - 1) * margin
stitched_filters = np.zeros((width, height, 3))

# fill the picture with our saved filters
for i in range(n):
    for j in range(n):
        img, loss = kept_filters[i * n + j]
        width_margin = (img_width + margin) * i
        height_margin = (img_height + margin) * j
        stitched_filters[
            width_margin: width_margin + img_width,
            height_margin: height_margin + img_height, :] = img

# save the result to disk
path = os.path.join(tempfile.mkdtemp(), 'stitched_filters_%dx%d.png' % (n, n))
save_img(path, stitched_filters)

# self-check: gradient ascent raised the activation of every kept filter
print('kept filters: %d, activation gains: %s' % (len(gains), np.round(gains, 3)))
assert len(gains) >= n * n, 'too few filters kept: %d' % len(gains)
assert min(gains) > 0, 'gradient ascent did not raise every kept filter: %s' % gains
assert np.median(gains) > 1.0, 'activations barely rose: %s' % gains
assert os.path.getsize(path) > 0
print('OK: gradient ascent raised the filter activations')

"""Keras 1 rename tables: per family rows `(Keras 1 name, Keras 2 name[, value map | reason])`, as data.

A row `("output_dim", "units")` renames a keyword argument; a third element is a dict of value
conversions (`("dim_ordering", "data_format", DIM_ORDERING)`) or, when the Keras 2 name is None,
the reason the argument is dropped. `kerastorch.legacy.interfaces` applies them.
"""

# ---------------------------------------------------------------------------------------------
# Value conversions
# ---------------------------------------------------------------------------------------------
DIM_ORDERING = {"th": "channels_first", "tf": "channels_last", "default": None}
CONSUME_LESS = {"cpu": 0, "mem": 1, "gpu": 2}

# ---------------------------------------------------------------------------------------------
# Rename tables, one per family
# ---------------------------------------------------------------------------------------------
_WEIGHTS = (
    ("init", "kernel_initializer"),
    ("W_regularizer", "kernel_regularizer"),
    ("b_regularizer", "bias_regularizer"),
    ("W_constraint", "kernel_constraint"),
    ("b_constraint", "bias_constraint"),
    ("bias", "use_bias"),
)
DENSE = (("output_dim", "units"),) + _WEIGHTS
DROPOUT = (("p", "rate"),)
SPATIAL_DROPOUT = (("p", "rate"), ("dim_ordering", "data_format", DIM_ORDERING))
EMBEDDING = (
    ("init", "embeddings_initializer"),
    ("W_regularizer", "embeddings_regularizer"),
    ("W_constraint", "embeddings_constraint"),
    ("dropout", None, "Keras 2 has no Embedding dropout; add a SpatialDropout1D layer after the Embedding instead"),
)
BATCH_NORMALIZATION = (
    ("beta_init", "beta_initializer"),
    ("gamma_init", "gamma_initializer"),
    ("mode", None, "mode=0 (feature-wise, moving statistics at test time) is what Keras 2 always does"),
)
CONV1D = (
    ("nb_filter", "filters"),
    ("filter_length", "kernel_size"),
    ("subsample_length", "strides"),
    ("border_mode", "padding"),
) + _WEIGHTS
CONV2D = (
    ("nb_filter", "filters"),
    ("subsample", "strides"),
    ("border_mode", "padding"),
    ("dim_ordering", "data_format", DIM_ORDERING),
) + _WEIGHTS
CONV3D = CONV2D
ATROUS_CONV1D = CONV1D + (("atrous_rate", "dilation_rate"),)
ATROUS_CONV2D = CONV2D + (("atrous_rate", "dilation_rate"),)
DECONV2D = CONV2D + (("output_shape", None, "Keras 2 computes the output shape of Conv2DTranspose itself"),)
SEPARABLE_CONV2D = (
    ("nb_filter", "filters"),
    ("subsample", "strides"),
    ("border_mode", "padding"),
    ("dim_ordering", "data_format", DIM_ORDERING),
    ("b_regularizer", "bias_regularizer"),
    ("b_constraint", "bias_constraint"),
    ("bias", "use_bias"),
)
POOLING1D = (("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding"))
POOLING2D = (("border_mode", "padding"), ("dim_ordering", "data_format", DIM_ORDERING))
POOLING3D = POOLING2D
GLOBAL_POOLING = (("dim_ordering", "data_format", DIM_ORDERING),)
RECURRENT = (
    ("output_dim", "units"),
    ("init", "kernel_initializer"),
    ("inner_init", "recurrent_initializer"),
    ("inner_activation", "recurrent_activation"),
    ("W_regularizer", "kernel_regularizer"),
    ("U_regularizer", "recurrent_regularizer"),
    ("b_regularizer", "bias_regularizer"),
    ("dropout_W", "dropout"),
    ("dropout_U", "recurrent_dropout"),
    ("consume_less", "implementation", CONSUME_LESS),
)
GAUSSIAN_NOISE = (("sigma", "stddev"),)
GAUSSIAN_DROPOUT = (("p", "rate"),)
ZERO_PADDING = (("dim_ordering", "data_format", DIM_ORDERING),)
UPSAMPLING1D = (("length", "size"),)
UPSAMPLING = (("dim_ordering", "data_format", DIM_ORDERING),)
CROPPING = (("dim_ordering", "data_format", DIM_ORDERING),)
PRELU = (("init", "alpha_initializer"),)
MODEL = (("input", "inputs"), ("output", "outputs"))

# Keyword renames of model methods.
_GENERATOR_WORKERS = (
    ("nb_worker", "workers"),
    ("pickle_safe", "use_multiprocessing"),
    ("max_q_size", "max_queue_size"),
)
METHOD_RENAMES = {
    "fit": (("nb_epoch", "epochs"),),
    "fit_generator": (
        ("nb_epoch", "epochs"),
        ("samples_per_epoch", "steps_per_epoch"),
        ("nb_val_samples", "validation_steps"),
    )
    + _GENERATOR_WORKERS,
    "evaluate_generator": (("val_samples", "steps"),) + _GENERATOR_WORKERS,
    "predict_generator": (("val_samples", "steps"),) + _GENERATOR_WORKERS,
    "evaluate": (),
    "predict": (),
}

# Keras 1 metrics that Keras 2 removed (batch-wise approximations of global quantities).
REMOVED_METRICS = {
    "fmeasure": "use the stateful `Precision` and `Recall` metrics and combine them after evaluation",
    "fbeta_score": "use the stateful `Precision` and `Recall` metrics and combine them after evaluation",
    "precision": "use the stateful metric `Precision()` (metrics=[kerastorch.metrics.Precision()])",
    "recall": "use the stateful metric `Recall()` (metrics=[kerastorch.metrics.Recall()])",
    "matthews_correlation": "compute it from predictions after evaluation",
}
# Keras 1 metric names that Keras 2 spells differently.
METRIC_RENAMES = (("cosine", "cosine_proximity"),)


# Keras 1 names added to the modules Keras 1 had them in: {module: {name: (source module, name)}}.
KERAS1_MODULE_NAMES = {
    "kerastorch.layers.core": {
        name: ("kerastorch.legacy.layers", name) for name in ("Merge", "TimeDistributedDense", "MaxoutDense", "Highway")
    },
    "kerastorch.layers.convolutional": dict(
        {name: ("kerastorch.legacy.layers", name) for name in ("AtrousConvolution1D", "AtrousConvolution2D")},
        **{
            name: ("kerastorch.layers.pooling", name)
            for name in (
                "MaxPooling1D",
                "MaxPooling2D",
                "MaxPooling3D",
                "AveragePooling1D",
                "AveragePooling2D",
                "AveragePooling3D",
            )
        },
    ),
    # Keras 1 and 2.0-2.2: `from keras.engine import Layer, InputSpec, Input, Model, Merge, merge`.
    "kerastorch.engine": {
        "Layer": ("kerastorch.engine.layer", "Layer"),
        "InputSpec": ("kerastorch.engine.layer", "InputSpec"),
        "Input": ("kerastorch.engine.keras_tensor", "Input"),
        "InputLayer": ("kerastorch.engine.keras_tensor", "InputLayer"),
        "Model": ("kerastorch.engine.model", "Model"),
        "Merge": ("kerastorch.legacy.layers", "Merge"),
        "merge": ("kerastorch.legacy.layers", "merge"),
    },
    "kerastorch.backend": {
        "image_dim_ordering": ("kerastorch.legacy.backend", "image_dim_ordering"),
        "set_image_dim_ordering": ("kerastorch.legacy.backend", "set_image_dim_ordering"),
    },
}

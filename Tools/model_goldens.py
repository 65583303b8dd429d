#!/usr/bin/env python3
"""Builds small int8 TFLite models and reference outputs for EarshotModel's bit-exactness tests.

For every model it writes into Tests/EarshotModelTests/Fixtures/:
  NAME.tflite          the fully int8-quantized model (int8 input and output)
  NAME.inputs.bin      COUNT inputs, int8, back to back
  NAME.outputs.bin     the reference outputs for them, int8, back to back
and a manifest.json describing them. The reference is TensorFlow Lite's interpreter with its
reference kernels (ai-edge-litert, OpResolverType.BUILTIN_REF), the ground truth that TFLM and
CMSIS-NN test against. The MLPerf Tiny DS-CNN is copied from shared/models-external.

Run: .venv/bin/python Tools/model_goldens.py   (needs Tools/requirements.txt)
"""
import json
import os
import shutil
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "EarshotModelTests", "Fixtures")
MLPERF = os.path.join(ROOT, "..", "shared", "models-external", "mlperf-tiny-kws-ds-cnn-int8.tflite")
if not os.path.exists(MLPERF):
    MLPERF = "/work/shared/models-external/mlperf-tiny-kws-ds-cnn-int8.tflite"

L = tf.keras.layers
rng = np.random.default_rng(1234)


def convert(model, input_shape, per_channel=True, scale=1.0):
    def rep():
        for _ in range(64):
            yield [rng.normal(0.0, scale, size=(1,) + input_shape).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    if not per_channel:
        conv._experimental_disable_per_channel = True
    return conv.convert()


def seq(input_shape, layers):
    inp = tf.keras.Input(shape=input_shape, batch_size=1)
    x = inp
    for layer in layers:
        x = layer(x)
    m = tf.keras.Model(inp, x)
    # Non-trivial weights and biases (Keras starts biases at zero).
    for w in m.weights:
        if "bias" in w.name or w.shape.rank == 1:
            w.assign(rng.normal(0, 0.3, size=w.shape).astype(np.float32))
    return m


def reference(tflite_bytes, inputs):
    it = Interpreter(model_content=tflite_bytes,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    ind = it.get_input_details()[0]
    outd = it.get_output_details()[0]
    assert ind["dtype"] == np.int8 and outd["dtype"] == np.int8
    outs = []
    for x in inputs:
        it.set_tensor(ind["index"], x.reshape(ind["shape"]))
        it.invoke()
        outs.append(it.get_tensor(outd["index"]).copy())
    return ind, outd, outs


def make_inputs(shape, count, extra=None):
    xs = [rng.integers(-128, 128, size=shape, dtype=np.int16).astype(np.int8) for _ in range(count)]
    # A few inputs of small magnitude around typical values too.
    xs += [np.clip(rng.normal(0, 20, size=shape), -128, 127).astype(np.int8) for _ in range(2)]
    if extra is not None:
        xs += extra
    return xs


def models():
    yield "conv_same_s1_relu", (12, 10, 3), seq((12, 10, 3), [L.Conv2D(8, 3, padding="same", activation="relu")]), {}
    yield "conv_valid_s2_relu6", (13, 11, 2), seq((13, 11, 2), [L.Conv2D(6, (5, 3), strides=2, padding="valid", activation=tf.nn.relu6)]), {}
    yield "conv_same_s2_none", (9, 8, 4), seq((9, 8, 4), [L.Conv2D(5, (4, 3), strides=(2, 2), padding="same")]), {}
    yield "conv_dilated_same", (10, 9, 3), seq((10, 9, 3), [L.Conv2D(4, 3, dilation_rate=2, padding="same", activation="relu")]), {}
    yield "conv_pointwise_pertensor", (6, 5, 16), seq((6, 5, 16), [L.Conv2D(12, 1, activation="relu")]), {"per_channel": False}
    yield "conv_pointwise", (7, 5, 24), seq((7, 5, 24), [L.Conv2D(20, 1)]), {}
    yield "dw_dm1_same_s1_relu", (9, 7, 8), seq((9, 7, 8), [L.DepthwiseConv2D(3, padding="same", activation="relu")]), {}
    yield "dw_dm2_valid_s2_none", (11, 9, 3), seq((11, 9, 3), [L.DepthwiseConv2D((3, 2), strides=2, depth_multiplier=2, padding="valid")]), {}
    yield "dw_dm3_same_s2_relu6", (8, 8, 2), seq((8, 8, 2), [L.DepthwiseConv2D(3, strides=2, depth_multiplier=3, padding="same", activation=tf.nn.relu6)]), {}
    yield "avgpool_valid_s2", (8, 6, 5), seq((8, 6, 5), [L.Conv2D(5, 1), L.AveragePooling2D(2, strides=2, padding="valid")]), {}
    yield "avgpool_same_s2", (7, 5, 4), seq((7, 5, 4), [L.Conv2D(4, 1), L.AveragePooling2D(3, strides=2, padding="same")]), {}
    yield "maxpool_same_s1", (6, 6, 4), seq((6, 6, 4), [L.Conv2D(4, 1), L.MaxPooling2D(3, strides=1, padding="same")]), {}
    yield "maxpool_valid_s2", (9, 7, 3), seq((9, 7, 3), [L.Conv2D(3, 1), L.MaxPooling2D(2, strides=2, padding="valid")]), {}
    yield "fc_bias_relu", (20,), seq((20,), [L.Dense(10, activation="relu")]), {}
    yield "fc_nobias", (16,), seq((16,), [L.Dense(7, use_bias=False)]), {}
    yield "fc_wide", (64,), seq((64,), [L.Dense(96, activation="relu")]), {}
    yield "fc_wide_pertensor", (64,), seq((64,), [L.Dense(96)]), {"per_channel": False}
    yield "conv_pointwise_64", (8, 5, 64), seq((8, 5, 64), [L.Conv2D(64, 1, activation="relu")]), {}
    yield "flatten_fc_softmax", (4, 3, 2), seq((4, 3, 2), [L.Flatten(), L.Dense(6), L.Softmax()]), {}
    yield "fc_logistic", (12,), seq((12,), [L.Dense(5, activation="sigmoid")]), {}
    yield "softmax_only", (10,), seq((10,), [L.Softmax()]), {"scale": 3.0}
    yield "logistic_only", (256,), seq((256,), [L.Activation("sigmoid")]), {"scale": 4.0}
    yield "mini_dscnn", (25, 10, 1), seq((25, 10, 1), [
        L.Conv2D(16, (5, 3), strides=2, padding="same", activation="relu"),
        L.DepthwiseConv2D(3, padding="same", activation="relu"),
        L.Conv2D(16, 1, activation="relu"),
        L.DepthwiseConv2D(3, padding="same", activation=tf.nn.relu6),
        L.Conv2D(16, 1, activation="relu"),
        L.AveragePooling2D((13, 5)),
        L.Flatten(),
        L.Dense(4),
        L.Softmax()]), {}
    # Depths that are not multiples of 8 (the shipped v10 has 52 and 60 channels): the depthwise SIMD path's
    # overlapping last block and the pointwise convolution through zero-padded im2col rows (odd pixel count too).
    yield "dw_dm1_k5x1_c12", (10, 1, 12), seq((10, 1, 12), [L.DepthwiseConv2D((5, 1), padding="same", activation="relu")]), {}
    yield "dw_dm1_k5x1_s2_c52", (15, 1, 52), seq((15, 1, 52), [L.DepthwiseConv2D((5, 1), strides=(2, 1), padding="same")]), {}
    yield "conv_pointwise_52_60", (7, 1, 52), seq((7, 1, 52), [L.Conv2D(60, 1, activation="relu")]), {}


def streaming_models():
    yield "stream_tcn", (40, 10, 1), seq((40, 10, 1), [
        L.Conv2D(16, (5, 10), padding="valid", activation="relu"),
        L.DepthwiseConv2D((3, 1), dilation_rate=(2, 1), padding="valid", activation="relu"),
        L.Conv2D(16, 1, activation="relu"),
        L.DepthwiseConv2D((5, 1), dilation_rate=(4, 1), depth_multiplier=2, padding="valid", activation=tf.nn.relu6),
        L.Conv2D(8, 1),
        L.AveragePooling2D((16, 1)),
        L.Flatten(),
        L.Dense(6)])


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for name, shape, model, opts in models():
        tfl = convert(model, shape, per_channel=opts.get("per_channel", True), scale=opts.get("scale", 1.0))
        extra = None
        if name == "logistic_only":
            extra = [np.arange(-128, 128, dtype=np.int16).astype(np.int8).reshape((1,) + shape)]
        inputs = make_inputs((1,) + shape, 6, extra)
        ind, outd, outs = reference(tfl, inputs)
        write(name, tfl, inputs, outs, manifest)
    # A model with an operator the runtime refuses (ADD), for the refusal test.
    inp = tf.keras.Input(shape=(4, 4, 2), batch_size=1)
    a = L.Conv2D(2, 1)(inp)
    b = L.Conv2D(2, 1)(inp)
    m = tf.keras.Model(inp, L.Add()([a, b]))
    with open(os.path.join(OUT, "unsupported_add.tflite"), "wb") as f:
        f.write(convert(m, (4, 4, 2)))
    # The MLPerf Tiny keyword-spotting DS-CNN.
    with open(MLPERF, "rb") as f:
        tfl = f.read()
    inputs = make_inputs((1, 49, 10, 1), 14)
    _, _, outs = reference(tfl, inputs)
    write("mlperf-tiny-kws-ds-cnn-int8", tfl, inputs, outs, manifest)
    # A streamable time-convolution network (stride 1, VALID along time, dilated depthwise, one
    # with depth multiplier 2), for the streaming-execution tests: its output is the fully
    # connected layer's, without softmax, so any difference in a streamed row shows.
    for name, shape, model in streaming_models():
        tfl = convert(model, shape)
        inputs = make_inputs((1,) + shape, 6)
        _, _, outs = reference(tfl, inputs)
        write(name, tfl, inputs, outs, manifest)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
    print(f"wrote {len(manifest)} models, {total} bytes, into {OUT}")


def write(name, tfl, inputs, outs, manifest):
    with open(os.path.join(OUT, name + ".tflite"), "wb") as f:
        f.write(tfl)
    with open(os.path.join(OUT, name + ".inputs.bin"), "wb") as f:
        for x in inputs:
            f.write(x.astype(np.int8).tobytes())
    with open(os.path.join(OUT, name + ".outputs.bin"), "wb") as f:
        for y in outs:
            f.write(y.astype(np.int8).tobytes())
    manifest.append({"name": name, "count": len(inputs),
                     "inputSize": int(inputs[0].size), "outputSize": int(outs[0].size)})
    print(name, len(tfl), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

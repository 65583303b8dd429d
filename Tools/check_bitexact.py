#!/usr/bin/env python3
"""Checks that Earshot's interpreter gives the same bytes as TensorFlow Lite's reference kernels.

    python Tools/check_bitexact.py MODEL.tflite [--earshot .build/debug/earshot] [--n 64] [--seed 0]
        [--write-golden Tests/EarshotModelTests/Fixtures/shipped/earshot-kws]

Random int8 inputs (plus all -128, all 127 and zeros) go through LiteRT's interpreter with the
BUILTIN_REF op resolver and through `earshot run-model`; every output byte must match. Then the
sliding windows of a random frame sequence (every window one frame, then three frames, after the
previous one) go through both, Earshot by `run-model --first-end` as the engine runs them (streamed
when the model allows). Prints 'N passed, 0 failed' and exits 0 on success.
"""
import argparse, os, subprocess, sys, tempfile
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def reference(it, windows):
    """The reference interpreter's output bytes for each input tensor."""
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in windows:
        it.set_tensor(i["index"], x.reshape(i["shape"]))
        it.invoke()
        out.append(it.get_tensor(o["index"]).ravel().copy())
    return out


def earshot(exe, model, data, count, *extra):
    """`earshot run-model` on `data` (int8 array written raw); its `count` output tensors."""
    with tempfile.TemporaryDirectory() as d:
        fin, fout = os.path.join(d, "in.bin"), os.path.join(d, "out.bin")
        data.tofile(fin)
        subprocess.run([exe, "run-model", model, "--inputs", fin, "--outputs", fout, *extra], check=True)
        return np.fromfile(fout, np.int8).reshape(count, -1)


def compare(model, what, want, got):
    """Indices of the outputs that differ, with the first few printed."""
    bad = [k for k in range(len(want)) if not np.array_equal(want[k], got[k])]
    for k in bad[:5]:
        print(f"{model}: {what} {k}: earshot {got[k].tolist()} reference {want[k].tolist()}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--earshot", default=os.environ.get("EARSHOT_BIN", ".build/debug/earshot"))
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write-golden", metavar="PREFIX",
                    help="also write PREFIX.inputs.bin and PREFIX.outputs.bin (the reference) for the Swift tests")
    a = ap.parse_args()
    it = Interpreter(model_path=a.model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    rng = np.random.default_rng(a.seed)
    shape = tuple(it.get_input_details()[0]["shape"])
    xs = [np.full(shape, -128, np.int8), np.full(shape, 127, np.int8), np.zeros(shape, np.int8)]
    xs += [rng.integers(-128, 128, shape, dtype=np.int8) for _ in range(a.n)]
    ref = reference(it, xs)
    if a.write_golden:
        np.concatenate([x.ravel() for x in xs]).tofile(a.write_golden + ".inputs.bin")
        np.concatenate(ref).tofile(a.write_golden + ".outputs.bin")
    got = earshot(a.earshot, a.model, np.concatenate([x.ravel() for x in xs]), len(xs))
    bad = compare(a.model, "input", ref, got)
    print(f"bit-exact {a.model}: {len(xs) - len(bad)} of {len(xs)} inputs identical to the TFLite reference")
    total, failed = len(xs), len(bad)
    if len(shape) >= 2 and shape[0] == 1:
        window, row = shape[1], int(np.prod(shape[2:]))
        frames = rng.integers(-128, 128, (window + a.n, row), dtype=np.int8)
        for stride in (1, 3):
            ends = list(range(window, len(frames) + 1, stride))
            want = reference(it, [frames[e - window:e] for e in ends])
            got = earshot(a.earshot, a.model, frames, len(ends), "--first-end", str(window), "--stride", str(stride))
            wrong = compare(a.model, f"sliding window (stride {stride})", want, got)
            print(f"bit-exact {a.model}: {len(ends) - len(wrong)} of {len(ends)} sliding windows (stride {stride}) identical")
            total += len(ends)
            failed += len(wrong)
    print(f"{total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

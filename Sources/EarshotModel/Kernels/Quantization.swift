// Fixed-point requantization with exactly TFLite's arithmetic (quantization_util.cc and
// common.h: QuantizeMultiplier, SaturatingRoundingDoublingHighMul, RoundingDivideByPOT,
// MultiplyByQuantizedMultiplier with TFLite's default double rounding).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TFLite's fixed-point helpers, bit-exact with its reference kernels.
public enum Quantization {
    /// Splits a positive real multiplier into a Q31 significand and a power-of-two exponent, like
    /// TFLite's QuantizeMultiplier: `m ≈ significand · 2^(shift − 31)`. Nil for non-finite or negative.
    public static func quantizeMultiplier(_ m: Double) -> (multiplier: Int32, shift: Int32)? {
        guard m.isFinite, m >= 0 else { return nil }
        if m == 0 { return (0, 0) }
        let fr = frexp(m)
        var q = fr.0
        var shift = Int(fr.1)
        var qFixed = Int64((q * 2147483648.0).rounded(.toNearestOrAwayFromZero))
        if qFixed == (Int64(1) << 31) {
            qFixed /= 2
            shift += 1
        }
        if shift < -31 {
            shift = 0
            qFixed = 0
        }
        q = 0
        // Larger shifts would overflow the left shift of the double-rounding path: refuse them.
        guard shift <= 31 else { return nil }
        return (Int32(qFixed), Int32(shift))
    }

    /// gemmlowp's SaturatingRoundingDoublingHighMul: high 32 bits of 2·a·b, rounded.
    @inline(__always)
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == Int32.min { return Int32.max }
        let ab = Int64(a) &* Int64(b)
        let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
        return Int32(truncatingIfNeeded: (ab &+ nudge) / (Int64(1) << 31))
    }

    /// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded half away from zero.
    @inline(__always)
    public static func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
        let mask: Int32 = (Int32(1) &<< exponent) &- 1
        let remainder = x & mask
        let threshold = (mask >> 1) &+ (x < 0 ? 1 : 0)
        return (x >> exponent) &+ (remainder > threshold ? 1 : 0)
    }

    /// TFLite's MultiplyByQuantizedMultiplier (default build, without TFLITE_SINGLE_ROUNDING):
    /// gemmlowp double rounding, SaturatingRoundingDoublingHighMul then RoundingDivideByPOT.
    @inline(__always)
    public static func multiplyByQuantizedMultiplier(_ x: Int32, _ multiplier: Int32, _ shift: Int32) -> Int32 {
        let leftShift: Int32 = shift > 0 ? shift : 0
        let rightShift: Int32 = shift > 0 ? 0 : -shift
        return roundingDivideByPOT(
            saturatingRoundingDoublingHighMul(x &* (Int32(1) &<< leftShift), multiplier), rightShift)
    }

    /// The requantization of TFLite's current reference FULLY_CONNECTED: round(acc · scale) in
    /// double precision (half away from zero), converted as x86 converts out-of-range values.
    @inline(__always)
    public static func scaleInDouble(_ acc: Int32, _ scale: Double) -> Int32 {
        let r = (Double(acc) * scale).rounded(.toNearestOrAwayFromZero)
        if r.isNaN || r >= 2147483648.0 || r < -2147483648.0 { return Int32.min }
        return Int32(r)
    }

    /// TFLite's quantize lambda of CalculateActivationRangeQuantized: zp + round(f / scale), in Int32
    /// with x86 semantics for out-of-range values.
    static func quantize(_ f: Float, scale: Float, zeroPoint: Int32) -> Int32 {
        zeroPoint &+ int32Truncating((f / scale).rounded(.toNearestOrAwayFromZero))
    }

    /// C's float-to-int32 conversion as x86 performs it: out-of-range and NaN give Int32.min.
    @inline(__always)
    static func int32Truncating(_ f: Float) -> Int32 {
        if f.isNaN || f >= 2147483648.0 || f < -2147483648.0 { return Int32.min }
        return Int32(f)
    }

    /// The quantized bounds of a fused activation for an int8 output (CalculateActivationRangeQuantized).
    static func activationRange(_ act: FusedActivation, scale: Float, zeroPoint: Int32) -> (Int32, Int32) {
        let qmin: Int32 = -128, qmax: Int32 = 127
        switch act {
        case .none:
            return (qmin, qmax)
        case .relu:
            return (max(qmin, quantize(0, scale: scale, zeroPoint: zeroPoint)), qmax)
        case .relu6:
            return (max(qmin, quantize(0, scale: scale, zeroPoint: zeroPoint)),
                    min(qmax, quantize(6, scale: scale, zeroPoint: zeroPoint)))
        case .reluN1To1:
            return (max(qmin, quantize(-1, scale: scale, zeroPoint: zeroPoint)),
                    min(qmax, quantize(1, scale: scale, zeroPoint: zeroPoint)))
        }
    }
}

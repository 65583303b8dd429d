import Testing
@testable import EarshotCapture

@Suite struct ALSAFormatTests {
    private func convert(_ bytes: [UInt8], _ format: PCMSampleFormat, channels: Int, frames: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: frames)
        let n = bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer {
                PCMToMonoFloat(format: format, channels: channels).convert(raw, frames: frames, into: $0)
            }
        }
        return Array(out.prefix(n))
    }

    @Test func s16MonoIsExact() {
        let values: [Int16] = [0, 1, -1, 32767, -32768, 1234]
        let bytes = values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        #expect(convert(bytes, .s16, channels: 1, frames: values.count) == values.map { Float($0) / 32768 })
    }

    @Test func stereoIsAveraged() {
        let values: [Int16] = [1000, 3000, -32768, -32768, 32767, -32767]
        let bytes = values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        #expect(convert(bytes, .s16, channels: 2, frames: 3) == [2000 / 32768, -1, 0])
    }

    @Test func wideFormatsScaleToUnitRange() {
        let s32: [Int32] = [Int32.min, 1 << 30, 0]
        #expect(convert(s32.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }, .s32,
                        channels: 1, frames: 3) == [-1, 0.5, 0])
        // S24_LE: sign lives in bit 23 of a 32-bit container; the top byte is ignored.
        let s24: [UInt32] = [0x0080_0000, 0xFF40_0000, 0x0000_0001]
        #expect(convert(s24.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }, .s24,
                        channels: 1, frames: 3) == [-1, 0.5, 1 / 8_388_608])
        let packed: [UInt8] = [0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0xFF, 0xFF, 0xFF]
        #expect(convert(packed, .s24Packed, channels: 1, frames: 3) == [-1, 0.5, -1 / 8_388_608])
        let floats: [Float] = [0.25, -0.5]
        #expect(convert(floats.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } },
                        .float32, channels: 1, frames: 2) == [0.25, -0.5])
    }

    @Test func shortSourceConvertsOnlyWholeFrames() {
        let bytes: [UInt8] = [0, 0x40, 0, 0xC0, 0x11]   // 2.5 S16 frames
        #expect(convert(bytes, .s16, channels: 1, frames: 10) == [0.5, -0.5])
    }

    @Test func formatNamesParse() {
        #expect(PCMSampleFormat(name: "s16_le") == .s16)
        #expect(PCMSampleFormat(name: "S24_3LE") == .s24Packed)
        #expect(PCMSampleFormat(name: "float") == .float32)
        #expect(PCMSampleFormat(name: "U8") == nil)
    }

    @Test func errnoDescriptionsNameTheReason() {
        #expect(ALSAErrno.overrun.description == "Broken pipe")
        #expect(ALSAErrno(alsaResult: -19) == .noDevice)
        #expect(ALSAErrno.noDevice.meansDeviceLost)
        let e = ALSAError(device: "hw:1,0", operation: "open", code: .noDevice, detail: "capture devices: null")
        #expect(e.description == "ALSA device 'hw:1,0': open: No such device (capture devices: null)")
    }
}

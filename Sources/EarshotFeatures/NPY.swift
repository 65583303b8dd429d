import Foundation

/// Why a `.npy` file could not be written or read, naming the file and the reason.
public struct NPYError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var path: String
    /// One-line reason.
    public var reason: String
    /// "path: reason".
    public var description: String { "\(path): \(reason)" }
    /// Creates an error.
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
}

/// Minimal NumPy `.npy` (format 1.0) support for little-endian float32 arrays in C order.
public enum NPY {
    /// The complete header (magic, version 1.0, length, dict padded to a multiple of 64 bytes) for a float32 array of `shape`.
    public static func float32Header(shape: [Int]) -> [UInt8] {
        let dims: String
        switch shape.count {
        case 0: dims = "()"
        case 1: dims = "(\(shape[0]),)"
        default: dims = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
        let prefix = 10 // magic(6) + version(2) + header length(2)
        let total = prefix + dict.utf8.count + 1
        let padded = (total + 63) / 64 * 64
        dict += String(repeating: " ", count: padded - total) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let len = UInt16(dict.utf8.count)
        bytes += [UInt8(len & 0xff), UInt8(len >> 8)]
        bytes += Array(dict.utf8)
        return bytes
    }

    /// Parses a float32 `.npy` file's bytes; returns its shape and values (C order).
    public static func readFloat32(data: Data, path: String = "npy") throws(NPYError) -> (shape: [Int], values: [Float]) {
        let b = [UInt8](data)
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw NPYError(path: path, reason: "not a .npy file (bad magic)")
        }
        let major = b[6]
        let headerLen: Int
        let start: Int
        if major == 1 {
            headerLen = Int(b[8]) | Int(b[9]) << 8; start = 10
        } else if major == 2 || major == 3, b.count >= 12 {
            headerLen = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24; start = 12
        } else {
            throw NPYError(path: path, reason: "unsupported .npy version \(major)")
        }
        guard start + headerLen <= b.count else { throw NPYError(path: path, reason: "truncated header") }
        let header = String(decoding: b[start..<(start + headerLen)], as: UTF8.self)
        guard header.contains("'<f4'") else { throw NPYError(path: path, reason: "dtype is not little-endian float32 ('<f4')") }
        guard header.contains("'fortran_order': False") else { throw NPYError(path: path, reason: "Fortran order is not supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NPYError(path: path, reason: "header has no shape")
        }
        var shape: [Int] = []
        for part in header[open.upperBound..<close].split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw NPYError(path: path, reason: "bad shape entry '\(t)'") }
            shape.append(v)
        }
        let count = shape.reduce(1, *)
        let dataStart = start + headerLen
        guard b.count - dataStart == count * 4 else {
            throw NPYError(path: path, reason: "expected \(count * 4) data bytes for shape \(shape), found \(b.count - dataStart)")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in
            b.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[dataStart...]))
            }
        }
        #if _endian(big)
        values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        return (shape, values)
    }

    /// Reads a float32 `.npy` file.
    public static func readFloat32(path: String) throws(NPYError) -> (shape: [Int], values: [Float]) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw NPYError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try readFloat32(data: data, path: path)
    }
}

/// Streams a float32 `.npy` file to disk: header first (the shape is fixed up front), then rows in order.
public final class NPYWriter {
    /// The output file.
    public let path: String
    /// Shape of the whole array.
    public let shape: [Int]
    /// Values written so far.
    public private(set) var written = 0
    private var file: UnsafeMutablePointer<FILE>?

    /// Creates (truncates) `path` and writes the header for a float32 array of `shape`.
    public init(path: String, shape: [Int]) throws(NPYError) {
        self.path = path
        self.shape = shape
        guard shape.allSatisfy({ $0 >= 0 }) else { throw NPYError(path: path, reason: "negative dimension in shape \(shape)") }
        guard let f = fopen(path, "wb") else {
            throw NPYError(path: path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        file = f
        let header = NPY.float32Header(shape: shape)
        guard fwrite(header, 1, header.count, f) == header.count else {
            fclose(f); file = nil
            throw NPYError(path: path, reason: "cannot write header: \(String(cString: strerror(errno)))")
        }
    }

    deinit { if let file { fclose(file) } }

    /// Appends values (little-endian float32).
    public func write(_ values: UnsafeBufferPointer<Float>) throws(NPYError) {
        guard let file else { throw NPYError(path: path, reason: "already closed") }
        guard let base = values.baseAddress, !values.isEmpty else { return }
        #if _endian(big)
        for v in values {
            var le = v.bitPattern.littleEndian
            fwrite(&le, 4, 1, file)
        }
        #else
        guard fwrite(base, 4, values.count, file) == values.count else {
            throw NPYError(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
        }
        #endif
        written += values.count
    }

    /// Appends values (little-endian float32).
    public func write(_ values: [Float]) throws(NPYError) {
        try values.withUnsafeBufferPointer { (p) throws(NPYError) in try write(p) }
    }

    /// Appends `count` zeros.
    public func writeZeros(_ count: Int) throws(NPYError) {
        let zeros = [Float](repeating: 0, count: min(max(count, 0), 4096))
        var left = count
        while left > 0 {
            let n = min(left, zeros.count)
            try zeros.withUnsafeBufferPointer { (p) throws(NPYError) in try write(UnsafeBufferPointer(rebasing: p[..<n])) }
            left -= n
        }
    }

    /// Checks that exactly the shape's element count was written and closes the file.
    public func close() throws(NPYError) {
        guard let f = file else { return }
        file = nil
        let expected = shape.reduce(1, *)
        let rc = fclose(f)
        guard rc == 0 else { throw NPYError(path: path, reason: "close failed: \(String(cString: strerror(errno)))") }
        guard written == expected else {
            throw NPYError(path: path, reason: "wrote \(written) values but shape \(shape) needs \(expected)")
        }
    }
}

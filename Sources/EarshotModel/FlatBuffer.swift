// A small, fully bounds-checked flatbuffer reader: every offset, vtable, length and index is
// checked before use, so a truncated or hostile file gives a ModelError, never a bad read.

/// Read-only view of flatbuffer bytes with checked accessors.
struct FlatBuffer {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    func check(_ offset: Int, _ size: Int, _ what: @autoclosure () -> String) throws(ModelError) {
        guard offset >= 0, size >= 0, offset <= count, size <= count - offset else {
            throw ModelError("\(what()) at byte \(offset) (+\(size)) is outside the \(count)-byte file")
        }
    }

    func u8(_ o: Int, _ what: @autoclosure () -> String) throws(ModelError) -> UInt8 {
        try check(o, 1, what())
        return bytes[o]
    }
    func u16(_ o: Int, _ what: @autoclosure () -> String) throws(ModelError) -> UInt16 {
        try check(o, 2, what())
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }
    func u32(_ o: Int, _ what: @autoclosure () -> String) throws(ModelError) -> UInt32 {
        try check(o, 4, what())
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }
    func i32(_ o: Int, _ what: @autoclosure () -> String) throws(ModelError) -> Int32 {
        Int32(bitPattern: try u32(o, what()))
    }
    func u64(_ o: Int, _ what: @autoclosure () -> String) throws(ModelError) -> UInt64 {
        try check(o, 8, what())
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }

    /// The root table.
    func root() throws(ModelError) -> FBTable {
        let off = Int(try u32(0, "root offset"))
        return try table(at: off, "root table")
    }

    /// A table at an absolute position, with its vtable checked.
    func table(at pos: Int, _ what: @autoclosure () -> String) throws(ModelError) -> FBTable {
        let name = what()
        try check(pos, 4, name)
        let soff = Int(try i32(pos, name))
        let vt = pos - soff
        try check(vt, 4, "\(name) vtable")
        let vtSize = Int(try u16(vt, "\(name) vtable"))
        let tableSize = Int(try u16(vt + 2, "\(name) vtable"))
        guard vtSize >= 4, vtSize % 2 == 0 else {
            throw ModelError("\(name) has a bad vtable size \(vtSize)")
        }
        try check(vt, vtSize, "\(name) vtable")
        guard tableSize >= 4 else { throw ModelError("\(name) has a bad table size \(tableSize)") }
        try check(pos, tableSize, name)
        return FBTable(fb: self, pos: pos, vtable: vt, vtableSize: vtSize, tableSize: tableSize, name: name)
    }
}

/// A checked flatbuffer table.
struct FBTable {
    let fb: FlatBuffer
    let pos: Int
    let vtable: Int
    let vtableSize: Int
    let tableSize: Int
    let name: String

    /// Absolute position of a field, or nil when absent; checks that `size` bytes fit in the table.
    func field(_ index: Int, size: Int) throws(ModelError) -> Int? {
        let entry = 4 + 2 * index
        guard entry + 2 <= vtableSize else { return nil }
        let fo = Int(try fb.u16(vtable + entry, "\(name) vtable"))
        if fo == 0 { return nil }
        guard fo + size <= tableSize else {
            throw ModelError("\(name) field \(index) lies outside its table")
        }
        return pos + fo
    }

    func u8(_ i: Int, default d: UInt8 = 0) throws(ModelError) -> UInt8 {
        guard let p = try field(i, size: 1) else { return d }
        return try fb.u8(p, "\(name) field \(i)")
    }
    func i8(_ i: Int, default d: Int8 = 0) throws(ModelError) -> Int8 {
        Int8(bitPattern: try u8(i, default: UInt8(bitPattern: d)))
    }
    func u32(_ i: Int, default d: UInt32 = 0) throws(ModelError) -> UInt32 {
        guard let p = try field(i, size: 4) else { return d }
        return try fb.u32(p, "\(name) field \(i)")
    }
    func i32(_ i: Int, default d: Int32 = 0) throws(ModelError) -> Int32 {
        Int32(bitPattern: try u32(i, default: UInt32(bitPattern: d)))
    }
    func f32(_ i: Int, default d: Float = 0) throws(ModelError) -> Float {
        Float(bitPattern: try u32(i, default: d.bitPattern))
    }
    func u64(_ i: Int, default d: UInt64 = 0) throws(ModelError) -> UInt64 {
        guard let p = try field(i, size: 8) else { return d }
        return try fb.u64(p, "\(name) field \(i)")
    }

    /// Follows an offset field; returns the absolute target position or nil when absent.
    private func target(_ i: Int) throws(ModelError) -> Int? {
        guard let p = try field(i, size: 4) else { return nil }
        let rel = Int(try fb.u32(p, "\(name) field \(i)"))
        let t = p + rel
        try fb.check(t, 4, "\(name) field \(i) target")
        return t
    }

    /// A sub-table, or nil when absent.
    func table(_ i: Int, _ what: String) throws(ModelError) -> FBTable? {
        guard let t = try target(i) else { return nil }
        return try fb.table(at: t, what)
    }

    /// A vector of scalars or offsets: (first element position, count), checked to fit the file.
    func vector(_ i: Int, elementSize: Int, _ what: @autoclosure () -> String) throws(ModelError) -> FBVector? {
        guard let t = try target(i) else { return nil }
        let name = what()
        let n = Int(try fb.u32(t, "\(name) length"))
        let (bytes, overflow) = n.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw ModelError("\(name) length \(n) is too large") }
        try fb.check(t + 4, bytes, "\(name) (\(n) elements)")
        return FBVector(fb: fb, start: t + 4, count: n, elementSize: elementSize, name: name)
    }

    /// A string, or nil when absent. Invalid UTF-8 is repaired rather than refused.
    func string(_ i: Int, _ what: String) throws(ModelError) -> String? {
        guard let v = try vector(i, elementSize: 1, what) else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: fb.bytes[v.start..<(v.start + v.count)])
        return String(decoding: slice, as: UTF8.self)
    }

    func int32s(_ i: Int, _ what: String) throws(ModelError) -> [Int32]? {
        guard let v = try vector(i, elementSize: 4, what) else { return nil }
        var out = [Int32]()
        out.reserveCapacity(v.count)
        for k in 0..<v.count { out.append(try fb.i32(v.start + 4 * k, what)) }
        return out
    }

    func floats(_ i: Int, _ what: String) throws(ModelError) -> [Float]? {
        guard let v = try vector(i, elementSize: 4, what) else { return nil }
        var out = [Float]()
        out.reserveCapacity(v.count)
        for k in 0..<v.count { out.append(Float(bitPattern: try fb.u32(v.start + 4 * k, what))) }
        return out
    }

    func int64s(_ i: Int, _ what: String) throws(ModelError) -> [Int64]? {
        guard let v = try vector(i, elementSize: 8, what) else { return nil }
        var out = [Int64]()
        out.reserveCapacity(v.count)
        for k in 0..<v.count { out.append(Int64(bitPattern: try fb.u64(v.start + 8 * k, what))) }
        return out
    }

    /// The tables of a vector of tables.
    func tables(_ i: Int, _ what: String) throws(ModelError) -> [FBTable] {
        guard let v = try vector(i, elementSize: 4, what) else { return [] }
        var out = [FBTable]()
        out.reserveCapacity(v.count)
        for k in 0..<v.count {
            let p = v.start + 4 * k
            let t = p + Int(try fb.u32(p, "\(what)[\(k)]"))
            out.append(try fb.table(at: t, "\(what)[\(k)]"))
        }
        return out
    }
}

/// A checked vector's location.
struct FBVector {
    let fb: FlatBuffer
    let start: Int
    let count: Int
    let elementSize: Int
    let name: String
}

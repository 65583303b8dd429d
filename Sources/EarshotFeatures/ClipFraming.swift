/// Where a fixed-length window is placed in a clip that is longer (crop) or shorter (zero-pad).
public enum ClipAlignment: String, CaseIterable, Sendable, Codable {
    /// Keep the beginning; pad at the end.
    case start
    /// Keep the middle; pad equally on both sides.
    case center
    /// Keep the window with the highest total energy (searched in hop steps); pad like `center`.
    case energy
}

/// Crops or pads audio to an exact sample count before feature extraction (batch tools; allocates).
public enum ClipFraming {
    /// Returns exactly `count` samples of `samples`, cropped or zero-padded according to `alignment`.
    ///
    /// For `.energy`, candidate start offsets are multiples of `hop` (plus the last possible offset),
    /// and the one whose window has the largest sum of squares wins (earliest on ties).
    public static func fit(_ samples: [Float], count: Int, alignment: ClipAlignment, hop: Int = 1) -> [Float] {
        guard count > 0 else { return [] }
        let n = samples.count
        if n == count { return samples }
        if n < count {
            let left = alignment == .start ? 0 : (count - n) / 2
            var out = [Float](repeating: 0, count: count)
            for i in 0..<n { out[left + i] = samples[i] }
            return out
        }
        let offset: Int
        switch alignment {
        case .start: offset = 0
        case .center: offset = (n - count) / 2
        case .energy: offset = energyOffset(samples, count: count, hop: max(1, hop))
        }
        return Array(samples[offset..<(offset + count)])
    }

    /// Start offset of the `count`-sample window with the highest energy (candidates every `hop`, and the end).
    public static func energyOffset(_ samples: [Float], count: Int, hop: Int) -> Int {
        let n = samples.count
        guard n > count, count > 0 else { return 0 }
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n {
            let v = Double(samples[i])
            prefix[i + 1] = prefix[i] + (v.isFinite ? v * v : 0)
        }
        var best = 0
        var bestEnergy = -Double.infinity
        var offset = 0
        let last = n - count
        while true {
            let e = prefix[offset + count] - prefix[offset]
            if e > bestEnergy { bestEnergy = e; best = offset }
            if offset == last { break }
            offset = min(offset + max(1, hop), last)
        }
        return best
    }
}

/// Output formats for detection lines.
public enum DetectionFormat: String, Sendable, CaseIterable {
    /// Aligned human-readable text.
    case text
    /// JSON Lines: one object per line.
    case json
    /// Comma-separated values with a header line.
    case csv

    /// The header line printed before the first detection, if the format has one.
    public var header: String? {
        switch self {
        case .csv: return "file,keyword,time,score,keyword_end"
        case .text, .json: return nil
        }
    }

    /// Renders one detection as a single line (no trailing newline).
    public func line(_ d: Detection) -> String {
        switch self {
        case .text:
            var s = ""
            if let f = d.file { s += f + "  " }
            s += pad(d.keyword, 13) + " " + fixed(d.audioTime, 3) + " s  score " + fixed(Double(d.score), 3)
            s += "  end " + fixed(d.keywordEnd, 3) + " s"   // estimated end of the keyword in the audio
            if let t = d.sweepThreshold { s += "  threshold " + fixed(Double(t), 4) }
            if let w = d.wallClock { s += "  at " + fixed(w, 3) }
            if !d.latency.isEmpty {
                s += "  latency"
                for (name, v) in d.latency.fields { s += " \(name)=" + fixed(v * 1000, 2) + "ms" }
                s += " total=" + fixed(d.latency.total * 1000, 2) + "ms"
            }
            return s
        case .json:
            var s = "{"
            if let f = d.file { s += "\"file\":" + jsonString(f) + "," }
            s += "\"keyword\":" + jsonString(d.keyword)
            s += ",\"time\":" + fixed(d.audioTime, 3)
            s += ",\"score\":" + fixed(Double(d.score), 4)
            s += ",\"keyword_end\":" + fixed(d.keywordEnd, 3)
            if let w = d.wallClock { s += ",\"wall_clock\":" + fixed(w, 6) }
            if let t = d.sweepThreshold { s += ",\"threshold\":" + fixed(Double(t), 4) }
            if !d.latency.isEmpty {
                s += ",\"latency_ms\":{"
                s += d.latency.fields.map { jsonString($0.0) + ":" + fixed($0.1 * 1000, 3) }.joined(separator: ",")
                s += ",\"total\":" + fixed(d.latency.total * 1000, 3) + "}"
            }
            return s + "}"
        case .csv:
            return csvField(d.file ?? "") + "," + csvField(d.keyword) + "," + fixed(d.audioTime, 3) + ","
                + fixed(Double(d.score), 4) + "," + fixed(d.keywordEnd, 3)
        }
    }
}

/// Formats `v` with exactly `digits` decimals, without Foundation.
public func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (abs(v) * p).rounded()
    guard r < 9e15 else { return String(v) }
    let n = Int64(r)
    let whole = n / Int64(p)
    var frac = String(n % Int64(p))
    while frac.count < digits { frac = "0" + frac }
    let sign = (v < 0 && n != 0) ? "-" : ""
    return digits == 0 ? sign + String(whole) : sign + String(whole) + "." + frac
}

/// Quotes a string for JSON.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

/// Quotes a CSV field when it holds a comma, quote or newline.
public func csvField(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

private func pad(_ s: String, _ n: Int) -> String {
    s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}

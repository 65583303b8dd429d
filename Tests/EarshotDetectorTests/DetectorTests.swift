import Testing
@testable import EarshotDetector

/// Feeds rows of posteriors at 0.1 s steps and collects decisions.
private func run(_ d: Detector, _ rows: [[Float]], step: Double = 0.1) -> [Decision] {
    var out: [Decision] = []
    for (i, r) in rows.enumerated() {
        r.withUnsafeBufferPointer { d.update(posteriors: $0, time: Double(i) * step) { out.append($0) } }
    }
    d.flush { out.append($0) }
    return out
}

private let labels = ["_background_", "alexa", "jarvis"]

@Test func smoothingAveragesTheLastInferences() {
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [0.9],
                                                          smoothingInferences: 3, refractorySeconds: 0))
    // A single spike of 1.0 averages to 1/3 and stays below 0.9.
    let spike: [[Float]] = [[1, 0, 0], [0, 1, 0], [1, 0, 0], [1, 0, 0]]
    #expect(run(d, spike).isEmpty)
    d.reset()
    // Three in a row reach 1.0 on the third.
    let steady: [[Float]] = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]]
    let got = run(d, steady)
    #expect(got == [Decision(keyword: 0, score: 1, time: 0.30000000000000004)])
}

@Test func refractoryGivesOneDetectionPerUtterance() {
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1, 2], thresholds: [0.5, 0.5],
                                                          smoothingInferences: 1, refractorySeconds: 1.0))
    var rows = [[Float]](repeating: [0, 0.9, 0], count: 8)   // 0.0 ... 0.7 s above threshold
    rows += [[Float]](repeating: [1, 0, 0], count: 5)         // 0.8 ... 1.2 s
    rows += [[Float]](repeating: [0, 0.8, 0], count: 2)       // 1.3, 1.4 s: a second utterance
    let got = run(d, rows)
    #expect(got.map(\.keyword) == [0, 0])
    #expect(abs(got[0].time - 0) < 1e-9 && abs(got[1].time - 1.3) < 1e-9)
}

@Test func keywordsHaveTheirOwnThresholdsAndHoldOffs() {
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1, 2], thresholds: [0.95, 0.4],
                                                          smoothingInferences: 1, refractorySeconds: 10))
    let got = run(d, [[0, 0.5, 0.5], [0, 0.96, 0.04], [0, 0, 1]])
    #expect(got == [Decision(keyword: 1, score: 0.5, time: 0), Decision(keyword: 0, score: 0.96, time: 0.1)])
}

@Test func reportPeakHoldsUntilTheWindowEnds() {
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [0.3],
                                                          smoothingInferences: 1, refractorySeconds: 0.25, reportPeak: true))
    var got: [Decision] = []
    let rows: [[Float]] = [[0, 0.4, 0], [0, 0.9, 0], [0, 0.6, 0], [0, 0.0, 0], [0, 0, 0]]
    for (i, r) in rows.enumerated() {
        r.withUnsafeBufferPointer { d.update(posteriors: $0, time: Double(i) * 0.1) { got.append($0) } }
        if i < 2 { #expect(got.isEmpty) }
    }
    // The peak's score and the peak's time: a threshold sweep places the detection where the word was clearest.
    #expect(got == [Decision(keyword: 0, score: 0.9, time: 0.1)])
}

@Test func reportPeakDoesNotReopenWhileTheScoreStaysUp() {
    // A word that stays in the window past the hold-off keeps the score up: like a real threshold,
    // the sweep mode opens no second decision until the score has dipped below the threshold.
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [0.3],
                                                          smoothingInferences: 1, refractorySeconds: 0.25, reportPeak: true))
    var got: [Decision] = []
    let scores: [Float] = [0.35, 0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.1, 0.0, 0.7, 0.0, 0.0, 0.0, 0.0]
    for (i, p) in scores.enumerated() {
        [0, p, 0].withUnsafeBufferPointer { d.update(posteriors: $0, time: Double(i) * 0.1) { got.append($0) } }
    }
    d.flush { got.append($0) }
    #expect(got == [Decision(keyword: 0, score: 0.9, time: 0.2), Decision(keyword: 0, score: 0.7, time: 0.9)])
}

@Test func nonFinitePosteriorsCountAsZero() {
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [0.5],
                                                          smoothingInferences: 2, refractorySeconds: 0))
    #expect(run(d, [[0, .nan, 0], [0, .infinity, 0], [0, 0.2, 0]]).isEmpty)
}

@Test func validationNamesTheProblem() {
    #expect(DetectorConfiguration(labels: labels, keywordIndices: [5], thresholds: [0.5]).validate()
            == "keyword index 5 outside the 3 labels")
    #expect(DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [1.5]).validate()
            == "threshold 1.5 is not in 0...1")
    #expect(DetectorConfiguration(labels: labels, keywordIndices: [1, 2], thresholds: [0.5]).validate()
            == "2 keywords but 1 thresholds")
    #expect(DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [0.5], smoothingInferences: 0).validate() != nil)
}

@Test func aScoreThatStaysHighFiresOnceUntilItDrops() {
    let d = Detector(configuration: DetectorConfiguration(labels: labels, keywordIndices: [1], thresholds: [0.5],
                                                          smoothingInferences: 1, refractorySeconds: 0.5))
    var rows = [[Float]](repeating: [0, 0.9, 0], count: 30)  // 3 s above threshold, hold-off 0.5 s
    rows += [[0, 0.1, 0], [0, 0.9, 0]]                       // drops, then a new utterance at 3.1 s
    let got = run(d, rows)
    #expect(got.count == 2)
    #expect(abs(got[1].time - 3.1) < 1e-9)
}

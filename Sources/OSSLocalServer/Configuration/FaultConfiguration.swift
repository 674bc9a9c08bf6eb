import Foundation

/// What can go wrong on purpose, reproducibly: see `FaultInjector`.
public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    /// 500 InternalError.
    case internalError = "500"
    /// 503 ServiceUnavailable (OSS's throttling answer).
    case serviceUnavailable = "503"
    /// The connection is closed partway through the response body, or before responding when there is none.
    case reset
    /// No answer at all; the connection stays open until the client gives up.
    case stall

    /// Parses "500,503,reset,stall" (spaces allowed). nil names the bad item.
    public static func parseList(_ text: String) -> Result<[FaultKind], FaultListError> {
        var kinds: [FaultKind] = []
        for item in text.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let kind = FaultKind(rawValue: name.lowercased()) else { return .failure(FaultListError(item: name)) }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        return .success(kinds)
    }
}

public struct FaultListError: Error, CustomStringConvertible {
    public var item: String
    public var description: String { "unknown fault kind '\(item)' (expected 500, 503, reset, stall)" }
}

public struct FaultConfiguration: Sendable, Hashable {
    /// Share of data-plane requests that fail, 0...1.
    public var rate: Double
    public var kinds: [FaultKind]
    public var seed: UInt64
    /// Added to every request before it is handled.
    public var latencyMilliseconds: Int

    public init(rate: Double = 0, kinds: [FaultKind] = FaultKind.allCases, seed: UInt64 = 0, latencyMilliseconds: Int = 0) {
        self.rate = rate
        self.kinds = kinds
        self.seed = seed
        self.latencyMilliseconds = latencyMilliseconds
    }
}

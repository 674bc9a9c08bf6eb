import ObjectStore
import OSSCore

/// A multipart upload that runs while a file is written in order from offset 0: each part the writer has
/// passed is sent in the background (at most `parallel_count` at once, read from the staging file, which
/// stays the durable copy), so that close only sends the tail and completes.
///
/// Parts finish on their own tasks but their results are only taken into the staging record under the
/// file's lock (`takeConfirmed`), by the same code that makes parts dirty again: so the record never names
/// a part whose staged bytes changed after it was sent. A rewritten part is forgotten (`invalidate`) and
/// sent again later under the same number; a result that arrives for a part invalidated meanwhile is dropped.
final class EagerUpload: Sendable {
    let key: ObjectKey
    let uploadID: UploadID
    let partSize: UInt64
    /// The metadata the upload was initiated with (times left out: the object's Last-Modified stands in).
    let metadata: [String: String]
    let contentType: String?

    private struct State {
        var running: [Int: (token: UInt64, task: Task<Void, Never>)] = [:]
        var done: [Int: UploadedPart] = [:]
        /// Confirmed since the record last heard of them.
        var unrecorded: Set<Int> = []
        /// Invalidated while running: still awaited before completion, so that a stale copy of a part can
        /// never land after the one sent again under the same number.
        var retired: [Task<Void, Never>] = []
        var nextToken: UInt64 = 0
    }
    private let state = Locked(State())

    init(key: ObjectKey, uploadID: UploadID, partSize: UInt64, metadata: [String: String], contentType: String?) {
        self.key = key
        self.uploadID = uploadID
        self.partSize = partSize
        self.metadata = metadata
        self.contentType = contentType
    }

    /// The byte range of part `number` (1-based) in a file of `size` bytes.
    func range(of number: Int, size: UInt64) -> Range<UInt64> {
        let lo = UInt64(number - 1) * partSize
        return lo..<min(size, lo + partSize)
    }

    var runningCount: Int { state.withLock { $0.running.count } }

    /// Whether part `number` is sent or on its way.
    func isTaken(_ number: Int) -> Bool { state.withLock { $0.running[number] != nil || $0.done[number] != nil } }

    /// Starts sending part `number` with `send` in the background.
    func start(_ number: Int, _ send: @escaping @Sendable () async throws -> UploadedPart) {
        state.withLock { s in
            s.nextToken += 1
            let token = s.nextToken
            let task = Task { [weak self] in
                let result: Result<UploadedPart, Error>
                do { result = .success(try await send()) } catch { result = .failure(error) }
                self?.finish(number, token, result)
            }
            s.running[number] = (token, task)
        }
    }

    private func finish(_ number: Int, _ token: UInt64, _ result: Result<UploadedPart, Error>) {
        state.withLock { s in
            guard s.running[number]?.token == token else { return }   // invalidated while it ran
            s.running[number] = nil
            // A failed part is simply not done: the final upload sends it again.
            if case .success(let part) = result {
                s.done[number] = part
                s.unrecorded.insert(number)
            }
        }
    }

    /// Part `number`'s staged bytes changed: whatever was sent for it no longer counts. Returns true when
    /// the record may name it (it was confirmed and recorded).
    @discardableResult
    func invalidate(_ number: Int) -> Bool {
        state.withLock { s in
            if let r = s.running.removeValue(forKey: number) {
                r.task.cancel()
                s.retired.append(r.task)
            }
            let recorded = s.done.removeValue(forKey: number) != nil && !s.unrecorded.contains(number)
            s.unrecorded.remove(number)
            return recorded
        }
    }

    /// Parts confirmed since the last call, for the record.
    func takeConfirmed() -> [UploadedPart] {
        state.withLock { s in
            defer { s.unrecorded = [] }
            return s.unrecorded.sorted().compactMap { s.done[$0] }
        }
    }

    /// Waits for every part on its way, invalidated ones included.
    func settle() async {
        while let task = state.withLock({ s in s.running.values.first?.task ?? s.retired.popLast() }) {
            await task.value
            state.withLock { s in
                for (n, r) in s.running where r.task == task { s.running[n] = nil }
            }
        }
    }

    /// Every confirmed part, by number.
    var confirmed: [UploadedPart] { state.withLock { $0.done.values.sorted { $0.partNumber < $1.partNumber } } }

    /// Stops everything on its way (the upload is being abandoned).
    func cancelAll() {
        state.withLock { s in
            for r in s.running.values { r.task.cancel() }
            s.running = [:]
        }
    }
}

import ObjectStore

// Background upkeep while mounted: abandoned multipart uploads under the mount's prefix are aborted after
// mpu_abort_age, so parts nobody will complete stop costing money.
extension Filesystem {
    /// Upload ids this mount may still finish: those its staging records name (open files, and records a
    /// crashed mount left that recovery keeps for later).
    func protectedUploads() -> Set<UploadID> {
        var ids = Set<UploadID>()
        for f in inodes.allOpenFiles() {
            if let id = f.with({ $0.record?.upload?.uploadID }) { ids.insert(UploadID(id)) }
        }
        for r in area?.stagingRecords() ?? [] {
            if let id = r.upload?.uploadID { ids.insert(UploadID(id)) }
        }
        return ids
    }

    /// Aborts uploads below the prefix older than mpu_abort_age (none when it is 0), except our own.
    public func abortAbandonedUploads() async throws -> [MultipartUpload] {
        guard config.multipartAbortAge > 0, !config.readOnly else { return [] }
        return try await guarded {
            try await IncompleteUploads.abort(store, prefix: config.prefix, olderThan: config.multipartAbortAge,
                                              now: clock.now(), keep: protectedUploads())
        }
    }

    /// Runs the cleanup every `maintenanceInterval` seconds until the task is cancelled (unmount); `log`
    /// hears of each abort and failure.
    public func runMaintenance(log: @escaping @Sendable (String) -> Void = { _ in }) async {
        guard config.multipartAbortAge > 0, config.maintenanceInterval > 0 else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(nanoseconds: UInt64(config.maintenanceInterval * 1e9)) } catch { return }
            do {
                for u in try await abortAbandonedUploads() {
                    log("aborted abandoned multipart upload \(u.uploadID) of \(u.key)")
                }
            } catch {
                log("abandoned multipart upload cleanup failed: \(error)")
            }
        }
    }
}

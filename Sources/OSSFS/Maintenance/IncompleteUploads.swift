import ObjectStore
import OSSCore

/// Multipart uploads nobody finished: their parts cost storage until aborted. Used by the mount's cleanup
/// (mpu_abort_age=) and by the utility mode (`ossfs --incomplete-mpu-list BUCKET`,
/// `--incomplete-mpu-abort[=AGE] BUCKET`), as in ossfs 1.x.
public enum IncompleteUploads {
    /// Every incomplete upload whose key starts with `prefix`, in key order.
    public static func list(_ store: any ObjectStore, prefix: String = "") async throws -> [MultipartUpload] {
        var out: [MultipartUpload] = []
        var keyMarker: String?
        var idMarker: String?
        repeat {
            let page = try await store.listMultipartUploads(prefix: prefix, keyMarker: keyMarker,
                                                            uploadIDMarker: idMarker, maxUploads: 1000)
            out += page.uploads
            keyMarker = page.nextKeyMarker
            idMarker = page.nextUploadIDMarker
            if page.uploads.isEmpty { break }   // a server that repeats markers must not loop us forever
        } while keyMarker != nil || idMarker != nil
        return out
    }

    /// Aborts the uploads below `prefix` initiated at least `age` seconds before `now` (age 0: all of them),
    /// except those in `keep`; returns the aborted ones. An upload that vanished meanwhile counts as done.
    public static func abort(_ store: any ObjectStore, prefix: String = "", olderThan age: Int64, now: Timestamp,
                             keep: Set<UploadID> = []) async throws -> [MultipartUpload]
    {
        var aborted: [MultipartUpload] = []
        for u in try await list(store, prefix: prefix) where !keep.contains(u.uploadID) {
            guard now.seconds - u.initiated.seconds >= age else { continue }
            do { try await store.abortMultipartUpload(u.key, uploadID: u.uploadID) } catch let e as ObjectStoreError
                where e.code == .noSuchUpload
            {
                continue
            }
            aborted.append(u)
        }
        return aborted
    }

    /// The 1 line `ossfs --incomplete-mpu-list` prints per upload: key, upload id, initiated time (UTC).
    public static func describe(_ u: MultipartUpload) -> String {
        "\(u.key)\t\(u.uploadID)\t\(HTTPDate.iso8601(u.initiated.seconds))"
    }
}

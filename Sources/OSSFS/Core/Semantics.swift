// (Documentation only: kept as a Swift comment so the target has no unhandled resource.)

// # What the filesystem core promises (input for the README's consistency section)
//
// This is the behaviour of `Filesystem` (Sources/OSSFS/Core), the part of ossfs that turns POSIX calls into
// object-store calls. The FUSE adapter adds kernel caching on top (attr_timeout / entry_timeout).
//
// ## Objects and names
//
// - A file is an object at `prefix + path`. A directory is a `path/` marker object (zero bytes,
//   `Content-Type: application/x-directory`), or *implicit*: some key lies below `path/`. Implicit directories
//   can be turned off (`notsup_compat_dir`). The legacy `path` object typed as a directory is read too.
// - Attributes are ossfs 1.x metadata: `x-oss-meta-mode` (decimal st_mode), `-uid`, `-gid`, `-atime`, `-mtime`,
//   `-ctime` (epoch seconds, `.NNNNNNNNN` when sub-second). Objects without them (plain SDK uploads) show
//   0640 files / 0750 directories (`complement_stat`), the mount's `uid=`/`gid=`, and Last-Modified as mtime.
//   `umask=` applies to what is shown; `uid=`/`gid=` override stored owners.
// - Symlinks: all three forms are read (ossfs 1.x body form, `symlink_in_meta` header form, native OSS Symlink
//   objects). New symlinks use the body form, or the header form with `symlink_in_meta`.
// - Extended attributes (`use_xattr`) live in `x-oss-meta-xattr` as ossfs 1.x stores them.
// - Keys a filesystem cannot show are hidden, never mapped to something else: empty segments (`a//b`), `.`
//   and `..` segments, names over 255 bytes. When a file `a` and keys `a/...` both exist, the directory wins
//   and the file is hidden. Hidden keys still count as children: `rmdir` of a directory holding only hidden
//   keys fails with ENOTEMPTY, so nothing a user cannot see is ever deleted by ossfs.
// - Removing the last entry of an implicit directory writes its marker, so the directory stays until rmdir.
// - Hard links (EPERM), FIFOs, sockets and devices (EOPNOTSUPP), RENAME_EXCHANGE (EOPNOTSUPP) are not supported.
//
// ## Consistency
//
// - Changes made through this mount are visible to it at once.
// - Metadata answers (including "no such file") are cached for `stat_cache_expire` seconds (default 900);
//   changes by other clients show after that. A directory listing always asks OSS, and a name it lists is
//   never hidden by an earlier "no such file" answer.
// - open() re-reads the object's metadata (close-to-open) and pins its ETag: every read of that descriptor
//   comes from the same version (If-Match). If another client replaces the object while it is open, reads
//   fail with ESTALE rather than mixing two versions.
// - Writes are staged in a local sparse file (`tmpdir=`); close() and fsync() upload it and succeed only when
//   the object is in OSS with the CRC64 of the staged bytes. On failure they return EIO and the data stays
//   staged: the next flush, close or unmount tries again. Old bytes are downloaded only when needed (a read of
//   an unwritten range, or a part of a multipart upload that mixes old and new bytes); parts nobody wrote are
//   copied server-side (UploadPartCopy). Two descriptors on one file share one staged state.
// - `ensure_diskfree=`: writes that would leave less free space on the staging filesystem fail with ENOSPC.
// - An unlinked or replaced file stays readable and writable through its open descriptors (its bytes are
//   staged first); nothing is uploaded for it again.
// - rename copies then deletes. A directory rename copies key by key and deletes the sources only after every
//   copy succeeded (a failed copy removes the copies made). It is not atomic: other clients can see both trees
//   meanwhile, and a crash in the middle leaves both (resumable renames are planned, issue 8).
// - chmod/chown/utime rewrite metadata with CopyObject onto the object itself (no data moves); while the file
//   is open for writing they wait for the upload. With `readdir_optimize`, chmod and chown do nothing and
//   listings show guessed attributes without per-entry HEADs.
// - statfs reports 1 PiB of capacity minus what the bucket stores.

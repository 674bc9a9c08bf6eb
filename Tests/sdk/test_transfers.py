"""The SDKs' own transfer managers (multipart + ranged, parallel, CRC-checked end to end), a large object, and
concurrent clients: the paths ossfs-like workloads take."""
from concurrent.futures import ThreadPoolExecutor

import alibabacloud_oss_v2 as oss
import oss2

from common import crc64, payload, unique
from conftest import MAIN, oss2_bucket, v2_client

KB = 1024


def test_oss2_resumable_upload_and_download(server, tmp_path):
    b = oss2_bucket(server, MAIN, "v4")
    data = payload(1024 * KB + 123, 61)
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.write_bytes(data)
    key = unique("rs-oss2") + "big file.bin"
    # multipart with 100 KiB parts on 2 threads; oss2 checks the combined CRC64 at completion
    oss2.resumable_upload(b, key, str(src), store=oss2.ResumableStore(root=str(tmp_path)),
                          multipart_threshold=200 * KB, part_size=100 * KB, num_threads=2)
    h = b.head_object(key)
    assert h.object_type == "Multipart" and h.content_length == len(data)
    assert int(h.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    # parallel ranged GETs into one file; oss2 checks the CRC64 of the result
    oss2.resumable_download(b, key, str(dst), store=oss2.ResumableDownloadStore(root=str(tmp_path)),
                            multiget_threshold=200 * KB, part_size=150 * KB, num_threads=3)
    assert dst.read_bytes() == data


def test_v2_uploader_and_downloader(server, tmp_path):
    c = v2_client(server, "v4")
    data = payload(900 * KB + 7, 62)
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.write_bytes(data)
    key = unique("rs-v2") + "up.bin"
    up = c.uploader(part_size=100 * KB, parallel_num=3).upload_file(oss.PutObjectRequest(bucket=MAIN, key=key),
                                                                    str(src))
    assert int(up.hash_crc64) == crc64(data)
    c.downloader(part_size=128 * KB, parallel_num=3).download_file(oss.GetObjectRequest(bucket=MAIN, key=key),
                                                                   str(dst))
    assert dst.read_bytes() == data


def test_large_object_roundtrip(server):
    b = oss2_bucket(server, MAIN, "v1")
    data = payload(24 * 1024 * KB, 63)
    key = unique("large") + "24MiB"
    assert b.put_object(key, data).crc == crc64(data)
    assert b.get_object(key).read() == data            # oss2 verifies the streamed CRC64 too
    tail = b.get_object(key, byte_range=(len(data) - 5000, len(data) - 1)).read()
    assert tail == data[-5000:]


def test_concurrent_clients(server):
    p = unique("conc")
    objs = {f"{p}{i:03d}": payload(5000 + 131 * i, 70 + i) for i in range(48)}

    def work(item):
        k, v = item
        b = oss2_bucket(server, MAIN, "v4" if hash(k) % 2 else "v1")
        b.put_object(k, v)
        got = b.get_object(k).read()
        b.append_object(k + ".log", 0, v[:100])
        return k, got

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(pool.map(work, objs.items()))
    assert results == objs
    b = oss2_bucket(server, MAIN, "v1")
    listed = [o.key for o in oss2.ObjectIterator(b, prefix=p, max_keys=17)]
    assert listed == sorted(list(objs) + [k + ".log" for k in objs])

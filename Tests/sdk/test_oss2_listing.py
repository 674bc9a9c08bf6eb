"""oss2 listings (ListObjects v1 and v2): byte order, prefix, delimiter, pagination, encoding-type=url with odd keys."""
import pytest

from common import md5_hex_upper, raises_oss2, unique
from rawsign import raw_request
from common import parse_xml
import urllib.parse

ODD_NAMES = ["a b", "a+b", "plus+and space", "ünïcödé/文件", "ctl\x01\x02char", "tab\tkey", "dir//double",
             "trailing/", "per%cent", "amp&eq=q?", "z~tilde", "A-upper"]


@pytest.fixture
def tree(bucket):
    p = unique("o2-list")
    keys = [p + k for k in ["a/1", "a/2", "a/b/3", "b", "c/", "c/x", "d.txt", "e/f/g/h"]]
    for k in keys:
        bucket.put_object(k, k.encode())
    return bucket, p, sorted(keys)


def _all_v1(bucket, prefix, delimiter="", max_keys=100):
    objs, prefixes, marker, pages = [], [], "", 0
    while True:
        r = bucket.list_objects(prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys)
        pages += 1
        objs += [o.key for o in r.object_list]
        prefixes += r.prefix_list
        if not r.is_truncated:
            return objs, prefixes, pages
        assert r.next_marker
        marker = r.next_marker


def _all_v2(bucket, prefix, delimiter="", max_keys=100, start_after=""):
    objs, prefixes, token, pages = [], [], "", 0
    while True:
        r = bucket.list_objects_v2(prefix=prefix, delimiter=delimiter, continuation_token=token,
                                   max_keys=max_keys, start_after=start_after)
        pages += 1
        objs += [o.key for o in r.object_list]
        prefixes += r.prefix_list
        if not r.is_truncated:
            return objs, prefixes, pages
        assert r.next_continuation_token
        token = r.next_continuation_token


def test_v1_flat_listing_sorted(tree):
    bucket, p, keys = tree
    objs, prefixes, _ = _all_v1(bucket, p)
    assert objs == keys
    assert prefixes == []


def test_v1_delimiter_common_prefixes(tree):
    bucket, p, _ = tree
    objs, prefixes, _ = _all_v1(bucket, p, delimiter="/")
    assert objs == [p + "b", p + "d.txt"]
    assert prefixes == [p + "a/", p + "c/", p + "e/"]
    objs, prefixes, _ = _all_v1(bucket, p + "a/", delimiter="/")
    assert objs == [p + "a/1", p + "a/2"]
    assert prefixes == [p + "a/b/"]


def test_v1_pagination(tree):
    bucket, p, keys = tree
    objs, _, pages = _all_v1(bucket, p, max_keys=3)
    assert objs == keys
    assert pages == 3
    # a page of common prefixes and keys together counts both against max-keys
    objs, prefixes, pages = _all_v1(bucket, p, delimiter="/", max_keys=2)
    assert objs == [p + "b", p + "d.txt"] and prefixes == [p + "a/", p + "c/", p + "e/"]
    assert pages == 3


def test_v1_object_fields(bucket):
    p = unique("o2-listf")
    bucket.put_object(p + "k", b"12345")
    r = bucket.list_objects(prefix=p)
    [o] = r.object_list
    assert o.size == 5
    assert o.etag == md5_hex_upper(b"12345")
    assert o.type == "Normal"
    assert o.storage_class == "Standard"
    assert o.last_modified > 0


def test_v2_listing_pagination_and_start_after(tree):
    bucket, p, keys = tree
    objs, _, pages = _all_v2(bucket, p, max_keys=3)
    assert objs == keys and pages == 3
    objs, prefixes, _ = _all_v2(bucket, p, delimiter="/", max_keys=1)
    assert objs == [p + "b", p + "d.txt"] and prefixes == [p + "a/", p + "c/", p + "e/"]
    objs, _, _ = _all_v2(bucket, p, start_after=p + "b")
    assert objs == [k for k in keys if k > p + "b"]


def test_v2_key_count_and_fetch_owner(tree, server):
    bucket, p, keys = tree
    r = raw_request(server, "GET", bucket.bucket_name, "",
                    query=[("list-type", "2"), ("prefix", p), ("max-keys", "4")])
    assert r.status_code == 200, r.text
    x = parse_xml(r.content)
    assert x.findtext("KeyCount") == "4"
    assert x.findtext("IsTruncated") == "true"
    assert x.findtext("NextContinuationToken")
    assert x.find("Contents/Owner") is None        # Owner only with fetch-owner=true
    r = raw_request(server, "GET", bucket.bucket_name, "",
                    query=[("list-type", "2"), ("prefix", p), ("max-keys", "1"), ("fetch-owner", "true")])
    assert parse_xml(r.content).find("Contents/Owner/ID") is not None


def test_odd_keys_roundtrip_through_url_encoded_listings(bucket):
    p = unique("o2-odd")
    keys = sorted(p + n for n in ODD_NAMES)
    for k in keys:
        bucket.put_object(k, k.encode())
    objs, _, _ = _all_v1(bucket, p, max_keys=5)          # oss2 asks encoding-type=url and decodes
    assert objs == sorted(keys, key=lambda k: k.encode())
    objs, _, _ = _all_v2(bucket, p, max_keys=5)
    assert objs == sorted(keys, key=lambda k: k.encode())
    for k in keys:
        assert bucket.get_object(k).read() == k.encode()


def test_encoding_type_url_encodes_every_field(bucket, server):
    p = unique("o2-enc") + "sp ace/"
    bucket.put_object(p + "x\x01y", b"1")
    bucket.put_object(p + "sub dir/z", b"1")
    r = raw_request(server, "GET", bucket.bucket_name, "",
                    query=[("prefix", p), ("delimiter", "/"), ("encoding-type", "url"), ("max-keys", "1")])
    assert r.status_code == 200, r.text
    x = parse_xml(r.content)
    assert x.findtext("EncodingType") == "url"
    assert urllib.parse.unquote(x.findtext("Prefix")) == p
    assert " " not in x.findtext("Prefix")
    assert urllib.parse.unquote(x.findtext("Delimiter")) == "/"
    entries = [urllib.parse.unquote(e.text) for e in x.findall("Contents/Key")] + \
              [urllib.parse.unquote(e.text) for e in x.findall("CommonPrefixes/Prefix")]
    assert entries == [p + "sub dir/"]          # the prefix sorts first ("s" < "x")
    assert urllib.parse.unquote(x.findtext("NextMarker")) == p + "sub dir/"


def test_unencoded_listing_returns_plain_keys(bucket, server):
    p = unique("o2-plain")
    bucket.put_object(p + "a b+c", b"1")
    r = raw_request(server, "GET", bucket.bucket_name, "", query=[("prefix", p)])
    x = parse_xml(r.content)
    assert [e.text for e in x.findall("Contents/Key")] == [p + "a b+c"]


def test_listing_missing_bucket(server):
    from conftest import oss2_bucket
    b = oss2_bucket(server, "sdk-no-such-bucket", "v1")
    with raises_oss2(404, "NoSuchBucket"):
        b.list_objects()


def test_v1_page_ending_on_common_prefix_skips_its_keys(tree):
    bucket, p, _ = tree
    seen, marker = [], ""
    while True:
        r = bucket.list_objects(prefix=p, delimiter="/", marker=marker, max_keys=1)
        seen += [o.key for o in r.object_list] + r.prefix_list
        if not r.is_truncated:
            break
        marker = r.next_marker
    assert seen == [p + "a/", p + "b", p + "c/", p + "d.txt", p + "e/"]

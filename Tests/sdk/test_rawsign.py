"""The tests' own signer and CRC helper reproduce the vectors of oss-protocol.md, so raw-request tests can trust them."""
from common import crc64
from rawsign import (v1_canonical_resource, v1_signature, v1_string_to_sign, v4_canonical_request,
                     v4_signature)

AK = "LTAI5tFakeAccessKeyId0001"
SK = "FakeAccessKeySecretForTestVectors01"
DATE = "Tue, 02 Jan 2024 03:04:05 GMT"
ISO = "20240102T030405Z"


def test_v1_vector_a_headers_and_meta():
    headers = {"Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==", "Content-Type": "text/plain",
               "x-oss-meta-mode": "33188", "X-OSS-Meta-Mtime": "1704164645"}
    sts = v1_string_to_sign("PUT", headers, DATE, v1_canonical_resource("examplebucket", "dir/file.txt", []))
    assert v1_signature(SK, sts) == "t4J0idANxxG1HoerdiZTjlol7eM="


def test_v1_vector_c_continuation_token_signed_listing_params_not():
    q = [("list-type", "2"), ("prefix", "dir/"), ("delimiter", "/"), ("max-keys", "100"),
         ("continuation-token", "ChR0ZXN0"), ("encoding-type", "url")]
    res = v1_canonical_resource("examplebucket", "", q)
    assert res == "/examplebucket/?continuation-token=ChR0ZXN0"
    assert v1_signature(SK, v1_string_to_sign("GET", {}, DATE, res)) == "/2oBM05OlB8nb9qg7tXgorY3V/s="


def test_v1_vector_e_unencoded_unicode_key_and_bare_uploads():
    res = v1_canonical_resource("examplebucket", "目录/a b+c.txt", [("uploads", None)])
    sts = v1_string_to_sign("POST", {"Content-Type": "application/octet-stream"}, DATE, res)
    assert v1_signature(SK, sts) == "wj6rDaqE8LQi3tt8LcPv+tnUX+s="


def test_v4_vector_a_get_with_odd_key():
    cr = v4_canonical_request("GET", "examplebucket", "dir/a b+c~(1).txt", [],
                              {"x-oss-date": ISO, "x-oss-content-sha256": "UNSIGNED-PAYLOAD", "Range": "bytes=0-1023"}, [])
    assert v4_signature(SK, ISO, "cn-hangzhou", cr) == "3feb65a1b15654fb7df8a125821f432db777d9be6bda70e5858ca63f12cd51a5"


def test_v4_vector_b_listing_query_and_sts_header():
    q = [("list-type", "2"), ("prefix", "dir/"), ("delimiter", "/"), ("max-keys", "100"), ("encoding-type", "url")]
    cr = v4_canonical_request("GET", "examplebucket", "", q,
                              {"x-oss-date": ISO, "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
                               "x-oss-security-token": "FakeSTSToken=="}, [])
    assert v4_signature(SK, ISO, "cn-hangzhou", cr) == "0fbd2cba4ed784c789de2715d429afae823c6672a2340122b1a94e1097e44aa7"


def test_v4_vector_d_bare_subresource_other_region():
    cr = v4_canonical_request("POST", "examplebucket", "big/file.bin", [("uploads", None)],
                              {"x-oss-date": ISO, "x-oss-content-sha256": "UNSIGNED-PAYLOAD"}, [])
    assert v4_signature(SK, ISO, "us-west-1", cr) == "05b5560ae5de46b55cc02900ae7e0a51653c0f1ad9156eb06ef4df6df0a32ac5"


def test_crc64_check_values():
    assert crc64(b"123456789") == 11051210869376104954
    assert crc64(b"") == 0
    assert crc64(b"hello world") == 5981764153023615706

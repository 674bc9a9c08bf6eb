"""An independent OSS V1/V4 signer for hand-made requests (clock skew, odd ranges, bad keys, virtual hosts).

Written from oss-protocol.md §1-2 and checked against its vectors in test_rawsign.py, so a failure of a raw
request test points at the server, not at this helper.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from email.utils import formatdate

import requests

V1_SUBRESOURCES = set(
    "acl append bucketInfo callback callback-var cloudboxes continuation-token delete location objectMeta "
    "partNumber position regionList resourceGroup response-cache-control response-content-disposition "
    "response-content-encoding response-content-language response-content-type response-expires restore "
    "security-token sequential stat symlink tagging uploadId uploads versionId versioning versions".split()
)


def quote(s: str, keep_slash: bool) -> str:
    """RFC 3986 percent-encoding of the UTF-8 bytes, `/` kept only when asked."""
    return urllib.parse.quote(s.encode(), safe="/~" if keep_slash else "~")


def rfc1123(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def iso8601_basic(ts: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ts))


def v1_canonical_resource(bucket: str | None, key: str | None, query: list[tuple[str, str | None]]) -> str:
    path = "/" if bucket is None else f"/{bucket}/{key or ''}"
    subs = sorted((k, v) for k, v in query if k in V1_SUBRESOURCES)
    if subs:
        path += "?" + "&".join(k if not v else f"{k}={v}" for k, v in subs)
    return path


def v1_string_to_sign(method: str, headers: dict[str, str], date: str, resource: str) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    oss_headers = sorted((k, v.strip()) for k, v in lower.items() if k.startswith("x-oss-"))
    canon = "".join(f"{k}:{v}\n" for k, v in oss_headers)
    return f"{method}\n{lower.get('content-md5', '')}\n{lower.get('content-type', '')}\n{date}\n{canon}{resource}"


def v1_signature(secret: str, string_to_sign: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


def v4_canonical_request(method: str, bucket: str | None, key: str | None, query: list[tuple[str, str | None]],
                         headers: dict[str, str], additional: list[str]) -> str:
    uri = "/" if bucket is None else quote(f"/{bucket}/{key or ''}", keep_slash=True)
    items = sorted((quote(k, False), None if v is None or v == "" else quote(v, False)) for k, v in query)
    cq = "&".join(k if v is None else f"{k}={v}" for k, v in items)
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    signed = sorted(k for k in lower if k.startswith("x-oss-") or k in ("content-type", "content-md5")
                    or k in additional)
    ch = "".join(f"{k}:{lower[k]}\n" for k in signed)
    return "\n".join([method, uri, cq, ch, ";".join(sorted(additional)),
                      lower.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD")])


def v4_signing_key(secret: str, day: str, region: str) -> bytes:
    k = hmac.new(("aliyun_v4" + secret).encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, "oss", "aliyun_v4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def v4_signature(secret: str, iso_date: str, region: str, canonical_request: str) -> str:
    scope = f"{iso_date[:8]}/{region}/oss/aliyun_v4_request"
    sts = "OSS4-HMAC-SHA256\n" + iso_date + "\n" + scope + "\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    return hmac.new(v4_signing_key(secret, iso_date[:8], region), sts.encode(), hashlib.sha256).hexdigest()


def raw_request(server, method: str, bucket: str | None, key: str | None = None, *,
                query: list[tuple[str, str | None]] | None = None, headers: dict[str, str] | None = None,
                body: bytes = b"", sign: str | None = "v1", now: float | None = None,
                secret: str | None = None, access_key_id: str | None = None, host: str | None = None,
                virtual_host: bool = False, timeout: float = 10.0, additional_headers: list[str] | None = None,
                tamper: dict[str, str] | None = None) -> requests.Response:
    """Sends one request to `server` (an OSSLocal), signed V1/V4 (or unsigned with sign=None).

    `now` fakes the client clock; `secret`/`access_key_id` override the right keys; `virtual_host` puts
    the bucket in the Host header instead of the path; `additional_headers` (V4) are signed as AdditionalHeaders;
    `tamper` replaces headers after signing.
    """
    additional = sorted(h.lower() for h in (additional_headers or []))
    query = list(query or [])
    headers = dict(headers or {})
    now = time.time() if now is None else now
    secret = server.keys.access_key_secret if secret is None else secret
    akid = server.keys.access_key_id if access_key_id is None else access_key_id
    if body and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/octet-stream"  # sign what is sent, never let a stack add one
    if sign == "v1":
        headers.setdefault("Date", rfc1123(now))
        resource = v1_canonical_resource(bucket, key, query)
        sts = v1_string_to_sign(method, headers, headers["Date"], resource)
        headers["Authorization"] = f"OSS {akid}:{v1_signature(secret, sts)}"
    elif sign == "v4":
        iso = iso8601_basic(now)
        headers["x-oss-date"] = iso
        headers["x-oss-content-sha256"] = "UNSIGNED-PAYLOAD"
        headers.setdefault("Date", rfc1123(now))
        region = server.region
        cr = v4_canonical_request(method, bucket, key, query, headers, additional)
        sig = v4_signature(secret, iso, region, cr)
        extra = f", AdditionalHeaders={';'.join(additional)}" if additional else ""
        headers["Authorization"] = (f"OSS4-HMAC-SHA256 Credential={akid}/{iso[:8]}/{region}/oss/aliyun_v4_request"
                                    f"{extra}, Signature={sig}")
    headers.update(tamper or {})
    if virtual_host:
        path = "/" + quote(key or "", keep_slash=True)
        headers["Host"] = host or f"{bucket}.oss-{server.region}.aliyuncs.com"
    else:
        path = "/" if bucket is None else "/" + bucket + "/" + quote(key or "", keep_slash=True)
        if host:
            headers["Host"] = host
    qs = "&".join(quote(k, False) if v is None else f"{quote(k, False)}={quote(v, False)}" for k, v in query)
    url = server.endpoint + path + ("?" + qs if qs else "")
    # requests would re-quote the path; a prepared request with the URL set verbatim keeps our encoding.
    session = requests.Session()
    req = requests.Request(method, server.endpoint, headers=headers, data=body if body else None).prepare()
    req.url = url
    if not body and method in ("PUT", "POST"):
        req.headers["Content-Length"] = "0"
    try:
        return session.send(req, timeout=timeout, allow_redirects=False)
    finally:
        session.close()

"""Real S3 client checks against a Cairn node (Debian's python3-boto3).

Usage: s3_boto_check.py ENDPOINT ACCESS_KEY SECRET DATA_DIR VHOST_ENDPOINT. Prints a line per check; exits
non-zero on failure. VHOST_ENDPOINT is http://<the node's s3.domain>:<port>, for virtual-host style.
"""
import base64
import hashlib
import os
import socket
import subprocess
import sys
import zlib

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, data_dir, vhost_endpoint = sys.argv[1:6]
# s3v4 everywhere: this botocore would otherwise presign with the legacy SigV2
cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}, read_timeout=60)
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                  region_name="us-east-1", config=cfg)


def code_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("expected an error")


def stored_bytes():
    total = 0
    for root, _, files in os.walk(os.path.join(data_dir, "chunks")):
        if os.path.basename(root) != "tmp":
            total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


s3.create_bucket(Bucket="check")
s3.create_bucket(Bucket="check")  # a bucket you already own: 200 in us-east-1, as AWS answers there
assert code_of(lambda: s3.create_bucket(Bucket="Bad_Name")) == "InvalidBucketName"
assert "check" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
s3.head_bucket(Bucket="check")
assert code_of(lambda: s3.head_bucket(Bucket="nosuch")) == "404"
print("buckets ok")

small = b"hello, cairn\n"
big = os.urandom(20 * 1024 * 1024 + 7)
r = s3.put_object(Bucket="check", Key="docs/small.txt", Body=small, ContentType="text/plain", Metadata={"a": "b"})
assert r["ETag"] == '"%s"' % hashlib.md5(small).hexdigest()
before = stored_bytes()
s3.put_object(Bucket="check", Key="blobs/big-1.bin", Body=big)
after_one = stored_bytes()
s3.put_object(Bucket="check", Key="blobs/big-2.bin", Body=big)
after_two = stored_bytes()
assert after_one - before >= len(big), (before, after_one)
assert after_two == after_one, "the same 20 MiB stored twice: %d -> %d" % (after_one, after_two)
print("dedup ok: second copy of 20 MiB added %d stored bytes" % (after_two - after_one))

assert s3.get_object(Bucket="check", Key="blobs/big-2.bin")["Body"].read() == big
got = s3.get_object(Bucket="check", Key="docs/small.txt")
assert got["Body"].read() == small and got["ContentType"] == "text/plain" and got["Metadata"] == {"a": "b"}
part = s3.get_object(Bucket="check", Key="blobs/big-1.bin", Range="bytes=4194000-8389000")
assert part["Body"].read() == big[4194000:8389001] and part["ContentRange"].endswith("/%d" % len(big))
assert code_of(lambda: s3.get_object(Bucket="check", Key="blobs/big-1.bin", Range="bytes=%d-" % len(big))) == "InvalidRange"
head = s3.head_object(Bucket="check", Key="blobs/big-1.bin")
assert head["ContentLength"] == len(big) and head["ETag"] == '"%s"' % hashlib.md5(big).hexdigest()
print("get, range and head ok")

# flexible checksums as this botocore sends them (ChecksumAlgorithm): verified, kept, returned when asked
for algo in ["CRC32", "CRC32C", "SHA1", "SHA256"]:
    sent = s3.put_object(Bucket="check", Key="sums/" + algo, Body=small, ChecksumAlgorithm=algo)
    kept = s3.head_object(Bucket="check", Key="sums/" + algo, ChecksumMode="ENABLED")
    assert kept["Checksum" + algo] == sent["Checksum" + algo], (algo, sent, kept)
crc32 = base64.b64encode(zlib.crc32(small).to_bytes(4, "big")).decode()
assert s3.head_object(Bucket="check", Key="sums/CRC32", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc32
assert code_of(lambda: s3.put_object(Bucket="check", Key="sums/bad", Body=small, ChecksumCRC32="AAAAAA==")) == "BadDigest"
assert code_of(lambda: s3.head_object(Bucket="check", Key="sums/bad")) == "404"
etag = s3.head_object(Bucket="check", Key="docs/small.txt")["ETag"]
assert code_of(lambda: s3.get_object(Bucket="check", Key="docs/small.txt", IfNoneMatch=etag)) == "304"
assert code_of(lambda: s3.get_object(Bucket="check", Key="docs/small.txt", IfMatch='"0"')) == "PreconditionFailed"
assert s3.get_object(Bucket="check", Key="docs/small.txt", IfMatch=etag)["Body"].read() == small
for algo in ["CRC32", "CRC32C", "SHA1", "SHA256"]:
    s3.delete_object(Bucket="check", Key="sums/" + algo)
print("checksums and conditional reads ok")

listing = s3.list_objects_v2(Bucket="check", Delimiter="/")
assert [p["Prefix"] for p in listing["CommonPrefixes"]] == ["blobs/", "docs/"], listing
assert [c["Key"] for c in s3.list_objects_v2(Bucket="check", Prefix="blobs/")["Contents"]] == ["blobs/big-1.bin", "blobs/big-2.bin"]
keys, token = [], None
while True:
    kwargs = {"Bucket": "check", "MaxKeys": 1}
    if token:
        kwargs["ContinuationToken"] = token
    page = s3.list_objects_v2(**kwargs)
    keys += [c["Key"] for c in page.get("Contents", [])]
    if not page["IsTruncated"]:
        break
    token = page["NextContinuationToken"]
assert keys == ["blobs/big-1.bin", "blobs/big-2.bin", "docs/small.txt"], keys
v1 = s3.list_objects(Bucket="check", Prefix="docs/")
assert [c["Key"] for c in v1["Contents"]] == ["docs/small.txt"]
print("list v2 (prefix, delimiter, pages) and v1 ok")

url = s3.generate_presigned_url("get_object", Params={"Bucket": "check", "Key": "docs/small.txt"}, ExpiresIn=60)
fetched = subprocess.run(["curl", "-sf", url], capture_output=True, check=True).stdout
assert fetched == small
tampered = url.replace("small.txt", "small.txT")
status = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", tampered], capture_output=True).stdout
assert status == b"403", status
print("presigned GET with curl ok")

bad = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key="wrong" + secret,
                   region_name="us-east-1", config=cfg)
assert code_of(lambda: bad.list_buckets()) == "SignatureDoesNotMatch"
stranger = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="NOSUCHKEY", aws_secret_access_key=secret,
                        region_name="us-east-1", config=cfg)
assert code_of(lambda: stranger.list_buckets()) == "InvalidAccessKeyId"
assert subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", endpoint + "/check/docs/small.txt"],
                      capture_output=True).stdout == b"403"
assert code_of(lambda: s3.get_object(Bucket="check", Key="absent")) == "NoSuchKey"
assert code_of(lambda: s3.get_object(Bucket="absent", Key="x")) == "NoSuchBucket"
assert code_of(lambda: s3.delete_bucket(Bucket="check")) == "BucketNotEmpty"
print("auth and error codes ok")

def curl_status(*args):
    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *args], capture_output=True).stdout

s3.create_bucket(Bucket="open", ACL="public-read")
s3.put_object(Bucket="open", Key="pub.txt", Body=b"for everyone")
assert subprocess.run(["curl", "-sf", endpoint + "/open/pub.txt"], capture_output=True, check=True).stdout == b"for everyone"
assert curl_status(endpoint + "/open?list-type=2") == b"200"
assert curl_status("-X", "PUT", "--data-binary", "x", endpoint + "/open/evil.txt") == b"403"
assert curl_status("-X", "DELETE", endpoint + "/open/pub.txt") == b"403"
s3.put_bucket_acl(Bucket="open", ACL="private")
assert curl_status(endpoint + "/open/pub.txt") == b"403"
s3.delete_object(Bucket="open", Key="pub.txt")
s3.delete_bucket(Bucket="open")
print("public-read buckets ok")

victim = os.urandom(1024 * 1024)
s3.put_object(Bucket="check", Key="victim.bin", Body=victim)
digest = hashlib.sha256(victim).hexdigest()
path = os.path.join(data_dir, "chunks", digest[0:2], digest)
with open(path, "r+b") as f:
    f.seek(5000)
    byte = f.read(1)
    f.seek(5000)
    f.write(bytes([byte[0] ^ 0x01]))
err = code_of(lambda: s3.get_object(Bucket="check", Key="victim.bin")["Body"].read())
assert err == "InternalError", err
print("corrupt chunk refused: %s" % err)

from boto3.s3.transfer import TransferConfig
import tempfile
fifty = os.urandom(50 * 1024 * 1024)
with tempfile.NamedTemporaryFile() as src:
    src.write(fifty)
    src.flush()
    s3.upload_file(src.name, "check", "multi/fifty.bin",
                   Config=TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024))
head = s3.head_object(Bucket="check", Key="multi/fifty.bin")
assert head["ContentLength"] == len(fifty) and head["ETag"].endswith('-7"'), head["ETag"]
with tempfile.NamedTemporaryFile() as dst:
    s3.download_file("check", "multi/fifty.bin", dst.name)
    assert open(dst.name, "rb").read() == fifty
print("50 MiB multipart upload_file and download_file ok")

first, second = os.urandom(5 * 1024 * 1024), b"tail"
up = s3.create_multipart_upload(Bucket="check", Key="multi/manual.bin", ContentType="application/x-test")
uid = up["UploadId"]
assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="check")["Uploads"]] == [uid]
e1 = s3.upload_part(Bucket="check", Key="multi/manual.bin", UploadId=uid, PartNumber=1, Body=first)["ETag"]
e2 = s3.upload_part(Bucket="check", Key="multi/manual.bin", UploadId=uid, PartNumber=2, Body=second)["ETag"]
assert [p["PartNumber"] for p in s3.list_parts(Bucket="check", Key="multi/manual.bin", UploadId=uid)["Parts"]] == [1, 2]
assert code_of(lambda: s3.complete_multipart_upload(Bucket="check", Key="multi/manual.bin", UploadId=uid,
    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": '"0000"'}]})) == "InvalidPart"
done = s3.complete_multipart_upload(Bucket="check", Key="multi/manual.bin", UploadId=uid,
    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
expected = hashlib.md5(hashlib.md5(first).digest() + hashlib.md5(second).digest()).hexdigest() + "-2"
assert done["ETag"] == '"%s"' % expected, (done["ETag"], expected)
got = s3.get_object(Bucket="check", Key="multi/manual.bin")
assert got["Body"].read() == first + second and got["ContentType"] == "application/x-test"
tiny_id = s3.create_multipart_upload(Bucket="check", Key="multi/small.bin")["UploadId"]
p1 = s3.upload_part(Bucket="check", Key="multi/small.bin", UploadId=tiny_id, PartNumber=1, Body=b"x")["ETag"]
p2 = s3.upload_part(Bucket="check", Key="multi/small.bin", UploadId=tiny_id, PartNumber=2, Body=b"y")["ETag"]
assert code_of(lambda: s3.complete_multipart_upload(Bucket="check", Key="multi/small.bin", UploadId=tiny_id,
    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]})) == "EntityTooSmall"
s3.abort_multipart_upload(Bucket="check", Key="multi/small.bin", UploadId=tiny_id)
assert code_of(lambda: s3.list_parts(Bucket="check", Key="multi/small.bin", UploadId=tiny_id)) == "NoSuchUpload"
assert "Uploads" not in s3.list_multipart_uploads(Bucket="check")
print("multipart create/part/list/complete/abort and errors ok")

s3.copy_object(Bucket="check", Key="copies/small.txt", CopySource={"Bucket": "check", "Key": "docs/small.txt"})
copied = s3.get_object(Bucket="check", Key="copies/small.txt")
assert copied["Body"].read() == small and copied["Metadata"] == {"a": "b"}
result = s3.delete_objects(Bucket="check", Delete={"Objects": [{"Key": "copies/small.txt"}, {"Key": "multi/manual.bin"},
                                                               {"Key": "never-existed"}]})
assert sorted(d["Key"] for d in result["Deleted"]) == ["copies/small.txt", "multi/manual.bin", "never-existed"]
assert code_of(lambda: s3.head_object(Bucket="check", Key="copies/small.txt")) == "404"
print("copy and batch delete ok")

# virtual-host style: the bucket goes in the host name (check.<s3.domain>), which this process
# resolves to loopback as a wildcard DNS record would; the Host header of every request is recorded
vhost_domain = vhost_endpoint.split("//")[1].split(":")[0]
real_getaddrinfo = socket.getaddrinfo


def loopback_for_vhost(host, *args, **kwargs):
    if isinstance(host, str) and (host == vhost_domain or host.endswith("." + vhost_domain)):
        host = "127.0.0.1"
    return real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = loopback_for_vhost
by_host = boto3.client("s3", endpoint_url=vhost_endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                       region_name="us-east-1",
                       config=Config(s3={"addressing_style": "virtual"}, signature_version="s3v4",
                                     retries={"max_attempts": 1}))
hosts = set()
by_host.meta.events.register("before-send.s3.*", lambda request, **kw: hosts.add(request.headers["Host"]))
by_host.put_object(Bucket="check", Key="vhost/one.txt", Body=b"by host", ContentType="text/plain",
                   Metadata={"via": "vhost"})
got = by_host.get_object(Bucket="check", Key="vhost/one.txt")
assert got["Body"].read() == b"by host" and got["Metadata"] == {"via": "vhost"}
assert [o["Key"] for o in by_host.list_objects_v2(Bucket="check", Prefix="vhost/")["Contents"]] == ["vhost/one.txt"]
assert s3.get_object(Bucket="check", Key="vhost/one.txt")["Body"].read() == b"by host"
by_host.delete_object(Bucket="check", Key="vhost/one.txt")
host_names = {h.decode() if isinstance(h, bytes) else h for h in hosts}
assert host_names == {"check." + vhost_endpoint.split("//")[1]}, host_names
print("virtual-host style ok")

for k in ["docs/small.txt", "blobs/big-1.bin", "blobs/big-2.bin", "victim.bin", "multi/fifty.bin"]:
    s3.delete_object(Bucket="check", Key=k)
s3.delete_bucket(Bucket="check")
assert "check" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
print("delete ok")

"""Real S3 client checks against a Cairn node (Debian's python3-boto3).

Usage: s3_boto_check.py ENDPOINT ACCESS_KEY SECRET DATA_DIR. Prints a line per check; exits non-zero on failure.
"""
import hashlib
import os
import subprocess
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, data_dir = sys.argv[1:5]
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
assert code_of(lambda: s3.create_bucket(Bucket="check")) == "BucketAlreadyOwnedByYou"
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

victim = os.urandom(1024 * 1024)
s3.put_object(Bucket="check", Key="victim.bin", Body=victim)
digest = hashlib.sha256(victim).hexdigest()
path = os.path.join(data_dir, "chunks", digest[0:2], digest[2:4], digest)
with open(path, "r+b") as f:
    f.seek(5000)
    byte = f.read(1)
    f.seek(5000)
    f.write(bytes([byte[0] ^ 0x01]))
err = code_of(lambda: s3.get_object(Bucket="check", Key="victim.bin")["Body"].read())
assert err == "InternalError", err
print("corrupt chunk refused: %s" % err)

for k in ["docs/small.txt", "blobs/big-1.bin", "blobs/big-2.bin", "victim.bin"]:
    s3.delete_object(Bucket="check", Key=k)
s3.delete_bucket(Bucket="check")
assert "check" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
print("delete ok")

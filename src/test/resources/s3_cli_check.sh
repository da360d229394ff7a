#!/usr/bin/env bash
# Real S3 command-line clients against a Cairn node: Debian's aws-cli, s3cmd and rclone.
# Usage: s3_cli_check.sh ENDPOINT ACCESS_KEY SECRET WORKDIR. Prints a line per check; exits non-zero on failure.
set -euo pipefail
endpoint=$1; export AWS_ACCESS_KEY_ID=$2 AWS_SECRET_ACCESS_KEY=$3 AWS_DEFAULT_REGION=us-east-1; work=$4
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws() { /usr/bin/aws --endpoint-url "$endpoint" "$@"; }
host=${endpoint#http://}
s3c() { s3cmd --host="$host" --host-bucket="$host" --no-ssl --access_key="$AWS_ACCESS_KEY_ID" \
  --secret_key="$AWS_SECRET_ACCESS_KEY" --region=us-east-1 --no-progress --config=/dev/null "$@"; }

head -c 52428800 /dev/urandom > "$work/fifty.bin"
printf 'one\n' > "$work/one.txt"
aws s3 mb s3://clis >/dev/null
aws s3 cp --no-progress "$work/fifty.bin" s3://clis/big/fifty.bin >/dev/null
aws s3 cp --no-progress "$work/one.txt" s3://clis/small/one.txt >/dev/null
aws s3 cp --no-progress s3://clis/big/fifty.bin "$work/fifty.back" >/dev/null
cmp "$work/fifty.bin" "$work/fifty.back"
echo "aws s3 cp 50 MiB up and down identical"

listing=$(aws s3 ls s3://clis/big/)
grep -q "52428800 fifty.bin" <<<"$listing"
[ "$(aws s3api list-objects-v2 --bucket clis --delimiter / --query 'CommonPrefixes[].Prefix' --output text)" = $'big/\tsmall/' ]
echo "aws listings ok"

url=$(aws s3 presign s3://clis/small/one.txt --expires-in 60)
[ "$(curl -sf "$url")" = "one" ]
echo "aws presign + curl ok"

# flexible checksums and metadata through s3api: each algorithm on a single PUT, kept and returned
for algo in CRC32 CRC32C SHA1 SHA256; do
  sent=$(aws s3api put-object --bucket clis --key "sums/$algo" --body "$work/one.txt" --checksum-algorithm "$algo" \
    --content-type text/plain --cache-control max-age=5 --metadata origin=cli --query "Checksum$algo" --output text)
  [ "$(aws s3api head-object --bucket clis --key "sums/$algo" --checksum-mode ENABLED \
    --query "[Checksum$algo,ContentType,CacheControl,Metadata.origin]" --output text)" = "$sent"$'\ttext/plain\tmax-age=5\tcli' ]
done
echo "aws checksums and metadata ok"

# a multipart upload with CRC32C parts: the object keeps S3's composite checksum (-3 for three parts)
split -b 20971520 -a 1 "$work/fifty.bin" "$work/part."
upload=$(aws s3api create-multipart-upload --bucket clis --key sums/multi.bin --checksum-algorithm CRC32C \
  --query UploadId --output text)
parts=""; n=0
for f in "$work"/part.?; do
  n=$((n + 1))
  read -r etag crc < <(aws s3api upload-part --bucket clis --key sums/multi.bin --upload-id "$upload" --part-number "$n" \
    --body "$f" --checksum-algorithm CRC32C --query '[ETag,ChecksumCRC32C]' --output text)
  parts+="{\"PartNumber\":$n,\"ETag\":$etag,\"ChecksumCRC32C\":\"$crc\"},"
done
aws s3api complete-multipart-upload --bucket clis --key sums/multi.bin --upload-id "$upload" \
  --multipart-upload "{\"Parts\":[${parts%,}]}" >/dev/null
[[ "$(aws s3api head-object --bucket clis --key sums/multi.bin --checksum-mode ENABLED --query ChecksumCRC32C \
  --output text)" == *-3 ]]
aws s3api get-object --bucket clis --key sums/multi.bin "$work/multi.back" >/dev/null
cmp "$work/fifty.bin" "$work/multi.back"
echo "aws multipart with CRC32C parts ok"

# conditional reads: a matching If-None-Match is 304, a wrong If-Match is 412, a right one reads
etag=$(aws s3api head-object --bucket clis --key sums/CRC32 --query ETag --output text)
! out=$(aws s3api get-object --bucket clis --key sums/CRC32 --if-none-match "$etag" "$work/cond.out" 2>&1)
grep -q "(304)" <<<"$out"
! out=$(aws s3api get-object --bucket clis --key sums/CRC32 --if-match '"0123"' "$work/cond.out" 2>&1)
grep -q "PreconditionFailed" <<<"$out"
aws s3api get-object --bucket clis --key sums/CRC32 --if-match "$etag" "$work/cond.out" >/dev/null
cmp "$work/one.txt" "$work/cond.out"
echo "aws conditional reads ok"

s3c put "$work/fifty.bin" s3://clis/s3cmd/fifty.bin >/dev/null
s3c get --force s3://clis/s3cmd/fifty.bin "$work/fifty.s3cmd" >/dev/null
cmp "$work/fifty.bin" "$work/fifty.s3cmd"
s3c ls s3://clis/s3cmd/ | grep -q "s3://clis/s3cmd/fifty.bin"
s3c del s3://clis/s3cmd/fifty.bin >/dev/null
echo "s3cmd put/get/ls/del ok"

# rclone, configured through its environment only (no config file)
export RCLONE_CONFIG=/dev/null RCLONE_CONFIG_CAIRN_TYPE=s3 RCLONE_CONFIG_CAIRN_PROVIDER=Other \
  RCLONE_CONFIG_CAIRN_ENDPOINT="$endpoint" RCLONE_CONFIG_CAIRN_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
  RCLONE_CONFIG_CAIRN_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" RCLONE_CONFIG_CAIRN_REGION=us-east-1 \
  RCLONE_CONFIG_CAIRN_FORCE_PATH_STYLE=true
# Debian's rclone (aws-sdk-go v1) refuses to start when AWS_CA_BUNDLE is set, as on some machines
rclone() { env -u AWS_CA_BUNDLE /usr/bin/rclone "$@"; }
mkdir -p "$work/tree/sub" "$work/tree.back"
cp "$work/fifty.bin" "$work/tree/sub/fifty.bin"
printf 'two\n' > "$work/tree/two.txt"
rclone copy "$work/tree" cairn:clis/rclone >/dev/null 2>&1
rclone check "$work/tree" cairn:clis/rclone >/dev/null 2>&1
rclone copy cairn:clis/rclone "$work/tree.back" >/dev/null 2>&1
cmp "$work/tree/sub/fifty.bin" "$work/tree.back/sub/fifty.bin"
[ "$(rclone lsf -R cairn:clis/rclone 2>/dev/null | sort | tr '\n' ' ')" = "sub/ sub/fifty.bin two.txt " ]
rclone delete cairn:clis/rclone >/dev/null 2>&1
echo "rclone copy/check/lsf/delete ok"

aws s3 rm --recursive s3://clis >/dev/null
aws s3 rb s3://clis >/dev/null
echo "cleanup ok"

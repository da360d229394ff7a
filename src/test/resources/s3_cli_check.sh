#!/usr/bin/env bash
# Real S3 command-line clients against a Cairn node: Debian's aws-cli and s3cmd.
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

s3c put "$work/fifty.bin" s3://clis/s3cmd/fifty.bin >/dev/null
s3c get --force s3://clis/s3cmd/fifty.bin "$work/fifty.s3cmd" >/dev/null
cmp "$work/fifty.bin" "$work/fifty.s3cmd"
s3c ls s3://clis/s3cmd/ | grep -q "s3://clis/s3cmd/fifty.bin"
s3c del s3://clis/s3cmd/fifty.bin >/dev/null
echo "s3cmd put/get/ls/del ok"

aws s3 rm --recursive s3://clis >/dev/null
aws s3 rb s3://clis >/dev/null
echo "cleanup ok"

"""Small S3 helper for tests: put FILE, get KEY OUT (exit 3 if NoSuchKey), presign-put KEY, delete KEY.

Usage: s3_tool.py ENDPOINT ACCESS_KEY SECRET COMMAND ARGS...
"""
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, command = sys.argv[1:5]
args = sys.argv[5:]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                  region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}))
if command == "mb":
    s3.create_bucket(Bucket=args[0])
elif command == "put":
    with open(args[2], "rb") as f:
        s3.put_object(Bucket=args[0], Key=args[1], Body=f.read())
elif command == "get":
    try:
        body = s3.get_object(Bucket=args[0], Key=args[1])["Body"].read()
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchKey":
            sys.exit(3)
        raise
    with open(args[2], "wb") as f:
        f.write(body)
elif command == "presign-put":
    print(s3.generate_presigned_url("put_object", Params={"Bucket": args[0], "Key": args[1]}, ExpiresIn=300))
elif command == "delete":
    s3.delete_object(Bucket=args[0], Key=args[1])
else:
    sys.exit("unknown command " + command)

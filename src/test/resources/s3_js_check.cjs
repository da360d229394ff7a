// The AWS SDK for JavaScript v3 against Cairn, with its defaults (flexible checksums on: streaming
// uploads go as aws-chunked bodies with the checksum in a trailer). Args: modules dir, endpoint,
// access key id, secret, virtual-host endpoint (http://<s3.domain>:<port>). Prints "ok" and exits 0
// when every check held.
const path = require("path");
const { Readable } = require("stream");
const s3sdk = require(path.join(process.argv[2], "node_modules", "@aws-sdk", "client-s3"));
const {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, ListObjectsV2Command,
  CopyObjectCommand, DeleteObjectCommand,
} = s3sdk;

const client = new S3Client({
  endpoint: process.argv[3], region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId: process.argv[4], secretAccessKey: process.argv[5] },
});

// Virtual-host style: the SDK puts the bucket in the host name (jsdk.<s3.domain>), which this
// client's agent resolves to the node on loopback, as DNS would for a real domain.
const http = require("http");
const { NodeHttpHandler } = require(path.join(process.argv[2], "node_modules", "@smithy", "node-http-handler"));
const loopback = new http.Agent({ lookup: (host, options, callback) =>
  options && options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4) });
const vhost = new S3Client({
  endpoint: process.argv[6], region: "us-east-1", forcePathStyle: false,
  credentials: { accessKeyId: process.argv[4], secretAccessKey: process.argv[5] },
  requestHandler: new NodeHttpHandler({ httpAgent: loopback }),
});
const vhostHosts = new Set();
vhost.middlewareStack.add((next) => async (args) => {
  vhostHosts.add(args.request.hostname);
  return next(args);
}, { step: "finalizeRequest", name: "recordHost" });

function check(condition, what) {
  if (!condition) {
    throw new Error("check failed: " + what);
  }
}

async function text(body) {
  return Buffer.from(await body.transformToByteArray()).toString("utf8");
}

async function main() {
  await client.send(new CreateBucketCommand({ Bucket: "jsdk" }));
  const payload = "x".repeat(200000) + "end";
  // a streaming body (the SDK needs its length): the request that got 501 before trailers were understood
  await client.send(new PutObjectCommand({
    Bucket: "jsdk", Key: "streamed", Body: Readable.from([Buffer.from(payload.slice(0, 70000)),
      Buffer.from(payload.slice(70000))]), ContentLength: payload.length, ContentType: "text/plain",
    CacheControl: "max-age=9",
    Metadata: { origin: "js" },
  }));
  const got = await client.send(new GetObjectCommand({ Bucket: "jsdk", Key: "streamed", ChecksumMode: "ENABLED" }));
  check((await text(got.Body)) === payload, "streamed body round trip");
  check(got.ContentType === "text/plain", "content type " + got.ContentType);
  check(got.CacheControl === "max-age=9", "cache control " + got.CacheControl);
  check(got.Metadata.origin === "js", "user metadata");
  check(got.ChecksumCRC32 !== undefined, "the default CRC32 was kept and returned");

  for (const algorithm of ["CRC32", "CRC32C", "SHA1", "SHA256"]) {
    await client.send(new PutObjectCommand({ Bucket: "jsdk", Key: "sum-" + algorithm, Body: "body " + algorithm,
      ChecksumAlgorithm: algorithm }));
    const r = await client.send(new GetObjectCommand({ Bucket: "jsdk", Key: "sum-" + algorithm, ChecksumMode: "ENABLED" }));
    check((await text(r.Body)) === "body " + algorithm, algorithm + " round trip");
    check(r["Checksum" + algorithm] !== undefined, algorithm + " returned");
  }

  const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: "jsdk", Key: "multi",
    ChecksumAlgorithm: "CRC32" }));
  const part1 = Buffer.alloc(5 * 1024 * 1024, 1);
  const part2 = Buffer.from("tail");
  const parts = [];
  for (const [n, body] of [[1, part1], [2, part2]]) {
    const p = await client.send(new UploadPartCommand({ Bucket: "jsdk", Key: "multi", UploadId: upload.UploadId,
      PartNumber: n, Body: body, ChecksumAlgorithm: "CRC32" }));
    parts.push({ PartNumber: n, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 });
  }
  await client.send(new CompleteMultipartUploadCommand({ Bucket: "jsdk", Key: "multi", UploadId: upload.UploadId,
    MultipartUpload: { Parts: parts } }));
  const head = await client.send(new HeadObjectCommand({ Bucket: "jsdk", Key: "multi" }));
  check(head.ContentLength === part1.length + part2.length, "multipart size " + head.ContentLength);

  try {
    await client.send(new GetObjectCommand({ Bucket: "jsdk", Key: "streamed", IfNoneMatch: got.ETag }));
    check(false, "If-None-Match should be 304");
  } catch (e) {
    check(e.$metadata && e.$metadata.httpStatusCode === 304, "304 on If-None-Match, got " + e);
  }
  await client.send(new CopyObjectCommand({ Bucket: "jsdk", Key: "copied", CopySource: "jsdk/streamed" }));
  const listing = await client.send(new ListObjectsV2Command({ Bucket: "jsdk" }));
  check(listing.Contents.map((o) => o.Key).includes("copied"), "listing has the copy");
  await client.send(new DeleteObjectCommand({ Bucket: "jsdk", Key: "copied" }));

  // the same bucket through virtual-host addressing: streaming upload, read back, listing
  await vhost.send(new PutObjectCommand({ Bucket: "jsdk", Key: "by-host/one.txt", Body: "virtual host",
    ContentType: "text/plain", ChecksumAlgorithm: "SHA256" }));
  const byHost = await vhost.send(new GetObjectCommand({ Bucket: "jsdk", Key: "by-host/one.txt", ChecksumMode: "ENABLED" }));
  check((await text(byHost.Body)) === "virtual host", "virtual-host round trip");
  check(byHost.ChecksumSHA256 !== undefined, "virtual-host checksum returned");
  const hostListing = await vhost.send(new ListObjectsV2Command({ Bucket: "jsdk", Prefix: "by-host/" }));
  check(hostListing.Contents.length === 1 && hostListing.Contents[0].Key === "by-host/one.txt",
    "virtual-host listing " + JSON.stringify(hostListing.Contents));
  check(vhostHosts.size === 1 && vhostHosts.has("jsdk." + new URL(process.argv[6]).hostname),
    "the bucket went in the host name: " + [...vhostHosts]);
  const samePath = await client.send(new GetObjectCommand({ Bucket: "jsdk", Key: "by-host/one.txt" }));
  check((await text(samePath.Body)) === "virtual host", "what went in by host reads back by path");
  console.log("ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

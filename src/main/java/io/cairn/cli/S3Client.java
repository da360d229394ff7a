package io.cairn.cli;

import io.cairn.s3.SigV4;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The CLI's S3 client: path-style requests signed with SigV4 (payloads UNSIGNED-PAYLOAD, checked
 * instead by comparing the MD5 ETag), bodies streamed in both directions. S3 error replies become
 * exit 1 with {@code Error: Code: message}; an unreachable endpoint becomes exit 3.
 */
final class S3Client {
  /** Parts for uploads of unknown length (stdin); S3's minimum part is 5 MiB. */
  static final int STREAM_PART_SIZE = 8 << 20;
  private static final String UNSIGNED = "UNSIGNED-PAYLOAD";
  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final int BUFFER = 1 << 20;
  private final S3Options.Resolved target;

  S3Client(S3Options.Resolved target) {
    this.target = target;
  }

  record Bucket(String name, String created) {}

  record ObjectEntry(String key, long size, String lastModified, String etag) {}

  record Listing(List<ObjectEntry> objects, List<String> prefixes) {}

  List<Bucket> listBuckets() {
    Document doc = xml(send("GET", "/", Map.of(), Map.of()));
    List<Bucket> out = new ArrayList<>();
    for (Element b : elements(doc.getDocumentElement(), "Buckets").stream()
        .flatMap(list -> elements(list, "Bucket").stream()).toList()) {
      out.add(new Bucket(text(b, "Name"), text(b, "CreationDate")));
    }
    return out;
  }

  void createBucket(String bucket, boolean publicRead) {
    drain(send("PUT", "/" + bucket, Map.of(), publicRead ? Map.of("x-amz-acl", "public-read") : Map.of()));
  }

  void deleteBucket(String bucket) {
    drain(send("DELETE", "/" + bucket, Map.of(), Map.of()));
  }

  /** Every page of ListObjectsV2, followed by continuation token. */
  Listing list(String bucket, String prefix, String delimiter) {
    List<ObjectEntry> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    String token = null;
    do {
      Map<String, List<String>> query = new TreeMap<>();
      query.put("list-type", List.of("2"));
      if (!prefix.isEmpty()) {
        query.put("prefix", List.of(prefix));
      }
      if (delimiter != null) {
        query.put("delimiter", List.of(delimiter));
      }
      if (token != null) {
        query.put("continuation-token", List.of(token));
      }
      Element root = xml(send("GET", "/" + bucket, query, Map.of())).getDocumentElement();
      for (Element c : elements(root, "Contents")) {
        objects.add(new ObjectEntry(text(c, "Key"), Long.parseLong(text(c, "Size")), text(c, "LastModified"),
            unquote(text(c, "ETag"))));
      }
      for (Element p : elements(root, "CommonPrefixes")) {
        prefixes.add(text(p, "Prefix"));
      }
      token = "true".equals(text(root, "IsTruncated")) ? text(root, "NextContinuationToken") : null;
    } while (token != null);
    return new Listing(objects, prefixes);
  }

  /** HEAD: the object's headers, lower-cased names. */
  Map<String, String> stat(String bucket, String key) {
    HttpURLConnection c = send("HEAD", "/" + bucket + "/" + key, Map.of(), Map.of());
    Map<String, String> headers = headers(c);
    c.disconnect();
    return headers;
  }

  void delete(String bucket, String key) {
    drain(send("DELETE", "/" + bucket + "/" + key, Map.of(), Map.of()));
  }

  /** One streaming PUT of a known length; the returned ETag is checked against the MD5 sent. */
  String put(String bucket, String key, InputStream body, long length, String contentType, Progress progress) {
    MessageDigest md5 = md5();
    HttpURLConnection c = open("PUT", "/" + bucket + "/" + key, Map.of(), contentTypeHeader(contentType), UNSIGNED);
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(length);
    try (OutputStream out = c.getOutputStream()) {
      copy(body, out, md5, progress, length);
    } catch (IOException e) {
      throw failure(c, e);
    }
    String etag = unquote(headers(check(c)).get("etag"));
    c.disconnect();
    String sent = HexFormat.of().formatHex(md5.digest());
    if (!sent.equals(etag)) {
      throw new CliException(CliException.SERVER_REFUSED, List.of("Error: BadDigest: the node stored ETag " + etag
          + " but the bytes sent have MD5 " + sent));
    }
    return etag;
  }

  /**
   * A body of unknown length (stdin): parts of {@link #STREAM_PART_SIZE} as they are read, so memory
   * stays at one part; a body shorter than one part goes up as a plain PUT.
   */
  String putStream(String bucket, String key, InputStream body, String contentType, Progress progress) {
    try {
      byte[] first = body.readNBytes(STREAM_PART_SIZE);
      if (first.length < STREAM_PART_SIZE) {
        return put(bucket, key, new ByteArrayInputStream(first), first.length, contentType, progress);
      }
      String path = "/" + bucket + "/" + key;
      Element created = xml(send("POST", path, Map.of("uploads", List.of("")), contentTypeHeader(contentType)))
          .getDocumentElement();
      String uploadId = text(created, "UploadId");
      List<String> etags = new ArrayList<>();
      try {
        byte[] part = first;
        while (part.length > 0) {
          Map<String, List<String>> query = Map.of("partNumber", List.of(Integer.toString(etags.size() + 1)),
              "uploadId", List.of(uploadId));
          MessageDigest md5 = md5();
          HttpURLConnection c = open("PUT", path, query, Map.of(), UNSIGNED);
          c.setDoOutput(true);
          c.setFixedLengthStreamingMode(part.length);
          try (OutputStream out = c.getOutputStream()) {
            copy(new ByteArrayInputStream(part), out, md5, progress, -1);
          } catch (IOException e) {
            throw failure(c, e);
          }
          String etag = unquote(headers(check(c)).get("etag"));
          c.disconnect();
          if (!HexFormat.of().formatHex(md5.digest()).equals(etag)) {
            throw new CliException(CliException.SERVER_REFUSED, List.of("Error: BadDigest: part " + (etags.size() + 1)
                + " was stored with ETag " + etag + ", not the MD5 of what was sent"));
          }
          etags.add(etag);
          part = body.readNBytes(STREAM_PART_SIZE);
        }
        StringBuilder xml = new StringBuilder("<CompleteMultipartUpload>");
        for (int i = 0; i < etags.size(); i++) {
          xml.append("<Part><PartNumber>").append(i + 1).append("</PartNumber><ETag>\"").append(etags.get(i))
              .append("\"</ETag></Part>");
        }
        byte[] complete = xml.append("</CompleteMultipartUpload>").toString().getBytes(StandardCharsets.UTF_8);
        Element done = xml(sendBody("POST", path, Map.of("uploadId", List.of(uploadId)), complete)).getDocumentElement();
        return unquote(text(done, "ETag"));
      } catch (RuntimeException e) {
        // leave nothing half-made behind: the node would expire it, but an operator should not wait
        try {
          drain(send("DELETE", path, Map.of("uploadId", List.of(uploadId)), Map.of()));
        } catch (CliException ignored) {
          // the original failure is the one to report
        }
        throw e;
      }
    } catch (IOException e) {
      throw CliException.usage("cannot read the input: " + e.getMessage());
    }
  }

  /** GET streamed into {@code out}; a single-part object's bytes are checked against its MD5 ETag. */
  Map<String, String> get(String bucket, String key, OutputStream out, Progress.Factory progress) {
    HttpURLConnection c = send("GET", "/" + bucket + "/" + key, Map.of(), Map.of());
    Map<String, String> headers = headers(c);
    long length = c.getContentLengthLong();
    MessageDigest md5 = md5();
    try (InputStream in = c.getInputStream()) {
      copy(in, out, md5, progress.start(length), length);
    } catch (IOException e) {
      throw failure(c, e);
    } finally {
      c.disconnect();
    }
    String etag = unquote(headers.get("etag"));
    if (etag != null && !etag.contains("-") && !HexFormat.of().formatHex(md5.digest()).equals(etag)) {
      throw new CliException(CliException.SERVER_REFUSED, List.of("Error: BadDigest: the bytes received do not match "
          + "the object's ETag " + etag));
    }
    return headers;
  }

  private static void copy(InputStream in, OutputStream out, MessageDigest md5, Progress progress, long expected)
      throws IOException {
    byte[] buffer = new byte[BUFFER];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
      md5.update(buffer, 0, n);
      total += n;
      progress.advance(n);
    }
    if (expected >= 0 && total != expected) {
      throw new IOException("expected " + expected + " bytes but " + total + " came");
    }
    progress.done();
  }

  private HttpURLConnection send(String method, String path, Map<String, List<String>> query, Map<String, String> headers) {
    HttpURLConnection c = open(method, path, query, headers, EMPTY_SHA256);
    return check(c);
  }

  private HttpURLConnection sendBody(String method, String path, Map<String, List<String>> query, byte[] body) {
    HttpURLConnection c = open(method, path, query, Map.of("content-type", "application/xml"),
        HexFormat.of().formatHex(sha256(body)));
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(body.length);
    try (OutputStream out = c.getOutputStream()) {
      out.write(body);
    } catch (IOException e) {
      throw failure(c, e);
    }
    return check(c);
  }

  private HttpURLConnection open(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
      String payloadHash) {
    URI endpoint = target.endpoint();
    String host = endpoint.getPort() < 0 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
    Map<String, String> signed = SigV4.sign(method, host, path, query, headers, payloadHash, target.accessKeyId(),
        target.secretAccessKey(), target.region(), Instant.now());
    StringBuilder url = new StringBuilder(endpoint.toString()).append(SigV4.uriEncode(path, false));
    char sep = '?';
    for (Map.Entry<String, List<String>> q : new TreeMap<>(query).entrySet()) {
      for (String v : q.getValue()) {
        url.append(sep).append(SigV4.uriEncode(q.getKey(), true)).append('=').append(SigV4.uriEncode(v, true));
        sep = '&';
      }
    }
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url.toString()).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(5_000);
      c.setReadTimeout(120_000);
      signed.forEach(c::setRequestProperty);
      return c;
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private HttpURLConnection check(HttpURLConnection c) {
    try {
      int status = c.getResponseCode();
      if (status < 300) {
        return c;
      }
      byte[] body = c.getErrorStream() == null ? new byte[0] : c.getErrorStream().readAllBytes();
      c.disconnect();
      throw refused(status, body);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** An upload cut short: the node's error reply if it sent one, else the connection failure. */
  private CliException failure(HttpURLConnection c, IOException e) {
    try {
      check(c);
    } catch (CliException refused) {
      return refused;
    }
    return unreachable(e);
  }

  static CliException refused(int status, byte[] body) {
    String code = "HTTP_" + status;
    String message = switch (status) {
      case 403 -> "access denied";
      case 404 -> "not found";
      default -> "the request failed";
    };
    if (body.length > 0) {
      try {
        Element root = parse(body).getDocumentElement();
        code = text(root, "Code") != null ? text(root, "Code") : code;
        message = text(root, "Message") != null ? text(root, "Message") : message;
      } catch (RuntimeException e) {
        // not S3 XML: keep the status-derived text
      }
    }
    return new CliException(CliException.SERVER_REFUSED, List.of("Error: " + code + ": " + message));
  }

  private CliException unreachable(IOException e) {
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    return new CliException(CliException.UNREACHABLE, List.of("Error: cannot reach the S3 endpoint at "
        + target.endpoint() + " (" + why + "); set --endpoint or CAIRN_S3_ENDPOINT"));
  }

  private static Map<String, String> contentTypeHeader(String contentType) {
    return contentType == null ? Map.of() : Map.of("content-type", contentType);
  }

  private static Map<String, String> headers(HttpURLConnection c) {
    Map<String, String> out = new LinkedHashMap<>();
    c.getHeaderFields().forEach((k, v) -> {
      if (k != null && !v.isEmpty()) {
        out.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0));
      }
    });
    return out;
  }

  private void drain(HttpURLConnection c) {
    try (InputStream in = c.getInputStream()) {
      in.readAllBytes();
    } catch (IOException e) {
      throw unreachable(e);
    } finally {
      c.disconnect();
    }
  }

  private Document xml(HttpURLConnection c) {
    try (InputStream in = c.getInputStream()) {
      return parse(in.readAllBytes());
    } catch (IOException e) {
      throw unreachable(e);
    } finally {
      c.disconnect();
    }
  }

  private static Document parse(byte[] body) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return f.newDocumentBuilder().parse(new ByteArrayInputStream(body));
    } catch (ParserConfigurationException | SAXException | IOException e) {
      throw new CliException(CliException.SERVER_REFUSED, List.of("Error: the S3 endpoint sent a reply that is not XML"));
    }
  }

  private static List<Element> elements(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
        out.add((Element) nodes.item(i));
      }
    }
    return out;
  }

  private static String text(Element parent, String name) {
    List<Element> found = elements(parent, name);
    return found.isEmpty() ? null : found.get(0).getTextContent();
  }

  private static String unquote(String etag) {
    return etag == null ? null : etag.replace("\"", "");
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(byte[] body) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(body);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.cairn.s3;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the S3 front end answers: empty, XML, or an S3 error document. */
final class S3Replies {
  private static final Logger LOG = LoggerFactory.getLogger(S3Replies.class);
  static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private S3Replies() {}

  static Future<Void> empty(HttpServerRequest req, int status) {
    return req.response().setStatusCode(status).end();
  }

  static Future<Void> xml(HttpServerRequest req, int status, String body) {
    return req.response().setStatusCode(status).putHeader("Content-Type", "application/xml").end(body);
  }

  static <T> Future<T> notImplemented() {
    return Future.failedFuture(new S3Exception(501, "NotImplemented", "this operation is not implemented yet"));
  }

  static void fail(HttpServerRequest req, S3Exception e, String resource, String requestId) {
    HttpServerResponse resp = req.response();
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    if (e.status() >= 500 && !e.code().equals("SlowDown")) { // a flood of SlowDowns is counted, not logged
      LOG.warn("s3 {} {} {} {}", kv("requestId", requestId), kv("code", e.code()), kv("path", resource),
          kv("error", e.getMessage()));
    }
    resp.setStatusCode(e.status());
    if (e.status() == 304) { // not an error document: a conditional GET that found nothing new
      resp.end();
      return;
    }
    resp.putHeader("Content-Type", "application/xml");
    if (!req.isEnded()) {
      resp.putHeader("Connection", "close"); // the unread body is not worth draining
    }
    if (req.method() == HttpMethod.HEAD) {
      resp.end();
    } else {
      resp.end(S3Xml.error(e.code(), e.getMessage(), resource, requestId));
    }
    if (!req.isEnded()) {
      req.resume();
    }
  }
}

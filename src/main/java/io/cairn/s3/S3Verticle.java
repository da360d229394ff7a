package io.cairn.s3;

import io.cairn.objects.ChunkPlacement;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The S3 front end on its own port: decodes the addressing (path style, or virtual-host style under
 * {@code s3.domain}), authenticates with SigV4 and hands the request to {@link S3Dispatcher}, whose
 * operation classes talk to the storage component through {@link ObjectStoreClient}. No storage
 * logic here.
 */
public final class S3Verticle extends VerticleBase {
  /** The configured key pair, the listener and limits. {@code domain}: empty for path style only. */
  public record Settings(String host, int port, String region, String domain, String accessKeyId,
      String secretAccessKey, int chunkSize, Duration timeout) {}

  private final Settings settings;
  private final ChunkPlacement placement;
  private final io.cairn.net.ConnectionGuard guard;
  private HttpServer server;
  private io.cairn.net.ConnectionGuard.Attached guarded;
  private S3Dispatcher dispatcher;
  private final S3Denials denials;
  private final io.cairn.net.RateLimits limits;

  /**
   * {@code denials}: shared with the API, so refusals are counted per source across both ports;
   * {@code limits}: this port's own request rate limits.
   */
  public S3Verticle(Settings settings, ChunkPlacement placement, io.cairn.net.ConnectionGuard guard,
      io.cairn.events.AuthDenials denials, io.cairn.net.RateLimits limits) {
    this.denials = new S3Denials(denials);
    this.limits = limits;
    this.settings = settings;
    this.placement = placement;
    this.guard = guard;
  }

  @Override
  public Future<?> start() {
    ObjectStoreClient store = new ObjectStoreClient(vertx, settings.timeout());
    S3Bodies bodies = new S3Bodies(vertx, placement, settings.chunkSize(), settings.timeout());
    dispatcher = new S3Dispatcher(store,
        new BucketOperations(store, bodies, settings.accessKeyId(), settings.region()),
        new ObjectOperations(vertx, store, bodies, placement, settings.timeout()),
        new MultipartOperations(store, bodies,
            new PartCopy(vertx, placement, bodies.buffers(), settings.timeout())));
    server = vertx.createHttpServer(guard.options(new HttpServerOptions().setHost(settings.host())
        .setPort(settings.port())));
    guarded = guard.attach(vertx, server, this::handle);
    return server.requestHandler(guarded.handler()).invalidRequestHandler(S3Limits::invalidRequest).listen();
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (guarded != null) {
      guarded.close().run();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(Duration.ofSeconds(10).toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void handle(HttpServerRequest req) {
    // an object upload's body waits until its chunker is attached; other bodies are read (or ignored) as usual
    if (req.method() == HttpMethod.PUT) {
      req.pause();
    }
    String requestId = Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase(Locale.ROOT);
    req.response().putHeader("x-amz-request-id", requestId).putHeader("Server", "Cairn");
    // the source pays before the signature is checked, so a flood of bad signatures costs little
    if (slowedDown(req, limits.bySource(req.remoteAddress()), requestId)) {
      return;
    }
    S3Target t = null;
    SigV4.Verified auth;
    try {
      t = S3Target.parse(req.path(), req.query(), req.getHeader("Host"), settings.domain(), requestId);
      S3Limits.checkKey(t.key());
      boolean anonymous = req.getHeader("Authorization") == null && !t.has("X-Amz-Signature");
      auth = anonymous ? null : SigV4.verify(new SigV4.Request(req.method().name(), S3Target.decodePath(req.path()),
          t.query(), req.headers()), settings.accessKeyId(), settings.secretAccessKey(), settings.region(), Instant.now());
    } catch (S3Exception e) {
      denials.record(req, t == null ? null : t.query(), e, requestId);
      S3Replies.fail(req, e, req.path(), requestId);
      return;
    }
    if (auth != null && slowedDown(req, limits.byCredential("access key", auth.accessKeyId()), requestId)) {
      return;
    }
    if (auth != null && "100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      // the signature is good: ask for the body now rather than let the client wait out its timeout
      // (curl, botocore and the JDK wait about a second before sending it anyway)
      req.response().writeContinue();
    }
    Future<Void> handled;
    try {
      handled = auth == null ? dispatcher.anonymous(req, t) : dispatcher.dispatch(req, t, auth);
    } catch (RuntimeException e) { // a check that threw before any asynchronous step
      handled = Future.failedFuture(e);
    }
    S3Target target = t;
    handled.onFailure(e -> {
      S3Exception failure = S3Exception.from(e);
      denials.record(req, target.query(), failure, requestId);
      S3Replies.fail(req, failure, req.path(), requestId);
    });
  }

  /** Answers 503 SlowDown, as S3 does, when {@code refusal} is there: S3 clients back off and retry it. */
  private static boolean slowedDown(HttpServerRequest req, java.util.Optional<io.cairn.net.RateLimits.Refusal> refusal,
      String requestId) {
    refusal.ifPresent(r -> {
      req.response().putHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
      S3Replies.fail(req, S3Exception.slowDown(r.message()), req.path(), requestId);
    });
    return refusal.isPresent();
  }
}

package io.cairn.acl;

import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A front end's copy of the tokens, for checking a request without a round trip: loaded once,
 * then kept current from {@link AclBus#CHANGED}. A token reads {@code <id>.<secret>}; the secret's
 * hash is compared in constant time with the stored one.
 */
public final class Tokens {
  /** A known token and its stored hash as bytes (decoded once, not per request). */
  private record Known(AclToken token, byte[] hash) {
    static Known of(AclToken t) {
      return new Known(t, HexFormat.of().parseHex(t.secretHash()));
    }
  }

  private final Map<String, Known> byId = new ConcurrentHashMap<>();
  private MessageConsumer<AclBus.Changed> consumer;

  public Future<Void> start(Vertx vertx, Duration timeout) {
    consumer = vertx.eventBus().consumer(AclBus.CHANGED, m -> {
      if (m.body().revoked()) {
        byId.remove(m.body().token().id());
      } else {
        byId.put(m.body().token().id(), Known.of(m.body().token()));
      }
    });
    return consumer.completion()
        .compose(v -> Bus.<AclBus.Tokens>request(vertx, AclBus.LIST, new AclBus.ListTokens(), timeout, null))
        .onSuccess(all -> all.tokens().forEach(t -> byId.putIfAbsent(t.id(), Known.of(t))))
        .mapEmpty();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * The role of the token in an {@code Authorization} header (or gRPC {@code authorization}
   * metadata); UNAUTHENTICATED when there is none or it is not a live token (unknown, revoked or expired).
   */
  public AclToken authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new CairnException(ErrorCode.UNAUTHENTICATED,
          "this node requires a token: send Authorization: Bearer <token> (cairn --token, CAIRN_TOKEN)");
    }
    String value = authorization.strip();
    if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new CairnException(ErrorCode.UNAUTHENTICATED, "the Authorization header must be 'Bearer <token>'");
    }
    String token = value.substring(7).strip();
    int dot = token.indexOf('.');
    Known known = dot > 0 ? byId.get(token.substring(0, dot)) : null;
    // hash even when the id is unknown, so the answer takes the same time either way
    byte[] given = hashBytes(dot > 0 ? token.substring(dot + 1) : token);
    byte[] stored = known == null ? new byte[given.length] : known.hash();
    if (!MessageDigest.isEqual(given, stored) || known == null) {
      throw new CairnException(ErrorCode.UNAUTHENTICATED, "the token is not valid: unknown or revoked");
    }
    if (known.token().expired(System.currentTimeMillis())) {
      throw new CairnException(ErrorCode.UNAUTHENTICATED, "the token expired");
    }
    return known.token();
  }

  /** Fails with PERMISSION_DENIED naming the role needed when {@code token}'s role is below it. */
  public static void require(AclToken token, Role needed) {
    if (!token.role().allows(needed)) {
      throw new CairnException(ErrorCode.PERMISSION_DENIED, "this needs the " + needed + " role; the token '"
          + token.name() + "' has " + token.role());
    }
  }

  static String format(String id, String secret) {
    return id + "." + secret;
  }

  static String hash(String secret) {
    return HexFormat.of().formatHex(hashBytes(secret));
  }

  /** One digest per thread: every request hashes its token, and looking the algorithm up cost more than hashing. */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private static byte[] hashBytes(String secret) {
    return SHA_256.get().digest(secret.getBytes(StandardCharsets.UTF_8)); // digest() also resets it
  }
}

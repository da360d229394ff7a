package io.cairn.acl;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns API tokens (anchor: Nomad ACLs): the one bootstrap token, creation with a role and an
 * optional time to live, listing, revocation. Tokens are stored only as hashes in the state store
 * ({@code acl_tokens}, so a cluster can later replicate them); each change is published so the
 * front ends' copies follow at once.
 */
public final class AclVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AclVerticle.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Duration timeout;
  private final Map<String, AclToken> tokens = new LinkedHashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private StorageClient storage;
  private boolean bootstrapping;

  public AclVerticle(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public Future<?> start() {
    storage = new StorageClient(vertx, timeout);
    return storage.<AclToken>scanAll(Table.ACL_TOKENS, "").onSuccess(stored -> {
      stored.forEach(t -> tokens.put(t.id(), t));
      consumers.add(Bus.serveAsync(vertx, AclBus.BOOTSTRAP, (AclBus.Bootstrap m, String rid) -> bootstrap(rid)));
      consumers.add(Bus.serveAsync(vertx, AclBus.CREATE, (AclBus.Create m, String rid) ->
          create(m.name(), m.role(), m.ttlMillis(), rid)));
      consumers.add(Bus.serve(vertx, AclBus.LIST, (AclBus.ListTokens m) -> new AclBus.Tokens(List.copyOf(tokens.values()))));
      consumers.add(Bus.serveAsync(vertx, AclBus.REVOKE, (AclBus.Revoke m, String rid) -> revoke(m.id(), rid)));
    });
  }

  private Future<AclBus.Created> bootstrap(String requestId) {
    if (!tokens.isEmpty() || bootstrapping) {
      return Future.failedFuture(new CairnException(ErrorCode.CONFLICT,
          "ACLs are already bootstrapped: create tokens with an admin token"));
    }
    bootstrapping = true;
    return create("bootstrap", Role.admin, 0, requestId).onFailure(e -> bootstrapping = false);
  }

  private Future<AclBus.Created> create(String name, Role role, long ttlMillis, String requestId) {
    String id = HexFormat.of().formatHex(bytes(8));
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
    long now = System.currentTimeMillis();
    AclToken token = new AclToken(id, name, role, Tokens.hash(secret), now, ttlMillis > 0 ? now + ttlMillis : 0);
    return storage.write(List.of(new Mutation.Put(Table.ACL_TOKENS, id, token)),
            List.of(Event.of(EventTypes.TOKEN_CREATED, Event.Severity.Info, null, null,
                "token " + id + " (" + name + ", " + role + ")", requestId)), requestId)
        .map(v -> {
          tokens.put(id, token);
          vertx.eventBus().publish(AclBus.CHANGED, new AclBus.Changed(token, false));
          LOG.info("token created {} {} {}", kv("token", id), kv("role", role), kv("requestId", requestId));
          return new AclBus.Created(token, Tokens.format(id, secret));
        });
  }

  private Future<AclToken> revoke(String id, String requestId) {
    AclToken token = tokens.get(id);
    if (token == null) {
      return Future.failedFuture(CairnException.notFound("token", id));
    }
    return storage.write(List.of(new Mutation.Delete(Table.ACL_TOKENS, id)),
            List.of(Event.of(EventTypes.TOKEN_REVOKED, Event.Severity.Info, null, null,
                "token " + id + " (" + token.name() + ")", requestId)), requestId)
        .map(v -> {
          tokens.remove(id);
          vertx.eventBus().publish(AclBus.CHANGED, new AclBus.Changed(token, true));
          LOG.info("token revoked {} {}", kv("token", id), kv("requestId", requestId));
          return token;
        });
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

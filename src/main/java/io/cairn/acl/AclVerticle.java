package io.cairn.acl;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns API tokens (anchor: Nomad ACLs): the one bootstrap token, creation with a role and an
 * optional time to live, listing, revocation. Tokens are stored only as hashes in the replicated
 * table {@code acl_tokens}; this node's view follows every command the log applies here (whichever
 * node wrote it), and each change is published so the front ends' copies follow at once.
 */
public final class AclVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AclVerticle.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALREADY = "ACLs are already bootstrapped: create tokens with an admin token";

  private final Duration timeout;
  private final TokenView view = new TokenView();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private StorageClient storage;
  /** Non-null while the table is being (re)read: applied commands wait here meanwhile. */
  private List<StorageBus.Applied> pending;
  /** A snapshot was installed during a read: read again. */
  private boolean readAgain;

  public AclVerticle(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public Future<?> start() {
    storage = new StorageClient(vertx, timeout);
    MessageConsumer<StorageBus.Applied> applied = vertx.eventBus().consumer(StorageBus.APPLIED, m -> applied(m.body()));
    consumers.add(applied);
    return applied.completion().compose(v -> load()).onSuccess(v -> {
      consumers.add(Bus.serveAsync(vertx, AclBus.BOOTSTRAP, (AclBus.Bootstrap m, String rid) -> bootstrap(rid)));
      consumers.add(Bus.serveAsync(vertx, AclBus.CREATE, (AclBus.Create m, String rid) ->
          issue(m.name(), m.role(), m.ttlMillis(), false, rid)));
      consumers.add(Bus.serve(vertx, AclBus.LIST, (AclBus.ListTokens m) -> new AclBus.Tokens(view.all())));
      consumers.add(Bus.serveAsync(vertx, AclBus.REVOKE, (AclBus.Revoke m, String rid) -> revoke(m.id(), rid)));
    });
  }

  /** One command applied on this node, in log order: the one source that keeps every node's view alike. */
  private void applied(StorageBus.Applied applied) {
    if (pending != null) {
      if (applied.reload()) {
        readAgain = true;
      } else {
        pending.add(applied);
      }
    } else if (applied.reload()) {
      reload();
    } else {
      applied.changes().forEach(c -> publish(view.take(c)));
    }
  }

  /** A snapshot replaced the tables: read them again, until that succeeds (the view is stale meanwhile). */
  private void reload() {
    load().onFailure(e -> {
      LOG.warn("re-reading tokens after a snapshot failed, again in 1 s: {}", e.getMessage());
      vertx.setTimer(1000, t -> {
        if (pending == null) {
          reload();
        }
      });
    });
  }

  /** Reads the table and the marker; commands applied meanwhile are taken after, by their index. */
  private Future<Void> load() {
    pending = new ArrayList<>();
    readAgain = false;
    return storage.<AclToken>scanEntries(Table.ACL_TOKENS, "")
        .compose(stored -> storage.<Bootstrapped>get(Table.ACL_BOOTSTRAP, Bootstrapped.KEY).compose(marker -> {
          if (readAgain) {
            return load();
          }
          List<StorageBus.Applied> since = pending;
          pending = null;
          view.reload(stored, marker.isPresent(), since).forEach(this::publish);
          return Future.<Void>succeededFuture();
        }))
        .onFailure(e -> pending = null);
  }

  /** The management token, once per cluster: the log lets one bootstrap through, the marker's expectation refuses the rest. */
  private Future<AclBus.Created> bootstrap(String requestId) {
    if (view.bootstrapped()) {
      return Future.failedFuture(new CairnException(ErrorCode.CONFLICT, ALREADY));
    }
    return issue("bootstrap", Role.admin, 0, true, requestId).recover(e ->
        Future.failedFuture(e instanceof CairnException ce && ce.code() == ErrorCode.CONFLICT
            ? new CairnException(ErrorCode.CONFLICT, ALREADY) : e));
  }

  private Future<AclBus.Created> issue(String name, Role role, long ttlMillis, boolean bootstrap, String requestId) {
    String id = HexFormat.of().formatHex(bytes(8));
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
    long now = System.currentTimeMillis();
    AclToken token = new AclToken(id, name, role, Tokens.hash(secret), now, ttlMillis > 0 ? now + ttlMillis : 0);
    List<Mutation> mutations = new ArrayList<>(List.of(new Mutation.Put(Table.ACL_TOKENS, id, token)));
    List<LogCommand.Expect> expect = new ArrayList<>();
    if (bootstrap) {
      mutations.add(new Mutation.Put(Table.ACL_BOOTSTRAP, Bootstrapped.KEY, new Bootstrapped(id, now)));
      expect.add(new LogCommand.Expect(Table.ACL_BOOTSTRAP, Bootstrapped.KEY, 0));
    }
    return storage.write(mutations, List.of(Event.of(EventTypes.TOKEN_CREATED, Event.Severity.Info, null, null,
            "token " + id + " (" + name + ", " + role + ")", requestId)), 0, expect, requestId)
        .map(written -> {
          publish(view.take(id, token, written.logIndex()));
          LOG.info("token created {} {} {}", kv("token", id), kv("role", role), kv("requestId", requestId));
          return new AclBus.Created(token, Tokens.format(id, secret));
        });
  }

  private Future<AclToken> revoke(String id, String requestId) {
    AclToken token = view.get(id);
    if (token == null) {
      return Future.failedFuture(CairnException.notFound("token", id));
    }
    return storage.write(List.of(new Mutation.Delete(Table.ACL_TOKENS, id)),
            List.of(Event.of(EventTypes.TOKEN_REVOKED, Event.Severity.Info, null, null,
                "token " + id + " (" + token.name() + ")", requestId)), requestId)
        .map(written -> {
          publish(view.take(id, null, written.logIndex()));
          LOG.info("token revoked {} {}", kv("token", id), kv("requestId", requestId));
          return token;
        });
  }

  private void publish(AclBus.Changed changed) {
    if (changed != null) {
      vertx.eventBus().publish(AclBus.CHANGED, changed);
    }
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

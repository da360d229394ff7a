package io.cairn.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.acl.AclBus;
import io.cairn.acl.AclToken;
import io.cairn.acl.Role;
import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.Durations;
import io.cairn.model.FieldError;
import io.cairn.model.FieldErrors;
import io.cairn.workload.WorkloadJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** {@code /api/v1/acl}: bootstrap, create, list and revoke tokens. Who may call is the authorizer's. */
final class AclRoutes {
  private static final Duration MAX_TTL = Duration.ofDays(3650);
  private final Vertx vertx;
  private final Duration timeout;

  AclRoutes(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  void mount(Router router) {
    router.post("/api/v1/acl/bootstrap").handler(this::bootstrap);
    router.post("/api/v1/acl/tokens").handler(this::create);
    router.get("/api/v1/acl/tokens").handler(this::list);
    router.delete("/api/v1/acl/tokens/:id").handler(this::revoke);
  }

  private void bootstrap(RoutingContext ctx) {
    this.<AclBus.Created>ask(ctx, AclBus.BOOTSTRAP, new AclBus.Bootstrap())
        .onSuccess(c -> WorkloadRoutes.reply(ctx, 201, render(c.token()).put("secret", c.secret())))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void create(RoutingContext ctx) {
    AclBus.Create request = createRequest(Bodies.read(ctx));
    this.<AclBus.Created>ask(ctx, AclBus.CREATE, request)
        .onSuccess(c -> WorkloadRoutes.reply(ctx, 201, render(c.token()).put("secret", c.secret())))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private static AclBus.Create createRequest(JsonNode body) {
    List<FieldError> errors = new FieldErrors();
    if (!body.isObject()) {
      throw CairnException.invalid(List.of(new FieldError("body", "must be an object like {\"name\":\"ci\",\"role\":\"operator\"}")));
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("name", "role", "ttl").contains(f)) {
        errors.add(new FieldError(f, "unknown field"));
      }
    }
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank() || name.asText().length() > 128
        || name.asText().chars().anyMatch(Character::isISOControl)) {
      errors.add(new FieldError("name", "is required: 1 to 128 printable characters"));
    }
    Role role = body.path("role").isTextual() ? Role.parse(body.path("role").asText()) : null;
    if (role == null) {
      errors.add(new FieldError("role", "must be one of reader, operator, admin"));
    }
    long ttl = 0;
    JsonNode t = body.get("ttl");
    if (t != null && !t.isNull()) {
      try {
        Duration d = Durations.parse(t.asText());
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_TTL) > 0) {
          errors.add(new FieldError("ttl", "must be more than 0 and at most 3650d"));
        }
        ttl = d.toMillis();
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("ttl", e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      throw CairnException.invalid(errors);
    }
    return new AclBus.Create(name.asText().strip(), role, ttl);
  }

  private void list(RoutingContext ctx) {
    this.<AclBus.Tokens>ask(ctx, AclBus.LIST, new AclBus.ListTokens())
        .onSuccess(all -> {
          JsonArray items = new JsonArray();
          all.tokens().forEach(tok -> items.add(render(tok)));
          WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", items).put("nextPageToken", ""));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void revoke(RoutingContext ctx) {
    this.<AclToken>ask(ctx, AclBus.REVOKE, new AclBus.Revoke(ctx.pathParam("id")))
        .onSuccess(tok -> WorkloadRoutes.reply(ctx, 200, render(tok)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /** A token as clients see it: never its hash. */
  static JsonObject render(AclToken t) {
    return new JsonObject().put("id", t.id()).put("name", t.name()).put("role", t.role().name())
        .put("createdAt", WorkloadJson.time(t.createdAt()))
        .put("expiresAt", t.expiresAt() > 0 ? WorkloadJson.time(t.expiresAt()) : null);
  }

  private <T> Future<T> ask(RoutingContext ctx, String address, Object message) {
    return Bus.request(vertx, address, message, timeout, RequestIds.of(ctx));
  }
}

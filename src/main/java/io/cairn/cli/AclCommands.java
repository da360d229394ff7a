package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.model.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn acl bootstrap} and {@code cairn token create|list|revoke} (anchor: Nomad's acl commands). */
public final class AclCommands {
  private AclCommands() {}

  @Command(name = "acl", description = "Access control: create the first (management) token.", mixinStandardHelpOptions = true,
      subcommands = {Bootstrap.class})
  public static final class Acl {}

  @Command(name = "bootstrap", description = "Create the admin token, once; prints its secret, which is shown only now.")
  static final class Bootstrap implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      print(client, client.http().post("/api/v1/acl/bootstrap", "{}").body());
      return 0;
    }
  }

  @Command(name = "token", description = "API tokens (admin role).", mixinStandardHelpOptions = true,
      subcommands = {Create.class, ListTokens.class, Revoke.class})
  public static final class Token {}

  @Command(name = "create", description = "Create a token with a role; prints its secret, shown only now.")
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "reader, operator or admin.")
    String role;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "What the token is for.")
    String name;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "Expire after this long, e.g. 24h (default: never).")
    String ttl;

    @Override
    public Integer call() {
      ObjectNode body = Json.MAPPER.createObjectNode().put("name", name).put("role", role);
      if (ttl != null) {
        body.put("ttl", ttl);
      }
      print(client, client.http().post("/api/v1/acl/tokens", body.toString()).body());
      return 0;
    }
  }

  @Command(name = "list", description = "Tokens (never their secrets).")
  static final class ListTokens implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode page = client.http().get("/api/v1/acl/tokens").body();
      if (client.format() != Output.Format.table) {
        Output.document(Cli.out(), client.format(), page);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      Instant now = Instant.now();
      for (JsonNode t : page.path("items")) {
        rows.add(List.of(t.path("id").asText(), t.path("name").asText(), t.path("role").asText(),
            Output.age(t.path("createdAt").asText(null), now),
            t.path("expiresAt").isTextual() ? t.path("expiresAt").asText() : "never"));
      }
      Output.table(Cli.out(), List.of("ID", "NAME", "ROLE", "AGE", "EXPIRES"), rows);
      return 0;
    }
  }

  @Command(name = "revoke", description = "Revoke a token by its id.")
  static final class Revoke implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "ID", description = "The token's id (the part before the dot).")
    String id;

    @Override
    public Integer call() {
      client.http().delete("/api/v1/acl/tokens/" + id);
      Cli.out().println("revoked " + id);
      return 0;
    }
  }

  /** A created token: the secret on its own line in table form, so scripts can take it. */
  private static void print(ClientOptions client, JsonNode created) {
    if (client.format() != Output.Format.table) {
      Output.document(Cli.out(), client.format(), created);
      return;
    }
    Cli.out().println("id:     " + created.path("id").asText());
    Cli.out().println("name:   " + created.path("name").asText());
    Cli.out().println("role:   " + created.path("role").asText());
    Cli.out().println("secret: " + created.path("secret").asText());
  }
}

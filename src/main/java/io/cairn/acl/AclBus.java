package io.cairn.acl;

import io.cairn.bus.Addresses;
import java.util.List;

/**
 * The acl component's addresses and messages. Front ends verify tokens themselves from a copy
 * they keep: {@code list} once at start, then every change as it is {@code changed} (published).
 */
public final class AclBus {
  public static final Addresses ADDRESSES = new Addresses("acl");
  /**
   * Reply: {@link Created} with the management token, once per cluster: CONFLICT once any node
   * bootstrapped (the log refuses a second marker) or, in a store from before the marker, tokens exist.
   */
  public static final String BOOTSTRAP = ADDRESSES.local("bootstrap");
  /** {@link Create} -> {@link Created}. */
  public static final String CREATE = ADDRESSES.local("create");
  /** {@link ListTokens} -> {@link Tokens} (hashes included: for front ends' copies only). */
  public static final String LIST = ADDRESSES.local("list");
  /** {@link Revoke} -> the revoked {@link AclToken}, or NOT_FOUND. */
  public static final String REVOKE = ADDRESSES.local("revoke");
  /** Published {@link Changed}: a token was created or revoked, through this node or any other. */
  public static final String CHANGED = ADDRESSES.local("changed");

  private AclBus() {}

  public record Bootstrap() {}

  /** {@code ttlMillis} 0: does not expire. */
  public record Create(String name, Role role, long ttlMillis) {}

  /** The stored token and, this once, its secret in the form clients send. */
  public record Created(AclToken token, String secret) {}

  public record ListTokens() {}

  public record Tokens(List<AclToken> tokens) {}

  public record Revoke(String id) {}

  /** {@code revoked}: the token is gone; otherwise it is new. */
  public record Changed(AclToken token, boolean revoked) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Bootstrap.class, Create.class, Created.class,
      ListTokens.class, Tokens.class, Revoke.class, Changed.class, AclToken.class);
}

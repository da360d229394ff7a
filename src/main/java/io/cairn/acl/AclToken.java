package io.cairn.acl;

/**
 * One API token as stored: never the secret, only its SHA-256 ({@code secretHash}, hex). The id
 * (accessor) is public and names the token in lists and revocation; {@code expiresAt} 0 = never.
 */
public record AclToken(String id, String name, Role role, String secretHash, long createdAt, long expiresAt) {
  public boolean expired(long now) {
    return expiresAt > 0 && now >= expiresAt;
  }
}

package io.cairn.acl;

/**
 * The mark that ACLs were bootstrapped (state table {@code acl_bootstrap}, one entry): written in
 * the same log command as the management token, which expects it absent, so the log lets exactly
 * one bootstrap through per cluster. Revoking that token does not remove it.
 */
public record Bootstrapped(String tokenId, long at) {
  /** The marker's one key. */
  public static final String KEY = "acl";
}

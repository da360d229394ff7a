package io.cairn.acl;

import java.util.Locale;

/**
 * What a token may do, each role including the ones below it (anchor: Kubernetes' view / edit /
 * admin cluster roles): reader sees everything (env values redacted), operator also changes
 * workloads, tasks and objects, admin also manages tokens and the node.
 */
public enum Role {
  reader, operator, admin;

  public boolean allows(Role needed) {
    return compareTo(needed) >= 0;
  }

  public static Role parse(String raw) {
    try {
      return Role.valueOf(raw.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }
}

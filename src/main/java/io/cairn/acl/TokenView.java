package io.cairn.acl;

import io.cairn.state.Entry;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * This node's view of the replicated token table, as the log applies it. Each change is taken by
 * its log index: one seen twice (a write's own return and its applied command) counts once, and
 * an older one never undoes a newer one. Each method answers what the front ends must hear.
 */
final class TokenView {
  private final Map<String, AclToken> tokens = new LinkedHashMap<>();
  /** token id -> log index of the newest change taken, deletions included. */
  private final Map<String, Long> takenAt = new HashMap<>();
  private boolean marked;

  AclToken get(String id) {
    return tokens.get(id);
  }

  List<AclToken> all() {
    return List.copyOf(tokens.values());
  }

  /** The marker was applied, or tokens exist (a store from before the marker: bootstrapped all the same). */
  boolean bootstrapped() {
    return marked || !tokens.isEmpty();
  }

  /** One change of an applied command; null when it changes nothing here. */
  AclBus.Changed take(StorageBus.Change c) {
    if (c.table() == Table.ACL_BOOTSTRAP) {
      marked |= c.value() != null;
      return null;
    }
    return c.table() == Table.ACL_TOKENS ? take(c.key(), (AclToken) c.value(), c.logIndex()) : null;
  }

  /** Token {@code id} became {@code token} (null: revoked) at log index {@code index}. */
  AclBus.Changed take(String id, AclToken token, long index) {
    Long held = takenAt.get(id);
    if (held != null && held >= index) {
      return null;
    }
    takenAt.put(id, index);
    if (token == null) {
      AclToken gone = tokens.remove(id);
      return gone == null ? null : new AclBus.Changed(gone, true);
    }
    AclToken before = tokens.put(id, token);
    return token.equals(before) ? null : new AclBus.Changed(token, false);
  }

  /**
   * Replaces the view with the table as read and the commands applied since the read was asked
   * for (each by its index, so those the read already saw change nothing); answers the net
   * differences from the view before.
   */
  List<AclBus.Changed> reload(List<Entry<AclToken>> stored, boolean marker, List<StorageBus.Applied> since) {
    Map<String, AclToken> before = new LinkedHashMap<>(tokens);
    tokens.clear();
    takenAt.clear();
    marked = marker;
    stored.forEach(e -> take(e.key(), e.value(), e.logIndex()));
    since.forEach(a -> a.changes().forEach(this::take));
    List<AclBus.Changed> changed = new ArrayList<>();
    before.forEach((id, t) -> {
      if (!tokens.containsKey(id)) {
        changed.add(new AclBus.Changed(t, true));
      }
    });
    tokens.forEach((id, t) -> {
      if (!Objects.equals(before.get(id), t)) {
        changed.add(new AclBus.Changed(t, false));
      }
    });
    return changed;
  }
}

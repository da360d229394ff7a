package io.cairn.cluster;

import java.io.IOException;

/**
 * The leader refused a proposed log entry: it does not decode as Cairn log commands, or it breaks a
 * rule no honest proposer breaks ({@link FenceAboveTermException}); nothing was written. A Ratis
 * client gets it as the cause of a {@code StateMachineException} (Ratis rebuilds it from its class
 * name and message, hence the public one-argument constructor).
 */
public class RefusedEntryException extends IOException {
  public RefusedEntryException(String message) {
    super(message);
  }
}

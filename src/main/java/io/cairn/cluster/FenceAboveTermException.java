package io.cairn.cluster;

/**
 * The leader refused a proposed log entry because a command in it carries a fence term above the
 * leader's own term: forged, or (a narrow race) proposed by a node whose status read paired its
 * leadership with the next term before an election ended. Nothing was written; an honest writer
 * reads again and retries.
 */
public final class FenceAboveTermException extends RefusedEntryException {
  public FenceAboveTermException(String message) {
    super(message);
  }
}

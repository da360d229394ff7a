package io.cairn.bus;

/**
 * Derives a component's event-bus addresses: {@code cairn.<component>.<op>} for the local service
 * and {@code cairn.node.<nodeId>.<component>.<op>} for the same service on a given node.
 */
public record Addresses(String component) {
  public String local(String operation) {
    return "cairn." + component + "." + operation;
  }

  public String onNode(String nodeId, String operation) {
    return "cairn.node." + nodeId + "." + component + "." + operation;
  }
}

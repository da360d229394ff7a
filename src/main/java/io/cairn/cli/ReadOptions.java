package io.cairn.cli;

import picocli.CommandLine.Option;

/** How fresh a read must be: local (default), linearizable, or not older than a resource version. */
final class ReadOptions {
  @Option(names = "--consistent", description = "Read through the Raft leader's read index (linearizable; cluster).")
  boolean consistent;

  @Option(names = "--resource-version", paramLabel = "N",
      description = "Answer once the node has applied resource version N (read your own writes through any node).")
  Long resourceVersion;

  /** The query parameters these options add, each starting with '&'. */
  String query() {
    StringBuilder q = new StringBuilder();
    if (consistent) {
      q.append("&consistent=true");
    }
    if (resourceVersion != null) {
      q.append("&resourceVersion=").append(resourceVersion);
    }
    return q.toString();
  }

  /** {@code path} with these options as its query. */
  String on(String path) {
    String q = query();
    return q.isEmpty() ? path : path + (path.contains("?") ? q : "?" + q.substring(1));
  }
}

package io.cairn.objects;

import java.util.List;

/**
 * Where chunks go and where they are read from. Today every chunk lives on this node; replication
 * will place each on R nodes by rendezvous hashing behind this same interface.
 */
public interface ChunkPlacement {
  /** Nodes that store a chunk with this hash, preferred first. */
  List<String> nodesFor(String hash);

  /** Where a new upload's chunks are written before their hashes are known. */
  String uploadNode();

  static ChunkPlacement local(String nodeId) {
    return new ChunkPlacement() {
      @Override
      public List<String> nodesFor(String hash) {
        return List.of(nodeId);
      }

      @Override
      public String uploadNode() {
        return nodeId;
      }
    };
  }
}

package io.cairn.node;

import java.io.IOException;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Picks the node's stable id: configured, else the one persisted in the data dir, else derived from
 * the machine id (or first MAC) together with the data dir, so two agents on one machine differ.
 */
public final class NodeIdentity {
  private static final Pattern VALID = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  static final String FILE = "node.id";

  private NodeIdentity() {}

  public static String resolve(String configured, Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    String id;
    if (!configured.isBlank()) {
      if (!VALID.matcher(configured).matches()) {
        throw new IllegalArgumentException("node.id: '" + configured
            + "' must be lower-case letters, digits and '-', 1-63 chars");
      }
      id = configured;
    } else if (Files.exists(file)) {
      return Files.readString(file).trim();
    } else {
      String seed = machineId().or(NodeIdentity::firstMac).orElseGet(() -> UUID.randomUUID().toString());
      id = "node-" + sha256Hex(seed + "|" + dataDir.toRealPath()).substring(0, 12);
    }
    PrivateFiles.writeString(file, id + "\n");
    return id;
  }

  private static Optional<String> machineId() {
    try {
      String text = Files.readString(Path.of("/etc/machine-id")).trim();
      return text.isEmpty() ? Optional.empty() : Optional.of(text);
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> firstMac() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        byte[] mac = nic.isLoopback() ? null : nic.getHardwareAddress();
        if (mac != null && mac.length > 0) {
          return Optional.of(HexFormat.of().formatHex(mac));
        }
      }
    } catch (IOException e) {
      // fall through to a random id
    }
    return Optional.empty();
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

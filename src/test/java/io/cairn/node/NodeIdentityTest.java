package io.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {
  @TempDir
  Path dir;

  @Test
  void derivedIdsDifferPerDataDirAndAreKept() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    String idA = NodeIdentity.resolve("", a);
    String idB = NodeIdentity.resolve("", b);
    assertThat(idA).startsWith("node-").isNotEqualTo(idB);
    assertThat(NodeIdentity.resolve("", a)).isEqualTo(idA);
    assertThat(Files.readString(a.resolve("node.id")).trim()).isEqualTo(idA);
  }

  @Test
  void aConfiguredIdWinsAndIsValidated() throws Exception {
    assertThat(NodeIdentity.resolve("edge-7", dir)).isEqualTo("edge-7");
    assertThat(NodeIdentity.resolve("", dir)).as("persisted").isEqualTo("edge-7");
    assertThatThrownBy(() -> NodeIdentity.resolve("Not Valid!", dir)).hasMessageContaining("node.id");
  }
}

package io.cairn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One test node for a whole test class, in its own temporary data dir:
 * {@code @RegisterExtension static SharedNode shared = new SharedNode(n -> node = n);}
 */
public final class SharedNode implements BeforeAllCallback, AfterAllCallback {
  private final Consumer<TestNode> onStart;
  private final Map<String, String> settings;
  private TestNode node;
  private Path dir;

  public SharedNode(Consumer<TestNode> onStart) {
    this(Map.of(), onStart);
  }

  public SharedNode(Map<String, String> settings, Consumer<TestNode> onStart) {
    this.settings = settings;
    this.onStart = onStart;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("cairn-" + context.getRequiredTestClass().getSimpleName());
    node = TestNode.start(dir, settings);
    onStart.accept(node);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    node.close();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

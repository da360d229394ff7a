package io.cairn.registry;

import java.util.Set;
import org.junit.jupiter.api.BeforeEach;

/** The contract against the embedded back end. */
class MemoryRegistryTest extends LocationRegistryContract {
  private MemoryRegistry registry;

  @BeforeEach
  void fresh() {
    registry = new MemoryRegistry();
  }

  @Override
  LocationRegistry registry() {
    return registry;
  }

  @Override
  Set<String> setsHolding(String id) {
    return registry.setsHolding(id);
  }
}

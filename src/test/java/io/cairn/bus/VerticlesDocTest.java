package io.cairn.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** verticles.md is checked against the code: every event-bus address and message a component declares is in it. */
class VerticlesDocTest {
  static final List<Class<?>> BUSES = List.of(io.cairn.storage.StorageBus.class, io.cairn.runtime.RuntimeBus.class,
      io.cairn.reconcile.ReconcileBus.class, io.cairn.health.HealthBus.class, io.cairn.registry.RegistryBus.class,
      io.cairn.tasks.TasksBus.class, io.cairn.acl.AclBus.class, io.cairn.cluster.ClusterBus.class);

  @Test
  void everyAddressAndMessageIsDocumented() throws Exception {
    String doc = Files.readString(Path.of(System.getProperty("cairn.project.dir", "."), "verticles.md"));
    List<String> missing = new ArrayList<>();
    for (Class<?> bus : BUSES) {
      for (Field f : bus.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && Modifier.isPublic(f.getModifiers())) {
          String address = (String) f.get(null);
          if (address.startsWith("cairn.") && !documented(doc, address)) {
            missing.add(bus.getSimpleName() + "." + f.getName() + " = " + address);
          }
        }
        if (f.getName().equals("MESSAGE_TYPES")) {
          @SuppressWarnings("unchecked")
          List<Class<?>> types = (List<Class<?>>) f.get(null);
          for (Class<?> type : types) {
            if (!type.getName().startsWith("java.") && !doc.contains(type.getSimpleName())) {
              missing.add(bus.getSimpleName() + " message " + type.getSimpleName());
            }
          }
        }
      }
    }
    assertThat(missing).as("add these to verticles.md").isEmpty();
  }

  /** Written out, or as a sibling in a row like `cairn.storage.bucket.create` / `.get` / `.delete`. */
  static boolean documented(String doc, String address) {
    if (doc.contains("`" + address + "`")) {
      return true;
    }
    int dot = address.lastIndexOf('.');
    String prefix = address.substring(0, dot + 1);
    String op = "`" + address.substring(dot) + "`";
    return doc.lines().anyMatch(line -> line.contains("`" + prefix) && line.contains(op));
  }
}

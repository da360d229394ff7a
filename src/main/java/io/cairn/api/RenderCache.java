package io.cairn.api;

import io.cairn.workload.WorkloadJson;
import io.cairn.reconcile.WorkloadView;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rendered JSON of recently read workloads, reused while the reconciler's revision is unchanged.
 * Touched only from the API verticle's event loop, so it needs no locking.
 */
final class RenderCache {
  private record Rendered(long revision, Buffer bytes) {}

  private final Map<String, Rendered> byName;

  RenderCache(int capacity) {
    this.byName = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Rendered> eldest) {
        return size() > capacity;
      }
    };
  }

  Buffer of(WorkloadView view) {
    String name = view.workload().name();
    Rendered cached = byName.get(name);
    if (cached != null && cached.revision() == view.revision() && view.revision() >= 0) {
      return cached.bytes();
    }
    Buffer bytes = WorkloadJson.render(view).toBuffer();
    byName.put(name, new Rendered(view.revision(), bytes));
    return bytes;
  }
}

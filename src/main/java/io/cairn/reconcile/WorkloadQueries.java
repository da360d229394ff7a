package io.cairn.reconcile;

import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.cairn.model.Phase;
import io.cairn.workload.ManifestValidator;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** Workload reads front ends call: one workload, or a page of them by labels and phase. */
final class WorkloadQueries {
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1000;

  private final Reconciler reconciler;
  private final LoadedView loaded;

  WorkloadQueries(Reconciler reconciler, LoadedView loaded) {
    this.reconciler = reconciler;
    this.loaded = loaded;
  }

  /**
   * Reads skip the write queue: they run on the reconciler's own event loop, where its memory is
   * only ever changed, so they see a consistent snapshot without waiting behind slow writes.
   */
  Future<WorkloadView> get(String name) {
    ManifestValidator.checkName(name);
    return loaded.then(() -> Future.succeededFuture(existing(name)));
  }

  Future<ReconcileBus.Page> list(ReconcileBus.ListWorkloads q) {
    return loaded.then(() -> listLoaded(q));
  }

  private Future<ReconcileBus.Page> listLoaded(ReconcileBus.ListWorkloads q) {
    LabelSelector selector = LabelSelector.parse(q.labelSelector());
    Phase phase = parsePhase(q.phase());
    int limit = q.limit() == null ? DEFAULT_PAGE : q.limit();
    if (limit < 1 || limit > MAX_PAGE) {
      throw CairnException.invalid(List.of(new FieldError("limit", "must be between 1 and " + MAX_PAGE)));
    }
    String after = decodeToken(q.pageToken());
    {
      List<WorkloadView> matching = reconciler.mem.workloads.keySet().stream().sorted()
          .filter(n -> after == null || n.compareTo(after) > 0)
          .map(reconciler.mem::view)
          .filter(v -> selector.matches(v.workload().spec().labels()))
          .filter(v -> phase == null || v.status().phase() == phase)
          .limit(limit + 1L)
          .toList();
      boolean more = matching.size() > limit;
      List<WorkloadView> page = more ? matching.subList(0, limit) : matching;
      String next = more ? encodeToken(page.get(page.size() - 1).workload().name()) : "";
      return Future.succeededFuture(new ReconcileBus.Page(page, next));
    }
  }

  private WorkloadView existing(String name) {
    WorkloadView view = reconciler.mem.view(name);
    if (view == null) {
      throw CairnException.notFound("workload", name);
    }
    return view;
  }

  private static Phase parsePhase(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    for (Phase p : Phase.values()) {
      if (p.name().toLowerCase(Locale.ROOT).equals(text.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw CairnException.invalid(List.of(new FieldError("phase", "'" + text + "' is not one of "
        + java.util.Arrays.toString(Phase.values()))));
  }

  private static String encodeToken(String lastName) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("w:" + lastName).getBytes(StandardCharsets.UTF_8));
  }

  private static String decodeToken(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith("w:")) {
        return text.substring(2);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw CairnException.invalid(List.of(new FieldError("pageToken", "is not a token this server issued")));
  }
}

package io.cairn.reconcile;

import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Equality-based label selectors: {@code app=web}, {@code app==web}, {@code tier!=db}, {@code app} (exists). */
record LabelSelector(List<Requirement> requirements) {
  record Requirement(String key, String value, boolean equal) {
    boolean matches(Map<String, String> labels) {
      String actual = labels.get(key);
      if (value == null) {
        return actual != null;
      }
      return equal == value.equals(actual);
    }
  }

  static LabelSelector parse(String text) {
    List<Requirement> reqs = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return new LabelSelector(reqs);
    }
    for (String part : text.split(",")) {
      String p = part.trim();
      Requirement r;
      if (p.contains("!=")) {
        r = new Requirement(p.substring(0, p.indexOf("!=")).trim(), p.substring(p.indexOf("!=") + 2).trim(), false);
      } else if (p.contains("==")) {
        r = new Requirement(p.substring(0, p.indexOf("==")).trim(), p.substring(p.indexOf("==") + 2).trim(), true);
      } else if (p.contains("=")) {
        r = new Requirement(p.substring(0, p.indexOf('=')).trim(), p.substring(p.indexOf('=') + 1).trim(), true);
      } else {
        r = new Requirement(p, null, true);
      }
      if (r.key().isEmpty() || r.key().contains("=") || (r.value() != null && r.value().contains("="))) {
        throw CairnException.invalid(List.of(new FieldError("label", "'" + text
            + "' is not a label selector (use key=value, key!=value or key, comma-separated)")));
      }
      reqs.add(r);
    }
    return new LabelSelector(reqs);
  }

  boolean matches(Map<String, String> labels) {
    return requirements.stream().allMatch(r -> r.matches(labels));
  }
}

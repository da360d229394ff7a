package io.cairn.tasks;

import io.cairn.model.Durations;
import io.cairn.model.Quantities;
import io.cairn.workload.WorkloadJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.TreeMap;

/** The one JSON shape of a task and of its output lines, shared by REST and (through protobuf JSON) gRPC. */
public final class TaskJson {
  private TaskJson() {}

  public static JsonObject render(Task t) {
    TaskSpec s = t.spec();
    JsonObject spec = new JsonObject().put("command", new JsonArray(s.command()));
    if (!s.env().isEmpty()) {
      spec.put("env", new JsonObject(new LinkedHashMap<>(new TreeMap<>(s.env()))));
    }
    if (s.workingDir() != null) {
      spec.put("workingDir", s.workingDir());
    }
    if (s.timeoutMillis() != null) {
      spec.put("timeout", Durations.format(Duration.ofMillis(s.timeoutMillis())));
    }
    if (s.cpuMillis() > 0 || s.memoryBytes() > 0) {
      spec.put("resources", new JsonObject().put("cpu", Quantities.formatMillicores(s.cpuMillis()))
          .put("memory", Quantities.formatBytes(s.memoryBytes())));
    }
    if (!s.placement().isEmpty()) {
      spec.put("placement", new JsonObject(new LinkedHashMap<>(new TreeMap<>(s.placement()))));
    }
    if (s.retries() > 0) {
      spec.put("retries", s.retries());
    }
    JsonObject out = new JsonObject().put("id", t.id()).put("state", t.state().name()).put("node", t.node())
        .put("spec", spec).put("submittedAt", WorkloadJson.time(t.submittedAt()));
    putIfSet(out, "startedAt", WorkloadJson.time(t.startedAt()));
    putIfSet(out, "finishedAt", WorkloadJson.time(t.finishedAt()));
    putIfSet(out, "exitCode", t.exitCode());
    putIfSet(out, "reason", t.reason());
    putIfSet(out, "pid", t.pid());
    if (t.attempt() > 0) {
      out.put("attempt", t.attempt());
    }
    return out.put("output", new JsonObject().put("bytes", t.outputBytes()).put("droppedBytes", t.outputDropped()));
  }

  private static void putIfSet(JsonObject o, String key, Object value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  /**
   * One NDJSON line per chunk: {@code {"stream","offset","data"}}, with {@code dataBase64} instead of
   * {@code data} when the bytes are not UTF-8 text (binary output, or a character split by a read).
   */
  public static JsonObject chunk(TaskOutput.Chunk c) {
    JsonObject o = new JsonObject().put("stream", c.stream()).put("offset", c.offset());
    String text = utf8(c.data());
    return text != null ? o.put("data", text) : o.put("dataBase64", Base64.getEncoder().encodeToString(c.data()));
  }

  private static String utf8(byte[] bytes) {
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }
}

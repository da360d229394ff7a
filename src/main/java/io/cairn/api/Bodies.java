package io.cairn.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/** Reads a request body as JSON or YAML by its Content-Type into one tree type, or says precisely why not. */
final class Bodies {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Bodies up to this size parse on the event loop; larger ones on the parse pool. */
  private static final int INLINE_BYTES = 16 * 1024;
  private static final String PARSED = "cairn.parsedBody";
  private static final String PARSE_FAILED = "cairn.parseFailed";

  private Bodies() {}

  /**
   * Parses large bodies ahead of their route, off the event loop, on a small pool of its own: a
   * 1 MiB YAML document takes long enough to stall every connection on a loop, and the pool's size
   * bounds how many parse trees (which outweigh their text many times) exist at once.
   */
  static io.vertx.core.Handler<RoutingContext> preParser(io.vertx.core.Vertx vertx) {
    io.vertx.core.WorkerExecutor pool = vertx.createSharedWorkerExecutor("cairn-api-parse", 2);
    return ctx -> {
      if (ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() <= INLINE_BYTES) {
        ctx.next();
        return;
      }
      pool.executeBlocking(() -> {
        try {
          ctx.put(PARSED, parse(ctx));
        } catch (CairnException e) {
          ctx.put(PARSE_FAILED, e);
        }
        return null;
      }, false).onComplete(done -> ctx.next());
    };
  }

  static JsonNode read(RoutingContext ctx) {
    CairnException failed = ctx.get(PARSE_FAILED);
    if (failed != null) {
      throw failed;
    }
    JsonNode parsed = ctx.get(PARSED);
    return parsed != null ? parsed : parse(ctx);
  }

  private static JsonNode parse(RoutingContext ctx) {
    String type = mediaType(ctx.request().getHeader("Content-Type"));
    ObjectMapper mapper = switch (type) {
      case "application/json" -> JSON;
      case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml" -> YAML;
      default -> throw new CairnException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, type.isEmpty()
          ? "Content-Type is required: application/json or application/yaml"
          : "Content-Type '" + type + "' is not supported: use application/json or application/yaml");
    };
    byte[] bytes = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    if (bytes.length == 0) {
      throw CairnException.invalid(List.of(new FieldError("body", "is empty")));
    }
    try (JsonParser parser = mapper.createParser(bytes)) {
      JsonNode tree = mapper.readTree(parser);
      if (tree == null || tree.isMissingNode()) {
        throw CairnException.invalid(List.of(new FieldError("body", "is empty")));
      }
      if (parser.nextToken() != null) {
        throw CairnException.invalid(List.of(new FieldError("body", "holds more than one document")));
      }
      return tree;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw CairnException.invalid(List.of(new FieldError("body", "malformed " + (mapper == JSON ? "JSON" : "YAML")
          + where + ": " + clientMessage(e))));
    } catch (IOException e) {
      throw CairnException.invalid(List.of(new FieldError("body", "cannot be read: " + e.getMessage())));
    }
  }

  /**
   * The parser's own words without Java internals: YAML errors arrive wrapping SnakeYAML exceptions
   * whose text names their classes, and a message may quote a lot of the input.
   */
  private static String clientMessage(JsonProcessingException e) {
    String text = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
    text = text.replaceAll("\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:? ?", "");
    int newline = text.indexOf('\n');
    return FieldError.clip((newline < 0 ? text : text.substring(0, newline)).strip(), 300);
  }

  static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semi = header.indexOf(';');
    return (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }
}

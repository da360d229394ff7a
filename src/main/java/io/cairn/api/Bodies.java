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

  private Bodies() {}

  static JsonNode read(RoutingContext ctx) {
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
          + where + ": " + e.getOriginalMessage())));
    } catch (IOException e) {
      throw CairnException.invalid(List.of(new FieldError("body", "cannot be read: " + e.getMessage())));
    }
  }

  static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semi = header.indexOf(';');
    return (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }
}

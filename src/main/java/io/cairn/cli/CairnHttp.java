package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.model.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's REST client. A reply with an error body becomes exit 1 with {@code Error: CODE: message}
 * and one line per field detail; a node that cannot be reached becomes exit 3 naming the address.
 */
final class CairnHttp {
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int READ_TIMEOUT_MILLIS = 60_000;
  private final String addr;
  private final String token;
  /** For https:// addresses; null: the JDK's defaults. */
  private final javax.net.ssl.SSLSocketFactory tls;

  CairnHttp(String addr, String token, javax.net.ssl.SSLSocketFactory tls) {
    this.addr = addr.endsWith("/") ? addr.substring(0, addr.length() - 1) : addr;
    this.token = token;
    this.tls = tls;
  }

  String addr() {
    return addr;
  }

  record Reply(int status, JsonNode body) {}

  Reply get(String path) {
    return send("GET", path, null);
  }

  Reply delete(String path) {
    return send("DELETE", path, null);
  }

  Reply put(String path, JsonNode body) {
    return send("PUT", path, Json.encode(body));
  }

  Reply post(String path, String json) {
    return send("POST", path, json.getBytes(StandardCharsets.UTF_8));
  }

  /** A streaming GET (logs -f, watch): the body as it arrives; errors handled like any reply. */
  InputStream stream(String path) {
    return stream("GET", path, null);
  }

  /** A streaming POST (task run): sends the JSON body, then returns the reply body as it arrives. */
  InputStream streamPost(String path, String json) {
    return stream("POST", path, json.getBytes(StandardCharsets.UTF_8));
  }

  private InputStream stream(String method, String path, byte[] body) {
    HttpURLConnection c = open(method, path, body, 0);
    try {
      int status = c.getResponseCode();
      if (status >= 400) {
        throw refused(status, readAll(c.getErrorStream()));
      }
      return c.getInputStream();
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private Reply send(String method, String path, byte[] body) {
    HttpURLConnection c = open(method, path, body, READ_TIMEOUT_MILLIS);
    try {
      int status = c.getResponseCode();
      String text = readAll(status >= 400 ? c.getErrorStream() : c.getInputStream());
      if (status >= 400) {
        throw refused(status, text);
      }
      return new Reply(status, text.isEmpty() ? null : Json.MAPPER.readTree(text));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CliException(CliException.SERVER_REFUSED, List.of("Error: the node at " + addr
          + " sent a reply that is not JSON"));
    } catch (IOException e) {
      throw unreachable(e);
    } finally {
      c.disconnect();
    }
  }

  /** HttpURLConnection rather than java.net.http: it starts far faster, which a CLI feels. */
  private HttpURLConnection open(String method, String path, byte[] body, int readTimeout) {
    URL url;
    try {
      url = URI.create(addr + path).toURL();
    } catch (IllegalArgumentException | java.net.MalformedURLException e) {
      throw CliException.usage("'" + addr + "' is not a valid address (use e.g. http://127.0.0.1:7700)");
    }
    try {
      HttpURLConnection c = (HttpURLConnection) url.openConnection();
      if (tls != null && c instanceof javax.net.ssl.HttpsURLConnection https) {
        https.setSSLSocketFactory(tls);
      }
      c.setRequestMethod(method);
      c.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      c.setReadTimeout(readTimeout);
      if (token != null && !token.isBlank()) {
        c.setRequestProperty("Authorization", "Bearer " + token);
      }
      if (body != null) {
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        c.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      return c;
    } catch (IOException | ClassCastException e) {
      throw unreachable(e instanceof IOException io ? io : new IOException(e));
    }
  }

  private static String readAll(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private CliException unreachable(Exception e) {
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    return new CliException(CliException.UNREACHABLE, List.of("Error: cannot reach the Cairn node at " + addr
        + " (" + why + "); set --addr or CAIRN_ADDR"));
  }

  static CliException refused(int status, String body) {
    List<String> lines = new ArrayList<>();
    try {
      JsonNode error = Json.MAPPER.readTree(body).path("error");
      lines.add("Error: " + error.path("code").asText("HTTP_" + status) + ": " + error.path("message").asText());
      for (JsonNode d : error.path("details")) {
        lines.add("  " + d.path("field").asText() + ": " + d.path("message").asText());
      }
    } catch (IOException | RuntimeException e) {
      lines.add("Error: HTTP " + status);
    }
    return new CliException(CliException.SERVER_REFUSED, lines);
  }
}

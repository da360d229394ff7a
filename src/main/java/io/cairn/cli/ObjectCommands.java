package io.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.model.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn object ...}: put, get, list, stat and delete objects through the node's S3 endpoint. */
@Command(name = "object", description = "Put, get, list, inspect and delete objects.", mixinStandardHelpOptions = true,
    subcommands = {ObjectCommands.Put.class, ObjectCommands.Get.class, ObjectCommands.ListObjects.class,
        ObjectCommands.Stat.class, ObjectCommands.Delete.class})
public final class ObjectCommands {
  private ObjectCommands() {}

  /** "bucket/key/with/slashes", with an optional "s3://" in front. */
  record Target(String bucket, String key) {
    static Target parse(String text, boolean keyRequired) {
      String t = text.startsWith("s3://") ? text.substring(5) : text;
      int slash = t.indexOf('/');
      String bucket = slash < 0 ? t : t.substring(0, slash);
      String key = slash < 0 ? "" : t.substring(slash + 1);
      if (bucket.isEmpty() || keyRequired && key.isEmpty()) {
        throw CliException.usage("'" + text + "' is not BUCKET/KEY");
      }
      return new Target(bucket, key);
    }

    String path() {
      return bucket + "/" + key;
    }
  }

  @Command(name = "put", description = "Upload a file (or stdin with '-') as an object.")
  static final class Put implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(index = "0", paramLabel = "BUCKET/KEY", description = "Where to put it; BUCKET/ alone uses the file's name.")
    String target;

    @Parameters(index = "1", paramLabel = "FILE", defaultValue = "-", description = "File to upload; '-' (default) reads stdin.")
    String file;

    @Option(names = "--content-type", paramLabel = "TYPE", description = "Content type (default guessed from the name).")
    String contentType;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar (default: when stderr is a terminal).")
    Boolean progress;

    @Override
    public Integer call() {
      Target t = Target.parse(target, false);
      if (t.key().isEmpty() || t.key().endsWith("/")) {
        if (file.equals("-")) {
          throw CliException.usage("a KEY is needed when reading stdin");
        }
        t = new Target(t.bucket(), t.key() + Path.of(file).getFileName());
      }
      String type = contentType != null ? contentType : guessType(t.key());
      Progress.Factory bar = Progress.wanted(progress) ? Progress.to(Cli.err(), t.key()) : Progress.none();
      S3Client client = s3.client();
      String etag;
      long size;
      if (file.equals("-")) {
        CountingInput in = new CountingInput(Cli.in());
        etag = client.putStream(t.bucket(), t.key(), in, type, bar.start(-1));
        size = in.count;
      } else {
        Path path = Path.of(file);
        try (InputStream in = Files.newInputStream(path)) {
          size = Files.size(path);
          etag = client.put(t.bucket(), t.key(), in, size, type, bar.start(size));
        } catch (NoSuchFileException e) {
          throw CliException.usage("file " + file + " does not exist");
        } catch (IOException e) {
          throw CliException.usage("cannot read " + file + ": " + e.getMessage());
        }
      }
      if (s3.format() != Output.Format.table) {
        Output.document(Cli.out(), s3.format(), Json.MAPPER.createObjectNode().put("bucket", t.bucket())
            .put("key", t.key()).put("size", size).put("etag", etag));
      } else {
        Cli.out().println("object/" + t.path() + " uploaded (" + size + " bytes, etag " + etag + ")");
      }
      return 0;
    }
  }

  @Command(name = "get", description = "Download an object to a file, a directory, or stdout ('-', the default).")
  static final class Get implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(index = "0", paramLabel = "BUCKET/KEY")
    String target;

    @Parameters(index = "1", paramLabel = "DEST", defaultValue = "-", description = "File or directory; '-' writes to stdout.")
    String dest;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar (default: when stderr is a terminal).")
    Boolean progress;

    @Override
    public Integer call() {
      Target t = Target.parse(target, true);
      Progress.Factory bar = Progress.wanted(progress) ? Progress.to(Cli.err(), t.key()) : Progress.none();
      S3Client client = s3.client();
      if (dest.equals("-")) {
        client.get(t.bucket(), t.key(), Cli.out(), bar);
        Cli.out().flush();
        return 0;
      }
      Path out = Path.of(dest);
      if (Files.isDirectory(out)) {
        out = out.resolve(Path.of(t.key()).getFileName());
      }
      // written beside the destination and renamed, so a failed download never leaves half a file
      Path partial = out.resolveSibling("." + out.getFileName() + ".cairn-partial");
      Map<String, String> headers;
      try {
        try (OutputStream file = Files.newOutputStream(partial)) {
          headers = client.get(t.bucket(), t.key(), file, bar);
        }
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw CliException.usage("cannot write " + out + ": " + e.getMessage());
      } finally {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException ignored) {
          // best effort: the real error is already on its way
        }
      }
      Cli.out().println("object/" + t.path() + " -> " + out + " (" + headers.getOrDefault("content-length", "?")
          + " bytes)");
      return 0;
    }
  }

  @Command(name = "list", description = "List objects under BUCKET[/PREFIX]; folders ('/') shown as PRE unless --recursive.")
  static final class ListObjects implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(paramLabel = "BUCKET[/PREFIX]")
    String target;

    @Option(names = {"-r", "--recursive"}, description = "Every key under the prefix, not folder by folder.")
    boolean recursive;

    @Override
    public Integer call() {
      Target t = Target.parse(target, false);
      S3Client.Listing listing = s3.client().list(t.bucket(), t.key(), recursive ? null : "/");
      if (s3.format() != Output.Format.table) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ArrayNode items = doc.putArray("items");
        listing.objects().forEach(o -> items.addObject().put("key", o.key()).put("size", o.size())
            .put("lastModified", o.lastModified()).put("etag", o.etag()));
        ArrayNode prefixes = doc.putArray("prefixes");
        listing.prefixes().forEach(prefixes::add);
        Output.document(Cli.out(), s3.format(), doc);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      listing.prefixes().forEach(p -> rows.add(List.of(p, "PRE", "", "")));
      Instant now = Instant.now();
      listing.objects().forEach(o -> rows.add(List.of(o.key(), Long.toString(o.size()), Output.age(o.lastModified(), now),
          o.etag())));
      Output.table(Cli.out(), List.of("KEY", "SIZE", "AGE", "ETAG"), rows);
      return 0;
    }
  }

  @Command(name = "stat", description = "Size, ETag, content type, modification time and user metadata of an object.")
  static final class Stat implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(paramLabel = "BUCKET/KEY")
    String target;

    @Override
    public Integer call() {
      Target t = Target.parse(target, true);
      Map<String, String> h = s3.client().stat(t.bucket(), t.key());
      ObjectNode doc = Json.MAPPER.createObjectNode().put("bucket", t.bucket()).put("key", t.key())
          .put("size", Long.parseLong(h.getOrDefault("content-length", "0")))
          .put("etag", h.getOrDefault("etag", "").replace("\"", ""))
          .put("contentType", h.get("content-type"))
          .put("lastModified", isoDate(h.get("last-modified")));
      ObjectNode meta = doc.putObject("metadata");
      h.forEach((k, v) -> {
        if (k.startsWith("x-amz-meta-")) {
          meta.put(k.substring("x-amz-meta-".length()), v);
        }
      });
      if (s3.format() != Output.Format.table) {
        Output.document(Cli.out(), s3.format(), doc);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      List.of("bucket", "key", "size", "etag", "contentType", "lastModified")
          .forEach(f -> rows.add(List.of(f, Output.text(doc.get(f)))));
      meta.properties().forEach(e -> rows.add(List.of("meta." + e.getKey(), e.getValue().asText())));
      Output.table(Cli.out(), List.of("FIELD", "VALUE"), rows);
      return 0;
    }

    private static String isoDate(String httpDate) {
      if (httpDate == null) {
        return null;
      }
      try {
        return ZonedDateTime.parse(httpDate, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toString();
      } catch (DateTimeParseException e) {
        return httpDate;
      }
    }
  }

  @Command(name = "delete", description = "Delete objects.")
  static final class Delete implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(paramLabel = "BUCKET/KEY", arity = "1..*")
    List<String> targets;

    @Override
    public Integer call() {
      S3Client client = s3.client();
      for (String target : targets) {
        Target t = Target.parse(target, true);
        client.delete(t.bucket(), t.key());
        Cli.out().println("object/" + t.path() + " deleted");
      }
      return 0;
    }
  }

  private static String guessType(String key) {
    String type = java.net.URLConnection.guessContentTypeFromName(key);
    return type != null ? type : "application/octet-stream";
  }

  /** Counts what stdin gave, for the summary line. */
  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count += b >= 0 ? 1 : 0;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count += Math.max(0, n);
      return n;
    }
  }
}

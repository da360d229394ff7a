package io.cairn.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.model.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn bucket ...}: the node's S3 buckets, through its S3 endpoint. */
@Command(name = "bucket", description = "List, create and delete object-store buckets.", mixinStandardHelpOptions = true,
    subcommands = {BucketCommands.ListBuckets.class, BucketCommands.Create.class, BucketCommands.Delete.class})
public final class BucketCommands {
  private BucketCommands() {}

  @Command(name = "list", description = "List buckets.")
  static final class ListBuckets implements Callable<Integer> {
    @Mixin S3Options s3;

    @Override
    public Integer call() {
      List<S3Client.Bucket> buckets = s3.client().listBuckets();
      if (s3.format() != Output.Format.table) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ArrayNode items = doc.putArray("items");
        buckets.forEach(b -> items.addObject().put("name", b.name()).put("created", b.created()));
        Output.document(Cli.out(), s3.format(), doc);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      Instant now = Instant.now();
      buckets.forEach(b -> rows.add(List.of(b.name(), Output.age(b.created(), now))));
      Output.table(Cli.out(), List.of("NAME", "AGE"), rows);
      return 0;
    }
  }

  @Command(name = "create", description = "Create a bucket (private unless --public-read).")
  static final class Create implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(paramLabel = "NAME", description = "Bucket name (3-63 lower-case letters, digits, '.', '-').")
    String name;

    @Option(names = "--public-read", description = "Anyone may read objects without signing.")
    boolean publicRead;

    @Override
    public Integer call() {
      s3.client().createBucket(name, publicRead);
      Cli.out().println("bucket/" + name + " created");
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete an empty bucket.")
  static final class Delete implements Callable<Integer> {
    @Mixin S3Options s3;

    @Parameters(paramLabel = "NAME", description = "Bucket name.")
    String name;

    @Override
    public Integer call() {
      s3.client().deleteBucket(name);
      Cli.out().println("bucket/" + name + " deleted");
      return 0;
    }
  }
}

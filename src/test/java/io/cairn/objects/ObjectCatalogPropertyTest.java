package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import io.cairn.state.StateStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listing pages, walked to the end with the marker each page returns, show every key (or common
 * prefix) exactly once, in order, whatever the keys, page size, prefix and delimiter.
 */
class ObjectCatalogPropertyTest {
  @TempDir
  Path dir;

  @Test
  void pagesCoverEveryKeyOnceInOrder() throws Exception {
    try (StateStore store = StateStore.open(dir, "n1", false)) {
      ObjectCatalog catalog = new ObjectCatalog(store);
      int[] bucketNo = {0};
      qt().withExamples(60).forAll(
              lists().of(strings().betweenCodePoints('a', 'd').ofLengthBetween(1, 6).map(s -> s.replace('d', '/')))
                  .ofSizeBetween(0, 40),
              integers().between(1, 7),
              strings().betweenCodePoints('a', 'c').ofLengthBetween(0, 1),
              integers().between(0, 1))
          .checkAssert((keys, pageSize, prefix, useDelimiter) -> {
            String bucket = "b" + bucketNo[0]++;
            try {
              catalog.createBucket(bucket);
              for (String k : keys) {
                catalog.commit(new ObjectMeta(bucket, k, 0, "e", "t", Map.of(), List.of(), 0));
              }
              String delimiter = useDelimiter == 1 ? "/" : null;
              TreeSet<String> expected = new TreeSet<>();
              for (String k : new TreeSet<>(keys)) {
                if (k.startsWith(prefix)) {
                  String cp = ObjectCatalog.commonPrefix(k, prefix, delimiter);
                  expected.add(cp != null ? cp : k);
                }
              }
              List<String> seen = new ArrayList<>();
              String marker = null;
              int guard = 0;
              while (guard++ < 100) {
                ObjectCatalog.Listing page = catalog.list(bucket, prefix, delimiter, marker, pageSize);
                List<String> entries = new ArrayList<>();
                page.objects().forEach(o -> entries.add(o.key()));
                entries.addAll(page.commonPrefixes());
                assertThat(entries.size()).isLessThanOrEqualTo(pageSize);
                seen.addAll(new TreeSet<>(entries));
                if (!page.truncated()) {
                  break;
                }
                marker = page.lastKey();
              }
              assertThat(seen).as("keys %s prefix '%s' delimiter %s page %d", keys, prefix, delimiter, pageSize)
                  .containsExactlyElementsOf(expected);
            } catch (org.rocksdb.RocksDBException e) {
              throw new IllegalStateException(e);
            }
          });
    }
  }
}

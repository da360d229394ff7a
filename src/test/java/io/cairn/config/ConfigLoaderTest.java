package io.cairn.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  Path file(String yaml) throws Exception {
    Path f = dir.resolve("cairn.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  Map<String, String> dataFlag() {
    return Map.of("data.dir", dir.resolve("data").toString());
  }

  @Test
  void defaultsApplyWhenNothingIsGiven() {
    CairnConfig c = ConfigLoader.load(null, Map.of(), dataFlag());
    assertThat(c.httpPort()).isEqualTo(7700);
    assertThat(c.httpHost()).isEqualTo("127.0.0.1");
    assertThat(c.gcFailedTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.httpMaxBodyBytes()).isEqualTo(1L << 20);
    assertThat(c.memoryThresholdPercent()).isEqualTo(90);
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws Exception {
    Path f = file("http:\n  port: 7001\ngc:\n  failedTtl: 5m\nlog:\n  format: text\n");
    CairnConfig fromFile = ConfigLoader.load(f, Map.of(), dataFlag());
    assertThat(fromFile.httpPort()).isEqualTo(7001);
    assertThat(fromFile.gcFailedTtl()).isEqualTo(Duration.ofMinutes(5));

    Map<String, String> env = Map.of("CAIRN_HTTP_PORT", "7002", "CAIRN_GC_FAILED_TTL", "2h");
    CairnConfig fromEnv = ConfigLoader.load(f, env, dataFlag());
    assertThat(fromEnv.httpPort()).isEqualTo(7002);
    assertThat(fromEnv.gcFailedTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(fromEnv.logFormat()).isEqualTo("text");

    Map<String, String> flags = new java.util.HashMap<>(dataFlag());
    flags.put("http.port", "7003");
    assertThat(ConfigLoader.load(f, env, flags).httpPort()).isEqualTo(7003);
  }

  @Test
  void registryAndTaskSettingsComeFromTheEnvironmentAndAreChecked() {
    CairnConfig c = ConfigLoader.load(null, Map.of("CAIRN_REGISTRY_BACKEND", "redis",
        "CAIRN_REGISTRY_REDIS_URL", "redis://10.0.0.5:6380/2", "CAIRN_TASKS_MAX_CONCURRENT", "0"), dataFlag());
    assertThat(c.registry().backend()).isEqualTo("redis");
    assertThat(c.registry().redisUrl()).isEqualTo("redis://10.0.0.5:6380/2");
    assertThat(c.tasks().maxConcurrent()).as("0 means one per core").isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CAIRN_REGISTRY_BACKEND", "etcd",
        "CAIRN_REGISTRY_REDIS_URL", "http://x"), dataFlag()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("registry.backend").hasMessageContaining("etcd")
        .hasMessageContaining("registry.redis.url").hasMessageContaining("not a Redis URL");
  }

  @Test
  void environmentNamesFollowOneRule() {
    assertThat(Settings.HTTP_PORT.envName()).isEqualTo("CAIRN_HTTP_PORT");
    assertThat(Settings.GC_FAILED_TTL.envName()).isEqualTo("CAIRN_GC_FAILED_TTL");
    assertThat(Settings.HTTP_MAX_BODY_SIZE.envName()).isEqualTo("CAIRN_HTTP_MAX_BODY_SIZE");
    assertThat(Settings.DATA_DIR.envName()).isEqualTo("CAIRN_DATA_DIR");
  }

  @Test
  void everyProblemNamesTheSettingAndItsSource() throws Exception {
    Path f = file("http:\n  port: 70000\n  colour: blue\ngc:\n  failedTtl: soon\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of("CAIRN_LOG_FORMAT", "xml"), dataFlag()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
            p -> assertThat(p).startsWith("http.colour").contains("unknown setting"),
            p -> assertThat(p).startsWith("http.port").contains("70000").contains("0..65535"),
            p -> assertThat(p).startsWith("gc.failedTtl").contains("soon"),
            p -> assertThat(p).startsWith("log.format").contains("CAIRN_LOG_FORMAT")));
  }

  @Test
  void nodeLabelsAreBoundedLikeWorkloadLabels() {
    Map<String, String> flags = new java.util.HashMap<>(dataFlag());
    flags.put("node.labels", "zone=a, disk=ssd,example.com/rack=r1");
    assertThat(ConfigLoader.load(null, Map.of(), flags).nodeLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("zone", "a", "disk", "ssd", "example.com/rack", "r1"));

    String huge = "x".repeat(100 * 1024);
    flags.put("node.labels", "zone=a,big=" + huge);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), flags))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
          assertThat(p).startsWith("node.labels (from flag)").contains("'big'").contains("at most 63 characters");
          assertThat(p.length()).as("the message does not repeat the 100 KB value").isLessThan(300);
        }));
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CAIRN_NODE_LABELS", huge + "=a"), dataFlag()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
          assertThat(p).startsWith("node.labels (from environment CAIRN_NODE_LABELS)").contains("label keys are at most 63");
          assertThat(p.length()).isLessThan(300);
        }));
    String tooMany = String.join(",", java.util.stream.IntStream.range(0, 65).mapToObj(i -> "k" + i + "=v").toList());
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CAIRN_NODE_LABELS", tooMany), dataFlag()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("node.labels").hasMessageContaining("at most 64");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CAIRN_NODE_LABELS", "Bad.Prefix/k=v"), dataFlag()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("node.labels").hasMessageContaining("DNS subdomain");
  }

  @Test
  void rateLimitsAreOffByDefaultAndTheBurstDefaultsToOneSecondsWorth() throws Exception {
    assertThat(ConfigLoader.load(null, Map.of(), dataFlag()).limits().enabled()).isFalse();
    CairnConfig fractional = ConfigLoader.load(file("limits:\n  requestsPerSecond: 2.5\n"), Map.of(), dataFlag());
    assertThat(fractional.limits()).isEqualTo(new CairnConfig.RateLimit(2.5, 3));
    CairnConfig slow = ConfigLoader.load(null, Map.of("CAIRN_LIMITS_REQUESTS_PER_SECOND", "0.2",
        "CAIRN_LIMITS_BURST", "7"), dataFlag());
    assertThat(slow.limits()).isEqualTo(new CairnConfig.RateLimit(0.2, 7));
    assertThat(ConfigLoader.load(null, Map.of("CAIRN_LIMITS_REQUESTS_PER_SECOND", "0.2"), dataFlag()).limits().burst())
        .as("at least one").isEqualTo(1);
  }

  @Test
  void rateLimitSettingsOutOfRangeOrAloneAreRefused() {
    for (String bad : new String[] {"-1", "abc", "NaN", "Infinity", "0.0001", "2000000"}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CAIRN_LIMITS_REQUESTS_PER_SECOND", bad), dataFlag()))
          .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("limits.requestsPerSecond");
    }
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("CAIRN_LIMITS_BURST", "10"), dataFlag()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("limits.burst")
        .hasMessageContaining("no effect without limits.requestsPerSecond");
  }

  @Test
  void anUnwritableDataDirStopsStartUp() throws Exception {
    Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("data.dir", notADir.resolve("sub").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("data.dir").hasMessageContaining("not a writable");
  }

  @Test
  void malformedYamlIsReportedWithTheFile() throws Exception {
    Path f = file("http: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), dataFlag()))
        .isInstanceOf(ConfigException.class).hasMessageContaining(f.toString());
  }

  @Test
  void theShippedConfigFileListsEverySettingWithItsDefault() throws Exception {
    Path shipped = Path.of(System.getProperty("cairn.project.dir", "."), "conf", "cairn.yaml");
    assertThat(Files.readString(shipped)).as("regenerate with: bin/cairn config > conf/cairn.yaml")
        .isEqualTo(ConfigFile.render());
    CairnConfig fromShipped = ConfigLoader.load(shipped, Map.of(), dataFlag());
    assertThat(fromShipped).isEqualTo(ConfigLoader.load(null, Map.of(), dataFlag()));
  }
}

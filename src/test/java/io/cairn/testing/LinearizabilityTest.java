package io.cairn.testing;

import static io.cairn.testing.Linearizability.Outcome.FAIL;
import static io.cairn.testing.Linearizability.Outcome.INFO;
import static io.cairn.testing.Linearizability.Outcome.OK;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Linearizability.Op;
import io.cairn.testing.Linearizability.Result;
import io.cairn.testing.Linearizability.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The checker on histories made by hand: each valid one accepted, each anomaly found and named. */
@Timeout(60)
class LinearizabilityTest {
  static final long NEVER = Long.MAX_VALUE;

  static Result check(Op... history) {
    Result r = Linearizability.check("0", List.of(history));
    System.out.println(r.explanation());
    return r;
  }

  static Op read(int p, String v, long from, long to) {
    return Op.read(p, v, OK, from, to, null);
  }

  static Op write(int p, String v, long from, long to) {
    return Op.write(p, v, OK, from, to, null);
  }

  static Op cas(int p, String expected, String v, boolean ok, long from, long to) {
    return Op.cas(p, expected, v, ok ? OK : FAIL, from, to, null);
  }

  @Test
  void aSequentialHistoryOfEveryKindOfOpIsLinearizable() {
    assertThat(check(read(1, "0", 0, 1), write(1, "1", 2, 3), cas(1, "1", "2", true, 4, 5), cas(1, "1", "3", false, 6, 7),
        read(1, "2", 8, 9)).verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void overlappingOpsMayTakeEffectInEitherOrder() {
    // the write is in flight while both reads run: the later-invoked read may still see the old value
    assertThat(check(write(1, "1", 0, 10), read(2, "1", 3, 11), read(3, "0", 2, 12)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    // two cas from the same value, overlapping: one wins, the other fails
    assertThat(check(cas(1, "0", "1", true, 0, 10), cas(2, "0", "2", false, 1, 9), read(3, "1", 11, 12)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void anIndeterminateWriteMayHaveTakenEffectOrNotAndMayTakeEffectLate() {
    Op lost = Op.write(1, "1", INFO, 0, 5, "timeout");
    assertThat(check(lost, read(2, "1", 6, 7)).verdict()).as("took effect").isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(lost, read(2, "0", 6, 7)).verdict()).as("did not").isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(lost, read(2, "0", 6, 7), read(2, "1", 100, 101)).verdict())
        .as("took effect long after the client gave up").isEqualTo(Verdict.LINEARIZABLE);
    Op indeterminateCas = Op.cas(1, "0", "2", INFO, 0, 5, "503");
    assertThat(check(indeterminateCas, write(2, "1", 6, 7), read(3, "1", 8, 9)).verdict())
        .as("a cas applies only from its expected value, but need not apply").isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void aFailedCasIsLegalWhenTheValueWasNotTheExpectedOne() {
    assertThat(check(write(1, "1", 0, 1), cas(2, "0", "2", false, 2, 3)).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    // the expected value was current when the cas was invoked, but a concurrent write replaced it first
    assertThat(check(read(2, "0", 0, 1), write(1, "1", 2, 10), cas(2, "0", "2", false, 3, 5)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void definiteFailuresOfReadsAndWritesHappenedNowhere() {
    assertThat(check(Op.write(1, "1", FAIL, 0, 1, "400"), read(2, "0", 2, 3)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(Op.read(1, "9", INFO, 0, 1, "timeout"), read(2, "0", 2, 3)).verdict())
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void aStaleReadAfterACompletedWriteIsFound() {
    Op stale = read(2, "0", 2, 3);
    Result r = check(write(1, "1", 0, 1), stale);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.failing()).isSameAs(stale);
    assertThat(r.possibleBefore()).containsExactly("1");
  }

  @Test
  void aFailedCasWhoseExpectedValueWasCurrentIsFound() {
    Op refused = cas(2, "1", "2", false, 4, 5);
    Result r = check(write(1, "1", 0, 1), read(2, "1", 2, 3), refused, read(3, "1", 6, 7));
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.failing()).isSameAs(refused);
    assertThat(r.possibleBefore()).containsExactly("1");
    assertThat(r.explanation()).contains("cas(1 -> 2)");
  }

  @Test
  void aReadOfAValueNeverWrittenIsFound() {
    Op phantom = read(2, "7", 2, 3);
    Result r = check(write(1, "1", 0, 10), Op.write(3, "2", INFO, 1, 2, null), phantom);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.failing()).isSameAs(phantom);
    assertThat(r.possibleBefore()).containsExactlyInAnyOrder("0", "1", "2");
  }

  @Test
  void aLostWriteIsFound() {
    // both writes acknowledged in turn, yet the first one's value is read after both
    assertThat(check(write(1, "1", 0, 1), write(2, "2", 2, 3), read(3, "1", 4, 5)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    // two cas from the same value both succeed (a lost update), even while overlapping
    Result r = check(cas(1, "0", "1", true, 0, 10), cas(2, "0", "2", true, 1, 9), read(3, "2", 11, 12));
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.failing().process()).isIn(1, 2);
  }

  @Test
  void theAbsentValueIsAValueLikeAnyOther() {
    Result r = Linearizability.check(null, List.of(read(1, null, 0, 1), Op.write(1, "a", OK, 2, 3, null),
        read(2, null, 4, 5)));
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.possibleBefore()).containsExactly("a");
  }

  @Test
  void aLongHistoryOfFewClientsIsCheckedQuickly() {
    List<Op> history = new ArrayList<>();
    String value = "0";
    for (int i = 0; i < 5_000; i++) { // three clients overlapping in turn; every third cas loses
      long t = i * 10L;
      String next = "v" + i;
      history.add(cas(i % 3, value, next, true, t, t + 25));
      history.add(cas((i + 1) % 3, "stale" + i, "x" + i, false, t + 1, t + 24));
      history.add(read((i + 2) % 3, value, t + 2, t + 11));
      value = next;
    }
    long started = System.nanoTime();
    Result r = Linearizability.check("0", history);
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat((System.nanoTime() - started) / 1_000_000).as("ms").isLessThan(10_000);
  }

  @Test
  void beyondItsBudgetTheCheckerSaysUnknownInsteadOfHanging() {
    List<Op> history = new ArrayList<>();
    for (int i = 0; i < 24; i++) { // all in flight at once: which of them took effect, in which order?
      history.add(Op.write(i, "w" + i, INFO, i, i + 1, null));
    }
    history.add(read(99, "never written", 100, 101));
    Result r = Linearizability.check("0", history, 10_000);
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.statesExplored()).isGreaterThan(10_000);
  }
}

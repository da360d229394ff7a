package io.cairn.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a history of one compare-and-set register for linearizability: is there one order of the
 * operations, each taking effect at an instant between its invocation and its completion, in which
 * every result is what a single register would have answered? Wing and Gong's search with Lowe's
 * memoization (see {@link RegisterSearch}), bounded by a budget of distinct states: past it the
 * answer is {@link Verdict#UNKNOWN}, never a hang.
 *
 * <p>Outcomes. {@code OK}: completed as recorded. {@code INFO}: indeterminate (timeout, connection
 * lost, 5xx): it may or may not have taken effect, at any instant after its invocation (it
 * completes at +infinity). {@code FAIL} is definite: a read or write that failed did not happen and
 * is left out; a cas that failed is the register's answer "the value is not {@code expected}",
 * which must be true at the instant it is placed. (Stricter than Jepsen's Knossos, which drops every
 * failed op: here a refusal based on a stale view is itself an anomaly.)
 *
 * <p>Register values are strings; {@code null} is the absent value (a 404).
 */
public final class Linearizability {
  private Linearizability() {}

  public enum Kind { READ, WRITE, CAS }

  public enum Outcome { OK, FAIL, INFO }

  public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN }

  /**
   * One operation as a client saw it. {@code value}: the value read, written, or a cas's new value;
   * {@code expected}: a cas's expected value. Times in any one unit (System.nanoTime); the
   * completion of an INFO op is ignored. {@code process} and {@code note} are only for explanations.
   */
  public record Op(int process, Kind kind, String expected, String value, Outcome outcome, long invoked, long completed,
      String note) {
    public static Op read(int process, String value, Outcome outcome, long invoked, long completed, String note) {
      return new Op(process, Kind.READ, null, value, outcome, invoked, completed, note);
    }

    public static Op write(int process, String value, Outcome outcome, long invoked, long completed, String note) {
      return new Op(process, Kind.WRITE, null, value, outcome, invoked, completed, note);
    }

    public static Op cas(int process, String expected, String value, Outcome outcome, long invoked, long completed,
        String note) {
      return new Op(process, Kind.CAS, expected, value, outcome, invoked, completed, note);
    }

    /** What the search has to place: definite failures of reads and writes happened nowhere. */
    boolean matters() {
      return switch (kind) {
        case READ -> outcome == Outcome.OK;
        case WRITE -> outcome != Outcome.FAIL;
        case CAS -> true;
      };
    }

    boolean definite() {
      return outcome != Outcome.INFO;
    }

    String describe() {
      return switch (kind) {
        case READ -> "read -> " + value;
        case WRITE -> "write(" + value + ")";
        case CAS -> "cas(" + expected + " -> " + value + ")";
      };
    }
  }

  /**
   * The verdict; for NOT_LINEARIZABLE the op whose completion no order of the smallest failing
   * prefix can explain, and the values the register could hold just before it completed.
   */
  public record Result(Verdict verdict, Op failing, Set<String> possibleBefore, long statesExplored,
      String explanation) {
    public boolean linearizable() {
      return verdict == Verdict.LINEARIZABLE;
    }
  }

  public static final long DEFAULT_BUDGET = 500_000;

  public static Result check(String initial, List<Op> history) {
    return check(initial, history, DEFAULT_BUDGET);
  }

  public static Result check(String initial, List<Op> history, long stateBudget) {
    List<Op> ops = history.stream().filter(Op::matters).toList();
    RegisterSearch.Found whole = new RegisterSearch(initial, ops, stateBudget).linearize();
    if (whole.verdict() == Verdict.LINEARIZABLE) {
      return new Result(Verdict.LINEARIZABLE, null, Set.of(), whole.states(), "linearizable (" + ops.size() + " ops)");
    }
    if (whole.verdict() == Verdict.UNKNOWN) {
      return new Result(Verdict.UNKNOWN, null, Set.of(), whole.states(), "unknown: gave up after "
          + whole.states() + " states (budget " + stateBudget + ") on " + ops.size() + " ops");
    }
    return smallestFailingPrefix(initial, ops, stateBudget, whole.states());
  }

  /** One invocation or completion; the history is the time-ordered list of these. */
  record Event(Op op, boolean call, long at) {}

  static List<Event> events(List<Op> ops) {
    List<Event> events = new ArrayList<>();
    for (Op op : ops) {
      events.add(new Event(op, true, op.invoked()));
      if (op.definite()) {
        events.add(new Event(op, false, op.completed()));
      }
    }
    // at equal times calls come first: the ops then overlap, the more permissive reading
    events.sort(Comparator.comparingLong(Event::at).thenComparing(e -> !e.call()));
    return events;
  }

  /**
   * The history as it stood after its first {@code n} events: an op invoked but not yet completed
   * is in flight, so a write or a cas that succeeded becomes INFO and a read or failed cas (no effect)
   * is left out. Linearizability is prefix-closed, so the smallest failing prefix is found by bisection.
   */
  static List<Op> prefix(List<Event> events, int n) {
    Set<Op> completed = Collections.newSetFromMap(new IdentityHashMap<>()); // two ops may be equal records
    List<Op> invoked = new ArrayList<>();
    for (Event e : events.subList(0, n)) {
      if (e.call()) {
        invoked.add(e.op());
      } else {
        completed.add(e.op());
      }
    }
    List<Op> out = new ArrayList<>();
    for (Op op : invoked) {
      if (completed.contains(op) || op.outcome() == Outcome.INFO) {
        out.add(op);
      } else if (op.kind() == Kind.WRITE || op.outcome() == Outcome.OK && op.kind() == Kind.CAS) {
        out.add(new Op(op.process(), op.kind(), op.expected(), op.value(), Outcome.INFO, op.invoked(), op.completed(),
            op.note()));
      }
    }
    return out;
  }

  private static Result smallestFailingPrefix(String initial, List<Op> ops, long budget, long explored) {
    List<Event> events = events(ops);
    int good = 0; // a prefix that linearizes (or could not be decided: then the answer is a failing prefix, maybe not the smallest)
    int bad = events.size();
    while (bad - good > 1) {
      int mid = (good + bad) >>> 1;
      if (new RegisterSearch(initial, prefix(events, mid), budget).linearize().verdict() == Verdict.NOT_LINEARIZABLE) {
        bad = mid;
      } else {
        good = mid;
      }
    }
    Op failing = events.get(bad - 1).op();
    RegisterSearch before = new RegisterSearch(initial, prefix(events, bad - 1), budget);
    Set<String> possible = before.finalValues();
    return new Result(Verdict.NOT_LINEARIZABLE, failing, possible, explored,
        explain(ops, events, bad, failing, possible));
  }

  private static String explain(List<Op> ops, List<Event> events, int prefixLength, Op failing, Set<String> possible) {
    long t0 = ops.stream().mapToLong(Op::invoked).min().orElse(0);
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "not linearizable: the first %d of %d events (up to %s) have no linearization once this op completes:%n  %s%n"
            + "values the register could hold just before it completed: %s%n"
            + "ops around it (by invocation; times in ms from the first op):%n",
        prefixLength, events.size(), time(events.get(prefixLength - 1).at(), t0), line(failing, t0), possible));
    List<Op> earlier = ops.stream().filter(o -> o.definite() && o.completed() < failing.invoked())
        .sorted(Comparator.comparingLong(Op::completed).reversed()).limit(4).toList();
    Set<Op> shown = Collections.newSetFromMap(new IdentityHashMap<>());
    shown.addAll(earlier);
    // concurrent with it; an INFO op is concurrent with all that follows, so only the recent ones
    long recent = earlier.stream().mapToLong(Op::invoked).min().orElse(failing.invoked());
    ops.stream().filter(o -> o.invoked() <= failing.completed()
        && (o.definite() ? o.completed() >= failing.invoked() : o.invoked() >= recent)).forEach(shown::add);
    ops.stream().filter(o -> o.kind() != Kind.READ && possible.contains(o.value())).forEach(shown::add);
    shown.stream().sorted(Comparator.comparingLong(Op::invoked))
        .forEach(o -> out.append(o == failing ? "  > " : "    ").append(line(o, t0)).append('\n'));
    return out.toString();
  }

  private static String line(Op op, long t0) {
    return String.format(Locale.ROOT, "p%d %-44s %-4s [%s .. %s] %s", op.process(), op.describe(), op.outcome(),
        time(op.invoked(), t0), op.definite() ? time(op.completed(), t0) : "inf", Objects.requireNonNullElse(op.note(), ""));
  }

  private static String time(long at, long t0) {
    return String.format(Locale.ROOT, "%.1f", (at - t0) / 1e6);
  }
}

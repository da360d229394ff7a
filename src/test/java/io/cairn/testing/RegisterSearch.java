package io.cairn.testing;

import io.cairn.testing.Linearizability.Event;
import io.cairn.testing.Linearizability.Op;
import io.cairn.testing.Linearizability.Verdict;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Wing and Gong's search over one register's history, with Lowe's cache: the history is a linked
 * list of call and return events in time order. Walking from its head, an op whose call comes
 * before the first remaining return may be placed next (it was in flight then): if the register
 * allows its result, it is taken out of the list and the walk restarts; reaching a return whose op
 * is not placed yet means the last choice was wrong, so it is undone. A (placed set, register
 * value) seen before leads nowhere new and is skipped. INFO ops have no return: they may be placed
 * at any later point, or never.
 */
final class RegisterSearch {
  /** What a search found: the verdict and how many distinct states it took. */
  record Found(Verdict verdict, long states) {}

  private record Seen(BitSet placed, String value) {}

  private record Choice(Entry entry, String valueBefore) {}

  /** A doubly linked event; a taken-out entry keeps its links, so putting it back is two writes. */
  private static final class Entry {
    final int op;
    final boolean call;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int op, boolean call) {
      this.op = op;
      this.call = call;
    }
  }

  /** Not a register value: {@link #step} answers it when the register could not give the op's result. */
  private static final String ILLEGAL = new String("illegal");

  private final String initial;
  private final List<Op> ops;
  private final long budget;
  private final Entry head = new Entry(-1, false);
  private int returnsLeft;

  RegisterSearch(String initial, List<Op> ops, long budget) {
    this.initial = initial;
    this.ops = ops;
    this.budget = budget;
    Entry[] calls = new Entry[ops.size()];
    Map<Op, Integer> ids = new IdentityHashMap<>(); // two ops may be equal records
    for (int i = 0; i < ops.size(); i++) {
      ids.put(ops.get(i), i);
    }
    Entry tail = head;
    for (Event e : Linearizability.events(ops)) {
      int id = ids.get(e.op());
      Entry entry = new Entry(id, e.call());
      if (e.call()) {
        calls[id] = entry;
      } else {
        calls[id].match = entry;
        returnsLeft++;
      }
      tail.next = entry;
      entry.prev = tail;
      tail = entry;
    }
  }

  Found linearize() {
    Set<String> finals = new HashSet<>();
    long states = search(false, finals);
    if (states < 0) {
      return new Found(Verdict.UNKNOWN, -states);
    }
    return new Found(finals.isEmpty() ? Verdict.NOT_LINEARIZABLE : Verdict.LINEARIZABLE, states);
  }

  /** Every value the register can hold once all definite ops are placed (INFO ops placed or not); empty if none. */
  Set<String> finalValues() {
    Set<String> finals = new LinkedHashSet<>();
    search(true, finals);
    return finals;
  }

  /** Adds the register's value at each end reached to {@code finals}; the states explored, negated when over budget. */
  private long search(boolean all, Set<String> finals) {
    Set<Seen> seen = new HashSet<>();
    Deque<Choice> choices = new ArrayDeque<>();
    BitSet placed = new BitSet(ops.size());
    String value = initial;
    Entry e = head.next;
    while (true) {
      if (seen.size() > budget) {
        return -seen.size();
      }
      if (returnsLeft == 0) {
        finals.add(value);
        if (!all) {
          return seen.size();
        }
      }
      if (e == null || !e.call) { // only once every return is placed can the walk run off the end
        if (choices.isEmpty()) {
          return seen.size();
        }
        Choice undo = choices.pop();
        value = undo.valueBefore();
        placed.clear(undo.entry().op);
        putBack(undo.entry());
        e = undo.entry().next;
        continue;
      }
      String after = step(value, ops.get(e.op));
      if (after != ILLEGAL) {
        placed.set(e.op);
        if (seen.add(new Seen((BitSet) placed.clone(), after))) {
          choices.push(new Choice(e, value));
          value = after;
          takeOut(e);
          e = head.next;
          continue;
        }
        placed.clear(e.op);
      }
      e = e.next;
    }
  }

  private void takeOut(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    if (call.match != null) {
      call.match.prev.next = call.match.next;
      if (call.match.next != null) {
        call.match.next.prev = call.match.prev;
      }
      returnsLeft--;
    }
  }

  private void putBack(Entry call) {
    if (call.match != null) {
      call.match.prev.next = call.match;
      if (call.match.next != null) {
        call.match.next.prev = call.match;
      }
      returnsLeft++;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }

  /** The register's value after {@code op}, or ILLEGAL if from {@code value} it could not have answered as recorded. */
  private static String step(String value, Op op) {
    boolean matches = Objects.equals(value, op.expected());
    return switch (op.kind()) {
      case READ -> Objects.equals(value, op.value()) ? value : ILLEGAL;
      case WRITE -> op.value();
      case CAS -> op.outcome() == Linearizability.Outcome.FAIL ? (matches ? ILLEGAL : value)
          : (matches ? op.value() : ILLEGAL);
    };
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.state.LogCommand;
import io.cairn.state.StateStore;
import io.cairn.storage.ControlLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Writes that arrive while entries are on their way share the next entry, each with its own outcome. */
class EntryBatcherTest {
  static LogCommand command(int n) {
    return new LogCommand("n" + n, n, 0, List.of(), List.of());
  }

  /** Rounds the test completes by hand, remembering what each carried. */
  static final class Rounds implements EntryBatcher.Round {
    final List<List<LogCommand>> entries = new ArrayList<>();
    final List<CompletableFuture<List<ControlLog.Applied>>> replies = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<List<ControlLog.Applied>> submit(List<LogCommand> commands, long deadlineNanos) {
      entries.add(commands);
      CompletableFuture<List<ControlLog.Applied>> reply = new CompletableFuture<>();
      replies.add(reply);
      return reply;
    }

    void answer(int round, long index) {
      replies.get(round).complete(entries.get(round).stream()
          .map(c -> new ControlLog.Applied(index, new StateStore.Outcome(c.proposer().equals("n3")
              ? StateStore.Result.CONFLICT : StateStore.Result.APPLIED, null, null))).toList());
    }
  }

  @Test
  void commandsWaitingBehindFullRoundsShareTheNextEntry() {
    Rounds rounds = new Rounds();
    EntryBatcher batcher = new EntryBatcher(rounds, 2, 3);
    List<CompletableFuture<ControlLog.Applied>> outcomes = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      outcomes.add(batcher.add(command(i)));
    }
    // two lone writes went at once; the five after them wait
    assertThat(rounds.entries).hasSize(2);
    assertThat(rounds.entries.get(0)).containsExactly(command(0));
    rounds.answer(0, 10);
    // the next entry takes at most three of the waiting ones, in arrival order
    assertThat(rounds.entries).hasSize(3);
    assertThat(rounds.entries.get(2)).containsExactly(command(2), command(3), command(4));
    rounds.answer(1, 11);
    assertThat(rounds.entries.get(3)).containsExactly(command(5), command(6));
    rounds.answer(2, 12);
    rounds.answer(3, 13);
    assertThat(outcomes.get(0).join().index()).isEqualTo(10);
    assertThat(outcomes.get(3).join().index()).isEqualTo(12);
    assertThat(outcomes.get(3).join().outcome().result()).as("each command keeps its own outcome")
        .isEqualTo(StateStore.Result.CONFLICT);
    assertThat(outcomes.get(4).join().outcome().result()).isEqualTo(StateStore.Result.APPLIED);
    assertThat(outcomes.get(6).join().index()).isEqualTo(13);
    // idle again: the next write goes at once
    batcher.add(command(9));
    assertThat(rounds.entries).hasSize(5);
  }

  @Test
  void aFailedRoundFailsEveryCommandInItAndTheNextRoundStillGoes() {
    Rounds rounds = new Rounds();
    EntryBatcher batcher = new EntryBatcher(rounds, 1, 10);
    CompletableFuture<ControlLog.Applied> first = batcher.add(command(0));
    CompletableFuture<ControlLog.Applied> second = batcher.add(command(1));
    CompletableFuture<ControlLog.Applied> third = batcher.add(command(2));
    rounds.replies.get(0).completeExceptionally(new java.io.IOException("no leader"));
    assertThatThrownBy(first::join).hasCauseInstanceOf(java.io.IOException.class);
    assertThat(rounds.entries.get(1)).containsExactly(command(1), command(2));
    rounds.answer(1, 5);
    assertThat(second.join().index()).isEqualTo(5);
    assertThat(third.join().index()).isEqualTo(5);
  }

  @Test
  void aWithdrawnCommandIsNeverSentAndOneAlreadySentCannotBeWithdrawn() {
    Rounds rounds = new Rounds();
    EntryBatcher batcher = new EntryBatcher(rounds, 1, 10);
    CompletableFuture<ControlLog.Applied> sent = batcher.add(command(0));
    CompletableFuture<ControlLog.Applied> waiting = batcher.add(command(1));
    CompletableFuture<ControlLog.Applied> staying = batcher.add(command(2));
    assertThat(batcher.withdraw(sent)).as("already on its way").isFalse();
    assertThat(batcher.withdraw(waiting)).isTrue();
    rounds.answer(0, 7);
    assertThat(rounds.entries.get(1)).containsExactly(command(2));
    rounds.answer(1, 8);
    assertThat(staying.join().index()).isEqualTo(8);
  }
}

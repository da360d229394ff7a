package io.cairn.acl;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.state.Entry;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The view takes each change once, by its log index, and a reload answers only the net differences. */
class TokenViewTest {
  static AclToken token(String id) {
    return new AclToken(id, "t-" + id, Role.reader, "00", 1, 0);
  }

  static StorageBus.Applied applied(long index, String key, AclToken value) {
    return new StorageBus.Applied(index, "n", List.of(new StorageBus.Change(Table.ACL_TOKENS, key, value, index)), false);
  }

  @Test
  void aChangeSeenTwiceIsTakenOnceAndAnOlderOneNeverUndoesANewerOne() {
    TokenView view = new TokenView();
    assertThat(view.take("a", token("a"), 5)).isEqualTo(new AclBus.Changed(token("a"), false));
    assertThat(view.take("a", token("a"), 5)).as("the applied copy of this node's own write").isNull();
    assertThat(view.take("a", null, 7)).isEqualTo(new AclBus.Changed(token("a"), true));
    assertThat(view.take("a", token("a"), 5)).as("a late return of the create").isNull();
    assertThat(view.get("a")).isNull();
    assertThat(view.bootstrapped()).isFalse();
  }

  @Test
  void theMarkerOrAnyTokenMeansBootstrapped() {
    TokenView view = new TokenView();
    view.take(new StorageBus.Change(Table.ACL_BOOTSTRAP, Bootstrapped.KEY, new Bootstrapped("a", 1), 3));
    assertThat(view.bootstrapped()).isTrue();
    TokenView older = new TokenView();
    older.take("x", token("x"), 2);
    assertThat(older.bootstrapped()).as("tokens from before the marker").isTrue();
  }

  @Test
  void aReloadAnswersTheNetDifferencesAfterTheCommandsAppliedSinceTheRead() {
    TokenView view = new TokenView();
    view.take("kept", token("kept"), 1);
    view.take("gone", token("gone"), 2);
    List<AclBus.Changed> changes = view.reload(
        List.of(new Entry<>(Table.ACL_TOKENS, "kept", token("kept"), null, false, 1),
            new Entry<>(Table.ACL_TOKENS, "new", token("new"), null, false, 9)),
        false,
        List.of(applied(9, "new", token("new")), applied(10, "later", token("later")), applied(11, "later", null)));
    assertThat(changes).containsExactlyInAnyOrder(new AclBus.Changed(token("gone"), true),
        new AclBus.Changed(token("new"), false));
    assertThat(view.all()).extracting(AclToken::id).containsExactlyInAnyOrder("kept", "new");
  }
}

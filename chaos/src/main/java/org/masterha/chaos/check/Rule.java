package org.masterha.chaos.check;

/** The rules of the fault campaign; a {@link Violation} names the one it breaks. */
public enum Rule {
  /** Tenures of different epochs never overlap; one (line, epoch) is elected once. */
  A_TENURES_DISJOINT("a", "tenures of different epochs never overlap"),
  /** Ordered by start, successive tenures' epochs strictly increase; lines never go back. */
  B_EPOCHS_INCREASE("b", "successive tenures' epochs strictly increase"),
  /** An acknowledged write is fenced: sent inside its tenure, never after a newer election. */
  C_WRITES_FENCED("c", "acknowledged writes are fenced by their tenure"),
  /** The register's chain of values: no fork, no lost acknowledged write, versions increase. */
  D_REGISTER_CHAIN("d", "the register is one chain holding every acknowledged write"),
  /** Each detector's epochs never go back within a line, and its lines never go back. */
  E_DETECTOR_MONOTONIC("e", "a detector never goes back to an older epoch"),
  /** After a fault heals, some node leads within session timeout + grace. */
  F_LIVENESS("f", "a leader acts soon after a fault heals"),
  /** No node acts as leader outside its own tenure. */
  G_ACTS_INSIDE_TENURE("g", "no node acts as leader outside its own tenure");

  private final String letter;
  private final String statement;

  Rule(String letter, String statement) {
    this.letter = letter;
    this.statement = statement;
  }

  /** The rule's letter in the campaign issue: "a" to "g". */
  public String letter() {
    return letter;
  }

  /** The rule in a few words. */
  public String statement() {
    return statement;
  }
}

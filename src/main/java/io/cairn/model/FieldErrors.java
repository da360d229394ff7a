package io.cairn.model;

import java.util.ArrayList;

/**
 * A validator's error list that keeps the first {@link CairnException#MAX_DETAILS} problems and only
 * counts the rest, so a body with a million bad fields costs a counter, not a million objects.
 */
public final class FieldErrors extends ArrayList<FieldError> {
  private int total;

  @Override
  public boolean add(FieldError error) {
    total++;
    return size() < CairnException.MAX_DETAILS && super.add(error);
  }

  /** Every problem found, kept or only counted. */
  public int total() {
    return total;
  }
}

/**
 * The checker of a campaign history and its report.
 *
 * <p>{@link org.masterha.chaos.check.HistoryChecker#check} finds every {@link
 * org.masterha.chaos.check.Violation} of the campaign's rules ({@link
 * org.masterha.chaos.check.Rule}, (a) to (g)) and measures failovers and liveness gaps; {@link
 * org.masterha.chaos.check.Summary} turns a checked history into the campaign's figures, as text or
 * JSON, for one store or several side by side. {@link org.masterha.chaos.check.CheckMain} does the
 * same from the command line for a saved history directory.
 */
package org.masterha.chaos.check;

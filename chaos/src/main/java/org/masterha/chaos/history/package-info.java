/**
 * The history of a fault campaign: what every process did and saw, and how it is stored.
 *
 * <p>Format. One JSON-Lines file per process, {@code <dir>/<proc>.jsonl}, one {@link
 * org.masterha.chaos.history.Event} per line with its {@code type}, {@code t} ({@code
 * System.nanoTime()}), {@code proc} and {@code life}, plus the fields of its type. A restarted
 * process appends its next life to the same file. Processes write with {@link
 * org.masterha.chaos.history.HistoryWriter} (one system call per line, so a kill -9 tears at most
 * the last line); {@link org.masterha.chaos.history.HistoryReader} reads a directory into one
 * {@link org.masterha.chaos.history.History} sorted by {@code t}, ties in file order.
 */
package org.masterha.chaos.history;

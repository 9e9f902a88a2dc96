/**
 * Backends that can run a server of their own store inside the process that uses it (the raft
 * backend: each master is one peer of the quorum), found with {@link java.util.ServiceLoader} so a
 * process needs no compile dependency on the backend.
 */
package org.masterha.ha.embed;

/**
 * Uniqueness by allocation: which region is the authority for a name ({@link io.calmdb.replication.claim.ClaimAuthority}),
 * and the values a claim is made of and answered with. The protocol itself lives in the replica core. Depends on
 * {@code calmdb-crdt} only.
 */
package io.calmdb.replication.claim;

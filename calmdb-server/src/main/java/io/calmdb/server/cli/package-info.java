/**
 * The {@code calmdb} command line: a small picocli top-level command and one class per subcommand, plus text/JSON
 * formatting of results. It may depend on every CalmDB module and on picocli; it holds no protocol or experiment logic.
 */
package io.calmdb.server.cli;

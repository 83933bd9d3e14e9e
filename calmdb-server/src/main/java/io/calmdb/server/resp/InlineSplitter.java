package io.calmdb.server.resp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line into arguments with the rules of Redis's {@code sdssplitargs}, so that what a
 * person types into telnet means the same here as in Redis: arguments are separated by white space; double
 * quotes allow the escapes {@code \n \r \t \b \a \\ \"} and {@code \xHH}; single quotes allow {@code \'}; a
 * closing quote must be followed by white space or the end of the line.
 */
final class InlineSplitter {
  private InlineSplitter() {}

  /** The arguments of {@code line} (possibly none), or null when its quotes are unbalanced. */
  static byte[][] split(byte[] line) {
    List<byte[]> arguments = new ArrayList<>();
    int index = 0;
    int length = line.length;
    while (true) {
      while (index < length && isSpace(line[index])) {
        index++;
      }
      if (index >= length) {
        return arguments.toArray(new byte[0][]);
      }
      ByteArrayOutputStream current = new ByteArrayOutputStream();
      boolean inDoubleQuotes = false;
      boolean inSingleQuotes = false;
      boolean done = false;
      while (!done) {
        if (inDoubleQuotes) {
          if (index >= length) {
            return null;
          }
          byte character = line[index];
          if (character == '\\' && index + 3 < length && line[index + 1] == 'x' && isHex(line[index + 2])
              && isHex(line[index + 3])) {
            current.write(hexValue(line[index + 2]) * 16 + hexValue(line[index + 3]));
            index += 3;
          } else if (character == '\\' && index + 1 < length) {
            index++;
            current.write(switch (line[index]) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              case 'b' -> '\b';
              case 'a' -> 7;
              default -> line[index];
            });
          } else if (character == '"') {
            if (index + 1 < length && !isSpace(line[index + 1])) {
              return null;
            }
            done = true;
          } else {
            current.write(character);
          }
        } else if (inSingleQuotes) {
          if (index >= length) {
            return null;
          }
          byte character = line[index];
          if (character == '\\' && index + 1 < length && line[index + 1] == '\'') {
            index++;
            current.write('\'');
          } else if (character == '\'') {
            if (index + 1 < length && !isSpace(line[index + 1])) {
              return null;
            }
            done = true;
          } else {
            current.write(character);
          }
        } else {
          if (index >= length) {
            break;
          }
          byte character = line[index];
          if (isSpace(character)) {
            done = true;
          } else if (character == '"') {
            inDoubleQuotes = true;
          } else if (character == '\'') {
            inSingleQuotes = true;
          } else {
            current.write(character);
          }
        }
        if (index < length) {
          index++;
        }
      }
      arguments.add(current.toByteArray());
    }
  }

  private static boolean isSpace(byte character) {
    return character == ' ' || character == '\t' || character == '\n' || character == '\r' || character == 0x0b
        || character == '\f';
  }

  private static boolean isHex(byte character) {
    return (character >= '0' && character <= '9') || (character >= 'a' && character <= 'f')
        || (character >= 'A' && character <= 'F');
  }

  private static int hexValue(byte character) {
    if (character <= '9') {
      return character - '0';
    }
    return (character | 0x20) - 'a' + 10;
  }
}

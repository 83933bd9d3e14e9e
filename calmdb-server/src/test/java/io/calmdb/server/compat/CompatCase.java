package io.calmdb.server.compat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One case of the differential test: commands run in order on a fresh connection to an empty database. Case files
 * hold one command per line, a blank line between cases, and {@code #} comment lines; the comment that opens a case
 * names it. Arguments split on spaces; {@code "..."} quotes with the escapes {@code \n \r \t \\ \" \xHH}, and
 * {@code '...'} quotes literally.
 */
record CompatCase(String name, List<Step> steps) {
    /** One command: where it came from, its arguments as text and as bytes. */
    record Step(String origin, List<String> arguments, List<byte[]> bytes) {
        String line() {
            return String.join(" ", arguments);
        }
    }

    static List<CompatCase> parse(String fileName, String text) {
        List<CompatCase> cases = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        String name = null;
        String[] lines = text.split("\n", -1);
        for (int index = 0; index <= lines.length; index++) {
            String line = index < lines.length ? lines[index].strip() : "";
            if (line.isEmpty()) {
                if (!steps.isEmpty()) {
                    cases.add(new CompatCase(fileName + ": " + (name == null ? "case ending line " + index : name),
                            List.copyOf(steps)));
                }
                steps.clear();
                name = null;
                continue;
            }
            if (line.startsWith("#")) {
                if (steps.isEmpty() && name == null) {
                    name = line.substring(1).strip();
                }
                continue;
            }
            List<byte[]> bytes = split(line, fileName + ":" + (index + 1));
            List<String> arguments = bytes.stream().map(value -> new String(value, StandardCharsets.UTF_8)).toList();
            steps.add(new Step(fileName + ":" + (index + 1), arguments, bytes));
        }
        return cases;
    }

    static List<byte[]> split(String line, String origin) {
        List<byte[]> arguments = new ArrayList<>();
        int index = 0;
        while (index < line.length()) {
            char character = line.charAt(index);
            if (character == ' ' || character == '\t') {
                index++;
                continue;
            }
            ByteArrayOutputStream argument = new ByteArrayOutputStream();
            if (character == '"') {
                index++;
                while (true) {
                    if (index >= line.length()) {
                        throw new IllegalArgumentException(origin + ": unterminated \" in: " + line);
                    }
                    char next = line.charAt(index++);
                    if (next == '"') {
                        break;
                    }
                    if (next == '\\') {
                        char escaped = line.charAt(index++);
                        switch (escaped) {
                            case 'n' -> argument.write('\n');
                            case 'r' -> argument.write('\r');
                            case 't' -> argument.write('\t');
                            case 'x' -> {
                                argument.write(Integer.parseInt(line.substring(index, index + 2), 16));
                                index += 2;
                            }
                            default -> argument.write(escaped);
                        }
                    } else {
                        argument.writeBytes(String.valueOf(next).getBytes(StandardCharsets.UTF_8));
                    }
                }
            } else if (character == '\'') {
                int end = line.indexOf('\'', index + 1);
                if (end < 0) {
                    throw new IllegalArgumentException(origin + ": unterminated ' in: " + line);
                }
                argument.writeBytes(line.substring(index + 1, end).getBytes(StandardCharsets.UTF_8));
                index = end + 1;
            } else {
                int end = index;
                while (end < line.length() && line.charAt(end) != ' ' && line.charAt(end) != '\t') {
                    end++;
                }
                argument.writeBytes(line.substring(index, end).getBytes(StandardCharsets.UTF_8));
                index = end;
            }
            arguments.add(argument.toByteArray());
        }
        return arguments;
    }

    static Step step(String origin, String... arguments) {
        List<byte[]> bytes = new ArrayList<>();
        for (String argument : arguments) {
            bytes.add(argument.getBytes(StandardCharsets.UTF_8));
        }
        return new Step(origin, List.of(arguments), bytes);
    }
}

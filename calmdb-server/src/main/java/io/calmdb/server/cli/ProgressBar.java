package io.calmdb.server.cli;

import io.calmdb.sim.experiment.ProgressListener;
import java.io.PrintStream;

/**
 * A one-line progress bar redrawn in place on a terminal ({@code [#####-----] 512/1000 seeds}). It redraws at most
 * once per percent so that printing never dominates a fast experiment.
 */
final class ProgressBar implements ProgressListener {
    private static final int WIDTH_CHARS = 30;

    private final PrintStream out;
    private final String label;
    private long lastPercent = -1;

    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void progress(long done, long total) {
        long percent = total == 0 ? 100 : done * 100 / total;
        if (percent == lastPercent && done != total) {
            return;
        }
        lastPercent = percent;
        int filled = (int) (WIDTH_CHARS * percent / 100);
        out.print("\r" + label + " [" + "#".repeat(filled) + "-".repeat(WIDTH_CHARS - filled) + "] " + done + "/"
                + total + " runs");
        if (done == total) {
            out.print("\r" + " ".repeat(label.length() + WIDTH_CHARS + 30) + "\r");
        }
        out.flush();
    }
}

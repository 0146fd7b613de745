// A progress line for long imports: drawn on stderr only when it is a terminal, at most a few times a second.
export interface ProgressReporter {
  update(done: number, total: number, rows: number): void;
  finish(): void;
}

export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, rows) {
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const width = 30;
      const filled = Math.round(fraction * width);
      const rate = rows / Math.max(0.001, (now - started) / 1000);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% ${rows.toLocaleString('en-GB')} rows ${Math.round(rate).toLocaleString('en-GB')}/s`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}

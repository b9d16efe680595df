/**
 * How the demo speaks: plain lines, colour only on a terminal without NO_COLOR, progress bars only
 * on a terminal, nothing but the final table under --quiet, and nothing but JSON under --json.
 */
export interface Output {
  /** A line of narration (silent under --quiet and --json). */
  say(text?: string): void;
  /** A heading. */
  section(title: string): void;
  /** A line that always shows (unless --json). */
  always(text?: string): void;
  /** Redraws one progress line in place; on a pipe, prints nothing until `done`. */
  progress(text: string): void;
  /** Ends a progress line with its final text. */
  done(text: string): void;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
}

export function createOutput(
  options: { quiet: boolean; json: boolean },
  stream = process.stdout,
): Output {
  const tty = stream.isTTY === true;
  const colour = tty && process.env.NO_COLOR === undefined;
  const paint = (code: string) => (text: string) =>
    colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  const narrate = !options.quiet && !options.json;
  const write = (text: string) => stream.write(text);
  let progressShown = false;
  return {
    say(text = '') {
      if (narrate) write(`${text}\n`);
    },
    section(title) {
      if (narrate) write(`\n${paint('1')(title)}\n`);
    },
    always(text = '') {
      if (!options.json) write(`${text}\n`);
    },
    progress(text) {
      if (!narrate || !tty) return;
      write(`\r\u001b[2K${text}`);
      progressShown = true;
    },
    done(text) {
      if (!narrate) return;
      if (progressShown) write('\r\u001b[2K');
      progressShown = false;
      write(`${text}\n`);
    },
    bold: paint('1'),
    dim: paint('2'),
    green: paint('32'),
  };
}

/** `[#####.....]` for a share in [0, 1]. */
export function bar(share: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, share)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Lays rows out in columns under their headers. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

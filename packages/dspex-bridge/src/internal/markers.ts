/** The line that introduces a field in a prompt or a reply: `[[ ## answer ## ]]`. */
export function marker(name: string): string {
  return `[[ ## ${name} ## ]]`;
}

/** Closes a reply in the marker format. */
export const COMPLETED_MARKER = marker('completed');

const MARKER_PATTERN = /\[\[ ## ([A-Za-z_][A-Za-z0-9_]*) ## \]\]/g;

/**
 * The sections of a text written with field markers, in order: each marker's name and the trimmed
 * text up to the next marker. Text before the first marker is ignored; `completed` ends the scan.
 */
export function readMarkedSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  let name: string | undefined;
  let start = 0;
  for (const match of text.matchAll(MARKER_PATTERN)) {
    if (name !== undefined && !sections.has(name)) {
      sections.set(name, text.slice(start, match.index).trim());
    }
    name = match[1] as string;
    start = (match.index ?? 0) + match[0].length;
    if (name === 'completed') return sections;
  }
  if (name !== undefined && !sections.has(name)) sections.set(name, text.slice(start).trim());
  return sections;
}

/** A value as the prompt shows it: text verbatim, anything else as JSON. */
export function renderValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * UTF-8 text ↔ bytes for the core (`lib: ES2022` declares neither
 * TextEncoder nor TextDecoder, but every runtime LatentLab targets has them).
 */
declare const TextEncoder: { new (): { encode(text: string): Uint8Array } };
declare const TextDecoder: { new (label?: 'utf-8'): { decode(bytes: Uint8Array): string } };

export const utf8Encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const utf8Decode = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes);

/**
 * `text` made fit to quote in a one-line message (a file's bytes, a value
 * read from a file): line breaks and other control characters escaped as
 * JSON escapes them (`\n`, `\u001b`), and cut to `max` characters.
 */
export function printable(text: string, max = 200): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/** A value read from a file, as JSON, made printable (see {@link printable}): for messages such as `unknown dtype "F128"`. */
export function quoted(value: unknown, max = 80): string {
  const json = printable(JSON.stringify(value) ?? String(value), Infinity);
  if (json.length <= max) return json;
  // A string is cut inside its quotes, so that it still reads as one.
  return typeof value === 'string' ? `${json.slice(0, max - 2)}…"` : `${json.slice(0, max - 1)}…`;
}

/** A model's name with its article, for messages: "a vae", "an aae". */
export const withArticle = (name: string): string => `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;

/** Compares strings with their digit runs as numbers ("2" before "10"): class folders, file names. */
export const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

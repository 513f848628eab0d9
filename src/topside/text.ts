const encoder = new TextEncoder();

/** `text` cut to at most `maxBytes` UTF-8 bytes (with an ellipsis when cut), for protocol strings. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (encoder.encode(text).length <= maxBytes) return text;
  let s = text.slice(0, maxBytes);
  while (s.length > 0 && encoder.encode(s).length > maxBytes - 3) s = s.slice(0, -1);
  // Never leave half of a surrogate pair behind.
  if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
  return `${s}…`;
}

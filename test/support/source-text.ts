/**
 * Splitting TypeScript source into code and comments, keeping every newline so that line numbers
 * stay right. Strings and template literals are code (a `//` inside one is not a comment).
 */

/** The source with its comments blanked out. */
export function blankComments(source: string): string {
  return split(source, "code");
}

/** The source with everything but its comments blanked out. */
export function commentsOnly(source: string): string {
  return split(source, "comments");
}

function split(source: string, keep: "code" | "comments"): string {
  const blank = (text: string): string => text.replace(/[^\n]/g, " ");
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    let end: number;
    let comment = false;
    if (c === "/" && next === "/") {
      const nl = source.indexOf("\n", i);
      end = nl === -1 ? source.length : nl;
      comment = true;
    } else if (c === "/" && next === "*") {
      const close = source.indexOf("*/", i + 2);
      end = close === -1 ? source.length : close + 2;
      comment = true;
    } else if (c === '"' || c === "'" || c === "`") {
      end = i + 1;
      while (end < source.length && source[end] !== c) end += source[end] === "\\" ? 2 : 1;
      end = Math.min(end + 1, source.length);
    } else {
      end = i + 1;
    }
    const piece = source.slice(i, end);
    out += comment === (keep === "comments") ? piece : blank(piece);
    i = end;
  }
  return out;
}

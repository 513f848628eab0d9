/**
 * Whether a focused element takes typed text, pure (tag name, `type` attribute and
 * contenteditable passed in). Only real text entry keeps the keyboard: there the pilot is typing,
 * and flight keys must not fly. Everything else — range sliders, buttons, checkboxes, selects,
 * the page itself — leaves flight keys and Space (disarm) to the cockpit.
 */
const TEXT_INPUT_TYPES = new Set(["", "text", "password", "search", "email", "url", "tel", "number"]);

export function isTextEntry(tagName: string, type: string | null, contentEditable = false): boolean {
  if (contentEditable) return true;
  const tag = tagName.toUpperCase();
  if (tag === "TEXTAREA") return true;
  if (tag !== "INPUT") return false;
  return TEXT_INPUT_TYPES.has((type ?? "").toLowerCase());
}

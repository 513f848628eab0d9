/**
 * Whether this page can read gamepads at all, and if not, what to tell the pilot. Two real
 * cases: browsers that hide the Gamepad API outside secure contexts (Firefox did from version 81;
 * Chromium and Safari keep it), and a permissions policy that blocks the "gamepad" feature
 * (the cockpit embedded in a frame, or a proxy sending `Permissions-Policy: gamepad=()`), where
 * `getGamepads()` throws a SecurityError.
 */
export type GamepadSupport =
  | { ok: true }
  | { ok: false; reason: "insecure-context" | "no-api" | "blocked-by-policy"; text: string };

export function gamepadSupport(nav: Navigator, secure: boolean): GamepadSupport {
  const keyboard = "The keyboard works here.";
  if (typeof (nav as Partial<Navigator>).getGamepads !== "function") {
    if (!secure) {
      return {
        ok: false,
        reason: "insecure-context",
        text: `Gamepads cannot work here: this browser hides them from pages that are not a secure context (plain HTTP off localhost). Open the cockpit over HTTPS or on localhost to fly with a gamepad. ${keyboard}`,
      };
    }
    return {
      ok: false,
      reason: "no-api",
      text: `Gamepads cannot work here: this browser has no gamepad support. ${keyboard}`,
    };
  }
  try {
    nav.getGamepads();
  } catch (err) {
    return {
      ok: false,
      reason: "blocked-by-policy",
      text: `Gamepads cannot work here: the page's permissions policy blocks them (${(err as Error).name}). Open the cockpit directly, not inside another page, or ask whoever serves it to allow the "gamepad" feature. ${keyboard}`,
    };
  }
  return { ok: true };
}

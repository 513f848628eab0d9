import { loginCodeFrom, loginLinkRefusal } from "../core/login-link.ts";
import { countdownRunning, signInRefusal } from "../core/notices.ts";
import { $, setText } from "./dom.ts";

/** This tab's pilot secret from a redeemed sign-in link (survives a reload, not the tab). */
const LINK_SECRET = "tethys.link-secret";

/**
 * Signing in and out: the sign-in form (name and token), the one-time sign-in link
 * (`#login=<code>`, redeemed at the hub), the hub's refusals in plain words with a live countdown
 * while the hub asks to wait, and the Sign out button. It shows the cockpit once the hub accepts
 * the page and the form again after signing out; connecting and the session are the page's
 * (`submit` and `signOut`).
 */
export class SignIn {
  /** The last refusal, counted down live on the form while the hub asks to wait. */
  private refusal: { code: string; retryAfterMs: number | undefined; at: number } | undefined;

  /** `submit`: connect and sign in with `credentials()`; `signOut`: close the connection, forget the session. */
  constructor(submit: () => void, signOut: () => void) {
    $("signin-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.refusal = undefined;
      $("signin-error").textContent = "Connecting…";
      submit();
    });
    $("signout").addEventListener("click", () => {
      sessionStorage.removeItem(LINK_SECRET);
      signOut();
      $("cockpit").hidden = true;
      $("signin").hidden = false;
      $("signout").hidden = true;
    });
  }

  /** What the form holds, for the `auth` message. */
  credentials(): { secret: string; name: string } {
    const secret = ($("signin-secret") as HTMLInputElement).value;
    const name = ($("signin-name") as HTMLInputElement).value.slice(0, 32) || "pilot";
    return { secret, name };
  }

  /** The hub accepted the page: the cockpit replaces the form. */
  accepted(): void {
    $("signin").hidden = true;
    $("cockpit").hidden = false;
    $("signout").hidden = false;
  }

  /** The hub refused the sign-in (`retryAfterMs`, when given, is counted down). */
  refused(code: string, retryAfterMs: number | undefined, now: number): void {
    this.refusal = { code, retryAfterMs, at: now };
    $("signin-error").textContent = signInRefusal(code, retryAfterMs, 0);
  }

  /** The connection went away before the page was signed in. */
  unreachable(reason: string): void {
    $("signin-error").textContent = `Cannot reach the hub: ${reason}`;
  }

  /** Called every animation frame: the refusal's countdown. */
  tick(now: number): void {
    const r = this.refusal;
    if (r === undefined) return;
    setText($("signin-error"), signInRefusal(r.code, r.retryAfterMs, now - r.at));
    if (!countdownRunning(r.retryAfterMs, now - r.at)) this.refusal = undefined;
  }

  /** `#login=<code>`: taken out of the address bar at once, redeemed at the hub, then signed in;
   *  without one, a secret this tab redeemed before signs in again. */
  fromLink(): void {
    const code = loginCodeFrom(location.hash);
    if (code === undefined) {
      const kept = sessionStorage.getItem(LINK_SECRET);
      if (kept) this.submitWith(kept);
      return;
    }
    history.replaceState(null, "", location.pathname + location.search);
    $("signin-error").textContent = "Signing in with the link…";
    fetch("login", { method: "POST", body: code, cache: "no-store" })
      .then(async (r) => {
        if (!r.ok) throw new Error(loginLinkRefusal(r.status));
        const { secret } = (await r.json()) as { secret?: unknown };
        if (typeof secret !== "string") throw new Error(loginLinkRefusal(r.status));
        sessionStorage.setItem(LINK_SECRET, secret);
        this.submitWith(secret);
      })
      .catch((err: unknown) => {
        $("signin-error").textContent = err instanceof Error ? err.message : String(err);
      });
  }

  private submitWith(secret: string): void {
    ($("signin-secret") as HTMLInputElement).value = secret;
    ($("signin-form") as HTMLFormElement).requestSubmit();
  }
}

import assert from "node:assert/strict";
import { test } from "node:test";
import { loginCodeFrom, loginLinkRefusal } from "./login-link.ts";

test("the one-time code comes from the fragment's login parameter, and only a plausible one", () => {
  assert.equal(loginCodeFrom("#login=AbCdEfGhIjKlMnOpQrSt_-12"), "AbCdEfGhIjKlMnOpQrSt_-12");
  assert.equal(loginCodeFrom("#x=1&login=AbCdEfGhIjKlMnOpQrSt"), "AbCdEfGhIjKlMnOpQrSt");
  assert.equal(loginCodeFrom(""), undefined);
  assert.equal(loginCodeFrom("#login="), undefined);
  assert.equal(loginCodeFrom("#login=short"), undefined);
  assert.equal(loginCodeFrom("#login=<script>alert(1)</script>xxxxxxxx"), undefined);
  assert.match(loginLinkRefusal(403), /already used/);
  assert.match(loginLinkRefusal(500), /HTTP 500/);
});

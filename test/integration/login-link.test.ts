import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { startTestHub } from "../../src/topside/testing/hub-harness.ts";

/**
 * The one-time sign-in link (`tethys sim` prints `…/#login=<code>`): the hub redeems the code once,
 * from loopback, at POST /login for a fresh pilot secret that then signs in (and signs in again on
 * reconnect); a second use, a wrong code or a GET gets nothing.
 */
const CODE = "Zm9yLXRlc3RzLW9ubHktMTIzNDU2";
const hash = `sha256:${createHash("sha256").update(CODE).digest("hex")}`;

test("a sign-in link works once and gives a pilot secret", async () => {
  const t = await startTestHub({ loginLinkHash: hash });
  try {
    const base = `http://127.0.0.1:${t.hub.address.port}`;
    const post = (body: string) => fetch(`${base}/login`, { method: "POST", body });
    assert.equal((await fetch(`${base}/login`)).status, 405, "GET is refused (and the code is never in a URL)");
    assert.equal((await post("not-the-code-at-all")).status, 403);
    const ok = await post(CODE);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("cache-control"), "no-store");
    const { secret } = (await ok.json()) as { secret: string };
    assert.match(secret, /^[A-Za-z0-9_-]{32}$/);
    assert.equal((await post(CODE)).status, 403, "used up");

    for (let i = 0; i < 2; i++) {
      // the cockpit signs in with it, and again on reconnect
      const c = await t.connect();
      const r = await c.auth(secret, "pilot");
      assert.deepEqual([r.ok, r.access], [true, "pilot"]);
      c.close();
    }
    const other = await t.connect();
    assert.equal((await other.auth(CODE, "x")).ok, false, "the code itself is no secret");
  } finally {
    await t.close();
  }
});

test("a hub without a link redeems nothing", async () => {
  const t = await startTestHub();
  try {
    const r = await fetch(`http://127.0.0.1:${t.hub.address.port}/login`, { method: "POST", body: CODE });
    assert.equal(r.status, 403);
  } finally {
    await t.close();
  }
});

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { httpsAddressFrom } from "./https-address.ts";

test("the hub's HTTPS port gives the same page over HTTPS on the same host", () => {
  assert.equal(httpsAddressFrom({ httpsPort: 8443 }, "rov.local", "/"), "https://rov.local:8443/");
  assert.equal(httpsAddressFrom({ httpsPort: 443 }, "192.168.2.1", "/cockpit/"), "https://192.168.2.1:443/cockpit/");
  assert.equal(httpsAddressFrom({ httpsPort: 8443 }, "[fe80::1]", "/"), "https://[fe80::1]:8443/");
  assert.equal(httpsAddressFrom({ httpsPort: 8443 }, "fe80::1", "/"), "https://[fe80::1]:8443/");
});

test("a hub without HTTPS says null; anything else is not an answer", () => {
  assert.equal(httpsAddressFrom({ httpsPort: null }, "rov.local", "/"), null);
  for (const bad of [
    undefined,
    null,
    "8443",
    [],
    {},
    { httpsPort: "8443" },
    { httpsPort: 0 },
    { httpsPort: 70000 },
    { httpsPort: 1.5 },
  ])
    assert.equal(httpsAddressFrom(bad, "rov.local", "/"), undefined, JSON.stringify(bad));
});

test("any JSON value: a URL only from a valid port, never a throw", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const r = httpsAddressFrom(v, "rov.local", "/");
      if (typeof r === "string") assert.match(r, /^https:\/\/rov\.local:\d{1,5}\/$/);
    }),
  );
});

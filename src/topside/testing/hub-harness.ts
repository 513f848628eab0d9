import type { HttpGuardOptions } from "../http-guard.ts";
import { createHub, type Hub } from "../hub.ts";
import { type FixtureOptions, fixtureParts, type HubFixture, hubFixture } from "./hub-fixture.ts";
import { TestClient } from "./ws-client.ts";

export { OBSERVER_SECRET, PILOT_SECRET } from "./hub-fixture.ts";

/** A hub listening on 127.0.0.1 (port 0), with browsers connecting over real WebSockets. */
export interface TestHub extends HubFixture<TestClient> {
  hub: Hub;
  url: string;
}

export async function startTestHub(
  options: FixtureOptions & { staticDir?: string; http?: Partial<HttpGuardOptions> } = {},
): Promise<TestHub> {
  const parts = fixtureParts(options);
  const hub = await createHub({
    ...parts.protocol,
    host: "127.0.0.1",
    port: 0,
    ...(options.staticDir === undefined ? {} : { staticDir: options.staticDir }),
    ...(options.http === undefined ? {} : { http: options.http }),
  });
  const url = `ws://127.0.0.1:${hub.address.port}/ws`;
  const fixture = hubFixture(
    parts,
    () => TestClient.connect(url),
    async (clients) => {
      for (const c of clients) c.ws.terminate();
      await hub.close();
    },
  );
  return { ...fixture, hub, url };
}

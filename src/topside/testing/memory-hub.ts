import { HubProtocol } from "../hub-protocol.ts";
import { type FixtureOptions, fixtureParts, type HubFixture, hubFixture } from "./hub-fixture.ts";
import { MemoryBrowser } from "./memory-transport.ts";

export { OBSERVER_SECRET, PILOT_SECRET } from "./hub-fixture.ts";

/** The hub's session protocol with browsers connected in memory: no HTTP, no sockets, no ports. */
export interface MemoryHub extends HubFixture<MemoryBrowser> {
  protocol: HubProtocol;
  /** A browser from `remote` (default "memory"), accepted by the protocol. */
  connectFrom(remote: string): MemoryBrowser;
}

export function startMemoryHub(options: FixtureOptions = {}): MemoryHub {
  const parts = fixtureParts(options);
  const protocol = new HubProtocol(parts.protocol);
  protocol.start();
  const connectFrom = (remote: string) => {
    const browser = new MemoryBrowser({ remote, maxMessageBytes: protocol.limits.maxMessageBytes });
    protocol.accept(browser.transport);
    return browser;
  };
  const fixture = hubFixture(
    parts,
    async () => connectFrom("memory"),
    async () => protocol.close(),
  );
  return { ...fixture, protocol, connectFrom };
}

import { Registry } from "prom-client";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { createLogging } from "../../observability/logger.ts";
import type { HubProtocolOptions } from "../hub-protocol.ts";
import type { BrowserLimits } from "../limits.ts";
import { hashSecret } from "../secrets.ts";
import { VehicleDirectory } from "../vehicle-channel.ts";
import { FakeVehicle } from "./fake-vehicle.ts";
import type { ProtocolClient } from "./protocol-client.ts";

export const PILOT_SECRET = "pilot-secret";
export const OBSERVER_SECRET = "observer-secret";
// Cheap scrypt cost: tests and benchmarks authenticate hundreds of sessions.
const CHEAP = { N: 1024, r: 8, p: 1 };
const pilotHash = await hashSecret(PILOT_SECRET, CHEAP);
const observerHash = await hashSecret(OBSERVER_SECRET, CHEAP);

export interface FixtureOptions {
  limits?: Partial<BrowserLimits>;
  anonymousObservers?: boolean;
  /** `sha256:<hex>` of a one-time sign-in code. */
  loginLinkHash?: string;
}

/** A hub under test with its browsers, whatever carries their frames (WebSocket or memory). */
export interface HubFixture<C extends ProtocolClient> {
  clock: VirtualClock;
  registry: Registry;
  directory: VehicleDirectory;
  vehicle: FakeVehicle;
  clients: C[];
  connect(): Promise<C>;
  /** Connects, authenticates and attaches to rov1 with a role. */
  join(role: "pilot" | "observer", name?: string): Promise<C>;
  /** Sum of a metric's values whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/**
 * What every hub fixture starts from: a `VirtualClock`, a fresh registry, one fake vehicle
 * `rov1` in a directory, and the protocol options with cheap hashes of PILOT_SECRET and
 * OBSERVER_SECRET.
 */
export function fixtureParts(options: FixtureOptions = {}): {
  clock: VirtualClock;
  registry: Registry;
  directory: VehicleDirectory;
  vehicle: FakeVehicle;
  protocol: HubProtocolOptions;
} {
  const clock = new VirtualClock();
  const registry = new Registry();
  const directory = new VehicleDirectory();
  const vehicle = new FakeVehicle("rov1");
  directory.add(vehicle);
  const protocol: HubProtocolOptions = {
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("hub"),
    registry,
    vehicles: directory,
    auth: {
      pilotHashes: [pilotHash],
      observerHashes: [observerHash],
      anonymousObservers: options.anonymousObservers ?? false,
      ...(options.loginLinkHash === undefined ? {} : { loginLinkHash: options.loginLinkHash }),
    },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  };
  return { clock, registry, directory, vehicle, protocol };
}

/** The fixture over `parts`: `open` makes one connected client, `close` shuts the hub down. */
export function hubFixture<C extends ProtocolClient>(
  parts: ReturnType<typeof fixtureParts>,
  open: () => Promise<C>,
  close: (clients: C[]) => Promise<void>,
): HubFixture<C> {
  const clients: C[] = [];
  const f: HubFixture<C> = {
    clock: parts.clock,
    registry: parts.registry,
    directory: parts.directory,
    vehicle: parts.vehicle,
    clients,
    async connect() {
      const c = await open();
      clients.push(c);
      return c;
    },
    async join(role, name = "") {
      const c = await f.connect();
      const result = await c.auth(role === "pilot" ? PILOT_SECRET : OBSERVER_SECRET, name);
      if (!result.ok) throw new Error(`auth failed: ${result.code}`);
      c.send({ type: "role-request", vehicle: "rov1", role, takeover: false });
      const granted = await c.next("role");
      if (granted.role !== role) throw new Error(`wanted ${role}, got ${granted.role}`);
      return c;
    },
    async metric(name, labels = {}) {
      const metric = parts.registry.getSingleMetric(name);
      if (metric === undefined) throw new Error(`no metric ${name}`);
      const m = (await metric.get()) as { values: { labels: Record<string, string | number>; value: number }[] };
      let sum = 0;
      for (const x of m.values) if (Object.entries(labels).every(([k, val]) => x.labels[k] === val)) sum += x.value;
      return sum;
    },
    close: () => close(clients),
  };
  return f;
}

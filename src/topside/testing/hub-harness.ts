import { Registry } from "prom-client";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { createLogging } from "../../observability/logger.ts";
import { createHub, type Hub } from "../hub.ts";
import type { BrowserLimits } from "../limits.ts";
import { hashSecret } from "../secrets.ts";
import { VehicleDirectory } from "../vehicle-channel.ts";
import { FakeVehicle } from "./fake-vehicle.ts";
import { TestClient } from "./ws-client.ts";

export const PILOT_SECRET = "pilot-secret";
export const OBSERVER_SECRET = "observer-secret";
// Cheap scrypt cost: tests and benchmarks authenticate hundreds of sessions.
const CHEAP = { N: 1024, r: 8, p: 1 };
const pilotHash = await hashSecret(PILOT_SECRET, CHEAP);
const observerHash = await hashSecret(OBSERVER_SECRET, CHEAP);

export interface TestHub {
  hub: Hub;
  clock: VirtualClock;
  registry: Registry;
  directory: VehicleDirectory;
  vehicle: FakeVehicle;
  url: string;
  clients: TestClient[];
  connect(): Promise<TestClient>;
  /** Connects, authenticates and attaches to rov1 with a role. */
  join(role: "pilot" | "observer", name?: string): Promise<TestClient>;
  /** Sum of a metric's values whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startTestHub(
  options: { limits?: Partial<BrowserLimits>; anonymousObservers?: boolean; staticDir?: string } = {},
): Promise<TestHub> {
  const clock = new VirtualClock();
  const registry = new Registry();
  const directory = new VehicleDirectory();
  const vehicle = new FakeVehicle("rov1");
  directory.add(vehicle);
  const hub = await createHub({
    clock,
    logger: createLogging({ level: "silent", components: {} }).child("hub"),
    registry,
    vehicles: directory,
    auth: {
      pilotHashes: [pilotHash],
      observerHashes: [observerHash],
      anonymousObservers: options.anonymousObservers ?? false,
    },
    host: "127.0.0.1",
    port: 0,
    ...(options.staticDir === undefined ? {} : { staticDir: options.staticDir }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const url = `ws://127.0.0.1:${hub.address.port}/ws`;
  const clients: TestClient[] = [];
  const t: TestHub = {
    hub,
    clock,
    registry,
    directory,
    vehicle,
    url,
    clients,
    async connect() {
      const c = await TestClient.connect(url);
      clients.push(c);
      return c;
    },
    async join(role, name = "") {
      const c = await t.connect();
      const result = await c.auth(role === "pilot" ? PILOT_SECRET : OBSERVER_SECRET, name);
      if (!result.ok) throw new Error(`auth failed: ${result.code}`);
      c.send({ type: "role-request", vehicle: "rov1", role, takeover: false });
      const granted = await c.next("role");
      if (granted.role !== role) throw new Error(`wanted ${role}, got ${granted.role}`);
      return c;
    },
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name);
      if (metric === undefined) throw new Error(`no metric ${name}`);
      const m = (await metric.get()) as { values: { labels: Record<string, string | number>; value: number }[] };
      let sum = 0;
      for (const x of m.values) if (Object.entries(labels).every(([k, val]) => x.labels[k] === val)) sum += x.value;
      return sum;
    },
    async close() {
      for (const c of clients) c.ws.terminate();
      await hub.close();
    },
  };
  return t;
}

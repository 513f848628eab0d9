import { TethysError } from "../kernel/errors.ts";

/**
 * The fleet topic tree, version 1 (docs/fleet.md):
 *
 *     tethys/v1/<site>/<vehicle>/status      retained  online | offline (Last Will: offline)
 *     tethys/v1/<site>/<vehicle>/state       retained  armed, mode, failsafes, version, config hash, pilot
 *     tethys/v1/<site>/<vehicle>/telemetry   QoS 0     summary at a low rate, with message expiry
 *     tethys/v1/<site>/<vehicle>/events      QoS 1     events, each with an id
 *     tethys/v1/<site>/<vehicle>/alarms      QoS 1     alarms raised and cleared, each with an id
 *     tethys/v1/<site>/<vehicle>/request     in        read-only requests ("state"); nothing else
 *
 * Site and vehicle are 1–32 lower-case letters, digits or dashes, so no segment can hold an MQTT
 * wildcard or a separator. Pure: strings in, strings out.
 */
export const FLEET_ROOT = "tethys/v1";
export const TOPIC_KINDS = ["status", "state", "telemetry", "events", "alarms", "request"] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

const SEGMENT = /^[a-z0-9][a-z0-9-]{0,31}$/;
const KINDS: ReadonlySet<string> = new Set(TOPIC_KINDS);

export interface FleetTopics {
  status: string;
  state: string;
  telemetry: string;
  events: string;
  alarms: string;
  request: string;
}

export interface ParsedTopic {
  site: string;
  vehicle: string;
  kind: TopicKind;
}

/** True when `s` is a valid site or vehicle segment. */
export function isFleetSegment(s: string): boolean {
  return SEGMENT.test(s);
}

function checkSegment(what: "site" | "vehicle", s: string): void {
  if (!SEGMENT.test(s))
    throw new TethysError("FLEET_BAD_TOPIC", `${what} "${s}" is not 1–32 lower-case letters, digits or dashes`);
}

/** The topics of one vehicle at one site. */
export function fleetTopics(site: string, vehicle: string): FleetTopics {
  checkSegment("site", site);
  checkSegment("vehicle", vehicle);
  const base = `${FLEET_ROOT}/${site}/${vehicle}`;
  return {
    status: `${base}/status`,
    state: `${base}/state`,
    telemetry: `${base}/telemetry`,
    events: `${base}/events`,
    alarms: `${base}/alarms`,
    request: `${base}/request`,
  };
}

/** Subscription filter for everything the fleet publishes (all sites, or one). */
export function fleetFilter(site?: string): string {
  if (site !== undefined) checkSegment("site", site);
  return `${FLEET_ROOT}/${site ?? "+"}/+/+`;
}

/** A fleet topic's site, vehicle and kind, or undefined when the topic is not one of the tree. */
export function parseFleetTopic(topic: string): ParsedTopic | undefined {
  if (topic.length > 128 || !topic.startsWith(`${FLEET_ROOT}/`)) return undefined;
  const parts = topic.slice(FLEET_ROOT.length + 1).split("/");
  if (parts.length !== 3) return undefined;
  const [site, vehicle, kind] = parts as [string, string, string];
  if (!SEGMENT.test(site) || !SEGMENT.test(vehicle) || !KINDS.has(kind)) return undefined;
  return { site, vehicle, kind: kind as TopicKind };
}

import { EventEmitter } from "node:events";
import type { Message, MessageType } from "../protocol/index.ts";
import { HubCodes, HubError } from "./errors.ts";

/** Message types a pilot's browser may send to a vehicle. */
const COMMAND_TYPES = [
  "pilot",
  "arm",
  "disarm",
  "mode",
  "lights",
  "camera-tilt",
  "reset-energy",
  "motor-test",
  "thruster-config",
  "depth-zero",
  "heartbeat",
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];
export type CommandMessage = Extract<Message, { type: CommandType }>;

/** A decoded frame from a vehicle, with the vehicle's own header (kept when proxied to browsers). */
export interface VehicleFrame {
  message: Message;
  seq: number;
  /** µs since the Unix epoch, as the vehicle stamped it. */
  timestamp: number;
}

export interface VehicleChannelEvents {
  /** A telemetry frame (latest wins: browsers may skip some). */
  telemetry: [frame: VehicleFrame];
  /** An event or alarm (queued for every browser, never merged). */
  event: [frame: VehicleFrame];
  connected: [];
  disconnected: [reason: string];
}

/**
 * The hub's view of one vehicle: `LinkedVehicle` implements it on top of the TLS command link
 * (commands) and the DTLS telemetry server (telemetry, events). Contract:
 * - `id` is the vehicle identity (config `vehicle.id`), fixed for the channel's life.
 * - `connected` is true while commands can be delivered; `connected`/`disconnected` fire on change.
 * - `sendCommand` delivers one validated command message to the vehicle, or throws a TethysError
 *   (e.g. when the link is down). It must not block: pilot input is latest-value on the link.
 * - `telemetry` and `event` carry validated, decoded frames.
 */
export interface VehicleChannel {
  readonly id: string;
  readonly connected: boolean;
  sendCommand(message: CommandMessage): void;
  on<E extends keyof VehicleChannelEvents>(event: E, listener: (...args: VehicleChannelEvents[E]) => void): unknown;
  off<E extends keyof VehicleChannelEvents>(event: E, listener: (...args: VehicleChannelEvents[E]) => void): unknown;
}

export interface VehicleSourceEvents {
  added: [channel: VehicleChannel];
  removed: [id: string];
}

/**
 * The set of vehicles the hub serves, injected into the hub. Vehicles are typically added once
 * (from config or on first contact) and stay while they reconnect; `remove` is for good.
 */
export class VehicleDirectory extends EventEmitter<VehicleSourceEvents> {
  private readonly channels = new Map<string, VehicleChannel>();

  add(channel: VehicleChannel): void {
    if (!VEHICLE_ID.test(channel.id))
      throw new HubError(
        HubCodes.BAD_VEHICLE_ID,
        `vehicle id "${channel.id}" is not 1–32 lower-case letters, digits or dashes`,
      );
    if (this.channels.has(channel.id))
      throw new HubError(HubCodes.DUPLICATE_VEHICLE, `vehicle "${channel.id}" is already in the directory`);
    this.channels.set(channel.id, channel);
    this.emit("added", channel);
  }

  remove(id: string): boolean {
    if (!this.channels.delete(id)) return false;
    this.emit("removed", id);
    return true;
  }

  get(id: string): VehicleChannel | undefined {
    return this.channels.get(id);
  }

  list(): VehicleChannel[] {
    return [...this.channels.values()];
  }

  /** Vehicles in the directory, and how many of them are connected now. */
  counts(): { total: number; connected: number } {
    let connected = 0;
    for (const v of this.channels.values()) if (v.connected) connected++;
    return { total: this.channels.size, connected };
  }
}

/** The identities the config allows (`vehicle.id`); they fit the protocol's 32-byte vehicle field. */
const VEHICLE_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

const COMMANDS: ReadonlySet<MessageType> = new Set<CommandType>(COMMAND_TYPES);

export function isCommand(message: Message): message is CommandMessage {
  return COMMANDS.has(message.type);
}

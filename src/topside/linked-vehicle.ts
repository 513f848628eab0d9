import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { TethysError } from "../kernel/errors.ts";
import { CommandCodes, type VehicleConnection } from "../links/command/index.ts";
import { type DecodedFrame, SCHEMA } from "../protocol/index.ts";
import type { CommandMessage, VehicleChannel, VehicleChannelEvents } from "./vehicle-channel.ts";

/**
 * One vehicle as the hub sees it, joined from its two links: the TLS command link (commands
 * out; events and alarms in) and the DTLS telemetry (telemetry in). `connected` follows the
 * command link, since that is what carries control. A reconnecting vehicle replaces its
 * previous command connection.
 */
export class LinkedVehicle extends EventEmitter<VehicleChannelEvents> implements VehicleChannel {
  readonly id: string;
  private conn: VehicleConnection | undefined;
  private readonly logger: Logger | undefined;

  constructor(id: string, logger?: Logger) {
    super();
    this.id = id;
    this.logger = logger;
  }

  get connected(): boolean {
    return this.conn !== undefined && !this.conn.closed;
  }

  /** A new command connection from this vehicle (after certificate and pin checks). */
  attach(conn: VehicleConnection): void {
    const wasConnected = this.connected;
    this.conn = conn;
    conn.on("message", (message, meta) => {
      if (message.type === "event" || message.type === "alarm") {
        this.emit("event", { message, seq: meta.seq, timestamp: meta.timestamp });
      }
    });
    conn.on("close", (code, err) => {
      if (this.conn !== conn) return; // replaced by a newer connection
      this.conn = undefined;
      // A close either end chose (the vehicle said it was stopping, or the hub is) is news, not a
      // fault; a link that dropped is a warning.
      const clean = code === CommandCodes.PEER_LEFT || code === CommandCodes.CLOSED;
      this.logger?.[clean ? "info" : "warn"]({ vehicle: this.id, code }, `vehicle command link closed: ${err.message}`);
      this.emit("disconnected", code);
    });
    if (!wasConnected) this.emit("connected");
  }

  /** A decoded telemetry frame from this vehicle's DTLS session. */
  telemetry(frame: DecodedFrame): void {
    const v = { message: frame.message, seq: frame.seq, timestamp: frame.timestamp };
    if (SCHEMA[frame.message.type].direction === "telemetry") this.emit("telemetry", v);
    else if (frame.message.type === "event" || frame.message.type === "alarm") this.emit("event", v);
  }

  sendCommand(message: CommandMessage): void {
    const conn = this.conn;
    if (!conn || conn.closed) throw new TethysError("HUB_VEHICLE_OFFLINE", `vehicle ${this.id} is not connected`);
    const r = conn.send(message);
    // On the wire now: the rest of this turn may be a fan-out to many browsers.
    if (r === "written") conn.flush();
    if (r === "dropped" || r === "full") {
      throw new TethysError(
        "HUB_COMMAND_NOT_QUEUED",
        `command ${message.type} to ${this.id} not queued (${r}): the link is congested`,
      );
    }
  }
}

import { EventEmitter } from "node:events";
import type { MessageOf } from "../../protocol/index.ts";
import { sampleTelemetry } from "../../protocol/testing/sample-telemetry.ts";
import { HubCodes, HubError } from "../errors.ts";
import type { CommandMessage, VehicleChannel, VehicleChannelEvents } from "../vehicle-channel.ts";

/** In-memory vehicle for tests and benchmarks: records commands, emits what the test tells it to. */
export class FakeVehicle extends EventEmitter<VehicleChannelEvents> implements VehicleChannel {
  readonly id: string;
  connected = true;
  readonly commands: CommandMessage[] = [];
  /** Called for each command delivered (tests and benches await commands through it). */
  onCommand: ((message: CommandMessage) => void) | undefined;
  private seq = 0;

  constructor(id: string) {
    super();
    this.id = id;
  }

  sendCommand(message: CommandMessage): void {
    if (!this.connected) throw new HubError(HubCodes.VEHICLE_OFFLINE, `${this.id} is not connected`);
    this.commands.push(message);
    this.onCommand?.(message);
  }

  telemetry(overrides: Partial<MessageOf<"telemetry">> = {}, timestamp = 1_767_225_600_000_000): void {
    this.emit("telemetry", { message: { ...sampleTelemetry(), ...overrides }, seq: this.seq++, timestamp });
  }

  event(message: MessageOf<"event"> | MessageOf<"alarm">, timestamp = 1_767_225_600_000_000): void {
    this.emit("event", { message, seq: this.seq++, timestamp });
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    if (connected) this.emit("connected");
    else this.emit("disconnected", "test");
  }
}

export { sampleTelemetry };

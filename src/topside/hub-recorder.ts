import type { DiveRecorder } from "../dive-log/recorder.ts";
import type { Message } from "../protocol/index.ts";
import type { RoleChange } from "./roles.ts";
import type { VehicleChannel, VehicleDirectory, VehicleFrame } from "./vehicle-channel.ts";

/**
 * What the hub's session protocol tells the dive log: every pilot command with the session that
 * sent it (`code` empty when forwarded, the refusal code otherwise) and every role change. The
 * vehicles' own frames and link changes reach the log from the vehicle directory (below), not
 * through the protocol.
 */
export interface HubRecorder {
  command(vehicle: string, session: number, name: string, message: Message, code: string): void;
  role(change: RoleChange, name: string): void;
}

export interface DiveLogHook extends HubRecorder {
  /** Stops listening to the directory and its vehicles. */
  detach(): void;
}

/**
 * Joins a DiveRecorder to the hub: the returned hook goes into `HubProtocolOptions.recorder`;
 * every vehicle in the directory (now and added later) has its telemetry, events, alarms and link
 * changes recorded.
 */
export function attachDiveLog(directory: VehicleDirectory, recorder: DiveRecorder): DiveLogHook {
  const unsubscribe = new Map<string, () => void>();
  const add = (channel: VehicleChannel) => {
    const id = channel.id;
    const telemetry = (f: VehicleFrame) => recorder.telemetry(id, f);
    const event = (f: VehicleFrame) => recorder.event(id, f);
    const connected = () => recorder.link(id, true, "");
    const disconnected = (reason: string) => recorder.link(id, false, reason);
    channel.on("telemetry", telemetry);
    channel.on("event", event);
    channel.on("connected", connected);
    channel.on("disconnected", disconnected);
    unsubscribe.set(id, () => {
      channel.off("telemetry", telemetry);
      channel.off("event", event);
      channel.off("connected", connected);
      channel.off("disconnected", disconnected);
    });
  };
  const remove = (id: string) => {
    unsubscribe.get(id)?.();
    unsubscribe.delete(id);
  };
  for (const v of directory.list()) add(v);
  directory.on("added", add);
  directory.on("removed", remove);
  return {
    command: (vehicle, session, name, message, code) =>
      recorder.command(vehicle, { session, name, message, result: code === "" ? "forwarded" : "refused", code }),
    role: (c, name) => recorder.role(c.vehicle, { session: c.session, name, role: c.role, reason: c.reason, by: c.by }),
    detach: () => {
      directory.off("added", add);
      directory.off("removed", remove);
      for (const off of unsubscribe.values()) off();
      unsubscribe.clear();
    },
  };
}

import type { SerialLink } from "../../../hardware/ports/serial-link.ts";
import { CobsFrameReader } from "../../protocol/cobs-frame-reader.ts";
import { encodeMessage } from "../../protocol/codec.ts";
import { ACK_STATUS, type Message, specByName } from "../../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../../protocol/version.ts";

/**
 * A scriptable stand-in for the MCU, in TypeScript, for unit tests of the bridge over an
 * in-memory link (the real firmware logic is tested in C and end to end behind a pty).
 */
export class FakeMcu {
  readonly received: Message[] = [];
  proto = PROTOCOL_VERSION;
  /** Answer acked commands with this status; undefined: do not answer at all. */
  ackStatus: number | undefined = ACK_STATUS.ok;
  /** When false the fake ignores everything (a hung MCU). */
  responsive = true;
  private seq = 0;
  private readonly link: SerialLink;
  private readonly reader = new CobsFrameReader((m) => this.handle(m));

  constructor(link: SerialLink) {
    this.link = link;
    link.onData((c) => this.reader.feed(c));
  }

  async send(msg: Message): Promise<void> {
    await this.link.write(encodeMessage({ ...msg, seq: this.seq++ & 0xff } as Message));
  }

  async sendRaw(bytes: Uint8Array): Promise<void> {
    await this.link.write(bytes);
  }

  count(name: Message["name"]): number {
    return this.received.filter((m) => m.name === name).length;
  }

  private handle(m: Message): void {
    this.received.push(m);
    if (!this.responsive) return;
    const spec = specByName(m.name);
    if (m.name === "hello") {
      void this.send({
        name: "helloReply",
        seq: 0,
        fields: { proto: this.proto, fwMajor: 0, fwMinor: 1, fwPatch: 0, caps: 31, channels: 8, watchdogMs: 500 },
      });
    } else if (m.name === "ping") {
      void this.send({ name: "pong", seq: 0, fields: { token: m.fields.token, mcuMs: 1 } });
    } else if (spec.ack && this.ackStatus !== undefined) {
      void this.send({ name: "ack", seq: 0, fields: { seq: m.seq, type: spec.id, status: this.ackStatus } });
    }
  }
}

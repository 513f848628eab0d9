import { connect, type IClientOptions, type MqttClient } from "mqtt";

/**
 * A test subscriber: collects every message on its filters and lets a test wait for the first
 * one matching a predicate (an event, never a sleep).
 */
export interface Received {
  topic: string;
  text: string;
  retain: boolean;
  properties: Record<string, unknown> | undefined;
}

export class MqttWatch {
  readonly client: MqttClient;
  readonly messages: Received[] = [];
  private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(client: MqttClient) {
    this.client = client;
    client.on("message", (topic, payload, packet) => {
      const m: Received = {
        topic,
        text: payload.toString("utf8"),
        retain: packet.retain,
        properties: packet.properties as Record<string, unknown> | undefined,
      };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static async open(url: string, filters: string[], options: IClientOptions = {}): Promise<MqttWatch> {
    const client = connect(url, { reconnectPeriod: 200, protocolVersion: 5, ...options });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    const w = new MqttWatch(client);
    await client.subscribeAsync(filters, { qos: 1 });
    return w;
  }

  /** Resolves with the first message (already received or coming) that matches. */
  next(match: (m: Received) => boolean): Promise<Received> {
    const seen = this.messages.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  json(m: Received): Record<string, unknown> {
    return JSON.parse(m.text) as Record<string, unknown>;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

import type { HandshakePhase } from "../classify-error.ts";
import type { DtlsSession, DtlsSessionFactory, DtlsSessionHandlers, DtlsSessionParams } from "../types.ts";

/** One session created by FakeSessions: the test drives its events and reads what was sent. */
export interface FakeSession {
  params: DtlsSessionParams;
  handlers: DtlsSessionHandlers;
  sent: Uint8Array[];
  closed: boolean;
  /** When true, `send` throws as a dead node-dtls-client socket does. */
  failSends: boolean;
  /** What `phase()` reports; tests set it. */
  phase: HandshakePhase;
}

/** An in-memory DtlsSessionFactory for state-machine tests (no network). */
export class FakeSessions {
  readonly sessions: FakeSession[] = [];

  readonly factory: DtlsSessionFactory = (params, handlers): DtlsSession => {
    const s: FakeSession = { params, handlers, sent: [], closed: false, failSends: false, phase: "hello" };
    this.sessions.push(s);
    return {
      send: (data) => {
        if (s.closed || s.failSends) throw new Error("The socket is closed. Cannot send data.");
        s.sent.push(data);
      },
      close: () => {
        s.closed = true;
      },
      phase: () => s.phase,
    };
  };

  get last(): FakeSession {
    const s = this.sessions.at(-1);
    if (s === undefined) throw new Error("no session created yet");
    return s;
  }

  get open(): FakeSession[] {
    return this.sessions.filter((s) => !s.closed);
  }
}

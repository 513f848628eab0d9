/**
 * The sans-IO DTLS server: a stateless front that answers ClientHellos with cookie
 * HelloVerifyRequests, and one ServerConnection per (address, port) once a cookie checks out.
 * Datagrams in (`receive`), datagrams and events out (the sink), deadlines out (`nextDeadline`,
 * honoured by calling `handleTimeout`). A flood of spoofed hellos allocates nothing that
 * outlives the call: no session exists before the cookie round trip.
 */
import { TethysError } from "../errors.ts";
import { CookieJar } from "./cookie.ts";
import {
	type CipherSuite,
	SUITES,
	type SuiteName,
	suiteByName,
} from "./crypto/suites.ts";
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import { newRecordView, readRecord } from "./record/record-layer.ts";
import { ServerConnection } from "./server-session.ts";
import {
	type CloseCode,
	type ConnectionOptions,
	DEFAULT_CONNECTION_OPTIONS,
	type DtlsCounters,
	newCounters,
	type PskLookup,
} from "./types.ts";
import { type ParsedClientHello, parseClientHello } from "./wire/hello.ts";
import {
	ContentType,
	DTLS_1_0,
	HANDSHAKE_HEADER_SIZE,
	HandshakeHeader,
	HandshakeType,
	HelloVerifyRequest,
	RECORD_HEADER_SIZE,
	RecordHeader,
} from "./wire/messages.ts";
import {
	decodeStructAt,
	encodeStruct,
	encodeStructInto,
} from "./wire/struct.ts";

export interface PeerAddress {
	address: string;
	port: number;
}

export interface DtlsServerOptions extends ConnectionOptions {
	suites: readonly SuiteName[];
	psk: PskLookup;
	/** Sessions still handshaking (after the cookie round trip) at most. */
	maxHalfOpen: number;
	/** Sessions in total at most. */
	maxSessions: number;
	/** Cookie secret rotation period. */
	cookieLifetimeMs: number;
}

export const DEFAULT_SERVER_OPTIONS: Omit<DtlsServerOptions, "psk"> = {
	...DEFAULT_CONNECTION_OPTIONS,
	suites: [
		"TLS_PSK_WITH_AES_128_CCM_8",
		"TLS_PSK_WITH_AES_128_GCM_SHA256",
		"TLS_PSK_WITH_AES_128_CCM",
	],
	maxHalfOpen: 16,
	maxSessions: 64,
	cookieLifetimeMs: 60_000,
};

export interface SessionInfo {
	readonly id: number;
	readonly peer: PeerAddress;
	readonly identity: string;
	readonly state: "handshaking" | "established" | "closed";
}

export type ServerEvent =
	| {
			type: "established";
			session: SessionInfo;
			identity: string;
			suite: SuiteName;
			extendedMasterSecret: boolean;
	  }
	| { type: "data"; session: SessionInfo; data: Uint8Array }
	| {
			type: "closed";
			session: SessionInfo;
			code: CloseCode;
			message: string;
			alert?: number;
	  };

export interface ServerSink {
	transmit(datagram: Uint8Array, peer: PeerAddress): void;
	event(e: ServerEvent): void;
}

class Entry implements SessionInfo {
	readonly id: number;
	readonly peer: PeerAddress;
	conn!: ServerConnection;
	constructor(id: number, peer: PeerAddress) {
		this.id = id;
		this.peer = peer;
	}
	get identity(): string {
		return this.conn.identity;
	}
	get state(): SessionInfo["state"] {
		return this.conn.state;
	}
}

export class DtlsServerEngine {
	readonly counters: DtlsCounters = newCounters();
	private readonly opts: DtlsServerOptions;
	private readonly suites: CipherSuite[];
	private readonly sink: ServerSink;
	private readonly cookies: CookieJar;
	private readonly sessions = new Map<string, Entry>();
	private readonly view = newRecordView();
	private nextId = 1;

	constructor(
		opts: Partial<DtlsServerOptions> & { psk: PskLookup },
		sink: ServerSink,
		now: number,
	) {
		this.opts = { ...DEFAULT_SERVER_OPTIONS, ...opts };
		this.suites = this.opts.suites.map((n) => {
			const s = suiteByName(n);
			if (s === undefined)
				throw new TethysError(
					"DTLS_CONFIG_INVALID",
					`unsupported cipher suite ${n}`,
					{ details: { known: SUITES.map((x) => x.name) } },
				);
			return s;
		});
		if (this.suites.length === 0)
			throw new TethysError(
				"DTLS_CONFIG_INVALID",
				"no cipher suite configured",
			);
		this.sink = sink;
		this.cookies = new CookieJar(now, this.opts.cookieLifetimeMs);
	}

	get sessionCount(): number {
		return this.sessions.size;
	}

	get halfOpenCount(): number {
		let n = 0;
		for (const e of this.sessions.values())
			if (e.conn.state === "handshaking") n++;
		return n;
	}

	/** Established and handshaking sessions. */
	list(): SessionInfo[] {
		return [...this.sessions.values()];
	}

	find(peer: PeerAddress): SessionInfo | undefined {
		return this.sessions.get(key(peer));
	}

	receive(datagram: Uint8Array, peer: PeerAddress, now: number): void {
		this.counters.datagramsReceived++;
		const k = key(peer);
		const entry = this.sessions.get(k);
		if (entry !== undefined && !this.isForeignHello(datagram, entry)) {
			entry.conn.handleDatagram(datagram, now);
			return;
		}
		this.front(datagram, peer, k, entry, now);
	}

	/** Send one application message to an established session. */
	send(session: SessionInfo, data: Uint8Array): void {
		const e = this.sessions.get(key(session.peer));
		if (e === undefined || e.id !== session.id)
			throw new TethysError("DTLS_NO_SESSION", `no session ${session.id}`);
		e.conn.send(data);
	}

	maxPayload(session: SessionInfo): number {
		return this.sessions.get(key(session.peer))?.conn.maxPayload() ?? 0;
	}

	close(session: SessionInfo, code: CloseCode = "DTLS_LOCAL_CLOSE"): void {
		const e = this.sessions.get(key(session.peer));
		if (e !== undefined && e.id === session.id)
			e.conn.close(code, "closed by the server");
	}

	closeAll(): void {
		for (const e of [...this.sessions.values()])
			e.conn.close("DTLS_SERVER_SHUTDOWN", "server shutting down");
	}

	nextDeadline(): number | undefined {
		let d: number | undefined;
		for (const e of this.sessions.values()) {
			const x = e.conn.nextDeadline();
			if (x !== undefined && (d === undefined || x < d)) d = x;
		}
		return d;
	}

	handleTimeout(now: number): void {
		for (const e of [...this.sessions.values()]) {
			const d = e.conn.nextDeadline();
			if (d !== undefined && now >= d) e.conn.handleTimeout(now);
		}
	}

	/** A plaintext ClientHello from a different client random than the session's own. */
	private isForeignHello(d: Uint8Array, e: Entry): boolean {
		if (d.length < RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + 34)
			return false;
		if (
			d[0] !== ContentType.handshake ||
			d[3] !== 0 ||
			d[4] !== 0 ||
			d[RECORD_HEADER_SIZE] !== HandshakeType.clientHello
		)
			return false;
		const off = RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + 2;
		return !e.conn.sameHello(d.subarray(off, off + 32));
	}

	private front(
		d: Uint8Array,
		peer: PeerAddress,
		k: string,
		existing: Entry | undefined,
		now: number,
	): void {
		const next = readRecord(d, 0, this.view);
		const r = this.view;
		if (next < 0 || r.type !== ContentType.handshake || r.epoch !== 0) {
			this.counters.dropped[next < 0 ? "malformed" : "noSession"]++;
			return;
		}
		this.counters.recordsReceived++;
		const h = decodeStructAt(HandshakeHeader, r.fragment, 0);
		if (h === undefined || h.value.msgType !== HandshakeType.clientHello) {
			this.counters.dropped[h === undefined ? "malformed" : "noSession"]++;
			return;
		}
		const hh = h.value;
		// The stateless front only takes a hello in one fragment (RFC 6347 4.2.1 lets it).
		if (
			hh.fragmentOffset !== 0 ||
			hh.fragmentLength !== hh.length ||
			h.next + hh.length > r.fragment.length
		) {
			this.counters.dropped.malformed++;
			return;
		}
		const body = r.fragment.subarray(h.next, h.next + hh.length);
		const hello = parseClientHello(body);
		if (hello === undefined) {
			this.counters.dropped.malformed++;
			return;
		}
		if (!this.cookies.verify(peer.address, peer.port, hello, now)) {
			if (hello.raw.cookie.length > 0) this.counters.dropped.badCookie++;
			this.sendHelloVerify(hello, hh.messageSeq, r.sequence, peer, now);
			return;
		}
		if (existing !== undefined)
			existing.conn.abandon(
				"DTLS_REPLACED",
				"client restarted on the same address and port",
			);
		if (this.halfOpenCount >= this.opts.maxHalfOpen) {
			this.counters.dropped.halfOpenLimit++;
			return;
		}
		if (this.sessions.size >= this.opts.maxSessions) {
			this.counters.dropped.sessionLimit++;
			return;
		}
		this.accept(
			{ msgType: hh.msgType, messageSeq: hh.messageSeq, body: body.slice() },
			hello,
			r.sequence,
			peer,
			k,
			now,
		);
	}

	private accept(
		m: HandshakeMessage,
		hello: ParsedClientHello,
		seq: number,
		peer: PeerAddress,
		k: string,
		now: number,
	): void {
		const entry = new Entry(this.nextId++, {
			address: peer.address,
			port: peer.port,
		});
		this.sessions.set(k, entry);
		const sink = {
			transmit: (dg: Uint8Array) => this.sink.transmit(dg, entry.peer),
			event: (e: import("./types.ts").ConnectionEvent) => {
				if (e.type === "closed" && this.sessions.get(k) === entry)
					this.sessions.delete(k);
				if (e.type === "data")
					this.sink.event({ type: "data", session: entry, data: e.data });
				else if (e.type === "established")
					this.sink.event({ ...e, session: entry });
				else this.sink.event({ ...e, session: entry });
			},
		};
		entry.conn = new ServerConnection(
			m,
			hello,
			seq,
			{ ...this.opts, suites: this.suites },
			sink,
			this.counters,
			now,
		);
	}

	private sendHelloVerify(
		hello: ParsedClientHello,
		messageSeq: number,
		recordSeq: number,
		peer: PeerAddress,
		now: number,
	): void {
		const body = encodeStruct(HelloVerifyRequest, {
			serverVersion: DTLS_1_0,
			cookie: this.cookies.make(peer.address, peer.port, hello, now),
		});
		const out = new Uint8Array(
			RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + body.length,
		);
		encodeStructInto(
			RecordHeader,
			{
				type: ContentType.handshake,
				version: DTLS_1_0,
				epoch: 0,
				sequence: recordSeq,
				length: HANDSHAKE_HEADER_SIZE + body.length,
			},
			out,
			0,
		);
		encodeStructInto(
			HandshakeHeader,
			{
				msgType: HandshakeType.helloVerifyRequest,
				length: body.length,
				messageSeq,
				fragmentOffset: 0,
				fragmentLength: body.length,
			},
			out,
			RECORD_HEADER_SIZE,
		);
		out.set(body, RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE);
		this.counters.helloVerifySent++;
		this.counters.datagramsSent++;
		this.sink.transmit(out, peer);
	}
}

function key(p: PeerAddress): string {
	return `${p.address}|${p.port}`;
}
